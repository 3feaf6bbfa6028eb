//! Tools an agent offers: typed arguments, a generated schema, an async handler.

use std::any::{Any, TypeId};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::history::History;
use super::schema::inline_schema_for;
use crate::protocol::Tool;

/// The application state a runner hands to tools, guardrails and hooks, type-erased
/// (see `AgentRunner::context`). The default is `()`.
#[derive(Clone)]
pub struct SharedState {
    value: Arc<dyn Any + Send + Sync>,
    type_id: TypeId,
    type_name: &'static str,
}

impl fmt::Debug for SharedState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedState")
            .field("type", &self.type_name)
            .finish_non_exhaustive()
    }
}

impl Default for SharedState {
    fn default() -> Self {
        Self::new(())
    }
}

impl SharedState {
    /// Wraps `state`.
    pub fn new<T: Send + Sync + 'static>(state: T) -> Self {
        Self::from_arc(Arc::new(state))
    }

    /// Wraps a state the app already shares.
    pub fn from_arc<T: Send + Sync + 'static>(state: Arc<T>) -> Self {
        Self {
            value: state,
            type_id: TypeId::of::<T>(),
            type_name: std::any::type_name::<T>(),
        }
    }

    /// The state, if it is a `T`.
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.value.downcast_ref::<T>()
    }

    /// The state as an `Arc<T>`, if it is a `T`.
    pub fn get_arc<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        Arc::clone(&self.value).downcast::<T>().ok()
    }

    /// The name of the state's type.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    pub(crate) fn type_id(&self) -> TypeId {
        self.type_id
    }
}

/// What a running tool reports before its output (see [`ToolContext::progress`] and
/// [`ToolContext::say`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ToolProgress {
    /// A status for the app (shown, logged): it becomes
    /// `AgentEvent::ToolProgress`; nothing is sent to the provider.
    Update(String),
    /// A spoken filler ("One moment, I am looking that up"): the session asks for a
    /// short response without tools that says it, if the call is still running when
    /// the response can start. It is also reported as `AgentEvent::ToolProgress`.
    Say(String),
}

/// Where a tool's progress goes: the driver of the agent machine. Returns whether the
/// session took it.
pub type ProgressSink =
    Arc<dyn Fn(String, ToolProgress) -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>;

/// What a tool handler knows about its call: the application state (`T`, set with
/// `AgentRunner::context`; `()` by default), a snapshot of the history when the call
/// started, and a handle to report progress while it runs.
///
/// ```
/// use std::sync::Arc;
/// use realtime_core::agent::{History, ToolContext};
///
/// struct App { greeting: &'static str }
/// let ctx = ToolContext::new("desk", "call_1", Arc::new(App { greeting: "hi" }), History::new());
/// assert_eq!(ctx.state().greeting, "hi");
/// assert!(ctx.history().is_empty());
/// ```
#[non_exhaustive]
pub struct ToolContext<T: ?Sized = ()> {
    /// The agent whose tool was called.
    pub agent: String,
    /// The call id.
    pub call_id: String,
    state: Arc<T>,
    history: Arc<History>,
    progress: Option<ProgressSink>,
}

impl<T: ?Sized> Clone for ToolContext<T> {
    fn clone(&self) -> Self {
        Self {
            agent: self.agent.clone(),
            call_id: self.call_id.clone(),
            state: Arc::clone(&self.state),
            history: Arc::clone(&self.history),
            progress: self.progress.clone(),
        }
    }
}

impl<T: ?Sized> fmt::Debug for ToolContext<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToolContext")
            .field("agent", &self.agent)
            .field("call_id", &self.call_id)
            .field("history_entries", &self.history.len())
            .finish_non_exhaustive()
    }
}

impl<T: ?Sized> ToolContext<T> {
    /// A context for a call, with no progress handle (progress reports are refused
    /// until [`with_progress`](Self::with_progress) sets one).
    pub fn new(
        agent: impl Into<String>,
        call_id: impl Into<String>,
        state: Arc<T>,
        history: History,
    ) -> Self {
        Self {
            agent: agent.into(),
            call_id: call_id.into(),
            state,
            history: Arc::new(history),
            progress: None,
        }
    }

    /// Sends progress reports to `sink` (what a driver of the machine sets).
    #[must_use]
    pub fn with_progress(mut self, sink: ProgressSink) -> Self {
        self.progress = Some(sink);
        self
    }

    /// The application state.
    pub fn state(&self) -> &T {
        &self.state
    }

    /// The application state, shared.
    pub fn state_arc(&self) -> Arc<T> {
        Arc::clone(&self.state)
    }

    /// The history as it was when the call started.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Reports a status to the app (`AgentEvent::ToolProgress`) while the tool runs.
    ///
    /// # Errors
    /// [`ToolError::Failed`] when the session is gone (or no driver set a handle).
    pub async fn progress(&self, message: impl Into<String>) -> Result<(), ToolError> {
        self.report(ToolProgress::Update(message.into())).await
    }

    /// Has the assistant say a short filler while the tool runs (see
    /// [`ToolProgress::Say`]).
    ///
    /// # Errors
    /// [`ToolError::Failed`] when the session is gone (or no driver set a handle).
    pub async fn say(&self, text: impl Into<String>) -> Result<(), ToolError> {
        self.report(ToolProgress::Say(text.into())).await
    }

