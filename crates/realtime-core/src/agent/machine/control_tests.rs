//! Unit tests of the app's session controls on the bare machine (no socket, no clock).
#![allow(clippy::unwrap_used, clippy::needless_pass_by_value)]

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};

use super::{Action, AgentMachine, Command, Input, MachineConfig};
use crate::agent::{
    Agent, AgentError, AgentEvent, AgentTool, InputGuardrail, ToolProgress, Verdict,
};
use crate::dialect::GenericDialect;
use crate::protocol::ClientEvent;
use crate::wire::WireShape;

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct NoArguments {}

fn slow() -> AgentTool {
    AgentTool::new("slow", "Slow.", |_: NoArguments, _ctx| async move {
        Ok::<_, crate::agent::ToolError>("done")
    })
}

fn machine() -> (AgentMachine, Instant) {
    machine_with(crate::protocol::SessionConfig::new())
}

fn machine_with(base: crate::protocol::SessionConfig) -> (AgentMachine, Instant) {
    let desk = Agent::new("desk")
        .instructions("Desk.")
        .tool(slow())
        .handoff("returns", "Returns.")
        .input_guardrail(InputGuardrail::new("no_secret", |text| {
            if text.contains("secret") {
                Verdict::Trip {
                    reason: "a secret".into(),
                }
            } else {
                Verdict::Pass
            }
        }));
    let returns = Agent::new("returns").instructions("Returns.");
    let config = MachineConfig::new(Arc::new(GenericDialect::new(WireShape::Ga)), desk)
        .agent(returns)
        .base(base);
    let mut machine = AgentMachine::new(config).unwrap();
    let now = crate::agent::test_epoch();
    machine.handle(now, Input::Connected { unix_time: 0 });
    drain(&mut machine);
    (machine, now)
}

fn server(machine: &mut AgentMachine, now: Instant, event: Value) {
    let event = WireShape::Ga
        .decode_server(&event.to_string())
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    machine.handle(now, Input::Server(event));
}

/// (types sent, events emitted, tools started)
fn drain(machine: &mut AgentMachine) -> (Vec<ClientEvent>, Vec<AgentEvent>, Vec<String>) {
    let mut sent = Vec::new();
    let mut emitted = Vec::new();
    let mut started = Vec::new();
    while let Some(action) = machine.poll_action() {
        match action {
            Action::Send(event) => sent.push(event),
            Action::Emit(event) => emitted.push(event),
            Action::StartTool(start) => started.push(start.call_id.clone()),
            _ => {}
        }
    }
    (sent, emitted, started)
}

fn types(sent: &[ClientEvent]) -> Vec<&str> {
    sent.iter().map(ClientEvent::event_type).collect()
}

fn created(id: &str) -> Value {
    json!({"type": "response.created", "event_id": "e", "response": {"id": id, "status": "in_progress", "output": []}})
}

fn done(id: &str) -> Value {
    json!({"type": "response.done", "event_id": "e", "response": {"id": id, "status": "completed", "output": []}})
}

#[test]
fn an_apps_handoff_waits_for_the_response_and_asks_for_none() {
    let (mut machine, now) = machine();
    server(&mut machine, now, created("r1"));
    drain(&mut machine);
    machine.handle(now, Input::Command(Command::HandoffTo("returns".into())));
    let (sent, emitted, _) = drain(&mut machine);
    assert!(
        sent.is_empty() && emitted.is_empty(),
        "{sent:?} {emitted:?}"
    );
    assert_eq!(machine.current_agent(), "desk");
    server(&mut machine, now, done("r1"));
    let (sent, emitted, _) = drain(&mut machine);
    assert_eq!(types(&sent), ["session.update"]);
    assert!(
        emitted
            .iter()
            .any(|event| matches!(event, AgentEvent::Handoff { to, .. } if to == "returns"))
    );
    assert_eq!(machine.current_agent(), "returns");
    assert!(!machine.wants_response());
}

#[test]
fn check_refuses_what_handle_would_refuse() {
    let (machine, _) = machine();
    assert!(matches!(
        machine.check(&Command::HandoffTo("nobody".into())),
        Err(AgentError::UnknownAgent(name)) if name == "nobody"
    ));
    assert!(matches!(
        machine.check(&Command::RespondWith(
            crate::agent::ResponseOverrides::new().tools(["missing"])
        )),
        Err(AgentError::InvalidCommand { .. })
    ));
    let invalid = Agent::new("desk").handoff("nobody", "No one.");
    assert!(
        machine
            .check(&Command::UpdateAgent(Box::new(invalid)))
            .is_err()
    );
    assert!(machine.check(&Command::HandoffTo("returns".into())).is_ok());
}

