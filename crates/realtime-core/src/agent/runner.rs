//! [`AgentRunner`] and [`AgentSession`]: the async agent loop.
//!
//! One task per session owns the event stream. It decides with the pure functions of
//! [`super::decide`], runs tools in a `JoinSet` (each in its own task, so a panic or
//! a timeout is contained), and sends app-facing [`AgentEvent`]s on a bounded
//! channel: when the app falls behind, the loop waits for it (nothing is dropped).

use std::collections::{HashMap, HashSet};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::Stream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};

use super::decide::{AssistantAudio, ResponseGate, plan_barge_in};
use super::definition::Agent;
use super::event::{AgentError, AgentEvent};
use super::guardrail::Verdict;
use super::history::{History, HistoryEntry};
use super::tool::{ToolContext, ToolError};
use crate::audio::PlaybackTracker;
use crate::client::{ClientError, EventStream, RealtimeClient, SessionSender};
use crate::protocol::{
    AudioFormat, ClientEvent, ContentPart, ErrorEvent, FunctionCallItem, Item, Nullable, Role,
    ServerEvent, SessionConfig, TurnDetection,
};

/// Default time a tool may run before its call fails with a timeout.
pub const DEFAULT_TOOL_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds and starts agent sessions.
///
/// ```no_run
/// # async fn demo(client: realtime_core::client::RealtimeClient) -> Result<(), realtime_core::agent::AgentError> {
/// use realtime_core::agent::{Agent, AgentEvent, AgentRunner};
///
/// let greeter = Agent::new("greeter").instructions("Greet the caller.").handoff("returns", "Returns and refunds.");
/// let returns = Agent::new("returns").instructions("Handle the return.").handoff("greeter", "Anything else.");
/// let mut session = AgentRunner::new(client, greeter).agent(returns).start().await?;
/// session.send_text("Hi, I want to return a lamp.").await?;
/// while let Some(event) = session.next_event().await {
///     match event {
///         AgentEvent::Transcript { role, text, .. } => println!("{role}: {text}"),
///         AgentEvent::Handoff { from, to } => println!("[{from} -> {to}]"),
///         _ => {}
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[must_use]
pub struct AgentRunner {
    client: RealtimeClient,
    agents: HashMap<String, Agent>,
    start: String,
    base: SessionConfig,
    tool_timeout: Duration,
    history: History,
    event_capacity: usize,
}

impl AgentRunner {
    /// A runner starting with `agent`.
    pub fn new(client: RealtimeClient, agent: Agent) -> Self {
        let start = agent.name().to_owned();
        Self {
            client,
            agents: HashMap::from([(start.clone(), agent)]),
            start,
            base: SessionConfig::new(),
            tool_timeout: DEFAULT_TOOL_TIMEOUT,
            history: History::new(),
            event_capacity: 256,
        }
    }

    /// Registers another agent (a handoff target).
    pub fn agent(mut self, agent: Agent) -> Self {
        self.agents.insert(agent.name().to_owned(), agent);
        self
    }

    /// Session settings shared by every agent: audio formats, turn detection,
    /// transcription, modalities. Handoffs never reset them.
    pub fn session_config(mut self, config: SessionConfig) -> Self {
        self.base = config;
        self
    }

    /// Timeout for tools that set none of their own.
    pub fn tool_timeout(mut self, timeout: Duration) -> Self {
        self.tool_timeout = timeout;
        self
    }

    /// Seeds the conversation with `history` (sent as items at start).
    pub fn history(mut self, history: History) -> Self {
        self.history = history;
        self
    }