    async fn report(&self, progress: ToolProgress) -> Result<(), ToolError> {
        let taken = match &self.progress {
            Some(sink) => sink(self.call_id.clone(), progress).await,
            None => false,
        };
        if taken {
            Ok(())
        } else {
            Err(ToolError::failed(
                "the progress report was not delivered: the session has ended",
            ))
        }
    }

    fn with_state<U: ?Sized>(&self, state: Arc<U>) -> ToolContext<U> {
        ToolContext {
            agent: self.agent.clone(),
            call_id: self.call_id.clone(),
            state,
            history: Arc::clone(&self.history),
            progress: self.progress.clone(),
        }
    }
}

/// The context as the machine's driver hands it to [`AgentTool::invoke`]: the state
/// type-erased.
pub type AnyToolContext = ToolContext<dyn Any + Send + Sync>;

impl AnyToolContext {
    /// A context carrying `state` (the runner's [`SharedState`]).
    pub fn erased(
        agent: impl Into<String>,
        call_id: impl Into<String>,
        state: &SharedState,
        history: History,
    ) -> Self {
        Self::new(agent, call_id, Arc::clone(&state.value), history)
    }
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
type Handler = dyn Fn(String, AnyToolContext) -> ToolFuture + Send + Sync;

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
    state_type: Option<(TypeId, &'static str)>,
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
    /// no `$ref`) becomes the function's `parameters`. The handler gets a
    /// [`ToolContext`] without application state; see
    /// [`with_context`](Self::with_context) for a tool that uses it.
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
        let unit: Arc<()> = Arc::new(());
        Self::erased(
            name.into(),
            description.into(),
            inline_schema_for::<A>(),
            None,
            move |args: A, context: AnyToolContext| {
                Ok(handler(args, context.with_state(Arc::clone(&unit))))
            },
        )
    }

    /// A tool whose handler gets the application state `T` set with
    /// `AgentRunner::context` (checked when the session starts: a runner whose
    /// state is not a `T` is refused with `AgentError::InvalidAgent`).
    ///
    /// ```
    /// use realtime_core::agent::{AgentTool, ToolContext, ToolError};
    /// use schemars::JsonSchema;
    /// use serde::Deserialize;
    ///
    /// struct Shop { stock: u32 }
    ///
    /// #[derive(Deserialize, JsonSchema)]
    /// struct Item { sku: String }
    ///
    /// let tool = AgentTool::with_context("check_stock", "Counts an item in stock.", |args: Item, ctx: ToolContext<Shop>| async move {
    ///     ctx.progress(format!("counting {}", args.sku)).await.ok();
    ///     Ok::<_, ToolError>(serde_json::json!({ "sku": args.sku, "stock": ctx.state().stock }))
    /// });
    /// assert_eq!(tool.name(), "check_stock");
    /// ```
    pub fn with_context<T, A, F, Fut, O>(
        name: impl Into<String>,
        description: impl Into<String>,
        handler: F,
    ) -> Self
    where
        T: Send + Sync + 'static,
        A: DeserializeOwned + JsonSchema + Send + 'static,
        F: Fn(A, ToolContext<T>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<O, ToolError>> + Send + 'static,
        O: Serialize + 'static,
    {
        let name = name.into();
        let tool_name = name.clone();
        Self::erased(
            name,
            description.into(),
            inline_schema_for::<A>(),
            Some((TypeId::of::<T>(), std::any::type_name::<T>())),
            move |args: A, context: AnyToolContext| match Arc::clone(&context.state).downcast::<T>()
            {
                Ok(state) => Ok(handler(args, context.with_state(state))),
                Err(_) => Err(ToolError::failed(format!(
                    "`{tool_name}` expects application state of type `{}`",
                    std::any::type_name::<T>()
                ))),
            },
        )
    }

    fn erased<A, F, Fut, O>(
        name: String,
        description: String,
        parameters: Value,
        state_type: Option<(TypeId, &'static str)>,
        handler: F,
    ) -> Self
    where
        A: DeserializeOwned + Send + 'static,
        F: Fn(A, AnyToolContext) -> Result<Fut, ToolError> + Send + Sync + 'static,
        Fut: Future<Output = Result<O, ToolError>> + Send + 'static,
        O: Serialize + 'static,
    {
        let tool_name = name.clone();
        let erased = move |arguments: String, context: AnyToolContext| -> ToolFuture {
            let parsed = if arguments.trim().is_empty() {
                serde_json::from_str::<A>("{}")
            } else {
                serde_json::from_str::<A>(&arguments)
            };
            let args = match parsed {
                Ok(args) => args,
                Err(error) => {
                    let tool = tool_name.clone();
                    return Box::pin(async move {
                        Err(ToolError::InvalidArguments {
                            tool,
                            message: error.to_string(),
                        })
                    });
                }
            };
            let future = match handler(args, context) {
                Ok(future) => future,
                Err(error) => return Box::pin(async move { Err(error) }),
            };
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
        };
        Self {
            name,
            description,
            parameters,
            handler: Arc::new(erased),
            timeout: None,
            needs_approval: false,
            state_type,
        }
    }

    /// The application state type the handler needs, if any (its name).
    pub fn state_type(&self) -> Option<&'static str> {
        self.state_type.map(|(_, name)| name)
    }

    pub(crate) fn state_type_id(&self) -> Option<TypeId> {
        self.state_type.map(|(id, _)| id)
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
    pub fn invoke(&self, arguments: String, context: AnyToolContext) -> ToolFuture {
        (self.handler)(arguments, context)
    }
}
