//! Fault injection: one suite, written once and run against every dialect's emulator.
//!
//! Each fault is scripted as an emulator turn ([`Fault`]) and each test shows: no
//! panic, a typed error or event, the history intact, and the session recovering
//! where the protocol allows (reconnecting after a dropped, stalled or oversized
//! connection, carrying on after a bad frame or an error event). Timeouts are guards
//! against hangs only; nothing asserts on timing.
#![allow(unreachable_pub, clippy::unwrap_used, clippy::panic)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use realtime::agent::{
    Agent, AgentError, AgentEvent, AgentTool, FatalKind, HistoryEntry, ReconnectPolicy,
    RotationPolicy, ToolError,
};
use realtime::client::ClientError;
use realtime::error::DecodeErrorKind;
use realtime::protocol::{Modality, Nullable, Role, SessionConfig};
use realtime::transport::{TransportConfig, TransportError};
use realtime_testkit::emulator::{Emulator, Fault, Script};
use realtime_testkit::{Rejection, TestServerOptions};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use support::{Case, Harness};

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

fn desk() -> Agent {
    Agent::new("desk")
        .instructions("Be brief.")
        .tool(lookup_tool())
}

fn text_config() -> SessionConfig {
    SessionConfig::new().output_modalities([Modality::Text])
}

/// Reconnects quickly and deterministically (no jitter).
fn fast_reconnect() -> ReconnectPolicy {
    ReconnectPolicy::default()
        .initial_delay(Duration::from_millis(20))
        .max_delay(Duration::from_millis(200))
        .max_attempts(20)
        .jitter(0.0)
}

fn transport() -> TransportConfig {
    TransportConfig::default()
        .max_message_size(256 * 1024)
        .max_frame_size(256 * 1024)
        .ping_interval(Some(Duration::from_millis(100)))
        .pong_timeout(Duration::from_millis(300))
}

async fn start(case: &Case, script: Script) -> Harness {
    start_with(case, script, TestServerOptions::new(), |runner| runner).await
}

async fn start_with(
    case: &Case,
    script: Script,
    options: TestServerOptions,
    customize: impl FnOnce(realtime::agent::AgentRunner) -> realtime::agent::AgentRunner,
) -> Harness {
    let emulator = Emulator::start_with(case.profile.clone(), script, options, 1000)
        .await
        .unwrap();
    Harness::start_on(
        case,
        emulator,
        vec![desk()],
        text_config(),
        transport(),
        |runner| customize(runner.reconnect(fast_reconnect())),
    )
    .await
}

/// The messages and tool entries of the history, as `(kind, text)`.
async fn history(h: &Harness) -> Vec<(String, String)> {
    h.session
        .history()
        .await
        .unwrap()
        .entries()
        .iter()
        .filter_map(|entry| match entry {
            HistoryEntry::Message { role, text, .. } => {
                let role = if *role == Role::User {
                    "user"
                } else {
                    "assistant"
                };
                Some((role.to_owned(), text.clone()))
            }
            HistoryEntry::ToolCall { name, .. } => Some(("call".to_owned(), name.clone())),
            HistoryEntry::ToolOutput { output, .. } => Some(("output".to_owned(), output.clone())),
            _ => None,
        })
        .collect()
}

fn said(role: &str, text: &str) -> (String, String) {
    (role.to_owned(), text.to_owned())
}

/// Waits for a disconnect, then the reconnect; returns (error, items replayed).
async fn reconnect_cycle(h: &mut Harness) -> (AgentError, usize) {
    let error = h
        .until_map(|e| match e {
            AgentEvent::Disconnected { error, attempt: 1 } => Some(clone_error(error)),
            _ => None,
        })
        .await;
    let replayed = h
        .until_map(|e| match e {
            AgentEvent::Reconnected { items_replayed, .. } => Some(*items_replayed),
            _ => None,
        })
        .await;
    (error, replayed)
}

fn clone_error(error: &AgentError) -> AgentError {
    match error {
        AgentError::Client(client) => AgentError::Client(client.clone()),
        other => AgentError::UnknownAgent(other.to_string()),
    }
}