    /// Capacity of the event channel to the app.
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.event_capacity = capacity.max(1);
        self
    }

    /// Connects, applies the starting agent, seeds the history and starts the loop.
    ///
    /// # Errors
    /// [`AgentError::UnknownAgent`] for a handoff to an agent that is not
    /// registered; [`AgentError::Client`] when connecting or the first sends fail.
    pub async fn start(self) -> Result<AgentSession, AgentError> {
        for agent in self.agents.values() {
            if let Some(missing) = agent
                .handoffs()
                .iter()
                .find(|handoff| !self.agents.contains_key(&handoff.target))
            {
                return Err(AgentError::UnknownAgent(missing.target.clone()));
            }
        }
        let session = self.client.connect().await?;
        let (sender, stream) = session.split();
        let Some(agent) = self.agents.get(&self.start).cloned() else {
            return Err(AgentError::UnknownAgent(self.start));
        };

        let mut config = self.base.clone();
        let update = agent.session_update(&self.history);
        config.instructions = update.instructions;
        config.tools = update.tools;
        config.tool_choice = update.tool_choice;
        if let Some(voice) = agent.voice_setting() {
            config.voice = Some(voice.clone());
        }
        sender.send(&ClientEvent::session_update(config)).await?;
        for item in self.history.to_items() {
            sender.send(&ClientEvent::create_item(item)).await?;
        }

        let format = self
            .base
            .output_audio_format
            .unwrap_or(AudioFormat::PCM16_24K);
        let playback = PlaybackTracker::new(format);
        let server_auto_cancels = match &self.base.turn_detection {
            Nullable::Null => false,
            Nullable::Absent => true,
            Nullable::Value(TurnDetection::ServerVad(vad)) => vad.interrupt_response != Some(false),
            Nullable::Value(TurnDetection::SemanticVad(vad)) => {
                vad.interrupt_response != Some(false)
            }
            Nullable::Value(TurnDetection::Other(map)) => {
                map.get("interrupt_response")
                    .and_then(serde_json::Value::as_bool)
                    != Some(false)
            }
        };
        let dialect = sender.dialect();
        let capabilities = dialect.capabilities();
        let (events_tx, events_rx) = mpsc::channel(self.event_capacity);
        let (commands_tx, commands_rx) = mpsc::channel(64);
        let state = LoopState {
            provider: sender.dialect().provider(),
            voice_change_after_audio: capabilities.voice_change_after_audio,
            sender: sender.clone(),
            agents: Arc::new(self.agents),
            current: self.start,
            current_voice: self
                .base
                .voice
                .clone()
                .or_else(|| agent.voice_setting().cloned()),
            history: self.history,
            gate: ResponseGate::default(),
            next_event_id: 0,
            server_auto_cancels,
            playback: playback.clone(),
            audio_item: None,
            pending_assistant_item: None,
            assistant_audio_seen: false,
            transcripts: HashMap::new(),
            silenced_items: HashSet::new(),
            pending_calls: HashMap::new(),
            seen_calls: HashSet::new(),
            awaiting_approval: HashMap::new(),
            needs_follow_up: false,
            tool_timeout: self.tool_timeout,
            events: events_tx,
        };
        let task = tokio::spawn(run_loop(state, stream, commands_rx));
        Ok(AgentSession {
            sender,
            commands: commands_tx,
            events: events_rx,
            playback,
            task,
        })
    }
}

/// What the app asks of the loop.
#[derive(Debug)]
enum Command {
    Text(String),
    Content(Vec<ContentPart>),
    Approve { call_id: String, approved: bool },
    CommitAndRespond,
    History(oneshot::Sender<History>),
    Close,
}

/// A running agent session.
///
/// Audio goes straight to the socket ([`send_audio`](Self::send_audio)); everything
/// that needs the loop's state goes through it. Events arrive in order on
/// [`next_event`](Self::next_event) (or as a `Stream`).
#[derive(Debug)]
pub struct AgentSession {
    sender: SessionSender,
    commands: mpsc::Sender<Command>,
    events: mpsc::Receiver<AgentEvent>,
    playback: PlaybackTracker,
    task: JoinHandle<()>,
}

impl AgentSession {
    /// Streams microphone audio (in the session's input format).
    ///
    /// # Errors
    /// The socket is gone.
    pub async fn send_audio(&self, audio: &[u8]) -> Result<(), AgentError> {
        Ok(self.sender.send(&ClientEvent::append_audio(audio)).await?)
    }

