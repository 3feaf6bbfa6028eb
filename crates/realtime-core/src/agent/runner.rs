//! [`AgentRunner`] and [`AgentSession`]: the async agent loop.
//!
//! One task per session owns the event stream. It decides with the pure functions of
//! [`super::decide`], runs tools in a `JoinSet` (each in its own task, so a panic or
//! a timeout is contained), and sends app-facing [`AgentEvent`]s on a bounded
//! channel: when the app falls behind, the loop waits for it (nothing is dropped).

use std::collections::{HashMap, VecDeque};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::Stream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

use super::decide::{AssistantAudio, ResponseGate, plan_barge_in};
use super::definition::Agent;
use super::event::{AgentError, AgentEvent};
use super::guardrail::Verdict;
use super::history::{History, HistoryEntry};
use super::reconnect::{
    Backoff, BoundedSet, Jitter, OfflineAudio, ReconnectPolicy, RotationPolicy, TurnState,
    classify_server_code, classify_transport, replay_items,
};
use super::tool::{ToolContext, ToolError};
use crate::audio::PlaybackTracker;
use crate::client::{ClientError, EventStream, RealtimeClient, SessionSender};
use crate::protocol::{
    AudioFormat, ClientEvent, ContentPart, ErrorEvent, FunctionCallItem, Item, Nullable, Role,
    ServerEvent, SessionConfig, SessionEvent, TurnDetection, Voice,
};
use crate::transport::TransportError;

/// Default time a tool may run before its call fails with a timeout.
pub const DEFAULT_TOOL_TIMEOUT: Duration = Duration::from_secs(30);

/// Default bound on the history (entries kept, and replayed after a reconnect).
pub const DEFAULT_MAX_HISTORY: usize = 1_000;

/// Default amount of microphone audio kept while disconnected.
pub const DEFAULT_OFFLINE_AUDIO: Duration = Duration::from_secs(2);

