//! The emulator speaks each profile's dialect to a real client over loopback.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use realtime_core::client::RealtimeClient;
use realtime_core::dialect::GenericDialect;
use realtime_core::protocol::{ClientEvent, Item, ServerEvent, SessionConfig};
use realtime_core::transport::{ConnectRequest, StaticConnector};
use realtime_testkit::emulator::{Emulator, Profile, Script};
use serde_json::Value;

async fn collect_until_done(session: &mut realtime_core::client::Session) -> Vec<ServerEvent> {
    let mut events = Vec::new();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(5), session.next_event())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let done = matches!(event, ServerEvent::ResponseDone(_));
        events.push(event);
        if done {
            return events;
        }
    }
}

#[tokio::test]
async fn every_profile_plays_a_text_turn() {
    for profile in Profile::all() {
        let shape = profile.shape;
        let dialect_name = profile.dialect;
        let emulator = Emulator::start(profile, Script::new().say("Hello there, how can I help?"))
            .await
            .unwrap();
        let client = RealtimeClient::new(
            GenericDialect::new(shape),
            StaticConnector::new("emulator", ConnectRequest::new(emulator.url())),
        );
        let mut session = client.connect().await.unwrap();
        let created = session.next_event().await.unwrap().unwrap();
        let ServerEvent::SessionCreated(created) = created else {
            panic!("{dialect_name}: first event {created:?}")
        };
        assert_eq!(
            created.session.session_type().is_some(),
            shape == realtime_core::wire::WireShape::Ga,
            "{dialect_name}"
        );

        session
            .send(&ClientEvent::create_item(Item::user_text("Hi")))
            .await
            .unwrap();
        session.send(&ClientEvent::create_response()).await.unwrap();
        let events = collect_until_done(&mut session).await;
        let transcript = events.iter().find_map(|event| match event {
            ServerEvent::ResponseAudioTranscriptDone(done) => Some(done.transcript.clone()),
            _ => None,
        });
        assert_eq!(
            transcript.as_deref(),
            Some("Hello there, how can I help?"),
            "{dialect_name}"
        );
        assert!(
            events.iter().all(|event| !event.is_unknown()),
            "{dialect_name}: {events:?}"
        );
        session.close().await.unwrap();
    }
}

#[tokio::test]
async fn azure_preview_rejects_ga_fields_with_the_recorded_error() {
    let emulator = Emulator::start(Profile::azure_openai_preview(), Script::new())
        .await
        .unwrap();
    // A GA-shaped client: exactly the mistake the official SDKs make on Azure preview.
    let client = RealtimeClient::new(
        GenericDialect::new(realtime_core::wire::WireShape::Ga),
        StaticConnector::new("emulator", ConnectRequest::new(emulator.url())),
    );
    let mut session = client.connect().await.unwrap();
    session
        .send(&ClientEvent::session_update(
            SessionConfig::new().instructions("Be brief."),
        ))
        .await
        .unwrap();
    let error = loop {
        match session.next_event().await.unwrap().unwrap() {
            ServerEvent::Error(error) => break error,
            ServerEvent::SessionUpdated(_) => panic!("the update must be rejected"),
            _ => {}
        }
    };
    assert_eq!(
        error.error.code.as_option().map(String::as_str),
        Some("unknown_parameter")
    );
    assert_eq!(
        error.error.param.as_option().map(String::as_str),
        Some("session.type")
    );
    assert_eq!(error.error.message, "Unknown parameter: 'session.type'.");
}

#[tokio::test]
async fn emulator_frames_decode_losslessly_in_their_shape() {
    for profile in Profile::all() {
        let shape = profile.shape;
        let emulator = Emulator::start(
            profile,
            Script::new()
                .call("lookup", serde_json::json!({"order": "A1"}))
                .say("Done."),
        )
        .await
        .unwrap();
        let (sink, mut stream) = realtime_core::transport::connect(
            &StaticConnector::new("emulator", ConnectRequest::new(emulator.url())),
            &Default::default(),
        )
        .await
        .unwrap();
        sink.send(r#"{"type":"response.create"}"#.to_owned())
            .await
            .unwrap();
        let mut frames = 0;
        while let Ok(Some(Ok(realtime_core::transport::Incoming::Text(frame)))) =
            tokio::time::timeout(Duration::from_millis(300), stream.next_frame()).await
        {
            frames += 1;
            let events = shape.decode_server(&frame).unwrap();
            let again: Value =
                serde_json::from_str(&shape.encode_server(&events[0]).unwrap()).unwrap();
            let original: Value = serde_json::from_str(&frame).unwrap();
            assert_eq!(again, original);
        }
        assert!(frames >= 8, "only {frames} frames");
    }
}
