//! Run with: `cargo run -p realtime-examples --example webrtc -- [--provider openai|azure-openai] [--offline] [--port 8080]`
//!
//! Browser-direct WebRTC with the agent on the server: the voice desk of `quickstart`
//! with the browser's media going straight to the provider.
//!
//! ```text
//!  browser (index.html, app.js)         this server                         provider
//!  RTCPeerConnection offer ──POST /session──▶ mint an ephemeral key with the
//!                                            agent's session, post the offer ──▶ /v1/realtime/calls
//!  answer ◀──────────────────────────────── {sdp} ◀──────────── SDP answer + call_id
//!  mic ═══════ Opus over WebRTC (ICE, DTLS-SRTP) ══════════════════════════════▶
//!  speaker ◀══════════════════════════════════════════════════════════ Opus
//!  transcript ◀──── `oai-events` data channel (SCTP) ◀──────────── server events
//!                                    sideband socket ?call_id= ◀──▶ the same session:
//!                                    AgentRunner runs the tools and the handoffs
//! ```
//!
//! No key reaches the browser, not even the ephemeral one: this server posts the
//! browser's offer itself with the ephemeral key it minted for that call, and answers
//! the page with the SDP answer only. The session is complete from its first moment
//! (the agent's instructions and tools are minted into the key), and the agent runs on
//! the server over the sideband, where tool results never pass through the browser.
//!
//! Providers: OpenAI (`OPENAI_API_KEY`) and Azure OpenAI GA v1
//! (`--provider azure-openai`: `AZURE_OPENAI_ENDPOINT`, `AZURE_OPENAI_API_KEY`,
//! `AZURE_OPENAI_DEPLOYMENT`; the Azure preview's WebRTC has no sideband). Offline
//! (`--offline`, or the provider's variables unset) the provider is the embedded
//! emulator of that provider's endpoints, with its WebRTC peer (loopback only):
//! every second of speech from the microphone is one user turn, answered by the
//! desk's script with the emulator's voice.
//!
//! Routes: `/` (the page), `/app.js`, `POST /session` (`{"sdp": offer}` →
//! `{"sdp": answer}`), `/stats` (JSON counters of the sideband agents). Every request
//! passes the checks of `realtime_examples::guard` (Host, Origin, JSON-only POST
//! bodies, a per-client rate limit on `/session`, which spends the provider key). It
//! listens on 127.0.0.1; see `docs/troubleshooting.md`, "Exposing the example
//! servers", before listening anywhere else.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use clap::Parser;
use realtime::agent::{Agent, AgentEvent, AgentRunner};
use realtime::azure_openai::Auth;
use realtime::azure_openai::{
    AzureOpenAiConfig, EphemeralKeyRequest, EphemeralKeys, WebRtcCalls as AzureCalls,
};
use realtime::client::RealtimeClient;
use realtime::openai::{ClientSecretRequest, ClientSecrets, OpenAiConfig, WebRtcCalls};
use realtime::protocol::{Role, SessionConfig};
use realtime_examples::cli::ListenArgs;
use realtime_examples::provider::Provider;
use realtime_examples::{ExampleError, desk, out};
use realtime_testkit::emulator::{Pace, Service, ServiceOptions};
use serde::Deserialize;
use serde_json::json;

const INDEX_HTML: &str = include_str!("index.html");
const APP_JS: &str = include_str!("app.js");

/// Browser-direct WebRTC with the agent on the server: open the printed URL, press
/// Connect, allow the microphone and talk.
///
/// Offline (the provider's variables unset, or --offline) the provider is the
/// embedded emulator's WebRTC peer. Run through cargo with `--` before the flags:
///
/// cargo run -p realtime-examples --example webrtc -- --offline
#[derive(Debug, Parser)]
#[command(name = "webrtc")]
struct Cli {
    /// The provider whose WebRTC calls to use: openai (OPENAI_API_KEY) or azure-openai
    /// (GA v1: AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY, AZURE_OPENAI_DEPLOYMENT).
    /// Without it: OpenAI.
    #[arg(long, value_enum, value_name = "NAME", default_value = "openai")]
    provider: RtcProvider,
    /// Use the embedded emulator even when the provider's variables are set.
    #[arg(long)]
    offline: bool,
    #[command(flatten)]
    listen: ListenArgs,
}

