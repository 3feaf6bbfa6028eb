//! Run with: `cargo run -p realtime-examples --example browser_bridge -- [--offline] [--provider NAME] [--port 8080]`
//!
//! A browser voice client for the voice desk of `quickstart`. Open the printed URL,
//! press Connect, allow the microphone and talk.
//!
//! ```text
//!  browser (index.html, app.js)                 bridge (this file)              provider
//!  mic ─ AudioWorklet ─ 24 kHz pcm16 ──ws /ws──▶ AgentSession::send_audio ──▶ (emulator or
//!  speaker ◀─ AudioBufferSource ◀── pcm16 ──────  AgentEvent::Audio        ◀──  real service)
//!  transcript, agent badge ◀──── JSON lines ────  transcript, handoffs, interruptions
//! ```
//!
//! Each browser connection gets its own `AgentRunner` session; the provider key (if
//! any) stays in this process, the browser never sees it. Offline (no
//! `OPENAI_API_KEY`) each session runs against its own embedded emulator: every
//! second of microphone audio is one user turn, answered by the desk's script.
//!
//! Routes: `/` (the page), `/app.js`, `/worklet.js`, `/ws` (the session),
//! `/stats` (JSON counters over all sessions of this bridge), `POST /token` (an OpenAI
//! ephemeral client secret for browsers that connect to the provider directly; 503
//! without `OPENAI_API_KEY`).
//!
//! Every request passes the checks of `realtime_examples::guard`: Host (DNS
//! rebinding), Origin (another site's page cannot open `/ws` and talk upstream with
//! this server's key, nor mint tokens), JSON-only POST bodies and a per-client rate
//! limit on `/token` and on new `/ws` sessions (one budget). It listens on 127.0.0.1;
//! before exposing it, put your users' authentication in front (`Guard::authenticate`,
//! or an authenticating proxy; see `docs/troubleshooting.md`, "Exposing the example
//! servers").
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use realtime::agent::{AgentEvent, AgentRunner};
use realtime::protocol::Role;
use realtime_examples::cli::{ConnectionArgs, ListenArgs};
use realtime_examples::ephemeral::Minter;
use realtime_examples::provider::{Connection, Provider};
use realtime_examples::transcript::Transcript;
use realtime_examples::{ExampleError, desk, out};
use serde::Deserialize;
use serde_json::json;

const INDEX_HTML: &str = include_str!("index.html");
const APP_JS: &str = include_str!("app.js");
const WORKLET_JS: &str = include_str!("worklet.js");

/// A browser voice client for the voice desk: open the printed URL, press Connect,
/// allow the microphone and talk.
///
/// Offline (no credentials, or --offline) each browser session gets its own embedded
/// emulator. Run through cargo with `--` before the flags:
///
/// cargo run -p realtime-examples --example browser_bridge -- --offline
#[derive(Debug, Parser)]
#[command(name = "browser_bridge")]
struct Cli {
    #[command(flatten)]
    connection: ConnectionArgs,
    #[command(flatten)]
    listen: ListenArgs,
}

/// Counters shown at `/stats`, over all sessions of this bridge.
#[derive(Debug, Default)]
struct Stats {
    connections: AtomicU64,
    audio_bytes_in: AtomicU64,
    audio_bytes_out: AtomicU64,
    transcript_lines: AtomicU64,
    user_turns: AtomicU64,
    handoffs: AtomicU64,
    interruptions: AtomicU64,
    errors: AtomicU64,
}

#[derive(Debug)]
struct AppState {
    provider: Provider,
    offline: bool,
    /// Why offline, for the banner of each session.
    why: &'static str,
    stats: Stats,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    realtime_examples::init_tracing();
    realtime_examples::exit_code(run(cli).await)
}

