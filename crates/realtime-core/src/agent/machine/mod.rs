//! [`AgentMachine`]: every decision of an agent session as a pure state machine, in
//! the manner of quinn-proto's `Connection`.
//!
//! The machine holds no socket, no task, no channel and no clock. The caller hands it
//! [`Input`]s (server events, app commands, tool completions, connection changes),
//! each with the current time `now`, and polls [`Action`]s out of it (send a client
//! event, emit an [`AgentEvent`], start or cancel a tool, connect). It tells when it
//! next wants to be woken ([`AgentMachine::poll_timeout`]); the caller then calls
//! [`AgentMachine::handle_timeout`]. With the `runtime` feature, `AgentRunner` is
//! the tokio driver that does exactly this over a WebSocket; anything else (another
//! runtime, a simulation with virtual time) can drive it the same way.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Instant;
//! use realtime_core::agent::Agent;
//! use realtime_core::agent::machine::{Action, AgentMachine, Command, Input, MachineConfig};
//! use realtime_core::dialect::GenericDialect;
//! use realtime_core::wire::WireShape;
//!
//! let config = MachineConfig::new(Arc::new(GenericDialect::new(WireShape::Ga)), Agent::new("desk").instructions("Be brief."));
//! let mut machine = AgentMachine::new(config)?;
//! let now = Instant::now(); // the caller's clock, handed in
//! machine.handle(now, Input::Connected { unix_time: 1_800_000_000 });
//! machine.handle(now, Input::Command(Command::SendText("Hello".into())));
//! let mut sent = Vec::new();
//! while let Some(action) = machine.poll_action() {
//!     if let Action::Send(event) = action {
//!         sent.push(event.event_type().to_owned());
//!     }
//! }
//! assert_eq!(sent, ["session.update", "conversation.item.create", "response.create"]);
//! # Ok::<(), realtime_core::agent::AgentError>(())
//! ```
//!
//! # App commands
//!
//! Besides the conversation ([`Command::SendText`], [`Command::Respond`], ...), the
//! app steers the session with [`Command::RespondWith`] (settings for one response),
//! [`Command::HandoffTo`], [`Command::UpdateAgent`] and [`Command::Interrupt`] (the
//! barge-in path). A running tool's reports come in as [`Command::ToolProgress`]: a
//! status becomes `AgentEvent::ToolProgress`; a spoken filler becomes a
//! `response.create` without tools, sent only when no other response is in flight or
//! wanted and while the call still runs (a filler overtaken by the tool's output is
//! dropped), so it never adds a second response in flight.
//!
//! # Invariants
//!
//! These hold after every input, in every interleaving; the property tests
//! (`crates/realtime-core/tests/machine_properties.rs`) check them after each step,
//! app commands of every kind included.
//!
//! 1. **One response at a time, never wedged.** At most one `response.create` is in
//!    flight. A requested response is always sent eventually: after the one in flight
//!    is done, after an `error` that answers it (with its event id, or with none), after
//!    an undecodable `response.done`, after a reconnect, or when the server leaves it
//!    unanswered for [`RESPONSE_CREATE_TIMEOUT`] (or an active response silent for
//!    [`RESPONSE_IDLE_TIMEOUT`]).
//! 2. **Barge-in acts on what the user hears.** It truncates the item being heard at
//!    min(played, received), deletes items announced or received but not yet heard,
//!    and never touches an item that finished playing. The `Interrupted` event names
//!    the item that was being heard.
//! 3. **Each call answered once.** Every function call gets exactly one output and a
//!    tool runs at most once per `call_id`, whatever the number of calls, their order,
//!    duplicates, and reconnects. A call belongs to the agent active when its response
//!    began; a handoff takes effect after the response's calls are dispatched. The one
//!    exception is a response that answers a turn an input guardrail stopped: its
//!    calls are deleted with it and never run. Progress a tool reports after its
//!    output was given is dropped.
//! 4. **Handoffs are atomic.** The events that switch to the new agent
//!    ([`Dialect::switch_agent`]: one
//!    `session.update` on most providers) are encoded first; if the dialect refuses
//!    them, the model gets an error output, no `Handoff` event is
//!    emitted and the agent stays. A handoff's typed input is checked before that, the
//!    same way. Every agent is validated against the dialect when the machine is made,
//!    and so is every agent given later ([`Command::UpdateAgent`]). A handoff the app
//!    asks for ([`Command::HandoffTo`]) is the same switch (hook, input filter,
//!    events), taken when no response is in progress.
//! 5. **Nothing follows a refusal.** Input the dialect refuses is reported as
//!    [`AgentError::Refused`], is not added to the history, and no `response.create`
//!    follows it; response overrides ([`Command::RespondWith`]) are checked the same
//!    way before anything is queued. [`AgentMachine::check`] answers the same question
//!    without changing anything.
//! 6. **Guardrails remove what they stop.** A tripped output guardrail truncates the
//!    item's audio where it has audio, deletes it where it has none, and the
//!    `GuardrailTripped` event says which. A tripped input guardrail deletes the
//!    user's item, keeps it out of the history, cancels the response that answers it
//!    (the one in progress, or the next one the server starts on its own before the
//!    user speaks again) and deletes that response's output; nothing asks for a
//!    response until the app does.
//! 7. **Rotation is bounded.** At most once per connection, and only for a server
//!    expiry that is a valid future time beyond the margin, judged against the
//!    server's clock where the frame carries one. A connection that dies young does
//!    not reset the reconnect budget.

