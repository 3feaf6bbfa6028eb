//! The agent machine wired to the testkit's sans-IO emulator engine with simulated
//! time, in the manner of quinn-proto's `Pair`: no socket, no task, no sleep. Frames
//! go through each provider's real dialect and the emulator's real wire shape, and
//! every delay (network, tools, reconnect backoff, rotation) is virtual.
//!
//! `an_hour_long_session_in_simulated_time` runs 60 minutes of conversation with
//! rotation, reconnects and tool timeouts on every dialect; it prints its wall-clock
//! time (a figure, never an assertion).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use realtime::agent::machine::{
    Action, AgentMachine, Command, Disconnect, EndReason, Input, MachineConfig,
};
use realtime::agent::{
    Agent, AgentEvent, AgentTool, HistoryEntry, ReconnectPolicy, RotationPolicy,
};
use realtime::dialect::Dialect;
use realtime_testkit::emulator::{Engine, Profile, Script};
use serde_json::json;

/// One-way network delay of the simulated link.
const LATENCY: Duration = Duration::from_millis(20);
/// The emulator's sessions expire at this Unix time (see its profiles).
const EMULATOR_EXPIRES_AT: i64 = 1_900_000_000;

fn cases() -> Vec<(Arc<dyn Dialect>, Profile)> {
    vec![
        (
            Arc::new(realtime::openai::OpenAiDialect::new()),
            Profile::openai_ga(),
        ),
        (
            Arc::new(realtime::azure_openai::AzureOpenAiDialect::ga_v1()),
            Profile::azure_openai_ga_v1(),
        ),
        (
            Arc::new(realtime::azure_openai::AzureOpenAiDialect::preview(
                realtime::azure_openai::ApiVersion::V2025_04_01Preview,
            )),
            Profile::azure_openai_preview(),
        ),
        (
            Arc::new(realtime::voicelive::VoiceLiveDialect::new(
                realtime::voicelive::ApiVersion::V2026_04_10,
            )),
            Profile::voicelive_dated(),
        ),
        (
            Arc::new(realtime::voicelive::VoiceLiveDialect::new(
                realtime::voicelive::ApiVersion::V1,
            )),
            Profile::voicelive_v1(),
        ),
    ]
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Order {
    /// The order number.
    order: String,
}

/// What happened, counted.
#[derive(Debug, Default)]
struct Tally {
    transcripts: usize,
    tools_finished: usize,
    tool_timeouts: usize,
    reconnects: usize,
    rotations: usize,
    errors: Vec<String>,
    /// A user message is waiting for an assistant answer.
    unanswered: bool,
}

/// The machine, the emulator engine, and the virtual clock between them.
struct Pair {
    machine: AgentMachine,
    dialect: Arc<dyn Dialect>,
    profile: Profile,
    engine: Engine,
    start: Instant,
    now: Instant,
    unix_at_start: i64,
    online: bool,
    /// Server frames in flight, by arrival time (then order of sending).
    inbox: BTreeMap<(Instant, u64), String>,
    sequence: u64,
    /// Tool completions, by time.
    tools: Vec<(Instant, String)>,
    connect_at: Option<Instant>,
    ended: Option<EndReason>,
    tally: Tally,
}

impl Pair {
    fn new(
        dialect: Arc<dyn Dialect>,
        profile: Profile,
        script: Script,
        unix_at_start: i64,
    ) -> Self {
        let lookup = AgentTool::new(
            "lookup_order",
            "Looks an order up.",
            |order: Order, _| async move { Ok(json!({"order": order.order, "status": "shipped"})) },
        );
        let slow = AgentTool::new(
            "slow_lookup",
            "A lookup that hangs.",
            |_: Order, _| async move { Ok(json!({})) },
        )
        .timeout(Duration::from_secs(3));
        let desk = Agent::new("desk")
            .instructions("Help with orders.")
            .tool(lookup)
            .tool(slow);
        let config = MachineConfig::new(Arc::clone(&dialect), desk)
            .reconnect(ReconnectPolicy::default().max_attempts(5))
            .rotation(RotationPolicy::default().margin(Duration::from_secs(120)));
        let machine = AgentMachine::new(config).unwrap();
        let now = Instant::now();
        let mut pair = Self {
            machine,
            dialect,
            engine: Engine::new(profile.clone(), script),
            profile,
            start: now,
            now,
            unix_at_start,
            online: false,
            inbox: BTreeMap::new(),
            sequence: 0,
            tools: Vec::new(),
            connect_at: None,
            ended: None,
            tally: Tally::default(),
        };
        pair.open();
        pair
    }

    fn unix_time(&self) -> i64 {
        self.unix_at_start + i64::try_from(self.now.duration_since(self.start).as_secs()).unwrap()
    }

    /// A new connection to a fresh engine that continues the script.
    fn open(&mut self) {
        let script = self.engine.take_script();
        self.engine = Engine::new(self.profile.clone(), script);
        self.online = true;
        self.inbox.clear();
        let unix_time = self.unix_time();
        self.feed(Input::Connected { unix_time });
        let opening = self.engine.open();
        self.deliver(opening);
    }

    fn deliver(&mut self, events: Vec<realtime::protocol::ServerEvent>) {
        for (n, event) in events.into_iter().enumerate() {
            let frame = self.engine.shape().encode_server(&event).unwrap();
            let at = self.now + LATENCY + Duration::from_millis(n as u64);
            self.sequence += 1;
            self.inbox.insert((at, self.sequence), frame);
        }
    }

    fn feed(&mut self, input: Input) {
        self.machine.handle(self.now, input);
        self.drain();
    }

    fn drain(&mut self) {
        while let Some(action) = self.machine.poll_action() {
            match action {
                Action::Send(event) => {
                    let frame = self
                        .dialect
                        .encode(&event)
                        .expect("the machine sends only what encodes");
                    let answer = self.engine.on_frame(&frame);
                    self.deliver(answer);
                }
                Action::Emit(event) => self.observe(event),
                Action::StartTool(start) => {
                    // `lookup_order` answers in 300 ms; `slow_lookup` never does.
                    if start.tool.name() == "lookup_order" {
                        self.tools
                            .push((self.now + Duration::from_millis(300), start.call_id));
                    }
                }
                Action::CancelTool { call_id } => self.tools.retain(|(_, id)| *id != call_id),
                Action::Reconnecting { .. } => {}
                Action::Connect { rotation } => {
                    if rotation {
                        self.tally.rotations += 1;
                    }
                    self.connect_at = Some(self.now + LATENCY * 3);
                }
                Action::ConnectionReady => {}
                Action::End(reason) => self.ended = Some(reason),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    fn observe(&mut self, event: AgentEvent) {
        match event {
            AgentEvent::Transcript {
                role: realtime::protocol::Role::Assistant,
                ..
            } => {
                self.tally.transcripts += 1;
                self.tally.unanswered = false;
            }
            AgentEvent::ToolFinished { output, .. } => {
                self.tally.tools_finished += 1;
                if output.contains("timed out") || output.contains("did not finish") {
                    self.tally.tool_timeouts += 1;
                }
            }
            AgentEvent::Reconnected { .. } => self.tally.reconnects += 1,
            AgentEvent::Error(error) => self.tally.errors.push(error.to_string()),
            _ => {}
        }
    }

    /// Drops the connection, as a network failure would.
    fn drop_connection(&mut self) {
        self.online = false;
        self.inbox.clear();
        self.feed(Input::ConnectionLost(Disconnect::retryable()));
    }

    /// Runs until `until`, delivering whatever is due in time order.
    fn run_until(&mut self, until: Instant) {
        loop {
            if self.ended.is_some() {
                return;
            }
            let frame = self.inbox.keys().next().map(|(at, _)| *at);
            let tool = self.tools.iter().map(|(at, _)| *at).min();
            let next = [frame, tool, self.machine.poll_timeout(), self.connect_at]
                .into_iter()
                .flatten()
                .min();
            let Some(next) = next.filter(|next| *next <= until) else {
                self.now = until;
                return;
            };
            self.now = next.max(self.now);
            if self.connect_at.is_some_and(|at| at <= self.now) {
                self.connect_at = None;
                self.open();
            } else if frame.is_some_and(|at| at <= self.now) {
                let key = *self.inbox.keys().next().unwrap();
                let frame = self.inbox.remove(&key).unwrap();
                for event in self.dialect.decode(&frame).unwrap() {
                    self.feed(Input::Server(event));
                }
            } else if let Some(index) = self.tools.iter().position(|(at, _)| *at <= self.now) {
                let (_, call_id) = self.tools.remove(index);
                self.feed(Input::ToolFinished {
                    call_id,
                    result: Ok("{\"status\":\"shipped\"}".into()),
                });
            } else {
                self.machine.handle_timeout(self.now);
                self.drain();
            }
        }
    }

    fn say(&mut self, text: &str) {
        self.tally.unanswered = true;
        self.feed(Input::Command(Command::SendText(text.into())));
    }
}

fn hour_script(turns: usize) -> Script {
    let mut script = Script::new().audio_chunks(2);
    for turn in 0..turns {
        script = match turn % 3 {
            0 => script
                .call("lookup_order", json!({"order": format!("O-{turn}")}))
                .say("It shipped."),
            1 => script
                .call("slow_lookup", json!({"order": "O-slow"}))
                .say("Sorry, that took too long."),
            _ => script.say("Anything else?"),
        };
    }
    script
}

#[test]
fn an_hour_long_session_in_simulated_time() {
    for (dialect, profile) in cases() {
        let name = dialect.name();
        let wall = Instant::now();
        // The client's clock says the session has 25 minutes left: one rotation at
        // 23 minutes; the next connection sees 2 minutes left (within the margin)
        // and does not rotate again.
        let mut pair = Pair::new(
            dialect,
            profile,
            hour_script(400),
            EMULATOR_EXPIRES_AT - 25 * 60,
        );
        let mut user_turns = 0;
        for second in (0..3_600u64).step_by(30) {
            let at = pair.start + Duration::from_secs(second);
            pair.run_until(at);
            if second > 0 && second % 600 == 0 {
                pair.drop_connection();
            } else {
                pair.say(&format!("Question {second}"));
                user_turns += 1;
            }
        }
        pair.run_until(pair.start + Duration::from_secs(3_600 + 60));
        let elapsed = wall.elapsed();
        let tally = &pair.tally;
        println!(
            "{name}: 60 simulated minutes in {elapsed:?}: {user_turns} user turns, {} transcripts, \
             {} tools ({} timed out), {} reconnects, {} rotation(s)",
            tally.transcripts,
            tally.tools_finished,
            tally.tool_timeouts,
            tally.reconnects,
            tally.rotations
        );
        assert!(
            pair.ended.is_none(),
            "{name}: the session ended: {:?}",
            pair.ended
        );
        assert_eq!(
            tally.reconnects, 5,
            "{name}: one reconnect per dropped connection"
        );
        assert_eq!(
            tally.rotations, 1,
            "{name}: exactly one rotation in the hour"
        );
        assert!(
            tally.tool_timeouts >= 10,
            "{name}: the hanging tool timed out each time: {tally:?}"
        );
        // Messages sent while a response runs are answered together by the next one,
        // so there are somewhat fewer answers than questions; the last is answered.
        assert!(
            !tally.unanswered,
            "{name}: the last question was answered: {tally:?}"
        );
        assert!(
            tally.transcripts >= user_turns * 3 / 4,
            "{name}: the conversation went on: {tally:?}"
        );
        assert!(
            !pair.machine.response_in_flight() && !pair.machine.wants_response(),
            "{name}: idle at the end"
        );
        // Every call made has exactly one output.
        let mut outputs: HashMap<&str, usize> = HashMap::new();
        let mut calls = Vec::new();
        for entry in pair.machine.history().entries() {
            match entry {
                HistoryEntry::ToolCall { call_id, .. } => calls.push(call_id.as_str()),
                HistoryEntry::ToolOutput { call_id, .. } => {
                    *outputs.entry(call_id.as_str()).or_default() += 1;
                }
                _ => {}
            }
        }
        for call_id in calls {
            assert!(
                outputs.get(call_id).copied().unwrap_or(0) <= 1,
                "{name}: {call_id} answered twice"
            );
        }
        let unexpected: VecDeque<&String> = tally
            .errors
            .iter()
            .filter(|error| !error.contains("timed out"))
            .collect();
        assert!(unexpected.is_empty(), "{name}: errors: {unexpected:?}");
    }
}
