//! [`Agent`]: instructions, tools, handoffs, voice and guardrails.

use std::fmt;
use std::sync::Arc;

use serde_json::json;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use super::guardrail::{InputGuardrail, OutputGuardrail};
use super::history::History;
use super::schema::inline_schema_for;
use super::tool::{AgentTool, SharedState};
use crate::protocol::{ReasoningEffort, SessionConfig, Tool, ToolChoice, Voice};

/// What an agent's dynamic instructions can see.
#[derive(Debug)]
#[non_exhaustive]
pub struct AgentContext<'a> {
    /// The agent being activated.
    pub agent: &'a str,
    /// The conversation so far (after the handoff's input filter, if any).
    pub history: &'a History,
    /// The input of the handoff that made this agent active: the JSON arguments the
    /// model passed to the transfer tool (see [`Handoff::input`]), if any.
    pub handoff_input: Option<&'a serde_json::Value>,
}

type DynamicInstructions = dyn Fn(&AgentContext<'_>) -> String + Send + Sync;

/// An agent's instructions.
#[derive(Clone)]
pub enum Instructions {
    /// Fixed text.
    Static(String),
    /// Computed each time the agent becomes active.
    Dynamic(Arc<DynamicInstructions>),
}

impl fmt::Debug for Instructions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Static(text) => f.debug_tuple("Static").field(text).finish(),
            Self::Dynamic(_) => f.write_str("Dynamic(..)"),
        }
    }
}

/// What a handoff hook sees (see [`Handoff::on_handoff`]).
#[derive(Debug)]
#[non_exhaustive]
pub struct HandoffContext<'a> {
    /// The agent handing off.
    pub from: &'a str,
    /// The agent taking over.
    pub to: &'a str,
    /// The model's arguments to the transfer tool (`{}` for a handoff the app made
    /// with `AgentSession::handoff_to`).
    pub input: &'a serde_json::Value,
    /// The history the next agent sees (after the input filter).
    pub history: &'a History,
    /// The application state (see `AgentRunner::context`).
    pub state: &'a SharedState,
}

impl HandoffContext<'_> {
    /// The handoff input as `I`.
    ///
    /// # Errors
    /// The input does not deserialize into `I`.
    pub fn input_as<I: DeserializeOwned>(&self) -> Result<I, serde_json::Error> {
        I::deserialize(self.input)
    }

    /// The application state, if it is a `T`.
    pub fn state<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.state.get::<T>()
    }
}

type HandoffHook = dyn Fn(&HandoffContext<'_>) + Send + Sync;
type InputFilter = dyn Fn(&History) -> History + Send + Sync;
type InputCheck = dyn Fn(&str) -> Result<serde_json::Value, String> + Send + Sync;

/// A transfer from one agent to another over the same connection.
///
/// The model transfers by calling the transfer tool (`transfer_to_<target>`); with
/// [`input`](Self::input) that tool takes typed arguments (a reason, a payload) that
/// the next agent receives ([`AgentContext::handoff_input`]), the hook sees, and that
/// are checked before the handoff: arguments that do not match give the model an
/// error output and the agent stays.
///
/// ```
/// use realtime_core::agent::{Agent, Handoff, HistoryEntry};
/// use schemars::JsonSchema;
/// use serde::Deserialize;
/// ///
/// #[derive(Deserialize, JsonSchema)]
/// struct Escalation {
///     /// Why the caller needs a supervisor.
///     reason: String,
/// }
///
/// let handoff = Handoff::new("supervisor", "The caller asks for a supervisor.")
///     .input::<Escalation>()
///     .on_handoff(|ctx| {
///         let escalation: Escalation = ctx.input_as().expect("checked before the hook");
///         tracing::info!(reason = escalation.reason, "escalated");
///     })
///     // The supervisor does not see earlier tool calls.
///     .input_filter(|history| {
///         let mut kept = history.clone();
///         kept.retain(|entry| !matches!(entry, HistoryEntry::ToolCall { .. } | HistoryEntry::ToolOutput { .. }));
///         kept
///     });
/// let desk = Agent::new("desk").handoff_with(handoff);
/// assert_eq!(desk.handoffs()[0].tool().name(), Some("transfer_to_supervisor"));
/// ```
#[derive(Clone)]
pub struct Handoff {
    /// The target agent's name.
    pub target: String,
    /// When to transfer (shown to the model as the transfer tool's description).
    pub description: String,
    parameters: Option<serde_json::Value>,
    check_input: Option<Arc<InputCheck>>,
    hook: Option<Arc<HandoffHook>>,
    filter: Option<Arc<InputFilter>>,
}

impl fmt::Debug for Handoff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handoff")
            .field("target", &self.target)
            .field("description", &self.description)
            .field("parameters", &self.parameters)
            .field("hook", &self.hook.is_some())
            .field("filter", &self.filter.is_some())
            .finish()
    }
}