mod calls;
mod commands;
mod connection;
mod control;
#[cfg(test)]
mod control_tests;
mod gate;
mod guardrails;
mod hold;
mod metrics;
mod playback;
mod server;
mod spans;
mod tools;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use calls::{MAX_ANSWERED_ID_BYTES, MAX_QUEUED_ARGUMENT_BYTES, MAX_RUNNING_TOOLS};
pub use connection::ROTATION_RETRY;
pub use control::MAX_QUEUED_OVERRIDES;
pub use gate::{RESPONSE_CREATE_TIMEOUT, RESPONSE_IDLE_TIMEOUT, ResponseGate};
pub use hold::{HOLD_TIMEOUT, MAX_HELD_BYTES};
pub use tools::MAX_TOOL_ARGUMENT_BYTES;

use self::calls::CallLedger;
use self::connection::Connection;
use self::hold::Hold;
use self::metrics::MetricsLedger;
use self::playback::PlaybackLedger;
use self::spans::Spans;
use super::definition::Agent;
use super::event::{AgentError, AgentEvent};
use super::history::History;
use super::overrides::ResponseOverrides;
use super::reconnect::{BoundedSet, Fatal, Jitter, ReconnectPolicy, RotationPolicy};
use super::tool::{AgentTool, SharedState, ToolError, ToolProgress};
use crate::dialect::Dialect;
use crate::protocol::{
    AudioFormat, ClientEvent, ContentPart, Nullable, ResponseConfig, SessionConfig, TurnDetection,
    Voice,
};

/// Default time a tool may run before its call fails with a timeout.
pub const DEFAULT_TOOL_TIMEOUT: Duration = Duration::from_secs(30);
/// Default bound on the history (entries kept, and replayed after a reconnect).
pub const DEFAULT_MAX_HISTORY: usize = 1_000;
/// Default bound on the history's text, in bytes (kept, and replayed after a reconnect).
pub const DEFAULT_MAX_HISTORY_BYTES: usize = 1024 * 1024;
/// Items tracked per kind (transcripts, silenced items) before the oldest are forgotten.
pub(crate) const MAX_TRACKED_ITEMS: usize = 256;
/// Longest assistant transcript kept per item for guardrails, in bytes.
pub(crate) const MAX_TRANSCRIPT_BYTES: usize = 256 * 1024;
/// App commands held while disconnected; further ones are refused with an error.
pub const MAX_DEFERRED_COMMANDS: usize = 64;

