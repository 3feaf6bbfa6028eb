//! The agent machine's invariants as scenarios, once per dialect, over real sockets.
//!
//! Each scenario needs an exact ordering of server events (an item that finished
//! playing, then a new one; a handoff call before or after another call), so the
//! server here is the testkit's WebSocket server with a choreography: it waits for
//! the client frames named, and sends events written once in the GA spelling and
//! re-encoded in the dialect's own wire shape by the real codec.
//!
//! Among them are the five orderings that broke the earlier loop:
//! - `barge_in_after_an_earlier_item_finished` (invariant 2);
//! - `handoff_and_tool_call_in_either_order` (invariant 3);
//! - `a_handoff_the_dialect_refuses_is_refused_at_start` (invariant 4);
//! - `text_guardrail_deletes_the_item` (invariant 6);
//! - `refused_input_is_not_answered` (invariant 5).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::needless_pass_by_value
)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use realtime::agent::{
    Agent, AgentError, AgentEvent, AgentRunner, AgentSession, AgentTool, GuardrailRemedy,
    HistoryEntry, OutputGuardrail, RotationPolicy, Verdict,
};
use realtime::client::RealtimeClient;
use realtime::protocol::{ContentPart, Modality, SessionConfig};
use realtime::transport::{ConnectRequest, StaticConnector};
use realtime::wire::WireShape;
use realtime_testkit::{ClientFrame, ServerConn, TestServer, TestServerOptions};
use serde_json::{Value, json};
use support::Case;

const WAIT: Duration = Duration::from_secs(5);