impl PartialEq for Handoff {
    fn eq(&self, other: &Self) -> bool {
        self.target == other.target
            && self.description == other.description
            && self.parameters == other.parameters
    }
}

impl Eq for Handoff {}

impl Handoff {
    /// A handoff to the agent named `target`, taken when `description` applies.
    pub fn new(target: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            target: target.into(),
            description: description.into(),
            parameters: None,
            check_input: None,
            hook: None,
            filter: None,
        }
    }

    /// The transfer tool takes arguments of type `I` (its schema becomes the tool's
    /// parameters); the arguments are checked against `I` before the handoff.
    #[must_use]
    pub fn input<I: DeserializeOwned + JsonSchema + 'static>(mut self) -> Self {
        self.parameters = Some(inline_schema_for::<I>());
        self.check_input = Some(Arc::new(|arguments: &str| {
            let arguments = if arguments.trim().is_empty() {
                "{}"
            } else {
                arguments
            };
            let value: serde_json::Value =
                serde_json::from_str(arguments).map_err(|error| error.to_string())?;
            I::deserialize(&value).map_err(|error| error.to_string())?;
            Ok(value)
        }));
        self
    }

    /// Runs `hook` when the handoff takes effect (after the provider accepted the
    /// next agent's settings, before `AgentEvent::Handoff`). It runs inside the agent
    /// machine: keep it quick, and send slow work to a task of the app.
    #[must_use]
    pub fn on_handoff(
        mut self,
        hook: impl Fn(&HandoffContext<'_>) + Send + Sync + 'static,
    ) -> Self {
        self.hook = Some(Arc::new(hook));
        self
    }

    /// Filters the history the next agent sees: what its dynamic instructions and
    /// tools are given, and what is replayed after a reconnect. Messages the filter
    /// drops whose server item id is known (transcribed user speech, assistant
    /// messages) are also deleted from the provider's conversation; entries without
    /// one (text the app sent, tool calls) stay there until the next reconnect, which
    /// replays only the filtered history.
    #[must_use]
    pub fn input_filter(
        mut self,
        filter: impl Fn(&History) -> History + Send + Sync + 'static,
    ) -> Self {
        self.filter = Some(Arc::new(filter));
        self
    }

    /// The name of the transfer tool the model calls: `transfer_to_<target>`, with
    /// characters outside `[A-Za-z0-9_-]` replaced by `_`.
    pub fn tool_name(&self) -> String {
        let target: String = self
            .target
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("transfer_to_{target}")
    }

    /// The transfer tool's definition.
    pub fn tool(&self) -> Tool {
        let parameters = self.parameters.clone().unwrap_or_else(
            || json!({"type": "object", "properties": {}, "additionalProperties": false}),
        );
        Tool::function(self.tool_name(), self.description.clone(), parameters)
    }

    /// Checks the model's arguments: the input as JSON, or what is wrong with it.
    pub(crate) fn check_arguments(&self, arguments: &str) -> Result<serde_json::Value, String> {
        match &self.check_input {
            Some(check) => check(arguments),
            None => Ok(serde_json::from_str(arguments)
                .unwrap_or_else(|_| serde_json::Value::Object(serde_json::Map::new()))),
        }
    }

    /// Whether the transfer tool takes typed input.
    pub fn has_input(&self) -> bool {
        self.parameters.is_some()
    }

    pub(crate) fn run_hook(&self, context: &HandoffContext<'_>) {
        if let Some(hook) = &self.hook {
            hook(context);
        }
    }

    pub(crate) fn filter_history(&self, history: &History) -> Option<History> {
        self.filter.as_ref().map(|filter| filter(history))
    }
}

