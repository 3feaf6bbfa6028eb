//! [`LiveDialect::decode_client`]: GPT-Live client frames back into canonical events,
//! the inverse of [`Dialect::encode`] (for emulators, sidebands that observe a
//! session, and the conformance's round trip).

use realtime_core::dialect::Dialect;
use realtime_core::error::{DecodeError, DecodeErrorKind};
use realtime_core::protocol::{
    AudioBase64, AudioFormat, ClientEvent, Item, Nullable, SessionConfig, Tool, ToolChoice, Voice,
};
use serde_json::{Map, Value};

use super::dialect::LiveDialect;
use super::session::{Delegation, LiveSession};

impl LiveDialect {
    /// Reads a GPT-Live client frame: `session.start` and `session.update` become a
    /// canonical `session.update` (with `model` for a start, settings GPT-Live alone
    /// has in a [`LiveSession`]), audio appends, function outputs and `response.create`
    /// their canonical events; any other type is [`ClientEvent::Other`], verbatim.
    ///
    /// # Errors
    /// [`DecodeError`] when a mapped event's fields do not have the documented types.
    pub fn decode_client(&self, frame: &Map<String, Value>) -> Result<ClientEvent, DecodeError> {
        let event_type = frame
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let event_id = frame
            .get("event_id")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let invalid = |message: &str| {
            DecodeError::new(
                self.name(),
                Some(event_type.to_owned()),
                DecodeErrorKind::InvalidField {
                    message: message.to_owned(),
                },
            )
        };
        let known_fields: &[&str] = match event_type {
            "session.start" | "session.update" => &["type", "event_id", "session"],
            "session.input_audio.append" => &["type", "event_id", "audio"],
            "response.item.create" => &["type", "event_id", "item"],
            "response.create" => &["type", "event_id"],
            _ => &[],
        };
        if known_fields.is_empty()
            || frame
                .keys()
                .any(|key| !known_fields.contains(&key.as_str()))
        {
            return Ok(other(event_type, frame));
        }
        match event_type {
            "session.start" | "session.update" => {
                let Some(Value::Object(session)) = frame.get("session") else {
                    return Err(invalid("expected an object `session`"));
                };
                let start = event_type == "session.start";
                match session_config(session, start) {
                    Some(config) => Ok(ClientEvent::SessionUpdate {
                        event_id,
                        session: Box::new(config),
                    }),
                    None => Ok(other(event_type, frame)),
                }
            }
            "session.input_audio.append" => {
                let Some(audio) = frame.get("audio").and_then(Value::as_str) else {
                    return Err(invalid("expected a base64 string `audio`"));
                };
                Ok(ClientEvent::InputAudioBufferAppend {
                    event_id,
                    audio: AudioBase64::from_base64(audio),
                })
            }
            "response.item.create" => {
                let item = frame.get("item").and_then(Value::as_object);
                let field =
                    |name: &str| item.and_then(|item| item.get(name)).and_then(Value::as_str);
                let plain = item.is_some_and(|item| {
                    item.len() == 3 && field("type") == Some("function_call_output")
                });
                match (plain, field("call_id"), field("output")) {
                    (true, Some(call_id), Some(output)) => {
                        Ok(ClientEvent::ConversationItemCreate {
                            event_id,
                            previous_item_id: Nullable::Absent,
                            item: Box::new(Item::function_call_output(call_id, output)),
                        })
                    }
                    _ => Ok(other(event_type, frame)),
                }
            }
            _ => Ok(ClientEvent::ResponseCreate {
                event_id,
                response: None,
            }),
        }
    }
}

fn other(event_type: &str, frame: &Map<String, Value>) -> ClientEvent {
    ClientEvent::Other {
        event_type: event_type.to_owned(),
        raw: frame.clone(),
    }
}

