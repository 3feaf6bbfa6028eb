//! The agent machine on GPT-Live (`openai-live`): the response gate releases on the
//! delegated run's completion as it arrives, and a handoff becomes a delegation
//! update plus `session.instructions.append`.
//!
//! The first test feeds the machine the server frames of a real session, in their
//! recorded order: `fixtures/openai-live/examples.jsonl`, rows whose `source` is
//! pydantic/pydantic-ai@bb02d582d88a
//! `tests/realtime/cassettes/test_openai_live_ws/test_audio_in_delegated_tool_round.yaml`
//! (the delegated tool round: `response.event` wrapping the run's `response.created`,
//! the function call, `response.completed`, then the next run's `response.created`).
//! The others run the agent over the testkit's GPT-Live emulator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use realtime::agent::machine::{Action, AgentMachine, Input, MachineConfig};
use realtime::agent::{Agent, AgentError, AgentEvent, AgentRunner, AgentSession, AgentTool};
use realtime::dialect::Dialect;
use realtime::openai::live::{Delegation, LiveConfig, LiveDialect, LiveSession};
use realtime::protocol::{ClientEvent, SessionConfig};
use realtime_testkit::emulator::{LiveEmulator, Script};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

const TOOL_ROUND: &str = "test_audio_in_delegated_tool_round.yaml";

/// The recorded server frames of the tool round, in order, with their provenance.
fn recorded_server_frames() -> Vec<(String, Value)> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/openai-live/examples.jsonl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|row| row["direction"] == "server")
        .filter(|row| row["source"].as_str().unwrap().contains(TOOL_ROUND))
        .map(|row| {
            (
                row["source"].as_str().unwrap().to_owned(),
                row["payload"].clone(),
            )
        })
        .collect()
}

#[derive(Debug, Deserialize, JsonSchema)]
struct City {
    /// The city.
    city: String,
}

fn lookup_forecast() -> AgentTool {
    AgentTool::new(
        "lookup_forecast",
        "Look up tomorrow's forecast for a city.",
        |args: City, _| async move { Ok(json!({"city": args.city, "forecast": "14 C, light rain"})) },
    )
}

/// The settings every agent shares on GPT-Live: the model (a `session.update` with a
/// model is `session.start`) and a Responses delegation to run the tools.
fn live_base() -> SessionConfig {
    SessionConfig::new()
        .model("gpt-live-1")
        .extension(LiveSession::new().delegation(Delegation::responses("gpt-5.6-sol")))
}

/// A machine of `config`, told at `now` that its connection is up (at a fixed Unix
/// time).
fn connected(config: MachineConfig, now: Instant) -> AgentMachine {
    let mut machine = AgentMachine::new(config).unwrap();
    machine.handle(
        now,
        Input::Connected {
            unix_time: 1_789_520_000,
        },
    );
    machine
}

fn drain(machine: &mut AgentMachine) -> Vec<Action> {
    std::iter::from_fn(|| machine.poll_action()).collect()
}

fn sent_types(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|action| match action {
            Action::Send(event) => Some(event.event_type().to_owned()),
            _ => None,
        })
        .collect()
}

fn errors(actions: &[Action]) -> Vec<&AgentError> {
    actions
        .iter()
        .filter_map(|action| match action {
            Action::Emit(AgentEvent::Error(error)) => Some(error),
            _ => None,
        })
        .collect()
}

