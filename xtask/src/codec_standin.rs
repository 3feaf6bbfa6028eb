//! A stand-in codec built on `serde_json`, so the harness runs without `realtime-core`.
//!
//! Client frames and most server frames pass through as JSON objects (counted as
//! unknown: the stand-in models no event). Audio deltas (`response.output_audio.delta`,
//! `response.audio.delta`) are decoded into a fixed struct with exactly the fields the
//! specs define, the way a typed codec would: a field the struct has no place for is
//! lost on re-encode, which is what the lossless check is there to catch.

use serde_json::{Map, Value, json};

use crate::codec::{Codec, CodecError, Scenario};
use crate::dialect::{Dialect, Shape};

/// A server event as the stand-in sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum StandInEvent {
    /// An audio delta, decoded into its spec fields only.
    AudioDelta(AudioDelta),
    /// Any other event, kept verbatim.
    Raw {
        /// The frame's `type`.
        event_type: String,
        /// The whole frame.
        raw: Map<String, Value>,
    },
}

/// The fields of `response.output_audio.delta` / `response.audio.delta`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioDelta {
    /// The wire name the frame used.
    pub event_type: String,
    /// `event_id` (documentation examples leave it out).
    pub event_id: Option<String>,
    /// `response_id`.
    pub response_id: String,
    /// `item_id`.
    pub item_id: String,
    /// `output_index`.
    pub output_index: u64,
    /// `content_index`.
    pub content_index: u64,
    /// `delta`, base64 audio.
    pub delta: String,
}

const AUDIO_DELTA_TYPES: [&str; 2] = ["response.output_audio.delta", "response.audio.delta"];

/// The stand-in codec.
#[derive(Debug, Clone, Copy, Default)]
pub struct StandIn;

impl StandIn {
    fn parse_object(frame: &str) -> Result<(String, Map<String, Value>), CodecError> {
        let value: Value = serde_json::from_str(frame).map_err(|error| {
            CodecError(format!("expected a JSON object, got invalid JSON: {error}"))
        })?;
        let Value::Object(object) = value else {
            return Err(CodecError(format!(
                "expected a JSON object, got {}",
                crate::json_eq::kind(&value)
            )));
        };
        match object.get("type") {
            Some(Value::String(event_type)) => Ok((event_type.clone(), object)),
            Some(other) => Err(CodecError(format!(
                "expected a string `type`, got {}",
                crate::json_eq::kind(other)
            ))),
            None => Err(CodecError("expected a string `type`, got none".into())),
        }
    }
}

fn string_field(
    object: &Map<String, Value>,
    event_type: &str,
    key: &str,
) -> Result<String, CodecError> {
    match object.get(key) {
        Some(Value::String(text)) => Ok(text.clone()),
        other => Err(CodecError(format!(
            "{event_type}: expected a string `{key}`, got {}",
            other.map_or("nothing", crate::json_eq::kind)
        ))),
    }
}

fn index_field(
    object: &Map<String, Value>,
    event_type: &str,
    key: &str,
) -> Result<u64, CodecError> {
    match object.get(key).and_then(Value::as_u64) {
        Some(index) => Ok(index),
        None => Err(CodecError(format!(
            "{event_type}: expected a non-negative integer `{key}`, got {}",
            object.get(key).map_or("nothing", crate::json_eq::kind)
        ))),
    }
}

impl AudioDelta {
    fn from_object(event_type: String, object: &Map<String, Value>) -> Result<Self, CodecError> {
        Ok(Self {
            event_id: match object.get("event_id") {
                None => None,
                Some(_) => Some(string_field(object, &event_type, "event_id")?),
            },
            response_id: string_field(object, &event_type, "response_id")?,
            item_id: string_field(object, &event_type, "item_id")?,
            output_index: index_field(object, &event_type, "output_index")?,
            content_index: index_field(object, &event_type, "content_index")?,
            delta: string_field(object, &event_type, "delta")?,
            event_type,
        })
    }

