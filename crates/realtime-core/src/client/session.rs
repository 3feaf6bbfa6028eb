//! A connected session: send client events, receive server events.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::Stream;

use super::error::ClientError;
use super::record::{Direction, Recorder};
use crate::dialect::Dialect;
use crate::error::{DecodeError, DecodeErrorKind};
use crate::protocol::{ClientEvent, ServerEvent};
use crate::transport::{FrameSink, FrameStream, Incoming};

/// Sends client events; cheap to clone and share between tasks.
#[derive(Debug, Clone)]
pub struct SessionSender {
    dialect: Arc<dyn Dialect>,
    sink: FrameSink,
    recorder: Option<Recorder>,
}

impl SessionSender {
    /// Encodes `event` in the dialect and sends it.
    ///
    /// # Errors
    /// [`ClientError::Encode`] when the dialect refuses the event (nothing is sent);
    /// [`ClientError::Transport`] when the socket is gone or full (per the
    /// backpressure policy).
    pub async fn send(&self, event: &ClientEvent) -> Result<(), ClientError> {
        let frame = self.dialect.encode(event)?;
        self.send_frame(frame).await
    }

    /// Sends a frame that is already encoded (used for replays and tests).
    ///
    /// # Errors
    /// [`ClientError::Transport`] when the socket is gone or full.
    pub async fn send_frame(&self, frame: String) -> Result<(), ClientError> {
        if let Some(recorder) = &self.recorder {
            recorder.record(Direction::Client, &frame);
        }
        self.sink.send(frame).await.map_err(ClientError::from)
    }

    /// Closes the connection with a normal close frame.
    ///
    /// # Errors
    /// [`ClientError::Transport`] when the close handshake fails.
    pub async fn close(&self) -> Result<(), ClientError> {
        if let Some(recorder) = &self.recorder {
            recorder.flush();
        }
        self.sink
            .close(1000, "client closed")
            .await
            .map_err(ClientError::from)
    }

    /// The dialect.
    pub fn dialect(&self) -> &Arc<dyn Dialect> {
        &self.dialect
    }
}

/// The server events of a session, decoded by the dialect.
///
/// Yields `Ok(event)` for each event, `Err` for a frame that could not be decoded
/// (the stream goes on), and a final `Err(ClientError::Transport)` when the socket
/// fails or closes abnormally; ends after a normal close.
#[derive(Debug)]
pub struct EventStream {
    dialect: Arc<dyn Dialect>,
    frames: FrameStream,
    pending: VecDeque<ServerEvent>,
    recorder: Option<Recorder>,
    finished: bool,
}

impl EventStream {
    /// The next event, decode error or transport error; `None` once the session ended.
    pub async fn next_event(&mut self) -> Option<Result<ServerEvent, ClientError>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    fn decode(&mut self, incoming: Incoming) -> Option<Result<ServerEvent, ClientError>> {
        match incoming {
            Incoming::Text(frame) => {
                if let Some(recorder) = &self.recorder {
                    recorder.record(Direction::Server, &frame);
                }
                match self.dialect.decode(&frame) {
                    Ok(events) => {
                        self.pending.extend(events);
                        self.pending.pop_front().map(Ok)
                    }
                    Err(error) => {
                        tracing::warn!(%error, "server frame could not be decoded");
                        Some(Err(error.into()))
                    }
                }
            }
            Incoming::Binary(bytes) => {
                let error = DecodeError::new(
                    self.dialect.name(),
                    None,
                    DecodeErrorKind::BinaryFrame { len: bytes.len() },
                );
                tracing::warn!(%error, "binary frame");
                Some(Err(error.into()))
            }
        }
    }
}

impl Stream for EventStream {
    type Item = Result<ServerEvent, ClientError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Poll::Ready(Some(Ok(event)));
            }
            if self.finished {
                return Poll::Ready(None);
            }
            match Pin::new(&mut self.frames).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    self.finished = true;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Err(error))) => {
                    self.finished = true;
                    return Poll::Ready(Some(Err(error.into())));
                }
                Poll::Ready(Some(Ok(incoming))) => {
                    if let Some(item) = self.decode(incoming) {
                        return Poll::Ready(Some(item));
                    }
                }
            }
        }
    }
}

/// A connected session: a [`SessionSender`] and an [`EventStream`] together.
#[derive(Debug)]
pub struct Session {
    sender: SessionSender,
    events: EventStream,
}

impl Session {
    pub(super) fn new(
        dialect: Arc<dyn Dialect>,
        sink: FrameSink,
        frames: FrameStream,
        recorder: Option<Recorder>,
    ) -> Self {
        let sender = SessionSender {
            dialect: Arc::clone(&dialect),
            sink,
            recorder: recorder.clone(),
        };
        let events = EventStream {
            dialect,
            frames,
            pending: VecDeque::new(),
            recorder,
            finished: false,
        };
        Self { sender, events }
    }

    /// Encodes and sends a client event.
    ///
    /// # Errors
    /// See [`SessionSender::send`].
    pub async fn send(&self, event: &ClientEvent) -> Result<(), ClientError> {
        self.sender.send(event).await
    }

    /// The next server event; see [`EventStream`].
    pub async fn next_event(&mut self) -> Option<Result<ServerEvent, ClientError>> {
        self.events.next_event().await
    }

    /// A sender that can be moved to another task.
    pub fn sender(&self) -> SessionSender {
        self.sender.clone()
    }

    /// Splits into the sending and receiving halves.
    pub fn split(self) -> (SessionSender, EventStream) {
        (self.sender, self.events)
    }

    /// Closes the session with a normal close frame.
    ///
    /// # Errors
    /// See [`SessionSender::close`].
    pub async fn close(self) -> Result<(), ClientError> {
        self.sender.close().await
    }
}

impl Stream for Session {
    type Item = Result<ServerEvent, ClientError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.events).poll_next(cx)
    }
}