#[test]
fn the_gate_releases_on_the_recorded_completion_not_on_its_timeout() {
    let dialect = LiveDialect::openai();
    let agent = Agent::new("weather")
        .instructions("You answer weather questions.")
        .tool(lookup_forecast());
    let config = MachineConfig::new(Arc::new(dialect.clone()), agent).base(live_base());
    // One instant throughout: nothing may wait for a timer.
    let now = Instant::now();
    let mut machine = connected(config, now);
    let opening = drain(&mut machine);
    assert_eq!(sent_types(&opening), ["session.update"]);
    let Some(Action::Send(start)) = opening.first() else {
        panic!("expected the session start, got {opening:?}");
    };
    let frame: Value = serde_json::from_str(&dialect.encode(start).unwrap()).unwrap();
    assert_eq!(frame["type"], "session.start");

    let frames = recorded_server_frames();
    let position = |predicate: &dyn Fn(&Value) -> bool| {
        frames
            .iter()
            .position(|(_, frame)| predicate(frame))
            .unwrap()
    };
    // Up to the run's function call (interactions[208]), then up to its
    // `response.completed` (interactions[213]), then the next run's
    // `response.created` (interactions[216]).
    let call = position(&|frame| {
        frame["event"]["item"]["type"] == "function_call"
            && frame["event"]["type"] == "response.output_item.done"
    });
    let completed = position(&|frame| frame["event"]["type"] == "response.completed");
    let next_run = position(&|frame| {
        frame["event"]["type"] == "response.created"
            && frame["event"]["response"]["id"]
                == "resp_08dbb8c53a98c603006aa9e95eaa4087d19d1873eac663fe11"
    });
    assert!(frames[completed].0.ends_with("interactions[213]"));
    let feed = |machine: &mut AgentMachine, range: std::ops::Range<usize>| {
        let mut actions = Vec::new();
        for (_, frame) in &frames[range] {
            for event in dialect.decode(&frame.to_string()).unwrap() {
                machine.handle(now, Input::Server(event));
            }
            actions.extend(drain(machine));
        }
        actions
    };

    let before_call = feed(&mut machine, 0..call + 1);
    let starts: Vec<_> = before_call
        .iter()
        .filter_map(|action| match action {
            Action::StartTool(start) => Some((start.call_id.clone(), start.arguments.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        starts,
        [(
            "call_CCC0srOHT63TGmkUS5dX9Abe".to_owned(),
            r#"{"city":"Amsterdam"}"#.to_owned()
        )]
    );
    assert!(machine.response_in_flight(), "the delegated run is active");

    // The tool's output goes at once; the follow-up waits for the run to end.
    machine.handle(
        now,
        Input::ToolFinished {
            call_id: "call_CCC0srOHT63TGmkUS5dX9Abe".into(),
            result: Ok("Amsterdam: 14 degrees Celsius, light rain.".into()),
        },
    );
    let output = drain(&mut machine);
    assert_eq!(sent_types(&output), ["conversation.item.create"]);
    let Some(Action::Send(item)) = output.iter().find(|a| matches!(a, Action::Send(_))) else {
        unreachable!()
    };
    let frame: Value = serde_json::from_str(&dialect.encode(item).unwrap()).unwrap();
    assert_eq!(frame["type"], "response.item.create");
    assert!(machine.wants_response());

    // The run's `response.completed` releases the gate: `response.create` goes now.
    let at_completion = feed(&mut machine, call + 1..completed + 1);
    assert_eq!(sent_types(&at_completion), ["response.create"]);
    assert!(errors(&at_completion).is_empty(), "{at_completion:?}");
    assert!(at_completion.iter().any(|action| matches!(
        action,
        Action::Emit(AgentEvent::ResponseDone { response_id: Some(id) })
            if id == "resp_08dbb8c53a98c603006aa9e95d5b1887d1b8fe12dabe44db44"
    )));
    let usage = at_completion.iter().find_map(|action| match action {
        Action::Emit(AgentEvent::Metrics(metrics)) => Some(metrics.usage),
        _ => None,
    });
    assert_eq!(usage.map(|usage| usage.input_tokens), Some(805));

    // The next run answers our `response.create`: it is the one in flight.
    let answered = feed(&mut machine, completed + 1..next_run + 1);
    assert!(sent_types(&answered).is_empty(), "{answered:?}");
    assert!(errors(&answered).is_empty(), "{answered:?}");
    assert!(machine.response_in_flight());
    assert!(!machine.wants_response());
}

const WAIT: Duration = Duration::from_secs(5);

/// Events until `done` says so (every wait bounded).
async fn until(
    session: &mut AgentSession,
    done: impl Fn(&[AgentEvent]) -> bool,
) -> Vec<AgentEvent> {
    let mut events = Vec::new();
    while !done(&events) {
        let event = tokio::time::timeout(WAIT, session.next_event())
            .await
            .expect("an event within 5 s")
            .expect("the session is running");
        events.push(event);
    }
    events
}

fn count(events: &[AgentEvent], predicate: impl Fn(&AgentEvent) -> bool) -> usize {
    events.iter().filter(|event| predicate(event)).count()
}

fn one_second_of_audio() -> Vec<u8> {
    vec![0u8; 48_000]
}

fn weather_desk() -> (Agent, Agent) {
    let weather = Agent::new("weather")
        .instructions("You answer weather questions.")
        .voice("marin")
        .tool(lookup_forecast())
        .handoff("sales", "The caller wants to buy something.");
    let sales = Agent::new("sales")
        .instructions("You sell umbrellas.")
        .voice("marin");
    (weather, sales)
}

#[tokio::test]
async fn a_tool_round_and_a_handoff_run_over_the_emulator() {
    let script = Script::new()
        .user_says("Weather in Amsterdam tomorrow?")
        .call("lookup_forecast", json!({"city": "Amsterdam"}))
        .say("Fourteen degrees and light rain.")
        .user_says("Then I need an umbrella.")
        .call("transfer_to_sales", json!({}))
        .say("Sales here: umbrellas are in stock.");
    let emulator = LiveEmulator::start(script).await.unwrap();
    let client = LiveConfig::new("test-key")
        .base_url(emulator.url())
        .client();
    let (weather, sales) = weather_desk();
    let mut session = AgentRunner::new(client, weather)
        .agent(sales)
        .session_config(live_base())
        .start()
        .await
        .unwrap();

    // The tool round: the run with the call ends, then the run answering the output.
    session.send_audio(&one_second_of_audio()).await.unwrap();
    let round = until(&mut session, |events| {
        count(events, |e| matches!(e, AgentEvent::ResponseDone { .. })) == 2
    })
    .await;
    assert_eq!(
        count(
            &round,
            |e| matches!(e, AgentEvent::ToolFinished { tool, failed: false, .. } if tool == "lookup_forecast")
        ),
        1,
        "{round:?}"
    );
    assert!(round.iter().any(|e| matches!(e, AgentEvent::TranscriptDelta { delta, .. } if delta == "Fourteen degrees and light rain.")));

    // The handoff: the new agent's delegation and instructions, then the next run.
    session.send_audio(&one_second_of_audio()).await.unwrap();
    let handoff = until(&mut session, |events| {
        count(events, |e| matches!(e, AgentEvent::ResponseDone { .. })) == 2
    })
    .await;
    assert!(
        handoff.iter().any(
            |e| matches!(e, AgentEvent::Handoff { from, to } if from == "weather" && to == "sales")
        ),
        "{handoff:?}"
    );
    assert!(handoff.iter().any(|e| matches!(e, AgentEvent::TranscriptDelta { delta, .. } if delta.starts_with("Sales here"))));
    let all: Vec<&AgentEvent> = round.iter().chain(&handoff).collect();
    assert!(
        !all.iter().any(|e| matches!(e, AgentEvent::Error(_))),
        "{all:?}"
    );
    session.close().await.unwrap();

    let frames: Vec<Value> = emulator.connections()[0]
        .texts()
        .iter()
        .map(|text| serde_json::from_str(text).unwrap())
        .collect();
    let types: Vec<&str> = frames
        .iter()
        .map(|frame| frame["type"].as_str().unwrap())
        .filter(|kind| *kind != "session.input_audio.append")
        .collect();
    assert_eq!(
        types,
        [
            "session.start",
            "response.item.create",
            "response.create",
            "response.item.create",
            "session.update",
            "session.instructions.append",
            "response.create",
            // Closing the session ends it as requested.
            "session.close",
        ]
    );
    let update = frames
        .iter()
        .find(|f| f["type"] == "session.update")
        .unwrap();
    // Complete replacement: the runner's delegation with the new agent's tools (none).
    assert_eq!(
        update["session"],
        json!({"delegation": {"type": "responses", "responses": {"model": "gpt-5.6-sol"}}})
    );
    let appended = frames
        .iter()
        .find(|f| f["type"] == "session.instructions.append")
        .unwrap();
    assert!(
        appended["content"]
            .as_str()
            .unwrap()
            .ends_with("You sell umbrellas.")
    );
    assert_eq!(appended["delegation_id"], Value::Null);
}

#[tokio::test]
async fn a_handoff_target_with_another_voice_is_refused_at_start() {
    let emulator = LiveEmulator::start(Script::new()).await.unwrap();
    let client = LiveConfig::new("test-key")
        .base_url(emulator.url())
        .client();
    let (weather, sales) = weather_desk();
    let result = AgentRunner::new(client, weather)
        .agent(sales.voice("cedar"))
        .session_config(live_base())
        .start()
        .await;
    match result {
        Err(AgentError::InvalidAgent { agent, reason, .. }) => {
            assert_eq!(agent, "sales");
            assert!(reason.contains("session.voice"), "{reason}");
        }
        Err(other) => panic!("expected InvalidAgent, got {other}"),
        Ok(_) => panic!("expected InvalidAgent, the session started"),
    }
    assert!(
        emulator.connections().is_empty(),
        "refused before connecting"
    );
}

#[test]
fn the_switch_is_the_dialects_mapping() {
    // Tools under client delegation cannot map: refused with the reason.
    let dialect = LiveDialect::openai();
    let base = SessionConfig::new().model("gpt-live-1");
    let update = Agent::new("x")
        .instructions("Be brief.")
        .tool(lookup_forecast())
        .session_update(&realtime::agent::History::new());
    let refused = dialect.switch_agent(&base, update.clone()).unwrap_err();
    assert!(refused.to_string().contains("session.tools"), "{refused}");
    // Under a Responses delegation: the delegation with the tools, then the instructions.
    let events = dialect.switch_agent(&live_base(), update).unwrap();
    let frames: Vec<Value> = events
        .iter()
        .map(|event| serde_json::from_str(&dialect.encode(event).unwrap()).unwrap())
        .collect();
    assert_eq!(frames[0]["type"], "session.update");
    assert_eq!(
        frames[0]["session"]["delegation"]["responses"]["tools"][0]["name"],
        "lookup_forecast"
    );
    assert_eq!(frames[1]["type"], "session.instructions.append");
    assert_eq!(frames.len(), 2);
    assert!(matches!(&events[1], ClientEvent::Other { .. }));
}

/// History seeding: the machine's history opens the session as `session.start`
/// `input`, exactly as recorded in `fixtures/openai-live/examples.jsonl`, row
/// pydantic/pydantic-ai@bb02d582d88a
/// `tests/realtime/cassettes/test_openai_live_ws/test_history_seeding.yaml#interactions[0]`.
#[test]
fn the_history_seeds_the_session_start_as_recorded() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/openai-live/examples.jsonl");
    let recorded: Value = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .find(|row| {
            row["source"]
                .as_str()
                .unwrap()
                .ends_with("test_history_seeding.yaml#interactions[0]")
        })
        .unwrap()["payload"]
        .clone();
    let session = &recorded["session"];
    let dialect = LiveDialect::openai();
    let agent = Agent::new("voice").instructions(session["instructions"].as_str().unwrap());
    let delegation = Delegation::Responses {
        model: "gpt-5.6-sol".into(),
        instructions: Some("Answer in a few words.".into()),
        extra: serde_json::Map::new(),
    };
    let mut base = SessionConfig::new()
        .model("gpt-live-1")
        .extension(LiveSession::new().delegation(delegation));
    base.input_audio_format = Some(realtime::protocol::AudioFormat::PCM16_24K);
    base.output_audio_format = Some(realtime::protocol::AudioFormat::PCM16_24K);
    let mut history = realtime::agent::History::new();
    history.upsert_message(
        "u1",
        realtime::protocol::Role::User,
        "My favorite color is orange.",
        None,
    );
    history.upsert_message(
        "a1",
        realtime::protocol::Role::Assistant,
        "Good to know!",
        Some("voice"),
    );
    let config = MachineConfig::new(Arc::new(dialect.clone()), agent)
        .base(base)
        .history(history);
    let mut machine = connected(config, Instant::now());
    let actions = drain(&mut machine);
    assert!(errors(&actions).is_empty(), "{actions:?}");
    let sent: Vec<Value> = actions
        .iter()
        .filter_map(|action| match action {
            Action::Send(event) => {
                Some(serde_json::from_str(&dialect.encode(event).unwrap()).unwrap())
            }
            _ => None,
        })
        .collect();
    assert_eq!(sent, [recorded]);
}

#[test]
fn history_gpt_live_cannot_seed_is_refused_typed() {
    let dialect = LiveDialect::openai();
    let agent = Agent::new("weather").tool(lookup_forecast());
    let mut history = realtime::agent::History::new();
    history.upsert_message("u1", realtime::protocol::Role::User, "Weather?", None);
    history.push(realtime::agent::HistoryEntry::ToolCall {
        call_id: "call_1".into(),
        name: "lookup_forecast".into(),
        arguments: "{}".into(),
    });
    history.push(realtime::agent::HistoryEntry::ToolOutput {
        call_id: "call_1".into(),
        output: "14 C".into(),
    });
    let config = MachineConfig::new(Arc::new(dialect.clone()), agent)
        .base(live_base())
        .history(history);
    let mut machine = connected(config, Instant::now());
    let actions = drain(&mut machine);
    assert_eq!(sent_types(&actions), ["session.update"]);
    let Some(Action::Send(start)) = actions.iter().find(|a| matches!(a, Action::Send(_))) else {
        unreachable!()
    };
    let start: Value = serde_json::from_str(&dialect.encode(start).unwrap()).unwrap();
    assert_eq!(start["type"], "session.start");
    assert_eq!(
        start["session"]["input"][0]["content"][0]["text"],
        "Weather?"
    );
    let refused = errors(&actions);
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(
        refused
            .iter()
            .all(|error| matches!(error, AgentError::Refused { .. }))
    );
    assert!(
        refused[0].to_string().contains("function_call"),
        "{}",
        refused[0]
    );
}

/// GPT-Live ends a session itself with `session.closed` and a reason (the testkit's
/// `LiveEngine::expire` sends it as the condensed spec documents it: reason, session
/// and usage). The machine reports it and ends: no reconnect into a new session,
/// even when the socket then closes.
#[test]
fn a_session_the_server_ends_is_over_not_reconnected() {
    let dialect = LiveDialect::openai();
    let agent = Agent::new("weather").instructions("You answer weather questions.");
    let config = MachineConfig::new(Arc::new(dialect.clone()), agent).base(live_base());
    let now = Instant::now();
    let mut machine = connected(config, now);
    let mut engine = realtime_testkit::emulator::LiveEngine::new(Script::new());
    let mut actions = Vec::new();
    for action in drain(&mut machine) {
        if let Action::Send(event) = &action {
            for frame in engine.handle(&dialect.encode(event).unwrap()) {
                for event in dialect.decode(&frame.to_string()).unwrap() {
                    machine.handle(now, Input::Server(event));
                }
            }
        }
    }
    assert!(
        drain(&mut machine)
            .iter()
            .all(|action| !matches!(action, Action::End(_))),
        "the session runs"
    );
    for frame in engine.expire() {
        for event in dialect.decode(&frame.to_string()).unwrap() {
            machine.handle(now, Input::Server(event));
        }
    }
    actions.extend(drain(&mut machine));
    machine.handle(
        now,
        Input::ConnectionLost(realtime::agent::machine::Disconnect::retryable()),
    );
    actions.extend(drain(&mut machine));
    let ended: Vec<_> = actions
        .iter()
        .filter_map(|action| match action {
            Action::Emit(AgentEvent::SessionEnded { reason }) => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(ended, ["expired"]);
    assert!(
        actions.iter().any(|action| matches!(
            action,
            Action::End(realtime::agent::machine::EndReason::ServerEnded { reason }) if reason == "expired"
        )),
        "{actions:?}"
    );
    assert!(
        !actions
            .iter()
            .any(|action| matches!(action, Action::Reconnecting { .. } | Action::Connect { .. })),
        "no reconnect after the server ended the session: {actions:?}"
    );
}
