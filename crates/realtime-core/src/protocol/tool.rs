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
    /// Another tool kind (`mcp`, Voice Live's `foundry_agent`, ...), kept as its wire object.
    Other(Map<String, Value>),
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

    /// The tool's name, for function tools.
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::Function(function) => Some(&function.name),
            Self::Other(map) => map.get("name").and_then(Value::as_str),
        }
    }
}

impl Serialize for Tool {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Function(function) => serialize_tagged(serializer, "function", function),
            Self::Other(map) => map.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Tool {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Map::deserialize(deserializer)?;
        match tag(&map) {
            Some("function") => untagged(map).map(Self::Function),
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