fn decode_error_kind(h: &Harness) -> Vec<DecodeErrorKind> {
    h.events
        .iter()
        .filter_map(|e| match e {
            AgentEvent::Error(AgentError::Client(ClientError::Decode(error))) => {
                Some(error.kind.clone())
            }
            _ => None,
        })
        .collect()
}

fn server_codes(h: &Harness) -> Vec<String> {
    h.events
        .iter()
        .filter_map(|e| match e {
            AgentEvent::Error(AgentError::Server { code, .. }) => Some(code.clone()),
            _ => None,
        })
        .collect()
}

fn frames_of_type<'a>(frames: &'a [Value], kind: &str) -> Vec<&'a Value> {
    frames.iter().filter(|f| f["type"] == kind).collect()
}

pub async fn drop_mid_response(case: Case) {
    let script = Script::new()
        .fault(Fault::DropMidResponse("This answer is cut short by".into()))
        .say("Here is the whole answer.");
    let mut h = start(&case, script).await;
    h.session.send_text("Hi").await.unwrap();
    let (error, replayed) = reconnect_cycle(&mut h).await;
    assert!(
        matches!(
            error,
            AgentError::Client(ClientError::Transport(
                TransportError::ConnectionLost { .. }
            ))
        ),
        "{error:?}"
    );
    assert_eq!(replayed, 1, "the user's message is replayed");
    assert_eq!(
        h.transcript_of(Role::Assistant).await,
        "Here is the whole answer."
    );
    assert_eq!(
        history(&h).await,
        [
            said("user", "Hi"),
            said("assistant", "Here is the whole answer.")
        ],
        "the cut answer never entered the history"
    );
    let second = h.frames_of(1).await;
    assert_eq!(
        support::types(&second),
        [
            "session.update",
            "conversation.item.create",
            "response.create"
        ],
        "settings, history replay, then the lost response is asked for again"
    );
    assert_eq!(second[0]["session"]["instructions"], "Be brief.");
    assert_eq!(
        second[1]["item"],
        json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hi"}]})
    );
    h.close().await;
}

async fn bad_frame_then_recovers(case: Case, fault: Fault) -> Harness {
    let script = Script::new().fault(fault).say("Still here.");
    let mut h = start(&case, script).await;
    h.session.send_text("Hi").await.unwrap();
    assert_eq!(h.transcript_of(Role::Assistant).await, "Still here.");
    assert_eq!(
        history(&h).await,
        [said("user", "Hi"), said("assistant", "Still here.")]
    );
    assert_eq!(h.emulator.connections().len(), 1, "no reconnect needed");
    h
}

pub async fn malformed_json(case: Case) {
    let h = bad_frame_then_recovers(case, Fault::MalformedJson).await;
    let kinds = decode_error_kind(&h);
    assert!(
        matches!(kinds.as_slice(), [DecodeErrorKind::MalformedJson { .. }]),
        "{kinds:?}"
    );
    h.close().await;
}

pub async fn non_object_frame(case: Case) {
    let h = bad_frame_then_recovers(case, Fault::NonObject).await;
    assert_eq!(
        decode_error_kind(&h),
        [DecodeErrorKind::NotAnObject { found: "array" }]
    );
    h.close().await;
}

pub async fn binary_frame(case: Case) {
    let h = bad_frame_then_recovers(case, Fault::BinaryFrame).await;
    assert_eq!(
        decode_error_kind(&h),
        [DecodeErrorKind::BinaryFrame { len: 5 }]
    );
    h.close().await;
}

pub async fn oversized_frame(case: Case) {
    let script = Script::new()
        .fault(Fault::Oversized(512 * 1024))
        .say("Back again.");
    let mut h = start(&case, script).await;
    h.session.send_text("Hi").await.unwrap();
    let (error, replayed) = reconnect_cycle(&mut h).await;
    assert!(
        matches!(
            error,
            AgentError::Client(ClientError::Transport(TransportError::FrameTooLarge {
                max: 262_144,
                ..
            }))
        ),
        "{error:?}"
    );
    assert_eq!(replayed, 1);
    assert_eq!(h.transcript_of(Role::Assistant).await, "Back again.");
    assert_eq!(
        history(&h).await,
        [said("user", "Hi"), said("assistant", "Back again.")]
    );
    h.close().await;
}

