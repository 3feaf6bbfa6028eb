//! Tools the model may call, and how it chooses them.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::tagged::{serialize_tagged, tag, untagged};

/// A tool. Function tools are flat on every dialect
/// (`{"type":"function","name","description","parameters"}`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Tool {
    /// A function the app implements.
    Function(FunctionTool),
    /// A remote MCP server (or an OpenAI connector) the provider calls itself.
    Mcp(Box<McpTool>),
    /// Another tool kind (Voice Live's `foundry_agent`, ...), kept as its wire object.
    /// An `mcp` tool whose fields do not fit [`McpTool`] (or that carries explicit
    /// `null`s, which are kept as sent) also stays here.
    Other(Map<String, Value>),
}

/// An `mcp` tool (GA `openai==3.57.0` `Mcp`; Voice Live `mcp`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct McpTool {
    /// The label the model and events use for the server.
    pub server_label: String,
    /// The server's URL (or a `connector_id` instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_url: Option<String>,
    /// An OpenAI connector, e.g. `connector_gmail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<String>,
    /// An OAuth access token for the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<String>,
    /// HTTP headers sent to the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Map<String, Value>>,
    /// Which tools may be used: a list of names, or `{read_only?, tool_names?}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_tools: Option<Value>,
    /// `always`, `never`, or a per-tool filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_approval: Option<Value>,
    /// What the server is for (GA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_description: Option<String>,
    /// Who may call the tools: `direct`, `programmatic` (GA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_callers: Option<Vec<String>>,
    /// Whether tool definitions are loaded on first use (GA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defer_loading: Option<bool>,
    /// A tunnel to reach a private server (GA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tunnel_id: Option<String>,
    /// Fields this library does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl From<McpTool> for Tool {
    fn from(mcp: McpTool) -> Self {
        Self::Mcp(Box::new(mcp))
    }
}

impl McpTool {
    /// An MCP server at `server_url`, labelled `server_label`.
    pub fn new(server_label: impl Into<String>, server_url: impl Into<String>) -> Self {
        Self {
            server_label: server_label.into(),
            server_url: Some(server_url.into()),
            ..Self::default()
        }
    }
}

/// A function tool.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FunctionTool {
    /// The function's name.
    pub name: String,
    /// What it does and when to call it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of its arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    /// Fields this library does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Tool {
    /// A function tool.
    pub fn function(
        name: impl Into<String>,
        description: impl Into<String>,
        parameters: Value,
    ) -> Self {
        Self::Function(FunctionTool {
            name: name.into(),
            description: Some(description.into()),
            parameters: Some(parameters),
            extra: Map::new(),
        })
    }

    /// The tool's name, for function tools (an MCP server's label for MCP tools).
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::Function(function) => Some(&function.name),
            Self::Mcp(mcp) => Some(&mcp.server_label),
            Self::Other(map) => map.get("name").and_then(Value::as_str),
        }
    }

    /// The wire `type`, e.g. `function`, `mcp`.
    pub fn kind(&self) -> Option<&str> {
        match self {
            Self::Function(_) => Some("function"),
            Self::Mcp(_) => Some("mcp"),
            Self::Other(map) => map.get("type").and_then(Value::as_str),
        }
    }
}

impl Serialize for Tool {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Function(function) => serialize_tagged(serializer, "function", function),
            Self::Mcp(mcp) => serialize_tagged(serializer, "mcp", mcp),
            Self::Other(map) => map.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Tool {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Map::deserialize(deserializer)?;
        match tag(&map) {
            Some("function") => untagged(map).map(Self::Function),
            // Tolerant reader: an `mcp` tool that does not fit (or has explicit nulls,
            // which the typed form would drop on re-encode) stays as sent.
            Some("mcp") if !map.values().any(Value::is_null) => {
                match untagged::<McpTool, D::Error>(map.clone()) {
                    Ok(mcp) => Ok(Self::Mcp(Box::new(mcp))),
                    Err(_) => Ok(Self::Other(map)),
                }
            }
            _ => Ok(Self::Other(map)),
        }
    }
}

/// How the model chooses tools.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ToolChoice {
    /// The model decides.
    Auto,
    /// No tool calls.
    None,
    /// The model must call some tool.
    Required,
    /// The model must call this function.
    Function(String),
    /// Another form (e.g. an MCP tool choice), kept as its wire value.
    Other(Value),
}

impl Serialize for ToolChoice {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Auto => serializer.serialize_str("auto"),
            Self::None => serializer.serialize_str("none"),
            Self::Required => serializer.serialize_str("required"),
            Self::Function(name) => {
                serde_json::json!({"type": "function", "name": name}).serialize(serializer)
            }
            Self::Other(value) => value.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for ToolChoice {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Ok(match value.as_str() {
            Some("auto") => Self::Auto,
            Some("none") => Self::None,
            Some("required") => Self::Required,
            _ => match &value {
                Value::Object(map)
                    if map.len() == 2
                        && map.get("type").and_then(Value::as_str) == Some("function") =>
                {
                    match map.get("name").and_then(Value::as_str) {
                        Some(name) => Self::Function(name.to_owned()),
                        None => Self::Other(value),
                    }
                }
                _ => Self::Other(value),
            },
        })
    }
}
