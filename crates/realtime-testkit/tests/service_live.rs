//! The emulator as a process serves GPT-Live too: OpenAI's `/v1/live/sessions` and
//! both Azure spellings, Bearer keys only, delegation to the client and the typed
//! close reason.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::Duration;

use realtime_core::transport::{
    ConnectRequest, FrameStream, Incoming, StaticConnector, TransportError, connect,
};
use realtime_testkit::emulator::handshake::LIVE_PATHS;
use realtime_testkit::emulator::{Script, Service, ServiceOptions};
use serde_json::{Value, json};

fn request(service: &Service, path: &str, header: (&str, &str)) -> StaticConnector {
    let url = format!("ws://{}{path}", service.addr());
    StaticConnector::new(
        "emulator",
        ConnectRequest::new(url).secret_header(header.0, header.1),
    )
}

async fn next(stream: &mut FrameStream) -> Value {
    let frame = tokio::time::timeout(Duration::from_secs(5), stream.next_frame())
        .await
        .unwrap();
    let Some(Ok(Incoming::Text(frame))) = frame else {
        panic!("expected a text frame, got {frame:?}");
    };
    serde_json::from_str(&frame).unwrap()
}

#[tokio::test]
async fn gpt_live_is_served_on_its_paths_with_client_delegation_and_a_typed_close() {
    let mut script = Script::new();
    for _ in LIVE_PATHS {
        script = script
            .user_says("What's the weather?")
            .call("lookup_forecast", json!({"city": "Amsterdam"}));
    }
    let service = Service::start(
        ServiceOptions::new()
            .addr(SocketAddr::from(([127, 0, 0, 1], 0)))
            .key("k")
            .script(script),
    )
    .await
    .unwrap();
    for path in LIVE_PATHS {
        let (sink, mut stream) = connect(
            &request(&service, path, ("Authorization", "Bearer k")),
            &Default::default(),
        )
        .await
        .unwrap();
        sink.send(r#"{"type":"session.start","session":{"model":"gpt-live-1"}}"#.to_owned())
            .await
            .unwrap();
        let started = next(&mut stream).await;
        assert_eq!(started["type"], "session.started", "{path}");
        assert_eq!(started["session"]["delegation"]["type"], "client", "{path}");
        // One second of audio is a user turn; the scripted call goes to the client.
        let audio = json!({"type": "session.input_audio.append", "audio": "AAAA".repeat(16_000)});
        sink.send(audio.to_string()).await.unwrap();
        assert_eq!(
            next(&mut stream).await["type"],
            "session.input_transcript.delta",
            "{path}"
        );
        let delegated = next(&mut stream).await;
        assert_eq!(delegated["type"], "session.delegation.created", "{path}");
        assert_eq!(delegated["delegation"]["target"], "client", "{path}");
        sink.send(r#"{"type":"session.close"}"#.to_owned())
            .await
            .unwrap();
        let closed = next(&mut stream).await;
        assert_eq!(closed["type"], "session.closed", "{path}");
        assert_eq!(closed["reason"], "close_requested", "{path}");
        let end = tokio::time::timeout(Duration::from_secs(5), stream.next_frame())
            .await
            .unwrap();
        assert!(
            !matches!(end, Some(Ok(Incoming::Text(_)))),
            "{path}: nothing after session.closed: {end:?}"
        );
    }
}

#[tokio::test]
async fn gpt_live_takes_bearer_keys_only() {
    let service = Service::start(
        ServiceOptions::new()
            .addr(SocketAddr::from(([127, 0, 0, 1], 0)))
            .key("k"),
    )
    .await
    .unwrap();
    let cases = [
        ("/v1/live/sessions", ("Authorization", "Bearer wrong")),
        ("/openai/v1/live", ("api-key", "k")),
    ];
    for (path, header) in cases {
        let error = connect(&request(&service, path, header), &Default::default())
            .await
            .err()
            .unwrap();
        match error {
            TransportError::Handshake { status, .. } => assert_eq!(status, 401, "{path}"),
            other => panic!("{path}: {other:?}"),
        }
    }
}