pub async fn stall(case: Case) {
    let script = Script::new()
        .fault(Fault::Stall(Duration::from_secs(2)))
        .say("Sorry for the wait.");
    let mut h = start(&case, script).await;
    h.session.send_text("Hi").await.unwrap();
    let (error, _) = reconnect_cycle(&mut h).await;
    assert!(
        matches!(
            error,
            AgentError::Client(ClientError::Transport(TransportError::PongTimeout { .. }))
        ),
        "{error:?}"
    );
    assert_eq!(
        h.transcript_of(Role::Assistant).await,
        "Sorry for the wait."
    );
    assert_eq!(
        history(&h).await,
        [said("user", "Hi"), said("assistant", "Sorry for the wait.")]
    );
    h.close().await;
}

pub async fn server_error(case: Case) {
    let script = Script::new().fault(Fault::ServerError).say("Recovered.");
    let mut h = start(&case, script).await;
    h.session.send_text("Hi").await.unwrap();
    h.until(|e| matches!(e, AgentEvent::ResponseDone { .. }))
        .await;
    assert_eq!(server_codes(&h), ["server_error"]);
    h.session.send_text("Try again").await.unwrap();
    assert_eq!(h.transcript_of(Role::Assistant).await, "Recovered.");
    assert_eq!(
        history(&h).await,
        [
            said("user", "Hi"),
            said("user", "Try again"),
            said("assistant", "Recovered.")
        ]
    );
    assert_eq!(h.emulator.connections().len(), 1);
    h.close().await;
}

pub async fn rate_limited(case: Case) {
    let script = Script::new()
        .fault(Fault::RateLimited)
        .say("Now I can answer.");
    let mut h = start(&case, script).await;
    h.session.send_text("Hi").await.unwrap();
    h.until(|e| matches!(e, AgentEvent::Error(AgentError::Server { .. })))
        .await;
    assert_eq!(server_codes(&h), ["rate_limit_exceeded"]);
    // The refused response.create does not wedge the loop: the next one goes out.
    h.session.send_text("Again").await.unwrap();
    assert_eq!(h.transcript_of(Role::Assistant).await, "Now I can answer.");
    let frames = h.frames().await;
    assert_eq!(frames_of_type(&frames, "response.create").len(), 2);
    h.close().await;
}

pub async fn function_call_done_without_added(case: Case) {
    let script = Script::new()
        .fault(Fault::OrphanFunctionCallDone {
            name: "lookup_order".into(),
            arguments: json!({"order": "Z-9"}).to_string(),
        })
        .say("Z-9 has shipped.");
    let mut h = start(&case, script).await;
    h.session.send_text("Where is Z-9?").await.unwrap();
    assert_eq!(h.transcript_of(Role::Assistant).await, "Z-9 has shipped.");
    let finished: Vec<bool> = h
        .events
        .iter()
        .filter_map(|e| match e {
            AgentEvent::ToolFinished { failed, .. } => Some(*failed),
            _ => None,
        })
        .collect();
    assert_eq!(finished, [false], "the call ran once");
    let entries = history(&h).await;
    assert_eq!(entries[1], said("call", "lookup_order"));
    assert_eq!(entries[2].0, "output");
    assert_eq!(entries[3], said("assistant", "Z-9 has shipped."));
    h.close().await;
}

pub async fn delta_for_unknown_item(case: Case) {
    let script = Script::new()
        .fault(Fault::UnknownItemDelta)
        .say("A normal answer.");
    let mut h = start(&case, script).await;
    h.session.send_text("Hi").await.unwrap();
    assert_eq!(h.transcript_of(Role::Assistant).await, "A normal answer.");
    assert_eq!(
        history(&h).await,
        [said("user", "Hi"), said("assistant", "A normal answer.")],
        "the ghost item's text never becomes history"
    );
    h.close().await;
}