/// One step of a server's choreography.
#[derive(Debug, Clone)]
enum Step {
    /// Wait for a client frame of this type.
    Expect(&'static str),
    /// Send this event (GA spelling; re-encoded in the dialect's shape).
    Send(Value),
}

use Step::{Expect, Send};

/// A server that plays one choreography per connection, in order.
async fn choreographed(case: &Case, connections: Vec<Vec<Step>>) -> TestServer {
    let shape = case.shape();
    let connections = Arc::new(connections);
    let index = Arc::new(AtomicUsize::new(0));
    let options = TestServerOptions::new().handler(move |mut conn: ServerConn| {
        let connections = Arc::clone(&connections);
        let index = index.fetch_add(1, Ordering::SeqCst);
        async move {
            let Some(steps) = connections.get(index) else {
                return;
            };
            for step in steps {
                match step {
                    Send(event) => {
                        let events = WireShape::Ga.decode_server(&event.to_string()).unwrap();
                        for event in events {
                            let frame = shape.encode_server(&event).unwrap();
                            if conn.send_text(frame).await.is_err() {
                                return;
                            }
                        }
                    }
                    Expect(wanted) => loop {
                        match conn.recv().await {
                            Some(ClientFrame::Text(text)) => {
                                let frame: Value = serde_json::from_str(&text).unwrap();
                                if frame["type"] == *wanted {
                                    break;
                                }
                            }
                            Some(_) => {}
                            None => return,
                        }
                    },
                }
            }
        }
    });
    TestServer::start(options).await.unwrap()
}

fn session_created(case: &Case) -> Step {
    let session = match case.shape() {
        WireShape::Ga => json!({"type": "realtime", "id": "sess_1", "object": "realtime.session"}),
        WireShape::Beta => json!({"id": "sess_1", "object": "realtime.session"}),
    };
    Send(json!({"type": "session.created", "event_id": "evt_0", "session": session}))
}

fn created(response: &str) -> Step {
    Send(
        json!({"type": "response.created", "event_id": format!("evt_c_{response}"),
        "response": {"id": response, "object": "realtime.response", "status": "in_progress", "output": []}}),
    )
}

fn done(response: &str, output: Value) -> Step {
    Send(
        json!({"type": "response.done", "event_id": format!("evt_d_{response}"),
        "response": {"id": response, "object": "realtime.response", "status": "completed", "output": output}}),
    )
}

fn message_added(response: &str, item: &str) -> Step {
    Send(
        json!({"type": "response.output_item.added", "event_id": format!("evt_a_{item}"),
        "response_id": response, "output_index": 0,
        "item": {"id": item, "object": "realtime.item", "type": "message", "role": "assistant",
                 "status": "in_progress", "content": []}}),
    )
}

/// 100 ms of silence at 24 kHz PCM16, base64.
fn audio_100ms() -> String {
    "AAAA".repeat(4_800 / 3)
}

fn audio_delta(response: &str, item: &str) -> Step {
    Send(
        json!({"type": "response.output_audio.delta", "event_id": format!("evt_ad_{item}"),
        "response_id": response, "item_id": item, "output_index": 0, "content_index": 0,
        "delta": audio_100ms()}),
    )
}

fn audio_done(response: &str, item: &str) -> Step {
    Send(
        json!({"type": "response.output_audio.done", "event_id": format!("evt_aD_{item}"),
        "response_id": response, "item_id": item, "output_index": 0, "content_index": 0}),
    )
}

fn transcript_done(response: &str, item: &str, text: &str) -> Step {
    Send(
        json!({"type": "response.output_audio_transcript.done", "event_id": format!("evt_t_{item}"),
        "response_id": response, "item_id": item, "output_index": 0, "content_index": 0,
        "transcript": text}),
    )
}

fn speech_started() -> Step {
    Send(
        json!({"type": "input_audio_buffer.speech_started", "event_id": "evt_sp",
        "audio_start_ms": 1000, "item_id": "item_user_2"}),
    )
}

fn call_item(call_id: &str, name: &str, arguments: &str) -> Value {
    json!({"id": format!("item_{call_id}"), "object": "realtime.item", "type": "function_call",
        "status": "completed", "call_id": call_id, "name": name, "arguments": arguments})
}

fn call_done(response: &str, index: u32, item: &Value) -> Step {
    Send(
        json!({"type": "response.output_item.done", "event_id": format!("evt_cd_{index}"),
        "response_id": response, "output_index": index, "item": item}),
    )
}

async fn start(
    case: &Case,
    server: &TestServer,
    runner: impl FnOnce(RealtimeClient) -> AgentRunner,
) -> AgentSession {
    let connector = StaticConnector::new(
        "choreography",
        ConnectRequest::new(server.ws_url("/realtime")),
    );
    let client = RealtimeClient::from_parts(Arc::clone(&case.dialect), Arc::new(connector));
    runner(client).start().await.unwrap()
}

/// Waits for the first event `f` maps to a value, keeping every event seen.
async fn until<T>(
    session: &mut AgentSession,
    seen: &mut Vec<AgentEvent>,
    f: impl Fn(&AgentEvent) -> Option<T>,
) -> T {
    loop {
        let event = tokio::time::timeout(WAIT, session.next_event())
            .await
            .expect("an event within 5 s")
            .expect("the session is running");
        let hit = f(&event);
        seen.push(event);
        if let Some(value) = hit {
            return value;
        }
    }
}

/// The client frames of connection `index`, once they had time to arrive.
async fn frames(server: &TestServer, index: usize) -> Vec<Value> {
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.connections()[index]
        .texts()
        .iter()
        .map(|text| serde_json::from_str(text).unwrap())
        .collect()
}

fn of_type<'a>(frames: &'a [Value], wanted: &str) -> Vec<&'a Value> {
    frames
        .iter()
        .filter(|frame| frame["type"] == wanted)
        .collect()
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Order {
    /// The order number.
    order: String,
}

fn lookup() -> AgentTool {
    AgentTool::new(
        "lookup_order",
        "Looks an order up.",
        |order: Order, _| async move { Ok(json!({"order": order.order, "status": "shipped"})) },
    )
}

// ---------------------------------------------------------------------------------
// Invariant 2, and ordering 1: a barge-in after an earlier item finished playing
// acts on the new item (deleted: no audio of it yet), never on the finished one.

