//! The `openai-live` dialect against the testkit's GPT-Live engine: canonical events
//! an agent sends go through the real encoder, the engine's frames through the real
//! decoder: a session starts, a scripted call is delegated to the client and
//! answered, the session ends with a typed reason.
#![allow(clippy::unwrap_used)]

use realtime_core::dialect::Dialect;
use realtime_core::protocol::{ClientEvent, Item, ServerEvent, SessionConfig, Tool};
use realtime_openai::live::{
    CloseReason, Delegation, LiveClientEvent, LiveDialect, LiveEvent, LiveSession,
};
use realtime_testkit::emulator::{LiveEngine, Script};
use serde_json::json;

fn send(engine: &mut LiveEngine, event: &ClientEvent) -> Vec<ServerEvent> {
    let dialect = LiveDialect::openai();
    let frame = dialect.encode(event).unwrap();
    engine
        .handle(&frame)
        .iter()
        .flat_map(|frame| dialect.decode(&frame.to_string()).unwrap())
        .collect()
}

fn one_second_of_audio() -> ClientEvent {
    ClientEvent::append_audio(&[0u8; 48_000])
}

#[test]
fn a_delegated_tool_round_and_a_requested_close() {
    let mut engine = LiveEngine::new(
        Script::new()
            .user_says("Weather in Amsterdam tomorrow?")
            .call("lookup_forecast", json!({"city": "Amsterdam"}))
            .say("Fourteen degrees and light rain."),
    );
    let start = SessionConfig::new()
        .model("gpt-live-1")
        .instructions("Be brief.")
        .tools([Tool::function(
            "lookup_forecast",
            "Forecast.",
            json!({"type": "object"}),
        )])
        .extension(LiveSession::new().delegation(Delegation::responses("gpt-5.6-sol")));
    let started = send(&mut engine, &ClientEvent::session_update(start));
    assert!(
        matches!(&started[..], [ServerEvent::SessionCreated(created)] if created.session.model() == Some("gpt-live-1"))
    );

    let turn = send(&mut engine, &one_second_of_audio());
    assert!(
        matches!(&turn[0], ServerEvent::InputTranscriptionDelta(delta) if delta.delta == "Weather in Amsterdam tomorrow?")
    );
    let Some(Ok(LiveEvent::DelegationCreated(delegation))) = LiveEvent::from_unknown(&turn[1])
    else {
        panic!("expected the delegation, got {:?}", turn[1]);
    };
    // The delegated run, in the recorded order: created, in progress, the call,
    // completed (its start and end as canonical lifecycle events).
    let ServerEvent::ResponseCreated(run) = &turn[2] else {
        panic!("expected the run to start, got {:?}", turn[2]);
    };
    assert_eq!(run.response.id, delegation.delegation.response_id);
    assert!(
        matches!(&turn[3], ServerEvent::Unknown { event_type, .. } if event_type == "response.event")
    );
    let ServerEvent::FunctionCallArgumentsDone(call) = &turn[4] else {
        panic!("expected the delegated call, got {:?}", turn[4]);
    };
    assert_eq!(call.name.as_deref(), Some("lookup_forecast"));
    assert_eq!(call.arguments, r#"{"city":"Amsterdam"}"#);
    assert!(
        matches!(&turn[5], ServerEvent::ResponseDone(done) if done.response.id == run.response.id)
    );
    assert_eq!(turn.len(), 6);

    assert!(
        send(
            &mut engine,
            &ClientEvent::create_item(Item::function_call_output(call.call_id.clone(), "14 C"))
        )
        .is_empty()
    );
    assert!(engine.pending_calls().is_empty());
    let answer = send(&mut engine, &ClientEvent::create_response());
    // A new run continues the delegation and completes after the spoken answer.
    let ServerEvent::ResponseCreated(next) = &answer[0] else {
        panic!("expected the next run, got {:?}", answer[0]);
    };
    assert_ne!(next.response.id, run.response.id);
    assert!(
        matches!(answer.last(), Some(ServerEvent::ResponseDone(done)) if done.response.id == next.response.id)
    );
    assert!(
        answer
            .iter()
            .any(|event| matches!(event, ServerEvent::ResponseAudioDelta(_)))
    );
    assert!(answer.iter().any(|event| matches!(event, ServerEvent::ResponseAudioTranscriptDelta(text) if text.delta == "Fourteen degrees and light rain.")));

    let closed = send(&mut engine, &LiveClientEvent::close());
    match LiveEvent::from_unknown(&closed[0]) {
        Some(Ok(LiveEvent::SessionClosed(closed))) => {
            assert_eq!(closed.reason, CloseReason::CloseRequested);
        }
        other => panic!("expected session.closed, got {other:?}"),
    }
    assert!(engine.is_closed());
}

#[test]
fn client_delegation_expiry_and_the_engine_refusals() {
    let mut engine = LiveEngine::new(Script::new().call("lookup", json!({})));
    // Nothing before session.start.
    let early = send(&mut engine, &one_second_of_audio());
    assert!(
        matches!(&early[..], [ServerEvent::Error(error)] if error.error.message.contains("session.start"))
    );
    send(
        &mut engine,
        &ClientEvent::session_update(SessionConfig::new().model("gpt-live-1")),
    );
    // Under client delegation, the delegation goes to the app, with no Responses run.
    let turn = send(&mut engine, &one_second_of_audio());
    match LiveEvent::from_unknown(&turn[1]) {
        Some(Ok(LiveEvent::DelegationCreated(created))) => {
            assert_eq!(created.delegation.target, "client");
        }
        other => panic!("expected a client delegation, got {other:?}"),
    }
    assert_eq!(turn.len(), 2);
    // A tool output for a call nobody made is an error frame.
    let stray = send(
        &mut engine,
        &ClientEvent::create_item(Item::function_call_output("call_x", "?")),
    );
    assert!(matches!(&stray[..], [ServerEvent::Error(_)]));
    let expired = engine.expire();
    let decoded = LiveDialect::openai()
        .decode(&expired[0].to_string())
        .unwrap();
    match LiveEvent::from_unknown(&decoded[0]) {
        Some(Ok(LiveEvent::SessionClosed(closed))) => {
            assert_eq!(closed.reason, CloseReason::Expired);
        }
        other => panic!("expected session.closed, got {other:?}"),
    }
    assert!(engine.handle(r#"{"type":"session.close"}"#).is_empty());
}

/// Every wait is bounded: a silent emulator fails the test instead of hanging it.
async fn next(session: &mut realtime_core::client::Session) -> ServerEvent {
    tokio::time::timeout(std::time::Duration::from_secs(10), session.next_event())
        .await
        .unwrap()
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn the_connector_and_dialect_run_a_session_over_a_socket() {
    let emulator = realtime_testkit::emulator::LiveEmulator::start(Script::new().say("Hello!"))
        .await
        .unwrap();
    let config = realtime_openai::live::LiveConfig::new("test-key").base_url(emulator.url());
    let mut session = config.client().connect().await.unwrap();
    session
        .send(&ClientEvent::session_update(
            SessionConfig::new().model("gpt-live-1"),
        ))
        .await
        .unwrap();
    assert!(matches!(
        next(&mut session).await,
        ServerEvent::SessionCreated(_)
    ));
    session.send(&one_second_of_audio()).await.unwrap();
    assert!(matches!(
        next(&mut session).await,
        ServerEvent::InputTranscriptionDelta(_)
    ));
    assert!(matches!(
        next(&mut session).await,
        ServerEvent::ResponseAudioDelta(_)
    ));
    assert!(
        matches!(next(&mut session).await, ServerEvent::ResponseAudioTranscriptDelta(text) if text.delta == "Hello!")
    );
    session.send(&LiveClientEvent::close()).await.unwrap();
    let closed = next(&mut session).await;
    assert!(matches!(
        LiveEvent::from_unknown(&closed),
        Some(Ok(LiveEvent::SessionClosed(_)))
    ));
    let connections = emulator.connections();
    let request = connections[0].request();
    assert_eq!(request.path_and_query, "/v1/live/sessions");
    assert_eq!(request.header("authorization"), Some("Bearer test-key"));
}
