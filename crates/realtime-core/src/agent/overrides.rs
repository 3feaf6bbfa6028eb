//! [`ResponseOverrides`]: settings for one response the app asks for.

use super::definition::Agent;
use crate::protocol::{Modality, ResponseConfig, ToolChoice};

/// Settings for one response (`AgentSession::respond_with`): instructions, tools and
/// output modalities that replace the active agent's for that response only. Unset
/// fields keep the agent's. Tools are named among the active agent's own (its transfer
/// tools included), so every call the response makes has a handler.
///
/// ```
/// use realtime_core::agent::ResponseOverrides;
/// use realtime_core::protocol::Modality;
///
/// let overrides = ResponseOverrides::new()
///     .instructions("Apologise: you cannot discuss that. One sentence.")
///     .no_tools()
///     .modalities([Modality::Text]);
/// assert_eq!(overrides.tools, Some(Vec::new()));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
#[must_use]
pub struct ResponseOverrides {
    /// Instructions for this response.
    pub instructions: Option<String>,
    /// Names of the active agent's tools this response may call (empty: none).
    pub tools: Option<Vec<String>>,
    /// Output modalities of this response.
    pub modalities: Option<Vec<Modality>>,
    /// Tool choice of this response.
    pub tool_choice: Option<ToolChoice>,
}

impl ResponseOverrides {
    /// No overrides: the agent's settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Instructions for this response.
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Only these of the active agent's tools (by name).
    pub fn tools<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.tools = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// No tools for this response.
    pub fn no_tools(mut self) -> Self {
        self.tools = Some(Vec::new());
        self.tool_choice = Some(ToolChoice::None);
        self
    }

    /// Output modalities for this response.
    pub fn modalities(mut self, modalities: impl IntoIterator<Item = Modality>) -> Self {
        self.modalities = Some(modalities.into_iter().collect());
        self
    }

    /// Tool choice for this response.
    pub fn tool_choice(mut self, choice: ToolChoice) -> Self {
        self.tool_choice = Some(choice);
        self
    }

    /// The `response.create` body for `agent`, or why these overrides do not fit it.
    pub(crate) fn to_config(&self, agent: &Agent) -> Result<ResponseConfig, String> {
        let mut config = ResponseConfig::new();
        config.instructions.clone_from(&self.instructions);
        config.output_modalities.clone_from(&self.modalities);
        config.tool_choice.clone_from(&self.tool_choice);
        if let Some(names) = &self.tools {
            let mut tools = Vec::with_capacity(names.len());
            for name in names {
                let tool = agent
                    .find_tool(name)
                    .map(super::tool::AgentTool::definition)
                    .or_else(|| {
                        agent
                            .find_handoff(name)
                            .map(super::definition::Handoff::tool)
                    });
                match tool {
                    Some(tool) => tools.push(tool),
                    None => {
                        return Err(format!(
                            "agent `{}` has no tool `{name}`; expected one of its own tools",
                            agent.name()
                        ));
                    }
                }
            }
            if tools.is_empty() && config.tool_choice.is_none() {
                config.tool_choice = Some(ToolChoice::None);
            }
            config.tools = Some(tools);
        }
        Ok(config)
    }
}
