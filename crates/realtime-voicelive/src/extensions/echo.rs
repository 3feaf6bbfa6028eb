//! Echo cancellation (`input_audio_echo_cancellation`; v1 `audio.input.echo_cancellation`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::wire_enum::{to_object, wire_enum};

wire_enum! {
    /// Where the echo reference comes from (v1 only).
    pub enum ReferenceSource {
        /// The server's own output audio (default).
        Server = "server",
        /// The client sends it (with `channels: 2`, interleaved mic + reference).
        Client = "client",
    }
}

/// `server_echo_cancellation` settings. `reference_source` and `channels` exist in
/// `v1` only (`voicelive/voicelive-v1.partial.condensed.json` `AudioConfig.input`);
/// dated versions take just the type (VL-25 `AudioEchoCancellation`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ServerEchoCancellation {
    /// Reference source (v1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_source: Option<ReferenceSource>,
    /// 1, or 2 for interleaved mic + reference (v1; needs `reference_source: client`
    /// and pcm16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<u8>,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Server-side echo cancellation, or `null` to turn it off (VL-26).
///
/// ```
/// use realtime_core::protocol::SessionConfig;
/// use realtime_voicelive::EchoCancellation;
///
/// let config = SessionConfig::new().extension(EchoCancellation::server());
/// assert!(config.extensions.get::<EchoCancellation>().is_some());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EchoCancellation {
    /// Turn it off (`null`).
    Off,
    /// `{"type":"server_echo_cancellation", ...}`.
    Server(ServerEchoCancellation),
}

realtime_core::impl_session_extension!(
    EchoCancellation,
    provider = "Azure AI Voice Live",
    field = "session.input_audio_echo_cancellation"
);

impl EchoCancellation {
    /// The wire type.
    pub const TYPE: &'static str = "server_echo_cancellation";

    /// Server echo cancellation with the defaults.
    pub fn server() -> Self {
        Self::Server(ServerEchoCancellation::default())
    }

    /// Server echo cancellation with a reference source and channel count (v1).
    pub fn server_with(reference_source: ReferenceSource, channels: u8) -> Self {
        Self::Server(ServerEchoCancellation {
            reference_source: Some(reference_source),
            channels: Some(channels),
            extra: Map::new(),
        })
    }

    /// Whether it sets a field only `v1` documents.
    pub(crate) fn uses_v1_fields(&self) -> bool {
        matches!(self, Self::Server(s) if s.reference_source.is_some() || s.channels.is_some())
    }

    /// The wire value.
    pub fn to_value(&self) -> Value {
        match self {
            Self::Off => Value::Null,
            Self::Server(settings) => {
                let mut map = Map::new();
                map.insert("type".to_owned(), Value::String(Self::TYPE.to_owned()));
                map.extend(to_object(settings));
                Value::Object(map)
            }
        }
    }

    /// Reads the wire value: `None` if it is not `null` or a
    /// `server_echo_cancellation` object.
    pub fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Null => Some(Self::Off),
            Value::Object(map) if map.get("type").and_then(Value::as_str) == Some(Self::TYPE) => {
                let mut rest = map.clone();
                rest.remove("type");
                serde_json::from_value(Value::Object(rest))
                    .ok()
                    .map(Self::Server)
            }
            _ => None,
        }
    }
}
