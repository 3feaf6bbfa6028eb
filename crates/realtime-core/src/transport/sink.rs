//! [`FrameSink`]: the outgoing half of a connection.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, TryAcquireError, mpsc, watch};

use super::config::{Backpressure, TransportConfig};
use super::error::TransportError;
use super::stream::Incoming;

/// Longest close reason that fits a control frame (125 bytes minus the code).
const MAX_CLOSE_REASON: usize = 123;

/// How much longer than the close timeout [`FrameSink::close`] waits for the socket
/// task before it stops it by force.
const CLOSE_SLACK: Duration = Duration::from_secs(1);

/// A text frame from the sinks to the socket task, with the bytes it holds in the
/// outgoing queue (released once the frame is handed to the socket).
#[derive(Debug)]
pub(crate) struct Command {
    pub(crate) text: String,
    pub(crate) held: HeldBytes,
}

/// A byte budget: a semaphore with one permit per byte, and the count of bytes of
/// the frames actually queued (a waiting acquirer may hold permits too).
#[derive(Debug)]
pub(crate) struct ByteBudget {
    pub(crate) max: usize,
    pub(crate) permits: Arc<Semaphore>,
    queued: Arc<AtomicUsize>,
}

/// The budget a queued frame holds; given back when the frame leaves the queue.
#[derive(Debug)]
pub(crate) struct HeldBytes {
    _permit: OwnedSemaphorePermit,
    bytes: usize,
    queued: Arc<AtomicUsize>,
}

