//! [`Agent`]: instructions, tools, handoffs, voice and guardrails.

use std::fmt;
use std::sync::Arc;

use serde_json::json;

use super::guardrail::OutputGuardrail;
use super::history::History;
use super::tool::AgentTool;
use crate::protocol::{SessionConfig, Tool, ToolChoice, Voice};

/// What an agent's dynamic instructions can see.
#[derive(Debug)]
pub struct AgentContext<'a> {
    /// The agent being activated.
    pub agent: &'a str,
    /// The conversation so far.
    pub history: &'a History,
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

/// A transfer from one agent to another over the same connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handoff {
    /// The target agent's name.
    pub target: String,
    /// When to transfer (shown to the model as the transfer tool's description).
    pub description: String,
}

impl Handoff {
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
        Tool::function(
            self.tool_name(),
            self.description.clone(),
            json!({"type": "object", "properties": {}, "additionalProperties": false}),
        )
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
        self.tools.push(tool);
        self
    }

    /// Adds a handoff to the agent named `target`.
    pub fn handoff(mut self, target: impl Into<String>, description: impl Into<String>) -> Self {
        self.handoffs.push(Handoff {
            target: target.into(),
            description: description.into(),
        });
        self
    }

    /// Sets the agent's voice.
    pub fn voice(mut self, voice: impl Into<Voice>) -> Self {
        self.voice = Some(voice.into());
        self
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
        match &self.instructions {
            Instructions::Static(text) => text.clone(),
            Instructions::Dynamic(compute) => compute(&AgentContext {
                agent: &self.name,
                history,
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

    /// The minimal session settings that make this agent active: instructions,
    /// tools (its own and its transfer tools) and tool choice. Voice is added by the
    /// runner only where the provider allows it; audio formats and turn detection
    /// are never touched.
    pub fn session_update(&self, history: &History) -> SessionConfig {
        let tools = self
            .tools
            .iter()
            .map(AgentTool::definition)
            .chain(self.handoffs.iter().map(Handoff::tool));
        SessionConfig::new()
            .instructions(self.resolve_instructions(history))
            .tools(tools)
            .tool_choice(ToolChoice::Auto)
    }
}