/// An app command: what the app asks of the session.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Command {
    /// Add a user text message and ask for a response.
    SendText(String),
    /// Add a user message of any content and ask for a response.
    SendContent(Vec<ContentPart>),
    /// Commit the input audio buffer and ask for a response (push-to-talk).
    CommitAudio,
    /// Ask for a response without new input (the agent speaks first, or again).
    Respond,
    /// Approve or reject a call announced by `AgentEvent::ApprovalRequested`.
    Approve {
        /// The call.
        call_id: String,
        /// The decision.
        approved: bool,
    },
    /// The app's speaker has played `played_ms` of `item_id` in total.
    Played {
        /// The assistant item.
        item_id: String,
        /// Milliseconds played.
        played_ms: u64,
    },
    /// Stop the assistant now, as a barge-in would (push-to-talk, a stop button).
    Interrupt,
    /// Ask for a response with these settings for that response only (checked
    /// against the active agent and the dialect: refused, nothing is sent).
    RespondWith(ResponseOverrides),
    /// Make this agent the active one, as a handoff by the model would (atomic, see
    /// invariant 4); while a response runs, it takes effect when the response ends.
    /// No response is asked for.
    HandoffTo(String),
    /// Replace the definition of the agent with this name (or add it), checked like
    /// every agent; when it is the active agent, its settings are sent at once.
    UpdateAgent(Box<Agent>),
    /// A running tool reports progress (the driver forwards
    /// [`ToolContext::progress`](crate::agent::ToolContext::progress) and
    /// [`ToolContext::say`](crate::agent::ToolContext::say)). Reports of calls that
    /// were already answered are dropped.
    ToolProgress {
        /// The call.
        call_id: String,
        /// What it reports.
        progress: ToolProgress,
    },
    /// End the session.
    Close,
}

/// An input to the machine.
// `Server` is the large variant and the common one: boxing it would add an
// allocation per server event to save a copy of a few hundred bytes.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
#[non_exhaustive]
pub enum Input {
    /// A connection is up (the first one, or after [`Action::Connect`]). The machine
    /// answers with the agent's `session.update`, the history replay, and
    /// [`Action::ConnectionReady`].
    Connected {
        /// The client's wall clock, in seconds since the Unix epoch: used to judge a
        /// server expiry only when no frame carries the server's own clock.
        unix_time: i64,
    },
    /// A decoded server event.
    Server(crate::protocol::ServerEvent),
    /// A server frame that could not be decoded (its `type`, when it had one).
    Undecodable {
        /// The frame's `type`.
        event_type: Option<String>,
    },
    /// An app command.
    Command(Command),
    /// A tool started by [`Action::StartTool`] finished.
    ToolFinished {
        /// The call.
        call_id: String,
        /// Its output, or why there is none.
        result: Result<String, ToolError>,
    },
    /// The connection is gone (or a connect attempt failed).
    ConnectionLost(Disconnect),
}

/// Why a connection ended or could not be made, as far as the machine cares.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Disconnect {
    /// No retry can fix it (bad key, unknown deployment).
    pub fatal: Option<Fatal>,
    /// The server asked to wait this long (`Retry-After`).
    pub retry_after: Option<Duration>,
}

impl Disconnect {
    /// A retryable loss.
    pub fn retryable() -> Self {
        Self::default()
    }

    /// A loss no retry can fix.
    pub fn fatal(fatal: Fatal) -> Self {
        Self {
            fatal: Some(fatal),
            retry_after: None,
        }
    }

    /// With the server's `Retry-After`.
    #[must_use]
    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }
}

/// A tool to run: the caller runs `tool` with `arguments` and reports
/// [`Input::ToolFinished`]. The machine enforces the timeout itself.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ToolStart {
    /// The call.
    pub call_id: String,
    /// The tool.
    pub tool: AgentTool,
    /// The JSON arguments.
    pub arguments: String,
    /// The agent whose tool it is.
    pub agent: String,
    /// The history when the call started (for [`ToolContext::history`](crate::agent::ToolContext::history)).
    pub history: History,
    /// The application state.
    pub state: SharedState,
}

/// Why the session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndReason {
    /// The app closed it.
    Closed,
    /// A failure no retry can fix (already emitted as `AgentError::Fatal`).
    Fatal,
    /// Every reconnect attempt failed.
    GaveUp {
        /// Attempts made.
        attempts: u32,
    },
    /// The provider ended the session itself and said why
    /// ([`Dialect::session_ended`]; already emitted as
    /// [`AgentEvent::SessionEnded`]).
    ServerEnded {
        /// The provider's reason, as sent (e.g. `expired`, `content`).
        reason: String,
    },
}