/// Items the loop tracks per kind (transcripts, silenced items, seen calls) before it
/// forgets the oldest: nothing the server sends grows the loop without bound.
const MAX_TRACKED_ITEMS: usize = 256;
/// Longest assistant transcript kept per item for guardrails, in bytes.
const MAX_TRANSCRIPT_BYTES: usize = 256 * 1024;
/// Tool calls running or awaiting approval at once; further calls fail at once.
const MAX_PENDING_CALLS: usize = 128;
/// App commands held while reconnecting; beyond, the app waits (bounded channel).
const MAX_DEFERRED_COMMANDS: usize = 64;
/// Assistant audio items the playback tracker remembers.
const RECENT_AUDIO_ITEMS: usize = 4;
/// Delay before a failed session rotation is tried again.
const ROTATION_RETRY: Duration = Duration::from_secs(5);

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
///
/// # Reliability
///
/// When the socket drops (not on a clean close), the session reconnects per its
/// [`ReconnectPolicy`] (exponential backoff with jitter), asking the connector again
/// (so a token near expiry is refreshed), re-applies the current agent's settings,
/// replays the history as conversation items and sends the microphone audio buffered
/// meanwhile (up to [`offline_audio`](Self::offline_audio); the oldest beyond is
/// dropped and reported as [`AgentEvent::AudioDropped`]). The app sees
/// [`AgentEvent::Disconnected`] and [`AgentEvent::Reconnected`]. Failures no retry can
/// fix end the session with [`AgentError::Fatal`]. Before the provider's session time
/// limit the session moves to a fresh connection between turns
/// ([`RotationPolicy`], [`AgentEvent::SessionRotated`]).
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
    reconnect: ReconnectPolicy,
    rotation: RotationPolicy,
    max_history: usize,
    offline_audio: Duration,
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
            reconnect: ReconnectPolicy::default(),
            rotation: RotationPolicy::default(),
            max_history: DEFAULT_MAX_HISTORY,
            offline_audio: DEFAULT_OFFLINE_AUDIO,
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

    /// How to reconnect after the socket drops (default: [`ReconnectPolicy::default`];
    /// [`ReconnectPolicy::disabled`] ends the session instead).
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.reconnect = policy;
        self
    }

    /// When to move to a fresh connection before the provider's session limit
    /// (default: 2 minutes before `session.expires_at`).
    pub fn rotation(mut self, policy: RotationPolicy) -> Self {
        self.rotation = policy;
        self
    }

    /// Most history entries kept, and replayed after a reconnect (default
    /// [`DEFAULT_MAX_HISTORY`]); the oldest go first.
    pub fn max_history(mut self, entries: usize) -> Self {
        self.max_history = entries.max(1);
        self
    }

    /// How much microphone audio (in the session's input format) is kept while
    /// disconnected, to send after the reconnect (default [`DEFAULT_OFFLINE_AUDIO`]).
    pub fn offline_audio(mut self, duration: Duration) -> Self {
        self.offline_audio = duration;
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
        let Some(agent) = self.agents.get(&self.start).cloned() else {
            return Err(AgentError::UnknownAgent(self.start));
        };
        let history = self.history.with_limit(self.max_history);
        let session = self.client.connect().await?;
        let (sender, stream) = session.split();

        let current_voice = agent
            .voice_setting()
            .cloned()
            .or_else(|| self.base.voice.clone());
        let config = full_config(&self.base, &agent, &history, current_voice.clone());
        sender.send(&ClientEvent::session_update(config)).await?;
        for item in replay_items(&history, |_| false) {
            sender.send(&ClientEvent::create_item(item)).await?;
        }

        let format = self
            .base
            .output_audio_format
            .unwrap_or(AudioFormat::PCM16_24K);
        let input_format = self
            .base
            .input_audio_format
            .unwrap_or(AudioFormat::PCM16_24K);
        let offline_bytes = usize::try_from(
            input_format.bytes_for_ms(u64::try_from(self.offline_audio.as_millis()).unwrap_or(0)),
        )
        .unwrap_or(usize::MAX);
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
        let provider = dialect.provider();
        let link = Arc::new(Mutex::new(LinkInner {
            sender: Some(sender.clone()),
            generation: 0,
            offline: OfflineAudio::new(offline_bytes),
        }));
        let (events_tx, events_rx) = mpsc::channel(self.event_capacity);
        let (commands_tx, commands_rx) = mpsc::channel(64);
        let mut state = LoopState {
            provider,
            voice_change_after_audio: capabilities.voice_change_after_audio,
            client: self.client,
            base: self.base,
            link: Arc::clone(&link),
            reconnect: self.reconnect,
            rotation: self.rotation,
            rotate_at: None,
            rotation_due: false,
            fatal: false,
            sender,
            agents: Arc::new(self.agents),
            current: self.start,
            current_voice,
            history,
            gate: ResponseGate::default(),
            next_event_id: 0,
            server_auto_cancels,
            playback: playback.clone(),
            audio_item: None,
            recent_audio_items: VecDeque::new(),
            pending_assistant_item: None,
            assistant_audio_seen: false,
            user_speaking: false,
            transcripts: HashMap::new(),
            silenced_items: BoundedSet::new(MAX_TRACKED_ITEMS),
            pending_calls: HashMap::new(),
            seen_calls: BoundedSet::new(MAX_TRACKED_ITEMS),
            awaiting_approval: HashMap::new(),
            needs_follow_up: false,
            tool_timeout: self.tool_timeout,
            events: events_tx,
        };
        state.schedule_rotation(None);
        let task = tokio::spawn(run_loop(state, stream, commands_rx));
        Ok(AgentSession {
            provider,
            reconnects: self.reconnect.is_enabled(),
            link,
            commands: commands_tx,
            events: events_rx,
            playback,
            task,
        })
    }
}

/// The base settings with the agent's instructions, tools and `voice`.
fn full_config(
    base: &SessionConfig,
    agent: &Agent,
    history: &History,
    voice: Option<Voice>,
) -> SessionConfig {
    let mut config = base.clone();
    let update = agent.session_update(history);
    config.instructions = update.instructions;
    config.tools = update.tools;
    config.tool_choice = update.tool_choice;
    if let Some(voice) = voice {
        config.voice = Some(voice);
    }
    config
}