async fn run(cli: Cli) -> Result<(), ExampleError> {
    // Decides the mode once; offline, each browser connection then gets its own emulator.
    let probe = Connection::choose(&cli.connection, desk::offline_script()).await?;
    out::line(&probe.banner);
    if probe.is_offline() {
        out::line(
            "(each browser session gets its own emulator; every second of speech from the microphone is one user turn; silence is not)",
        );
    }
    let state = Arc::new(AppState {
        provider: probe.provider,
        offline: probe.is_offline(),
        why: if cli.connection.offline {
            "--offline given"
        } else {
            "no credentials found"
        },
        stats: Stats::default(),
    });
    drop(probe);

    let (listener, address, guard) = cli.listen.bind(8080).await?;
    let minter = Minter::from_env();
    let app = Router::new()
        .route("/", get(|| async { Html(INDEX_HTML) }))
        .route("/app.js", get(|| async { javascript(APP_JS) }))
        .route("/worklet.js", get(|| async { javascript(WORKLET_JS) }))
        .route(
            "/favicon.ico",
            get(|| async { axum::http::StatusCode::NO_CONTENT }),
        )
        // A session spends the provider key like a minted secret: same rate limit.
        .route("/ws", guard.limit_minting(get(upgrade)))
        .route("/stats", get(stats))
        .route("/token", minter.route(&guard))
        .with_state(state);
    let app = guard.protect(app);
    out::line(&format!(
        "open http://{address}/ and press Connect (Ctrl-C stops the bridge)"
    ));
    out::line(&format!("allowed origins: {}", guard.origins().join(", ")));
    realtime_examples::guard::serve(listener, app).await
}

fn javascript(source: &'static str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        source,
    )
        .into_response()
}

async fn stats(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    let s = &state.stats;
    let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
    Json(json!({
        "offline": state.offline,
        "provider": state.provider.name(),
        "connections": get(&s.connections),
        "audio_bytes_in": get(&s.audio_bytes_in),
        "audio_bytes_out": get(&s.audio_bytes_out),
        "transcript_lines": get(&s.transcript_lines),
        "user_turns": get(&s.user_turns),
        "handoffs": get(&s.handoffs),
        "interruptions": get(&s.interruptions),
        "errors": get(&s.errors),
    }))
}

async fn upgrade(ws: WebSocketUpgrade, State(state): State<Arc<AppState>>) -> Response {
    ws.on_upgrade(move |socket| async move {
        state.stats.connections.fetch_add(1, Ordering::Relaxed);
        if let Err(error) = bridge(socket, &state).await {
            state.stats.errors.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(%error, "browser session ended with an error");
        }
    })
}

/// What the page sends as text.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum PageCommand {
    /// The user typed something.
    Text { text: String },
    /// The page played `ms` of `item_id` in total (for truncation on barge-in).
    Played { item_id: String, ms: u64 },
}

/// The level (pcm16 RMS, about -40 dBFS) from which the offline emulator hears speech.
const SPEECH_RMS: u16 = 300;

/// One browser connection: one agent session.
async fn bridge(socket: WebSocket, state: &AppState) -> Result<(), ExampleError> {
    let (mut to_page, mut from_page) = socket.split();
    let connection = if state.offline {
        // The emulator hears speech only: a microphone that sends silence makes no
        // turn, so the browser test fails unless real audio arrived.
        let mut profile = state.provider.emulator_profile()?;
        profile.speech_rms_threshold = Some(SPEECH_RMS);
        Connection::offline_with(state.provider, profile, desk::offline_script(), state.why).await?
    } else {
        Connection::live(state.provider)?
    };
    let (auth, others) = desk::agents();
    let mut transcript = Transcript::new(auth.name());
    let ready = json!({"type": "ready", "banner": connection.banner, "agent": auth.name()});
    let base = connection.base_session();
    let mut runner = AgentRunner::new(connection.client.clone(), auth)
        .raw_events(true)
        .session_config(base);
    for agent in others {
        runner = runner.agent(agent);
    }
    let mut session = runner
        .start()
        .await
        .map_err(|e| ExampleError::new(format!("could not start the session: {e}")))?;
    send_json(&mut to_page, &ready).await?;

    let stats = &state.stats;
    let mut audio_item: Option<String> = None;
    loop {
        tokio::select! {
            message = from_page.next() => match message {
                Some(Ok(Message::Binary(pcm))) => {
                    stats.audio_bytes_in.fetch_add(pcm.len() as u64, Ordering::Relaxed);
                    session
                        .send_audio(&pcm)
                        .await
                        .map_err(|e| ExampleError::new(format!("sending audio: {e}")))?;
                }
                Some(Ok(Message::Text(text))) => match serde_json::from_str::<PageCommand>(&text) {
                    Ok(PageCommand::Text { text }) => {
                        stats.user_turns.fetch_add(1, Ordering::Relaxed);
                        let line = transcript.user_text(&text);
                        send_line(&mut to_page, stats, "user", &line, transcript.agent()).await?;
                        session
                            .send_text(text)
                            .await
                            .map_err(|e| ExampleError::new(format!("sending text: {e}")))?;
                    }
                    Ok(PageCommand::Played { item_id, ms }) => session.playback().played(&item_id, ms),
                    Err(error) => tracing::warn!(%error, "unexpected message from the page"),
                },
                Some(Ok(Message::Close(_))) | None => break,
                Some(Ok(_)) => {}
                Some(Err(error)) => {
                    tracing::info!(%error, "browser socket failed");
                    break;
                }
            },
            event = session.next_event() => {
                let Some(event) = event else {
                    send_json(&mut to_page, &json!({"type": "ended"})).await?;
                    break;
                };
                forward(&mut to_page, stats, &mut transcript, &mut audio_item, &event).await?;
            }
        }
    }
    let _ = session.close().await;
    Ok(())
}

