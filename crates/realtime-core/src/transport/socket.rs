//! The socket task: one per connection, the only owner of the WebSocket.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio::time::{Instant, Interval, MissedTickBehavior};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};

use super::config::TransportConfig;
use super::error::TransportError;
use super::sink::{Command, FrameSink, Shared};
use super::stream::{FrameStream, Incoming};

/// Most text frames written with one flush.
const MAX_BATCH: usize = 64;

/// How the main loop ended.
enum Ending {
    /// The server sent a close frame.
    ServerClosed { code: u16, reason: String },
    /// The application closed the connection (close handshake already done).
    ClosedByUs,
    /// The connection failed.
    Failed(TransportError),
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
    let shared = Arc::new(Shared {
        provider,
        capacity: config.get_outgoing_capacity(),
        backpressure: config.get_backpressure(),
        max_message_size: config.get_max_message_size(),
        terminal: Mutex::new(None),
    });
    let driver = Driver {
        ws,
        provider,
        commands: command_rx,
        incoming: incoming_tx,
        shared: Arc::clone(&shared),
        ping_interval: config.get_ping_interval(),
        pong_timeout: config.get_pong_timeout(),
        close_timeout: config.get_close_timeout(),
    };
    tokio::spawn(driver.run());
    (
        FrameSink::new(command_tx, shared),
        FrameStream::new(provider, incoming_rx),
    )
}

struct Driver<S> {
    ws: WebSocketStream<S>,
    provider: &'static str,
    commands: mpsc::Receiver<Command>,
    incoming: mpsc::Sender<Result<Incoming, TransportError>>,
    shared: Arc<Shared>,
    ping_interval: Option<Duration>,
    pong_timeout: Duration,
    close_timeout: Duration,
}

