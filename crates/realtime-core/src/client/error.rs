//! Errors of a client session.

use crate::error::{DecodeError, EncodeError};
use crate::protocol::AudioFormat;
use crate::transport::TransportError;

/// Something went wrong in a session.
///
/// Decode errors are items on the event stream and the session goes on; transport
/// errors end the stream.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The socket failed or closed abnormally.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A client event could not be written in the dialect (nothing was sent).
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// A server frame could not be read (the session goes on).
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// Audio handed to `send` does not fit the session's input format (nothing was
    /// sent; the session goes on).
    #[error("expected {expected} of {format:?} input audio, got {found}; nothing was sent")]
    InvalidAudio {
        /// The session's input format.
        format: AudioFormat,
        /// What the format needs.
        expected: &'static str,
        /// What came.
        found: String,
    },
}

impl ClientError {
    /// Whether the session can go on after this error.
    pub fn is_recoverable(&self) -> bool {
        matches!(
            self,
            Self::Encode(_) | Self::Decode(_) | Self::InvalidAudio { .. }
        )
    }

    /// Whether reconnecting cannot help (see [`TransportError::is_fatal`]): the
    /// credentials were refused at the upgrade, the request is unusable, or the
    /// server closed with a code that says so.
    pub fn is_fatal(&self) -> bool {
        matches!(self, Self::Transport(error) if error.is_fatal())
    }

    /// How long the server asked to wait before reconnecting (its `Retry-After` on
    /// a refused upgrade), if it did.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Self::Transport(error) => error.retry_after(),
            _ => None,
        }
    }
}