    /// Commits the audio buffer and asks for a response (push-to-talk, no server
    /// turn detection).
    ///
    /// # Errors
    /// The loop has ended.
    pub async fn commit_audio(&self) -> Result<(), AgentError> {
        self.command(Command::CommitAndRespond).await
    }

    /// Adds a user text message and asks for a response.
    ///
    /// # Errors
    /// The loop has ended.
    pub async fn send_text(&self, text: impl Into<String>) -> Result<(), AgentError> {
        self.command(Command::Text(text.into())).await
    }

    /// Adds a user message of any content (text, images as data URLs, audio) and
    /// asks for a response.
    ///
    /// # Errors
    /// The loop has ended.
    pub async fn send_content(&self, content: Vec<ContentPart>) -> Result<(), AgentError> {
        self.command(Command::Content(content)).await
    }

    /// Approves or rejects a tool call announced by [`AgentEvent::ApprovalRequested`].
    ///
    /// # Errors
    /// The loop has ended.
    pub async fn approve(
        &self,
        call_id: impl Into<String>,
        approved: bool,
    ) -> Result<(), AgentError> {
        self.command(Command::Approve {
            call_id: call_id.into(),
            approved,
        })
        .await
    }

    /// A snapshot of the history.
    ///
    /// # Errors
    /// The loop has ended.
    pub async fn history(&self) -> Result<History, AgentError> {
        let (tx, rx) = oneshot::channel();
        self.command(Command::History(tx)).await?;
        rx.await.map_err(|_| self.ended())
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

    /// Stops the loop and closes the connection.
    ///
    /// # Errors
    /// The close handshake failed.
    pub async fn close(self) -> Result<(), AgentError> {
        // The loop may already have ended; closing the socket is what matters.
        let _ = self.commands.send(Command::Close).await;
        let _ = self.task.await;
        Ok(self.sender.close().await?)
    }

    async fn command(&self, command: Command) -> Result<(), AgentError> {
        self.commands.send(command).await.map_err(|_| self.ended())
    }

    fn ended(&self) -> AgentError {
        AgentError::Client(ClientError::Transport(
            crate::transport::TransportError::SessionClosed {
                provider: self.sender.dialect().provider(),
            },
        ))
    }
}

impl Stream for AgentSession {
    type Item = AgentEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<AgentEvent>> {
        self.events.poll_recv(cx)
    }
}

/// A finished tool call.
#[derive(Debug)]
struct ToolOutcome {
    call_id: String,
    tool: String,
    result: Result<String, ToolError>,
}

/// The loop's state. Methods named `on_*` handle one input each.
struct LoopState {
    provider: &'static str,
    voice_change_after_audio: bool,
    sender: SessionSender,
    agents: Arc<HashMap<String, Agent>>,
    current: String,
    current_voice: Option<crate::protocol::Voice>,
    history: History,
    gate: ResponseGate,
    next_event_id: u64,
    server_auto_cancels: bool,
    playback: PlaybackTracker,
    /// The last assistant item that carried audio, with its content index.
    audio_item: Option<(String, u32)>,
    /// An assistant message announced in the current response, no audio yet.
    pending_assistant_item: Option<String>,
    assistant_audio_seen: bool,
    /// Assistant transcript so far per item, and the length last checked by guardrails.
    transcripts: HashMap<String, (String, usize)>,
    /// Items whose further output is dropped (interrupted or tripped).
    silenced_items: HashSet<String>,
    /// Tool calls of the current turn still running: call id -> tool.
    pending_calls: HashMap<String, String>,
    seen_calls: HashSet<String>,
    awaiting_approval: HashMap<String, (String, String)>,
    needs_follow_up: bool,
    tool_timeout: Duration,
    events: mpsc::Sender<AgentEvent>,
}

async fn run_loop(
    mut state: LoopState,
    mut stream: EventStream,
    mut commands: mpsc::Receiver<Command>,
) {
    let mut tools: JoinSet<ToolOutcome> = JoinSet::new();
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                None | Some(Command::Close) => break,
                Some(command) => state.on_command(command, &mut tools).await,
            },
            Some(outcome) = tools.join_next(), if !tools.is_empty() => match outcome {
                Ok(outcome) => state.on_tool_done(outcome).await,
                Err(error) => tracing::error!(%error, "tool supervisor task failed"),
            },
            event = stream.next_event() => match event {
                None => break,
                Some(Ok(event)) => state.on_server_event(event, &mut tools).await,
                Some(Err(error)) => {
                    let fatal = !error.is_recoverable();
                    state.emit(AgentEvent::Error(error.into())).await;
                    if fatal {
                        break;
                    }
                }
            },
        }
    }
    tools.abort_all();
}

