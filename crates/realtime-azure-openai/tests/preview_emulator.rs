//! The six failures today's SDKs hit on Azure OpenAI, each over a real loopback
//! WebSocket against the testkit's Azure preview emulator (which answers like the
//! service: `session.created` without `type`, `unknown_parameter` errors for GA
//! fields, audio-only modalities rejected, `DeploymentNotFound` for a transcription
//! model that is not a deployment), plus Entra ID on the wire.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use azure_core::credentials::{
    AccessToken, Secret as AzureSecret, TokenCredential, TokenRequestOptions,
};
use azure_core::time::{Duration as AzureDuration, OffsetDateTime};
use realtime_azure_openai::{
    ApiVersion, Auth, AzureOpenAiConfig, Endpoint, TranscriptionFailure, transcription_failure,
};
use realtime_core::client::Session;
use realtime_core::dialect::Dialect as _;
use realtime_core::protocol::{
    ClientEvent, Item, Modality, ServerEvent, SessionConfig, Tool, Transcription, TurnDetection,
};
use realtime_testkit::emulator::{AZURE_TRANSCRIPTION_DEPLOYMENT, Emulator, Profile, Script};
use serde_json::{Value, json};

const KEY: &str = "az-key-NEVER-LOGGED";
const WAIT: Duration = Duration::from_secs(5);

async fn preview_session(emulator: &Emulator) -> Session {
    let endpoint = emulator
        .url()
        .replace("ws://", "http://")
        .replace("/realtime", "")
        .parse()
        .unwrap();
    let config = AzureOpenAiConfig::new(endpoint, "gpt-4o-realtime", Auth::api_key(KEY))
        .unwrap()
        .with_endpoint_kind(Endpoint::Preview(ApiVersion::V2025_04_01Preview));
    config.client().connect().await.unwrap()
}

async fn next(session: &mut Session) -> ServerEvent {
    match tokio::time::timeout(WAIT, session.next_event())
        .await
        .unwrap()
        .unwrap()
    {
        Ok(event) => event,
        Err(error) => panic!("unexpected error: {error}"),
    }
}

/// Events until `session.updated` or `error`, whichever comes first.
async fn update_outcome(session: &mut Session) -> ServerEvent {
    loop {
        let event = next(session).await;
        if matches!(
            event,
            ServerEvent::SessionUpdated(_) | ServerEvent::Error(_)
        ) {
            return event;
        }
    }
}

fn sent(emulator: &Emulator) -> Vec<Value> {
    emulator.connections()[0]
        .texts()
        .iter()
        .map(|text| serde_json::from_str(text).unwrap())
        .collect()
}

#[tokio::test]
async fn failure_1_session_created_without_type_decodes() {
    let emulator = Emulator::start(Profile::azure_openai_preview(), Script::new())
        .await
        .unwrap();
    let mut session = preview_session(&emulator).await;
    let ServerEvent::SessionCreated(created) = next(&mut session).await else {
        panic!("first event is session.created")
    };
    assert_eq!(
        created.session.session_type(),
        None,
        "Azure preview sends no session.type"
    );
    assert!(created.session.id().is_some());
}

#[tokio::test]
async fn failure_2_no_ga_field_reaches_the_preview_and_instructions_apply() {
    let emulator = Emulator::start(Profile::azure_openai_preview(), Script::new())
        .await
        .unwrap();
    let mut session = preview_session(&emulator).await;
    let config = SessionConfig::new()
        .instructions("Answer in French.")
        .output_modalities([Modality::Audio])
        .voice("alloy")
        .turn_detection(TurnDetection::server_vad())
        .tools([Tool::function(
            "lookup",
            "Looks up.",
            json!({"type": "object", "properties": {}}),
        )]);
    session
        .send(&ClientEvent::session_update(config))
        .await
        .unwrap();
    let ServerEvent::SessionUpdated(updated) = update_outcome(&mut session).await else {
        panic!("the update must be accepted")
    };
    assert_eq!(updated.session.instructions(), Some("Answer in French."));
    let frame = &sent(&emulator)[0]["session"];
    for rejected in [
        "type",
        "output_modalities",
        "audio",
        "tracing",
        "prompt",
        "truncation",
        "include",
    ] {
        assert!(
            frame.get(rejected).is_none(),
            "`{rejected}` must never reach the preview: {frame}"
        );
    }
}

#[tokio::test]
async fn failure_3_audio_only_is_sent_as_audio_and_text() {
    let emulator = Emulator::start(Profile::azure_openai_preview(), Script::new())
        .await
        .unwrap();
    let mut session = preview_session(&emulator).await;
    session
        .send(&ClientEvent::session_update(
            SessionConfig::new().output_modalities([Modality::Audio]),
        ))
        .await
        .unwrap();
    assert!(matches!(
        update_outcome(&mut session).await,
        ServerEvent::SessionUpdated(_)
    ));
    assert_eq!(
        sent(&emulator)[0]["session"]["modalities"],
        json!(["audio", "text"])
    );
}

