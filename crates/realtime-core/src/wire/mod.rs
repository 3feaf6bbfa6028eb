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
        Ok(vec![event])
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
