//! [`LiveEvent`]: GPT-Live-only server events, typed from core's
//! [`ServerEvent::Unknown`], and [`LiveClientEvent`]: the client events canonical
//! [`ClientEvent`] has no variant for.
//!
//! Field lists from `fixtures/openai-live/live.condensed.json` (`server_events`,
//! `client_events`). Every payload keeps unmodelled fields in `extra`, so
//! [`LiveEvent::to_raw`] gives back the frame.

use realtime_core::error::DecodeError;
use realtime_core::protocol::{ClientEvent, ServerEvent, decode_extension, extension_object};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::dialect::LIVE_DIALECT_NAME;

/// Why a GPT-Live session ended (`session.closed.reason`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CloseReason {
    /// The client sent `session.close`.
    CloseRequested,
    /// The session reached its `expires_at`.
    Expired,
    /// Content policy.
    Content,
    /// The remote party hung up (SIP).
    RemoteHangup,
    /// The transport was lost.
    ConnectionLost,
    /// A reason this crate does not know yet, kept as sent.
    #[serde(untagged)]
    Other(String),
}

/// `session.closed`: the session ended, with its final usage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionClosed {
    /// The server's event id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// Why it ended.
    pub reason: CloseReason,
    /// Final usage (`seconds`, `active_seconds`, `paused_seconds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Value>,
    /// Fields this crate does not model (`session`, `client_event_id`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The delegation object of `session.delegation.created`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DelegationInfo {
    /// The delegation id (`delegation_id` of later events).
    pub id: String,
    /// `client`, `responses` or `decisions`.
    pub target: String,
    /// The Responses run (Responses target).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_id: Option<String>,
    /// Fields this crate does not model (`type`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `session.delegation.created`: the model handed work to the client or a Responses run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DelegationCreated {
    /// The server's event id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// The delegation.
    pub delegation: DelegationInfo,
    /// Where in the session it happened, in ms.
    pub offset_ms: u64,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `response.event`: one event of a delegated Responses run (function calls, and the
/// run's start and end, are decoded to canonical events instead).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResponseEvent {
    /// The server's event id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// The delegation it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation_id: Option<String>,
    /// The Responses streaming event; dispatch on its `type`.
    pub event: Map<String, Value>,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ResponseEvent {
    /// The nested event's `type`, e.g. `response.output_text.delta`.
    pub fn inner_type(&self) -> Option<&str> {
        self.event.get("type").and_then(Value::as_str)
    }
}

/// An event with only an id and fields this crate does not model (usage, info,
/// appended acknowledgements, mute state).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Fields {
    /// The server's event id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// The other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

macro_rules! live_events {
    ( $( $(#[$doc:meta])* $variant:ident($payload:ty) = $wire:literal; )* ) => {
        /// A GPT-Live-only server event. Core-shaped decoding leaves these as
        /// [`ServerEvent::Unknown`]; [`LiveEvent::from_unknown`] types them and
        /// [`LiveEvent::to_raw`] gives back the same object.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum LiveEvent {
            $( $(#[$doc])* $variant($payload), )*
        }

        impl LiveEvent {
            /// Every event type typed here.
            pub const EVENT_TYPES: &'static [&'static str] = &[$($wire,)*];

            /// The wire name.
            pub fn event_type(&self) -> &'static str {
                match self { $( Self::$variant(_) => $wire, )* }
            }

            /// Types a raw object whose `type` is `event_type`: `None` for a type not
            /// typed here, `Some(Err)` for fields without the documented types.
            pub fn from_raw(event_type: &str, raw: &Map<String, Value>) -> Option<Result<Self, DecodeError>> {
                match event_type {
                    $( $wire => Some(decode_extension::<$payload>(LIVE_DIALECT_NAME, event_type, raw).map(Self::$variant)), )*
                    _ => None,
                }
            }

            /// The event as its wire object, `type` included.
            pub fn to_raw(&self) -> Map<String, Value> {
                match self { $( Self::$variant(payload) => extension_object($wire, payload), )* }
            }
        }
    };
}

live_events! {
    /// `session.closed`.
    SessionClosed(SessionClosed) = "session.closed";
    /// `session.delegation.created`.
    DelegationCreated(DelegationCreated) = "session.delegation.created";
    /// `response.event` (other than a finished function call or the run's start and end).
    ResponseEvent(ResponseEvent) = "response.event";
    /// `session.usage.updated` (a cumulative snapshot: do not sum).
    UsageUpdated(Fields) = "session.usage.updated";
    /// `info`.
    Info(Fields) = "info";
    /// `session.instructions.appended`.
    InstructionsAppended(Fields) = "session.instructions.appended";
    /// `session.thinking.appended`.
    ThinkingAppended(Fields) = "session.thinking.appended";
    /// `session.commentary.appended`.
    CommentaryAppended(Fields) = "session.commentary.appended";
    /// `session.input_audio.muted`.
    InputAudioMuted(Fields) = "session.input_audio.muted";
    /// `session.input_audio.unmuted`.
    InputAudioUnmuted(Fields) = "session.input_audio.unmuted";
}

impl LiveEvent {
    /// Types a core event: `None` unless it is [`ServerEvent::Unknown`] of a type
    /// typed here.
    pub fn from_unknown(event: &ServerEvent) -> Option<Result<Self, DecodeError>> {
        match event {
            ServerEvent::Unknown { event_type, raw } => Self::from_raw(event_type, raw),
            _ => None,
        }
    }
}

/// Builders of the GPT-Live client events canonical [`ClientEvent`] has no variant
/// for, as [`ClientEvent::Other`] (the GPT-Live dialects send them verbatim).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct LiveClientEvent;

impl LiveClientEvent {
    /// `session.instructions.append`: adds instructions (at most 500 tokens) to the
    /// fixed ones, for the whole session (`delegation_id: null`).
    pub fn append_instructions(content: impl Into<String>) -> ClientEvent {
        other(
            json!({"type": "session.instructions.append", "content": content.into(), "delegation_id": null}),
        )
    }

    /// `session.commentary.append` for `delegation_id` (or the session when `None`).
    pub fn append_commentary(
        content: impl Into<String>,
        delegation_id: Option<&str>,
    ) -> ClientEvent {
        other(
            json!({"type": "session.commentary.append", "content": content.into(), "delegation_id": delegation_id}),
        )
    }

    /// `session.close`: ends the session; keep reading until `session.closed`.
    pub fn close() -> ClientEvent {
        other(json!({"type": "session.close"}))
    }

    /// `session.input_audio.mute`.
    pub fn mute() -> ClientEvent {
        other(json!({"type": "session.input_audio.mute"}))
    }

    /// `session.input_audio.unmute`.
    pub fn unmute() -> ClientEvent {
        other(json!({"type": "session.input_audio.unmute"}))
    }
}

fn other(value: Value) -> ClientEvent {
    let raw = match value {
        Value::Object(raw) => raw,
        _ => Map::new(),
    };
    let event_type = raw
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    ClientEvent::Other { event_type, raw }
}
