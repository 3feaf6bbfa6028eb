//! The agent scenario suite (`agent_scenarios.rs`) on GPT-Live: every scenario of it
//! runs here, over a real loopback WebSocket against the testkit's GPT-Live emulator
//! through the `openai-live` dialect and connector, when it maps onto GPT-Live; the
//! others are skipped with their reason printed. A test reads the suite's scenario
//! list from `agent_scenarios.rs`, so a new scenario cannot be forgotten here.
//!
//! On GPT-Live a user turn is audio (no text messages after `session.start`), tools
//! run in the delegated Responses runs, and the exact client frames differ from the
//! Realtime ones: each scenario asserts GPT-Live's.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stdout)]

use std::time::Duration;

use realtime::agent::{
    Agent, AgentError, AgentEvent, AgentRunner, AgentSession, AgentTool, ToolError,
};
use realtime::openai::live::{Delegation, LiveConfig, LiveSession};
use realtime::protocol::{AudioFormat, ContentPart, Modality, Role, ServerEvent, SessionConfig};
use realtime_testkit::emulator::{LiveEmulator, Script};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(5);

/// The scenarios of `agent_scenarios.rs` that do not map onto GPT-Live, and why.
const SKIPPED: &[(&str, &str)] = &[
    (
        "agent_speaks_first",
        "GPT-Live's response.create only continues a delegated run after its tool \
         outputs; the model speaks on its own, a client cannot ask it to speak first",
    ),
    (
        "barge_in_truncates_at_played_position",
        "GPT-Live takes turns server-side: no speech_started, no item truncation, no \
         response.cancel (interrupting speech does not cancel delegated work)",
    ),
    (
        "barge_in_before_first_audio",
        "GPT-Live takes turns server-side: no speech_started, no item deletion, no \
         response.cancel",
    ),
    (
        "guardrail_trip",
        "an output guardrail's remedies (truncate the item, delete it) do not exist on \
         GPT-Live: its output audio has no items",
    ),
];

/// The scenarios that run on GPT-Live (the functions below).
const RUN: &[&str] = &[
    "text_turn",
    "audio_turn",
    "tool_call",
    "bad_tool_arguments",
    "parallel_tool_calls",
    "tool_timeout_and_panic",
    "handoff_keeps_format",
    "approval_rejected",
    "image_input",
    "audio_only_output",
];

