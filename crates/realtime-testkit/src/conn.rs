//! [`ServerConn`]: one accepted connection, as seen by a [`Handler`](crate::Handler).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::error::TestkitError;
use crate::record::{ClientFrame, Recorded, RecordedRequest};

/// A frame no WebSocket endpoint may send: FIN set, reserved opcode 0x3, no payload.
const MALFORMED_FRAME: [u8; 2] = [0x83, 0x00];

/// What a handler asks the connection task to do.
#[derive(Debug)]
enum Action {
    Send(Message),
    Close { code: u16, reason: String },
    Drop,
    Raw(Vec<u8>),
    Stall(Duration),
}

#[derive(Debug)]
struct Command {
    action: Action,
    done: oneshot::Sender<Result<(), TestkitError>>,
}

/// One accepted connection: receive client frames, send frames, inject faults.
///
/// Every client frame is also recorded in [`ServerConn::recorded`], whether or not
/// the handler reads it. Dropping the `ServerConn` leaves the connection open.
#[derive(Debug)]
pub struct ServerConn {
    recorded: Recorded,
    commands: mpsc::UnboundedSender<Command>,
    frames: mpsc::UnboundedReceiver<ClientFrame>,
}

impl ServerConn {
    /// The connection's recording (request and client frames).
    pub fn recorded(&self) -> &Recorded {
        &self.recorded
    }

    /// The upgrade request.
    pub fn request(&self) -> &RecordedRequest {
        self.recorded.request()
    }

    /// The next client frame; `None` once the connection has ended.
    pub async fn recv(&mut self) -> Option<ClientFrame> {
        self.frames.recv().await
    }

    /// Sends a text frame.
    pub async fn send_text(&self, text: impl Into<String>) -> Result<(), TestkitError> {
        self.run(Action::Send(Message::text(text.into()))).await
    }

    /// Sends a binary frame.
    pub async fn send_binary(&self, bytes: impl Into<Vec<u8>>) -> Result<(), TestkitError> {
        self.run(Action::Send(Message::binary(bytes.into()))).await
    }

    /// Sends a close frame with `code` and `reason`; the connection ends when the
    /// client answers (or leaves).
    pub async fn close(&self, code: u16, reason: &str) -> Result<(), TestkitError> {
        self.run(Action::Close {
            code,
            reason: reason.to_owned(),
        })
        .await
    }

    /// Fault: ends the TCP connection at once, without a close frame.
    pub async fn drop_connection(&self) -> Result<(), TestkitError> {
        self.run(Action::Drop).await
    }

    /// Fault: writes a frame that breaks the WebSocket protocol (reserved opcode).
    pub async fn send_raw_malformed(&self) -> Result<(), TestkitError> {
        self.run(Action::Raw(MALFORMED_FRAME.to_vec())).await
    }

    /// Fault: writes `bytes` as they are, below the WebSocket framing.
    pub async fn send_raw_bytes(&self, bytes: impl Into<Vec<u8>>) -> Result<(), TestkitError> {
        self.run(Action::Raw(bytes.into())).await
    }

    /// Fault: neither reads nor writes (so answers no ping) for `duration`; returns
    /// when the stall is over.
    pub async fn stall(&self, duration: Duration) -> Result<(), TestkitError> {
        self.run(Action::Stall(duration)).await
    }

    /// Fault: sends a text frame of `bytes` bytes (ASCII `x`), e.g. larger than the
    /// client's maximum message size.
    pub async fn send_oversized(&self, bytes: usize) -> Result<(), TestkitError> {
        self.run(Action::Send(Message::text("x".repeat(bytes))))
            .await
    }

    async fn run(&self, action: Action) -> Result<(), TestkitError> {
        let closed = || TestkitError::ConnectionClosed {
            id: self.recorded.id(),
        };
        let (done, result) = oneshot::channel();
        self.commands
            .send(Command { action, done })
            .map_err(|_| closed())?;
        result.await.map_err(|_| closed())?
    }
}

/// Starts the task that owns the socket and returns the handler's view of it.
pub(crate) fn spawn<S>(
    ws: WebSocketStream<S>,
    recorded: Recorded,
    shutdown: watch::Receiver<bool>,
) -> ServerConn
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (commands_tx, commands_rx) = mpsc::unbounded_channel();
    let (frames_tx, frames_rx) = mpsc::unbounded_channel();
    let task = ConnTask {
        ws,
        recorded: recorded.clone(),
        commands: commands_rx,
        frames: frames_tx,
        shutdown,
    };
    tokio::spawn(task.run());
    ServerConn {
        recorded,
        commands: commands_tx,
        frames: frames_rx,
    }
}

