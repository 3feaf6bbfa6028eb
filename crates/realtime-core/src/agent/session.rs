//! [`AgentSession`]: the app's handle on a running agent session.

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use futures_util::Stream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::event::{AgentError, AgentEvent};
use super::history::History;
use super::machine::Command as MachineCommand;
use super::reconnect::OfflineAudio;
use crate::audio::PlaybackTracker;
use crate::client::{ClientError, SessionSender};
use crate::protocol::{ClientEvent, ContentPart};
use crate::transport::TransportError;

/// The connection as the app's audio path sees it; shared by [`AgentSession`] and
/// the loop.
#[derive(Debug)]
pub(super) struct LinkInner {
    /// The live connection; `None` while reconnecting (audio is buffered).
    pub(super) sender: Option<SessionSender>,
    /// Bumped on each new connection.
    pub(super) generation: u64,
    pub(super) offline: OfflineAudio,
    /// The history as the session ended, for [`AgentSession::history`] afterwards.
    pub(super) final_history: Option<History>,
}

pub(super) type Link = Arc<Mutex<LinkInner>>;

pub(super) fn lock(link: &Link) -> MutexGuard<'_, LinkInner> {
    // A poisoned lock only means a panic elsewhere mid-update of plain data.
    link.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the app asks of the loop.
///
/// Machine commands are boxed: a tokio channel allocates its slots 32 at a time, so
/// the size of this enum is paid 32 times by every idle session (152 bytes unboxed,
/// 4.9 KiB per session; boxed, 24 bytes); commands are rare next to audio, which
/// does not come through here.
#[derive(Debug)]
pub(super) enum Command {
    /// An input for the agent machine.
    Machine(Box<MachineCommand>),
    /// An input checked at the call: refused, the caller gets the error and nothing
    /// is sent.
    Checked(Box<MachineCommand>, oneshot::Sender<Result<(), AgentError>>),
    History(oneshot::Sender<History>),
    /// Audio was dropped from the offline buffer: tell the app.
    ReportDrops,
}

/// How long [`AgentSession::close`] waits for the loop and the close handshake.
pub const CLOSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// A running agent session.
///
/// Audio goes straight to the socket ([`send_audio`](Self::send_audio)), or to a
/// bounded buffer while reconnecting; everything that needs the loop's state goes
/// through it. Events arrive in order on [`next_event`](Self::next_event) (or as a
/// `Stream`).
#[derive(Debug)]
pub struct AgentSession {
    pub(super) provider: &'static str,
    pub(super) reconnects: bool,
    pub(super) link: Link,
    pub(super) commands: mpsc::Sender<Command>,
    pub(super) events: mpsc::Receiver<AgentEvent>,
    pub(super) playback: PlaybackTracker,
    pub(super) task: JoinHandle<()>,
}

impl AgentSession {
    /// Streams microphone audio (in the session's input format). While the session
    /// reconnects, the audio is buffered (bounded; see
    /// [`AgentRunner::offline_audio`](crate::agent::AgentRunner::offline_audio)) and sent after the reconnect.
    ///
    /// # Errors
    /// The session has ended, the socket is gone and the session does not reconnect,
    /// or the outgoing queue is full under
    /// [`Backpressure::Error`](crate::transport::Backpressure::Error).
    pub async fn send_audio(&self, audio: &[u8]) -> Result<(), AgentError> {
        let (sender, generation) = {
            let mut inner = lock(&self.link);
            match &inner.sender {
                Some(sender) => (sender.clone(), inner.generation),
                // The session is over: nothing will ever send this audio.
                None if self.task.is_finished() => {
                    drop(inner);
                    return Err(self.ended());
                }
                None => {
                    let dropped = inner.offline.push(audio);
                    drop(inner);
                    self.report_drops(dropped);
                    return Ok(());
                }
            }
        };
        match sender.send(&ClientEvent::append_audio(audio)).await {
            Ok(()) => Ok(()),
            Err(ClientError::Transport(error))
                if self.reconnects
                    && !matches!(
                        error,
                        TransportError::Backpressure { .. }
                            | TransportError::BackpressureBytes { .. }
                    ) =>
            {
                // The connection just failed; the loop is reconnecting. Keep the audio
                // for the next connection (or send it there, if it is already up).
                let retry = {
                    let mut inner = lock(&self.link);
                    match &inner.sender {
                        Some(next) if inner.generation != generation => Some(next.clone()),
                        _ => {
                            let dropped = inner.offline.push(audio);
                            drop(inner);
                            self.report_drops(dropped);
                            None
                        }
                    }
                };
                match retry {
                    Some(next) => Ok(next.send(&ClientEvent::append_audio(audio)).await?),
                    None => Ok(()),
                }
            }
            Err(error) => Err(error.into()),
        }
    }