/// The providers with browser-direct WebRTC and a sideband.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum RtcProvider {
    /// OpenAI: `/v1/realtime/client_secrets`, `/v1/realtime/calls`, `?call_id=`.
    Openai,
    /// Azure OpenAI GA v1: the same under `/openai/v1`, `calls?webrtcfilter=on`.
    AzureOpenai,
}

/// Mints keys, posts offers and attaches sidebands on one provider (one per server:
/// the size difference between the variants does not matter).
#[allow(clippy::large_enum_variant)]
enum Backend {
    OpenAi {
        secrets: ClientSecrets,
        calls: WebRtcCalls,
    },
    Azure {
        config: AzureOpenAiConfig,
        keys: EphemeralKeys,
        calls: AzureCalls,
    },
}

/// One call as the provider answered it.
struct Call {
    sdp: String,
    call_id: String,
    sideband: RealtimeClient,
}

impl Backend {
    fn openai(config: OpenAiConfig) -> Result<Self, ExampleError> {
        let error = |e: &dyn std::fmt::Display| ExampleError::new(format!("OpenAI client: {e}"));
        Ok(Self::OpenAi {
            secrets: ClientSecrets::new(config.clone()).map_err(|e| error(&e))?,
            calls: WebRtcCalls::new(config).map_err(|e| error(&e))?,
        })
    }

    fn azure(config: AzureOpenAiConfig) -> Result<Self, ExampleError> {
        let error =
            |e: &dyn std::fmt::Display| ExampleError::new(format!("Azure OpenAI client: {e}"));
        Ok(Self::Azure {
            keys: EphemeralKeys::new(config.clone()).map_err(|e| error(&e))?,
            calls: AzureCalls::new(config.clone()).map_err(|e| error(&e))?,
            config,
        })
    }

    /// Mints a key holding `agent` on `base`, posts `offer` with it, and makes the
    /// sideband client for the call. The key stays here.
    async fn call(&self, agent: &Agent, base: &SessionConfig, offer: &str) -> Result<Call, String> {
        match self {
            Self::OpenAi { secrets, calls } => {
                let secret = secrets
                    .create(&ClientSecretRequest::for_agent(agent, base))
                    .await
                    .map_err(|e| e.to_string())?;
                let request = calls
                    .ephemeral_offer_request(&secret.value, offer)
                    .map_err(|e| e.to_string())?;
                let answer = calls.exchange(&request).await.map_err(|e| e.to_string())?;
                let sideband = calls
                    .sideband_config(&answer.call_id)
                    .map_err(|e| e.to_string())?
                    .client();
                Ok(Call {
                    sdp: answer.sdp,
                    call_id: answer.call_id,
                    sideband,
                })
            }
            Self::Azure {
                config,
                keys,
                calls,
            } => {
                let key = keys
                    .mint(&EphemeralKeyRequest::for_agent(agent, base))
                    .await
                    .map_err(|e| e.to_string())?;
                let answer = calls
                    .exchange(&key.value, offer)
                    .await
                    .map_err(|e| e.to_string())?;
                // GA v1 names the call in `Location`; the preview has no sideband.
                let call_id = answer
                    .call_id
                    .ok_or("Azure OpenAI answered without a call id (a preview endpoint?)")?;
                let sideband = config
                    .sideband_client(&call_id)
                    .map_err(|e| e.to_string())?;
                Ok(Call {
                    sdp: answer.sdp,
                    call_id,
                    sideband,
                })
            }
        }
    }
}