struct ConnTask<S> {
    ws: WebSocketStream<S>,
    recorded: Recorded,
    commands: mpsc::UnboundedReceiver<Command>,
    frames: mpsc::UnboundedSender<ClientFrame>,
    shutdown: watch::Receiver<bool>,
}

/// Whether the connection task goes on after a step.
enum Flow {
    Continue,
    Stop,
}

impl<S> ConnTask<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    async fn run(mut self) {
        let id = self.recorded.id();
        let mut commands_open = true;
        loop {
            let flow = tokio::select! {
                message = self.ws.next() => self.on_message(message).await,
                command = self.commands.recv(), if commands_open => match command {
                    Some(command) => self.on_command(command).await,
                    None => {
                        commands_open = false;
                        Flow::Continue
                    }
                },
                changed = self.shutdown.changed() => {
                    if changed.is_err() || *self.shutdown.borrow() {
                        let frame = CloseFrame { code: CloseCode::Away, reason: "test server shutting down".into() };
                        let _ = tokio::time::timeout(Duration::from_secs(1), self.ws.close(Some(frame))).await;
                        Flow::Stop
                    } else {
                        Flow::Continue
                    }
                }
            };
            if let Flow::Stop = flow {
                break;
            }
        }
        tracing::debug!(connection = id, "test connection ended");
        self.recorded.mark_ended();
    }

    async fn on_message(
        &mut self,
        message: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
    ) -> Flow {
        let frame = match message {
            Some(Ok(Message::Text(text))) => ClientFrame::Text(text.as_str().to_owned()),
            Some(Ok(Message::Binary(bytes))) => ClientFrame::Binary(bytes.to_vec()),
            Some(Ok(Message::Close(frame))) => {
                let (code, reason) = frame.map_or((1005, String::new()), |frame| {
                    (u16::from(frame.code), frame.reason.as_str().to_owned())
                });
                // Send tungstenite's queued close reply.
                let _ = self.ws.flush().await;
                ClientFrame::Close { code, reason }
            }
            Some(Ok(Message::Ping(_))) => {
                let _ = self.ws.flush().await;
                return Flow::Continue;
            }
            Some(Ok(Message::Pong(_) | Message::Frame(_))) => return Flow::Continue,
            Some(Err(error)) => {
                tracing::debug!(connection = self.recorded.id(), %error, "client socket error");
                return Flow::Stop;
            }
            None => return Flow::Stop,
        };
        self.recorded.push(frame.clone());
        // The handler may have dropped its ServerConn; the frame is recorded anyway.
        let _ = self.frames.send(frame);
        Flow::Continue
    }

    async fn on_command(&mut self, command: Command) -> Flow {
        let id = self.recorded.id();
        let socket_error = |error: &dyn std::fmt::Display| TestkitError::Socket {
            id,
            message: error.to_string(),
        };
        let (result, flow) = match command.action {
            Action::Send(message) => match self.ws.send(message).await {
                Ok(()) => (Ok(()), Flow::Continue),
                Err(error) => (Err(socket_error(&error)), Flow::Stop),
            },
            Action::Close { code, reason } => {
                let frame = CloseFrame {
                    code: CloseCode::from(code),
                    reason: reason.into(),
                };
                match self.ws.close(Some(frame)).await {
                    // Keep reading: the client's close reply ends the loop.
                    Ok(()) => (Ok(()), Flow::Continue),
                    Err(error) => (Err(socket_error(&error)), Flow::Stop),
                }
            }
            Action::Drop => (Ok(()), Flow::Stop),
            Action::Raw(bytes) => match self.write_raw(&bytes).await {
                Ok(()) => (Ok(()), Flow::Continue),
                Err(error) => (Err(socket_error(&error)), Flow::Stop),
            },
            Action::Stall(duration) => {
                tokio::time::sleep(duration).await;
                (Ok(()), Flow::Continue)
            }
        };
        // The handler may have stopped waiting; nothing to report then.
        let _ = command.done.send(result);
        flow
    }

    async fn write_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        // Frames queued by tungstenite go first, so the raw bytes land between frames.
        self.ws.flush().await.map_err(std::io::Error::other)?;
        let stream = self.ws.get_mut();
        stream.write_all(bytes).await?;
        stream.flush().await
    }
}
