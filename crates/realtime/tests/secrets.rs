//! No secret leaks: full agent sessions on every provider's connector (OpenAI; Azure
//! OpenAI with an API key and with an Entra ID token; Voice Live with an API key and
//! with an Entra ID token), pointed at the emulator, with a reconnect, an error
//! event, a tool call and a refused handshake. The `Debug` and `Display` of configs,
//! clients, connect requests, sessions, events and errors, and everything logged
//! through `tracing` (one global subscriber at TRACE, installed once), must not
//! contain any 4 characters of the key or token, nor their percent-encoded or base64
//! forms (secrets are drawn from an alphabet normal output never has, so any window
//! found is a leak). Each test first proves its secret really went over the wire, so
//! a scan that finds nothing means something.
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
    let forms = leak_forms(secret);
    for (what, text) in [("Debug/Display/errors", &seen.0), ("tracing", &logs)] {
        assert!(text.len() > 1000, "{what}: too little to scan");
        assert_no_leak(what, text, &forms);
    }
}

/// The characters secrets are made of: none of them is alphanumeric-only output,
/// base64, hex or an id, so a 4-character window of a secret found anywhere is a leak,
/// not a coincidence. Alternating a rare symbol and a rare letter puts two of each in
/// every window.
const SECRET_SYMBOLS: &[u8] = b"~^|!*";
const SECRET_LETTERS: &[u8] = b"qxzjQXZJ";

/// A random-looking secret of `len` characters, from `seed` (a fixed LCG: the tests
/// stay reproducible).
fn distinctive_secret(seed: u64, len: usize) -> String {
    let mut state = seed;
    let mut secret = String::with_capacity(len);
    for i in 0..len {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let pick = (state >> 33) as usize;
        let alphabet = if i % 2 == 0 {
            SECRET_SYMBOLS
        } else {
            SECRET_LETTERS
        };
        secret.push(char::from(alphabet[pick % alphabet.len()]));
    }
    secret
}

/// One text a leak may take: what it is, and the text.
struct LeakForm {
    what: String,
    text: String,
}

/// Shortest leaked piece of a secret that counts: any 4 characters.
const WINDOW: usize = 4;
/// Shortest run of a base64 encoding that counts (9 bytes of the secret).
const BASE64_WINDOW: usize = 12;

/// Every form a leak of `secret` may take: each window of 4 characters (any longer
/// leaked substring contains one), each window percent-encoded (upper- and lower-case
/// hex), and each 12-character run of the secret's base64 (standard and URL-safe, at
/// the three byte alignments it can have inside a longer encoded text).
fn leak_forms(secret: &str) -> Vec<LeakForm> {
    let bytes = secret.as_bytes();
    assert!(
        bytes.len() >= 24,
        "a secret long enough for its windows to mean something"
    );
    let mut forms = Vec::new();
    for window in bytes.windows(WINDOW) {
        let plain = String::from_utf8(window.to_vec()).unwrap();
        for upper in [true, false] {
            let encoded = percent_encode(window, upper);
            if encoded != plain {
                forms.push(LeakForm {
                    what: format!("percent-encoded window `{plain}`"),
                    text: encoded,
                });
            }
        }
        forms.push(LeakForm {
            what: format!("window `{plain}`"),
            text: plain,
        });
    }
    for alphabet in [BASE64, BASE64_URL] {
        for shift in 0..3 {
            let mut input = vec![0u8; shift];
            input.extend_from_slice(bytes);
            let encoded = base64(&input, alphabet);
            // Only the characters made of the secret's bits alone.
            let first = (8 * shift).div_ceil(6);
            let last = (8 * input.len()) / 6;
            let core = &encoded[first..last];
            for run in core.as_bytes().windows(BASE64_WINDOW) {
                forms.push(LeakForm {
                    what: format!("base64 run (alignment {shift})"),
                    text: String::from_utf8(run.to_vec()).unwrap(),
                });
            }
        }
    }
    forms
}

