//! Responses: what the app asks for (`response.create`) and what the server reports.

use serde::Serialize;
use serde_json::{Map, Value};

use super::audio::AudioFormat;
use super::fields::read_fields;
use super::item::Item;
use super::nullable::Nullable;
use super::session::{MaxTokens, Modality, Reasoning, Voice};
use super::tool::{Tool, ToolChoice};
use super::wire_enum::wire_enum;

wire_enum! {
    /// Which conversation a response belongs to.
    pub enum ConversationMode {
        /// The default conversation: the response is added to it.
        Auto = "auto",
        /// Out of band: the response is not added to the conversation.
        None = "none",
    }
}

/// Overrides for one response (`response.create`). Unset fields keep the session's.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResponseConfig {
    /// Output modalities for this response.
    pub output_modalities: Option<Vec<Modality>>,
    /// Instructions for this response.
    pub instructions: Option<String>,
    /// Voice for this response.
    pub voice: Option<Voice>,
    /// Output audio format for this response.
    pub output_audio_format: Option<AudioFormat>,
    /// Tools for this response.
    pub tools: Option<Vec<Tool>>,
    /// Tool choice for this response.
    pub tool_choice: Option<ToolChoice>,
    /// Temperature (beta shape only).
    pub temperature: Option<f64>,
    /// Output token cap.
    pub max_output_tokens: Option<MaxTokens>,
    /// Conversation mode.
    pub conversation: Option<ConversationMode>,
    /// Metadata echoed back in response events.
    pub metadata: Option<Map<String, Value>>,
    /// Items the response sees instead of the conversation (GA also accepts
    /// references to existing items, see [`Item::reference`]).
    pub input: Option<Vec<Item>>,
    /// Whether the model may call several tools at once in this response (GA).
    pub parallel_tool_calls: Option<bool>,
    /// Reasoning settings for this response (GA `reasoning`, Voice Live
    /// `reasoning_effort`).
    pub reasoning: Option<Reasoning>,
    /// Wire fields this library does not model, sent as they are.
    pub extra: Map<String, Value>,
}

impl ResponseConfig {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the instructions.
    #[must_use]
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Sets the output modalities.
    #[must_use]
    pub fn output_modalities(mut self, modalities: impl IntoIterator<Item = Modality>) -> Self {
        self.output_modalities = Some(modalities.into_iter().collect());
        self
    }

    /// Sets the conversation mode.
    #[must_use]
    pub fn conversation(mut self, mode: ConversationMode) -> Self {
        self.conversation = Some(mode);
        self
    }

    /// Sets the metadata.
    #[must_use]
    pub fn metadata(mut self, metadata: Map<String, Value>) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

wire_enum! {
    /// Status of a response.
    pub enum ResponseStatus {
        /// Being produced.
        InProgress = "in_progress",
        /// Finished.
        Completed = "completed",
        /// Cancelled (by the client, or by the server on user speech).
        Cancelled = "cancelled",
        /// Stopped early (e.g. token cap, content filter).
        Incomplete = "incomplete",
        /// Failed.
        Failed = "failed",
    }
}

/// A response as the server reports it in `response.created` and `response.done`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Response {
    /// Response id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `realtime.response`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResponseStatus>,
    /// Why the response was cancelled, cut short or failed.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub status_details: Nullable<Value>,
    /// Output items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Vec<Item>>,
    /// Token usage (in `response.done`).
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub usage: Nullable<Usage>,
    /// Metadata given in `response.create`.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub metadata: Nullable<Map<String, Value>>,
    /// Conversation the response belongs to (GA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// Fields this library does not model (modalities, audio settings, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

read_fields!(Response, extra {
    "id" => id,
    "object" => object,
    "status" => status,
    "status_details" => status_details,
    "output" => output,
    "usage" => usage,
    "metadata" => metadata,
    "conversation_id" => conversation_id,
});

impl Response {
    /// Whether no field is set (only in documentation skeletons).
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// Token usage of a response.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Usage {
    /// All tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_tokens: Option<u64>,
    /// Input tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    /// Output tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    /// Breakdown of input tokens (text, audio, cached).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_token_details: Option<Value>,
    /// Breakdown of output tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_token_details: Option<Value>,
    /// Fields this library does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

read_fields!(Usage, extra {
    "total_tokens" => total_tokens,
    "input_tokens" => input_tokens,
    "output_tokens" => output_tokens,
    "input_token_details" => input_token_details,
    "output_token_details" => output_token_details,
});