async fn barge_in_after_an_earlier_item_finished(case: Case) {
    let server = choreographed(
        &case,
        vec![vec![
            session_created(&case),
            Expect("response.create"),
            created("resp_1"),
            message_added("resp_1", "item_a"),
            audio_delta("resp_1", "item_a"),
            audio_done("resp_1", "item_a"),
            transcript_done("resp_1", "item_a", "First answer."),
            done("resp_1", json!([])),
            // Once the app has played item_a (it says so, then streams microphone audio),
            // the server starts the next response on its own; the user speaks before any
            // of its audio.
            Expect("input_audio_buffer.append"),
            created("resp_2"),
            message_added("resp_2", "item_b"),
            speech_started(),
            Expect("conversation.item.delete"),
            done("resp_2", json!([])),
        ]],
    )
    .await;
    let mut session = start(&case, &server, |client| {
        AgentRunner::new(client, Agent::new("desk").instructions("Talk."))
    })
    .await;
    let mut seen = Vec::new();
    session.send_text("Hello").await.unwrap();
    let first = until(&mut session, &mut seen, |event| match event {
        AgentEvent::Audio { item_id, audio } => Some((item_id.clone(), audio.len())),
        _ => None,
    })
    .await;
    // The speaker played all of item_a; then the microphone streams.
    session.playback().played_bytes(&first.0, first.1 as u64);
    session.send_audio(&[0u8; 960]).await.unwrap();
    let interrupted = until(&mut session, &mut seen, |event| match event {
        AgentEvent::Interrupted {
            item_id,
            audio_end_ms,
        } => Some((item_id.clone(), *audio_end_ms)),
        _ => None,
    })
    .await;
    assert_eq!(
        interrupted,
        ("item_b".to_owned(), None),
        "{}: the new item, deleted",
        case.dialect.name()
    );
    let frames = frames(&server, 0).await;
    assert!(
        of_type(&frames, "conversation.item.truncate").is_empty(),
        "item_a finished: never truncated"
    );
    let deleted: Vec<&Value> = of_type(&frames, "conversation.item.delete");
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0]["item_id"], "item_b");
    session.close().await.unwrap();
}

// Invariant 2: the truncation point is clamped to the audio received.
async fn barge_in_clamps_to_received_audio(case: Case) {
    let server = choreographed(
        &case,
        vec![vec![
            session_created(&case),
            Expect("response.create"),
            created("resp_1"),
            message_added("resp_1", "item_a"),
            audio_delta("resp_1", "item_a"),
            Expect("input_audio_buffer.append"),
            speech_started(),
            Expect("conversation.item.truncate"),
            done("resp_1", json!([])),
        ]],
    )
    .await;
    let mut session = start(&case, &server, |client| {
        AgentRunner::new(client, Agent::new("desk"))
    })
    .await;
    let mut seen = Vec::new();
    session.send_text("Hello").await.unwrap();
    let item = until(&mut session, &mut seen, |event| match event {
        AgentEvent::Audio { item_id, .. } => Some(item_id.clone()),
        _ => None,
    })
    .await;
    // The app claims more than arrived (100 ms); then the microphone streams.
    session.playback().played(&item, 5_000);
    session.send_audio(&[0u8; 960]).await.unwrap();
    let end = until(&mut session, &mut seen, |event| match event {
        AgentEvent::Interrupted { audio_end_ms, .. } => Some(*audio_end_ms),
        _ => None,
    })
    .await;
    assert_eq!(
        end,
        Some(100),
        "{}: clamped to the 100 ms received",
        case.dialect.name()
    );
    let frames = frames(&server, 0).await;
    assert_eq!(
        of_type(&frames, "conversation.item.truncate")[0]["audio_end_ms"],
        100
    );
    session.close().await.unwrap();
}

// ---------------------------------------------------------------------------------
// Invariant 1: an `error` without event id answering our create reopens the gate,
// and the request made meanwhile is sent.

async fn gate_reopens_after_an_error_without_event_id(case: Case) {
    let server = choreographed(&case, vec![vec![
        session_created(&case),
        Expect("response.create"),
        Expect("conversation.item.create"),
        Send(json!({"type": "error", "event_id": "evt_err",
            "error": {"type": "invalid_request_error", "code": "server_busy", "message": "try again"}})),
        Expect("response.create"),
        created("resp_1"),
        transcript_done("resp_1", "item_a", "Both answered."),
        done("resp_1", json!([])),
    ]]).await;
    let mut session = start(&case, &server, |client| {
        AgentRunner::new(client, Agent::new("desk"))
    })
    .await;
    let mut seen = Vec::new();
    session.send_text("One").await.unwrap();
    session.send_text("Two").await.unwrap();
    let text = until(&mut session, &mut seen, |event| match event {
        AgentEvent::Transcript { text, .. } => Some(text.clone()),
        _ => None,
    })
    .await;
    assert_eq!(text, "Both answered.");
    let frames = frames(&server, 0).await;
    assert_eq!(
        of_type(&frames, "response.create").len(),
        2,
        "{}: the waiting request was sent",
        case.dialect.name()
    );
    session.close().await.unwrap();
}