/// An action for the caller to carry out, in order.
#[derive(Debug)]
#[non_exhaustive]
pub enum Action {
    /// Send this client event on the connection. It was already checked against the
    /// dialect: it encodes.
    Send(ClientEvent),
    /// Deliver this event to the app.
    Emit(AgentEvent),
    /// Run a tool.
    StartTool(Box<ToolStart>),
    /// Stop a running tool: its output was already given (timeout).
    CancelTool {
        /// The call.
        call_id: String,
    },
    /// The connection was lost: attempt number `attempt` follows after `after`
    /// (the machine asks with [`Action::Connect`] when the time comes).
    Reconnecting {
        /// The attempt (1-based).
        attempt: u32,
        /// The delay before it.
        after: Duration,
    },
    /// Open a new connection and report [`Input::Connected`] or
    /// [`Input::ConnectionLost`]. `rotation`: the current connection still works and
    /// is replaced between turns; close it once the new one is up.
    Connect {
        /// A rotation rather than a reconnect.
        rotation: bool,
    },
    /// The connection is set up (settings applied, history replayed): app audio
    /// buffered while offline may flow now.
    ConnectionReady,
    /// The session is over; stop.
    End(EndReason),
}

/// What an [`AgentMachine`] is made from.
#[derive(Debug, Clone)]
#[must_use]
#[non_exhaustive]
pub struct MachineConfig {
    /// The dialect events are checked against.
    pub dialect: Arc<dyn Dialect>,
    /// Every agent, by name.
    pub agents: HashMap<String, Agent>,
    /// The starting agent.
    pub start: String,
    /// Settings shared by every agent.
    pub base: SessionConfig,
    /// The history to seed the conversation with.
    pub history: History,
    /// Timeout of tools that set none.
    pub tool_timeout: Duration,
    /// Reconnect policy.
    pub reconnect: ReconnectPolicy,
    /// Rotation policy.
    pub rotation: RotationPolicy,
    /// Also emit every server event as `AgentEvent::Raw`.
    pub raw_events: bool,
    /// Jitter source for reconnect delays (seeded in tests).
    pub jitter: Jitter,
    /// The application state given to tools, guardrails and handoff hooks.
    pub state: SharedState,
}

impl MachineConfig {
    /// A configuration with one agent and the defaults.
    pub fn new(dialect: Arc<dyn Dialect>, agent: Agent) -> Self {
        let start = agent.name().to_owned();
        Self {
            dialect,
            agents: HashMap::from([(start.clone(), agent)]),
            start,
            base: SessionConfig::new(),
            history: History::new(),
            tool_timeout: DEFAULT_TOOL_TIMEOUT,
            reconnect: ReconnectPolicy::default(),
            rotation: RotationPolicy::default(),
            raw_events: false,
            jitter: Jitter::seeded(0x5EED),
            state: SharedState::default(),
        }
    }

    /// Sets the application state.
    pub fn state(mut self, state: SharedState) -> Self {
        self.state = state;
        self
    }

    /// Adds another agent (a handoff target).
    pub fn agent(mut self, agent: Agent) -> Self {
        self.agents.insert(agent.name().to_owned(), agent);
        self
    }

    /// Sets the shared settings.
    pub fn base(mut self, base: SessionConfig) -> Self {
        self.base = base;
        self
    }

    /// Sets the reconnect policy.
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.reconnect = policy;
        self
    }

    /// Sets the rotation policy.
    pub fn rotation(mut self, policy: RotationPolicy) -> Self {
        self.rotation = policy;
        self
    }

    /// Sets the tool timeout.
    pub fn tool_timeout(mut self, timeout: Duration) -> Self {
        self.tool_timeout = timeout;
        self
    }

    /// Seeds the history.
    pub fn history(mut self, history: History) -> Self {
        self.history = history;
        self
    }
}