impl LoopState {
    async fn emit(&self, event: AgentEvent) {
        // The app dropped its receiver: nothing left to tell.
        let _ = self.events.send(event).await;
    }

    async fn send(&self, event: ClientEvent) {
        if let Err(error) = self.sender.send(&event).await {
            tracing::warn!(%error, event_type = event.event_type(), "send failed");
            self.emit(AgentEvent::Error(error.into())).await;
        }
    }

    fn agent(&self) -> Option<&Agent> {
        self.agents.get(&self.current)
    }

    async fn request_response(&mut self) {
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

    async fn on_command(&mut self, command: Command, tools: &mut JoinSet<ToolOutcome>) {
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
            Command::Close => {}
        }
    }

    async fn on_server_event(&mut self, event: ServerEvent, tools: &mut JoinSet<ToolOutcome>) {
        match &event {
            ServerEvent::ResponseCreated(_) => self.gate.on_created(),
            ServerEvent::ResponseOutputItemAdded(added) => {
                if let Some(Item::Message(message)) = &added.item
                    && message.role == Some(Role::Assistant)
                {
                    self.pending_assistant_item = message.id.clone();
                }
            }
            ServerEvent::ResponseAudioDelta(delta)
                if !self.silenced_items.contains(&delta.item_id) =>
            {
                match delta.delta.decode() {
                    Ok(audio) => {
                        self.playback.received(&delta.item_id, audio.len() as u64);
                        self.audio_item = Some((delta.item_id.clone(), delta.content_index));
                        self.pending_assistant_item = None;
                        self.assistant_audio_seen = true;
                        self.emit(AgentEvent::Audio {
                            item_id: delta.item_id.clone(),
                            audio,
                        })
                        .await;
                    }
                    Err(error) => {
                        self.emit(AgentEvent::Error(AgentError::Server {
                            provider: self.provider,
                            code: "invalid_audio".to_owned(),
                            message: format!(
                                "audio delta for {} is not valid base64: {error}",
                                delta.item_id
                            ),
                            param: None,
                        }))
                        .await;
                    }
                }
            }
            ServerEvent::ResponseAudioTranscriptDelta(delta)
            | ServerEvent::ResponseTextDelta(delta)
                if !self.silenced_items.contains(&delta.item_id) =>
            {
                self.emit(AgentEvent::TranscriptDelta {
                    role: Role::Assistant,
                    item_id: delta.item_id.clone(),
                    delta: delta.delta.clone(),
                })
                .await;
                let entry = self.transcripts.entry(delta.item_id.clone()).or_default();
                entry.0.push_str(&delta.delta);
                self.run_guardrails(&delta.item_id.clone(), false).await;
            }
            ServerEvent::ResponseAudioTranscriptDone(done)
                if !self.silenced_items.contains(&done.item_id) =>
            {
                self.finish_assistant_transcript(&done.item_id, &done.transcript)
                    .await;
            }
            ServerEvent::ResponseTextDone(done) if !self.silenced_items.contains(&done.item_id) => {
                self.finish_assistant_transcript(&done.item_id, &done.text)
                    .await;
            }
            ServerEvent::InputTranscriptionDelta(delta) => {
                self.emit(AgentEvent::TranscriptDelta {
                    role: Role::User,
                    item_id: delta.item_id.clone(),
                    delta: delta.delta.clone(),
                })
                .await;
            }
            ServerEvent::InputTranscriptionCompleted(done) => {
                self.history
                    .upsert_message(&done.item_id, Role::User, &done.transcript, None);
                self.emit(AgentEvent::Transcript {
                    role: Role::User,
                    item_id: done.item_id.clone(),
                    text: done.transcript.clone(),
                    agent: None,
                })
                .await;
            }
            ServerEvent::SpeechStarted(_) => self.on_barge_in().await,
            ServerEvent::FunctionCallArgumentsDone(done) => {
                let name = done
                    .name
                    .clone()
                    .or_else(|| self.call_name_from_history(&done.call_id))
                    .unwrap_or_default();
                self.on_function_call(done.call_id.clone(), name, done.arguments.clone(), tools)
                    .await;
            }
            ServerEvent::ResponseOutputItemDone(done) => {
                // Some servers announce calls only here; calls seen before are skipped.
                if let Some(Item::FunctionCall(call)) = &done.item {
                    self.on_function_call_item(call, tools).await;
                }
            }
            ServerEvent::ResponseDone(done) => {
                for item in done.response.output.iter().flatten() {
                    if let Item::FunctionCall(call) = item {
                        self.on_function_call_item(call, tools).await;
                    }
                }
                self.pending_assistant_item = None;
                if self.gate.on_done() {
                    self.request_response().await;
                }
                self.maybe_follow_up().await;
                self.emit(AgentEvent::ResponseDone {
                    response_id: done.response.id.clone(),
                })
                .await;
            }
            ServerEvent::Error(ErrorEvent { error, .. }) => {
                if self
                    .gate
                    .on_error(error.event_id.as_option().map(String::as_str))
                {
                    self.request_response().await;
                }
                let code = error
                    .code
                    .as_option()
                    .cloned()
                    .unwrap_or_else(|| error.kind.clone());
                self.emit(AgentEvent::Error(AgentError::Server {
                    provider: self.provider,
                    code,
                    message: error.message.clone(),
                    param: error.param.as_option().cloned(),
                }))
                .await;
            }
            _ => {}
        }
        self.emit(AgentEvent::Raw(Box::new(event))).await;
    }

