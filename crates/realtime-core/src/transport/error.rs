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
    /// The server refused the upgrade with an HTTP error and said when to retry
    /// (`Retry-After` on a 429 Too Many Requests or a 503, say). A reconnect policy
    /// should wait at least [`retry_after`](Self::retry_after).
    #[error(
        "{provider}: expected HTTP 101 Switching Protocols, got HTTP {status} (retry after {retry_after:?}): {body}"
    )]
    Throttled {
        /// Provider of the connector.
        provider: &'static str,
        /// The HTTP status code.
        status: u16,
        /// The server's `Retry-After`, as a duration from when the answer came.
        retry_after: Duration,
        /// The start of the response body (at most 512 bytes, secrets scrubbed).
        body: String,
    },
    /// The socket accepted no outgoing bytes for the write timeout while frames
    /// waited: the peer stopped reading (or the network stalled).
    #[error(
        "{provider}: expected the socket to accept outgoing frames within {after:?}, it accepted nothing (the peer stopped reading)"
    )]
    WriteTimeout {
        /// Provider of the connector.
        provider: &'static str,
        /// The write timeout.
        after: Duration,
    },
    /// The outgoing queue holds too many bytes and the policy is
    /// [`Backpressure::Error`](super::Backpressure::Error) (or `try_send` was used,
    /// or no room came within the write timeout).
    #[error(
        "{provider}: outgoing queue full (at most {max_bytes} bytes queued, a frame of {bytes} bytes did not fit); the socket is not keeping up"
    )]
    BackpressureBytes {
        /// Provider of the connector.
        provider: &'static str,
        /// Size of the frame that did not fit.
        bytes: usize,
        /// The queue bound, in bytes.
        max_bytes: usize,
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
            | Self::Throttled { provider, .. }
            | Self::WriteTimeout { provider, .. }
            | Self::BackpressureBytes { provider, .. }
            | Self::SessionClosed { provider } => provider,
        }
    }

    /// The HTTP status of a refused upgrade ([`Handshake`](Self::Handshake) or
    /// [`Throttled`](Self::Throttled)).
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Handshake { status, .. } | Self::Throttled { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// How long the server asked us to wait before retrying (its `Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Throttled { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }

    /// The kind of the server's close, for [`Closed`](Self::Closed).
    pub fn close_kind(&self) -> Option<CloseKind> {
        match self {
            Self::Closed { code, .. } => Some(CloseKind::from_code(*code)),
            _ => None,
        }
    }

    /// Whether retrying the same request cannot help: the credentials were refused
    /// (HTTP 401 or 403 at the upgrade), the request itself is unusable, or the
    /// server closed with a code that says so ([`CloseKind::is_fatal`]).
    ///
    /// Everything else (refused or lost connections, timeouts, 429, 5xx, abnormal
    /// closes) may succeed on a later attempt.
    pub fn is_fatal(&self) -> bool {
        match self {
            Self::Handshake { status, .. } => matches!(status, 401 | 403),
            Self::InvalidRequest { .. } => true,
            Self::Closed { code, .. } => CloseKind::from_code(*code).is_fatal(),
            _ => false,
        }
    }
}

/// What a server's close code means (RFC 6455, section 7.4.1, and the IANA
/// registry), for deciding whether and how to reconnect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseKind {
    /// 1000: the server is done with the session.
    Normal,
    /// 1001: the server is going away (restart, deploy): reconnect.
    GoingAway,
    /// 1002, 1003, 1007, 1010: the server could not accept what we sent (protocol,
    /// data type, payload, extension): the same request would fail again.
    Protocol,
    /// 1008: the server refused us by policy (often credentials or quota).
    PolicyViolation,
    /// 1009: a message was too big for the server.
    TooBig,
    /// 1011: the server failed: reconnect with backoff.
    ServerError,
    /// 1012 and 1013: the server restarts or is overloaded: reconnect later.
    TryAgainLater,
    /// 1014: a gateway got a bad answer upstream: reconnect with backoff.
    BadGateway,
    /// 3000-4999: a code defined by the provider or application.
    Application(u16),
    /// Any other code.
    Other(u16),
}

impl CloseKind {
    /// Classifies a close code.
    pub fn from_code(code: u16) -> Self {
        match code {
            1000 => Self::Normal,
            1001 => Self::GoingAway,
            1002 | 1003 | 1007 | 1010 => Self::Protocol,
            1008 => Self::PolicyViolation,
            1009 => Self::TooBig,
            1011 => Self::ServerError,
            1012 | 1013 => Self::TryAgainLater,
            1014 => Self::BadGateway,
            3000..=4999 => Self::Application(code),
            other => Self::Other(other),
        }
    }

    /// Whether reconnecting with the same request cannot help (policy violation,
    /// protocol errors, a message too big).
    pub fn is_fatal(self) -> bool {
        matches!(self, Self::Protocol | Self::PolicyViolation | Self::TooBig)
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
    fn fatal_and_retry_classification() {
        let handshake = |status| TransportError::Handshake {
            provider: "p",
            status,
            body: String::new(),
        };
        assert!(handshake(401).is_fatal() && handshake(403).is_fatal());
        assert!(!handshake(500).is_fatal() && !handshake(429).is_fatal());
        let throttled = TransportError::Throttled {
            provider: "p",
            status: 429,
            retry_after: Duration::from_secs(7),
            body: String::new(),
        };
        assert_eq!(throttled.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(throttled.status(), Some(429));
        assert!(!throttled.is_fatal());
        let closed = |code| TransportError::Closed {
            provider: "p",
            code,
            reason: String::new(),
        };
        assert!(closed(1008).is_fatal() && !closed(1011).is_fatal());
        assert_eq!(closed(1013).close_kind(), Some(CloseKind::TryAgainLater));
        assert_eq!(
            closed(4001).close_kind(),
            Some(CloseKind::Application(4001))
        );
        assert_eq!(CloseKind::from_code(1001), CloseKind::GoingAway);
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