/// The per-response view of assistant output.
#[derive(Debug, Default)]
struct Turn {
    /// Speech started and has not stopped.
    user_speaking: bool,
    /// The agent active when the current response began.
    response_agent: Option<String>,
    /// Assistant messages announced in the current response, with no audio yet.
    announced: Vec<String>,
    /// `phase` of assistant messages (gpt-realtime-2.x), by item.
    phases: HashMap<String, String>,
    /// Assistant transcript so far per item, and the length last checked.
    transcripts: HashMap<String, (String, usize)>,
    /// Items whose further output is dropped (interrupted or tripped).
    silenced: BoundedSet,
    /// Whether the conversation holds assistant audio (voice changes may be refused).
    assistant_audio_seen: bool,
    /// An input guardrail tripped before the server started its response to the
    /// turn: the next response the server starts on its own is cancelled.
    suppress_next: bool,
    /// `suppress_next` applies to the response our own pending `response.create`
    /// starts (the trip came while it was on its way).
    suppress_own: bool,
    /// The active response answers a turn an input guardrail stopped: its output is
    /// deleted as it comes and its calls are not run.
    suppressing: bool,
}

/// The agent state machine. See the [module docs](self) for its inputs, outputs and
/// invariants.
#[derive(Debug)]
pub struct AgentMachine {
    dialect: Arc<dyn Dialect>,
    provider: &'static str,
    agents: Arc<HashMap<String, Agent>>,
    base: SessionConfig,
    current: String,
    current_voice: Option<Voice>,
    history: History,
    tool_timeout: Duration,
    raw_events: bool,
    server_auto_cancels: bool,
    gate: ResponseGate,
    playback: PlaybackLedger,
    calls: CallLedger,
    turn: Turn,
    connection: Connection,
    /// Tool outputs were sent (or are owed) and a follow-up response is due once
    /// every call of the turn is answered.
    follow_up: bool,
    deferred: VecDeque<Command>,
    /// Overrides for the next responses the machine asks for (`RespondWith`), oldest first.
    overrides: VecDeque<ResponseConfig>,
    /// A spoken filler for a running call, sent when no response is in flight or wanted.
    filler: Option<(String, ResponseConfig)>,
    /// A handoff the app asked for while a response ran.
    requested_handoff: Option<String>,
    /// The input of the handoff that made the current agent active.
    handoff_input: Option<serde_json::Value>,
    state: SharedState,
    server_creates_responses: bool,
    next_event_id: u64,
    metrics: MetricsLedger,
    /// Assistant output waiting for the user's transcript to pass the input guardrails.
    hold: Option<Hold>,
    /// The session transcribes the user's audio (input guardrails can check it).
    transcribes: bool,
    spans: Spans,
    actions: VecDeque<Action>,
    ended: bool,
}

impl AgentMachine {
    /// Makes a machine, validating every agent against the dialect: each agent's
    /// full `session.update` must encode (voices, formats, tools), tool names must be
    /// non-empty and unique per agent, and every handoff target must exist.
    ///
    /// # Errors
    /// [`AgentError::UnknownAgent`] or [`AgentError::InvalidAgent`].
    pub fn new(config: MachineConfig) -> Result<Self, AgentError> {
        let MachineConfig {
            dialect,
            agents,
            start,
            base,
            history,
            tool_timeout,
            reconnect,
            rotation,
            raw_events,
            jitter,
            state,
        } = config;
        let Some(first) = agents.get(&start) else {
            return Err(AgentError::UnknownAgent(start));
        };
        let current_voice = first
            .voice_setting()
            .cloned()
            .or_else(|| base.voice.clone());
        let mut names: Vec<&String> = agents.keys().collect();
        names.sort();
        for name in names {
            let agent = &agents[name];
            validate_agent(
                agent,
                &agents,
                &base,
                current_voice.as_ref(),
                dialect.as_ref(),
                &state,
            )?;
        }
        let format = base.output_audio_format.unwrap_or(AudioFormat::PCM16_24K);
        let server_auto_cancels = server_auto_cancels(&base.turn_detection);
        let server_creates_responses = server_creates_responses(&base.turn_detection);
        let spans = Spans::new(dialect.provider(), dialect.name(), &start);
        let transcribes = matches!(base.input_audio_transcription, Nullable::Value(_));
        Ok(Self {
            provider: dialect.provider(),
            dialect,
            agents: Arc::new(agents),
            base,
            current: start,
            current_voice,
            history,
            tool_timeout,
            raw_events,
            server_auto_cancels,
            gate: ResponseGate::default(),
            playback: PlaybackLedger::new(format),
            calls: CallLedger::default(),
            turn: Turn {
                silenced: BoundedSet::new(MAX_TRACKED_ITEMS),
                ..Turn::default()
            },
            connection: Connection::new(reconnect, rotation, jitter),
            follow_up: false,
            deferred: VecDeque::new(),
            overrides: VecDeque::new(),
            filler: None,
            requested_handoff: None,
            handoff_input: None,
            state,
            server_creates_responses,
            next_event_id: 0,
            metrics: MetricsLedger::default(),
            hold: None,
            transcribes,
            spans,
            actions: VecDeque::new(),
            ended: false,
        })
    }

