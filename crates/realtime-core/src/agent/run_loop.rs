//! The tokio driver of the [agent machine](super::machine): it selects over the
//! socket, the app's commands, the tools and the machine's next timer, forwards each
//! to the machine with `now`, and carries out the actions the machine returns. It
//! decides nothing.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinSet};

use super::event::{AgentError, AgentEvent};
use super::machine::{
    Action, AgentMachine, Command as MachineCommand, Disconnect, EndReason, Input, ToolStart,
};
use super::reconnect::classify_transport;
use super::session::{Command, Link, lock};
use super::tool::{AnyToolContext, ProgressSink, ToolError, ToolProgress};
use crate::audio::PlaybackTracker;
use crate::client::{ClientError, EventStream, RealtimeClient, SessionSender};
use crate::protocol::ClientEvent;
use crate::transport::TransportError;

/// A finished tool task.
type ToolOutcome = (String, Result<String, ToolError>);

/// The driver's state: the machine, and the I/O it cannot hold.
pub(super) struct Driver {
    pub(super) machine: AgentMachine,
    pub(super) client: RealtimeClient,
    pub(super) sender: SessionSender,
    pub(super) link: Link,
    pub(super) playback: PlaybackTracker,
    pub(super) events: mpsc::Sender<AgentEvent>,
    pub(super) provider: &'static str,
    /// The app's command queue, for tools' progress reports.
    commands: mpsc::WeakSender<Command>,
    tools: JoinSet<ToolOutcome>,
    running: HashMap<String, AbortHandle>,
    /// The last connection failure, for the events that report it.
    last_error: Option<ClientError>,
}

fn now() -> std::time::Instant {
    tokio::time::Instant::now().into_std()
}

fn unix_time() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

async fn sleep_until(at: Option<std::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}

async fn next_event(
    stream: &mut Option<EventStream>,
) -> Option<Result<crate::protocol::ServerEvent, ClientError>> {
    match stream {
        Some(stream) => stream.next_event().await,
        None => std::future::pending().await,
    }
}

impl Driver {
    pub(super) fn new(
        machine: AgentMachine,
        client: RealtimeClient,
        sender: SessionSender,
        link: Link,
        playback: PlaybackTracker,
        events: mpsc::Sender<AgentEvent>,
        commands: mpsc::WeakSender<Command>,
    ) -> Self {
        let provider = sender.dialect().provider();
        Self {
            machine,
            client,
            sender,
            link,
            playback,
            events,
            provider,
            commands,
            tools: JoinSet::new(),
            running: HashMap::new(),
            last_error: None,
        }
    }

