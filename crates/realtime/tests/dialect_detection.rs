//! An Azure OpenAI endpoint configured as GA v1, or a Voice Live `v1` endpoint, that
//! speaks the beta (flat) shape: the client notices, switches dialect, re-sends the
//! session settings, and the instructions apply (today's SDKs lose them silently).
//! The switch is reported as a typed value (the agent's `AgentEvent::DialectSwitched`),
//! not as an error.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use realtime::agent::{Agent, AgentEvent, AgentRunner};
use realtime::azure_openai::AzureOpenAiDialect;
use realtime::client::RealtimeClient;
use realtime::dialect::{Dialect, DialectSwitched, SwitchReason};
use realtime::protocol::{ClientEvent, ServerEvent, SessionConfig};
use realtime::transport::{ConnectRequest, StaticConnector};
use realtime::voicelive::{ApiVersion, VoiceLiveDialect};
use realtime_testkit::emulator::{Emulator, Profile, Script};
use serde_json::Value;

/// A client speaking `dialect` to an emulator with `profile`.
async fn connect(profile: Profile, dialect: Arc<dyn Dialect>) -> (Emulator, RealtimeClient) {
    let emulator = Emulator::start(profile, Script::new()).await.unwrap();
    let connector = StaticConnector::new("test", ConnectRequest::new(emulator.url()));
    (
        emulator,
        RealtimeClient::from_parts(dialect, Arc::new(connector)),
    )
}

/// Sends a session update with `instructions`, reads up to its `session.updated`,
/// and returns the updated instructions and the switch the stream reported.
async fn update_and_read(
    session: &mut realtime::client::Session,
    instructions: &str,
) -> (Option<String>, Option<DialectSwitched>) {
    session
        .send(&ClientEvent::session_update(
            SessionConfig::new().instructions(instructions),
        ))
        .await
        .unwrap();
    let mut switched = None;
    loop {
        let event = tokio::time::timeout(Duration::from_secs(5), session.next_event())
            .await
            .unwrap()
            .unwrap();
        if let Some(switch) = session.take_dialect_switch() {
            assert!(switched.is_none(), "one switch at most");
            switched = Some(switch);
        }
        match event {
            Ok(ServerEvent::SessionUpdated(updated)) => {
                return (updated.session.instructions().map(str::to_owned), switched);
            }
            Ok(_) => {}
            Err(other) => panic!("unexpected {other}"),
        }
    }
}

#[tokio::test]
async fn ga_v1_client_on_a_preview_endpoint_switches_and_applies_instructions() {
    let (emulator, client) = connect(
        Profile::azure_openai_preview(),
        Arc::new(AzureOpenAiDialect::ga_v1()),
    )
    .await;
    let mut session = client.connect().await.unwrap();
    let (instructions, switched) = update_and_read(&mut session, "Answer in French.").await;
    let switched = switched.expect("the switch is reported");
    assert_eq!(
        (switched.from, switched.to),
        ("azure-openai-ga-v1", "azure-openai-preview")
    );
    assert!(
        switched.to_string().contains("beta-shape session"),
        "{switched}"
    );
    assert_eq!(instructions.as_deref(), Some("Answer in French."));
    assert_eq!(session.dialect().name(), "azure-openai-preview");

    let frames: Vec<Value> = emulator.connections()[0]
        .texts()
        .iter()
        .map(|t| serde_json::from_str(t).unwrap())
        .collect();
    assert_eq!(
        frames[0]["session"]["type"], "realtime",
        "first attempt in GA shape"
    );
    assert!(
        frames[1]["session"].get("type").is_none(),
        "re-sent in the beta shape: {}",
        frames[1]
    );
    assert_eq!(frames[1]["session"]["instructions"], "Answer in French.");
    session.close().await.unwrap();
}

#[tokio::test]
async fn detection_can_be_turned_off() {
    let emulator = Emulator::start(Profile::azure_openai_preview(), Script::new())
        .await
        .unwrap();
    let connector = StaticConnector::new("azure-openai", ConnectRequest::new(emulator.url()));
    let dialect = AzureOpenAiDialect::ga_v1().with_dialect_detection(false);
    let client = RealtimeClient::from_parts(Arc::new(dialect), Arc::new(connector));
    let mut session = client.connect().await.unwrap();
    session
        .send(&ClientEvent::session_update(
            SessionConfig::new().instructions("Hi"),
        ))
        .await
        .unwrap();
    let error = loop {
        match tokio::time::timeout(Duration::from_secs(5), session.next_event())
            .await
            .unwrap()
            .unwrap()
        {
            Ok(ServerEvent::Error(error)) => break error,
            Ok(ServerEvent::SessionUpdated(_)) => panic!("must not be applied"),
            Ok(_) => {}
            Err(other) => panic!("no switch expected: {other}"),
        }
    };
    assert_eq!(
        error.error.param.as_option().map(String::as_str),
        Some("session.type")
    );
    assert_eq!(session.dialect().name(), "azure-openai-ga-v1");
    assert_eq!(session.take_dialect_switch(), None);
}

#[tokio::test]
async fn voicelive_v1_endpoint_answering_flat_switches_and_applies_instructions() {
    // The dated Voice Live profile answers in the flat shape, as a `v1` endpoint may
    // (the official SDK sends the flat session on every version; no `v1` recording).
    let (emulator, client) = connect(
        Profile::voicelive_at("2026-07-15"),
        Arc::new(VoiceLiveDialect::new(ApiVersion::V1)),
    )
    .await;
    let mut session = client.connect().await.unwrap();
    let (instructions, switched) = update_and_read(&mut session, "Answer in French.").await;
    let switched = switched.expect("the switch is reported");
    assert_eq!(
        (switched.from, switched.to),
        ("voicelive-v1", "voicelive-v1")
    );
    assert_eq!(
        switched.reason,
        SwitchReason::BetaSession {
            event_type: "session.created"
        }
    );
    assert_eq!(instructions.as_deref(), Some("Answer in French."));
    assert!(session.dialect().wire_fallback().is_none(), "now flat");
    let frames: Vec<Value> = emulator.connections()[0]
        .texts()
        .iter()
        .map(|t| serde_json::from_str(t).unwrap())
        .collect();
    assert!(frames[1]["session"].get("type").is_none(), "{}", frames[1]);
    session.close().await.unwrap();
}

#[tokio::test]
async fn the_agent_reports_the_switch_as_an_event() {
    let (_emulator, client) = connect(
        Profile::azure_openai_preview(),
        Arc::new(AzureOpenAiDialect::ga_v1()),
    )
    .await;
    let mut agent = AgentRunner::new(client, Agent::new("desk").instructions("Greet."))
        .start()
        .await
        .unwrap();
    let switched = loop {
        let event = tokio::time::timeout(Duration::from_secs(5), agent.next_event())
            .await
            .unwrap()
            .expect("the session goes on");
        match event {
            AgentEvent::DialectSwitched(switched) => break switched,
            AgentEvent::Error(error) => panic!("a switch is not an error: {error}"),
            _ => {}
        }
    };
    assert_eq!(
        (switched.from, switched.to),
        ("azure-openai-ga-v1", "azure-openai-preview")
    );
    agent.close().await.unwrap();
}
