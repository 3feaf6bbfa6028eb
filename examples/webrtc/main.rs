//! Run with: `cargo run -p realtime-examples --example webrtc -- [--offline] [--port 8080]`
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
//! Offline (`--offline`, or no `OPENAI_API_KEY`) the provider is the embedded
//! emulator with its WebRTC peer (loopback only): every second of speech from the
//! microphone is one user turn, answered by the desk's script with the emulator's
//! voice.
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
/// Offline (no OPENAI_API_KEY, or --offline) the provider is the embedded emulator's
/// WebRTC peer. Run through cargo with `--` before the flags:
///
/// cargo run -p realtime-examples --example webrtc -- --offline
#[derive(Debug, Parser)]
#[command(name = "webrtc")]
struct Cli {
    /// Use the embedded emulator even when OPENAI_API_KEY is set.
    #[arg(long)]
    offline: bool,
    #[command(flatten)]
    listen: ListenArgs,
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
    /// Mints ephemeral keys with the server's key.
    secrets: ClientSecrets,
    /// Posts offers and attaches sidebands.
    calls: WebRtcCalls,
    offline: bool,
    stats: Stats,
    /// The embedded emulator, kept alive while offline.
    _emulator: Option<Service>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    realtime_examples::init_tracing();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), ExampleError> {
    let from_env = if cli.offline {
        None
    } else {
        OpenAiConfig::from_env().ok()
    };
    let (config, emulator) = match from_env {
        Some(config) => {
            out::line("online: OpenAI (OPENAI_API_KEY); the browser's media goes to the service");
            (config, None)
        }
        None => {
            let why = if cli.offline {
                "--offline given"
            } else {
                "no OPENAI_API_KEY"
            };
            let (config, service) = emulator().await?;
            out::line(&format!(
                "offline: {why}, the embedded emulator's WebRTC peer at http://{} (every second of speech is one user turn; silence is not)",
                service.addr()
            ));
            (config, Some(service))
        }
    };
    let error = |e: &dyn std::fmt::Display| ExampleError::new(format!("OpenAI client: {e}"));
    let state = Arc::new(AppState {
        secrets: ClientSecrets::new(config.clone()).map_err(|e| error(&e))?,
        calls: WebRtcCalls::new(config).map_err(|e| error(&e))?,
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
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| ExampleError::new(format!("server: {e}")))
}

/// The embedded emulator (REST, WebRTC peer and sideband on one loopback port) with a
/// key of its own, and the configuration that talks to it.
async fn emulator() -> Result<(OpenAiConfig, Service), ExampleError> {
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
    let config = OpenAiConfig::builder(key)
        .base_url(format!("http://{}/v1", service.addr()))
        .build()
        .map_err(|e| ExampleError::new(format!("emulator configuration: {e}")))?;
    Ok((config, service))
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
    let base = base_session(state.offline);
    let secret = match state
        .secrets
        .create(&ClientSecretRequest::for_agent(&first, &base))
        .await
    {
        Ok(secret) => secret,
        Err(e) => return refuse(StatusCode::BAD_GATEWAY, &e.to_string()),
    };
    let request = match state.calls.ephemeral_offer_request(&secret.value, &offer) {
        Ok(request) => request,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let answer = match state.calls.exchange(&request).await {
        Ok(answer) => answer,
        Err(e) => return refuse(StatusCode::BAD_GATEWAY, &e.to_string()),
    };
    state.stats.calls.fetch_add(1, Ordering::Relaxed);
    let sideband = match state.calls.sideband_config(&answer.call_id) {
        Ok(sideband) => sideband,
        Err(e) => return refuse(StatusCode::BAD_GATEWAY, &e.to_string()),
    };
    let call_id = answer.call_id.clone();
    let agents = Arc::clone(&state);
    let attached = call_id.clone();
    tokio::spawn(async move {
        if let Err(error) = run_sideband(sideband, first, others, base, &agents).await {
            agents.stats.errors.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(%error, call_id = attached, "the sideband agent ended with an error");
        }
    });
    Json(json!({"sdp": answer.sdp, "call_id": call_id})).into_response()
}

/// The settings every agent shares: user transcription where it works.
fn base_session(offline: bool) -> SessionConfig {
    let config = SessionConfig::new();
    match Provider::OpenAi.transcription(offline) {
        Some(transcription) => config.transcription(transcription),
        None => config,
    }
}

/// Runs the desk's agents on the call until it ends.
async fn run_sideband(
    sideband: OpenAiConfig,
    first: Agent,
    others: Vec<Agent>,
    base: SessionConfig,
    state: &AppState,
) -> Result<(), ExampleError> {
    let mut runner = AgentRunner::new(sideband.client(), first).session_config(base);
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