fn percent_encode(bytes: &[u8], upper: bool) -> String {
    let mut out = String::new();
    for &byte in bytes {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else if upper {
            out.push_str(&format!("%{byte:02X}"));
        } else {
            out.push_str(&format!("%{byte:02x}"));
        }
    }
    out
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64_URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded base64 of `bytes`.
fn base64(bytes: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(alphabet[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// Fails with the leaked form and its surroundings if any form occurs in `text`.
fn assert_no_leak(what: &str, text: &str, forms: &[LeakForm]) {
    for form in forms {
        if let Some(at) = text.find(&form.text) {
            let mut from = at.saturating_sub(200);
            while !text.is_char_boundary(from) {
                from -= 1;
            }
            let mut to = (at + form.text.len() + 50).min(text.len());
            while !text.is_char_boundary(to) {
                to += 1;
            }
            panic!(
                "the secret leaked into {what} as {} `{}`: …{}…",
                form.what,
                form.text,
                &text[from..to]
            );
        }
    }
}

/// The scan itself must see a leak in every form it claims to look for.
#[test]
fn the_scan_finds_every_leak_form() {
    let secret = distinctive_secret(7, 40);
    let forms = leak_forms(&secret);
    let padding = "x".repeat(600);
    let leaks = [
        format!("Secret {{ tail: \"{}\" }}", &secret[secret.len() - 4..]),
        format!("head {}…", &secret[..4]),
        format!("url?key={}", percent_encode(secret.as_bytes(), true)),
        format!(
            "url?key={}",
            percent_encode(&secret.as_bytes()[10..20], false)
        ),
        format!(
            "Basic {}",
            base64(format!("user:{secret}").as_bytes(), BASE64)
        ),
        format!("ws-protocol {}", base64(secret.as_bytes(), BASE64_URL)),
    ];
    for leak in leaks {
        let text = format!("{padding}{leak}{padding}");
        let caught = std::panic::catch_unwind(|| assert_no_leak("test", &text, &forms));
        assert!(caught.is_err(), "not caught: {leak}");
    }
    let clean = format!(
        "{padding} Secret([redacted]) Bearer [redacted] api-key=[redacted] AAAAAA== {padding}"
    );
    assert_no_leak("clean text", &clean, &forms);
}

#[tokio::test]
async fn openai_api_key_never_leaks() {
    let key = distinctive_secret(1, 48);
    let provider = Provider {
        profile: Profile::openai_ga(),
        build: Box::new({
            let key = key.clone();
            move |endpoint| {
                let config = OpenAiConfig::builder(key.as_str())
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
            }
        }),
        header: ("authorization", format!("Bearer {key}")),
    };
    scan(provider, &key).await;
}

fn azure(auth: Auth, endpoint: &str) -> Built {
    let config = AzureOpenAiConfig::new(endpoint.parse().unwrap(), "gpt-realtime", auth).unwrap();
    let debug = format!("{config:?} {config:#?}");
    let connector = AzureOpenAiConnector::new(config.clone());
    (config.client(), Arc::new(connector), debug)
}

#[tokio::test]
async fn azure_openai_api_key_never_leaks() {
    let key = distinctive_secret(2, 48);
    let provider = Provider {
        profile: Profile::azure_openai_ga_v1(),
        build: Box::new({
            let key = key.clone();
            move |endpoint| azure(Auth::api_key(key.as_str()), endpoint)
        }),
        header: ("api-key", key.clone()),
    };
    scan(provider, &key).await;
}

#[tokio::test]
async fn azure_openai_entra_token_never_leaks() {
    let token = distinctive_secret(3, 64);
    let credential = credential(&token);
    let provider = Provider {
        profile: Profile::azure_openai_ga_v1(),
        build: Box::new(move |endpoint| azure(Auth::entra(credential.clone()), endpoint)),
        header: ("authorization", format!("Bearer {token}")),
    };
    scan(provider, &token).await;
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
    let key = distinctive_secret(4, 48);
    let provider = Provider {
        profile: Profile::voicelive_dated(),
        build: Box::new({
            let key = key.clone();
            move |endpoint| voicelive(endpoint, |b| b.api_key(key.as_str()))
        }),
        header: ("api-key", key.clone()),
    };
    scan(provider, &key).await;
}

#[tokio::test]
async fn voicelive_entra_token_never_leaks() {
    let token = distinctive_secret(5, 64);
    let credential = credential(&token);
    let provider = Provider {
        profile: Profile::voicelive_dated(),
        build: Box::new(move |endpoint| {
            let credential = credential.clone();
            voicelive(endpoint, move |b| b.token_credential(credential))
        }),
        header: ("authorization", format!("Bearer {token}")),
    };
    scan(provider, &token).await;
}