impl<S> Driver<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    async fn run(mut self) {
        let ending = self.drive().await;
        match ending {
            Ending::ServerClosed { code, reason } => {
                // tungstenite queued the close reply while reading; send it now.
                if let Err(error) = self.ws.flush().await {
                    tracing::debug!(provider = self.provider, %error, "close reply not sent");
                }
                if code == u16::from(CloseCode::Normal) {
                    tracing::debug!(
                        provider = self.provider,
                        "server closed the connection normally"
                    );
                    self.finish(None).await;
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
                    self.finish(Some(error)).await;
                }
            }
            Ending::ClosedByUs => self.finish(None).await,
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
                self.finish(Some(error)).await;
            }
        }
    }

    /// Stops accepting commands, records the outcome and yields the error, if any,
    /// as the stream's last item. Dropping `self` then ends the stream.
    async fn finish(mut self, error: Option<TransportError>) {
        if let Some(error) = &error {
            self.shared.set_terminal(error.clone());
        }
        self.commands.close();
        if let Some(error) = error {
            // Fails only when the application dropped the stream: nobody to tell.
            let _ = self.incoming.send(Err(error)).await;
        }
    }

    /// Writes `first` and every text frame already queued behind it (up to
    /// [`MAX_BATCH`]) with one flush: one write system call instead of one per frame.
    async fn send_batch(&mut self, first: String) -> Option<Ending> {
        if let Err(error) = self.ws.feed(Message::text(first)).await {
            return Some(Ending::Failed(self.map_error(error)));
        }
        let mut close = None;
        for _ in 1..MAX_BATCH {
            match self.commands.try_recv() {
                Ok(Command::Text(text)) => {
                    if let Err(error) = self.ws.feed(Message::text(text)).await {
                        return Some(Ending::Failed(self.map_error(error)));
                    }
                }
                Ok(Command::Close { code, reason, done }) => {
                    close = Some((code, reason, done));
                    break;
                }
                Err(_) => break,
            }
        }
        if let Err(error) = self.ws.flush().await {
            return Some(Ending::Failed(self.map_error(error)));
        }
        match close {
            Some((code, reason, done)) => Some(self.close_now(code, reason, done).await),
            None => None,
        }
    }

    /// Runs the close handshake the app asked for and reports its outcome.
    async fn close_now(
        &mut self,
        code: u16,
        reason: String,
        done: tokio::sync::oneshot::Sender<Result<(), TransportError>>,
    ) -> Ending {
        let result = self.close_handshake(code, reason).await;
        // The caller may have stopped waiting; nothing to do then.
        let _ = done.send(result);
        Ending::ClosedByUs
    }

    async fn drive(&mut self) -> Ending {
        let mut ping = self.ping_interval.map(|period| {
            let mut interval = tokio::time::interval_at(Instant::now() + period, period);
            interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
            interval
        });
        let mut pong_deadline: Option<Instant> = None;
        let mut commands_open = true;
        loop {
            tokio::select! {
                message = self.ws.next() => {
                    pong_deadline = None;
                    match message {
                        Some(Ok(message)) => {
                            if let Some(ending) = self.on_message(message).await {
                                return ending;
                            }
                        }
                        Some(Err(error)) => return Ending::Failed(self.map_error(error)),
                        None => {
                            return Ending::Failed(TransportError::ConnectionLost {
                                provider: self.provider,
                                message: "the socket ended without a close frame".to_owned(),
                            });
                        }
                    }
                }
                command = self.commands.recv(), if commands_open => match command {
                    Some(Command::Text(text)) => {
                        if let Some(ending) = self.send_batch(text).await {
                            return ending;
                        }
                    }
                    Some(Command::Close { code, reason, done }) => {
                        return self.close_now(code, reason, done).await;
                    }
                    None => {
                        tracing::debug!(provider = self.provider, "all frame sinks dropped");
                        commands_open = false;
                    }
                },
                () = self.incoming.closed(), if !commands_open => {
                    tracing::debug!(provider = self.provider, "sinks and stream dropped, closing");
                    // Nobody is left to hear about a failed close.
                    let _ = self.close_handshake(u16::from(CloseCode::Normal), String::new()).await;
                    return Ending::ClosedByUs;
                }
                () = tick(&mut ping) => {
                    if pong_deadline.is_none() {
                        if let Err(error) = self.ws.send(Message::Ping(Default::default())).await {
                            return Ending::Failed(self.map_error(error));
                        }
                        pong_deadline = Some(Instant::now() + self.pong_timeout);
                    }
                }
                () = sleep_until(pong_deadline), if pong_deadline.is_some() => {
                    tracing::warn!(provider = self.provider, after = ?self.pong_timeout, "no pong from the server");
                    return Ending::Failed(TransportError::PongTimeout {
                        provider: self.provider,
                        after: self.pong_timeout,
                    });
                }
            }
        }
    }

    /// Handles one message from the server; `Some` when it ends the connection.
    async fn on_message(&mut self, message: Message) -> Option<Ending> {
        match message {
            Message::Text(text) => self.forward(Incoming::Text(text.as_str().to_owned())).await,
            Message::Binary(bytes) => self.forward(Incoming::Binary(bytes.to_vec())).await,
            Message::Ping(_) => {
                // tungstenite queued the pong; flush it now rather than on the next write.
                if let Err(error) = self.ws.flush().await {
                    return Some(Ending::Failed(self.map_error(error)));
                }
            }
            Message::Pong(_) | Message::Frame(_) => {}
            Message::Close(frame) => {
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

    /// Hands a frame to the application, waiting for room in the incoming queue.
    async fn forward(&mut self, frame: Incoming) {
        if self.incoming.send(Ok(frame)).await.is_err() {
            tracing::debug!(
                provider = self.provider,
                "frame stream dropped, discarding an incoming frame"
            );
        }
    }

    /// Sends our close frame, then reads until the server's close arrives and the
    /// socket ends, or until the close timeout. Frames that arrive meanwhile are
    /// still delivered.
    async fn close_handshake(&mut self, code: u16, reason: String) -> Result<(), TransportError> {
        tracing::debug!(provider = self.provider, code, "closing the connection");
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: reason.into(),
        };
        if let Err(error) = self.ws.close(Some(frame)).await {
            return match error {
                tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => Ok(()),
                other => Err(self.map_error(other)),
            };
        }
        let close_timeout = self.close_timeout;
        let drain = async {
            while let Some(Ok(message)) = self.ws.next().await {
                if let Some(frame) = data_frame(message) {
                    self.forward(frame).await;
                }
            }
        };
        if tokio::time::timeout(close_timeout, drain).await.is_err() {
            tracing::debug!(provider = self.provider, after = ?close_timeout, "server did not finish the close handshake in time");
        }
        Ok(())
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

/// The application's view of a data message; `None` for control messages.
fn data_frame(message: Message) -> Option<Incoming> {
    match message {
        Message::Text(text) => Some(Incoming::Text(text.as_str().to_owned())),
        Message::Binary(bytes) => Some(Incoming::Binary(bytes.to_vec())),
        Message::Ping(_) | Message::Pong(_) | Message::Close(_) | Message::Frame(_) => None,
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