/// What the sideband agents did, over all calls.
#[derive(Debug, Default)]
struct Stats {
    calls: AtomicU64,
    sidebands: AtomicU64,
    user_turns: AtomicU64,
    assistant_lines: AtomicU64,
    tools: AtomicU64,
    handoffs: AtomicU64,
    errors: AtomicU64,
}

struct AppState {
    /// Mints ephemeral keys with the server's key, posts offers, attaches sidebands.
    backend: Backend,
    provider: Provider,
    offline: bool,
    stats: Stats,
    /// The embedded emulator, kept alive while offline.
    _emulator: Option<Service>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    realtime_examples::init_tracing();
    realtime_examples::exit_code(run(cli).await)
}

async fn run(cli: Cli) -> Result<(), ExampleError> {
    let provider = match cli.provider {
        RtcProvider::Openai => Provider::OpenAi,
        RtcProvider::AzureOpenai => Provider::AzureOpenAi,
    };
    let live = !cli.offline && provider.has_credentials();
    let (backend, emulator) = if live {
        let backend = match cli.provider {
            RtcProvider::Openai => Backend::openai(
                OpenAiConfig::from_env()
                    .map_err(|e| ExampleError::new(format!("the OpenAI configuration: {e}")))?,
            )?,
            RtcProvider::AzureOpenai => {
                Backend::azure(AzureOpenAiConfig::from_env().map_err(|e| {
                    ExampleError::new(format!("the Azure OpenAI configuration: {e}"))
                })?)?
            }
        };
        out::line(&format!(
            "online: {} ({}); the browser's media goes to the service",
            provider.name(),
            provider.credential_vars().join(", ")
        ));
        (backend, None)
    } else {
        let why = if cli.offline {
            "--offline given"
        } else {
            "no credentials found"
        };
        let (backend, service) = emulator(cli.provider).await?;
        out::line(&format!(
            "offline: {why}, the embedded emulator's WebRTC peer ({}) at http://{} (every second of speech is one user turn; silence is not)",
            provider.name(),
            service.addr()
        ));
        (backend, Some(service))
    };
    let state = Arc::new(AppState {
        backend,
        provider,
        offline: emulator.is_some(),
        stats: Stats::default(),
        _emulator: emulator,
    });

    let (listener, address, guard) = cli.listen.bind(8080).await?;
    let app = Router::new()
        .route("/", get(|| async { Html(INDEX_HTML) }))
        .route(
            "/app.js",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    APP_JS,
                )
            }),
        )
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/session", guard.limit_minting(post(session)))
        .route("/stats", get(stats))
        .with_state(state);
    let app = guard.protect(app);
    out::line(&format!(
        "open http://{address}/ and press Connect (Ctrl-C stops the server)"
    ));
    out::line(&format!("allowed origins: {}", guard.origins().join(", ")));
    realtime_examples::guard::serve(listener, app).await
}

/// The embedded emulator (REST, WebRTC peer and sideband on one loopback port) with a
/// key of its own, and the backend that talks to it.
async fn emulator(provider: RtcProvider) -> Result<(Backend, Service), ExampleError> {
    let key = format!("sk-emulator-{}", std::process::id());
    let service = Service::start(
        ServiceOptions::new()
            .addr(SocketAddr::from(([127, 0, 0, 1], 0)))
            .key(key.clone())
            .script(desk::offline_script())
            .pace(Pace::Realtime),
    )
    .await
    .map_err(|e| ExampleError::new(format!("could not start the embedded emulator: {e}")))?;
    let invalid =
        |e: &dyn std::fmt::Display| ExampleError::new(format!("emulator configuration: {e}"));
    let backend = match provider {
        RtcProvider::Openai => Backend::openai(
            OpenAiConfig::builder(key)
                .base_url(format!("http://{}/v1", service.addr()))
                .build()
                .map_err(|e| invalid(&e))?,
        )?,
        RtcProvider::AzureOpenai => {
            let endpoint = format!("http://{}", service.addr())
                .parse()
                .map_err(|e| invalid(&e))?;
            Backend::azure(
                AzureOpenAiConfig::new(endpoint, "gpt-realtime", Auth::api_key(key))
                    .map_err(|e| invalid(&e))?,
            )?
        }
    };
    Ok((backend, service))
}