    fn call_name_from_history(&self, call_id: &str) -> Option<String> {
        self.history.entries().iter().find_map(|entry| match entry {
            HistoryEntry::ToolCall {
                call_id: id, name, ..
            } if id == call_id => Some(name.clone()),
            _ => None,
        })
    }

    async fn finish_assistant_transcript(&mut self, item_id: &str, text: &str) {
        self.transcripts.entry(item_id.to_owned()).or_default().0 = text.to_owned();
        self.run_guardrails(item_id, true).await;
        if self.silenced_items.contains(item_id) {
            return;
        }
        let agent = self.current.clone();
        self.history
            .upsert_message(item_id, Role::Assistant, text, Some(&agent));
        self.emit(AgentEvent::Transcript {
            role: Role::Assistant,
            item_id: item_id.to_owned(),
            text: text.to_owned(),
            agent: Some(agent),
        })
        .await;
    }

    async fn run_guardrails(&mut self, item_id: &str, is_final: bool) {
        let Some(agent) = self.agents.get(&self.current) else {
            return;
        };
        let Some((text, checked)) = self.transcripts.get(item_id) else {
            return;
        };
        let len = text.chars().count();
        let mut tripped = None;
        for guardrail in agent.guardrails() {
            if guardrail.due(*checked, len, is_final)
                && let Verdict::Trip { reason } = guardrail.check(text)
            {
                tripped = Some((guardrail.name().to_owned(), reason));
                break;
            }
        }
        let due_any = agent
            .guardrails()
            .iter()
            .any(|guardrail| guardrail.due(*checked, len, is_final));
        if due_any && let Some(entry) = self.transcripts.get_mut(item_id) {
            entry.1 = len;
        }
        let Some((guardrail, reason)) = tripped else {
            return;
        };
        tracing::info!(guardrail, item_id, "output guardrail tripped");
        self.silenced_items.insert(item_id.to_owned());
        if self.gate.active() {
            self.send(ClientEvent::cancel_response()).await;
        }
        let position = self.playback.position(item_id);
        let audio_end_ms = if position.has_audio() {
            let at = position.truncate_at();
            self.send(ClientEvent::truncate(item_id, at)).await;
            Some(at)
        } else {
            None
        };
        self.playback.forget(item_id);
        self.emit(AgentEvent::GuardrailTripped {
            guardrail,
            reason,
            item_id: item_id.to_owned(),
        })
        .await;
        self.emit(AgentEvent::Interrupted {
            item_id: item_id.to_owned(),
            audio_end_ms,
        })
        .await;
    }