#[test]
fn a_filler_overtaken_by_the_output_is_not_sent() {
    let (mut machine, now) = machine();
    server(&mut machine, now, created("r1"));
    server(
        &mut machine,
        now,
        json!({"type": "response.output_item.done", "event_id": "e", "response_id": "r1", "output_index": 0,
            "item": {"id": "i1", "type": "function_call", "status": "completed", "call_id": "c1", "name": "slow", "arguments": "{}"}}),
    );
    let (_, _, started) = drain(&mut machine);
    assert_eq!(started, ["c1"]);
    // The response is still in progress: the filler waits.
    machine.handle(
        now,
        Input::Command(Command::ToolProgress {
            call_id: "c1".into(),
            progress: ToolProgress::Say("one moment".into()),
        }),
    );
    let (sent, emitted, _) = drain(&mut machine);
    assert!(sent.is_empty(), "{sent:?}");
    assert!(matches!(
        emitted.as_slice(),
        [AgentEvent::ToolProgress { .. }]
    ));
    // The tool finishes before the response is done: the filler is moot.
    machine.handle(
        now,
        Input::ToolFinished {
            call_id: "c1".into(),
            result: Ok("done".into()),
        },
    );
    server(&mut machine, now, done("r1"));
    let (sent, _, _) = drain(&mut machine);
    let creates: Vec<&ClientEvent> = sent
        .iter()
        .filter(|event| matches!(event, ClientEvent::ResponseCreate { .. }))
        .collect();
    assert_eq!(creates.len(), 1, "one follow-up, no filler: {sent:?}");
    assert!(matches!(
        creates[0],
        ClientEvent::ResponseCreate { response: None, .. }
    ));
}

#[test]
fn a_stopped_turn_cancels_the_servers_response_and_runs_none_of_its_calls() {
    let (mut machine, now) = machine();
    server(
        &mut machine,
        now,
        json!({"type": "conversation.item.input_audio_transcription.completed", "event_id": "e",
            "item_id": "u1", "content_index": 0, "transcript": "my secret is 42"}),
    );
    let (sent, emitted, _) = drain(&mut machine);
    assert_eq!(types(&sent), ["conversation.item.delete"]);
    assert!(
        matches!(emitted.as_slice(), [AgentEvent::InputGuardrailTripped { item_id, .. }] if item_id == "u1")
    );
    server(&mut machine, now, created("r1"));
    server(
        &mut machine,
        now,
        json!({"type": "response.output_item.added", "event_id": "e", "response_id": "r1", "output_index": 0,
            "item": {"id": "i1", "type": "function_call", "status": "in_progress", "call_id": "c1", "name": "slow", "arguments": ""}}),
    );
    server(
        &mut machine,
        now,
        json!({"type": "response.output_item.done", "event_id": "e", "response_id": "r1", "output_index": 0,
            "item": {"id": "i1", "type": "function_call", "status": "completed", "call_id": "c1", "name": "slow", "arguments": "{}"}}),
    );
    server(&mut machine, now, done("r1"));
    let (sent, _, started) = drain(&mut machine);
    assert_eq!(
        types(&sent),
        ["response.cancel", "conversation.item.delete"],
        "the answer is cancelled and its call deleted"
    );
    assert!(started.is_empty(), "the call of a stopped turn ran");
    assert_eq!(machine.calls_outstanding(), 0);
    assert!(!machine.wants_response());
    assert!(machine.history().is_empty(), "{:?}", machine.history());
    // The next turn is answered as usual.
    server(&mut machine, now, created("r2"));
    server(
        &mut machine,
        now,
        json!({"type": "response.output_item.done", "event_id": "e", "response_id": "r2", "output_index": 0,
            "item": {"id": "i2", "type": "function_call", "status": "completed", "call_id": "c2", "name": "slow", "arguments": "{}"}}),
    );
    let (_, _, started) = drain(&mut machine);
    assert_eq!(started, ["c2"]);
}