/// The canonical config of a GPT-Live session object, or `None` when it holds
/// something the canonical form cannot carry back exactly (it then stays verbatim).
fn session_config(session: &Map<String, Value>, start: bool) -> Option<SessionConfig> {
    let mut config = SessionConfig::new();
    let mut live = LiveSession::new();
    for (key, value) in session {
        match (key.as_str(), value) {
            ("model", Value::String(model)) if start => config = config.model(model),
            ("instructions", Value::String(text)) if start => config = config.instructions(text),
            ("audio", Value::Object(audio)) if start => config = audio_settings(config, audio)?,
            ("delegation", Value::Object(delegation)) => {
                let (delegation, tools, choice) = delegation_settings(delegation)?;
                live = live.delegation(delegation);
                if let Some(tools) = tools {
                    config = config.tools(tools);
                }
                if let Some(choice) = choice {
                    config = config.tool_choice(choice);
                }
            }
            ("input", Value::Array(items)) if start && !items.is_empty() => {
                live.input = items.clone();
            }
            ("triggers", triggers) => live.triggers = Some(triggers.clone()),
            (_, _)
                if start
                    && !matches!(key.as_str(), "model" | "instructions" | "audio" | "input") =>
            {
                live.extra.insert(key.clone(), value.clone());
            }
            _ => return None,
        }
    }
    if live != LiveSession::new() {
        config = config.extension(live);
    }
    Some(config)
}

fn audio_settings(mut config: SessionConfig, audio: &Map<String, Value>) -> Option<SessionConfig> {
    for (key, value) in audio {
        match key.as_str() {
            "format" => {
                let format = match (value.get("type")?.as_str()?, value.get("rate")?.as_u64()?) {
                    ("audio/pcm", rate @ (16_000 | 24_000)) => AudioFormat::Pcm16 {
                        rate: u32::try_from(rate).ok()?,
                    },
                    ("audio/pcmu", 8000) => AudioFormat::G711Ulaw,
                    ("audio/pcma", 8000) => AudioFormat::G711Alaw,
                    _ => return None,
                };
                if value.as_object()?.len() != 2 {
                    return None;
                }
                config = config.input_audio_format(format);
            }
            "output" => {
                let output = value.as_object()?;
                if output.len() != 1 {
                    return None;
                }
                let voice = match output.get("voice")? {
                    Value::String(name) => Voice::Named(name.clone()),
                    Value::Object(custom) if custom.len() == 1 => {
                        Voice::Id(custom.get("id")?.as_str()?.to_owned())
                    }
                    _ => return None,
                };
                config = config.voice(voice);
            }
            _ => return None,
        }
    }
    Some(config)
}

type DelegationParts = (Delegation, Option<Vec<Tool>>, Option<ToolChoice>);

fn delegation_settings(delegation: &Map<String, Value>) -> Option<DelegationParts> {
    let kind = delegation.get("type").and_then(Value::as_str);
    if kind == Some("client") && delegation.len() == 1 {
        return Some((Delegation::Client, None, None));
    }
    let responses = delegation.get("responses").and_then(Value::as_object);
    let (Some("responses"), Some(responses), 2) = (kind, responses, delegation.len()) else {
        return Some((Delegation::Raw(delegation.clone()), None, None));
    };
    let model = responses.get("model")?.as_str()?.to_owned();
    let mut instructions = None;
    let mut extra = Map::new();
    let mut tools = None;
    let mut choice = None;
    for (key, value) in responses {
        match key.as_str() {
            "model" => {}
            "instructions" => instructions = Some(value.as_str()?.to_owned()),
            "tools" if value.as_array().is_some_and(|tools| !tools.is_empty()) => {
                tools = Some(serde_json::from_value::<Vec<Tool>>(value.clone()).ok()?);
            }
            "tool_choice" => {
                choice = Some(serde_json::from_value::<ToolChoice>(value.clone()).ok()?);
            }
            _ => {
                extra.insert(key.clone(), value.clone());
            }
        }
    }
    if choice.is_some() && tools.is_none() {
        return None;
    }
    Some((
        Delegation::Responses {
            model,
            instructions,
            extra,
        },
        tools,
        choice,
    ))
}