    /// Handles one input at `now`.
    pub fn handle(&mut self, now: Instant, input: Input) {
        if self.ended {
            return;
        }
        match input {
            Input::Connected { unix_time } => self.on_connected(now, unix_time),
            // Frames of a connection already given up on change nothing.
            Input::Server(_) | Input::Undecodable { .. } if !self.connection.is_online() => {
                tracing::debug!("server input while offline ignored");
            }
            Input::Server(event) => self.on_server_event(now, event),
            Input::Undecodable { event_type } => self.on_undecodable(now, event_type.as_deref()),
            Input::Command(command) => self.on_command(now, command),
            Input::ToolFinished { call_id, result } => self.on_tool_finished(now, &call_id, result),
            Input::ConnectionLost(disconnect) => self.on_connection_lost(now, disconnect),
        }
        self.after_input(now);
    }

    /// The next action to carry out.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.ended {
            return None;
        }
        [
            self.gate.deadline(),
            self.hold_deadline(),
            self.calls.next_deadline(),
            self.connection.next_deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Handles the timers due at `now`: unanswered response requests, tool
    /// timeouts, reconnect delays, rotation.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.ended {
            return;
        }
        let was_active = self.gate.active();
        if let Some(deadline) = self.gate.deadline()
            && now >= deadline
        {
            let release = self.gate.on_timeout(now);
            let provider = self.provider;
            let detail = if was_active {
                "the response went silent; it is taken as lost"
            } else {
                "response.create went unanswered; it is taken as lost"
            };
            tracing::warn!(detail);
            self.emit(AgentEvent::Error(AgentError::Protocol {
                provider,
                detail: detail.to_owned(),
            }));
            if release {
                self.request_response(now);
            }
        }
        for call_id in self.calls.expired(now) {
            self.on_tool_timeout(now, &call_id);
        }
        self.hold_timers(now);
        self.connection_timers(now);
        self.after_input(now);
    }

    /// The history as the machine keeps it.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The active agent.
    pub fn current_agent(&self) -> &str {
        &self.current
    }

    /// Whether the session ended.
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// Whether a response is in flight.
    pub fn response_in_flight(&self) -> bool {
        self.gate.busy()
    }

    /// Whether a response is wanted and not yet sent (waiting for the one in flight,
    /// for tool outputs, or for the connection).
    pub fn wants_response(&self) -> bool {
        self.gate.pending() || self.follow_up
    }

    /// Tool calls not yet answered (running, queued, awaiting approval, handoffs).
    pub fn calls_outstanding(&self) -> usize {
        self.calls.live_count()
    }

    /// Replaces the dialect events are checked against (the client switched dialect
    /// after detecting what the server speaks).
    pub fn set_dialect(&mut self, dialect: Arc<dyn Dialect>) {
        self.dialect = dialect;
    }

    fn emit(&mut self, event: AgentEvent) {
        if let Some(event) = self.held(event) {
            self.actions.push_back(Action::Emit(event));
        }
    }

    /// Queues `event` if the dialect can encode it.
    fn try_send(&mut self, event: ClientEvent) -> Result<(), crate::error::EncodeError> {
        self.dialect.encode(&event)?;
        self.actions.push_back(Action::Send(event));
        Ok(())
    }

    /// Queues `event`, reporting a refusal as an error event.
    fn send(&mut self, event: ClientEvent) {
        let event_type = event.event_type().to_owned();
        if let Err(source) = self.try_send(event) {
            tracing::warn!(%source, event_type, "the dialect refused an event");
            let provider = self.provider;
            self.emit(AgentEvent::Error(AgentError::Refused {
                provider,
                what: event_type,
                source: Box::new(source),
            }));
        }
    }

    fn agent(&self, name: &str) -> Option<&Agent> {
        self.agents.get(name)
    }

    fn request_response(&mut self, now: Instant) {
        if !self.connection.is_online() {
            // Asked for again once connected.
            self.follow_up = true;
            return;
        }
        self.next_event_id += 1;
        let event_id = format!("evt_agent_{}", self.next_event_id);
        if self.gate.request(&event_id, now) {
            self.metrics.requested(now);
            // The app's overrides go with the next response the machine asks for.
            let response = self.overrides.pop_front().map(Box::new);
            self.send(ClientEvent::ResponseCreate {
                event_id: Some(event_id),
                response,
            });
            if !self.overrides.is_empty() {
                self.gate.want_another();
            }
        }
    }

    /// After tool outputs: one `response.create` once every call of the turn is
    /// answered and the response that made the calls is done.
    fn maybe_follow_up(&mut self, now: Instant) {
        if self.follow_up
            && !self.calls.tools_outstanding()
            && self.calls.pending_handoff().is_none()
            && !self.gate.active()
            && self.connection.is_online()
        {
            self.follow_up = false;
            self.request_response(now);
        }
    }

    fn after_input(&mut self, now: Instant) {
        self.start_queued_tools(now);
        self.maybe_send_filler(now);
        self.maybe_rotate(now);
    }
}

