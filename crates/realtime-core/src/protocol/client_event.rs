//! [`ClientEvent`]: what the app asks of the server, in canonical form.

use serde_json::{Map, Value};

use super::audio::AudioBase64;
use super::item::Item;
use super::nullable::Nullable;
use super::response::ResponseConfig;
use super::session::SessionConfig;

/// A client event in canonical form. Every dialect writes each of these (or refuses
/// with a typed error); the names are the same in every dialect.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// `session.update`.
    SessionUpdate {
        /// Optional client event id (echoed in errors).
        event_id: Option<String>,
        /// The settings to change.
        session: Box<SessionConfig>,
    },
    /// `input_audio_buffer.append`.
    InputAudioBufferAppend {
        /// Optional client event id.
        event_id: Option<String>,
        /// Base64 audio in the session's input format.
        audio: AudioBase64,
    },
    /// `input_audio_buffer.commit`: turn the buffer into a user item.
    InputAudioBufferCommit {
        /// Optional client event id.
        event_id: Option<String>,
    },
    /// `input_audio_buffer.clear`.
    InputAudioBufferClear {
        /// Optional client event id.
        event_id: Option<String>,
    },
    /// `conversation.item.create`.
    ConversationItemCreate {
        /// Optional client event id.
        event_id: Option<String>,
        /// Insert after this item (`root` for the start); absent appends.
        previous_item_id: Nullable<String>,
        /// The item.
        item: Box<Item>,
    },
    /// `conversation.item.retrieve`.
    ConversationItemRetrieve {
        /// Optional client event id.
        event_id: Option<String>,
        /// The item.
        item_id: String,
    },
    /// `conversation.item.truncate`: cut assistant audio at what the user heard.
    ConversationItemTruncate {
        /// Optional client event id.
        event_id: Option<String>,
        /// The assistant item.
        item_id: String,
        /// The content part (0 for audio).
        content_index: u32,
        /// Audio played so far, in ms.
        audio_end_ms: u64,
    },
    /// `conversation.item.delete`.
    ConversationItemDelete {
        /// Optional client event id.
        event_id: Option<String>,
        /// The item.
        item_id: String,
    },
    /// `response.create`.
    ResponseCreate {
        /// Optional client event id.
        event_id: Option<String>,
        /// Overrides for this response; `None` uses the session's settings.
        response: Option<Box<ResponseConfig>>,
    },
    /// `response.cancel`.
    ResponseCancel {
        /// Optional client event id.
        event_id: Option<String>,
        /// The response to cancel; `None` cancels the one in progress.
        response_id: Option<String>,
    },
    /// `output_audio_buffer.clear` (WebRTC and SIP).
    OutputAudioBufferClear {
        /// Optional client event id.
        event_id: Option<String>,
    },
    /// A provider-specific client event (e.g. Voice Live's `session.avatar.connect`),
    /// sent verbatim; dialects that do not know the type refuse it.
    Other {
        /// The event's `type`.
        event_type: String,
        /// The whole event object, `type` included.
        raw: Map<String, Value>,
    },
}

impl ClientEvent {
    /// `session.update` with `session`.
    pub fn session_update(session: SessionConfig) -> Self {
        Self::SessionUpdate {
            event_id: None,
            session: Box::new(session),
        }
    }

    /// `input_audio_buffer.append` with raw audio bytes.
    pub fn append_audio(bytes: &[u8]) -> Self {
        Self::InputAudioBufferAppend {
            event_id: None,
            audio: AudioBase64::from_pcm(bytes),
        }
    }

    /// `conversation.item.create` appending `item`.
    pub fn create_item(item: Item) -> Self {
        Self::ConversationItemCreate {
            event_id: None,
            previous_item_id: Nullable::Absent,
            item: Box::new(item),
        }
    }

    /// `response.create` with the session's settings.
    pub fn create_response() -> Self {
        Self::ResponseCreate {
            event_id: None,
            response: None,
        }
    }

    /// `response.create` with overrides.
    pub fn create_response_with(config: ResponseConfig) -> Self {
        Self::ResponseCreate {
            event_id: None,
            response: Some(Box::new(config)),
        }
    }

    /// `response.cancel` of the response in progress.
    pub fn cancel_response() -> Self {
        Self::ResponseCancel {
            event_id: None,
            response_id: None,
        }
    }

    /// `conversation.item.truncate` of content part 0 at `audio_end_ms`.
    pub fn truncate(item_id: impl Into<String>, audio_end_ms: u64) -> Self {
        Self::ConversationItemTruncate {
            event_id: None,
            item_id: item_id.into(),
            content_index: 0,
            audio_end_ms,
        }
    }

    /// `conversation.item.delete`.
    pub fn delete_item(item_id: impl Into<String>) -> Self {
        Self::ConversationItemDelete {
            event_id: None,
            item_id: item_id.into(),
        }
    }

    /// The wire name (the same in every dialect).
    pub fn event_type(&self) -> &str {
        match self {
            Self::SessionUpdate { .. } => "session.update",
            Self::InputAudioBufferAppend { .. } => "input_audio_buffer.append",
            Self::InputAudioBufferCommit { .. } => "input_audio_buffer.commit",
            Self::InputAudioBufferClear { .. } => "input_audio_buffer.clear",
            Self::ConversationItemCreate { .. } => "conversation.item.create",
            Self::ConversationItemRetrieve { .. } => "conversation.item.retrieve",
            Self::ConversationItemTruncate { .. } => "conversation.item.truncate",
            Self::ConversationItemDelete { .. } => "conversation.item.delete",
            Self::ResponseCreate { .. } => "response.create",
            Self::ResponseCancel { .. } => "response.cancel",
            Self::OutputAudioBufferClear { .. } => "output_audio_buffer.clear",
            Self::Other { event_type, .. } => event_type,
        }
    }

    /// The client event id, if set.
    pub fn event_id(&self) -> Option<&str> {
        match self {
            Self::SessionUpdate { event_id, .. }
            | Self::InputAudioBufferAppend { event_id, .. }
            | Self::InputAudioBufferCommit { event_id }
            | Self::InputAudioBufferClear { event_id }
            | Self::ConversationItemCreate { event_id, .. }
            | Self::ConversationItemRetrieve { event_id, .. }
            | Self::ConversationItemTruncate { event_id, .. }
            | Self::ConversationItemDelete { event_id, .. }
            | Self::ResponseCreate { event_id, .. }
            | Self::ResponseCancel { event_id, .. }
            | Self::OutputAudioBufferClear { event_id } => event_id.as_deref(),
            Self::Other { raw, .. } => raw.get("event_id").and_then(Value::as_str),
        }
    }
}