#[tokio::test]
async fn failure_4_assistant_parts_use_the_preview_spelling() {
    let emulator = Emulator::start(Profile::azure_openai_preview(), Script::new())
        .await
        .unwrap();
    let mut session = preview_session(&emulator).await;
    session
        .send(&ClientEvent::create_item(Item::assistant_text(
            "Earlier answer.",
        )))
        .await
        .unwrap();
    loop {
        if let ServerEvent::ConversationItemCreated(created) = next(&mut session).await {
            let Some(Item::Message(message)) = created.item else {
                panic!("a message item")
            };
            assert_eq!(message.content[0].kind.as_str(), "text");
            break;
        }
    }
    assert_eq!(
        sent(&emulator)[0]["item"]["content"][0]["type"],
        "text",
        "not output_text"
    );
}

#[tokio::test]
async fn failure_5_voice_change_after_audio_is_known_to_be_rejected() {
    // The capability the agent loop asks before a handoff changes the voice (the
    // scenario suite's handoff test shows the loop keeping the voice on this dialect).
    for version in ApiVersion::ALL {
        let dialect = realtime_azure_openai::AzureOpenAiDialect::preview(version);
        assert!(
            !dialect.capabilities().voice_change_after_audio,
            "{version:?}"
        );
    }
    assert!(
        !realtime_azure_openai::AzureOpenAiDialect::ga_v1()
            .capabilities()
            .voice_change_after_audio
    );
}

#[tokio::test]
async fn failure_6_transcription_model_must_be_a_deployment() {
    let emulator = Emulator::start(Profile::azure_openai_preview(), Script::new())
        .await
        .unwrap();
    let mut session = preview_session(&emulator).await;
    let config = SessionConfig::new()
        .transcription(Transcription::model("whisper-1"))
        .turn_detection(TurnDetection::server_vad());
    session
        .send(&ClientEvent::session_update(config))
        .await
        .unwrap();
    assert!(matches!(
        update_outcome(&mut session).await,
        ServerEvent::SessionUpdated(_)
    ));
    for _ in 0..50 {
        session
            .send(&ClientEvent::append_audio(&[0; 960]))
            .await
            .unwrap();
    }
    let failed = loop {
        if let ServerEvent::InputTranscriptionFailed(failed) = next(&mut session).await {
            break failed;
        }
    };
    let failure = transcription_failure(&failed).for_deployment("whisper-1");
    assert!(
        matches!(failure, TranscriptionFailure::DeploymentNotFound { .. }),
        "{failure:?}"
    );
    let message = failure.to_string();
    assert!(message.contains("deployment"), "{message}");

    // With a deployment name it transcribes.
    let emulator = Emulator::start(
        Profile::azure_openai_preview(),
        Script::new().user_says("Bonjour"),
    )
    .await
    .unwrap();
    let mut session = preview_session(&emulator).await;
    let config = SessionConfig::new()
        .transcription(Transcription::model(AZURE_TRANSCRIPTION_DEPLOYMENT))
        .turn_detection(TurnDetection::server_vad());
    session
        .send(&ClientEvent::session_update(config))
        .await
        .unwrap();
    for _ in 0..50 {
        session
            .send(&ClientEvent::append_audio(&[0; 960]))
            .await
            .unwrap();
    }
    loop {
        match next(&mut session).await {
            ServerEvent::InputTranscriptionCompleted(done) => {
                break assert_eq!(done.transcript, "Bonjour");
            }
            ServerEvent::InputTranscriptionFailed(failed) => panic!("{failed:?}"),
            _ => {}
        }
    }
}

/// A credential that hands out numbered tokens.
#[derive(Debug, Default)]
struct CountingCredential {
    calls: AtomicUsize,
}

#[async_trait::async_trait]
impl TokenCredential for CountingCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        // Expires in one minute: inside the refresh margin, so every connect fetches anew.
        Ok(AccessToken {
            token: AzureSecret::new(format!("entra-token-{n}")),
            expires_on: OffsetDateTime::now_utc() + AzureDuration::minutes(1),
        })
    }
}

#[tokio::test]
async fn entra_bearer_on_the_wire_and_a_fresh_token_per_connect() {
    let emulator = Emulator::start(Profile::azure_openai_ga_v1(), Script::new())
        .await
        .unwrap();
    let endpoint = emulator
        .url()
        .replace("ws://", "http://")
        .replace("/realtime", "")
        .parse()
        .unwrap();
    let credential = Arc::new(CountingCredential::default());
    let config =
        AzureOpenAiConfig::new(endpoint, "gpt-realtime", Auth::entra(credential.clone())).unwrap();
    let client = config.client();
    for _ in 0..2 {
        let mut session = client.connect().await.unwrap();
        let _ = next(&mut session).await;
        session.close().await.unwrap();
    }
    let connections = emulator.connections();
    assert_eq!(connections.len(), 2);
    for (connection, expected) in connections
        .iter()
        .zip(["Bearer entra-token-1", "Bearer entra-token-2"])
    {
        assert_eq!(connection.request().header("authorization"), Some(expected));
        assert_eq!(connection.request().header("api-key"), None);
        assert!(
            connection
                .request()
                .path_and_query
                .starts_with("/openai/v1/realtime?model=gpt-realtime"),
            "{}",
            connection.request().path_and_query
        );
    }
    assert_eq!(credential.calls.load(Ordering::SeqCst), 2);
    let debug = format!("{config:?} {client:?}");
    assert!(!debug.contains("entra-token"), "{debug}");
}