/// The connection as the app's audio path sees it; shared by [`AgentSession`] and
/// the loop.
#[derive(Debug)]
struct LinkInner {
    /// The live connection; `None` while reconnecting (audio is buffered).
    sender: Option<SessionSender>,
    /// Bumped on each new connection.
    generation: u64,
    offline: OfflineAudio,
}

type Link = Arc<Mutex<LinkInner>>;

fn lock(link: &Link) -> MutexGuard<'_, LinkInner> {
    // A poisoned lock only means a panic elsewhere mid-update of plain data.
    link.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the app asks of the loop.
#[derive(Debug)]
enum Command {
    Text(String),
    Content(Vec<ContentPart>),
    Approve {
        call_id: String,
        approved: bool,
    },
    CommitAndRespond,
    History(oneshot::Sender<History>),
    /// Audio was dropped from the offline buffer: tell the app.
    ReportDrops,
    Close,
}

/// A running agent session.
///
/// Audio goes straight to the socket ([`send_audio`](Self::send_audio)), or to a
/// bounded buffer while reconnecting; everything that needs the loop's state goes
/// through it. Events arrive in order on [`next_event`](Self::next_event) (or as a
/// `Stream`).
#[derive(Debug)]
pub struct AgentSession {
    provider: &'static str,
    reconnects: bool,
    link: Link,
    commands: mpsc::Sender<Command>,
    events: mpsc::Receiver<AgentEvent>,
    playback: PlaybackTracker,
    task: JoinHandle<()>,
}