#[test]
fn push_to_talk_a_stopped_turn_cancels_the_response_already_asked_for() {
    let (mut machine, now) =
        machine_with(crate::protocol::SessionConfig::new().without_turn_detection());
    machine.handle(now, Input::Command(Command::CommitAudio));
    let (sent, _, _) = drain(&mut machine);
    assert_eq!(
        types(&sent),
        ["input_audio_buffer.commit", "response.create"]
    );
    server(
        &mut machine,
        now,
        json!({"type": "conversation.item.input_audio_transcription.completed", "event_id": "e",
            "item_id": "u1", "content_index": 0, "transcript": "the secret"}),
    );
    server(&mut machine, now, created("r1"));
    server(
        &mut machine,
        now,
        json!({"type": "response.output_item.added", "event_id": "e", "response_id": "r1", "output_index": 0,
            "item": {"id": "a1", "type": "message", "role": "assistant", "status": "in_progress", "content": []}}),
    );
    server(
        &mut machine,
        now,
        json!({"type": "response.output_text.done", "event_id": "e", "response_id": "r1",
            "item_id": "a1", "output_index": 0, "content_index": 0, "text": "Your secret is safe."}),
    );
    server(&mut machine, now, done("r1"));
    let (sent, emitted, _) = drain(&mut machine);
    assert_eq!(
        types(&sent),
        [
            "conversation.item.delete",
            "response.cancel",
            "conversation.item.delete"
        ]
    );
    assert!(
        !emitted
            .iter()
            .any(|event| matches!(event, AgentEvent::Transcript { .. })),
        "{emitted:?}"
    );
    assert!(!machine.wants_response());
}

#[test]
fn the_agents_reasoning_effort_and_parallel_tool_calls_reach_the_session() {
    use crate::protocol::ReasoningEffort;
    let desk = Agent::new("desk")
        .instructions("Desk.")
        .reasoning_effort(ReasoningEffort::Low)
        .parallel_tool_calls(false);
    assert_eq!(desk.reasoning_effort_setting(), Some(&ReasoningEffort::Low));
    assert_eq!(desk.parallel_tool_calls_setting(), Some(false));
    // What a session (or an ephemeral key) starts with.
    let config = desk.session_config(&crate::protocol::SessionConfig::new());
    assert_eq!(
        config.reasoning.and_then(|reasoning| reasoning.effort),
        Some(ReasoningEffort::Low)
    );
    assert_eq!(config.parallel_tool_calls, Some(false));

    let config = MachineConfig::new(Arc::new(GenericDialect::new(WireShape::Ga)), desk);
    let mut machine = AgentMachine::new(config).unwrap();
    let now = crate::agent::test_epoch();
    machine.handle(now, Input::Connected { unix_time: 0 });
    let (sent, _, _) = drain(&mut machine);
    let session = sent
        .iter()
        .find_map(|event| match event {
            ClientEvent::SessionUpdate { session, .. } => Some(session),
            _ => None,
        })
        .expect("the agent's session.update");
    assert_eq!(
        session.reasoning.as_ref().and_then(|r| r.effort.clone()),
        Some(ReasoningEffort::Low)
    );
    assert_eq!(session.parallel_tool_calls, Some(false));
}

#[test]
fn an_assistant_messages_phase_is_kept_in_the_history() {
    let (mut machine, now) = machine();
    server(
        &mut machine,
        now,
        json!({"type": "response.created", "event_id": "e1",
            "response": {"id": "r1", "object": "realtime.response", "status": "in_progress", "output": []}}),
    );
    server(
        &mut machine,
        now,
        json!({"type": "response.output_item.added", "event_id": "e2", "response_id": "r1",
            "output_index": 0, "item": {"id": "m1", "type": "message", "role": "assistant",
            "status": "in_progress", "phase": "commentary", "content": []}}),
    );
    server(
        &mut machine,
        now,
        json!({"type": "response.output_text.done", "event_id": "e3", "response_id": "r1",
            "item_id": "m1", "output_index": 0, "content_index": 0,
            "text": "I'll check the weather for you."}),
    );
    let (_, emitted, _) = drain(&mut machine);
    assert!(emitted.iter().any(|event| matches!(
        event,
        AgentEvent::Transcript { phase: Some(phase), .. } if phase == "commentary"
    )));
    let entry = machine
        .history()
        .entries()
        .iter()
        .find(|entry| {
            matches!(entry, crate::agent::HistoryEntry::Message { item_id: Some(id), .. } if id == "m1")
        })
        .expect("the message is in the history");
    assert!(
        matches!(
            entry,
            crate::agent::HistoryEntry::Message { phase: Some(phase), text, .. }
                if phase == "commentary" && text == "I'll check the weather for you."
        ),
        "{entry:?}"
    );
}