    async fn on_barge_in(&mut self) {
        let audio = self
            .audio_item
            .as_ref()
            .map(|(item_id, content_index)| AssistantAudio {
                item_id: item_id.clone(),
                content_index: *content_index,
                position: self.playback.position(item_id),
            });
        let plan = plan_barge_in(
            audio.as_ref(),
            self.pending_assistant_item.as_deref(),
            self.gate.active(),
            self.server_auto_cancels,
        );
        if plan.cancel {
            self.send(ClientEvent::cancel_response()).await;
        }
        if let Some((item_id, content_index, audio_end_ms)) = &plan.truncate {
            self.send(ClientEvent::ConversationItemTruncate {
                event_id: None,
                item_id: item_id.clone(),
                content_index: *content_index,
                audio_end_ms: *audio_end_ms,
            })
            .await;
            self.silenced_items.insert(item_id.clone());
            self.playback.forget(item_id);
            self.audio_item = None;
            self.emit(AgentEvent::Interrupted {
                item_id: item_id.clone(),
                audio_end_ms: Some(*audio_end_ms),
            })
            .await;
        }
        if let Some(item_id) = &plan.delete {
            self.send(ClientEvent::delete_item(item_id.clone())).await;
            self.silenced_items.insert(item_id.clone());
            self.pending_assistant_item = None;
            self.emit(AgentEvent::Interrupted {
                item_id: item_id.clone(),
                audio_end_ms: None,
            })
            .await;
        }
    }

    async fn on_function_call_item(
        &mut self,
        call: &FunctionCallItem,
        tools: &mut JoinSet<ToolOutcome>,
    ) {
        if !call.call_id.is_empty() && !self.seen_calls.contains(&call.call_id) {
            self.on_function_call(
                call.call_id.clone(),
                call.name.clone(),
                call.arguments.clone(),
                tools,
            )
            .await;
        }
    }

    async fn on_function_call(
        &mut self,
        call_id: String,
        name: String,
        arguments: String,
        tools: &mut JoinSet<ToolOutcome>,
    ) {
        if !self.seen_calls.insert(call_id.clone()) {
            return;
        }
        self.history.push(HistoryEntry::ToolCall {
            call_id: call_id.clone(),
            name: name.clone(),
            arguments: arguments.clone(),
        });
        let Some(agent) = self.agent() else { return };
        if let Some(handoff) = agent.find_handoff(&name) {
            let target = handoff.target.clone();
            self.handoff(call_id, target).await;
            return;
        }
        let needs_approval = agent
            .find_tool(&name)
            .is_some_and(|tool| tool.requires_approval());
        self.pending_calls.insert(call_id.clone(), name.clone());
        if needs_approval {
            self.awaiting_approval
                .insert(call_id.clone(), (name.clone(), arguments.clone()));
            self.emit(AgentEvent::ApprovalRequested {
                tool: name,
                call_id,
                arguments,
            })
            .await;
        } else {
            self.start_tool(call_id, name, arguments, tools).await;
        }
    }

