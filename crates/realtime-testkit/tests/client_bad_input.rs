//! Bad input from the network becomes typed errors naming the dialect and event type,
//! never a panic or a silent drop, and the session stays usable.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::time::Duration;

use realtime_core::client::{ClientError, RealtimeClient};
use realtime_core::dialect::GenericDialect;
use realtime_core::error::DecodeErrorKind;
use realtime_core::protocol::ServerEvent;
use realtime_core::transport::{ConnectRequest, StaticConnector, TransportConfig, TransportError};
use realtime_core::wire::WireShape;
use realtime_testkit::{ServerConn, TestServer, TestServerOptions};

async fn next(session: &mut realtime_core::client::Session) -> Result<ServerEvent, ClientError> {
    tokio::time::timeout(Duration::from_secs(5), session.next_event())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn malformed_frames_are_typed_errors_and_the_session_goes_on() {
    let server = TestServer::start(TestServerOptions::new().handler(
        |conn: ServerConn| async move {
            for frame in [
                "{not json",
                "[1,2,3]",
                r#"{"no_type":true}"#,
                r#"{"type":"response.output_audio.delta","output_index":"zero","delta":"AAAA"}"#,
            ] {
                conn.send_text(frame).await.unwrap();
            }
            conn.send_binary(vec![1, 2, 3]).await.unwrap();
            conn.send_text(r#"{"type":"input_audio_buffer.cleared","event_id":"e1"}"#)
                .await
                .unwrap();
            conn.send_oversized(64 * 1024).await.unwrap();
        },
    ))
    .await
    .unwrap();
    let client = RealtimeClient::new(
        GenericDialect::new(WireShape::Ga),
        StaticConnector::new("emulator", ConnectRequest::new(server.ws_url("/"))),
    )
    .transport_config(
        TransportConfig::default()
            .max_message_size(16 * 1024)
            .max_frame_size(16 * 1024),
    );
    let mut session = client.connect().await.unwrap();

    let decode = |result: Result<ServerEvent, ClientError>| match result {
        Err(ClientError::Decode(error)) => error,
        other => panic!("expected a decode error, got {other:?}"),
    };
    let malformed = decode(next(&mut session).await);
    assert!(matches!(
        malformed.kind,
        DecodeErrorKind::MalformedJson { .. }
    ));
    assert_eq!(malformed.dialect, "generic-ga");

    let array = decode(next(&mut session).await);
    assert_eq!(array.kind, DecodeErrorKind::NotAnObject { found: "array" });

    let untyped = decode(next(&mut session).await);
    assert_eq!(
        untyped.kind,
        DecodeErrorKind::MissingType { found: "nothing" }
    );

    let wrong_type = decode(next(&mut session).await);
    assert_eq!(
        wrong_type.event_type.as_deref(),
        Some("response.output_audio.delta")
    );
    let message = wrong_type.to_string();
    assert!(
        message.contains("generic-ga")
            && message.contains("response.output_audio.delta")
            && message.contains("expected u32"),
        "{message}"
    );

    let binary = decode(next(&mut session).await);
    assert_eq!(binary.kind, DecodeErrorKind::BinaryFrame { len: 3 });

    let ServerEvent::InputAudioBufferCleared(cleared) = next(&mut session).await.unwrap() else {
        panic!("the session goes on")
    };
    assert_eq!(cleared.event_id.as_deref(), Some("e1"));

    match next(&mut session).await {
        Err(ClientError::Transport(TransportError::FrameTooLarge { max, .. })) => {
            assert_eq!(max, 16 * 1024);
        }
        other => panic!("expected FrameTooLarge, got {other:?}"),
    }
}
