//! [`FrameSink`]: the outgoing half of a connection.

use std::fmt;
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use super::config::Backpressure;
use super::error::TransportError;

/// Longest close reason that fits a control frame (125 bytes minus the code).
const MAX_CLOSE_REASON: usize = 123;

/// A request from the sink to the socket task.
#[derive(Debug)]
pub(crate) enum Command {
    /// Send a text frame.
    Text(String),
    /// Start the close handshake and report when it is over.
    Close {
        code: u16,
        reason: String,
        done: oneshot::Sender<Result<(), TransportError>>,
    },
}

/// State shared by the sinks and the socket task.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) provider: &'static str,
    pub(crate) capacity: usize,
    pub(crate) backpressure: Backpressure,
    pub(crate) max_message_size: usize,
    /// The error that ended the connection, if it did not end normally.
    pub(crate) terminal: Mutex<Option<TransportError>>,
}

impl Shared {
    /// Records the error that ended the connection.
    pub(crate) fn set_terminal(&self, error: TransportError) {
        // A poisoned lock only means another thread panicked while holding it; the
        // `Option` inside is still valid.
        let mut terminal = self
            .terminal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        terminal.get_or_insert(error);
    }

    fn terminal(&self) -> Option<TransportError> {
        self.terminal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// Sends text frames on a connection. Cheap to clone; all clones feed the same
/// bounded queue, drained by the connection's socket task.
///
/// After the connection has ended, `send` returns the error that ended it (or
/// [`TransportError::SessionClosed`] after a normal close).
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

    /// Whether the socket task has stopped (closed, failed or lost).
    pub fn is_closed(&self) -> bool {
        self.commands.is_closed()
    }

    /// Queues a text frame. With [`Backpressure::Wait`] it waits for room in the
    /// queue; with [`Backpressure::Error`] it fails at once when the queue is full.
    ///
    /// `Ok` means queued: write failures end the connection and show on the
    /// [`FrameStream`](super::FrameStream).
    pub async fn send(&self, text: String) -> Result<(), TransportError> {
        match self.shared.backpressure {
            Backpressure::Wait => {
                self.check_size(&text)?;
                self.commands
                    .send(Command::Text(text))
                    .await
                    .map_err(|_| self.ended())
            }
            Backpressure::Error => self.try_send(text),
        }
    }

    /// Queues a text frame without waiting, whatever the policy; fails with
    /// [`TransportError::Backpressure`] when the queue is full.
    pub fn try_send(&self, text: String) -> Result<(), TransportError> {
        self.check_size(&text)?;
        self.commands
            .try_send(Command::Text(text))
            .map_err(|error| match error {
                mpsc::error::TrySendError::Full(_) => TransportError::Backpressure {
                    provider: self.shared.provider,
                    capacity: self.shared.capacity,
                },
                mpsc::error::TrySendError::Closed(_) => self.ended(),
            })
    }

    /// Sends a close frame after the frames already queued, waits (bounded by
    /// [`TransportConfig::close_timeout`](super::TransportConfig::close_timeout)) for
    /// the server's close frame, and stops the socket task. The stream then ends
    /// with `None`.
    ///
    /// `code` must be a code an endpoint may send (1000-1003, 1007-1014,
    /// 3000-4999); `reason` is cut to 123 bytes. Closing a connection that has
    /// already ended is `Ok`.
    pub async fn close(&self, code: u16, reason: &str) -> Result<(), TransportError> {
        if !is_sendable_close_code(code) {
            return Err(TransportError::InvalidCloseCode {
                provider: self.shared.provider,
                code,
            });
        }
        let (done, finished) = oneshot::channel();
        let command = Command::Close {
            code,
            reason: truncate_reason(reason),
            done,
        };
        if self.commands.send(command).await.is_err() {
            return Ok(());
        }
        // The task drops `done` only when it ends, which also means closed.
        finished.await.unwrap_or(Ok(()))
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

    /// The error to report once the socket task is gone.
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
