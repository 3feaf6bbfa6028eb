//! The harness shared by the scenario suites: one case per dialect, a session
//! against that dialect's emulator, and a player that reports playback.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use realtime::agent::{Agent, AgentEvent, AgentRunner, AgentSession};
use realtime::client::RealtimeClient;
use realtime::dialect::Dialect;
use realtime::protocol::{Role, SessionConfig};
use realtime::transport::{ConnectRequest, StaticConnector, TransportConfig};
use realtime::wire::WireShape;
use realtime_testkit::emulator::{Emulator, Profile, Script};
use serde_json::{Value, json};

pub mod provider_behaviour;

use provider_behaviour::ProviderBehaviour;

/// One dialect under test: its dialect, its emulator profile, and what the provider
/// is expected to do (from the protocol sources, not from the dialect's own table).
#[derive(Debug, Clone)]
pub struct Case {
    pub dialect: Arc<dyn Dialect>,
    pub profile: Profile,
    pub expected: &'static ProviderBehaviour,
}

impl Case {
    pub fn openai_ga() -> Self {
        Self {
            dialect: Arc::new(realtime::openai::OpenAiDialect::new()),
            profile: Profile::openai_ga(),
            expected: &provider_behaviour::OPENAI_GA,
        }
    }

    pub fn azure_ga_v1() -> Self {
        Self {
            dialect: Arc::new(realtime::azure_openai::AzureOpenAiDialect::ga_v1()),
            profile: Profile::azure_openai_ga_v1(),
            expected: &provider_behaviour::AZURE_OPENAI_GA_V1,
        }
    }

    pub fn azure_preview() -> Self {
        let dialect = realtime::azure_openai::AzureOpenAiDialect::preview(
            realtime::azure_openai::ApiVersion::V2025_04_01Preview,
        );
        Self {
            dialect: Arc::new(dialect),
            profile: Profile::azure_openai_preview(),
            expected: &provider_behaviour::AZURE_OPENAI_PREVIEW,
        }
    }

    pub fn voicelive_dated() -> Self {
        let dialect = realtime::voicelive::VoiceLiveDialect::new(
            realtime::voicelive::ApiVersion::V2026_04_10,
        );
        Self {
            dialect: Arc::new(dialect),
            profile: Profile::voicelive_dated(),
            expected: &provider_behaviour::VOICELIVE_DATED,
        }
    }

    pub fn voicelive_v1() -> Self {
        let dialect =
            realtime::voicelive::VoiceLiveDialect::new(realtime::voicelive::ApiVersion::V1);
        Self {
            dialect: Arc::new(dialect),
            profile: Profile::voicelive_v1(),
            expected: &provider_behaviour::VOICELIVE_V1,
        }
    }

    /// The case of a dialect of the facade's registry: the dialect its entry builds,
    /// the emulator profile it names, and its family's expected row. `None` for a
    /// fixture-only entry (no emulator profile).
    ///
    /// # Panics
    /// When no expected row covers the dialect, or the emulator lacks its profile.
    pub fn registered(entry: &realtime::dialect::DialectEntry) -> Option<Self> {
        let profile = entry.emulator_profile?;
        Some(Self {
            dialect: Arc::from(entry.build()),
            profile: Profile::for_dialect(profile)
                .unwrap_or_else(|| panic!("{}: no emulator profile `{profile}`", entry.name)),
            expected: provider_behaviour::for_registered(entry.name).unwrap_or_else(|| {
                panic!(
                    "{}: add its expected row to support/provider_behaviour.rs",
                    entry.name
                )
            }),
        })
    }

    /// A transcription model the emulated service accepts (Azure wants a deployment).
    pub fn transcription_model(&self) -> &'static str {
        self.profile
            .transcription_deployments
            .as_ref()
            .and_then(|deployments| deployments.first().copied())
            .unwrap_or("whisper-1")
    }

    pub fn shape(&self) -> WireShape {
        self.dialect.capabilities().shape
    }

    /// Checks the output modalities of a `session.update` frame.
    pub fn assert_modalities(&self, update: &Value, expected: &[&str]) {
        let key = match self.shape() {
            WireShape::Ga => "output_modalities",
            WireShape::Beta => "modalities",
        };
        assert_eq!(update["session"][key], json!(expected), "{update}");
    }

    /// The exact first `session.update` of an agent with one handoff on a g711 session
    /// with server VAD.
    pub fn expected_initial_g711_update(
        &self,
        instructions: &str,
        tool: &str,
        description: &str,
    ) -> Value {
        let tools = json!([{"type": "function", "name": tool, "description": description, "parameters": {"type": "object", "properties": {}, "additionalProperties": false}}]);
        match self.shape() {
            WireShape::Ga => json!({"type": "session.update", "session": {
                "type": "realtime",
                "instructions": instructions,
                "audio": {
                    "input": {"format": {"type": "audio/pcmu"}, "turn_detection": {"type": "server_vad"}},
                    "output": {"format": {"type": "audio/pcmu"}}
                },
                "tools": tools,
                "tool_choice": "auto"
            }}),
            WireShape::Beta => json!({"type": "session.update", "session": {
                "instructions": instructions,
                "input_audio_format": "g711_ulaw",
                "output_audio_format": "g711_ulaw",
                "turn_detection": {"type": "server_vad"},
                "tools": tools,
                "tool_choice": "auto"
            }}),
        }
    }

    /// Whether a `session.update` frame touches audio formats or turn detection.
    pub fn update_sets_format_or_vad(&self, update: &Value) -> bool {
        let session = &update["session"];
        let beta = [
            "input_audio_format",
            "output_audio_format",
            "turn_detection",
        ]
        .iter()
        .any(|k| !session[k].is_null());
        let ga = !session["audio"]["input"]["format"].is_null()
            || !session["audio"]["output"]["format"].is_null()
            || !session["audio"]["input"]["turn_detection"].is_null();
        beta || ga
    }
}

