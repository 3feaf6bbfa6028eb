//! Voice Live-only client events (VL-25 `ClientEventType`), carried as core's
//! [`ClientEvent::Other`].

use realtime_core::protocol::{AudioBase64, ClientEvent};
use serde_json::{Map, Value};

/// A Voice Live-only client event. Convert it into a [`ClientEvent`] to send it;
/// dialects of other providers refuse it.
///
/// ```
/// use realtime_core::protocol::ClientEvent;
/// use realtime_voicelive::VoiceLiveClientEvent;
///
/// let event: ClientEvent = VoiceLiveClientEvent::avatar_connect("v=0...").into();
/// assert_eq!(event.event_type(), "session.avatar.connect");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum VoiceLiveClientEvent {
    /// `session.avatar.connect`: the client's WebRTC SDP offer for the avatar.
    AvatarConnect {
        /// The client's SDP.
        client_sdp: String,
    },
    /// `input_audio.turn.start`: start a client-managed audio turn.
    TurnStart {
        /// The turn.
        turn_id: String,
    },
    /// `input_audio.turn.append`: audio for a turn.
    TurnAppend {
        /// The turn.
        turn_id: String,
        /// Base64 audio in the input format.
        audio: AudioBase64,
    },
    /// `input_audio.turn.end`: the turn is complete.
    TurnEnd {
        /// The turn.
        turn_id: String,
    },
    /// `input_audio.turn.cancel`: drop the turn.
    TurnCancel {
        /// The turn.
        turn_id: String,
    },
    /// `input_audio.clear`: clear all input audio.
    InputAudioClear,
}

impl VoiceLiveClientEvent {
    /// `session.avatar.connect`.
    pub fn avatar_connect(client_sdp: impl Into<String>) -> Self {
        Self::AvatarConnect {
            client_sdp: client_sdp.into(),
        }
    }

    /// `input_audio.turn.start`.
    pub fn turn_start(turn_id: impl Into<String>) -> Self {
        Self::TurnStart {
            turn_id: turn_id.into(),
        }
    }

    /// `input_audio.turn.append` with raw audio bytes.
    pub fn turn_append(turn_id: impl Into<String>, audio: &[u8]) -> Self {
        Self::TurnAppend {
            turn_id: turn_id.into(),
            audio: AudioBase64::from_pcm(audio),
        }
    }

    /// `input_audio.turn.end`.
    pub fn turn_end(turn_id: impl Into<String>) -> Self {
        Self::TurnEnd {
            turn_id: turn_id.into(),
        }
    }

    /// `input_audio.turn.cancel`.
    pub fn turn_cancel(turn_id: impl Into<String>) -> Self {
        Self::TurnCancel {
            turn_id: turn_id.into(),
        }
    }

    /// The wire name.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::AvatarConnect { .. } => "session.avatar.connect",
            Self::TurnStart { .. } => "input_audio.turn.start",
            Self::TurnAppend { .. } => "input_audio.turn.append",
            Self::TurnEnd { .. } => "input_audio.turn.end",
            Self::TurnCancel { .. } => "input_audio.turn.cancel",
            Self::InputAudioClear => "input_audio.clear",
        }
    }

    /// Reads a core event back: `None` unless it is a [`ClientEvent::Other`] of one of
    /// these types with its required string fields.
    pub fn from_client_event(event: &ClientEvent) -> Option<Self> {
        let ClientEvent::Other { event_type, raw } = event else {
            return None;
        };
        let text = |key: &str| raw.get(key).and_then(Value::as_str).map(str::to_owned);
        Some(match event_type.as_str() {
            "session.avatar.connect" => Self::AvatarConnect {
                client_sdp: text("client_sdp")?,
            },
            "input_audio.turn.start" => Self::TurnStart {
                turn_id: text("turn_id")?,
            },
            "input_audio.turn.append" => Self::TurnAppend {
                turn_id: text("turn_id")?,
                audio: AudioBase64::from_base64(text("audio")?),
            },
            "input_audio.turn.end" => Self::TurnEnd {
                turn_id: text("turn_id")?,
            },
            "input_audio.turn.cancel" => Self::TurnCancel {
                turn_id: text("turn_id")?,
            },
            "input_audio.clear" => Self::InputAudioClear,
            _ => return None,
        })
    }
}

impl From<VoiceLiveClientEvent> for ClientEvent {
    fn from(event: VoiceLiveClientEvent) -> Self {
        let event_type = event.event_type();
        let mut raw = Map::new();
        raw.insert("type".to_owned(), Value::String(event_type.to_owned()));
        match event {
            VoiceLiveClientEvent::AvatarConnect { client_sdp } => {
                raw.insert("client_sdp".to_owned(), Value::String(client_sdp));
            }
            VoiceLiveClientEvent::TurnStart { turn_id }
            | VoiceLiveClientEvent::TurnEnd { turn_id }
            | VoiceLiveClientEvent::TurnCancel { turn_id } => {
                raw.insert("turn_id".to_owned(), Value::String(turn_id));
            }
            VoiceLiveClientEvent::TurnAppend { turn_id, audio } => {
                raw.insert("turn_id".to_owned(), Value::String(turn_id));
                raw.insert("audio".to_owned(), Value::String(audio.into_string()));
            }
            VoiceLiveClientEvent::InputAudioClear => {}
        }
        Self::Other {
            event_type: event_type.to_owned(),
            raw,
        }
    }
}