#[test]
fn every_scenario_of_the_suite_runs_or_is_skipped_with_a_reason() {
    let suite = include_str!("agent_scenarios.rs");
    let start = suite.find("macro_rules! dialect_suite").unwrap();
    let end = start + suite[start..].find("dialect_suite!(").unwrap();
    let mut scenarios: Vec<&str> = suite[start..end]
        .lines()
        .filter_map(|line| line.trim().strip_prefix("async fn "))
        .filter_map(|rest| rest.split('(').next())
        .collect();
    scenarios.sort_unstable();
    let mut here: Vec<&str> = RUN
        .iter()
        .copied()
        .chain(SKIPPED.iter().map(|(name, _)| *name))
        .collect();
    here.sort_unstable();
    assert_eq!(here, scenarios);
    for (name, reason) in SKIPPED {
        println!("gpt-live: {name}: skipped: {reason}");
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
struct OrderArgs {
    /// The order number.
    order: String,
}

fn lookup_tool() -> AgentTool {
    AgentTool::new(
        "lookup_order",
        "Finds an order.",
        |args: OrderArgs, _ctx| async move {
            Ok::<_, ToolError>(json!({"order": args.order, "status": "shipped"}))
        },
    )
}

/// The runner's settings on GPT-Live: the model, and a Responses delegation for tools.
fn live_config() -> SessionConfig {
    SessionConfig::new()
        .model("gpt-live-1")
        .extension(LiveSession::new().delegation(Delegation::responses("gpt-5.6-sol")))
}

/// A session against the GPT-Live emulator, with every event kept.
struct LiveHarness {
    emulator: LiveEmulator,
    session: AgentSession,
    events: Vec<AgentEvent>,
}

impl LiveHarness {
    async fn start(script: Script, agents: Vec<Agent>, config: SessionConfig) -> Self {
        let emulator = LiveEmulator::start(script).await.unwrap();
        let session = runner(&emulator, agents, config).start().await.unwrap();
        let mut harness = Self {
            emulator,
            session,
            events: Vec::new(),
        };
        // `session.started`: the connection is up and the agent's settings applied.
        harness
            .until(|events| {
                events.iter().any(|e| {
                    matches!(e, AgentEvent::Raw(raw) if matches!(raw.as_ref(), ServerEvent::SessionCreated(_)))
                })
            })
            .await;
        harness
    }

    /// Events until `n` responses (delegated runs) are done in total.
    async fn until_done(&mut self, n: usize) {
        self.until(|events| {
            events
                .iter()
                .filter(|e| matches!(e, AgentEvent::ResponseDone { .. }))
                .count()
                >= n
        })
        .await;
    }

    async fn until(&mut self, done: impl Fn(&[AgentEvent]) -> bool) {
        while !done(&self.events) {
            let Ok(event) = tokio::time::timeout(WAIT, self.session.next_event()).await else {
                panic!("no event within 5 s after {:?}", self.events);
            };
            self.events.push(event.expect("the session is running"));
        }
    }

    /// One second of audio: one user turn for the emulator.
    async fn user_turn(&self) {
        self.session.send_audio(&[0u8; 48_000]).await.unwrap();
    }

    /// What the assistant said, from its transcript deltas.
    fn assistant_text(&self) -> String {
        self.events
            .iter()
            .filter_map(|e| match e {
                AgentEvent::TranscriptDelta {
                    role: Role::Assistant,
                    delta,
                    ..
                } => Some(delta.as_str()),
                _ => None,
            })
            .collect()
    }

    fn errors(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e {
                AgentEvent::Error(error) => Some(error.to_string()),
                _ => None,
            })
            .collect()
    }

    /// The frames the client sent, audio left out. Each was recorded before the
    /// answer the harness waited for was sent.
    fn frames(&self) -> Vec<Value> {
        self.emulator.connections()[0]
            .texts()
            .iter()
            .map(|text| serde_json::from_str::<Value>(text).unwrap())
            .filter(|frame| frame["type"] != "session.input_audio.append")
            .collect()
    }

    async fn close(self) {
        self.session.close().await.unwrap();
    }
}

fn runner(emulator: &LiveEmulator, agents: Vec<Agent>, config: SessionConfig) -> AgentRunner {
    let client = LiveConfig::new("test-key")
        .base_url(emulator.url())
        .client();
    let mut agents = agents.into_iter();
    let mut runner = AgentRunner::new(client, agents.next().unwrap())
        .raw_events(true)
        .session_config(config);
    for agent in agents {
        runner = runner.agent(agent);
    }
    runner
}

fn types(frames: &[Value]) -> Vec<&str> {
    frames
        .iter()
        .map(|frame| frame["type"].as_str().unwrap_or("?"))
        .collect()
}

#[tokio::test]
async fn text_turn() {
    // Text after the start does not map: refused, typed, and nothing is sent.
    let agent = Agent::new("desk").instructions("Be brief.");
    let mut h = LiveHarness::start(Script::new(), vec![agent], live_config()).await;
    h.session.send_text("Hi").await.unwrap();
    h.until(|events| events.iter().any(|e| matches!(e, AgentEvent::Error(_))))
        .await;
    assert!(
        h.events.iter().any(|e| matches!(e, AgentEvent::Error(AgentError::Refused { what, .. }) if what == "conversation.item.create")),
        "{:?}",
        h.events
    );
    assert_eq!(types(&h.frames()), ["session.start"]);
    h.close().await;
}

#[tokio::test]
async fn audio_turn() {
    let agent = Agent::new("desk").instructions("Be brief.");
    let script = Script::new()
        .user_says("Where is my order?")
        .say("Let me check that for you.");
    let mut h = LiveHarness::start(script, vec![agent], live_config()).await;
    h.user_turn().await;
    h.until(|events| {
        events.iter().any(|e| {
            matches!(
                e,
                AgentEvent::TranscriptDelta {
                    role: Role::Assistant,
                    ..
                }
            )
        })
    })
    .await;
    assert!(h.events.iter().any(|e| matches!(e, AgentEvent::TranscriptDelta { role: Role::User, delta, .. } if delta == "Where is my order?")));
    assert_eq!(h.assistant_text(), "Let me check that for you.");
    assert!(
        h.events
            .iter()
            .any(|e| matches!(e, AgentEvent::Audio { audio, .. } if !audio.is_empty()))
    );
    assert_eq!(types(&h.frames()), ["session.start"]);
    assert!(h.errors().is_empty(), "{:?}", h.errors());
    h.close().await;
}

#[tokio::test]
async fn tool_call() {
    let agent = Agent::new("desk")
        .instructions("Look orders up.")
        .tool(lookup_tool());
    let script = Script::new()
        .call("lookup_order", json!({"order": "A-17"}))
        .say("Order A-17 has shipped.");
    let mut h = LiveHarness::start(script, vec![agent], live_config()).await;
    h.user_turn().await;
    h.until_done(2).await;
    assert_eq!(h.assistant_text(), "Order A-17 has shipped.");
    let frames = h.frames();
    assert_eq!(
        types(&frames),
        ["session.start", "response.item.create", "response.create"]
    );
    let tools = &frames[0]["session"]["delegation"]["responses"]["tools"];
    assert_eq!(tools[0]["name"], "lookup_order");
    let output = &frames[1]["item"];
    assert_eq!(output["type"], "function_call_output");
    assert_eq!(
        serde_json::from_str::<Value>(output["output"].as_str().unwrap()).unwrap(),
        json!({"order": "A-17", "status": "shipped"})
    );
    assert!(h.errors().is_empty(), "{:?}", h.errors());
    h.close().await;
}

#[tokio::test]
async fn bad_tool_arguments() {
    let agent = Agent::new("desk")
        .instructions("Look orders up.")
        .tool(lookup_tool());
    let script = Script::new()
        .call_raw("lookup_order", r#"{"order": 17"#)
        .say("Let me try that again.");
    let mut h = LiveHarness::start(script, vec![agent], live_config()).await;
    h.user_turn().await;
    h.until_done(2).await;
    assert_eq!(h.assistant_text(), "Let me try that again.");
    let frames = h.frames();
    assert_eq!(
        types(&frames),
        ["session.start", "response.item.create", "response.create"]
    );
    let output: Value =
        serde_json::from_str(frames[1]["item"]["output"].as_str().unwrap()).unwrap();
    let message = output["error"].as_str().unwrap();
    assert!(
        message.starts_with("invalid arguments for `lookup_order`"),
        "{message}"
    );
    h.close().await;
}

#[tokio::test]
async fn parallel_tool_calls() {
    let agent = Agent::new("desk")
        .instructions("Look orders up.")
        .tool(lookup_tool());
    let script = Script::new()
        .calls([
            ("lookup_order".to_owned(), json!({"order": "A-1"})),
            ("lookup_order".to_owned(), json!({"order": "B-2"})),
        ])
        .say("Both have shipped.");
    let mut h = LiveHarness::start(script, vec![agent], live_config()).await;
    h.user_turn().await;
    h.until_done(2).await;
    assert_eq!(h.assistant_text(), "Both have shipped.");
    let frames = h.frames();
    assert_eq!(
        types(&frames),
        [
            "session.start",
            "response.item.create",
            "response.item.create",
            "response.create"
        ],
        "two outputs, then exactly one response.create"
    );
    let mut outputs: Vec<&str> = frames[1..3]
        .iter()
        .map(|f| f["item"]["output"].as_str().unwrap())
        .collect();
    outputs.sort_unstable();
    assert!(
        outputs[0].contains("A-1") && outputs[1].contains("B-2"),
        "{outputs:?}"
    );
    h.close().await;
}

#[tokio::test]
async fn tool_timeout_and_panic() {
    let slow = AgentTool::new(
        "slow",
        "Never finishes in time.",
        |_: OrderArgs, _ctx| async move {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok::<_, ToolError>("late")
        },
    )
    .timeout(Duration::from_millis(100));
    let boom = AgentTool::new("boom", "Panics.", |args: OrderArgs, _ctx| async move {
        if args.order.is_empty() {
            return Ok::<_, ToolError>("never");
        }
        panic!("tool bug");
    });
    let agent = Agent::new("desk")
        .instructions("Use tools.")
        .tool(slow)
        .tool(boom);
    let script = Script::new()
        .calls([
            ("slow".to_owned(), json!({"order": "1"})),
            ("boom".to_owned(), json!({"order": "2"})),
        ])
        .say("Sorry, that failed.");
    let mut h = LiveHarness::start(script, vec![agent], live_config()).await;
    h.user_turn().await;
    h.until_done(2).await;
    assert_eq!(h.assistant_text(), "Sorry, that failed.");
    let frames = h.frames();
    assert_eq!(
        types(&frames),
        [
            "session.start",
            "response.item.create",
            "response.item.create",
            "response.create"
        ]
    );
    let outputs: Vec<&str> = frames[1..3]
        .iter()
        .map(|f| f["item"]["output"].as_str().unwrap())
        .collect();
    assert!(
        outputs.iter().any(|o| o.contains("timed out")),
        "{outputs:?}"
    );
    assert!(
        outputs.iter().any(|o| o.contains("failed unexpectedly")),
        "{outputs:?}"
    );
    let failed = h
        .events
        .iter()
        .filter(|e| matches!(e, AgentEvent::ToolFinished { failed: true, .. }))
        .count();
    assert_eq!(failed, 2);
    h.close().await;
}

#[tokio::test]
async fn handoff_keeps_format() {
    let auth = Agent::new("auth")
        .instructions("Verify the caller.")
        .handoff("returns", "Returns and refunds.");
    let returns = Agent::new("returns")
        .instructions("Handle the return.")
        .tool(lookup_tool());
    let mut config = live_config();
    config.input_audio_format = Some(AudioFormat::G711Ulaw);
    config.output_audio_format = Some(AudioFormat::G711Ulaw);
    let script = Script::new()
        .call("transfer_to_returns", json!({}))
        .say("Returns here.");
    let mut h = LiveHarness::start(script, vec![auth, returns], config).await;
    h.user_turn().await;
    h.until_done(2).await;
    assert!(h.events.iter().any(
        |e| matches!(e, AgentEvent::Handoff { from, to } if from == "auth" && to == "returns")
    ));
    assert_eq!(h.assistant_text(), "Returns here.");
    let frames = h.frames();
    assert_eq!(
        types(&frames),
        [
            "session.start",
            "response.item.create",
            "session.update",
            "session.instructions.append",
            "response.create"
        ]
    );
    assert_eq!(
        frames[0]["session"]["audio"]["format"],
        json!({"type": "audio/pcmu", "rate": 8000})
    );
    // The format stays: the update carries the delegation alone, with the new tools.
    let update = &frames[2]["session"];
    assert_eq!(
        update.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["delegation"]
    );
    assert_eq!(
        update["delegation"]["responses"]["tools"][0]["name"],
        "lookup_order"
    );
    assert!(
        frames[3]["content"]
            .as_str()
            .unwrap()
            .ends_with("Handle the return.")
    );
    assert!(h.errors().is_empty(), "{:?}", h.errors());
    h.close().await;
}

#[tokio::test]
async fn approval_rejected() {
    let refund =
        AgentTool::new(
            "issue_refund",
            "Issues a refund.",
            |args: OrderArgs, _ctx| async move {
                Ok::<_, ToolError>(format!("refunded {}", args.order))
            },
        )
        .needs_approval();
    let agent = Agent::new("desk")
        .instructions("Refund on request.")
        .tool(refund);
    let script = Script::new()
        .call("issue_refund", json!({"order": "A-9"}))
        .say("I could not issue that refund.");
    let mut h = LiveHarness::start(script, vec![agent], live_config()).await;
    h.user_turn().await;
    h.until(|events| {
        events
            .iter()
            .any(|e| matches!(e, AgentEvent::ApprovalRequested { .. }))
    })
    .await;
    let call_id = h
        .events
        .iter()
        .find_map(|e| match e {
            AgentEvent::ApprovalRequested { call_id, .. } => Some(call_id.clone()),
            _ => None,
        })
        .unwrap();
    h.session.approve(call_id.clone(), false).await.unwrap();
    h.until_done(2).await;
    assert_eq!(h.assistant_text(), "I could not issue that refund.");
    let frames = h.frames();
    let output = frames
        .iter()
        .find(|f| f["item"]["type"] == "function_call_output")
        .unwrap();
    assert_eq!(output["type"], "response.item.create");
    assert_eq!(output["item"]["call_id"], call_id.as_str());
    assert!(
        output["item"]["output"]
            .as_str()
            .unwrap()
            .contains("did not approve")
    );
    h.close().await;
}

#[tokio::test]
async fn image_input() {
    // GPT-Live takes no message after the start, images included: refused, typed,
    // and nothing is sent.
    let agent = Agent::new("desk").instructions("Describe images.");
    let mut h = LiveHarness::start(Script::new(), vec![agent], live_config()).await;
    let image = ContentPart::input_image("data:image/png;base64,iVBORw0KGgo=");
    h.session
        .send_content(vec![ContentPart::input_text("What is this?"), image])
        .await
        .unwrap();
    h.until(|events| events.iter().any(|e| matches!(e, AgentEvent::Error(_))))
        .await;
    assert!(
        h.events
            .iter()
            .any(|e| matches!(e, AgentEvent::Error(AgentError::Refused { .. }))),
        "{:?}",
        h.events
    );
    assert_eq!(types(&h.frames()), ["session.start"]);
    h.close().await;
}

#[tokio::test]
async fn audio_only_output() {
    // GPT-Live has no output modalities: asking for them is refused at start.
    let emulator = LiveEmulator::start(Script::new()).await.unwrap();
    let agent = Agent::new("desk").instructions("Talk.");
    let config = live_config().output_modalities([Modality::Audio]);
    match runner(&emulator, vec![agent], config).start().await {
        Err(AgentError::InvalidAgent { reason, .. }) => {
            assert!(reason.contains("output_modalities"), "{reason}");
        }
        Err(other) => panic!("expected InvalidAgent, got {other}"),
        Ok(_) => panic!("expected InvalidAgent, the session started"),
    }
    assert!(
        emulator.connections().is_empty(),
        "refused before connecting"
    );
}
