//! No secret leaks: full agent sessions on every provider's connector (OpenAI; Azure
//! OpenAI with an API key and with an Entra ID token; Voice Live with an API key and
//! with an Entra ID token), pointed at the emulator, with a reconnect, an error
//! event, a tool call and a refused handshake. The `Debug` and `Display` of configs,
//! clients, connect requests, sessions, events and errors, and everything logged
//! through `tracing` (one global subscriber at TRACE, installed once), must not
//! contain the key or token. Each test first proves its secret really went over the
//! wire, so a scan that finds nothing means something.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::time::OffsetDateTime;
use realtime::agent::{Agent, AgentEvent, AgentRunner, AgentTool, ReconnectPolicy, ToolError};
use realtime::azure_openai::{Auth, AzureOpenAiConfig, AzureOpenAiConnector};
use realtime::client::RealtimeClient;
use realtime::openai::OpenAiConfig;
use realtime::protocol::{Modality, Role, SessionConfig};
use realtime::transport::Connector;
use realtime::voicelive::{ApiVersion, VoiceLiveConfig};
use realtime_testkit::emulator::{Emulator, Fault, Profile, Script};
use realtime_testkit::{Rejection, TestServerOptions};
use serde_json::json;

/// Everything `tracing` printed, from every test of this binary.
fn captured() -> &'static Mutex<Vec<u8>> {
    static CAPTURED: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&buffer);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || Capture(Arc::clone(&sink)))
            .finish();
        // One global subscriber for the whole binary: scoped dispatchers are flaky
        // under parallel tests (tracing's callsite interest cache).
        tracing::subscriber::set_global_default(subscriber).unwrap();
        buffer
    })
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[derive(Debug)]
struct FakeCredential {
    token: String,
    calls: AtomicUsize,
}

#[async_trait::async_trait]
impl TokenCredential for FakeCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(AccessToken::new(
            self.token.clone(),
            // Near expiry: every connect fetches again (more places to leak).
            OffsetDateTime::now_utc() + azure_core::time::Duration::minutes(1),
        ))
    }
}

fn credential(token: &str) -> Arc<FakeCredential> {
    Arc::new(FakeCredential {
        token: token.to_owned(),
        calls: AtomicUsize::new(0),
    })
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Args {
    /// The order.
    order: String,
}

/// Everything a scan looks at, as text.
#[derive(Default)]
struct Seen(String);

impl Seen {
    fn add(&mut self, what: &str, text: impl AsRef<str>) {
        self.0.push_str(what);
        self.0.push_str(": ");
        self.0.push_str(text.as_ref());
        self.0.push('\n');
    }

    fn debug(&mut self, what: &str, value: &impl std::fmt::Debug) {
        self.add(what, format!("{value:?}"));
        self.add(what, format!("{value:#?}"));
    }

    fn error(&mut self, what: &str, error: &impl std::error::Error) {
        self.add(what, error.to_string());
        self.debug(what, error);
        let mut source = error.source();
        while let Some(inner) = source {
            self.add(what, inner.to_string());
            source = inner.source();
        }
    }
}

/// A client, its connector, and the config's `Debug`.
type Built = (RealtimeClient, Arc<dyn Connector>, String);

/// A provider under test: how to build its connector at an emulator.
struct Provider {
    profile: Profile,
    /// Client and connector `Debug`/request for the emulator at `endpoint`
    /// (`http://127.0.0.1:port`).
    build: Box<dyn Fn(&str) -> Built>,
    /// The header that carries the secret, and its expected value.
    header: (&'static str, String),
}

async fn scan(provider: Provider, secret: &str) {
    let capture = captured();
    tracing::info!("secrets scan starts");
    let mut seen = Seen::default();

    let script = Script::new()
        .call("lookup_order", json!({"order": "S-1"}))
        .say("S-1 shipped.")
        .fault(Fault::ServerError)
        .fault(Fault::DropMidResponse("Cut".into()))
        .say("Back.");
    let emulator = Emulator::start(provider.profile.clone(), script)
        .await
        .unwrap();
    let endpoint = emulator.url().trim_end_matches("/realtime").to_owned();
    let (client, connector, config_debug) = (provider.build)(&endpoint);
    seen.add("config", config_debug);
    seen.debug("client", &client);
    seen.debug("connector", &connector);
    let request = connector.request().await.unwrap();
    seen.debug("request", &request);
    seen.add("request url", &request.url);
    seen.add("redacted url", request.redacted_url());

    let tool = AgentTool::new(
        "lookup_order",
        "Finds an order.",
        |args: Args, _| async move { Ok::<_, ToolError>(format!("{} shipped", args.order)) },
    );
    let runner = AgentRunner::new(client, Agent::new("desk").instructions("Hi.").tool(tool))
        .session_config(SessionConfig::new().output_modalities([Modality::Text]))
        .reconnect(
            ReconnectPolicy::default()
                .initial_delay(Duration::from_millis(10))
                .jitter(0.0),
        );
    seen.debug("runner", &runner);
    let mut session = runner.start().await.unwrap();
    seen.debug("session", &session);
    session.send_text("Where is S-1?").await.unwrap();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(5), session.next_event())
            .await
            .expect("an event within 5 s")
            .expect("the session runs");
        seen.debug("event", &event);
        match &event {
            AgentEvent::Error(error) | AgentEvent::Disconnected { error, .. } => {
                seen.error("agent error", error);
                if matches!(error, realtime::agent::AgentError::Server { code, .. } if code == "server_error")
                {
                    // The failed response: ask again; this answer is cut by a drop.
                    session.send_text("Again?").await.unwrap();
                }
            }
            AgentEvent::Transcript {
                role: Role::Assistant,
                text,
                ..
            } => match text.as_str() {
                "S-1 shipped." => session.send_text("And now?").await.unwrap(),
                "Back." => break,
                other => panic!("unexpected answer {other}"),
            },
            _ => {}
        }
    }
    seen.debug("history", &session.history().await.unwrap());
    session.close().await.unwrap();
    let connections = emulator.connections();
    assert!(connections.len() >= 2, "the session reconnected");
    let (name, expected) = &provider.header;
    for connection in &connections {
        assert_eq!(
            connection.request().header(name),
            Some(expected.as_str()),
            "the secret went over the wire"
        );
    }

    // A refused handshake: the error names the provider and status, never the key.
    let refused = Emulator::start_with(
        provider.profile.clone(),
        Script::new(),
        TestServerOptions::new().reject_all(Rejection::json(
            401,
            r#"{"error":{"code":"invalid_api_key","message":"Incorrect API key provided."}}"#,
        )),
        1000,
    )
    .await
    .unwrap();
    let endpoint = refused.url().trim_end_matches("/realtime").to_owned();
    let (client, _, _) = (provider.build)(&endpoint);
    let error = AgentRunner::new(client, Agent::new("desk"))
        .start()
        .await
        .unwrap_err();
    seen.error("handshake error", &error);
    assert!(error.to_string().contains("401"), "{error}");

    tracing::info!("secrets scan ends");
    let logs = String::from_utf8_lossy(&capture.lock().unwrap()).into_owned();
    assert!(logs.contains("reconnected"), "tracing output was captured");
    for (what, text) in [("Debug/Display/errors", &seen.0), ("tracing", &logs)] {
        assert!(text.len() > 1000, "{what}: too little to scan");
        if let Some(at) = text.find(secret) {
            let from = at.saturating_sub(200);
            panic!(
                "the secret leaked into {what}: …{}…",
                &text[from..(at + secret.len() + 50).min(text.len())]
            );
        }
    }
}

