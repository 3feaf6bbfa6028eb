//! An Azure OpenAI endpoint configured as GA v1 that speaks the beta shape: the client
//! notices, switches dialect, re-sends the session settings, and the instructions
//! apply (today's SDKs lose them silently).
#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use realtime::azure_openai::AzureOpenAiDialect;
use realtime::client::{ClientError, RealtimeClient};
use realtime::protocol::{ClientEvent, ServerEvent, SessionConfig};
use realtime::transport::{ConnectRequest, StaticConnector};
use realtime_testkit::emulator::{Emulator, Profile, Script};
use serde_json::Value;

#[tokio::test]
async fn ga_v1_client_on_a_preview_endpoint_switches_and_applies_instructions() {
    let emulator = Emulator::start(Profile::azure_openai_preview(), Script::new())
        .await
        .unwrap();
    let connector = StaticConnector::new("azure-openai", ConnectRequest::new(emulator.url()));
    let client =
        RealtimeClient::from_parts(Arc::new(AzureOpenAiDialect::ga_v1()), Arc::new(connector));
    let mut session = client.connect().await.unwrap();
    session
        .send(&ClientEvent::session_update(
            SessionConfig::new().instructions("Answer in French."),
        ))
        .await
        .unwrap();

    let mut switched = None;
    let updated = loop {
        match tokio::time::timeout(Duration::from_secs(5), session.next_event())
            .await
            .unwrap()
            .unwrap()
        {
            Ok(ServerEvent::SessionUpdated(updated)) => break updated,
            Ok(_) => {}
            Err(ClientError::DialectSwitched { from, to, reason }) => {
                switched = Some((from, to, reason));
            }
            Err(other) => panic!("unexpected {other}"),
        }
    };
    let (from, to, reason) = switched.expect("the switch is reported");
    assert_eq!((from, to), ("azure-openai-ga-v1", "azure-openai-preview"));
    assert!(reason.contains("beta-shape session"), "{reason}");
    assert_eq!(updated.session.instructions(), Some("Answer in French."));
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
}