/// The page's request: its SDP offer, nothing else.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OfferBody {
    sdp: String,
}

/// `POST /session`: mints a key holding the desk's first agent, posts the browser's
/// offer with it, attaches the agent over the sideband, answers the SDP answer.
async fn session(State(state): State<Arc<AppState>>, body: String) -> Response {
    let offer = match serde_json::from_str::<OfferBody>(&body) {
        Ok(offer) => offer.sdp,
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                &format!("expected {{\"sdp\"}}: {e}"),
            );
        }
    };
    let (first, others) = desk::agents();
    let base = base_session(state.provider, state.offline);
    let call = match state.backend.call(&first, &base, &offer).await {
        Ok(call) => call,
        Err(e) => return refuse(StatusCode::BAD_GATEWAY, &e),
    };
    state.stats.calls.fetch_add(1, Ordering::Relaxed);
    let call_id = call.call_id.clone();
    let agents = Arc::clone(&state);
    tokio::spawn(async move {
        if let Err(error) = run_sideband(call.sideband, first, others, base, &agents).await {
            agents.stats.errors.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(%error, call_id = call.call_id, "the sideband agent ended with an error");
        }
    });
    Json(json!({"sdp": call.sdp, "call_id": call_id})).into_response()
}

/// The settings every agent shares: user transcription where it works.
fn base_session(provider: Provider, offline: bool) -> SessionConfig {
    let config = SessionConfig::new();
    match provider.transcription(offline) {
        Some(transcription) => config.transcription(transcription),
        None => config,
    }
}

/// Runs the desk's agents on the call until it ends.
async fn run_sideband(
    sideband: RealtimeClient,
    first: Agent,
    others: Vec<Agent>,
    base: SessionConfig,
    state: &AppState,
) -> Result<(), ExampleError> {
    let mut runner = AgentRunner::new(sideband, first).session_config(base);
    for agent in others {
        runner = runner.agent(agent);
    }
    let mut session = runner
        .start()
        .await
        .map_err(|e| ExampleError::new(format!("the sideband attach failed: {e}")))?;
    let stats = &state.stats;
    stats.sidebands.fetch_add(1, Ordering::Relaxed);
    while let Some(event) = session.next_event().await {
        match &event {
            AgentEvent::Transcript {
                role: Role::User,
                text,
                ..
            } => {
                stats.user_turns.fetch_add(1, Ordering::Relaxed);
                tracing::info!(text, "user");
            }
            AgentEvent::Transcript { text, .. } => {
                stats.assistant_lines.fetch_add(1, Ordering::Relaxed);
                tracing::info!(text, "assistant");
            }
            AgentEvent::ToolFinished { tool, .. } => {
                stats.tools.fetch_add(1, Ordering::Relaxed);
                tracing::info!(tool, "tool ran on the server");
            }
            AgentEvent::Handoff { to, .. } => {
                stats.handoffs.fetch_add(1, Ordering::Relaxed);
                tracing::info!(to, "handoff on the server");
            }
            AgentEvent::Error(error) => {
                stats.errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(%error, "sideband agent");
            }
            _ => {}
        }
    }
    let _ = session.close().await;
    Ok(())
}

async fn stats(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    let s = &state.stats;
    let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
    Json(json!({
        "offline": state.offline,
        "provider": state.provider.name(),
        "calls": get(&s.calls),
        "sidebands": get(&s.sidebands),
        "user_turns": get(&s.user_turns),
        "assistant_lines": get(&s.assistant_lines),
        "tools": get(&s.tools),
        "handoffs": get(&s.handoffs),
        "errors": get(&s.errors),
    }))
}

fn refuse(status: StatusCode, message: &str) -> Response {
    tracing::warn!(%status, message, "a WebRTC session could not start");
    (status, Json(json!({ "error": message }))).into_response()
}