type PageSink = futures_util::stream::SplitSink<WebSocket, Message>;

async fn send_json(to_page: &mut PageSink, value: &serde_json::Value) -> Result<(), ExampleError> {
    to_page
        .send(Message::Text(value.to_string().into()))
        .await
        .map_err(|e| ExampleError::new(format!("the page went away: {e}")))
}

async fn send_line(
    to_page: &mut PageSink,
    stats: &Stats,
    kind: &str,
    text: &str,
    agent: &str,
) -> Result<(), ExampleError> {
    stats.transcript_lines.fetch_add(1, Ordering::Relaxed);
    send_json(
        to_page,
        &json!({"type": "line", "kind": kind, "text": text, "agent": agent}),
    )
    .await
}

/// Sends what the page needs of one agent event.
async fn forward(
    to_page: &mut PageSink,
    stats: &Stats,
    transcript: &mut Transcript,
    audio_item: &mut Option<String>,
    event: &AgentEvent,
) -> Result<(), ExampleError> {
    let kind = match event {
        AgentEvent::Audio { item_id, audio } => {
            if audio_item.as_deref() != Some(item_id) {
                *audio_item = Some(item_id.clone());
                send_json(to_page, &json!({"type": "audio_item", "item_id": item_id})).await?;
            }
            stats
                .audio_bytes_out
                .fetch_add(audio.len() as u64, Ordering::Relaxed);
            to_page
                .send(Message::Binary(audio.clone().into()))
                .await
                .map_err(|e| ExampleError::new(format!("the page went away: {e}")))?;
            return Ok(());
        }
        AgentEvent::Transcript {
            role: Role::User, ..
        } => {
            stats.user_turns.fetch_add(1, Ordering::Relaxed);
            "user"
        }
        AgentEvent::Transcript { .. } => "assistant",
        AgentEvent::ToolStarted { .. } | AgentEvent::ToolFinished { .. } => "tool",
        AgentEvent::Handoff { to, .. } => {
            stats.handoffs.fetch_add(1, Ordering::Relaxed);
            send_json(to_page, &json!({"type": "agent", "name": to})).await?;
            "handoff"
        }
        AgentEvent::Interrupted { .. } => {
            stats.interruptions.fetch_add(1, Ordering::Relaxed);
            *audio_item = None;
            send_json(to_page, &json!({"type": "interrupted"})).await?;
            "interrupted"
        }
        AgentEvent::Error(_) | AgentEvent::TranscriptionFailed { .. } => {
            stats.errors.fetch_add(1, Ordering::Relaxed);
            "error"
        }
        _ => "note",
    };
    for line in transcript.on_event(event) {
        send_line(to_page, stats, kind, line.trim(), transcript.agent()).await?;
    }
    Ok(())
}
