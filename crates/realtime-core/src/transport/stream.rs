//! [`FrameStream`]: the incoming half of a connection.

use std::pin::Pin;
use std::task::{Context, Poll};

use std::sync::Arc;

use futures_util::Stream;
use tokio::sync::mpsc;

use super::error::TransportError;
use super::sink::{HeldBytes, Shared};

/// One incoming data frame (a complete WebSocket message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A text message; every realtime dialect speaks JSON text frames.
    Text(String),
    /// A binary message. Surfaced, never dropped: the decoding layer turns it into a
    /// typed error.
    Binary(Vec<u8>),
}

/// A frame on its way to the application, holding its bytes in the incoming budget.
#[derive(Debug)]
pub(crate) struct Delivery {
    pub(crate) frame: Incoming,
    pub(crate) _held: HeldBytes,
}

/// The incoming frames of one connection, in order.
///
/// Ends with `None` after a normal close (code 1000, or a close frame without a
/// code, or a close started by [`FrameSink::close`](super::FrameSink::close)).
/// Any other ending yields one `Err` first ([`TransportError::Closed`],
/// [`TransportError::ConnectionLost`], [`TransportError::FrameTooLarge`],
/// [`TransportError::PongTimeout`], [`TransportError::WriteTimeout`],
/// [`TransportError::Protocol`]) and then `None`. The error comes after the frames
/// that arrived before it.
///
/// The frames waiting here are bounded in number
/// ([`TransportConfig::incoming_capacity`](super::TransportConfig::incoming_capacity))
/// and in bytes ([`TransportConfig::incoming_max_bytes`](super::TransportConfig::incoming_max_bytes)):
/// when the application does not read, the socket task stops reading and the
/// server's sends slow down (TCP flow control). Nothing is dropped.
#[derive(Debug)]
pub struct FrameStream {
    provider: &'static str,
    frames: mpsc::Receiver<Delivery>,
    shared: Arc<Shared>,
    ended: bool,
}

impl FrameStream {
    pub(crate) fn new(
        provider: &'static str,
        frames: mpsc::Receiver<Delivery>,
        shared: Arc<Shared>,
    ) -> Self {
        Self {
            provider,
            frames,
            shared,
            ended: false,
        }
    }

    /// The provider of the connection.
    pub fn provider(&self) -> &'static str {
        self.provider
    }

    /// Bytes of frames waiting to be read: at most
    /// [`TransportConfig::incoming_max_bytes`](super::TransportConfig::incoming_max_bytes),
    /// or one frame when that frame alone is larger.
    pub fn queued_bytes(&self) -> usize {
        self.shared.incoming.used()
    }

    /// Frames waiting to be read.
    pub fn queued_frames(&self) -> usize {
        self.frames.len()
    }

    /// Waits for the next frame; `None` once the connection has ended.
    pub async fn next_frame(&mut self) -> Option<Result<Incoming, TransportError>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl Stream for FrameStream {
    type Item = Result<Incoming, TransportError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.ended {
            return Poll::Ready(None);
        }
        match self.frames.poll_recv(cx) {
            Poll::Pending => Poll::Pending,
            // The bytes are given back here: the frame leaves the queue.
            Poll::Ready(Some(delivery)) => Poll::Ready(Some(Ok(delivery.frame))),
            Poll::Ready(None) => {
                if let Some(frame) = self.shared.take_leftover() {
                    return Poll::Ready(Some(Ok(frame)));
                }
                self.ended = true;
                Poll::Ready(self.shared.terminal().map(Err))
            }
        }
    }
}
