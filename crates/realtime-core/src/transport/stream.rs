//! [`FrameStream`]: the incoming half of a connection.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;
use tokio::sync::mpsc;

use super::error::TransportError;

/// One incoming data frame (a complete WebSocket message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A text message; every realtime dialect speaks JSON text frames.
    Text(String),
    /// A binary message. Surfaced, never dropped: the decoding layer turns it into a
    /// typed error.
    Binary(Vec<u8>),
}

/// The incoming frames of one connection, in order.
///
/// Ends with `None` after a normal close (code 1000, or a close frame without a
/// code, or a close started by [`FrameSink::close`](super::FrameSink::close)).
/// Any other ending yields one `Err` first ([`TransportError::Closed`],
/// [`TransportError::ConnectionLost`], [`TransportError::FrameTooLarge`],
/// [`TransportError::PongTimeout`], [`TransportError::Protocol`]) and then `None`.
#[derive(Debug)]
pub struct FrameStream {
    provider: &'static str,
    frames: mpsc::Receiver<Result<Incoming, TransportError>>,
}

impl FrameStream {
    pub(crate) fn new(
        provider: &'static str,
        frames: mpsc::Receiver<Result<Incoming, TransportError>>,
    ) -> Self {
        Self { provider, frames }
    }

    /// The provider of the connection.
    pub fn provider(&self) -> &'static str {
        self.provider
    }

    /// Waits for the next frame; `None` once the connection has ended.
    pub async fn next_frame(&mut self) -> Option<Result<Incoming, TransportError>> {
        self.frames.recv().await
    }
}

impl Stream for FrameStream {
    type Item = Result<Incoming, TransportError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.frames.poll_recv(cx)
    }
}
