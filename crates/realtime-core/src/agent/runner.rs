//! [`AgentRunner`] and [`AgentSession`]: the async agent loop.
//!
//! One task per session owns the event stream. It decides with the pure functions of
//! [`super::decide`], runs tools in a `JoinSet` (each in its own task, so a panic or
//! a timeout is contained), and sends app-facing [`AgentEvent`]s on a bounded
//! channel: when the app falls behind, the loop waits for it (nothing is dropped).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

use super::decide::ResponseGate;
use super::definition::Agent;
use super::event::AgentError;
use super::history::History;
use super::reconnect::{BoundedSet, OfflineAudio, ReconnectPolicy, RotationPolicy, replay_items};
use super::run_loop::{LoopState, run_loop};
use super::session::{AgentSession, LinkInner};
use crate::audio::PlaybackTracker;
use crate::client::RealtimeClient;
use crate::protocol::{AudioFormat, ClientEvent, Nullable, SessionConfig, TurnDetection, Voice};

/// Default time a tool may run before its call fails with a timeout.
pub const DEFAULT_TOOL_TIMEOUT: Duration = Duration::from_secs(30);

/// Default bound on the history (entries kept, and replayed after a reconnect).
pub const DEFAULT_MAX_HISTORY: usize = 1_000;

/// Default amount of microphone audio kept while disconnected.
pub const DEFAULT_OFFLINE_AUDIO: Duration = Duration::from_secs(2);

/// Items the loop tracks per kind (transcripts, silenced items, seen calls) before it
/// forgets the oldest: nothing the server sends grows the loop without bound.
pub(super) const MAX_TRACKED_ITEMS: usize = 256;
/// Longest assistant transcript kept per item for guardrails, in bytes.
pub(super) const MAX_TRANSCRIPT_BYTES: usize = 256 * 1024;
/// Tool calls running or awaiting approval at once; further calls fail at once.
pub(super) const MAX_PENDING_CALLS: usize = 128;
/// App commands held while reconnecting; beyond, the app waits (bounded channel).
pub(super) const MAX_DEFERRED_COMMANDS: usize = 64;
/// Assistant audio items the playback tracker remembers.
pub(super) const RECENT_AUDIO_ITEMS: usize = 4;
/// Delay before a failed session rotation is tried again.
pub(super) const ROTATION_RETRY: Duration = Duration::from_secs(5);

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
/// dropped and reported as [`AgentEvent::AudioDropped`](crate::agent::AgentEvent::AudioDropped)). The app sees
/// [`AgentEvent::Disconnected`](crate::agent::AgentEvent::Disconnected) and [`AgentEvent::Reconnected`](crate::agent::AgentEvent::Reconnected). Failures no retry can
/// fix end the session with [`AgentError::Fatal`]. Before the provider's session time
/// limit the session moves to a fresh connection between turns
/// ([`RotationPolicy`], [`AgentEvent::SessionRotated`](crate::agent::AgentEvent::SessionRotated)).
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
    raw_events: bool,
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
            raw_events: false,
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

    /// Also delivers every server event as [`AgentEvent::Raw`](crate::agent::AgentEvent::Raw)
    /// (off by default: it doubles the traffic on the event channel).
    pub fn raw_events(mut self, enabled: bool) -> Self {
        self.raw_events = enabled;
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
            raw_events: self.raw_events,
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
pub(super) fn full_config(
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
