//! A reconnect asks the connector again: an Entra ID token near expiry is refreshed
//! (Azure OpenAI and Voice Live), a fresh one is reused. Real sessions over loopback
//! against the emulator, with a fake `TokenCredential`.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::time::OffsetDateTime;
use realtime::agent::{Agent, AgentEvent, AgentRunner, ReconnectPolicy};
use realtime::azure_openai::{Auth, AzureOpenAiConfig};
use realtime::client::RealtimeClient;
use realtime::protocol::{Modality, Role, SessionConfig};
use realtime::voicelive::{ApiVersion, VoiceLiveConfig};
use realtime_testkit::emulator::{Emulator, Fault, Profile, Script};

/// Hands out `ENTRA-TOKEN-<n>`, each valid for `lifetime` from now.
#[derive(Debug)]
struct FakeCredential {
    calls: AtomicUsize,
    lifetime: azure_core::time::Duration,
}

impl FakeCredential {
    fn new(lifetime: azure_core::time::Duration) -> Arc<Self> {
        Arc::new(Self {
            calls: AtomicUsize::new(0),
            lifetime,
        })
    }
}

#[async_trait::async_trait]
impl TokenCredential for FakeCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(AccessToken::new(
            format!("ENTRA-TOKEN-{n}"),
            OffsetDateTime::now_utc() + self.lifetime,
        ))
    }
}

/// Runs a session whose connection drops mid-response; returns the `Authorization`
/// header of each connection.
async fn authorizations(
    profile: Profile,
    client: impl FnOnce(&Emulator) -> RealtimeClient,
) -> Vec<String> {
    let script = Script::new()
        .fault(Fault::DropMidResponse("Cut".into()))
        .say("Reconnected.");
    let emulator = Emulator::start(profile, script).await.unwrap();
    let client = client(&emulator);
    let policy = ReconnectPolicy::default()
        .initial_delay(Duration::from_millis(10))
        .jitter(0.0);
    let mut session = AgentRunner::new(client, Agent::new("desk").instructions("Hi."))
        .session_config(SessionConfig::new().output_modalities([Modality::Text]))
        .reconnect(policy)
        .start()
        .await
        .unwrap();
    session.send_text("Hi").await.unwrap();
    let mut reconnected = false;
    loop {
        let event = tokio::time::timeout(Duration::from_secs(5), session.next_event())
            .await
            .expect("an event within 5 s")
            .expect("the session runs");
        match event {
            AgentEvent::Reconnected { .. } => reconnected = true,
            AgentEvent::Transcript {
                role: Role::Assistant,
                text,
                ..
            } => {
                assert_eq!(text, "Reconnected.");
                break;
            }
            _ => {}
        }
    }
    assert!(reconnected);
    session.close().await.unwrap();
    emulator
        .connections()
        .iter()
        .map(|c| c.request().header("authorization").unwrap_or("").to_owned())
        .collect()
}

fn azure_client(emulator: &Emulator, credential: Arc<FakeCredential>) -> RealtimeClient {
    let endpoint = emulator.url().trim_end_matches("/realtime").to_owned();
    let config = AzureOpenAiConfig::new(
        endpoint.parse().unwrap(),
        "gpt-realtime",
        Auth::entra(credential),
    )
    .unwrap();
    config.client()
}

fn voicelive_client(emulator: &Emulator, credential: Arc<FakeCredential>) -> RealtimeClient {
    let config = VoiceLiveConfig::builder()
        .endpoint(emulator.url().trim_end_matches("/realtime"))
        .model("gpt-realtime")
        .api_version(ApiVersion::V1)
        .token_credential(credential)
        .build()
        .unwrap();
    config.client()
}

#[tokio::test]
async fn azure_reconnect_refreshes_a_token_near_expiry() {
    // Valid for 4 minutes: inside the 5-minute refresh margin.
    let credential = FakeCredential::new(azure_core::time::Duration::minutes(4));
    let seen = authorizations(Profile::azure_openai_ga_v1(), |e| {
        azure_client(e, Arc::clone(&credential))
    })
    .await;
    assert_eq!(seen, ["Bearer ENTRA-TOKEN-1", "Bearer ENTRA-TOKEN-2"]);
    assert_eq!(credential.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn azure_reconnect_reuses_a_fresh_token() {
    let credential = FakeCredential::new(azure_core::time::Duration::hours(1));
    let seen = authorizations(Profile::azure_openai_ga_v1(), |e| {
        azure_client(e, Arc::clone(&credential))
    })
    .await;
    assert_eq!(seen, ["Bearer ENTRA-TOKEN-1", "Bearer ENTRA-TOKEN-1"]);
    assert_eq!(credential.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn voicelive_reconnect_refreshes_a_token_near_expiry() {
    let credential = FakeCredential::new(azure_core::time::Duration::minutes(4));
    let seen = authorizations(Profile::voicelive_v1(), |e| {
        voicelive_client(e, Arc::clone(&credential))
    })
    .await;
    assert_eq!(seen, ["Bearer ENTRA-TOKEN-1", "Bearer ENTRA-TOKEN-2"]);
}