    fn report_drops(&self, dropped: u64) {
        if dropped > 0 {
            // If the queue is full the count stays in the buffer and is reported with
            // the next report or after the reconnect: never lost.
            let _ = self.commands.try_send(Command::ReportDrops);
        }
    }

    /// Commits the audio buffer and asks for a response (push-to-talk, no server
    /// turn detection).
    ///
    /// # Errors
    /// The loop has ended.
    pub async fn commit_audio(&self) -> Result<(), AgentError> {
        self.command(Command::Machine(Box::new(MachineCommand::CommitAudio)))
            .await
    }

    /// Asks for a response without new user input: the agent speaks first (a
    /// greeting), or again. Waits its turn if a response is in progress.
    ///
    /// # Errors
    /// The loop has ended.
    pub async fn respond(&self) -> Result<(), AgentError> {
        self.command(Command::Machine(Box::new(MachineCommand::Respond)))
            .await
    }

    /// Adds a user text message and asks for a response.
    ///
    /// # Errors
    /// The loop has ended.
    pub async fn send_text(&self, text: impl Into<String>) -> Result<(), AgentError> {
        self.command(Command::Machine(Box::new(MachineCommand::SendText(
            text.into(),
        ))))
        .await
    }

    /// Adds a user message of any content (text, images as data URLs, audio) and
    /// asks for a response.
    ///
    /// # Errors
    /// The loop has ended.
    pub async fn send_content(&self, content: Vec<ContentPart>) -> Result<(), AgentError> {
        self.command(Command::Machine(Box::new(MachineCommand::SendContent(
            content,
        ))))
        .await
    }

    /// Approves or rejects a tool call announced by [`AgentEvent::ApprovalRequested`](crate::agent::AgentEvent::ApprovalRequested).
    ///
    /// # Errors
    /// The loop has ended.
    pub async fn approve(
        &self,
        call_id: impl Into<String>,
        approved: bool,
    ) -> Result<(), AgentError> {
        self.command(Command::Machine(Box::new(MachineCommand::Approve {
            call_id: call_id.into(),
            approved,
        })))
        .await
    }

    /// Stops the assistant now, exactly as a barge-in of the user would: the item
    /// being heard is truncated where playback is, unheard items are deleted, and
    /// [`AgentEvent::Interrupted`] follows (push-to-talk, a stop button).
    ///
    /// ```no_run
    /// # async fn demo(session: &realtime_core::agent::AgentSession) -> Result<(), realtime_core::agent::AgentError> {
    /// // The user pressed "stop": the assistant stops where the user stopped hearing it.
    /// session.interrupt().await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// The loop has ended.
    pub async fn interrupt(&self) -> Result<(), AgentError> {
        self.command(Command::Machine(Box::new(MachineCommand::Interrupt)))
            .await
    }