    fn to_value(&self) -> Value {
        let mut value = json!({
            "type": self.event_type,
            "response_id": self.response_id,
            "item_id": self.item_id,
            "output_index": self.output_index,
            "content_index": self.content_index,
            "delta": self.delta,
        });
        if let (Some(event_id), Value::Object(object)) = (&self.event_id, &mut value) {
            object.insert("event_id".into(), Value::String(event_id.clone()));
        }
        value
    }
}

impl Codec for StandIn {
    type ServerEvent = StandInEvent;
    type ClientEvent = Map<String, Value>;

    fn name(&self) -> &str {
        "stand-in (serde_json passthrough; typed audio deltas only)"
    }

    fn decode_server(
        &self,
        _dialect: Dialect,
        frame: &str,
    ) -> Result<Vec<StandInEvent>, CodecError> {
        let (event_type, raw) = Self::parse_object(frame)?;
        if AUDIO_DELTA_TYPES.contains(&event_type.as_str()) {
            return Ok(vec![StandInEvent::AudioDelta(AudioDelta::from_object(
                event_type, &raw,
            )?)]);
        }
        Ok(vec![StandInEvent::Raw { event_type, raw }])
    }

    fn encode_server(&self, _dialect: Dialect, event: &StandInEvent) -> Result<String, CodecError> {
        let value = match event {
            StandInEvent::AudioDelta(delta) => delta.to_value(),
            StandInEvent::Raw { raw, .. } => Value::Object(raw.clone()),
        };
        Ok(value.to_string())
    }

    fn is_unknown(&self, event: &StandInEvent) -> bool {
        matches!(event, StandInEvent::Raw { .. })
    }

    fn knows_server_type(&self, event_type: &str) -> bool {
        AUDIO_DELTA_TYPES.contains(&event_type)
    }

    fn decode_client(
        &self,
        _dialect: Dialect,
        frame: &str,
    ) -> Result<Map<String, Value>, CodecError> {
        Self::parse_object(frame).map(|(_, object)| object)
    }

    fn encode_client(
        &self,
        _dialect: Dialect,
        event: &Map<String, Value>,
    ) -> Result<String, CodecError> {
        Ok(Value::Object(event.clone()).to_string())
    }

    fn scenario_frames(&self, dialect: Dialect) -> Vec<Scenario> {
        let session = match dialect.shape() {
            Shape::Ga => json!({
                "type": "session.update",
                "session": {
                    "type": "realtime",
                    "output_modalities": ["audio"],
                    "instructions": "Answer briefly.",
                    "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000}}}
                }
            }),
            Shape::Beta => json!({
                "type": "session.update",
                "session": {"modalities": ["text", "audio"], "instructions": "Answer briefly."}
            }),
        };
        vec![
            Scenario {
                name: "stand-in/session.update".into(),
                frame: Ok(session.to_string()),
            },
            Scenario {
                name: "stand-in/response.create".into(),
                frame: Ok(json!({"type": "response.create"}).to_string()),
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_delta_drops_fields_it_has_no_place_for() {
        let frame = r#"{"type":"response.output_audio.delta","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"AA==","extra":1}"#;
        let events = StandIn
            .decode_server(Dialect::OpenAiGa, frame)
            .unwrap_or_default();
        assert_eq!(events.len(), 1);
        assert!(!StandIn.is_unknown(&events[0]));
        let again = StandIn
            .encode_server(Dialect::OpenAiGa, &events[0])
            .unwrap_or_default();
        assert!(!again.contains("extra"), "{again}");
    }

    #[test]
    fn wrong_typed_index_is_a_decode_error() {
        let frame = r#"{"type":"response.audio.delta","event_id":"e","response_id":"r","item_id":"i","output_index":"0","content_index":0,"delta":""}"#;
        let error = StandIn.decode_server(Dialect::OpenAiBeta, frame).err();
        assert_eq!(
            error.map(|e| e.0),
            Some(
                "response.audio.delta: expected a non-negative integer `output_index`, got string"
                    .into()
            )
        );
    }
}
