//! [`TransportError`]: everything that can go wrong on the socket.

use std::time::Duration;

use super::connector::ConnectError;

/// Largest HTTP body kept in [`TransportError::Handshake`], in bytes.
pub(crate) const MAX_HANDSHAKE_BODY: usize = 512;

/// A transport failure. Each message names the provider and says what was expected
/// and what came.
///
/// Errors are sticky: once the connection has failed, [`FrameSink`](super::FrameSink)
/// returns the error that ended it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The connector could not produce a request (e.g. a token fetch failed).
    #[error(transparent)]
    Connector(#[from] ConnectError),
    /// The request could not be turned into a WebSocket handshake (bad URL scheme,
    /// invalid header name or value). Header values are never included.
    #[error("{provider}: invalid connect request for {url}: {message}")]
    InvalidRequest {
        /// Provider of the connector.
        provider: &'static str,
        /// The URL, redacted.
        url: String,
        /// What was wrong.
        message: String,
    },
    /// TCP connection, or the handshake as a whole, failed or timed out.
    #[error("{provider}: could not connect to {url}: {message}")]
    Connect {
        /// Provider of the connector.
        provider: &'static str,
        /// The URL, redacted.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The server answered the WebSocket upgrade with an HTTP error (e.g. 401).
    #[error("{provider}: expected HTTP 101 Switching Protocols, got HTTP {status}: {body}")]
    Handshake {
        /// Provider of the connector.
        provider: &'static str,
        /// The HTTP status code.
        status: u16,
        /// The start of the response body (at most 512 bytes, lossy UTF-8).
        body: String,
    },
    /// TLS setup or TLS handshake failed.
    #[error("{provider}: TLS failed: {message}")]
    Tls {
        /// Provider of the connector.
        provider: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The server closed the connection with a code other than 1000 (Normal).
    #[error(
        "{provider}: expected a normal close (1000), server closed with code {code}: {reason:?}"
    )]
    Closed {
        /// Provider of the connector.
        provider: &'static str,
        /// The close code.
        code: u16,
        /// The close reason sent by the server.
        reason: String,
    },
    /// The connection ended without a close frame (TCP reset, EOF, I/O error).
    #[error("{provider}: connection lost without a close frame: {message}")]
    ConnectionLost {
        /// Provider of the connector.
        provider: &'static str,
        /// What the socket reported.
        message: String,
    },
    /// The peer broke the WebSocket protocol (invalid frame, invalid UTF-8 in a text
    /// frame, ...).
    #[error("{provider}: WebSocket protocol violation: {message}")]
    Protocol {
        /// Provider of the connector.
        provider: &'static str,
        /// What tungstenite reported.
        message: String,
    },
    /// A message was larger than the configured maximum.
    #[error("{provider}: expected a message of at most {max} bytes, got {size} bytes")]
    FrameTooLarge {
        /// Provider of the connector.
        provider: &'static str,
        /// Size of the offending message or frame, as far as known.
        size: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The outgoing queue was full and the policy is
    /// [`Backpressure::Error`](super::Backpressure::Error) (or `try_send` was used).
    #[error("{provider}: outgoing queue full ({capacity} frames); the socket is not keeping up")]
    Backpressure {
        /// Provider of the connector.
        provider: &'static str,
        /// The queue capacity.
        capacity: usize,
    },
    /// No frame arrived within the pong timeout after a ping.
    #[error("{provider}: expected a pong within {after:?} of a ping, got nothing")]
    PongTimeout {
        /// Provider of the connector.
        provider: &'static str,
        /// The pong timeout.
        after: Duration,
    },
    /// [`FrameSink::close`](super::FrameSink::close) was given a code an endpoint may
    /// not send (e.g. 1005 or 1006).
    #[error(
        "{provider}: expected a close code an endpoint may send (1000-1003, 1007-1014, 3000-4999), got {code}"
    )]
    InvalidCloseCode {
        /// Provider of the connector.
        provider: &'static str,
        /// The rejected code.
        code: u16,
    },
    /// The sink was used after the connection was closed normally.
    #[error("{provider}: the connection is closed")]
    SessionClosed {
        /// Provider of the connector.
        provider: &'static str,
    },
}

impl TransportError {
    /// The provider the error belongs to.
    pub fn provider(&self) -> &'static str {
        match self {
            Self::Connector(error) => error.provider,
            Self::InvalidRequest { provider, .. }
            | Self::Connect { provider, .. }
            | Self::Handshake { provider, .. }
            | Self::Tls { provider, .. }
            | Self::Closed { provider, .. }
            | Self::ConnectionLost { provider, .. }
            | Self::Protocol { provider, .. }
            | Self::FrameTooLarge { provider, .. }
            | Self::Backpressure { provider, .. }
            | Self::PongTimeout { provider, .. }
            | Self::InvalidCloseCode { provider, .. }
            | Self::SessionClosed { provider } => provider,
        }
    }
}

/// Keeps at most [`MAX_HANDSHAKE_BODY`] bytes of `body`, as lossy UTF-8 cut on a
/// character boundary.
pub(crate) fn truncate_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX_HANDSHAKE_BODY)]);
    let mut end = text.len().min(MAX_HANDSHAKE_BODY);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_truncated_to_512_bytes() {
        let body = vec![b'x'; 2000];
        let kept = truncate_body(&body);
        assert_eq!(kept.len(), MAX_HANDSHAKE_BODY);
        // A multi-byte character cut by the limit becomes U+FFFD, still within 512 bytes.
        let mut cut = vec![b'a'; MAX_HANDSHAKE_BODY - 1];
        cut.extend_from_slice("é".as_bytes());
        assert!(truncate_body(&cut).len() <= MAX_HANDSHAKE_BODY);
        assert_eq!(truncate_body(b"{\"error\":1}"), "{\"error\":1}");
    }

    #[test]
    fn display_names_provider_and_expectation() {
        let error = TransportError::Closed {
            provider: "azure-openai",
            code: 1011,
            reason: "boom".into(),
        };
        let text = error.to_string();
        assert!(text.starts_with("azure-openai:"), "{text}");
        assert!(text.contains("1011") && text.contains("1000"), "{text}");
    }
}
