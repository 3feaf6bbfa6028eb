//! The socket task: one per connection, the only owner of the WebSocket.
//!
//! Reading and writing make progress independently: a peer that stops reading
//! stalls the writes, never the reads (pongs, server frames, the pong timeout), and
//! an application that stops reading stalls the reads, never the writes. Every wait
//! has a bound: the write timeout (no write progress while frames wait), the pong
//! timeout (nothing read after a ping), the close timeout (the whole close).

use std::collections::VecDeque;
use std::sync::{Arc, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{OwnedSemaphorePermit, TryAcquireError, mpsc};
use tokio::time::{Instant, Interval, MissedTickBehavior};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};

use super::config::TransportConfig;
use super::error::TransportError;
use super::sink::{Command, FrameSink, HeldBytes, Shared};
use super::stream::{Delivery, FrameStream, Incoming};

/// Most frames handed to the socket in one turn before the task looks at its
/// other duties (reads, timers).
const MAX_BATCH: usize = 64;

/// How the main loop ended.
enum Ending {
    /// The server sent a close frame.
    ServerClosed { code: u16, reason: String },
    /// The application closed the connection; the outcome of that close.
    ClosedByUs(Result<(), TransportError>),
    /// The connection failed.
    Failed(TransportError),
}

/// What the socket did, as seen by the main loop.
enum Io {
    /// A message, an error, or the end of the socket.
    Read(Option<Result<Message, tungstenite::Error>>),
    /// Writing failed.
    WriteFailed(tungstenite::Error),
    /// Every sink is gone (or closed) and the queue is drained.
    CommandsDrained,
    /// The socket stopped taking frames: the write deadline starts now.
    StallBegan,
}

/// A message waiting for the socket, with the queue bytes it holds.
struct Outgoing {
    message: Message,
    _held: Option<HeldBytes>,
}

/// The close the application asked for, in progress.
struct Closing {
    code: u16,
    reason: String,
    deadline: Instant,
    /// Our close frame was handed to the socket.
    frame_queued: bool,
    /// Frames that arrived during the close and found no room.
    discarded: usize,
}

/// Spawns the socket task for `ws` and returns the application's two halves.
pub(crate) fn spawn<S>(
    ws: WebSocketStream<S>,
    provider: &'static str,
    config: &TransportConfig,
) -> (FrameSink, FrameStream)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (command_tx, command_rx) = mpsc::channel(config.get_outgoing_capacity());
    let (incoming_tx, incoming_rx) = mpsc::channel(config.get_incoming_capacity());
    let shared = Arc::new(Shared::new(provider, config));
    let driver = Driver {
        ws,
        provider,
        commands: command_rx,
        commands_open: true,
        incoming: incoming_tx,
        shared: Arc::clone(&shared),
        ping_interval: config.get_ping_interval(),
        pong_timeout: config.get_pong_timeout(),
        close_timeout: config.get_close_timeout(),
        write_timeout: config.get_write_timeout(),
        outbox: VecDeque::new(),
        unflushed: false,
        stalled_since: None,
        held: None,
        closing: None,
    };
    let task = tokio::spawn(driver.run());
    *shared.abort.lock().unwrap_or_else(PoisonError::into_inner) = Some(task.abort_handle());
    (
        FrameSink::new(command_tx, Arc::clone(&shared)),
        FrameStream::new(provider, incoming_rx, shared),
    )
}

struct Driver<S> {
    ws: WebSocketStream<S>,
    provider: &'static str,
    commands: mpsc::Receiver<Command>,
    commands_open: bool,
    incoming: mpsc::Sender<Delivery>,
    shared: Arc<Shared>,
    ping_interval: Option<Duration>,
    pong_timeout: Duration,
    close_timeout: Duration,
    write_timeout: Duration,
    /// Messages taken from the queue (or made here: pings, the close frame) that the
    /// socket has not accepted yet.
    outbox: VecDeque<Outgoing>,
    /// Frames were handed to the socket and not flushed yet.
    unflushed: bool,
    /// Since when the socket has accepted nothing while something waits.
    stalled_since: Option<Instant>,
    /// A frame read from the socket that waits for room in the incoming queue; no
    /// more reading until it is delivered.
    held: Option<Incoming>,
    closing: Option<Closing>,
}