/// A voice agent.
///
/// ```
/// use realtime_core::agent::Agent;
///
/// let returns = Agent::new("returns").instructions("Handle returns politely.");
/// let greeter = Agent::new("greeter")
///     .instructions("Greet the caller and find out what they need.")
///     .handoff("returns", "The caller wants to return an item.")
///     .voice("marin");
/// assert_eq!(greeter.handoffs()[0].tool_name(), "transfer_to_returns");
/// # let _ = returns;
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Agent {
    name: String,
    instructions: Instructions,
    tools: Vec<AgentTool>,
    handoffs: Vec<Handoff>,
    voice: Option<Voice>,
    guardrails: Vec<OutputGuardrail>,
    input_guardrails: Vec<InputGuardrail>,
    reasoning_effort: Option<ReasoningEffort>,
    parallel_tool_calls: Option<bool>,
}

impl Agent {
    /// An agent with no instructions, tools or handoffs.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            instructions: Instructions::Static(String::new()),
            tools: Vec::new(),
            handoffs: Vec::new(),
            voice: None,
            guardrails: Vec::new(),
            input_guardrails: Vec::new(),
            reasoning_effort: None,
            parallel_tool_calls: None,
        }
    }

    /// Sets fixed instructions.
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Instructions::Static(instructions.into());
        self
    }

    /// Sets instructions computed when the agent becomes active.
    pub fn dynamic_instructions(
        mut self,
        instructions: impl Fn(&AgentContext<'_>) -> String + Send + Sync + 'static,
    ) -> Self {
        self.instructions = Instructions::Dynamic(Arc::new(instructions));
        self
    }

    /// Adds a tool.
    pub fn tool(mut self, tool: AgentTool) -> Self {
        // Exact: the list lives as long as every session of the agent (the first
        // push would otherwise keep room for four tools, 576 bytes unused).
        self.tools.reserve_exact(1);
        self.tools.push(tool);
        self
    }

    /// Adds a handoff to the agent named `target`.
    pub fn handoff(mut self, target: impl Into<String>, description: impl Into<String>) -> Self {
        self.handoffs.push(Handoff::new(target, description));
        self
    }

    /// Adds a handoff built with [`Handoff::new`] (typed input, hook, input filter).
    pub fn handoff_with(mut self, handoff: Handoff) -> Self {
        self.handoffs.push(handoff);
        self
    }

    /// Adds an input guardrail, run on each final user transcript.
    pub fn input_guardrail(mut self, guardrail: InputGuardrail) -> Self {
        self.input_guardrails.push(guardrail);
        self
    }

    /// The agent's input guardrails.
    pub fn input_guardrails(&self) -> &[InputGuardrail] {
        &self.input_guardrails
    }

    /// Sets the agent's voice.
    pub fn voice(mut self, voice: impl Into<Voice>) -> Self {
        self.voice = Some(voice.into());
        self
    }

    /// Sets the reasoning effort of the agent's responses (GA reasoning models,
    /// Voice Live from 2026-04-10). Checked when the session starts against the
    /// dialect's capability table (Azure OpenAI lists `minimal`..`high` only); unset,
    /// the session keeps what it has.
    pub fn reasoning_effort(mut self, effort: ReasoningEffort) -> Self {
        self.reasoning_effort = Some(effort);
        self
    }

    /// The agent's reasoning effort, if set.
    pub fn reasoning_effort_setting(&self) -> Option<&ReasoningEffort> {
        self.reasoning_effort.as_ref()
    }

    /// Sets whether the model may call several tools at once (GA, Voice Live
    /// 2026-07-15 on the session). Checked when the session starts against the
    /// dialect's capability table; unset, the session keeps what it has.
    pub fn parallel_tool_calls(mut self, parallel: bool) -> Self {
        self.parallel_tool_calls = Some(parallel);
        self
    }

    /// The agent's parallel-tool-calls setting, if set.
    pub fn parallel_tool_calls_setting(&self) -> Option<bool> {
        self.parallel_tool_calls
    }

    /// Adds an output guardrail.
    pub fn output_guardrail(mut self, guardrail: OutputGuardrail) -> Self {
        self.guardrails.push(guardrail);
        self
    }

    /// The agent's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The agent's tools.
    pub fn tools(&self) -> &[AgentTool] {
        &self.tools
    }

    /// The agent's handoffs.
    pub fn handoffs(&self) -> &[Handoff] {
        &self.handoffs
    }

    /// The agent's voice.
    pub fn voice_setting(&self) -> Option<&Voice> {
        self.voice.as_ref()
    }

    /// The agent's output guardrails.
    pub fn guardrails(&self) -> &[OutputGuardrail] {
        &self.guardrails
    }

    /// The instructions for the current context.
    pub fn resolve_instructions(&self, history: &History) -> String {
        self.resolve_instructions_with(history, None)
    }

    /// The instructions for the current context, with the input of the handoff that
    /// activated the agent.
    pub fn resolve_instructions_with(
        &self,
        history: &History,
        handoff_input: Option<&serde_json::Value>,
    ) -> String {
        match &self.instructions {
            Instructions::Static(text) => text.clone(),
            Instructions::Dynamic(compute) => compute(&AgentContext {
                agent: &self.name,
                history,
                handoff_input,
            }),
        }
    }

    /// The tool with `name`.
    pub fn find_tool(&self, name: &str) -> Option<&AgentTool> {
        self.tools.iter().find(|tool| tool.name() == name)
    }

    /// The handoff whose transfer tool is `tool_name`.
    pub fn find_handoff(&self, tool_name: &str) -> Option<&Handoff> {
        self.handoffs
            .iter()
            .find(|handoff| handoff.tool_name() == tool_name)
    }

    /// The whole session this agent runs with on top of `base`: the shared settings
    /// with the agent's instructions, tools (transfer tools included), tool choice,
    /// reasoning effort and parallel tool calls (where set) and voice (the base's
    /// voice when the agent sets none). What a session starts
    /// with, and what an ephemeral key is minted with.
    pub fn session_config(&self, base: &SessionConfig) -> SessionConfig {
        let voice = self.voice_setting().cloned().or_else(|| base.voice.clone());
        super::machine::full_config(base, self, &History::new(), voice, None)
    }

    /// The minimal session settings that make this agent active: instructions,
    /// tools (its own and its transfer tools), tool choice, and the reasoning
    /// effort and parallel tool calls where the agent sets them. Voice is added by the
    /// runner only where the provider allows it; audio formats and turn detection
    /// are never touched.
    pub fn session_update(&self, history: &History) -> SessionConfig {
        self.session_update_with(history, None)
    }

    /// [`session_update`](Self::session_update) with the input of the handoff that
    /// activated the agent (given to dynamic instructions).
    pub fn session_update_with(
        &self,
        history: &History,
        handoff_input: Option<&serde_json::Value>,
    ) -> SessionConfig {
        let tools = self
            .tools
            .iter()
            .map(AgentTool::definition)
            .chain(self.handoffs.iter().map(Handoff::tool));
        let mut update = SessionConfig::new()
            .instructions(self.resolve_instructions_with(history, handoff_input))
            .tools(tools)
            .tool_choice(ToolChoice::Auto);
        if let Some(effort) = &self.reasoning_effort {
            update = update.reasoning_effort(effort.clone());
        }
        if let Some(parallel) = self.parallel_tool_calls {
            update = update.parallel_tool_calls(parallel);
        }
        update
    }
}