    /// Asks for one response with `overrides` (instructions, tools, modalities for
    /// that response only). It goes out when no other response is in flight, like
    /// every response; the overrides are checked now.
    ///
    /// ```no_run
    /// # async fn demo(session: &realtime_core::agent::AgentSession) -> Result<(), realtime_core::agent::AgentError> {
    /// use realtime_core::agent::ResponseOverrides;
    ///
    /// session
    ///     .respond_with(ResponseOverrides::new().instructions("Say goodbye warmly.").no_tools())
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`AgentError::Refused`] when the provider's dialect refuses the overrides;
    /// [`AgentError::InvalidCommand`] for a tool the active agent does not have;
    /// the loop has ended.
    pub async fn respond_with(
        &self,
        overrides: crate::agent::ResponseOverrides,
    ) -> Result<(), AgentError> {
        self.checked(MachineCommand::RespondWith(overrides)).await
    }

    /// Makes `agent` the active agent, as a handoff by the model would: its settings
    /// are sent (checked first: refused, nothing changes), the handoff's hook and
    /// input filter run, [`AgentEvent::Handoff`](crate::agent::AgentEvent::Handoff)
    /// follows. While a response is in progress the handoff takes effect when it
    /// ends. No response is asked for: call [`respond`](Self::respond) for one.
    ///
    /// ```no_run
    /// # async fn demo(session: &realtime_core::agent::AgentSession) -> Result<(), realtime_core::agent::AgentError> {
    /// // A supervisor button in the app: hand over, then let the supervisor speak.
    /// session.handoff_to("supervisor").await?;
    /// session.respond().await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`AgentError::UnknownAgent`]; [`AgentError::Refused`] when the provider's
    /// dialect refuses the agent's settings; the loop has ended.
    pub async fn handoff_to(&self, agent: impl Into<String>) -> Result<(), AgentError> {
        self.checked(MachineCommand::HandoffTo(agent.into())).await
    }

    /// Replaces the definition of the agent with `agent`'s name (or registers a new
    /// one). It is checked like the agents given at start; when it is the active
    /// agent, its new settings are sent at once and
    /// [`AgentEvent::AgentUpdated`](crate::agent::AgentEvent::AgentUpdated) follows.
    ///
    /// ```no_run
    /// # async fn demo(session: &realtime_core::agent::AgentSession) -> Result<(), realtime_core::agent::AgentError> {
    /// use realtime_core::agent::Agent;
    ///
    /// // The store just closed: same desk, new rules, from the next response on.
    /// let desk = Agent::new("desk").instructions("The store is closed; take messages only.");
    /// session.update_agent(desk).await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`AgentError::InvalidAgent`], [`AgentError::UnknownAgent`] (a handoff to no
    /// agent), [`AgentError::Refused`]; the loop has ended.
    pub async fn update_agent(&self, agent: crate::agent::Agent) -> Result<(), AgentError> {
        self.checked(MachineCommand::UpdateAgent(Box::new(agent)))
            .await
    }

    async fn checked(&self, command: MachineCommand) -> Result<(), AgentError> {
        let (tx, rx) = oneshot::channel();
        self.command(Command::Checked(Box::new(command), tx))
            .await?;
        rx.await.map_err(|_| self.ended())?
    }

    /// A snapshot of the history; after the session ended, the history as it ended.
    ///
    /// # Errors
    /// The loop has ended without leaving a history (it panicked).
    pub async fn history(&self) -> Result<History, AgentError> {
        let (tx, rx) = oneshot::channel();
        if self.commands.send(Command::History(tx)).await.is_ok()
            && let Ok(history) = rx.await
        {
            return Ok(history);
        }
        lock(&self.link)
            .final_history
            .clone()
            .ok_or_else(|| self.ended())
    }

    /// The playback tracker: report what the speaker played so barge-in truncates
    /// at the right place.
    pub fn playback(&self) -> &PlaybackTracker {
        &self.playback
    }

    /// The next event; `None` once the session ended.
    pub async fn next_event(&mut self) -> Option<AgentEvent> {
        self.events.recv().await
    }

    /// Stops the loop and closes the connection, within [`CLOSE_TIMEOUT`] whatever
    /// the app left unread and whatever the server does.
    ///
    /// # Errors
    /// The close handshake failed.
    pub async fn close(self) -> Result<(), AgentError> {
        let Self {
            link,
            commands,
            events,
            mut task,
            ..
        } = self;
        // Unread events must not hold the loop up.
        drop(events);
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, async {
            // The loop may already have ended; closing the socket is what matters.
            let _ = commands
                .send(Command::Machine(Box::new(MachineCommand::Close)))
                .await;
            let _ = (&mut task).await;
        })
        .await;
        task.abort();
        let sender = lock(&link).sender.take();
        match sender {
            Some(sender) => match tokio::time::timeout(CLOSE_TIMEOUT, sender.close()).await {
                Ok(result) => Ok(result?),
                Err(_) => {
                    tracing::warn!("the close handshake did not finish in time");
                    Ok(())
                }
            },
            None => Ok(()),
        }
    }

    async fn command(&self, command: Command) -> Result<(), AgentError> {
        self.commands.send(command).await.map_err(|_| self.ended())
    }

    fn ended(&self) -> AgentError {
        AgentError::Client(ClientError::Transport(TransportError::SessionClosed {
            provider: self.provider,
        }))
    }
}

impl Stream for AgentSession {
    type Item = AgentEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<AgentEvent>> {
        self.events.poll_recv(cx)
    }
}