/// Whether the server cancels the response itself when the user starts speaking.
fn server_auto_cancels(turn_detection: &Nullable<TurnDetection>) -> bool {
    match turn_detection {
        Nullable::Null => false,
        Nullable::Absent => true,
        Nullable::Value(TurnDetection::ServerVad(vad)) => vad.interrupt_response != Some(false),
        Nullable::Value(TurnDetection::SemanticVad(vad)) => vad.interrupt_response != Some(false),
        Nullable::Value(TurnDetection::Other(map)) => {
            map.get("interrupt_response")
                .and_then(serde_json::Value::as_bool)
                != Some(false)
        }
    }
}

/// Whether the server starts a response itself when the user's turn ends.
fn server_creates_responses(turn_detection: &Nullable<TurnDetection>) -> bool {
    match turn_detection {
        Nullable::Null => false,
        Nullable::Absent => true,
        Nullable::Value(TurnDetection::ServerVad(vad)) => vad.create_response != Some(false),
        Nullable::Value(TurnDetection::SemanticVad(vad)) => vad.create_response != Some(false),
        Nullable::Value(TurnDetection::Other(map)) => {
            map.get("create_response")
                .and_then(serde_json::Value::as_bool)
                != Some(false)
        }
    }
}

/// The base settings with the agent's instructions, tools and `voice`.
pub(crate) fn full_config(
    base: &SessionConfig,
    agent: &Agent,
    history: &History,
    voice: Option<Voice>,
    handoff_input: Option<&serde_json::Value>,
) -> SessionConfig {
    let mut config = base.clone();
    let update = agent.session_update_with(history, handoff_input);
    config.instructions = update.instructions;
    config.tools = update.tools;
    config.tool_choice = update.tool_choice;
    if update.reasoning.is_some() {
        config.reasoning = update.reasoning;
    }
    if update.parallel_tool_calls.is_some() {
        config.parallel_tool_calls = update.parallel_tool_calls;
    }
    if let Some(voice) = voice {
        config.voice = Some(voice);
    }
    config
}

