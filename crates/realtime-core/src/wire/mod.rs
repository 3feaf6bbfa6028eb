//! The two wire shapes, as pure sans-IO codecs.
//!
//! - [`WireShape::Ga`]: OpenAI Realtime GA, also spoken by Azure OpenAI's
//!   `/openai/v1` endpoint and Voice Live `api-version=v1`. `session.type` is
//!   required, audio settings nest under `audio.input`/`audio.output`, output events
//!   are `response.output_*`.
//! - [`WireShape::Beta`]: the OpenAI beta shape, spoken by Azure OpenAI's dated
//!   previews and Voice Live's dated versions. Flat session (`modalities`, `voice`,
//!   `input_audio_format`...), no `session.type`, output events `response.text.*`,
//!   `response.audio.*`.
//!
//! Decoding is tolerant (both spellings of renamed events are accepted, unknown
//! types become [`ServerEvent::Unknown`], unknown fields are kept); encoding is
//! strict (a canonical field the shape has no place for is an error). Provider
//! dialects sit on top and apply their capability tables first.

mod client;
mod frame;
mod session_beta;
mod session_ga;
mod tree;

use crate::error::{DecodeError, EncodeError};
use crate::protocol::{ClientEvent, ServerEvent};

/// One of the two wire shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WireShape {
    /// The OpenAI GA shape.
    Ga,
    /// The OpenAI beta shape.
    Beta,
}