    async fn start_tool(
        &mut self,
        call_id: String,
        name: String,
        arguments: String,
        tools: &mut JoinSet<ToolOutcome>,
    ) {
        let agent_name = self.current.clone();
        let tool = self
            .agent()
            .and_then(|agent| agent.find_tool(&name))
            .cloned();
        self.emit(AgentEvent::ToolStarted {
            agent: agent_name.clone(),
            tool: name.clone(),
            call_id: call_id.clone(),
            arguments: arguments.clone(),
        })
        .await;
        let Some(tool) = tool else {
            self.on_tool_done(ToolOutcome {
                call_id,
                result: Err(ToolError::Unknown { tool: name.clone() }),
                tool: name,
            })
            .await;
            return;
        };
        let timeout = tool.own_timeout().unwrap_or(self.tool_timeout);
        let context = ToolContext {
            agent: agent_name,
            call_id: call_id.clone(),
        };
        let future = tool.invoke(arguments, context);
        tools.spawn(async move {
            let mut handle = tokio::spawn(future);
            let result = match tokio::time::timeout(timeout, &mut handle).await {
                Err(_) => {
                    handle.abort();
                    Err(ToolError::Timeout {
                        tool: name.clone(),
                        after: timeout,
                    })
                }
                Ok(Err(join_error)) => {
                    tracing::error!(
                        tool = name,
                        panicked = join_error.is_panic(),
                        "tool task failed"
                    );
                    Err(ToolError::Panicked { tool: name.clone() })
                }
                Ok(Ok(result)) => result,
            };
            ToolOutcome {
                call_id,
                tool: name,
                result,
            }
        });
    }

    async fn on_tool_done(&mut self, outcome: ToolOutcome) {
        let (output, failed) = match &outcome.result {
            Ok(output) => (output.clone(), false),
            Err(error) => (error.to_output(), true),
        };
        self.pending_calls.remove(&outcome.call_id);
        self.history.push(HistoryEntry::ToolOutput {
            call_id: outcome.call_id.clone(),
            output: output.clone(),
        });
        self.send(ClientEvent::create_item(Item::function_call_output(
            outcome.call_id.clone(),
            output.clone(),
        )))
        .await;
        self.emit(AgentEvent::ToolFinished {
            tool: outcome.tool,
            call_id: outcome.call_id,
            output,
            failed,
        })
        .await;
        self.needs_follow_up = true;
        self.maybe_follow_up().await;
    }

    /// After tool outputs: one `response.create` once every call of the turn has its
    /// output and the response that made the calls is done.
    async fn maybe_follow_up(&mut self) {
        if self.needs_follow_up && self.pending_calls.is_empty() && !self.gate.active() {
            self.needs_follow_up = false;
            self.request_response().await;
        }
    }

    async fn handoff(&mut self, call_id: String, target: String) {
        let Some(next) = self.agents.get(&target) else {
            self.emit(AgentEvent::Error(AgentError::UnknownAgent(target)))
                .await;
            return;
        };
        let output = serde_json::json!({ "assistant": target }).to_string();
        self.history.push(HistoryEntry::ToolOutput {
            call_id: call_id.clone(),
            output: output.clone(),
        });
        self.send(ClientEvent::create_item(Item::function_call_output(
            call_id, output,
        )))
        .await;

        let mut update = next.session_update(&self.history);
        let mut voice_kept = false;
        if let Some(voice) = next.voice_setting()
            && self.current_voice.as_ref() != Some(voice)
        {
            if self.voice_change_after_audio || !self.assistant_audio_seen {
                update.voice = Some(voice.clone());
                self.current_voice = Some(voice.clone());
            } else {
                voice_kept = true;
            }
        }
        self.send(ClientEvent::session_update(update)).await;
        let from = std::mem::replace(&mut self.current, target.clone());
        self.history.push(HistoryEntry::Handoff {
            from: from.clone(),
            to: target.clone(),
        });
        self.emit(AgentEvent::Handoff {
            from,
            to: target.clone(),
        })
        .await;
        if voice_kept {
            self.emit(AgentEvent::VoiceKept { agent: target }).await;
        }
        self.needs_follow_up = true;
        self.maybe_follow_up().await;
    }
}