/// How the harness "plays" assistant audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Player {
    /// Reports every chunk as played when it arrives.
    PlaysAll,
    /// Reports at most this many ms played per item.
    PlaysAtMost(u64),
}

/// A session against an emulator, with every event kept.
pub struct Harness {
    pub emulator: Emulator,
    pub session: AgentSession,
    pub events: Vec<AgentEvent>,
    pub player: Player,
    cursor: usize,
    audio_bytes: usize,
}

const WAIT: Duration = Duration::from_secs(5);

impl Harness {
    pub async fn start(
        case: &Case,
        script: Script,
        agents: Vec<Agent>,
        config: SessionConfig,
    ) -> Self {
        let emulator = Emulator::start(case.profile.clone(), script).await.unwrap();
        Self::start_on(
            case,
            emulator,
            agents,
            config,
            TransportConfig::default(),
            |runner| runner,
        )
        .await
    }

    /// Starts on a running emulator, with transport settings and runner options.
    pub async fn start_on(
        case: &Case,
        emulator: Emulator,
        agents: Vec<Agent>,
        config: SessionConfig,
        transport: TransportConfig,
        customize: impl FnOnce(AgentRunner) -> AgentRunner,
    ) -> Self {
        let connector = StaticConnector::new("emulator", ConnectRequest::new(emulator.url()));
        let client = RealtimeClient::from_parts(Arc::clone(&case.dialect), Arc::new(connector))
            .transport_config(transport);
        let mut agents = agents.into_iter();
        let first = agents.next().unwrap();
        let mut runner = AgentRunner::new(client, first)
            .raw_events(true)
            .session_config(config);
        for agent in agents {
            runner = runner.agent(agent);
        }
        let session = customize(runner).start().await.unwrap();
        Self {
            emulator,
            session,
            events: Vec::new(),
            player: Player::PlaysAll,
            cursor: 0,
            audio_bytes: 0,
        }
    }

    async fn next(&mut self) -> &AgentEvent {
        let event = tokio::time::timeout(WAIT, self.session.next_event())
            .await
            .expect("an event within 5 s")
            .expect("the session is running");
        if let AgentEvent::Audio { item_id, audio } = &event {
            self.audio_bytes += audio.len();
            let playback = self.session.playback();
            match self.player {
                Player::PlaysAll => playback.played_bytes(item_id, audio.len() as u64),
                Player::PlaysAtMost(limit) => {
                    let received = playback.position(item_id).received_ms;
                    playback.played(item_id, received.min(limit));
                }
            }
        }
        self.events.push(event);
        self.events.last().unwrap()
    }

    /// Waits for the first event (after the previous match) satisfying `pred`.
    pub async fn until(&mut self, pred: impl Fn(&AgentEvent) -> bool) {
        self.until_map(|event| pred(event).then_some(())).await;
    }

    /// Waits for the first event (after the previous match) that `f` maps to a value.
    pub async fn until_map<T>(&mut self, f: impl Fn(&AgentEvent) -> Option<T>) -> T {
        while self.cursor < self.events.len() {
            let index = self.cursor;
            self.cursor += 1;
            if let Some(value) = f(&self.events[index]) {
                return value;
            }
        }
        loop {
            let hit = f(self.next().await);
            self.cursor = self.events.len();
            if let Some(value) = hit {
                return value;
            }
        }
    }

    /// The next complete transcript of `role`.
    pub async fn transcript_of(&mut self, role: Role) -> String {
        self.until_map(|event| match event {
            AgentEvent::Transcript { role: r, text, .. } if *r == role => Some(text.clone()),
            _ => None,
        })
        .await
    }

    /// Streams `ms` of silence in 20 ms frames (24 kHz pcm16).
    pub async fn send_silence_ms(&self, ms: usize) {
        let frame = vec![0u8; 960];
        for _ in 0..ms / 20 {
            self.session.send_audio(&frame).await.unwrap();
        }
    }

    pub fn audio_bytes(&self) -> usize {
        self.audio_bytes
    }

    /// Every frame the client sent, once the server has had time to record them.
    pub async fn frames(&self) -> Vec<Value> {
        self.frames_of(0).await
    }

    /// Every frame the client sent on connection `index`.
    pub async fn frames_of(&self, index: usize) -> Vec<Value> {
        tokio::time::sleep(Duration::from_millis(100)).await;
        self.emulator.connections()[index]
            .texts()
            .iter()
            .map(|text| serde_json::from_str(text).unwrap())
            .collect()
    }

    /// The next event, waiting at most 5 s (a guard against hangs); `None` once the
    /// session ended.
    pub async fn next_or_end(&mut self) -> Option<&AgentEvent> {
        let event = tokio::time::timeout(WAIT, self.session.next_event())
            .await
            .expect("an event (or the end) within 5 s")?;
        self.events.push(event);
        self.cursor = self.events.len();
        self.events.last()
    }

    pub async fn close(self) {
        self.session.close().await.unwrap();
    }
}

/// The `type` of each frame.
pub fn types(frames: &[Value]) -> Vec<&str> {
    frames
        .iter()
        .map(|frame| frame["type"].as_str().unwrap_or("?"))
        .collect()
}
