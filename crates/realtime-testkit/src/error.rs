//! [`TestkitError`]: failures of the emulator itself.

use std::time::Duration;

/// An emulator operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestkitError {
    /// The listening socket could not be opened.
    #[error("testkit: cannot listen on 127.0.0.1: {0}")]
    Bind(#[source] std::io::Error),
    /// The self-signed certificate or the TLS configuration could not be built.
    #[error("testkit: TLS setup failed: {message}")]
    Tls {
        /// What went wrong.
        message: String,
    },
    /// Something awaited did not happen in time.
    #[error("testkit: expected {expected} within {after:?}, got {got}")]
    Timeout {
        /// What was awaited.
        expected: String,
        /// What there was when time ran out.
        got: String,
        /// How long it waited.
        after: Duration,
    },
    /// The connection has ended; it cannot send or inject faults any more.
    #[error("testkit: connection {id} is closed")]
    ConnectionClosed {
        /// The connection's index in [`TestServer::connections`](crate::TestServer::connections).
        id: usize,
    },
    /// Writing to the socket failed.
    #[error("testkit: connection {id}: write failed: {message}")]
    Socket {
        /// The connection's index.
        id: usize,
        /// What the socket reported.
        message: String,
    },
}
