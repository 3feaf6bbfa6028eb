//! The agent loop: one task per session, its state and the handlers of each input.

mod connection;
mod server_events;
mod tools;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::decide::ResponseGate;
use super::definition::Agent;
use super::event::AgentEvent;
use super::history::{History, HistoryEntry};
use super::reconnect::{BoundedSet, ReconnectPolicy, RotationPolicy};
use super::session::{Command, Link};
use super::tool::ToolError;
use crate::audio::PlaybackTracker;
use crate::client::{ClientError, EventStream, RealtimeClient, SessionSender};
use crate::protocol::{ClientEvent, ContentPart, Item, Role, SessionConfig, Voice};

/// A finished tool call.
#[derive(Debug)]
pub(super) struct ToolOutcome {
    pub(super) call_id: String,
    pub(super) tool: String,
    pub(super) result: Result<String, ToolError>,
}

/// The loop's state. Methods named `on_*` handle one input each.
pub(super) struct LoopState {
    pub(super) provider: &'static str,
    pub(super) voice_change_after_audio: bool,
    pub(super) client: RealtimeClient,
    pub(super) base: SessionConfig,
    pub(super) link: Link,
    pub(super) reconnect: ReconnectPolicy,
    pub(super) rotation: RotationPolicy,
    /// When the current connection is to be replaced.
    pub(super) rotate_at: Option<Instant>,
    /// The rotation time has come; it happens at the next pause between turns.
    pub(super) rotation_due: bool,
    /// A fatal error was reported: the session does not reconnect.
    pub(super) fatal: bool,
    pub(super) sender: SessionSender,
    pub(super) agents: Arc<HashMap<String, Agent>>,
    pub(super) current: String,
    pub(super) current_voice: Option<Voice>,
    pub(super) history: History,
    pub(super) gate: ResponseGate,
    pub(super) next_event_id: u64,
    pub(super) server_auto_cancels: bool,
    pub(super) playback: PlaybackTracker,
    /// The last assistant item that carried audio, with its content index.
    pub(super) audio_item: Option<(String, u32)>,
    /// Assistant items with audio, newest last (older ones are forgotten by the tracker).
    pub(super) recent_audio_items: VecDeque<String>,
    /// An assistant message announced in the current response, no audio yet.
    pub(super) pending_assistant_item: Option<String>,
    pub(super) assistant_audio_seen: bool,
    /// Speech started and has not stopped.
    pub(super) user_speaking: bool,
    /// Assistant transcript so far per item of the current response, and the length
    /// last checked by guardrails. Cleared at each `response.done`.
    pub(super) transcripts: HashMap<String, (String, usize)>,
    /// Items whose further output is dropped (interrupted or tripped).
    pub(super) silenced_items: BoundedSet,
    /// Tool calls of the current turn still running: call id -> tool.
    pub(super) pending_calls: HashMap<String, String>,
    pub(super) seen_calls: BoundedSet,
    pub(super) awaiting_approval: HashMap<String, (String, String)>,
    pub(super) needs_follow_up: bool,
    pub(super) tool_timeout: Duration,
    pub(super) events: mpsc::Sender<AgentEvent>,
    /// Whether every server event is also delivered as `AgentEvent::Raw`.
    pub(super) raw_events: bool,
}

/// Why [`LoopState::drive`] returned.
pub(super) enum Ending {
    /// Closed by the app or normally by the server.
    Stop,
    /// The connection failed.
    Lost(ClientError),
    /// Time to move to a fresh connection (between turns).
    Rotate,
}

/// Sleeps until `at`; forever when `None`.
pub(super) async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

pub(super) async fn run_loop(
    mut state: LoopState,
    mut stream: EventStream,
    mut commands: mpsc::Receiver<Command>,
) {
    let mut tools: JoinSet<ToolOutcome> = JoinSet::new();
    let mut deferred: VecDeque<Command> = VecDeque::new();
    loop {
        match state
            .drive(&mut stream, &mut commands, &mut tools, &mut deferred)
            .await
        {
            Ending::Stop => break,
            Ending::Lost(error) => {
                match state.reconnect(error, &mut commands, &mut deferred).await {
                    Some(next) => stream = next,
                    None => break,
                }
            }
            Ending::Rotate => {
                if let Some(next) = state.rotate().await {
                    stream = next;
                }
            }
        }
    }
    tools.abort_all();
}

