//! Errors of the sans-IO layers: decoding a wire frame and encoding a client event.
//!
//! Transport and client errors live next to the code that raises them
//! (`transport::TransportError`, `client::ClientError`, with the `runtime` feature).

use std::borrow::Cow;

/// A wire frame could not be turned into canonical events.
///
/// The error names the dialect (and through it the provider) and, where it could be
/// read, the event type, and says what was expected and what came.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{dialect}: cannot decode {}: {kind}", event_type.as_deref().map_or_else(|| "frame".to_owned(), |t| format!("`{t}` event")))]
pub struct DecodeError {
    /// The dialect that tried to decode the frame, e.g. `openai-ga` or `azure-openai-preview`.
    pub dialect: Cow<'static, str>,
    /// The frame's `type`, when the frame was an object with a string `type`.
    pub event_type: Option<String>,
    /// What went wrong.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// Creates an error for `dialect`.
    pub fn new(
        dialect: impl Into<Cow<'static, str>>,
        event_type: Option<String>,
        kind: DecodeErrorKind,
    ) -> Self {
        Self {
            dialect: dialect.into(),
            event_type,
            kind,
        }
    }

    /// Returns the same error, attributed to another dialect (a provider dialect
    /// re-labels the errors of the wire shape it is built on).
    #[must_use]
    pub fn with_dialect(mut self, dialect: impl Into<Cow<'static, str>>) -> Self {
        self.dialect = dialect.into();
        self
    }
}

/// What was wrong with a frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The frame is not JSON.
    #[error("expected a JSON object, got malformed JSON ({message})")]
    MalformedJson {
        /// The JSON parser's message, with line and column.
        message: String,
    },
    /// The frame is JSON but not an object.
    #[error("expected a JSON object, got {found}")]
    NotAnObject {
        /// The JSON type found: `array`, `string`, `number`, `boolean` or `null`.
        found: &'static str,
    },
    /// The object has no `type` field, or it is not a string.
    #[error("expected a string field `type`, got {found}")]
    MissingType {
        /// What stood in its place (`nothing`, or a JSON type).
        found: &'static str,
    },
    /// A known event type whose fields do not have the documented types.
    #[error("{message}")]
    InvalidField {
        /// The deserializer's message: which field, what was expected, what came.
        message: String,
    },
    /// A binary WebSocket frame; every dialect speaks JSON text frames.
    #[error("expected a text frame, got a binary frame of {len} bytes")]
    BinaryFrame {
        /// Size of the binary frame.
        len: usize,
    },
}

/// A canonical client event could not be written in a dialect.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The event sets a field the dialect has no place for, and the unsupported-field
    /// policy is [`UnsupportedPolicy::Error`](crate::dialect::UnsupportedPolicy::Error).
    #[error("{dialect}: `{field}` is not supported: {reason}")]
    Unsupported {
        /// The dialect asked to encode the event.
        dialect: Cow<'static, str>,
        /// The canonical field, e.g. `session.temperature`.
        field: Cow<'static, str>,
        /// Why the dialect cannot carry it (and what to use instead, where there is something).
        reason: Cow<'static, str>,
    },
    /// The event asks for something invalid in every dialect (e.g. two output modalities on GA).
    #[error("{dialect}: invalid `{field}`: expected {expected}, got {found}")]
    Invalid {
        /// The dialect asked to encode the event.
        dialect: Cow<'static, str>,
        /// The canonical field.
        field: Cow<'static, str>,
        /// What the dialect accepts.
        expected: Cow<'static, str>,
        /// What the event held.
        found: String,
    },
    /// Serialising to JSON failed (a custom `Serialize` in user data failed).
    #[error("{dialect}: cannot serialise `{event_type}`: {message}")]
    Json {
        /// The dialect asked to encode the event.
        dialect: Cow<'static, str>,
        /// The event being encoded.
        event_type: Cow<'static, str>,
        /// serde_json's message.
        message: String,
    },
}

impl EncodeError {
    /// Returns the same error, attributed to another dialect.
    #[must_use]
    pub fn with_dialect(self, name: impl Into<Cow<'static, str>>) -> Self {
        let name = name.into();
        match self {
            Self::Unsupported { field, reason, .. } => Self::Unsupported {
                dialect: name,
                field,
                reason,
            },
            Self::Invalid {
                field,
                expected,
                found,
                ..
            } => Self::Invalid {
                dialect: name,
                field,
                expected,
                found,
            },
            Self::Json {
                event_type,
                message,
                ..
            } => Self::Json {
                dialect: name,
                event_type,
                message,
            },
        }
    }
}
