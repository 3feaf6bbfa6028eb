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
    /// `input_text.delta`: streamed user text for item `id` (2026-07-15 and
    /// 2026-07-31-preview, VL-0715).
    InputTextDelta {
        /// The item the text belongs to.
        id: String,
        /// The next piece of text.
        delta: String,
        /// The content part (service default 0).
        content_index: Option<u32>,
    },
    /// `input_text.done`: the streamed user text of item `id` is complete.
    InputTextDone {
        /// The item.
        id: String,
        /// The content part (service default 0).
        content_index: Option<u32>,
    },
    /// `rtc.call.sdp.create`: start a WebRTC call with an SDP offer
    /// (2026-06-01-preview only, VL-PRE; removed for GA).
    RtcCallSdpCreate {
        /// The client's SDP offer.
        sdp_offer: String,
        /// An initial session, as its wire object.
        session: Option<Map<String, Value>>,
    },
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

    /// `input_text.delta`.
    pub fn input_text_delta(id: impl Into<String>, delta: impl Into<String>) -> Self {
        Self::InputTextDelta {
            id: id.into(),
            delta: delta.into(),
            content_index: None,
        }
    }

    /// `input_text.done`.
    pub fn input_text_done(id: impl Into<String>) -> Self {
        Self::InputTextDone {
            id: id.into(),
            content_index: None,
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
            Self::InputTextDelta { .. } => "input_text.delta",
            Self::InputTextDone { .. } => "input_text.done",
            Self::RtcCallSdpCreate { .. } => "rtc.call.sdp.create",
        }
    }

    /// Reads a core event back: `None` unless it is a [`ClientEvent::Other`] of one of
    /// these types with its required string fields.
    pub fn from_client_event(event: &ClientEvent) -> Option<Self> {
        let ClientEvent::Other { event_type, raw } = event else {
            return None;
        };
        let text = |key: &str| raw.get(key).and_then(Value::as_str).map(str::to_owned);
        let index = || {
            raw.get("content_index")
                .and_then(Value::as_u64)
                .and_then(|index| u32::try_from(index).ok())
        };
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
            "input_text.delta" => Self::InputTextDelta {
                id: text("id")?,
                delta: text("delta")?,
                content_index: index(),
            },
            "input_text.done" => Self::InputTextDone {
                id: text("id")?,
                content_index: index(),
            },
            "rtc.call.sdp.create" => Self::RtcCallSdpCreate {
                sdp_offer: text("sdp_offer")?,
                session: raw.get("session").and_then(Value::as_object).cloned(),
            },
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
            VoiceLiveClientEvent::InputTextDelta {
                id,
                delta,
                content_index,
            } => {
                raw.insert("id".to_owned(), Value::String(id));
                raw.insert("delta".to_owned(), Value::String(delta));
                if let Some(index) = content_index {
                    raw.insert("content_index".to_owned(), Value::from(index));
                }
            }
            VoiceLiveClientEvent::InputTextDone { id, content_index } => {
                raw.insert("id".to_owned(), Value::String(id));
                if let Some(index) = content_index {
                    raw.insert("content_index".to_owned(), Value::from(index));
                }
            }
            VoiceLiveClientEvent::RtcCallSdpCreate { sdp_offer, session } => {
                raw.insert("sdp_offer".to_owned(), Value::String(sdp_offer));
                if let Some(session) = session {
                    raw.insert("session".to_owned(), Value::Object(session));
                }
            }
        }
        Self::Other {
            event_type: event_type.to_owned(),
            raw,
        }
    }
}
