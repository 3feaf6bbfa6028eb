//! Over a real loopback WebSocket against `realtime-testkit`'s Voice Live emulator:
//! the config is the connector, the dialect encodes, and the emulator records the
//! exact upgrade request and frames.

use std::time::Duration;

use realtime_core::client::RealtimeClient;
use realtime_core::dialect::Dialect;
use realtime_core::protocol::{AudioFormat, ClientEvent, Item, ServerEvent, SessionConfig};
use realtime_testkit::emulator::{Emulator, Profile, Script};
use realtime_voicelive::{
    ApiVersion, AzureSemanticVad, AzureVoice, EchoCancellation, VoiceLiveConfig,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn endpoint_of(emulator: &Emulator) -> String {
    emulator.url().trim_end_matches("/realtime").to_owned()
}

async fn run(version: ApiVersion, profile: Profile) -> TestResult {
    let emulator = Emulator::start(profile, Script::new().say("Hello there.")).await?;
    let config = VoiceLiveConfig::builder()
        .endpoint(endpoint_of(&emulator))
        .model("gpt-realtime")
        .api_version(version)
        .api_key("test-key")
        .build()?;
    let dialect = config.dialect();
    let client = RealtimeClient::new(dialect.clone(), config);
    let mut session = client.connect().await?;

    let update = ClientEvent::session_update(
        SessionConfig::new()
            .instructions("Be brief.")
            .voice(AzureVoice::standard("en-US-AvaNeural"))
            .input_audio_format(AudioFormat::Pcm16 { rate: 16_000 })
            .turn_detection(AzureSemanticVad::new().silence_duration_ms(400).into())
            .extension(EchoCancellation::server()),
    );
    session.send(&update).await?;
    session
        .send(&ClientEvent::create_item(Item::user_text("Hi")))
        .await?;
    session.send(&ClientEvent::create_response()).await?;

    let mut transcript = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let event = tokio::time::timeout_at(deadline, session.next_event())
            .await?
            .ok_or("stream ended before response.done")??;
        match event {
            ServerEvent::ResponseAudioTranscriptDelta(delta) => transcript.push_str(&delta.delta),
            ServerEvent::ResponseTextDelta(delta) => transcript.push_str(&delta.delta),
            ServerEvent::ResponseDone(_) => break,
            ServerEvent::Error(error) => return Err(format!("{error:?}").into()),
            _ => {}
        }
    }
    assert_eq!(transcript, "Hello there.");
    session.close().await?;

    let connection = emulator
        .server()
        .wait_for_connection(0, Duration::from_secs(5))
        .await?;
    let request = connection.request();
    assert!(
        request.path_and_query.starts_with("/voice-live/realtime?"),
        "{}",
        request.path_and_query
    );
    assert_eq!(request.query_param("api-version"), Some(version.as_str()));
    assert_eq!(request.query_param("model"), Some("gpt-realtime"));
    assert_eq!(request.header("api-key"), Some("test-key"));
    let frames = connection
        .wait_for_frames(3, Duration::from_secs(5))
        .await?;
    let first = frames
        .first()
        .and_then(|frame| frame.as_text())
        .ok_or("no text frame")?;
    assert_eq!(first, dialect.encode(&update)?);
    Ok(())
}

#[tokio::test]
async fn dated_session_over_loopback() -> TestResult {
    run(ApiVersion::V2026_04_10, Profile::voicelive_dated()).await
}

#[tokio::test]
async fn ga_2026_07_15_session_over_loopback() -> TestResult {
    run(ApiVersion::V2026_07_15, Profile::voicelive_dated()).await
}

#[tokio::test]
async fn v1_session_over_loopback() -> TestResult {
    run(ApiVersion::V1, Profile::voicelive_v1()).await
}

/// A credential handing out numbered tokens that expire within the refresh margin.
#[derive(Debug, Default)]
struct CountingCredential {
    calls: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl azure_core::credentials::TokenCredential for CountingCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<azure_core::credentials::TokenRequestOptions<'_>>,
    ) -> azure_core::Result<azure_core::credentials::AccessToken> {
        let n = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        Ok(azure_core::credentials::AccessToken {
            token: azure_core::credentials::Secret::new(format!("vl-token-{n}")),
            expires_on: azure_core::time::OffsetDateTime::now_utc()
                + azure_core::time::Duration::minutes(1),
        })
    }
}

#[tokio::test]
async fn entra_bearer_per_connect_and_a_warning_event() -> TestResult {
    let warning = serde_json::json!({"type": "warning", "event_id": "evt_w1", "warning": {"message": "Voice 'x' is not available, using the default.", "code": "voice_fallback"}});
    let emulator = Emulator::start(
        Profile::voicelive_dated(),
        Script::new().emit(warning).say("Hello."),
    )
    .await?;
    let credential = std::sync::Arc::new(CountingCredential::default());
    let config = VoiceLiveConfig::builder()
        .endpoint(endpoint_of(&emulator))
        .model("gpt-realtime")
        .token_credential(credential.clone())
        .build()?;
    let client = config.client();
    let mut session = client.connect().await?;
    session.send(&ClientEvent::create_response()).await?;
    let warned = loop {
        let event = tokio::time::timeout(Duration::from_secs(5), session.next_event())
            .await?
            .ok_or("ended")??;
        if let Some(typed) = realtime_voicelive::VoiceLiveEvent::from_unknown(&event)
            && let realtime_voicelive::VoiceLiveEvent::Warning(warning) = typed?
        {
            break warning;
        }
    };
    assert_eq!(
        warned.warning.message,
        "Voice 'x' is not available, using the default."
    );
    session.close().await?;
    let second = client.connect().await?;
    second.close().await?;

    let connections = emulator.connections();
    for (connection, token) in connections
        .iter()
        .zip(["Bearer vl-token-1", "Bearer vl-token-2"])
    {
        assert_eq!(connection.request().header("authorization"), Some(token));
        assert_eq!(connection.request().header("api-key"), None);
        assert_eq!(
            connection.request().query_param("api-version"),
            Some("2026-07-15"),
            "the default api-version"
        );
    }
    let debug = format!("{config:?} {client:?}");
    assert!(!debug.contains("vl-token"), "{debug}");
    Ok(())
}