pub async fn duplicate_events(case: Case) {
    let script = Script::new()
        .fault(Fault::Duplicate)
        .call("lookup_order", json!({"order": "A-1"}))
        .say("A-1 has shipped.");
    let mut h = start(&case, script).await;
    h.session.send_text("Where is A-1?").await.unwrap();
    assert_eq!(h.transcript_of(Role::Assistant).await, "A-1 has shipped.");
    let started = h
        .events
        .iter()
        .filter(|e| matches!(e, AgentEvent::ToolStarted { .. }))
        .count();
    assert_eq!(started, 1, "a duplicated call runs once");
    let frames = h.frames().await;
    let outputs = frames
        .iter()
        .filter(|f| f["item"]["type"] == "function_call_output")
        .count();
    assert_eq!(outputs, 1);
    assert_eq!(frames_of_type(&frames, "response.create").len(), 2);
    let entries = history(&h).await;
    assert_eq!(entries.iter().filter(|(kind, _)| kind == "call").count(), 1);
    h.close().await;
}

pub async fn fatal_error_event_stops_reconnecting(case: Case) {
    let script = Script::new().fault(Fault::FatalError("insufficient_quota".into()));
    let mut h = start(&case, script).await;
    h.session.send_text("Hi").await.unwrap();
    let kind = h
        .until_map(|e| match e {
            AgentEvent::Error(AgentError::Fatal { kind, .. }) => Some(*kind),
            _ => None,
        })
        .await;
    assert_eq!(kind, FatalKind::Quota);
    while let Some(event) = h.next_or_end().await {
        assert!(
            !matches!(
                event,
                AgentEvent::Disconnected { .. } | AgentEvent::Reconnected { .. }
            ),
            "{event:?}"
        );
    }
    assert_eq!(h.emulator.connections().len(), 1, "no reconnect attempt");
    h.close().await;
}

/// Accepts the first connection, refuses the later ones with `status` while `refuse` holds.
fn refuse_after_first(status: u16, refuse: Arc<AtomicBool>) -> TestServerOptions {
    let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    TestServerOptions::new().reject_when(move |_| {
        let n = seen.fetch_add(1, Ordering::SeqCst);
        (n > 0 && refuse.load(Ordering::SeqCst)).then(|| {
            Rejection::json(
                status,
                r#"{"error":{"message":"refused by the test","code":null}}"#,
            )
        })
    })
}

pub async fn handshake_401_on_reconnect_is_fatal(case: Case) {
    let script = Script::new().fault(Fault::DropMidResponse("Cut".into()));
    let options = refuse_after_first(401, Arc::new(AtomicBool::new(true)));
    let mut h = start_with(&case, script, options, |runner| runner).await;
    h.session.send_text("Hi").await.unwrap();
    let kind = h
        .until_map(|e| match e {
            AgentEvent::Error(AgentError::Fatal { kind, .. }) => Some(*kind),
            _ => None,
        })
        .await;
    assert_eq!(kind, FatalKind::Auth);
    assert!(h.next_or_end().await.is_none(), "the session ended");
    let attempts = h.emulator.connections().len();
    assert_eq!(attempts, 2, "one refused attempt, then no more");
    h.close().await;
}

pub async fn reconnect_gives_up_after_max_attempts(case: Case) {
    let script = Script::new().fault(Fault::DropMidResponse("Cut".into()));
    let options = refuse_after_first(503, Arc::new(AtomicBool::new(true)));
    let mut h = start_with(&case, script, options, |runner| {
        runner.reconnect(fast_reconnect().max_attempts(3))
    })
    .await;
    h.session.send_text("Hi").await.unwrap();
    let attempts = h
        .until_map(|e| match e {
            AgentEvent::Error(AgentError::ReconnectFailed { attempts, last, .. }) => {
                assert!(
                    matches!(
                        last,
                        ClientError::Transport(TransportError::Handshake { status: 503, .. })
                    ),
                    "{last:?}"
                );
                Some(*attempts)
            }
            _ => None,
        })
        .await;
    assert_eq!(attempts, 3);
    let disconnects = h
        .events
        .iter()
        .filter(|e| matches!(e, AgentEvent::Disconnected { .. }))
        .count();
    assert_eq!(disconnects, 3, "one event per attempt");
    assert!(h.next_or_end().await.is_none());
    assert_eq!(h.emulator.connections().len(), 1 + 3);
    h.close().await;
}

