//! Client events in either shape.

use serde_json::{Map, Value};

use super::tree::{put_nullable, take, take_nullable};
use super::{WireShape, frame, session_beta, session_ga};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::protocol::{AudioBase64, ClientEvent, Item, ResponseConfig, SessionConfig};

/// Writes `event` as a frame of `shape`.
pub(super) fn encode(shape: WireShape, event: &ClientEvent) -> Result<String, EncodeError> {
    if let ClientEvent::InputAudioBufferAppend { event_id, audio } = event {
        return Ok(append_frame(event_id.as_deref(), audio));
    }
    let object = to_object(shape, event)?;
    serde_json::to_string(&object).map_err(|error| EncodeError::Json {
        dialect: shape.label().into(),
        event_type: event.event_type().to_owned().into(),
        message: error.to_string(),
    })
}

/// The hot path: an audio append written without building a JSON tree.
fn append_frame(event_id: Option<&str>, audio: &AudioBase64) -> String {
    let mut frame = String::with_capacity(audio.as_str().len() + 96);
    frame.push_str(r#"{"type":"input_audio_buffer.append","#);
    if let Some(event_id) = event_id {
        frame.push_str(r#""event_id":"#);
        push_json_string(&mut frame, event_id);
        frame.push(',');
    }
    frame.push_str(r#""audio":"#);
    push_json_string(&mut frame, audio.as_str());
    frame.push('}');
    frame
}

fn push_json_string(out: &mut String, text: &str) {
    // Base64 and typical ids need no escaping; anything else goes through serde_json.
    // A branch-free fold, so that the check vectorises: a short-circuiting `all`
    // ran byte by byte and cost more than the base64 encoding of the audio itself.
    let plain = text.bytes().fold(true, |plain, b| {
        plain & (b.wrapping_sub(0x21) < 0x5e) & (b != b'"') & (b != b'\\')
    });
    if plain {
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else {
        out.push_str(&Value::String(text.to_owned()).to_string());
    }
}

/// Writes `event` as a JSON object of `shape`.
pub(super) fn to_object(
    shape: WireShape,
    event: &ClientEvent,
) -> Result<Map<String, Value>, EncodeError> {
    let mut object = Map::new();
    object.insert(
        "type".to_owned(),
        Value::String(event.event_type().to_owned()),
    );
    if let Some(event_id) = event.event_id() {
        object.insert("event_id".to_owned(), Value::String(event_id.to_owned()));
    }
    let json = |error: serde_json::Error| EncodeError::Json {
        dialect: shape.label().into(),
        event_type: event.event_type().to_owned().into(),
        message: error.to_string(),
    };
    match event {
        ClientEvent::SessionUpdate { session, .. } => {
            let session = match shape {
                WireShape::Ga => session_ga::encode_session(session)?,
                WireShape::Beta => session_beta::encode_session(session)?,
            };
            object.insert("session".to_owned(), Value::Object(session));
        }
        ClientEvent::InputAudioBufferAppend { audio, .. } => {
            object.insert("audio".to_owned(), Value::String(audio.as_str().to_owned()));
        }
        ClientEvent::InputAudioBufferCommit { .. }
        | ClientEvent::InputAudioBufferClear { .. }
        | ClientEvent::OutputAudioBufferClear { .. } => {}
        ClientEvent::ConversationItemCreate {
            previous_item_id,
            item,
            ..
        } => {
            put_nullable(&mut object, "previous_item_id", previous_item_id).map_err(json)?;
            let mut item = item.as_ref().clone();
            item.respell_parts(shape == WireShape::Beta);
            object.insert("item".to_owned(), serde_json::to_value(item).map_err(json)?);
        }
        ClientEvent::ConversationItemRetrieve { item_id, .. }
        | ClientEvent::ConversationItemDelete { item_id, .. } => {
            object.insert("item_id".to_owned(), Value::String(item_id.clone()));
        }
        ClientEvent::ConversationItemTruncate {
            item_id,
            content_index,
            audio_end_ms,
            ..
        } => {
            object.insert("item_id".to_owned(), Value::String(item_id.clone()));
            object.insert("content_index".to_owned(), Value::from(*content_index));
            object.insert("audio_end_ms".to_owned(), Value::from(*audio_end_ms));
        }
        ClientEvent::ResponseCreate { response, .. } => {
            if let Some(response) = response {
                let response = match shape {
                    WireShape::Ga => session_ga::encode_response(response)?,
                    WireShape::Beta => session_beta::encode_response(response)?,
                };
                object.insert("response".to_owned(), Value::Object(response));
            }
        }
        ClientEvent::ResponseCancel { response_id, .. } => {
            if let Some(response_id) = response_id {
                object.insert("response_id".to_owned(), Value::String(response_id.clone()));
            }
        }
        ClientEvent::Other { raw, .. } => {
            object = raw.clone();
        }
    }
    Ok(object)
}

/// Reads a client frame of `shape`.
pub(super) fn decode(shape: WireShape, text: &str) -> Result<ClientEvent, DecodeError> {
    let event_type = frame::peek_type(text, shape.label())?;
    let mut object = frame::parse_object(text, shape.label(), &event_type)?;
    let invalid = |message: String| {
        DecodeError::new(
            shape.label(),
            Some(event_type.clone()),
            DecodeErrorKind::InvalidField { message },
        )
    };
    let raw = object.clone();
    object.remove("type");
    let event_id: Option<String> = take(&mut object, "event_id").map_err(invalid)?;
    let event = match event_type.as_str() {
        "session.update" => {
            let session = match object.remove("session") {
                Some(Value::Object(session)) => session,
                // A documentation skeleton: keep it verbatim.
                None => return Ok(ClientEvent::Other { event_type, raw }),
                Some(_) => return Err(invalid("field `session`: expected an object".to_owned())),
            };
            let session: SessionConfig = match shape {
                WireShape::Ga => session_ga::decode_session(session),
                WireShape::Beta => session_beta::decode_session(session),
            }
            .map_err(invalid)?;
            ClientEvent::SessionUpdate {
                event_id,
                session: Box::new(session),
            }
        }
        "input_audio_buffer.append" => {
            let audio: Option<String> = take(&mut object, "audio").map_err(invalid)?;
            ClientEvent::InputAudioBufferAppend {
                event_id,
                audio: AudioBase64::from_base64(audio.unwrap_or_default()),
            }
        }
        "input_audio_buffer.commit" => ClientEvent::InputAudioBufferCommit { event_id },
        "input_audio_buffer.clear" => ClientEvent::InputAudioBufferClear { event_id },
        "output_audio_buffer.clear" => ClientEvent::OutputAudioBufferClear { event_id },
        "conversation.item.create" => {
            let previous_item_id =
                take_nullable(&mut object, "previous_item_id").map_err(invalid)?;
            let item: Option<Item> = take(&mut object, "item").map_err(invalid)?;
            // Without an item it is a documentation skeleton: keep it verbatim.
            let Some(item) = item else {
                return Ok(ClientEvent::Other { event_type, raw });
            };
            ClientEvent::ConversationItemCreate {
                event_id,
                previous_item_id,
                item: Box::new(item),
            }
        }
        "conversation.item.retrieve" | "conversation.item.delete" => {
            let item_id: Option<String> = take(&mut object, "item_id").map_err(invalid)?;
            let item_id = item_id.unwrap_or_default();
            if event_type == "conversation.item.retrieve" {
                ClientEvent::ConversationItemRetrieve { event_id, item_id }
            } else {
                ClientEvent::ConversationItemDelete { event_id, item_id }
            }
        }
        "conversation.item.truncate" => ClientEvent::ConversationItemTruncate {
            event_id,
            item_id: take::<String>(&mut object, "item_id")
                .map_err(invalid)?
                .unwrap_or_default(),
            content_index: take(&mut object, "content_index")
                .map_err(invalid)?
                .unwrap_or(0),
            audio_end_ms: take(&mut object, "audio_end_ms")
                .map_err(invalid)?
                .unwrap_or(0),
        },
        "response.create" => {
            let response = match object.remove("response") {
                Some(Value::Object(response)) => Some(Box::new(
                    match shape {
                        WireShape::Ga => session_ga::decode_response(response),
                        WireShape::Beta => session_beta::decode_response(response),
                    }
                    .map_err(invalid)?,
                )),
                None => None,
                Some(_) => return Err(invalid("field `response`: expected an object".to_owned())),
            };
            ClientEvent::ResponseCreate {
                event_id,
                response: response.map(|r: Box<ResponseConfig>| r),
            }
        }
        "response.cancel" => ClientEvent::ResponseCancel {
            event_id,
            response_id: take(&mut object, "response_id").map_err(invalid)?,
        },
        _ => return Ok(ClientEvent::Other { event_type, raw }),
    };
    if object.is_empty() {
        Ok(event)
    } else {
        // Fields the canonical event cannot hold: keep the frame verbatim instead of losing them.
        Ok(ClientEvent::Other { event_type, raw })
    }
}

#[cfg(test)]
mod tests {
    use super::push_json_string;

    #[test]
    fn strings_needing_escapes_go_through_serde_json() {
        for text in [
            "AAEC+/==", "a\"b", "a\\b", "a b", "tab\t", "é", "\u{7f}", "",
        ] {
            let mut out = String::new();
            push_json_string(&mut out, text);
            assert_eq!(
                serde_json::from_str::<String>(&out).ok().as_deref(),
                Some(text),
                "{out}"
            );
        }
    }
}
