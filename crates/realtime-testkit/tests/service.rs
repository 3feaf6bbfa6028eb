//! The emulator as a process serves it: every dialect on one port, picked by the
//! handshake, refusals as HTTP statuses, and responses streamed over time.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::Duration;

use realtime_core::transport::{
    ConnectRequest, Incoming, StaticConnector, TransportError, connect,
};
use realtime_testkit::emulator::{Pace, Script, Service, ServiceOptions};
use serde_json::Value;

async fn start(pace: Pace, script: Script) -> Service {
    Service::start(
        ServiceOptions::new()
            .addr(SocketAddr::from(([127, 0, 0, 1], 0)))
            .key("k")
            .pace(pace)
            .script(script),
    )
    .await
    .unwrap()
}

fn request(service: &Service, path: &str, header: (&str, &str)) -> StaticConnector {
    let url = format!("ws://{}{path}", service.addr());
    StaticConnector::new(
        "emulator",
        ConnectRequest::new(url).secret_header(header.0, header.1),
    )
}

/// The `type`s of the frames until `response.done` (or silence).
async fn frame_types(stream: &mut realtime_core::transport::FrameStream) -> Vec<String> {
    let mut types = Vec::new();
    while let Ok(Some(Ok(Incoming::Text(frame)))) =
        tokio::time::timeout(Duration::from_secs(5), stream.next_frame()).await
    {
        let frame: Value = serde_json::from_str(&frame).unwrap();
        let kind = frame["type"].as_str().unwrap().to_owned();
        let done = kind == "response.done";
        types.push(kind);
        if done {
            break;
        }
    }
    types
}

#[tokio::test]
async fn every_dialect_is_served_on_one_port() {
    let service = start(Pace::Instant, Script::new()).await;
    let cases = [
        (
            "/v1/realtime?model=gpt-realtime",
            ("Authorization", "Bearer k"),
            true,
            "response.output_audio.delta",
        ),
        (
            "/openai/realtime?api-version=2025-04-01-preview&deployment=d",
            ("api-key", "k"),
            false,
            "response.audio.delta",
        ),
        (
            "/openai/v1/realtime?model=d",
            ("api-key", "k"),
            true,
            "response.output_audio.delta",
        ),
        (
            "/voice-live/realtime?api-version=2026-04-10&model=m",
            ("api-key", "k"),
            false,
            "response.audio.delta",
        ),
        (
            "/voice-live/realtime?api-version=v1&model=m",
            ("api-key", "k"),
            true,
            "response.output_audio.delta",
        ),
    ];
    for (path, header, ga, audio) in cases {
        let (sink, mut stream) = connect(&request(&service, path, header), &Default::default())
            .await
            .unwrap();
        let Some(Ok(Incoming::Text(created))) = stream.next_frame().await else {
            panic!("{path}: no session.created");
        };
        let created: Value = serde_json::from_str(&created).unwrap();
        assert_eq!(created["session"].get("type").is_some(), ga, "{path}");
        sink.send(r#"{"type":"response.create"}"#.to_owned())
            .await
            .unwrap();
        let types = frame_types(&mut stream).await;
        assert!(types.iter().any(|kind| kind == audio), "{path}: {types:?}");
        sink.close(1000, "done").await.unwrap();
    }
}

#[tokio::test]
async fn refused_handshakes_get_their_http_status() {
    let service = start(Pace::Instant, Script::new()).await;
    let cases = [
        ("/nowhere", ("api-key", "k"), 404),
        (
            "/v1/realtime?model=m",
            ("Authorization", "Bearer wrong"),
            401,
        ),
        (
            "/openai/v1/realtime?model=d&api-version=2025-04-01-preview",
            ("api-key", "k"),
            401,
        ),
        ("/openai/realtime?deployment=d", ("api-key", "k"), 400),
    ];
    for (path, header, expected) in cases {
        let error = connect(&request(&service, path, header), &Default::default())
            .await
            .err()
            .unwrap();
        match error {
            TransportError::Handshake { status, .. } => assert_eq!(status, expected, "{path}"),
            other => panic!("{path}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_streaming_response_can_be_cancelled() {
    let script = Script::new()
        .say("one two three four five six seven eight nine ten")
        .audio_chunks(20);
    let service = start(Pace::Realtime, script).await;
    let (sink, mut stream) = connect(
        &request(
            &service,
            "/v1/realtime?model=m",
            ("Authorization", "Bearer k"),
        ),
        &Default::default(),
    )
    .await
    .unwrap();
    let _created = stream.next_frame().await;
    sink.send(r#"{"type":"response.create"}"#.to_owned())
        .await
        .unwrap();
    // Wait for the first audio, then cancel: 20 chunks of 100 ms are still playing.
    loop {
        let Some(Ok(Incoming::Text(frame))) = stream.next_frame().await else {
            panic!("stream ended");
        };
        if frame.contains("response.output_audio.delta") {
            break;
        }
    }
    sink.send(r#"{"type":"response.cancel"}"#.to_owned())
        .await
        .unwrap();
    let done = loop {
        let Some(Ok(Incoming::Text(frame))) = stream.next_frame().await else {
            panic!("stream ended");
        };
        let frame: Value = serde_json::from_str(&frame).unwrap();
        if frame["type"] == "response.done" {
            break frame;
        }
    };
    assert_eq!(done["response"]["status"], "cancelled");
}

#[tokio::test]
async fn record_writes_each_connection_as_fixture_rows() {
    let dir = std::env::temp_dir().join(format!("realtime-emulator-record-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let service = Service::start(
        ServiceOptions::new()
            .addr(SocketAddr::from(([127, 0, 0, 1], 0)))
            .pace(Pace::Instant)
            .record(&dir),
    )
    .await
    .unwrap();
    let (sink, mut stream) = connect(
        &request(&service, "/openai/v1/realtime?model=d", ("api-key", "any")),
        &Default::default(),
    )
    .await
    .unwrap();
    let _created = stream.next_frame().await;
    sink.send(r#"{"type":"response.create"}"#.to_owned())
        .await
        .unwrap();
    let _ = frame_types(&mut stream).await;
    sink.close(1000, "done").await.unwrap();
    // The file is written when the connection ends: wait for it, with a bound.
    let file = dir.join("0000-azure-openai-ga-v1.jsonl");
    let mut text = String::new();
    for _ in 0..100 {
        if let Ok(read) = std::fs::read_to_string(&file)
            && !read.is_empty()
        {
            text = read;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rows: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert!(rows.len() > 5, "{text}");
    assert_eq!(rows[0]["dialect"], "azure-openai-ga-v1");
    assert_eq!(rows[0]["direction"], "server");
    assert_eq!(rows[0]["payload"]["type"], "session.created");
    assert!(
        rows.iter()
            .any(|row| row["direction"] == "client" && row["payload"]["type"] == "response.create")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