pub async fn audio_is_buffered_while_disconnected(case: Case) {
    let script = Script::new().fault(Fault::DropMidResponse("Cut".into()));
    let refuse = Arc::new(AtomicBool::new(true));
    let options = refuse_after_first(503, Arc::clone(&refuse));
    let mut config = text_config();
    config.turn_detection = Nullable::Null;
    let emulator = Emulator::start_with(case.profile.clone(), script, options, 1000)
        .await
        .unwrap();
    let mut h = Harness::start_on(&case, emulator, vec![desk()], config, transport(), |r| {
        r.reconnect(fast_reconnect().max_attempts(1000))
    })
    .await;
    h.session.send_text("Hi").await.unwrap();
    h.until(|e| matches!(e, AgentEvent::Disconnected { .. }))
        .await;
    // 3 s of audio while every reconnect attempt is refused: the default buffer
    // keeps the newest 2 s and reports the oldest second as dropped.
    h.send_silence_ms(3000).await;
    let mut dropped = 0;
    while dropped < 48_000 {
        dropped += h
            .until_map(|e| match e {
                AgentEvent::AudioDropped { bytes } => Some(*bytes),
                _ => None,
            })
            .await;
    }
    assert_eq!(dropped, 48_000, "one second of 24 kHz pcm16");
    refuse.store(false, Ordering::SeqCst);
    h.until(|e| matches!(e, AgentEvent::Reconnected { .. }))
        .await;
    let last = h.emulator.connections().len() - 1;
    let frames = h.frames_of(last).await;
    let appends = frames_of_type(&frames, "input_audio_buffer.append").len();
    assert_eq!(
        appends, 100,
        "2 s in 20 ms frames, flushed after the replay"
    );
    let types = support::types(&frames);
    assert_eq!(&types[..2], ["session.update", "conversation.item.create"]);
    // Audio sent once reconnected goes straight through.
    h.send_silence_ms(100).await;
    let frames = h.frames_of(last).await;
    assert_eq!(
        frames_of_type(&frames, "input_audio_buffer.append").len(),
        105
    );
    h.close().await;
}

