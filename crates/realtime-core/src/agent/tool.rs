//! Tools an agent offers: typed arguments, a generated schema, an async handler.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::schema::inline_schema_for;
use crate::protocol::Tool;

/// What a tool handler knows about the call.
#[derive(Debug, Clone)]
pub struct ToolContext {
    /// The agent whose tool was called.
    pub agent: String,
    /// The call id.
    pub call_id: String,
}

/// Why a tool produced no result. Its text goes back to the model as the tool's
/// output, so the model can tell the user; the session goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ToolError {
    /// The handler reported a failure.
    #[error("{0}")]
    Failed(String),
    /// The model's arguments did not match the tool's parameters.
    #[error("invalid arguments for `{tool}`: {message}")]
    InvalidArguments {
        /// The tool.
        tool: String,
        /// What was wrong (serde's message: the field, what was expected, what came).
        message: String,
    },
    /// The handler did not finish in time.
    #[error("`{tool}` timed out after {after:?}")]
    Timeout {
        /// The tool.
        tool: String,
        /// The timeout.
        after: Duration,
    },
    /// The handler panicked.
    #[error("`{tool}` failed unexpectedly")]
    Panicked {
        /// The tool.
        tool: String,
    },
    /// The app rejected the call.
    #[error("the user did not approve `{tool}`")]
    Rejected {
        /// The tool.
        tool: String,
    },
    /// The model called a tool the agent does not have.
    #[error("no tool named `{tool}`")]
    Unknown {
        /// The name the model used.
        tool: String,
    },
}

impl ToolError {
    /// A handler failure with `message`.
    pub fn failed(message: impl fmt::Display) -> Self {
        Self::Failed(message.to_string())
    }

    /// The JSON output sent to the model: `{"error": "..."}`.
    pub fn to_output(&self) -> String {
        serde_json::json!({ "error": self.to_string() }).to_string()
    }
}

/// The future of one tool call: the output sent to the model, or why there is none.
pub type ToolFuture = Pin<Box<dyn Future<Output = Result<String, ToolError>> + Send>>;
type Handler = dyn Fn(String, ToolContext) -> ToolFuture + Send + Sync;

/// A tool: a function with typed arguments the model may call.
///
/// ```
/// use realtime_core::agent::{AgentTool, ToolError};
/// use schemars::JsonSchema;
/// use serde::Deserialize;
///
/// #[derive(Deserialize, JsonSchema)]
/// struct Lookup {
///     /// The order number.
///     order: String,
/// }
///
/// let tool = AgentTool::new("lookup_order", "Finds an order by number.", |args: Lookup, _ctx| async move {
///     Ok::<_, ToolError>(serde_json::json!({ "order": args.order, "status": "shipped" }))
/// });
/// let schema = tool.definition();
/// assert_eq!(schema.name(), Some("lookup_order"));
/// ```
#[derive(Clone)]
pub struct AgentTool {
    name: String,
    description: String,
    parameters: Value,
    handler: Arc<Handler>,
    timeout: Option<Duration>,
    needs_approval: bool,
}

impl fmt::Debug for AgentTool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentTool")
            .field("name", &self.name)
            .field("timeout", &self.timeout)
            .field("needs_approval", &self.needs_approval)
            .finish_non_exhaustive()
    }
}

impl AgentTool {
    /// A tool whose arguments deserialize into `A`; the JSON schema of `A` (inlined,
    /// no `$ref`) becomes the function's `parameters`.
    pub fn new<A, F, Fut, O>(
        name: impl Into<String>,
        description: impl Into<String>,
        handler: F,
    ) -> Self
    where
        A: DeserializeOwned + JsonSchema + Send + 'static,
        F: Fn(A, ToolContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<O, ToolError>> + Send + 'static,
        O: Serialize + 'static,
    {
        let name = name.into();
        let tool_name = name.clone();
        let handler = Arc::new(handler);
        let erased = move |arguments: String, context: ToolContext| -> ToolFuture {
            let parsed = if arguments.trim().is_empty() {
                serde_json::from_str::<A>("{}")
            } else {
                serde_json::from_str::<A>(&arguments)
            };
            match parsed {
                Err(error) => {
                    let tool = tool_name.clone();
                    Box::pin(async move {
                        Err(ToolError::InvalidArguments {
                            tool,
                            message: error.to_string(),
                        })
                    })
                }
                Ok(args) => {
                    let future = handler(args, context);
                    Box::pin(async move {
                        let output = future.await?;
                        match serde_json::to_value(&output) {
                            Ok(Value::String(text)) => Ok(text),
                            Ok(value) => Ok(value.to_string()),
                            Err(error) => Err(ToolError::failed(format!(
                                "the tool's result could not be serialised: {error}"
                            ))),
                        }
                    })
                }
            }
        };
        Self {
            name,
            description: description.into(),
            parameters: inline_schema_for::<A>(),
            handler: Arc::new(erased),
            timeout: None,
            needs_approval: false,
        }
    }

    /// Sets this tool's timeout (the runner's default applies otherwise).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Requires the app's approval before each call (see `AgentSession::approve`).
    #[must_use]
    pub fn needs_approval(mut self) -> Self {
        self.needs_approval = true;
        self
    }

    /// The tool's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether calls wait for approval.
    pub fn requires_approval(&self) -> bool {
        self.needs_approval
    }

    /// The tool's own timeout, if set.
    pub fn own_timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The definition sent to the model.
    pub fn definition(&self) -> Tool {
        Tool::function(
            self.name.clone(),
            self.description.clone(),
            self.parameters.clone(),
        )
    }

    /// Runs the handler. It has no timeout and no panic guard of its own: the agent
    /// machine enforces the timeout, and whoever drives the machine runs this future
    /// where a panic is contained (the tokio driver: a task of its own).
    pub fn invoke(&self, arguments: String, context: ToolContext) -> ToolFuture {
        (self.handler)(arguments, context)
    }
}