impl Drop for HeldBytes {
    fn drop(&mut self) {
        self.queued.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

impl ByteBudget {
    pub(crate) fn new(max: usize) -> Self {
        let max = max.clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
        Self {
            max,
            permits: Arc::new(Semaphore::new(max)),
            queued: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Marks `bytes` as queued, held by `permit`.
    pub(crate) fn hold(&self, permit: OwnedSemaphorePermit, bytes: usize) -> HeldBytes {
        self.queued.fetch_add(bytes, Ordering::AcqRel);
        HeldBytes {
            _permit: permit,
            bytes,
            queued: Arc::clone(&self.queued),
        }
    }

    /// Permits taken by a frame of `len` bytes: its size, or the whole budget for a
    /// frame larger than the budget (it then waits for an empty queue).
    pub(crate) fn cost(&self, len: usize) -> u32 {
        // `max` fits in u32 (see `new`).
        u32::try_from(len.clamp(1, self.max)).unwrap_or(u32::MAX)
    }

    /// Bytes of the queued frames.
    pub(crate) fn used(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }
}

/// State shared by the sinks, the stream and the socket task.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) provider: &'static str,
    pub(crate) capacity: usize,
    pub(crate) backpressure: Backpressure,
    pub(crate) max_message_size: usize,
    pub(crate) write_timeout: Duration,
    pub(crate) close_timeout: Duration,
    pub(crate) outgoing: ByteBudget,
    pub(crate) incoming: ByteBudget,
    /// The error that ended the connection, if it did not end normally.
    terminal: Mutex<Option<TransportError>>,
    /// A frame read but not yet queued when the connection ended; the stream yields
    /// it after the queued ones, so nothing read is lost.
    leftover: Mutex<Option<Incoming>>,
    /// A close asked by the application: code and reason.
    close_request: Mutex<Option<(u16, String)>>,
    pub(crate) close_requested: Notify,
    /// Set once the socket task has ended: the outcome of the close it was asked
    /// for, `Ok` when none was asked.
    pub(crate) finished: watch::Sender<Option<Result<(), TransportError>>>,
    /// Stops the socket task by force when it overruns its close bound.
    pub(crate) abort: Mutex<Option<tokio::task::AbortHandle>>,
}

impl Shared {
    pub(crate) fn new(provider: &'static str, config: &TransportConfig) -> Self {
        Self {
            provider,
            capacity: config.get_outgoing_capacity(),
            backpressure: config.get_backpressure(),
            max_message_size: config.get_max_message_size(),
            write_timeout: config.get_write_timeout(),
            close_timeout: config.get_close_timeout(),
            outgoing: ByteBudget::new(config.get_outgoing_max_bytes()),
            incoming: ByteBudget::new(config.get_incoming_max_bytes()),
            terminal: Mutex::new(None),
            leftover: Mutex::new(None),
            close_request: Mutex::new(None),
            close_requested: Notify::new(),
            finished: watch::Sender::new(None),
            abort: Mutex::new(None),
        }
    }

    /// Records the error that ended the connection.
    pub(crate) fn set_terminal(&self, error: TransportError) {
        // A poisoned lock only means another thread panicked while holding it; the
        // `Option` inside is still valid.
        let mut terminal = self.terminal.lock().unwrap_or_else(PoisonError::into_inner);
        terminal.get_or_insert(error);
    }

    pub(crate) fn terminal(&self) -> Option<TransportError> {
        self.terminal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn set_leftover(&self, frame: Incoming) {
        *self.leftover.lock().unwrap_or_else(PoisonError::into_inner) = Some(frame);
    }

    pub(crate) fn take_leftover(&self) -> Option<Incoming> {
        self.leftover
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// The close the application asked for, if any.
    pub(crate) fn close_request(&self) -> Option<(u16, String)> {
        self.close_request
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Sends text frames on a connection. Cheap to clone; all clones feed the same
/// queue, bounded in frames and in bytes, drained by the connection's socket task.
///
/// After the connection has ended (or [`close`](Self::close) was called), `send`
/// returns the error that ended it, or [`TransportError::SessionClosed`] after a
/// normal close: never `Ok`.
#[derive(Clone)]
pub struct FrameSink {
    commands: mpsc::Sender<Command>,
    shared: Arc<Shared>,
}

impl fmt::Debug for FrameSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameSink")
            .field("provider", &self.shared.provider)
            .field("capacity", &self.shared.capacity)
            .field("max_bytes", &self.shared.outgoing.max)
            .field("backpressure", &self.shared.backpressure)
            .field("closed", &self.commands.is_closed())
            .finish()
    }
}

impl FrameSink {
    pub(crate) fn new(commands: mpsc::Sender<Command>, shared: Arc<Shared>) -> Self {
        Self { commands, shared }
    }

    /// The provider of the connection.
    pub fn provider(&self) -> &'static str {
        self.shared.provider
    }

    /// Whether the socket task has stopped (closed, failed or lost) or a close was
    /// asked for.
    pub fn is_closed(&self) -> bool {
        self.commands.is_closed()
    }

    /// Bytes of frames queued and not yet handed to the socket: at most
    /// [`TransportConfig::outgoing_max_bytes`], or one frame when that frame alone is
    /// larger.
    pub fn queued_bytes(&self) -> usize {
        self.shared.outgoing.used()
    }

    /// Queues a text frame. With [`Backpressure::Wait`] it waits for room in the
    /// queue, at most the [write timeout](TransportConfig::write_timeout); with
    /// [`Backpressure::Error`] it fails at once when the queue is full.
    ///
    /// `Ok` means queued: write failures end the connection and show on the
    /// [`FrameStream`](super::FrameStream).
    ///
    /// # Errors
    /// [`TransportError::FrameTooLarge`] for a frame over the maximum message size,
    /// [`TransportError::Backpressure`] or [`TransportError::BackpressureBytes`] when
    /// the queue stays full, and the error that ended the connection (or
    /// [`TransportError::SessionClosed`]) once it has ended.
    pub async fn send(&self, text: String) -> Result<(), TransportError> {
        if self.shared.backpressure == Backpressure::Error {
            return self.try_send(text);
        }
        self.check_size(&text)?;
        if self.commands.is_closed() {
            return Err(self.ended());
        }
        // One deadline for both waits: room in bytes, then a slot.
        let deadline = tokio::time::Instant::now() + self.shared.write_timeout;
        let cost = self.shared.outgoing.cost(text.len());
        let acquire = Arc::clone(&self.shared.outgoing.permits).acquire_many_owned(cost);
        let held = match tokio::time::timeout_at(deadline, acquire).await {
            Ok(Ok(permit)) => self.shared.outgoing.hold(permit, text.len()),
            Ok(Err(_)) => return Err(self.ended()),
            Err(_) => return Err(self.bytes_full(text.len())),
        };
        match tokio::time::timeout_at(deadline, self.commands.send(Command { text, held })).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(self.ended()),
            Err(_) => Err(TransportError::Backpressure {
                provider: self.shared.provider,
                capacity: self.shared.capacity,
            }),
        }
    }

    /// Queues a text frame without waiting, whatever the policy.
    ///
    /// # Errors
    /// As [`send`](Self::send), at once when the queue is full.
    pub fn try_send(&self, text: String) -> Result<(), TransportError> {
        self.check_size(&text)?;
        if self.commands.is_closed() {
            return Err(self.ended());
        }
        let cost = self.shared.outgoing.cost(text.len());
        let held = match Arc::clone(&self.shared.outgoing.permits).try_acquire_many_owned(cost) {
            Ok(permit) => self.shared.outgoing.hold(permit, text.len()),
            Err(TryAcquireError::NoPermits) => return Err(self.bytes_full(text.len())),
            Err(TryAcquireError::Closed) => return Err(self.ended()),
        };
        self.commands
            .try_send(Command { text, held })
            .map_err(|error| match error {
                mpsc::error::TrySendError::Full(_) => TransportError::Backpressure {
                    provider: self.shared.provider,
                    capacity: self.shared.capacity,
                },
                mpsc::error::TrySendError::Closed(_) => self.ended(),
            })
    }

    /// Closes the connection: frames already queued are sent, then a close frame,
    /// then the socket task waits for the server's close frame and stops. The stream
    /// then ends with `None`, after the frames already queued for the application,
    /// which stay readable.
    ///
    /// Bounded: the whole close takes at most
    /// [`TransportConfig::close_timeout`](super::TransportConfig::close_timeout) (plus
    /// a second of slack), whether or not the application reads its events and
    /// whether or not the peer reads. Frames that arrive during the close are
    /// delivered if the incoming queue has room, else discarded (counted in a debug
    /// log).
    ///
    /// `code` must be a code an endpoint may send (1000-1003, 1007-1014,
    /// 3000-4999); `reason` is cut to 123 bytes. Closing a connection that has
    /// already ended is `Ok`.
    ///
    /// # Errors
    /// [`TransportError::InvalidCloseCode`] for a code an endpoint may not send;
    /// [`TransportError::WriteTimeout`] when the close frame could not be sent in
    /// time; the socket error when sending it failed.
    pub async fn close(&self, code: u16, reason: &str) -> Result<(), TransportError> {
        if !is_sendable_close_code(code) {
            return Err(TransportError::InvalidCloseCode {
                provider: self.shared.provider,
                code,
            });
        }
        self.shared
            .close_request
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert_with(|| (code, truncate_reason(reason)));
        self.shared.close_requested.notify_one();
        let mut finished = self.shared.finished.subscribe();
        let bound = self.shared.close_timeout + CLOSE_SLACK;
        match tokio::time::timeout(bound, finished.wait_for(Option::is_some)).await {
            Ok(Ok(outcome)) => outcome.clone().unwrap_or(Ok(())),
            // The sender lives in `Shared`, which we hold: it cannot be dropped.
            Ok(Err(_)) => Ok(()),
            Err(_) => {
                tracing::warn!(
                    provider = self.shared.provider,
                    after = ?bound,
                    "socket task overran its close bound; stopping it"
                );
                let abort = self
                    .shared
                    .abort
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                if let Some(abort) = abort {
                    abort.abort();
                }
                Err(TransportError::WriteTimeout {
                    provider: self.shared.provider,
                    after: bound,
                })
            }
        }
    }

    fn check_size(&self, text: &str) -> Result<(), TransportError> {
        if text.len() > self.shared.max_message_size {
            return Err(TransportError::FrameTooLarge {
                provider: self.shared.provider,
                size: text.len(),
                max: self.shared.max_message_size,
            });
        }
        Ok(())
    }

    fn bytes_full(&self, bytes: usize) -> TransportError {
        TransportError::BackpressureBytes {
            provider: self.shared.provider,
            bytes,
            max_bytes: self.shared.outgoing.max,
        }
    }

    /// The error to report once the socket task is gone (or closing).
    fn ended(&self) -> TransportError {
        self.shared
            .terminal()
            .unwrap_or(TransportError::SessionClosed {
                provider: self.shared.provider,
            })
    }
}

/// Close codes an endpoint may put in a close frame (RFC 6455, section 7.4).
fn is_sendable_close_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// Cuts `reason` to [`MAX_CLOSE_REASON`] bytes on a character boundary.
fn truncate_reason(reason: &str) -> String {
    let mut end = reason.len().min(MAX_CLOSE_REASON);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_codes() {
        assert!(is_sendable_close_code(1000));
        assert!(is_sendable_close_code(4001));
        assert!(!is_sendable_close_code(1005));
        assert!(!is_sendable_close_code(1006));
        assert!(!is_sendable_close_code(999));
    }

    #[test]
    fn reason_is_cut_on_char_boundary() {
        let reason = "é".repeat(100);
        let cut = truncate_reason(&reason);
        assert!(cut.len() <= MAX_CLOSE_REASON && reason.starts_with(&cut));
        assert_eq!(truncate_reason("bye"), "bye");
    }
}