pub async fn reconnect_reapplies_current_agent_and_replays_tools(case: Case) {
    let returns = Agent::new("returns")
        .instructions("Handle returns.")
        .tool(lookup_tool())
        .handoff("desk", "Anything else.");
    let desk = desk().handoff("returns", "Returns.");
    let script = Script::new()
        .call("transfer_to_returns", json!({}))
        .call("lookup_order", json!({"order": "R-1"}))
        .say("R-1 can be returned.")
        .fault(Fault::DropMidResponse("Anything".into()))
        .say("Anything else?");
    let emulator = Emulator::start(case.profile.clone(), script).await.unwrap();
    let mut h = Harness::start_on(
        &case,
        emulator,
        vec![desk, returns],
        text_config(),
        transport(),
        |r| r.reconnect(fast_reconnect()),
    )
    .await;
    h.session.send_text("Return R-1").await.unwrap();
    assert_eq!(
        h.transcript_of(Role::Assistant).await,
        "R-1 can be returned."
    );
    h.session.send_text("Thanks").await.unwrap();
    let (_, replayed) = reconnect_cycle(&mut h).await;
    assert_eq!(h.transcript_of(Role::Assistant).await, "Anything else?");
    // user, call+output (handoff), call+output (lookup), assistant, user.
    assert_eq!(replayed, 7);
    let second = h.frames_of(1).await;
    assert_eq!(second[0]["type"], "session.update");
    assert_eq!(
        second[0]["session"]["instructions"], "Handle returns.",
        "the agent active at the drop is re-applied"
    );
    let replay: Vec<&str> = second[1..8]
        .iter()
        .map(|f| f["item"]["type"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(
        replay,
        [
            "message",
            "function_call",
            "function_call_output",
            "function_call",
            "function_call_output",
            "message",
            "message"
        ]
    );
    assert_eq!(second[2]["item"]["call_id"], second[3]["item"]["call_id"]);
    h.close().await;
}

pub async fn rotation_happens_between_turns(case: Case) {
    let slow = AgentTool::new(
        "lookup_order",
        "Finds an order, slowly.",
        |args: OrderArgs, _ctx| async move {
            // Longer than the session lifetime: rotation must wait for it.
            tokio::time::sleep(Duration::from_millis(700)).await;
            Ok::<_, ToolError>(json!({"order": args.order, "status": "shipped"}))
        },
    );
    let agent = Agent::new("desk").instructions("Be brief.").tool(slow);
    let script = Script::new()
        .call("lookup_order", json!({"order": "A-1"}))
        .say("A-1 has shipped.")
        .say("You are welcome.");
    let emulator = Emulator::start(case.profile.clone(), script).await.unwrap();
    let mut h = Harness::start_on(
        &case,
        emulator,
        vec![agent],
        text_config(),
        transport(),
        |r| r.rotation(RotationPolicy::default().lifetime(Duration::from_millis(500))),
    )
    .await;
    h.session.send_text("Where is A-1?").await.unwrap();
    assert_eq!(h.transcript_of(Role::Assistant).await, "A-1 has shipped.");
    h.until(|e| matches!(e, AgentEvent::SessionRotated { .. }))
        .await;
    h.session.send_text("Thanks").await.unwrap();
    assert_eq!(h.transcript_of(Role::Assistant).await, "You are welcome.");

    // Every rotation happened between turns: no response, tool or follow-up open.
    let mut open_responses = 0i32;
    let mut open_tools = 0i32;
    for event in &h.events {
        match event {
            AgentEvent::Raw(raw)
                if matches!(**raw, realtime::protocol::ServerEvent::ResponseCreated(_)) =>
            {
                open_responses += 1;
            }
            AgentEvent::ResponseDone { .. } => open_responses -= 1,
            AgentEvent::ToolStarted { .. } => open_tools += 1,
            AgentEvent::ToolFinished { .. } => open_tools -= 1,
            AgentEvent::SessionRotated { items_replayed } => {
                assert_eq!(open_responses, 0, "rotated during a response");
                assert_eq!(open_tools, 0, "rotated while a tool ran");
                assert!(*items_replayed >= 4, "{items_replayed}");
            }
            AgentEvent::Disconnected { .. } | AgentEvent::Reconnected { .. } => {
                panic!("a rotation is not a reconnect: {event:?}")
            }
            _ => {}
        }
    }
    let connections = h.emulator.connections();
    assert!(connections.len() >= 2);
    connections[0]
        .wait_for_end(Duration::from_secs(5))
        .await
        .unwrap();
    let closed_normally = connections[0].frames().iter().any(|frame| {
        matches!(
            frame,
            realtime_testkit::ClientFrame::Close { code: 1000, .. }
        )
    });
    assert!(closed_normally, "the old connection is closed cleanly");
    let entries = history(&h).await;
    assert_eq!(entries.len(), 6, "{entries:?}");
    assert_eq!(entries[0], said("user", "Where is A-1?"));
    assert_eq!(entries[1], said("call", "lookup_order"));
    assert!(entries[2].0 == "output" && entries[2].1.contains("shipped"));
    assert_eq!(entries[3], said("assistant", "A-1 has shipped."));
    assert_eq!(entries[4], said("user", "Thanks"));
    assert_eq!(entries[5], said("assistant", "You are welcome."));
    h.close().await;
}

macro_rules! fault_suite {
    ($module:ident, $case:expr) => {
        mod $module {
            #[tokio::test]
            async fn drop_mid_response() {
                super::drop_mid_response($case).await;
            }
            #[tokio::test]
            async fn malformed_json() {
                super::malformed_json($case).await;
            }
            #[tokio::test]
            async fn non_object_frame() {
                super::non_object_frame($case).await;
            }
            #[tokio::test]
            async fn binary_frame() {
                super::binary_frame($case).await;
            }
            #[tokio::test]
            async fn oversized_frame() {
                super::oversized_frame($case).await;
            }
            #[tokio::test]
            async fn stall() {
                super::stall($case).await;
            }
            #[tokio::test]
            async fn server_error() {
                super::server_error($case).await;
            }
            #[tokio::test]
            async fn rate_limited() {
                super::rate_limited($case).await;
            }
            #[tokio::test]
            async fn function_call_done_without_added() {
                super::function_call_done_without_added($case).await;
            }
            #[tokio::test]
            async fn delta_for_unknown_item() {
                super::delta_for_unknown_item($case).await;
            }
            #[tokio::test]
            async fn duplicate_events() {
                super::duplicate_events($case).await;
            }
            #[tokio::test]
            async fn fatal_error_event_stops_reconnecting() {
                super::fatal_error_event_stops_reconnecting($case).await;
            }
            #[tokio::test]
            async fn handshake_401_on_reconnect_is_fatal() {
                super::handshake_401_on_reconnect_is_fatal($case).await;
            }
            #[tokio::test]
            async fn reconnect_gives_up_after_max_attempts() {
                super::reconnect_gives_up_after_max_attempts($case).await;
            }
            #[tokio::test]
            async fn audio_is_buffered_while_disconnected() {
                super::audio_is_buffered_while_disconnected($case).await;
            }
            #[tokio::test]
            async fn reconnect_reapplies_current_agent_and_replays_tools() {
                super::reconnect_reapplies_current_agent_and_replays_tools($case).await;
            }
            #[tokio::test]
            async fn rotation_happens_between_turns() {
                super::rotation_happens_between_turns($case).await;
            }
        }
    };
}

fault_suite!(openai_ga, super::support::Case::openai_ga());
fault_suite!(azure_openai_ga_v1, super::support::Case::azure_ga_v1());
fault_suite!(azure_openai_preview, super::support::Case::azure_preview());
fault_suite!(voicelive_dated, super::support::Case::voicelive_dated());
fault_suite!(voicelive_v1, super::support::Case::voicelive_v1());

/// Measures reconnects on loopback (no backoff delay): the time from the drop being
/// seen to the session being back (connect, settings, history replay), and the items
/// replayed. Run with
/// `cargo test --release -p realtime --test faults measure_reconnect -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "measurement, prints timings"]
#[allow(clippy::print_stdout)]
async fn measure_reconnect() {
    let case = Case::openai_ga();
    let rounds = 20;
    let mut script = Script::new();
    for round in 0..rounds {
        script = script
            .fault(Fault::DropMidResponse("Cut".into()))
            .say(format!("Answer {round}."));
    }
    let emulator = Emulator::start(case.profile.clone(), script).await.unwrap();
    let mut h = Harness::start_on(
        &case,
        emulator,
        vec![desk()],
        text_config(),
        transport(),
        |r| r.reconnect(fast_reconnect().initial_delay(Duration::ZERO)),
    )
    .await;
    let mut timings = Vec::new();
    for round in 0..rounds {
        h.session
            .send_text(format!("Question {round}"))
            .await
            .unwrap();
        h.until(|e| matches!(e, AgentEvent::Disconnected { .. }))
            .await;
        let lost = std::time::Instant::now();
        let replayed = h
            .until_map(|e| match e {
                AgentEvent::Reconnected { items_replayed, .. } => Some(*items_replayed),
                _ => None,
            })
            .await;
        timings.push((lost.elapsed(), replayed));
        assert_eq!(
            h.transcript_of(Role::Assistant).await,
            format!("Answer {round}.")
        );
    }
    for (round, (elapsed, replayed)) in timings.iter().enumerate() {
        println!("reconnect {round}: {elapsed:?}, {replayed} items replayed");
    }
    let mut sorted: Vec<Duration> = timings.iter().map(|(d, _)| *d).collect();
    sorted.sort();
    println!(
        "reconnect on loopback: min {:?}, median {:?}, max {:?} over {rounds} drops",
        sorted[0],
        sorted[sorted.len() / 2],
        sorted[sorted.len() - 1]
    );
    h.close().await;
}