impl WireShape {
    /// The shape's name in errors: `ga-shape` or `beta-shape`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Ga => "ga-shape",
            Self::Beta => "beta-shape",
        }
    }

    /// Decodes a server frame into canonical events.
    ///
    /// # Errors
    /// A typed [`DecodeError`] for malformed JSON, a non-object frame, a missing
    /// `type`, or a known event whose fields have the wrong types. Unknown event
    /// types are not errors: they become [`ServerEvent::Unknown`].
    pub fn decode_server(self, frame: &str) -> Result<Vec<ServerEvent>, DecodeError> {
        // The common case, one pass over the frame; anything unusual (and every
        // error) takes the two-step path below, which defines the behaviour.
        let mut events = Vec::with_capacity(1);
        if ServerEvent::decode_single_pass_into(frame, self, &mut events) {
            return Ok(events);
        }
        self.decode_two_step(frame).map(|event| vec![event])
    }

    /// Reads `type` with a borrowed envelope, then the payload it names.
    fn decode_two_step(self, frame: &str) -> Result<ServerEvent, DecodeError> {
        let event_type = frame::peek_type(frame, self.label())?;
        let event = match ServerEvent::decode_typed(&event_type, frame, self) {
            Some(Ok(event)) => event,
            Some(Err(error)) => {
                return Err(DecodeError::new(
                    self.label(),
                    Some(event_type),
                    crate::error::DecodeErrorKind::InvalidField {
                        message: error.to_string(),
                    },
                ));
            }
            None => ServerEvent::Unknown {
                raw: frame::parse_object(frame, self.label(), &event_type)?,
                event_type,
            },
        };
        Ok(event)
    }

    /// Writes a server event as a frame of this shape (used by the emulator and to
    /// check that decoding lost nothing).
    ///
    /// # Errors
    /// [`EncodeError::Json`] if a payload fails to serialise.
    pub fn encode_server(self, event: &ServerEvent) -> Result<String, EncodeError> {
        event.to_frame(self).map_err(|error| EncodeError::Json {
            dialect: self.label().into(),
            event_type: event.event_type(self).to_owned().into(),
            message: error.to_string(),
        })
    }

    /// Decodes a client frame (used by the emulator and by conformance).
    ///
    /// # Errors
    /// A typed [`DecodeError`], as for server frames.
    pub fn decode_client(self, frame: &str) -> Result<ClientEvent, DecodeError> {
        client::decode(self, frame)
    }

    /// Writes a client event in this shape.
    ///
    /// # Errors
    /// [`EncodeError::Unsupported`] for a canonical field the shape has no place for
    /// (e.g. `temperature` on GA, `tracing` on beta).
    pub fn encode_client(self, event: &ClientEvent) -> Result<String, EncodeError> {
        client::encode(self, event)
    }

    /// Writes a client event as a JSON object, for dialects that add fields of their own.
    ///
    /// # Errors
    /// As [`encode_client`](Self::encode_client).
    pub fn client_to_object(
        self,
        event: &ClientEvent,
    ) -> Result<serde_json::Map<String, serde_json::Value>, EncodeError> {
        client::to_object(self, event)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::WireShape;
    use crate::error::DecodeErrorKind;
    use crate::protocol::ServerEvent;

    /// Every recorded server frame (JSONL examples), with the shape that decodes it.
    fn recorded_server_frames() -> Vec<(WireShape, String)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut frames = Vec::new();
        for family in ["openai-ga", "openai-beta", "azure-openai", "voicelive"] {
            let Ok(text) = std::fs::read_to_string(root.join(family).join("examples.jsonl")) else {
                continue;
            };
            for line in text.lines() {
                let Ok(row) = serde_json::from_str::<serde_json::Value>(line) else {
                    continue;
                };
                let dialect = row["dialect"].as_str().unwrap_or_default();
                if row["direction"] != "server" || dialect == "openai-ga-translation" {
                    continue;
                }
                let ga = matches!(dialect, "openai-ga" | "azure-openai-ga-v1" | "voicelive-v1");
                let shape = if ga { WireShape::Ga } else { WireShape::Beta };
                frames.push((shape, row["payload"].to_string()));
            }
        }
        frames
    }

    /// `value` with every object's `type` moved to its end (at every depth), so that
    /// the one-pass reader holds every other entry first.
    fn type_last(value: serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Object(object) => {
                let mut kind = None;
                let mut moved = serde_json::Map::new();
                for (key, value) in object {
                    if key == "type" {
                        kind = Some(value);
                    } else {
                        moved.insert(key, type_last(value));
                    }
                }
                if let Some(kind) = kind {
                    moved.insert("type".to_owned(), kind);
                }
                serde_json::Value::Object(moved)
            }
            serde_json::Value::Array(items) => items.into_iter().map(type_last).collect(),
            other => other,
        }
    }

    #[test]
    fn every_recorded_frame_with_type_last_decodes_as_with_type_first() {
        for (shape, frame) in &recorded_server_frames() {
            let Ok(value) = serde_json::from_str::<serde_json::Value>(frame) else {
                panic!("not JSON: {frame}");
            };
            let moved = type_last(value).to_string();
            let slow = shape.decode_two_step(frame);
            let fast = ServerEvent::decode_single_pass(&moved, *shape);
            match (&slow, fast) {
                (Ok(slow), Some(fast)) => assert_eq!(slow, &fast, "{moved}"),
                (Ok(_), None) => panic!("the one-pass reader gave up on {moved}"),
                (Err(error), fast) => panic!("{frame}: {error} (single pass: {fast:?})"),
            }
        }
    }

    #[test]
    fn single_pass_agrees_with_two_step_on_every_recorded_frame() {
        let frames = recorded_server_frames();
        assert!(
            frames.len() > 500,
            "fixtures not found: {} frames",
            frames.len()
        );
        for (shape, frame) in &frames {
            let slow = shape.decode_two_step(frame);
            let fast = ServerEvent::decode_single_pass(frame, *shape);
            match (&slow, fast) {
                (Ok(slow), Some(fast)) => assert_eq!(slow, &fast, "{frame}"),
                (Ok(_), None) => assert!(!frame.starts_with(r#"{"type":"#), "{frame}"),
                (Err(error), fast) => panic!("{frame}: {error} (single pass: {fast:?})"),
            }
        }
    }

    #[test]
    fn type_after_other_keys_and_unknown_fields_are_kept() {
        let frame = r#"{"event_id":"e1","delta":"AAEC","x":{"y":[1]},"type":"response.output_audio.delta","item_id":"i"}"#;
        let [ServerEvent::ResponseAudioDelta(delta)] =
            &WireShape::Ga.decode_server(frame).unwrap_or_default()[..]
        else {
            panic!("expected one audio delta");
        };
        assert_eq!(delta.event_id.as_deref(), Some("e1"));
        assert_eq!(delta.item_id, "i");
        assert_eq!(delta.delta.as_str(), "AAEC");
        assert_eq!(delta.extra.len(), 1);
        assert_eq!(delta.extra["x"], serde_json::json!({"y": [1]}));

        let first = r#"{"type":"response.audio.delta","q":1,"delta":"AAEC","w\u0041":"esc"}"#;
        let events = WireShape::Ga.decode_server(first).unwrap_or_default();
        let [ServerEvent::ResponseAudioDelta(delta)] = &events[..] else {
            panic!("expected one audio delta");
        };
        assert_eq!(delta.spelling, crate::protocol::Spelling::Beta);
        assert_eq!(delta.extra["wA"], "esc");
        assert_eq!(
            WireShape::Ga.encode_server(&events[0]).ok().as_deref(),
            Some(
                r#"{"type":"response.audio.delta","response_id":"","item_id":"","output_index":0,"content_index":0,"delta":"AAEC","q":1,"wA":"esc"}"#
            )
        );
    }

    #[test]
    fn single_pass_errors_are_the_typed_errors() {
        let kind = |frame: &str| {
            WireShape::Ga
                .decode_server(frame)
                .map_err(|error| error.kind)
        };
        assert!(matches!(
            kind(r#"{"type":"response.output_audio.delta","output_index":"x"}"#),
            Err(DecodeErrorKind::InvalidField { .. })
        ));
        assert!(matches!(
            kind(r#"{"type":"response.output_audio.delta","item_id":"a","item_id":"b"}"#),
            Err(DecodeErrorKind::InvalidField { .. })
        ));
        assert!(matches!(
            kind(r#"{"type":"response.output_audio.delta"} trailing"#),
            Err(DecodeErrorKind::MalformedJson { .. })
        ));
        assert!(matches!(
            kind(r#"{"type":"response.output_audio.delta","delta":"#),
            Err(DecodeErrorKind::MalformedJson { .. })
        ));
        assert_eq!(
            kind(r#"{"type":7}"#),
            Err(DecodeErrorKind::MissingType { found: "number" })
        );
        let unknown = WireShape::Ga
            .decode_server(r#"{"type":"brand.new","a":1,"b":{"c":null}}"#)
            .unwrap_or_default();
        let [ServerEvent::Unknown { event_type, raw }] = &unknown[..] else {
            panic!("expected an unknown event");
        };
        assert_eq!(event_type, "brand.new");
        assert_eq!(
            serde_json::to_string(raw).ok().as_deref(),
            Some(r#"{"type":"brand.new","a":1,"b":{"c":null}}"#)
        );
    }
}