impl<S> Driver<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    /// An `async` block, not an `async fn`: an `async fn` moves `self` into a local
    /// and its future keeps both copies (1.6 KiB more in every connection's task),
    /// where the block uses what it captured in place.
    #[allow(
        clippy::manual_async_fn,
        reason = "an async fn would keep its by-value arguments twice in the future"
    )]
    fn run(mut self) -> impl Future<Output = ()> + Send {
        async move {
            let ending = self.drive().await;
            match ending {
                Ending::ServerClosed { code, reason } => {
                    // tungstenite queued the close reply while reading; send it, briefly.
                    let bound = self.close_timeout.min(self.write_timeout);
                    match tokio::time::timeout(bound, self.ws.flush()).await {
                        Ok(Ok(())) => {}
                        Ok(Err(error)) => {
                            tracing::debug!(provider = self.provider, %error, "close reply not sent");
                        }
                        Err(_) => {
                            tracing::debug!(
                                provider = self.provider,
                                "close reply not sent in time"
                            );
                        }
                    }
                    if code == u16::from(CloseCode::Normal) {
                        tracing::debug!(
                            provider = self.provider,
                            "server closed the connection normally"
                        );
                        self.finish(None, Ok(()));
                    } else {
                        tracing::debug!(
                            provider = self.provider,
                            code,
                            "server closed the connection"
                        );
                        let error = TransportError::Closed {
                            provider: self.provider,
                            code,
                            reason,
                        };
                        self.finish(Some(error), Ok(()));
                    }
                }
                Ending::ClosedByUs(outcome) => self.finish(None, outcome),
                Ending::Failed(error) => {
                    tracing::debug!(provider = self.provider, %error, "connection failed");
                    let close_code = match &error {
                        TransportError::FrameTooLarge { .. } => Some(CloseCode::Size),
                        TransportError::Protocol { .. } => Some(CloseCode::Protocol),
                        _ => None,
                    };
                    if let Some(code) = close_code {
                        self.best_effort_close(code).await;
                    }
                    // A close the application asked for has nothing more to wait for.
                    self.finish(Some(error), Ok(()));
                }
            }
        }
    }

    /// Records the outcome and stops accepting frames. Never waits: dropping `self`
    /// then ends the stream, which yields the terminal error (if any) after the
    /// frames already queued.
    fn finish(mut self, error: Option<TransportError>, close_outcome: Result<(), TransportError>) {
        if let Some(error) = error {
            self.shared.set_terminal(error);
        }
        // Read before the end: the stream yields it after the queued frames.
        if let Some(frame) = self.held.take() {
            self.shared.set_leftover(frame);
        }
        self.commands.close();
        self.shared.outgoing.permits.close();
        self.shared.finished.send_replace(Some(close_outcome));
    }

    async fn drive(&mut self) -> Ending {
        let mut ping = self.ping_interval.map(|period| {
            let mut interval = tokio::time::interval_at(Instant::now() + period, period);
            interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
            interval
        });
        let mut pong_deadline: Option<Instant> = None;
        let shared = Arc::clone(&self.shared);
        loop {
            if self.closing.is_none()
                && let Some((code, reason)) = shared.close_request()
            {
                self.start_close(code, reason);
            }
            let reading = self.held.is_none();
            let write_deadline = self.stalled_since.map(|since| since + self.write_timeout);
            let close_deadline = self.closing.as_ref().map(|closing| closing.deadline);
            let held_cost = self
                .held
                .as_ref()
                .map(|frame| shared.incoming.cost(frame_len(frame)));
            // Everything is dropped: nobody to deliver to or send for.
            let watch_abandoned =
                (!self.commands_open && self.closing.is_none()).then(|| self.incoming.clone());
            let room_for = self.incoming.clone();
            tokio::select! {
                io = std::future::poll_fn(|cx| self.poll_io(cx, reading)) => {
                    match io {
                        Io::Read(message) => {
                            pong_deadline = None;
                            if let Some(ending) = self.on_read(message) {
                                return ending;
                            }
                        }
                        Io::WriteFailed(error) => {
                            let error = self.map_error(error);
                            return match self.closing.take() {
                                Some(closing) if closing.frame_queued => Ending::ClosedByUs(Ok(())),
                                Some(_) => Ending::ClosedByUs(Err(error)),
                                None => Ending::Failed(error),
                            };
                        }
                        Io::StallBegan => {}
                        Io::CommandsDrained => {
                            if self.closing.is_some() {
                                self.queue_close_frame();
                            } else {
                                tracing::debug!(provider = self.provider, "all frame sinks dropped");
                            }
                        }
                    }
                }
                room = wait_for_room(&shared, room_for, held_cost), if held_cost.is_some() => {
                    if let (Some((permit, slot)), Some(frame)) = (room, self.held.take()) {
                        let held = shared.incoming.hold(permit, frame_len(&frame));
                        slot.send(Delivery { frame, _held: held });
                    } else {
                        // The application dropped the stream: nobody to deliver to.
                        self.held = None;
                    }
                }
                () = shared.close_requested.notified(), if self.closing.is_none() => {}
                () = abandoned(watch_abandoned.as_ref()), if watch_abandoned.is_some() => {
                    tracing::debug!(provider = self.provider, "sinks and stream dropped, closing");
                    self.start_close(u16::from(CloseCode::Normal), String::new());
                }
                () = tick(&mut ping), if self.closing.is_none() => {
                    // No pong can be read while the application is not reading.
                    let ping_waiting = self
                        .outbox
                        .iter()
                        .any(|outgoing| matches!(outgoing.message, Message::Ping(_)));
                    if pong_deadline.is_none() && reading && !ping_waiting {
                        self.outbox.push_back(Outgoing {
                            message: Message::Ping(Default::default()),
                            _held: None,
                        });
                        pong_deadline = Some(Instant::now() + self.pong_timeout);
                    }
                }
                () = sleep_until(pong_deadline), if pong_deadline.is_some() && reading => {
                    tracing::warn!(provider = self.provider, after = ?self.pong_timeout, "no pong from the server");
                    return Ending::Failed(TransportError::PongTimeout {
                        provider: self.provider,
                        after: self.pong_timeout,
                    });
                }
                () = sleep_until(write_deadline), if write_deadline.is_some() && close_deadline.is_none() => {
                    // Progress may have come since the deadline was computed.
                    let stalled_for = self.stalled_since.map(|since| since.elapsed());
                    if stalled_for.is_none_or(|stalled| stalled < self.write_timeout) {
                        continue;
                    }
                    tracing::warn!(provider = self.provider, after = ?self.write_timeout, "the socket accepts nothing: the peer stopped reading");
                    return Ending::Failed(TransportError::WriteTimeout {
                        provider: self.provider,
                        after: self.write_timeout,
                    });
                }
                () = sleep_until(close_deadline), if close_deadline.is_some() => {
                    return self.close_timed_out();
                }
            }
        }
    }

    /// Begins the close the application asked for: no new frames, the queued ones
    /// go first, then our close frame (see [`Io::CommandsDrained`]).
    fn start_close(&mut self, code: u16, reason: String) {
        tracing::debug!(provider = self.provider, code, "closing the connection");
        self.commands.close();
        self.closing = Some(Closing {
            code,
            reason,
            deadline: Instant::now() + self.close_timeout,
            frame_queued: false,
            discarded: 0,
        });
        // Delivered, or given up: the close must not wait for the application.
        if let Some(frame) = self.held.take() {
            self.deliver_or_discard(frame);
        }
        if !self.commands_open {
            self.queue_close_frame();
        }
    }

    /// Queues our close frame behind everything already queued, once.
    fn queue_close_frame(&mut self) {
        let Some(closing) = &mut self.closing else {
            return;
        };
        if closing.frame_queued {
            return;
        }
        closing.frame_queued = true;
        let frame = CloseFrame {
            code: CloseCode::from(closing.code),
            reason: std::mem::take(&mut closing.reason).into(),
        };
        self.outbox.push_back(Outgoing {
            message: Message::Close(Some(frame)),
            _held: None,
        });
    }

    fn close_timed_out(&mut self) -> Ending {
        let Some(closing) = self.closing.take() else {
            return Ending::ClosedByUs(Ok(()));
        };
        let sent = closing.frame_queued && self.outbox.is_empty() && !self.unflushed;
        if closing.discarded > 0 {
            tracing::debug!(
                provider = self.provider,
                discarded = closing.discarded,
                "frames discarded during the close"
            );
        }
        if sent {
            tracing::debug!(provider = self.provider, after = ?self.close_timeout, "server did not finish the close handshake in time");
            Ending::ClosedByUs(Ok(()))
        } else {
            tracing::debug!(provider = self.provider, after = ?self.close_timeout, "close frame not sent in time");
            Ending::ClosedByUs(Err(TransportError::WriteTimeout {
                provider: self.provider,
                after: self.close_timeout,
            }))
        }
    }

    /// Moves writes forward, then reads if `reading`. Ready with the first thing
    /// the loop must handle; write progress alone keeps it pending.
    fn poll_io(&mut self, cx: &mut Context<'_>, reading: bool) -> Poll<Io> {
        let was_stalled = self.stalled_since.is_some();
        let mut handed = 0;
        loop {
            if self.outbox.is_empty() && self.commands_open && handed < MAX_BATCH {
                match self.commands.poll_recv(cx) {
                    Poll::Ready(Some(Command { text, held })) => {
                        self.outbox.push_back(Outgoing {
                            message: Message::text(text),
                            _held: Some(held),
                        });
                    }
                    Poll::Ready(None) => {
                        self.commands_open = false;
                        return Poll::Ready(Io::CommandsDrained);
                    }
                    Poll::Pending => {}
                }
            }
            if !self.outbox.is_empty() {
                match self.ws.poll_ready_unpin(cx) {
                    Poll::Ready(Ok(())) => {
                        let Some(outgoing) = self.outbox.pop_front() else {
                            break;
                        };
                        // The queue bytes are released when `outgoing` drops, below.
                        if let Err(error) = self.ws.start_send_unpin(outgoing.message) {
                            return Poll::Ready(Io::WriteFailed(error));
                        }
                        self.unflushed = true;
                        self.stalled_since = None;
                        handed += 1;
                        if handed >= MAX_BATCH {
                            // Let reads and timers run; come back at once.
                            cx.waker().wake_by_ref();
                        } else {
                            continue;
                        }
                    }
                    Poll::Ready(Err(error)) => return Poll::Ready(Io::WriteFailed(error)),
                    Poll::Pending => {
                        self.stalled_since.get_or_insert_with(Instant::now);
                        break;
                    }
                }
            }
            if self.unflushed {
                match self.ws.poll_flush_unpin(cx) {
                    Poll::Ready(Ok(())) => {
                        self.unflushed = false;
                        self.stalled_since = None;
                    }
                    Poll::Ready(Err(error)) => return Poll::Ready(Io::WriteFailed(error)),
                    Poll::Pending => {
                        self.stalled_since.get_or_insert_with(Instant::now);
                    }
                }
            }
            break;
        }
        if reading && let Poll::Ready(message) = self.ws.poll_next_unpin(cx) {
            return Poll::Ready(Io::Read(message));
        }
        if !was_stalled && self.stalled_since.is_some() {
            // The loop must arm the write deadline, even if nothing else happens.
            return Poll::Ready(Io::StallBegan);
        }
        Poll::Pending
    }

    /// Handles what the socket read; `Some` when it ends the connection.
    fn on_read(&mut self, message: Option<Result<Message, tungstenite::Error>>) -> Option<Ending> {
        let message = match message {
            Some(Ok(message)) => message,
            Some(Err(error)) => {
                return Some(match (self.closing.take(), error) {
                    // The server answered our close and the socket ended.
                    (
                        Some(closing),
                        tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed,
                    ) => Ending::ClosedByUs(self.close_outcome(&closing)),
                    (Some(closing), _) if closing.frame_queued => Ending::ClosedByUs(Ok(())),
                    (_, error) => Ending::Failed(self.map_error(error)),
                });
            }
            None => {
                return Some(match self.closing.take() {
                    Some(closing) => Ending::ClosedByUs(self.close_outcome(&closing)),
                    None => Ending::Failed(TransportError::ConnectionLost {
                        provider: self.provider,
                        message: "the socket ended without a close frame".to_owned(),
                    }),
                });
            }
        };
        match message {
            Message::Text(text) => self.on_frame(Incoming::Text(text.as_str().to_owned())),
            Message::Binary(bytes) => self.on_frame(Incoming::Binary(bytes.to_vec())),
            // tungstenite queued the pong; the next turn flushes it.
            Message::Ping(_) => self.unflushed = true,
            Message::Pong(_) | Message::Frame(_) => {}
            Message::Close(frame) => {
                if let Some(closing) = self.closing.take() {
                    // The answer to our close (or a close crossing ours): done.
                    self.unflushed = true;
                    return Some(Ending::ClosedByUs(self.close_outcome(&closing)));
                }
                // A close frame without a code is treated as a normal close.
                let (code, reason) = frame
                    .map_or((u16::from(CloseCode::Normal), String::new()), |frame| {
                        (u16::from(frame.code), frame.reason.as_str().to_owned())
                    });
                return Some(Ending::ServerClosed { code, reason });
            }
        }
        None
    }

    /// The outcome of our close, once the server is done: `Ok` (the server ended,
    /// so nothing of ours is left to fail).
    fn close_outcome(&self, closing: &Closing) -> Result<(), TransportError> {
        if closing.discarded > 0 {
            tracing::debug!(
                provider = self.provider,
                discarded = closing.discarded,
                "frames discarded during the close"
            );
        }
        Ok(())
    }

    /// Queues a data frame for the application, or holds it (and stops reading)
    /// until there is room. During a close, discards it instead of holding it.
    fn on_frame(&mut self, frame: Incoming) {
        if self.closing.is_some() {
            self.deliver_or_discard(frame);
            return;
        }
        if let Err(frame) = self.try_deliver(frame) {
            self.held = Some(frame);
        }
    }

    fn deliver_or_discard(&mut self, frame: Incoming) {
        if self.try_deliver(frame).is_err()
            && let Some(closing) = &mut self.closing
        {
            closing.discarded += 1;
        }
    }

    /// Queues `frame` if there is room now; gives it back otherwise. A frame for a
    /// dropped stream is discarded (nobody can read it).
    fn try_deliver(&mut self, frame: Incoming) -> Result<(), Incoming> {
        let cost = self.shared.incoming.cost(frame_len(&frame));
        let permits = Arc::clone(&self.shared.incoming.permits);
        let permit = match permits.try_acquire_many_owned(cost) {
            Ok(permit) => permit,
            Err(TryAcquireError::NoPermits) => return Err(frame),
            Err(TryAcquireError::Closed) => return Ok(()),
        };
        let held = self.shared.incoming.hold(permit, frame_len(&frame));
        match self.incoming.try_send(Delivery { frame, _held: held }) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(delivery)) => Err(delivery.frame),
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::debug!(
                    provider = self.provider,
                    "frame stream dropped, discarding an incoming frame"
                );
                Ok(())
            }
        }
    }

    /// Tries to tell the server why we are leaving, within the close timeout.
    async fn best_effort_close(&mut self, code: CloseCode) {
        let frame = CloseFrame {
            code,
            reason: Default::default(),
        };
        match tokio::time::timeout(self.close_timeout, self.ws.close(Some(frame))).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                tracing::debug!(provider = self.provider, %error, "close frame not sent");
            }
            Err(_) => tracing::debug!(provider = self.provider, "close frame not sent in time"),
        }
    }

    fn map_error(&self, error: tungstenite::Error) -> TransportError {
        map_socket_error(self.provider, error)
    }
}

