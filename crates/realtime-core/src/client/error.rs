//! Errors of a client session.

use crate::error::{DecodeError, EncodeError};
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
    /// The server does not speak the configured dialect. The client switched to the
    /// one it speaks and re-sent its last `session.update`; the session goes on.
    #[error(
        "the server speaks {to}, not {from} ({reason}); switched and re-sent the session settings"
    )]
    DialectSwitched {
        /// The configured dialect.
        from: &'static str,
        /// The dialect now in use.
        to: &'static str,
        /// The evidence.
        reason: String,
    },
}

impl ClientError {
    /// Whether the session can go on after this error.
    pub fn is_recoverable(&self) -> bool {
        matches!(
            self,
            Self::Encode(_) | Self::Decode(_) | Self::DialectSwitched { .. }
        )
    }
}