impl AgentSession {
    /// Streams microphone audio (in the session's input format). While the session
    /// reconnects, the audio is buffered (bounded; see
    /// [`AgentRunner::offline_audio`]) and sent after the reconnect.
    ///
    /// # Errors
    /// The socket is gone and the session does not reconnect, or the outgoing queue
    /// is full under [`Backpressure::Error`](crate::transport::Backpressure::Error).
    pub async fn send_audio(&self, audio: &[u8]) -> Result<(), AgentError> {
        let (sender, generation) = {
            let mut inner = lock(&self.link);
            match &inner.sender {
                Some(sender) => (sender.clone(), inner.generation),
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
                if self.reconnects && !matches!(error, TransportError::Backpressure { .. }) =>
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
        let sender = lock(&self.link).sender.take();
        match sender {
            Some(sender) => Ok(sender.close().await?),
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
    client: RealtimeClient,
    base: SessionConfig,
    link: Link,
    reconnect: ReconnectPolicy,
    rotation: RotationPolicy,
    /// When the current connection is to be replaced.
    rotate_at: Option<Instant>,
    /// The rotation time has come; it happens at the next pause between turns.
    rotation_due: bool,
    /// A fatal error was reported: the session does not reconnect.
    fatal: bool,
    sender: SessionSender,
    agents: Arc<HashMap<String, Agent>>,
    current: String,
    current_voice: Option<Voice>,
    history: History,
    gate: ResponseGate,
    next_event_id: u64,
    server_auto_cancels: bool,
    playback: PlaybackTracker,
    /// The last assistant item that carried audio, with its content index.
    audio_item: Option<(String, u32)>,
    /// Assistant items with audio, newest last (older ones are forgotten by the tracker).
    recent_audio_items: VecDeque<String>,
    /// An assistant message announced in the current response, no audio yet.
    pending_assistant_item: Option<String>,
    assistant_audio_seen: bool,
    /// Speech started and has not stopped.
    user_speaking: bool,
    /// Assistant transcript so far per item of the current response, and the length
    /// last checked by guardrails. Cleared at each `response.done`.
    transcripts: HashMap<String, (String, usize)>,
    /// Items whose further output is dropped (interrupted or tripped).
    silenced_items: BoundedSet,
    /// Tool calls of the current turn still running: call id -> tool.
    pending_calls: HashMap<String, String>,
    seen_calls: BoundedSet,
    awaiting_approval: HashMap<String, (String, String)>,
    needs_follow_up: bool,
    tool_timeout: Duration,
    events: mpsc::Sender<AgentEvent>,
}

/// Why [`LoopState::drive`] returned.
enum Ending {
    /// Closed by the app or normally by the server.
    Stop,
    /// The connection failed.
    Lost(ClientError),
    /// Time to move to a fresh connection (between turns).
    Rotate,
}

/// Sleeps until `at`; forever when `None`.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn run_loop(
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
    async fn drive(
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

    async fn handle_command(
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

    fn turn_state(&self) -> TurnState {
        TurnState {
            response_busy: self.gate.busy(),
            tools_running: !self.pending_calls.is_empty() || !self.awaiting_approval.is_empty(),
            follow_up_owed: self.needs_follow_up,
            user_speaking: self.user_speaking,
        }
    }

    /// Sets the rotation time from now (`expires_in`: what `session.expires_at` leaves).
    fn schedule_rotation(&mut self, expires_in: Option<Duration>) {
        if let Some(after) = self.rotation.rotate_in(expires_in) {
            self.rotate_at = Some(Instant::now() + after);
        }
    }

    fn on_session_created(&mut self, created: &SessionEvent) {
        if !self.rotation.is_enabled() {
            return;
        }
        let Some(expires_at) = created
            .session
            .0
            .get("expires_at")
            .and_then(serde_json::Value::as_i64)
        else {
            return;
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| {
                i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
            });
        let left = u64::try_from(expires_at.saturating_sub(now)).unwrap_or(0);
        self.schedule_rotation(Some(Duration::from_secs(left)));
    }

    /// Tells the app about audio dropped from the offline buffer.
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

    /// Points the app's audio at the offline buffer.
    fn go_offline(&self) {
        lock(&self.link).sender = None;
    }

    /// Reconnects after `error` per the policy. `None`: the session ends (fatal,
    /// attempts used up, reconnecting disabled, or the app closed meanwhile).
    async fn reconnect(
        &mut self,
        error: ClientError,
        commands: &mut mpsc::Receiver<Command>,
        deferred: &mut VecDeque<Command>,
    ) -> Option<EventStream> {
        if self.fatal {
            tracing::warn!(%error, "connection lost after a fatal error; not reconnecting");
            return None;
        }
        if let Some(fatal) = self.fatal_transport(&error) {
            self.emit(AgentEvent::Error(fatal)).await;
            return None;
        }
        if !self.reconnect.is_enabled() {
            self.emit(AgentEvent::Error(error.into())).await;
            return None;
        }
        let resume_response = self.gate.busy();
        self.go_offline();
        let mut backoff = Backoff::new(self.reconnect, Jitter::from_time());
        let mut last = error;
        loop {
            let Some((attempt, delay)) = backoff.next_delay() else {
                self.emit(AgentEvent::Error(AgentError::ReconnectFailed {
                    provider: self.provider,
                    attempts: backoff.attempts(),
                    last,
                }))
                .await;
                return None;
            };
            tracing::info!(attempt, ?delay, error = %last, "connection lost; reconnecting");
            self.emit(AgentEvent::Disconnected {
                error: AgentError::Client(last.clone()),
                attempt,
            })
            .await;
            if !self.wait(delay, commands, deferred).await {
                return None;
            }
            let started = Instant::now();
            let session = match self
                .client
                .connect_with_dialect(self.sender.dialect())
                .await
            {
                Ok(session) => session,
                Err(error) => {
                    if let Some(fatal) = self.fatal_transport(&error) {
                        self.emit(AgentEvent::Error(fatal)).await;
                        return None;
                    }
                    last = error;
                    continue;
                }
            };
            let (sender, stream) = session.split();
            match self.resume(sender).await {
                Ok(items_replayed) => {
                    tracing::info!(
                        attempt,
                        items_replayed,
                        elapsed = ?started.elapsed(),
                        "reconnected"
                    );
                    self.emit(AgentEvent::Reconnected {
                        attempt,
                        items_replayed,
                    })
                    .await;
                    if self.needs_follow_up {
                        self.maybe_follow_up().await;
                    } else if resume_response && self.pending_calls.is_empty() {
                        // The answer being produced was lost with the connection.
                        self.request_response().await;
                    }
                    return Some(stream);
                }
                Err(error) => last = error,
            }
        }
    }

    fn fatal_transport(&self, error: &ClientError) -> Option<AgentError> {
        let ClientError::Transport(transport) = error else {
            return None;
        };
        let fatal = classify_transport(transport)?;
        tracing::error!(kind = %fatal.kind, detail = fatal.detail, "fatal connection error");
        Some(AgentError::Fatal {
            provider: self.provider,
            kind: fatal.kind,
            detail: format!("{}: {transport}", fatal.detail),
        })
    }

    /// Waits `delay` while answering the app: `false` if it closed the session.
    async fn wait(
        &mut self,
        delay: Duration,
        commands: &mut mpsc::Receiver<Command>,
        deferred: &mut VecDeque<Command>,
    ) -> bool {
        let sleep = tokio::time::sleep(delay);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => return true,
                command = commands.recv(), if deferred.len() < MAX_DEFERRED_COMMANDS => match command {
                    None | Some(Command::Close) => return false,
                    Some(Command::History(reply)) => {
                        let _ = reply.send(self.history.clone());
                    }
                    Some(Command::ReportDrops) => self.report_drops().await,
                    Some(other) => deferred.push_back(other),
                },
            }
        }
    }

    /// Moves to a fresh connection between turns. `None`: it failed, the current
    /// connection goes on (and rotation is tried again later).
    async fn rotate(&mut self) -> Option<EventStream> {
        let session = match self
            .client
            .connect_with_dialect(self.sender.dialect())
            .await
        {
            Ok(session) => session,
            Err(error) => {
                tracing::warn!(%error, "session rotation failed; keeping the current connection");
                self.rotate_at = Some(Instant::now() + ROTATION_RETRY);
                return None;
            }
        };
        let old = self.sender.clone();
        self.go_offline();
        let (sender, stream) = session.split();
        match self.resume(sender).await {
            Ok(items_replayed) => {
                tracing::info!(items_replayed, "session rotated");
                tokio::spawn(async move {
                    if let Err(error) = old.close().await {
                        tracing::debug!(%error, "closing the rotated-out connection");
                    }
                });
                self.emit(AgentEvent::SessionRotated { items_replayed })
                    .await;
                Some(stream)
            }
            Err(error) => {
                tracing::warn!(%error, "session rotation failed; keeping the current connection");
                self.sender = old.clone();
                if let Err(error) = self.flush_audio(&old).await {
                    tracing::debug!(%error, "the current connection failed too");
                }
                self.rotate_at = Some(Instant::now() + ROTATION_RETRY);
                None
            }
        }
    }

    /// Makes `sender` the connection: re-applies the current agent, replays the
    /// history, sends buffered audio. Returns the items replayed.
    async fn resume(&mut self, sender: SessionSender) -> Result<usize, ClientError> {
        self.sender = sender.clone();
        self.reset_connection_state();
        if let Some(agent) = self.agents.get(&self.current) {
            let config = full_config(&self.base, agent, &self.history, self.current_voice.clone());
            sender.send(&ClientEvent::session_update(config)).await?;
        }
        let items = replay_items(&self.history, |call_id| {
            self.pending_calls.contains_key(call_id)
        });
        for item in &items {
            sender.send(&ClientEvent::create_item(item.clone())).await?;
        }
        self.flush_audio(&sender).await?;
        self.schedule_rotation(None);
        Ok(items.len())
    }

    /// Sends the buffered audio on `sender`, then points the app's audio at it.
    async fn flush_audio(&self, sender: &SessionSender) -> Result<(), ClientError> {
        loop {
            let chunks = {
                let mut inner = lock(&self.link);
                let chunks = inner.offline.drain();
                if chunks.is_empty() {
                    inner.sender = Some(sender.clone());
                    inner.generation += 1;
                    break;
                }
                chunks
            };
            let total = chunks.len();
            for (sent, chunk) in chunks.iter().enumerate() {
                if let Err(error) = sender.send(&ClientEvent::append_audio(chunk)).await {
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

    /// Forgets what belonged to the previous connection.
    fn reset_connection_state(&mut self) {
        self.gate = ResponseGate::default();
        self.audio_item = None;
        self.pending_assistant_item = None;
        self.assistant_audio_seen = false;
        self.user_speaking = false;
        self.transcripts.clear();
        self.silenced_items.clear();
        for item in self.recent_audio_items.drain(..) {
            self.playback.forget(&item);
        }
    }

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
            Command::Close | Command::ReportDrops => {}
        }
    }

    async fn on_server_event(&mut self, event: ServerEvent, tools: &mut JoinSet<ToolOutcome>) {
        match &event {
            ServerEvent::ResponseCreated(_) => self.gate.on_created(),
            ServerEvent::SessionCreated(created) => self.on_session_created(created),
            ServerEvent::SpeechStopped(_) | ServerEvent::InputAudioBufferCommitted(_) => {
                self.user_speaking = false;
            }
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
                        self.track_audio_item(&delta.item_id);
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
                if !self.transcripts.contains_key(&delta.item_id)
                    && self.transcripts.len() >= MAX_TRACKED_ITEMS
                {
                    // Deltas for many items that never finish: forget them.
                    self.transcripts.clear();
                }
                let entry = self.transcripts.entry(delta.item_id.clone()).or_default();
                if entry.0.len() + delta.delta.len() <= MAX_TRANSCRIPT_BYTES {
                    entry.0.push_str(&delta.delta);
                }
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
            ServerEvent::SpeechStarted(_) => {
                self.user_speaking = true;
                self.on_barge_in().await;
            }
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
                // The response's items are finished: their transcripts are not needed.
                self.transcripts.clear();
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
                let reported = match classify_server_code(&code) {
                    Some(kind) => {
                        tracing::error!(code, %kind, "fatal server error; the session will not reconnect");
                        self.fatal = true;
                        AgentError::Fatal {
                            provider: self.provider,
                            kind,
                            detail: format!("{code}: {}", error.message),
                        }
                    }
                    None => AgentError::Server {
                        provider: self.provider,
                        code,
                        message: error.message.clone(),
                        param: error.param.as_option().cloned(),
                    },
                };
                self.emit(AgentEvent::Error(reported)).await;
            }
            _ => {}
        }
        self.emit(AgentEvent::Raw(Box::new(event))).await;
    }

    /// Remembers an assistant audio item; the tracker forgets the older ones.
    fn track_audio_item(&mut self, item_id: &str) {
        if self.recent_audio_items.back().map(String::as_str) == Some(item_id) {
            return;
        }
        self.recent_audio_items.push_back(item_id.to_owned());
        while self.recent_audio_items.len() > RECENT_AUDIO_ITEMS {
            if let Some(old) = self.recent_audio_items.pop_front() {
                self.playback.forget(&old);
            }
        }
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
        self.silenced_items.insert(item_id);
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
            self.silenced_items.insert(item_id);
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
            self.silenced_items.insert(item_id);
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
        if !self.seen_calls.insert(&call_id) {
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
        if self.pending_calls.len() + self.awaiting_approval.len() >= MAX_PENDING_CALLS {
            tracing::warn!(tool = name, "too many tool calls at once; failing this one");
            let message = format!("too many tool calls at once (at most {MAX_PENDING_CALLS})");
            self.on_tool_done(ToolOutcome {
                call_id,
                tool: name,
                result: Err(ToolError::Failed(message)),
            })
            .await;
            return;
        }
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