/// Checks one agent against the dialect and the registry: its whole session, and
/// the switch to it mid-session from a session speaking with `session_voice`.
fn validate_agent(
    agent: &Agent,
    agents: &HashMap<String, Agent>,
    base: &SessionConfig,
    session_voice: Option<&Voice>,
    dialect: &dyn Dialect,
    state: &SharedState,
) -> Result<(), AgentError> {
    let invalid = |reason: String| AgentError::InvalidAgent {
        provider: dialect.provider(),
        agent: agent.name().to_owned(),
        reason,
    };
    if let Some(missing) = agent
        .handoffs()
        .iter()
        .find(|handoff| !agents.contains_key(&handoff.target))
    {
        return Err(AgentError::UnknownAgent(missing.target.clone()));
    }
    let mut seen = std::collections::HashSet::new();
    let names = agent
        .tools()
        .iter()
        .map(|tool| tool.name().to_owned())
        .chain(
            agent
                .handoffs()
                .iter()
                .map(super::definition::Handoff::tool_name),
        );
    for name in names {
        if !valid_tool_name(&name) {
            return Err(invalid(format!(
                "tool name `{name}`: expected 1 to 64 characters of a-z, A-Z, 0-9, `_` or `-`"
            )));
        }
        if !seen.insert(name.clone()) {
            return Err(invalid(format!("tool name `{name}` is used twice")));
        }
    }
    for tool in agent.tools() {
        if let crate::protocol::Tool::Function(function) = tool.definition()
            && let Some(parameters) = &function.parameters
            && parameters.get("type").and_then(serde_json::Value::as_str) != Some("object")
        {
            return Err(invalid(format!(
                "tool `{}`: expected an object schema for the parameters, got {parameters}",
                tool.name()
            )));
        }
    }
    let needs = agent
        .tools()
        .iter()
        .filter_map(|tool| Some((tool.name(), tool.state_type_id()?, tool.state_type()?)))
        .chain(agent.input_guardrails().iter().filter_map(|guardrail| {
            Some((
                guardrail.name(),
                guardrail.state_type_id()?,
                guardrail.state_type()?,
            ))
        }))
        .chain(agent.guardrails().iter().filter_map(|guardrail| {
            Some((
                guardrail.name(),
                guardrail.state_type_id()?,
                guardrail.state_type()?,
            ))
        }));
    for (name, type_id, type_name) in needs {
        if type_id != state.type_id() {
            return Err(invalid(format!(
                "`{name}` expects application state of type `{type_name}`, the session's is `{}` (set it with AgentRunner::context)",
                state.type_name()
            )));
        }
    }
    let voice = agent
        .voice_setting()
        .cloned()
        .or_else(|| base.voice.clone());
    let config = full_config(base, agent, &History::new(), voice, None);
    dialect
        .encode(&ClientEvent::session_update(config))
        .map_err(|error| invalid(format!("its session.update is refused: {error}")))?;
    // A handoff (or `HandoffTo`, `UpdateAgent`) switches to it mid-session, with its
    // voice where it differs from the session's.
    let new_voice = agent
        .voice_setting()
        .filter(|voice| Some(*voice) != session_voice);
    switch_events(dialect, base, agent, &History::new(), None, new_voice).map_err(|error| {
        invalid(format!(
            "switching to it mid-session (a handoff) cannot map: {error}"
        ))
    })?;
    Ok(())
}

/// The client events that make `agent` active mid-session, with `voice` when the
/// voice changes: the dialect's mapping of the agent's settings
/// ([`Dialect::switch_agent`]), each checked by encoding it.
pub(crate) fn switch_events(
    dialect: &dyn Dialect,
    base: &SessionConfig,
    agent: &Agent,
    history: &History,
    handoff_input: Option<&serde_json::Value>,
    voice: Option<&Voice>,
) -> Result<Vec<ClientEvent>, crate::error::EncodeError> {
    let mut update = agent.session_update_with(history, handoff_input);
    update.voice = voice.cloned();
    let events = dialect.switch_agent(base, update)?;
    for event in &events {
        dialect.encode(event)?;
    }
    Ok(events)
}

/// Function names as OpenAI and Azure accept them: `^[a-zA-Z0-9_-]{1,64}$`.
fn valid_tool_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
}