#[tokio::test]
async fn openai_api_key_never_leaks() {
    const KEY: &str = "sk-proj-SECRET-openai-0123456789";
    let provider = Provider {
        profile: Profile::openai_ga(),
        build: Box::new(|endpoint| {
            let config = OpenAiConfig::builder(KEY)
                .base_url(format!("{endpoint}/realtime"))
                .model("gpt-realtime")
                .build()
                .unwrap();
            let debug = format!("{config:?} {config:#?}");
            (
                config.client(),
                Arc::new(config) as Arc<dyn Connector>,
                debug,
            )
        }),
        header: ("authorization", format!("Bearer {KEY}")),
    };
    scan(provider, KEY).await;
}

fn azure(auth: Auth, endpoint: &str) -> Built {
    let config = AzureOpenAiConfig::new(endpoint.parse().unwrap(), "gpt-realtime", auth).unwrap();
    let debug = format!("{config:?} {config:#?}");
    let connector = AzureOpenAiConnector::new(config.clone());
    (config.client(), Arc::new(connector), debug)
}

#[tokio::test]
async fn azure_openai_api_key_never_leaks() {
    const KEY: &str = "azure-SECRET-key-abcdef0123456789";
    let provider = Provider {
        profile: Profile::azure_openai_ga_v1(),
        build: Box::new(|endpoint| azure(Auth::api_key(KEY), endpoint)),
        header: ("api-key", KEY.to_owned()),
    };
    scan(provider, KEY).await;
}

#[tokio::test]
async fn azure_openai_entra_token_never_leaks() {
    const TOKEN: &str = "eyJ0eXAi.AZURE-SECRET-ENTRA-TOKEN.signature";
    let credential = credential(TOKEN);
    let provider = Provider {
        profile: Profile::azure_openai_ga_v1(),
        build: Box::new(move |endpoint| azure(Auth::entra(credential.clone()), endpoint)),
        header: ("authorization", format!("Bearer {TOKEN}")),
    };
    scan(provider, TOKEN).await;
}

fn voicelive(
    endpoint: &str,
    auth: impl FnOnce(
        realtime::voicelive::VoiceLiveConfigBuilder,
    ) -> realtime::voicelive::VoiceLiveConfigBuilder,
) -> Built {
    let builder = VoiceLiveConfig::builder()
        .endpoint(endpoint)
        .model("gpt-realtime")
        .api_version(ApiVersion::V2026_04_10);
    let config = auth(builder).build().unwrap();
    let debug = format!("{config:?} {config:#?}");
    (
        config.client(),
        Arc::new(config) as Arc<dyn Connector>,
        debug,
    )
}

#[tokio::test]
async fn voicelive_api_key_never_leaks() {
    const KEY: &str = "voicelive-SECRET-key-fedcba9876543210";
    let provider = Provider {
        profile: Profile::voicelive_dated(),
        build: Box::new(|endpoint| voicelive(endpoint, |b| b.api_key(KEY))),
        header: ("api-key", KEY.to_owned()),
    };
    scan(provider, KEY).await;
}

#[tokio::test]
async fn voicelive_entra_token_never_leaks() {
    const TOKEN: &str = "eyJ0eXAi.VOICELIVE-SECRET-ENTRA-TOKEN.signature";
    let credential = credential(TOKEN);
    let provider = Provider {
        profile: Profile::voicelive_dated(),
        build: Box::new(move |endpoint| {
            let credential = credential.clone();
            voicelive(endpoint, move |b| b.token_credential(credential))
        }),
        header: ("authorization", format!("Bearer {TOKEN}")),
    };
    scan(provider, TOKEN).await;
}