    /// Runs the session until the machine ends it or the app is gone.
    ///
    /// An `async` block, not an `async fn`: an `async fn` moves its arguments into
    /// locals and its future keeps both copies (the driver twice: 4.7 KiB more in
    /// every session's task), where the block uses what it captured in place.
    #[allow(
        clippy::manual_async_fn,
        reason = "an async fn would keep its by-value arguments twice in the future"
    )]
    pub(super) fn run(
        mut self,
        mut stream: Option<EventStream>,
        mut commands: mpsc::Receiver<Command>,
    ) -> impl Future<Output = ()> + Send {
        async move {
            self.machine.handle(
                now(),
                Input::Connected {
                    unix_time: unix_time(),
                },
            );
            loop {
                if !self.carry_out(&mut stream).await {
                    break;
                }
                let deadline = self.machine.poll_timeout();
                tokio::select! {
                    command = commands.recv() => self.on_command(command).await,
                    Some(joined) = self.tools.join_next(), if !self.tools.is_empty() => match joined {
                        Ok((call_id, result)) => {
                            // What the tool reported before it finished (progress) is
                            // queued already: it goes first.
                            while let Ok(command) = commands.try_recv() {
                                self.on_command(Some(command)).await;
                            }
                            self.running.remove(&call_id);
                            self.machine.handle(now(), Input::ToolFinished { call_id, result });
                        }
                        Err(error) => tracing::error!(%error, "tool supervisor task failed"),
                    },
                    event = next_event(&mut stream) => match event {
                        None => self.lost(&mut stream, None),
                        Some(Ok(event)) => {
                            self.report_switch(&mut stream).await;
                            self.sync_playback();
                            self.machine.handle(now(), Input::Server(event));
                        }
                        Some(Err(error)) => {
                            self.report_switch(&mut stream).await;
                            if !error.is_recoverable() {
                                self.lost(&mut stream, Some(error));
                            } else {
                                if let ClientError::Decode(decode) = &error {
                                    let event_type = decode.event_type.clone();
                                    self.machine.handle(now(), Input::Undecodable { event_type });
                                }
                                self.emit(AgentEvent::Error(error.into())).await;
                            }
                        }
                    },
                    () = sleep_until(deadline) => self.machine.handle_timeout(now()),
                }
            }
            for handle in self.running.values() {
                handle.abort();
            }
            self.tools.abort_all();
            lock(&self.link).final_history = Some(self.machine.history().clone());
        }
    }

    /// Forwards an app command (`None`: the app is gone).
    async fn on_command(&mut self, command: Option<Command>) {
        match command {
            None => self
                .machine
                .handle(now(), Input::Command(MachineCommand::Close)),
            Some(Command::Machine(command)) => {
                self.sync_playback();
                self.machine.handle(now(), Input::Command(*command));
            }
            Some(Command::Checked(command, reply)) => {
                // Checked at the call: a refusal goes back to the caller, and nothing
                // is sent.
                let checked = self.machine.check(&command);
                if checked.is_ok() {
                    self.sync_playback();
                    self.machine.handle(now(), Input::Command(*command));
                }
                let _ = reply.send(checked);
            }
            Some(Command::History(reply)) => {
                let _ = reply.send(self.machine.history().clone());
            }
            Some(Command::ReportDrops) => self.report_drops().await,
        }
    }

    /// Carries out the machine's actions; `false` once the session is over.
    async fn carry_out(&mut self, stream: &mut Option<EventStream>) -> bool {
        while let Some(action) = self.machine.poll_action() {
            match action {
                Action::Send(event) => {
                    if stream.is_none() {
                        continue; // offline: the machine replays what matters
                    }
                    if let Err(error) = self.sender.send(&event).await {
                        match error {
                            ClientError::Transport(_) => self.lost(stream, Some(error)),
                            other => self.emit(AgentEvent::Error(other.into())).await,
                        }
                    }
                }
                Action::Emit(event) => {
                    if let AgentEvent::Audio { item_id, audio } = &event {
                        self.playback.received(item_id, audio.len() as u64);
                    }
                    self.emit(event).await;
                }
                Action::StartTool(start) => self.start_tool(*start),
                Action::CancelTool { call_id } => {
                    if let Some(handle) = self.running.remove(&call_id) {
                        handle.abort();
                    }
                }
                Action::Reconnecting { attempt, after } => {
                    let error = self.last_error.clone().unwrap_or(ClientError::Transport(
                        TransportError::SessionClosed {
                            provider: self.provider,
                        },
                    ));
                    tracing::info!(attempt, ?after, error = %error, "connection lost; reconnecting");
                    self.emit(AgentEvent::Disconnected {
                        error: AgentError::Client(error),
                        attempt,
                    })
                    .await;
                }
                // Boxed: the connect future (TCP, TLS, the upgrade) is several KiB, and
                // inline it would sit in every session's task all its life for the
                // rare reconnect (4 KiB less per idle session).
                Action::Connect { rotation } => Box::pin(self.connect(stream, rotation)).await,
                Action::ConnectionReady => {
                    if let Err(error) = self.flush_audio().await {
                        self.lost(stream, Some(error));
                    }
                }
                Action::End(reason) => {
                    match reason {
                        EndReason::GaveUp { attempts } if attempts > 0 => {
                            let last = self.last_error.clone().unwrap_or(ClientError::Transport(
                                TransportError::SessionClosed {
                                    provider: self.provider,
                                },
                            ));
                            self.emit(AgentEvent::Error(AgentError::ReconnectFailed {
                                provider: self.provider,
                                attempts,
                                last,
                            }))
                            .await;
                        }
                        EndReason::GaveUp { .. } => {
                            // Reconnecting is off: report what ended the connection.
                            if let Some(error) = self.last_error.clone() {
                                self.emit(AgentEvent::Error(error.into())).await;
                            }
                        }
                        _ => {}
                    }
                    return false;
                }
            }
        }
        true
    }

    /// The connection failed: the app's audio goes to the offline buffer and the
    /// machine decides what next.
    fn lost(&mut self, stream: &mut Option<EventStream>, error: Option<ClientError>) {
        *stream = None;
        lock(&self.link).sender = None;
        let disconnect = match &error {
            Some(error) => self.classify(error),
            None => Disconnect::retryable(),
        };
        if let Some(error) = error {
            self.last_error = Some(error);
        }
        self.machine
            .handle(now(), Input::ConnectionLost(disconnect));
    }

    fn classify(&self, error: &ClientError) -> Disconnect {
        let ClientError::Transport(transport) = error else {
            return Disconnect::retryable();
        };
        let dialect = self.sender.dialect();
        match classify_transport(transport, &|code| dialect.classify_error(code)) {
            Some(mut fatal) => {
                tracing::error!(kind = %fatal.kind, detail = fatal.detail, "fatal connection error");
                fatal.detail = format!("{}: {transport}", fatal.detail);
                Disconnect::fatal(fatal)
            }
            None => Disconnect::retryable().with_retry_after(error.retry_after()),
        }
    }

    async fn connect(&mut self, stream: &mut Option<EventStream>, rotation: bool) {
        let started = now();
        match self
            .client
            .connect_with_dialect(self.sender.dialect())
            .await
        {
            Ok(session) => {
                let (sender, next) = session.split();
                let old = std::mem::replace(&mut self.sender, sender);
                if rotation {
                    tokio::spawn(async move {
                        if let Err(error) = old.close().await {
                            tracing::debug!(%error, "closing the rotated-out connection");
                        }
                    });
                }
                *stream = Some(next);
                self.machine.set_dialect(self.sender.dialect());
                tracing::info!(rotation, elapsed = ?now().saturating_duration_since(started), "connected");
                self.machine.handle(
                    now(),
                    Input::Connected {
                        unix_time: unix_time(),
                    },
                );
            }
            Err(error) => {
                let disconnect = self.classify(&error);
                tracing::warn!(%error, rotation, "connect failed");
                self.last_error = Some(error);
                self.machine
                    .handle(now(), Input::ConnectionLost(disconnect));
            }
        }
    }

    fn start_tool(&mut self, start: ToolStart) {
        let ToolStart {
            call_id,
            tool,
            arguments,
            agent,
            history,
            state,
            ..
        } = start;
        let name = tool.name().to_owned();
        let context = AnyToolContext::erased(agent, call_id.clone(), &state, history)
            .with_progress(self.progress_sink());
        // Its own task, so a panic is contained; the machine enforces the timeout.
        let task = tokio::spawn(tool.invoke(arguments, context));
        self.running.insert(call_id.clone(), task.abort_handle());
        self.tools.spawn(async move {
            let result = match task.await {
                Ok(result) => result,
                Err(join_error) if join_error.is_cancelled() => {
                    // Stopped by the machine (timeout): its output was already given.
                    tracing::debug!(tool = name, "tool task stopped");
                    Err(ToolError::Panicked { tool: name })
                }
                Err(join_error) => {
                    tracing::error!(
                        tool = name,
                        panicked = join_error.is_panic(),
                        "tool task failed"
                    );
                    Err(ToolError::Panicked { tool: name })
                }
            };
            (call_id, result)
        });
    }

    /// Where tools' progress reports go: the command queue, as machine inputs. Weak,
    /// so a tool never keeps the session alive.
    fn progress_sink(&self) -> ProgressSink {
        let commands = self.commands.clone();
        Arc::new(move |call_id: String, progress: ToolProgress| {
            let commands = commands.upgrade();
            Box::pin(async move {
                match commands {
                    Some(commands) => commands
                        .send(Command::Machine(Box::new(MachineCommand::ToolProgress {
                            call_id,
                            progress,
                        })))
                        .await
                        .is_ok(),
                    None => false,
                }
            })
        })
    }

    /// Hands the app's playback reports to the machine.
    fn sync_playback(&mut self) {
        for (item_id, played_ms) in self.playback.take_reports() {
            self.machine.handle(
                now(),
                Input::Command(MachineCommand::Played { item_id, played_ms }),
            );
        }
    }

    /// Tells the app when the stream found the server speaking another dialect.
    async fn report_switch(&self, stream: &mut Option<EventStream>) {
        if let Some(switch) = stream.as_mut().and_then(EventStream::take_dialect_switch) {
            self.emit(AgentEvent::DialectSwitched(switch)).await;
        }
    }

    async fn emit(&self, event: AgentEvent) {
        // The app dropped its receiver: nothing left to tell.
        let _ = self.events.send(event).await;
    }

    async fn report_drops(&self) {
        let dropped = lock(&self.link).offline.take_dropped();
        if dropped > 0 {
            tracing::warn!(
                bytes = dropped,
                "microphone audio dropped while disconnected"
            );
            self.emit(AgentEvent::AudioDropped { bytes: dropped }).await;
        }
    }

    /// Sends the audio buffered while offline, then points the app's audio at the
    /// connection.
    async fn flush_audio(&self) -> Result<(), ClientError> {
        loop {
            let chunks = {
                let mut inner = lock(&self.link);
                let chunks = inner.offline.drain();
                if chunks.is_empty() {
                    inner.sender = Some(self.sender.clone());
                    inner.generation += 1;
                    break;
                }
                chunks
            };
            let total = chunks.len();
            for (sent, chunk) in chunks.iter().enumerate() {
                if let Err(error) = self.sender.send(&ClientEvent::append_audio(chunk)).await {
                    let lost: usize = chunks[sent..].iter().map(Vec::len).sum();
                    tracing::warn!(bytes = lost, chunks = total - sent, "buffered audio lost");
                    self.emit(AgentEvent::AudioDropped { bytes: lost as u64 })
                        .await;
                    return Err(error);
                }
            }
        }
        self.report_drops().await;
        Ok(())
    }
}