// ---------------------------------------------------------------------------------
// Invariant 3, and ordering 2: a response holding a handoff call and a tool call
// behaves the same in either order.

async fn handoff_and_tool_call_in_either_order(case: Case) {
    for handoff_first in [true, false] {
        let transfer = call_item("call_h", "transfer_to_returns", "{}");
        let tool = call_item("call_t", "lookup_order", r#"{"order":"O-1"}"#);
        let calls = if handoff_first {
            vec![transfer, tool]
        } else {
            vec![tool, transfer]
        };
        let server = choreographed(
            &case,
            vec![vec![
                session_created(&case),
                Expect("response.create"),
                created("resp_1"),
                call_done("resp_1", 0, &calls[0]),
                call_done("resp_1", 1, &calls[1]),
                done("resp_1", json!(calls)),
                Expect("response.create"),
                created("resp_2"),
                transcript_done("resp_2", "item_r", "Returns here."),
                done("resp_2", json!([])),
            ]],
        )
        .await;
        let desk = Agent::new("desk")
            .instructions("Desk.")
            .tool(lookup())
            .handoff("returns", "Returns.");
        let returns = Agent::new("returns")
            .instructions("Returns.")
            .tool(lookup());
        let mut session = start(&case, &server, |client| {
            AgentRunner::new(client, desk).agent(returns)
        })
        .await;
        let mut seen = Vec::new();
        session
            .send_text("Where is O-1, and I want to return it")
            .await
            .unwrap();
        until(&mut session, &mut seen, |event| {
            matches!(event, AgentEvent::Transcript { text, .. } if text == "Returns here.")
                .then_some(())
        })
        .await;
        let started: Vec<(&str, &str)> = seen
            .iter()
            .filter_map(|event| match event {
                AgentEvent::ToolStarted { agent, tool, .. } => {
                    Some((agent.as_str(), tool.as_str()))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            started,
            [("desk", "lookup_order")],
            "{} (handoff first: {handoff_first}): the call belongs to the response's agent",
            case.dialect.name()
        );
        assert!(seen.iter().any(|event| matches!(event, AgentEvent::Handoff { from, to } if from == "desk" && to == "returns")));
        let frames = frames(&server, 0).await;
        let outputs: Vec<&str> = frames
            .iter()
            .filter(|frame| {
                frame["type"] == "conversation.item.create"
                    && frame["item"]["type"] == "function_call_output"
            })
            .map(|frame| frame["item"]["call_id"].as_str().unwrap())
            .collect();
        let mut sorted = outputs.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            ["call_h", "call_t"],
            "each call answered once: {outputs:?}"
        );
        // The handoff's update comes after both calls were dispatched, the follow-up last.
        let update_at = frames
            .iter()
            .rposition(|frame| frame["type"] == "session.update")
            .unwrap();
        let create_at = frames
            .iter()
            .rposition(|frame| frame["type"] == "response.create")
            .unwrap();
        assert!(
            update_at < create_at,
            "the new agent's settings precede its first response"
        );
        session.close().await.unwrap();
    }
}

/// Calls in one response: each announced three times.
const CALLS: usize = 1_000;

// Invariant 3: a call announced three times (arguments done, item done, response
// done), and a thousand calls at once, each get exactly one output and run once.
async fn each_call_answered_once(case: Case) {
    let calls: Vec<Value> = (0..CALLS)
        .map(|n| {
            call_item(
                &format!("call_{n}"),
                "lookup_order",
                &format!(r#"{{"order":"O-{n}"}}"#),
            )
        })
        .collect();
    let mut steps = vec![
        session_created(&case),
        Expect("response.create"),
        created("resp_1"),
    ];
    for (n, call) in calls.iter().enumerate() {
        steps.push(Send(json!({"type": "response.function_call_arguments.done", "event_id": format!("evt_fa_{n}"),
            "response_id": "resp_1", "item_id": call["id"], "output_index": n, "call_id": call["call_id"],
            "name": "lookup_order", "arguments": call["arguments"]})));
        steps.push(call_done("resp_1", u32::try_from(n).unwrap(), call));
    }
    steps.push(done("resp_1", json!(calls)));
    steps.push(Expect("response.create"));
    steps.push(created("resp_2"));
    steps.push(transcript_done("resp_2", "item_x", "All shipped."));
    steps.push(done("resp_2", json!([])));
    let server = choreographed(&case, vec![steps]).await;
    let desk = Agent::new("desk").tool(lookup());
    let mut session = start(&case, &server, |client| AgentRunner::new(client, desk)).await;
    let mut seen = Vec::new();
    session.send_text("Check all my orders").await.unwrap();
    until(&mut session, &mut seen, |event| {
        matches!(event, AgentEvent::Transcript { text, .. } if text == "All shipped.").then_some(())
    })
    .await;
    let started = seen
        .iter()
        .filter(|event| matches!(event, AgentEvent::ToolStarted { .. }))
        .count();
    assert_eq!(
        started,
        CALLS,
        "{}: each tool ran once",
        case.dialect.name()
    );
    let frames = frames(&server, 0).await;
    let mut outputs: Vec<&str> = frames
        .iter()
        .filter(|frame| frame["item"]["type"] == "function_call_output")
        .map(|frame| frame["item"]["call_id"].as_str().unwrap())
        .collect();
    outputs.sort_unstable();
    outputs.dedup();
    assert_eq!(outputs.len(), CALLS);
    assert_eq!(
        of_type(&frames, "conversation.item.create").len(),
        1 + CALLS,
        "one message, one output per call"
    );
    assert_eq!(
        of_type(&frames, "response.create").len(),
        2,
        "one follow-up for all the calls"
    );
    session.close().await.unwrap();
}

// ---------------------------------------------------------------------------------
// Invariant 4, and ordering 3: an agent reachable by handoff whose settings the
// dialect refuses is refused when the session starts, not at the handoff.

async fn a_handoff_the_dialect_refuses_is_refused_at_start(case: Case) {
    let server = choreographed(&case, vec![vec![session_created(&case)]]).await;
    let connector = StaticConnector::new(
        "choreography",
        ConnectRequest::new(server.ws_url("/realtime")),
    );
    let client = RealtimeClient::from_parts(Arc::clone(&case.dialect), Arc::new(connector));
    let desk = Agent::new("desk").handoff("returns", "Returns.");
    let returns = Agent::new("returns").voice("no-such-voice");
    let error = AgentRunner::new(client, desk)
        .agent(returns)
        .start()
        .await
        .unwrap_err();
    match &error {
        AgentError::InvalidAgent { agent, reason, .. } => {
            assert_eq!(agent, "returns", "{error}");
            assert!(reason.contains("voice"), "{error}");
        }
        other => panic!(
            "{}: expected InvalidAgent, got {other}",
            case.dialect.name()
        ),
    }
    assert!(
        server.connections().is_empty(),
        "nothing was sent: not even a connection"
    );
}

// ---------------------------------------------------------------------------------
// Invariant 5, and ordering 5: input the dialect refuses is not answered.

async fn refused_input_is_not_answered(case: Case) {
    if case.dialect.capabilities().image_input {
        println!(
            "{}: skipped: every input the agent API sends is accepted here (the refusal path is proven by the machine's property tests)",
            case.dialect.name()
        );
        return;
    }
    let server = choreographed(&case, vec![vec![session_created(&case)]]).await;
    let mut session = start(&case, &server, |client| {
        AgentRunner::new(client, Agent::new("desk"))
    })
    .await;
    let mut seen = Vec::new();
    let image = ContentPart::input_image("data:image/png;base64,iVBORw0KGgo=");
    session
        .send_content(vec![ContentPart::input_text("Look"), image])
        .await
        .unwrap();
    until(&mut session, &mut seen, |event| {
        matches!(event, AgentEvent::Error(AgentError::Refused { .. })).then_some(())
    })
    .await;
    let history = session.history().await.unwrap();
    assert!(
        !history.entries().iter().any(
            |entry| matches!(entry, HistoryEntry::Message { text, .. } if text.contains("Look"))
        ),
        "refused content never enters the history"
    );
    let frames = frames(&server, 0).await;
    assert!(of_type(&frames, "conversation.item.create").is_empty());
    assert!(
        of_type(&frames, "response.create").is_empty(),
        "{}: no response for refused input",
        case.dialect.name()
    );
    session.close().await.unwrap();
}

// ---------------------------------------------------------------------------------
// Invariant 6, and ordering 4: an output guardrail tripping in text-only mode
// deletes the item, so the offending text leaves the model's context.

async fn text_guardrail_deletes_the_item(case: Case) {
    let server = choreographed(&case, vec![vec![
        session_created(&case),
        Expect("response.create"),
        created("resp_1"),
        message_added("resp_1", "item_t"),
        Send(json!({"type": "response.output_text.delta", "event_id": "evt_td", "response_id": "resp_1",
            "item_id": "item_t", "output_index": 0, "content_index": 0, "delta": "The secret code is 1234"})),
        Expect("conversation.item.delete"),
        done("resp_1", json!([])),
    ]]).await;
    let guard = OutputGuardrail::new("no-codes", |text: &str| {
        if text.contains("secret code") {
            Verdict::Trip {
                reason: "leaks a code".into(),
            }
        } else {
            Verdict::Pass
        }
    })
    .every_chars(1);
    let desk = Agent::new("desk").output_guardrail(guard);
    let mut config = SessionConfig::new();
    config.output_modalities = Some(vec![Modality::Text]);
    let mut session = start(&case, &server, |client| {
        AgentRunner::new(client, desk).session_config(config)
    })
    .await;
    let mut seen = Vec::new();
    session.send_text("Tell me the code").await.unwrap();
    let remedy = until(&mut session, &mut seen, |event| match event {
        AgentEvent::GuardrailTripped { remedy, .. } => Some(remedy.clone()),
        _ => None,
    })
    .await;
    assert_eq!(remedy, GuardrailRemedy::Deleted, "{}", case.dialect.name());
    let frames = frames(&server, 0).await;
    assert_eq!(
        of_type(&frames, "conversation.item.delete")[0]["item_id"],
        "item_t"
    );
    assert_eq!(
        of_type(&frames, "response.cancel").len(),
        1,
        "the response was cancelled"
    );
    session.close().await.unwrap();
}

// ---------------------------------------------------------------------------------
// Invariant 7: an expiry within the margin never rotates; a valid one rotates once
// per connection (the new connection's expiry is within the margin: no storm).

async fn rotation_happens_once(case: Case) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let with_expiry = |case: &Case, expires_at: u64| {
        let mut step = session_created(case);
        if let Send(event) = &mut step {
            event["session"]["expires_at"] = json!(expires_at);
        }
        step
    };
    // The first connection has 10 s left (9 if a second ticks while connecting): with
    // an 8.5 s margin it rotates after 0.5 to 1.5 s. The next ones say 5 s are left,
    // within the margin: no further rotation.
    let server = choreographed(
        &case,
        vec![
            vec![with_expiry(&case, now + 10)],
            vec![with_expiry(&case, now + 5)],
            vec![with_expiry(&case, now + 5)],
        ],
    )
    .await;
    let mut session = start(&case, &server, |client| {
        AgentRunner::new(client, Agent::new("desk"))
            .rotation(RotationPolicy::default().margin(Duration::from_millis(8_500)))
    })
    .await;
    let mut seen = Vec::new();
    until(&mut session, &mut seen, |event| {
        matches!(event, AgentEvent::SessionRotated { .. }).then_some(())
    })
    .await;
    // Long enough for another rotation, were there one.
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    assert_eq!(
        server.connections().len(),
        2,
        "{}: one rotation, no storm",
        case.dialect.name()
    );
    session.close().await.unwrap();
}

// Invariant 7: a server that accepts and then closes every connection (normally,
// 1000, or with an error, 1011) is given up on after the attempts allowed: young
// connections do not reset the budget.
async fn a_server_that_closes_every_connection_is_given_up_on(case: Case) {
    for code in [1000u16, 1011] {
        let shape = case.shape();
        let session = match shape {
            WireShape::Ga => json!({"type": "realtime", "id": "sess_1"}),
            WireShape::Beta => json!({"id": "sess_1"}),
        };
        let created = WireShape::Ga
            .decode_server(
                &json!({"type": "session.created", "event_id": "e0", "session": session})
                    .to_string(),
            )
            .unwrap();
        let frame = shape.encode_server(&created[0]).unwrap();
        let options = TestServerOptions::new().handler(move |conn: ServerConn| {
            let frame = frame.clone();
            async move {
                let _ = conn.send_text(frame).await;
                tokio::time::sleep(Duration::from_millis(20)).await;
                let _ = conn.close(code, "going away").await;
            }
        });
        let server = TestServer::start(options).await.unwrap();
        let policy = realtime::agent::ReconnectPolicy::default()
            .initial_delay(Duration::from_millis(10))
            .max_delay(Duration::from_millis(20))
            .max_attempts(3);
        let mut session = start(&case, &server, |client| {
            AgentRunner::new(client, Agent::new("desk")).reconnect(policy)
        })
        .await;
        let mut seen = Vec::new();
        let attempts = until(&mut session, &mut seen, |event| match event {
            AgentEvent::Error(AgentError::ReconnectFailed { attempts, .. }) => Some(*attempts),
            _ => None,
        })
        .await;
        assert_eq!(attempts, 3, "{} (close {code})", case.dialect.name());
        let reconnected = seen
            .iter()
            .filter(|event| matches!(event, AgentEvent::Reconnected { .. }))
            .count();
        assert_eq!(
            reconnected, 3,
            "each attempt connected, then the server closed it"
        );
        assert_eq!(
            server.connections().len(),
            4,
            "the first connection and three attempts, then no more"
        );
        let _ = session.close().await;
    }
}

macro_rules! dialect_suite {
    ($module:ident, $case:expr) => {
        mod $module {
            #[tokio::test]
            async fn barge_in_after_an_earlier_item_finished() {
                super::barge_in_after_an_earlier_item_finished($case).await;
            }
            #[tokio::test]
            async fn barge_in_clamps_to_received_audio() {
                super::barge_in_clamps_to_received_audio($case).await;
            }
            #[tokio::test]
            async fn gate_reopens_after_an_error_without_event_id() {
                super::gate_reopens_after_an_error_without_event_id($case).await;
            }
            #[tokio::test]
            async fn handoff_and_tool_call_in_either_order() {
                super::handoff_and_tool_call_in_either_order($case).await;
            }
            #[tokio::test]
            async fn each_call_answered_once() {
                super::each_call_answered_once($case).await;
            }
            #[tokio::test]
            async fn a_handoff_the_dialect_refuses_is_refused_at_start() {
                super::a_handoff_the_dialect_refuses_is_refused_at_start($case).await;
            }
            #[tokio::test]
            async fn refused_input_is_not_answered() {
                super::refused_input_is_not_answered($case).await;
            }
            #[tokio::test]
            async fn text_guardrail_deletes_the_item() {
                super::text_guardrail_deletes_the_item($case).await;
            }
            #[tokio::test]
            async fn a_server_that_closes_every_connection_is_given_up_on() {
                super::a_server_that_closes_every_connection_is_given_up_on($case).await;
            }
            #[tokio::test]
            async fn rotation_happens_once() {
                super::rotation_happens_once($case).await;
            }
        }
    };
}

dialect_suite!(openai_ga, super::Case::openai_ga());
dialect_suite!(azure_openai_ga_v1, super::Case::azure_ga_v1());
dialect_suite!(azure_openai_preview, super::Case::azure_preview());
dialect_suite!(voicelive_dated, super::Case::voicelive_dated());
dialect_suite!(voicelive_v1, super::Case::voicelive_v1());
