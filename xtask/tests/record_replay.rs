//! A session recorded by the client (`RealtimeClient::record_to`) is a fixture the
//! conformance runs on: what a user does with a failing production session.
#![cfg(feature = "core")]
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use realtime_core::client::RealtimeClient;
use realtime_core::protocol::{ClientEvent, Item, ServerEvent, SessionConfig};
use realtime_core::transport::{ConnectRequest, StaticConnector};
use realtime_openai::OpenAiDialect;
use realtime_testkit::emulator::{Emulator, Profile, Script};
use xtask::cli::{ConformanceArgs, default_fixtures};
use xtask::codec_core::CoreCodec;
use xtask::conformance;
use xtask::dialect::Dialect;

#[tokio::test]
async fn a_recorded_session_passes_conformance() {
    let dir = std::env::temp_dir().join(format!("realtime-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("session.jsonl");

    let emulator = Emulator::start(
        Profile::openai_ga(),
        Script::new()
            .call("lookup_order", serde_json::json!({"order": "A-1"}))
            .say("It shipped."),
    )
    .await
    .unwrap();
    let connector = StaticConnector::new("emulator", ConnectRequest::new(emulator.url()));
    let client = RealtimeClient::new(OpenAiDialect::new(), connector)
        .record_to(&path)
        .unwrap();
    let mut session = client.connect().await.unwrap();
    session
        .send(&ClientEvent::session_update(
            SessionConfig::new().instructions("Be brief."),
        ))
        .await
        .unwrap();
    session
        .send(&ClientEvent::create_item(Item::user_text("Where is A-1?")))
        .await
        .unwrap();
    session.send(&ClientEvent::create_response()).await.unwrap();
    let mut done = 0;
    while done < 1 {
        if let ServerEvent::ResponseDone(_) =
            tokio::time::timeout(Duration::from_secs(5), session.next_event())
                .await
                .unwrap()
                .unwrap()
                .unwrap()
        {
            done += 1;
        }
    }
    session
        .send(&ClientEvent::create_item(Item::function_call_output(
            "call_1",
            "{\"status\":\"shipped\"}",
        )))
        .await
        .unwrap();
    session.close().await.unwrap();

    let recorded = std::fs::read_to_string(&path).unwrap();
    assert!(recorded.lines().count() > 10, "{recorded}");
    let args = ConformanceArgs {
        fixtures: vec![dir.clone()],
        specs: vec![default_fixtures()],
        dialects: vec![Dialect::OpenAiGa],
        strict_unknown: true,
    };
    let result = conformance::run(&CoreCodec, &args);
    assert_eq!(result.failures, 0, "{}", result.report);
    assert!(result.report.contains("openai-ga"), "{}", result.report);
    std::fs::remove_dir_all(&dir).unwrap();
}
