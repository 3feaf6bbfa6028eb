//! [`AgentRunner`]: builds an agent session and starts the tokio driver of its
//! [`AgentMachine`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

use super::definition::Agent;
use super::event::AgentError;
use super::history::History;
use super::machine::{
    AgentMachine, DEFAULT_MAX_HISTORY, DEFAULT_MAX_HISTORY_BYTES, DEFAULT_TOOL_TIMEOUT,
    MachineConfig,
};
use super::reconnect::{Jitter, OfflineAudio, ReconnectPolicy, RotationPolicy};
use super::run_loop::Driver;
use super::session::{AgentSession, LinkInner};
use super::tool::SharedState;
use crate::audio::PlaybackTracker;
use crate::client::RealtimeClient;
use crate::protocol::{AudioFormat, SessionConfig};

/// Default amount of microphone audio kept while disconnected.
pub const DEFAULT_OFFLINE_AUDIO: Duration = Duration::from_secs(2);

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
    max_history_bytes: usize,
    offline_audio: Duration,
    state: SharedState,
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
            max_history_bytes: DEFAULT_MAX_HISTORY_BYTES,
            offline_audio: DEFAULT_OFFLINE_AUDIO,
            state: SharedState::default(),
        }
    }

    /// The application state tools, guardrails and handoff hooks receive (a
    /// [`ToolContext<T>`](crate::agent::ToolContext) for tools made with
    /// [`AgentTool::with_context`](crate::agent::AgentTool::with_context) or `#[tool]`).
    /// Every tool and guardrail that reads a state must read this `T`: checked when the
    /// session starts.
    ///
    /// ```no_run
    /// # async fn demo(client: realtime_core::client::RealtimeClient) -> Result<(), realtime_core::agent::AgentError> {
    /// use realtime_core::agent::{Agent, AgentRunner, AgentTool, ToolContext, ToolError};
    /// use schemars::JsonSchema;
    /// use serde::Deserialize;
    ///
    /// struct Crm { vip: Vec<String> }
    ///
    /// #[derive(Deserialize, JsonSchema)]
    /// struct Caller { name: String }
    ///
    /// let is_vip = AgentTool::with_context("is_vip", "Whether the caller is a VIP.", |args: Caller, ctx: ToolContext<Crm>| async move {
    ///     Ok::<_, ToolError>(ctx.state().vip.contains(&args.name))
    /// });
    /// let desk = Agent::new("desk").tool(is_vip);
    /// let session = AgentRunner::new(client, desk)
    ///     .context(Crm { vip: vec!["Ada".into()] })
    ///     .start()
    ///     .await?;
    /// # drop(session);
    /// # Ok(())
    /// # }
    /// ```
    pub fn context<T: Send + Sync + 'static>(mut self, state: T) -> Self {
        self.state = SharedState::new(state);
        self
    }

    /// [`context`](Self::context) with a state the app keeps a handle on too.
    pub fn context_arc<T: Send + Sync + 'static>(mut self, state: Arc<T>) -> Self {
        self.state = SharedState::from_arc(state);
        self
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

    /// Most bytes of history text kept, and replayed after a reconnect (default
    /// [`DEFAULT_MAX_HISTORY_BYTES`]); the oldest entries go first.
    pub fn max_history_bytes(mut self, bytes: usize) -> Self {
        self.max_history_bytes = bytes;
        self
    }

    /// How much microphone audio (in the session's input format) is kept while
    /// disconnected, to send after the reconnect (default [`DEFAULT_OFFLINE_AUDIO`]).
    pub fn offline_audio(mut self, duration: Duration) -> Self {
        self.offline_audio = duration;
        self
    }

    /// Checks every agent against the provider's dialect, connects, and starts the
    /// session: the starting agent's settings are applied and the history seeded
    /// before anything else is sent.
    ///
    /// # Errors
    /// [`AgentError::UnknownAgent`] for a handoff to an agent that is not registered;
    /// [`AgentError::InvalidAgent`] for an agent the provider would refuse (a voice,
    /// format or tool its dialect cannot send; an invalid or duplicate tool name);
    /// [`AgentError::Client`] when connecting fails.
    pub async fn start(self) -> Result<AgentSession, AgentError> {
        let history = self
            .history
            .with_limit(self.max_history)
            .with_byte_limit(self.max_history_bytes);
        let dialect = self.client.dialect();
        let mut config = MachineConfig::new(Arc::clone(dialect), Agent::new(""));
        config.agents = self.agents;
        config.start = self.start;
        config.base = self.base.clone();
        config.history = history;
        config.tool_timeout = self.tool_timeout;
        config.reconnect = self.reconnect;
        config.rotation = self.rotation;
        config.raw_events = self.raw_events;
        config.jitter = Jitter::from_time();
        config.state = self.state;
        let machine = AgentMachine::new(config)?;

        let session = self.client.connect().await?;
        let (sender, stream) = session.split();
        let provider = sender.dialect().provider();

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
        let link = Arc::new(Mutex::new(LinkInner {
            // The app's audio waits in the buffer until the settings are applied.
            sender: None,
            generation: 0,
            offline: OfflineAudio::new(offline_bytes),
            final_history: None,
        }));
        let (events_tx, events_rx) = mpsc::channel(self.event_capacity);
        let (commands_tx, commands_rx) = mpsc::channel(64);
        let driver = Driver::new(
            machine,
            self.client,
            sender,
            Arc::clone(&link),
            playback.clone(),
            events_tx,
            commands_tx.downgrade(),
        );
        let task = tokio::spawn(driver.run(Some(stream), commands_rx));
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