/// Waits for room for a frame of `cost` bytes in the incoming queue: its bytes and
/// a slot. `None` when the application dropped the stream.
async fn wait_for_room(
    shared: &Shared,
    incoming: mpsc::Sender<Delivery>,
    cost: Option<u32>,
) -> Option<(OwnedSemaphorePermit, mpsc::OwnedPermit<Delivery>)> {
    let permits = Arc::clone(&shared.incoming.permits);
    let slot = incoming.reserve_owned().await.ok()?;
    let permit = permits.acquire_many_owned(cost.unwrap_or(1)).await.ok()?;
    Some((permit, slot))
}

/// Completes once the application dropped its stream.
async fn abandoned(incoming: Option<&mpsc::Sender<Delivery>>) {
    match incoming {
        Some(incoming) => incoming.closed().await,
        None => std::future::pending().await,
    }
}

fn frame_len(frame: &Incoming) -> usize {
    match frame {
        Incoming::Text(text) => text.len(),
        Incoming::Binary(bytes) => bytes.len(),
    }
}

/// Maps a tungstenite error on an open connection to a [`TransportError`].
pub(crate) fn map_socket_error(
    provider: &'static str,
    error: tungstenite::Error,
) -> TransportError {
    use tungstenite::error::{CapacityError, ProtocolError};
    match error {
        tungstenite::Error::Capacity(CapacityError::MessageTooLong { size, max_size }) => {
            TransportError::FrameTooLarge {
                provider,
                size,
                max: max_size,
            }
        }
        tungstenite::Error::Io(error) => TransportError::ConnectionLost {
            provider,
            message: error.to_string(),
        },
        tungstenite::Error::Protocol(ProtocolError::ResetWithoutClosingHandshake)
        | tungstenite::Error::ConnectionClosed
        | tungstenite::Error::AlreadyClosed => TransportError::ConnectionLost {
            provider,
            message: "the socket ended without a close frame".to_owned(),
        },
        tungstenite::Error::Tls(error) => TransportError::Tls {
            provider,
            message: error.to_string(),
        },
        other => TransportError::Protocol {
            provider,
            message: other.to_string(),
        },
    }
}

/// Waits for the next ping tick; never completes when pings are off.
async fn tick(interval: &mut Option<Interval>) {
    match interval {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// Waits until `deadline`; never completes without one.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