impl LoopState {
    /// Runs one connection until it ends, fails, or is due for rotation.
    pub(super) async fn drive(
        &mut self,
        stream: &mut EventStream,
        commands: &mut mpsc::Receiver<Command>,
        tools: &mut JoinSet<ToolOutcome>,
        deferred: &mut VecDeque<Command>,
    ) -> Ending {
        loop {
            if self.rotation_due && self.turn_state().between_turns() {
                self.rotation_due = false;
                return Ending::Rotate;
            }
            if let Some(command) = deferred.pop_front() {
                if let Some(ending) = self.handle_command(command, tools).await {
                    return ending;
                }
                continue;
            }
            let rotate_at = self.rotate_at;
            tokio::select! {
                command = commands.recv() => match command {
                    None => return Ending::Stop,
                    Some(command) => if let Some(ending) = self.handle_command(command, tools).await {
                        return ending;
                    },
                },
                Some(outcome) = tools.join_next(), if !tools.is_empty() => match outcome {
                    Ok(outcome) => self.on_tool_done(outcome).await,
                    Err(error) => tracing::error!(%error, "tool supervisor task failed"),
                },
                event = stream.next_event() => match event {
                    None => return Ending::Stop,
                    Some(Ok(event)) => self.on_server_event(event, tools).await,
                    Some(Err(error)) => {
                        if !error.is_recoverable() {
                            return Ending::Lost(error);
                        }
                        self.emit(AgentEvent::Error(error.into())).await;
                    }
                },
                () = sleep_until(rotate_at), if rotate_at.is_some() => {
                    self.rotate_at = None;
                    self.rotation_due = true;
                }
            }
        }
    }

    pub(super) async fn handle_command(
        &mut self,
        command: Command,
        tools: &mut JoinSet<ToolOutcome>,
    ) -> Option<Ending> {
        match command {
            Command::Close => Some(Ending::Stop),
            Command::ReportDrops => {
                self.report_drops().await;
                None
            }
            command => {
                self.on_command(command, tools).await;
                None
            }
        }
    }

    pub(super) async fn emit(&self, event: AgentEvent) {
        // The app dropped its receiver: nothing left to tell.
        let _ = self.events.send(event).await;
    }

    pub(super) async fn send(&self, event: ClientEvent) {
        if let Err(error) = self.sender.send(&event).await {
            tracing::warn!(%error, event_type = event.event_type(), "send failed");
            self.emit(AgentEvent::Error(error.into())).await;
        }
    }

    pub(super) fn agent(&self) -> Option<&Agent> {
        self.agents.get(&self.current)
    }

    pub(super) async fn request_response(&mut self) {
        self.next_event_id += 1;
        let event_id = format!("evt_agent_{}", self.next_event_id);
        if self.gate.request(&event_id) {
            self.send(ClientEvent::ResponseCreate {
                event_id: Some(event_id),
                response: None,
            })
            .await;
        }
    }

    pub(super) async fn on_command(&mut self, command: Command, tools: &mut JoinSet<ToolOutcome>) {
        match command {
            Command::Text(text) => {
                self.history.push(HistoryEntry::Message {
                    item_id: None,
                    role: Role::User,
                    text: text.clone(),
                    agent: None,
                });
                self.send(ClientEvent::create_item(Item::user_text(text)))
                    .await;
                self.request_response().await;
            }
            Command::Content(content) => {
                let text = content
                    .iter()
                    .filter_map(ContentPart::text_or_transcript)
                    .collect::<Vec<_>>()
                    .join(" ");
                self.history.push(HistoryEntry::Message {
                    item_id: None,
                    role: Role::User,
                    text,
                    agent: None,
                });
                self.send(ClientEvent::create_item(Item::message(Role::User, content)))
                    .await;
                self.request_response().await;
            }
            Command::CommitAndRespond => {
                self.send(ClientEvent::InputAudioBufferCommit { event_id: None })
                    .await;
                self.request_response().await;
            }
            Command::Respond => self.request_response().await,
            Command::Approve { call_id, approved } => match self.awaiting_approval.remove(&call_id)
            {
                Some((tool, arguments)) if approved => {
                    self.start_tool(call_id, tool, arguments, tools).await;
                }
                Some((tool, _)) => {
                    self.on_tool_done(ToolOutcome {
                        call_id,
                        result: Err(ToolError::Rejected { tool: tool.clone() }),
                        tool,
                    })
                    .await;
                }
                None => tracing::warn!(call_id, "approval for a call that is not waiting"),
            },
            Command::History(reply) => {
                let _ = reply.send(self.history.clone());
            }
            Command::Close | Command::ReportDrops => {}
        }
    }
}
