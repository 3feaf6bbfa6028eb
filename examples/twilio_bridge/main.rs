//! Run with: `cargo run -p realtime-examples --example twilio_bridge -- [--offline] [--provider NAME] [--port 8081] [--transcode]`
//!
//! A phone line for an agent: a Twilio Media Streams endpoint. Point a Twilio number
//! at TwiML that opens a bidirectional stream to this server (through a tunnel or a
//! reverse proxy that terminates TLS, since Twilio needs `wss://`):
//!
//! ```xml
//! <Response><Connect><Stream url="wss://YOUR-HOST/media" /></Connect></Response>
//! ```
//!
//! ```text
//!  caller ── Twilio ── μ-law 8 kHz (media) ──ws /media──▶ AgentSession::send_audio ──▶ provider
//!                  ◀── media + mark, clear ─────────────  AgentEvent::Audio / Interrupted
//!                  ─── mark echoed (played) ────────────▶ PlaybackTracker::played
//! ```
//!
//! μ-law passes through untouched where the provider's dialect takes G.711 μ-law,
//! and is transcoded to 24 kHz pcm16 through `realtime::audio_io` where it does not
//! (or with `--transcode`). Twilio's `mark` echoes are the caller's played position,
//! so barge-in truncates the agent's answer where the caller stopped hearing it; on
//! barge-in the bridge sends `clear`. See `call.rs` for one call, `twilio.rs` for the
//! messages.
//!
//! The server listens on 127.0.0.1 and checks Host like the other example servers;
//! a public tunnel's host must be added with `--allow-origin https://YOUR-HOST`, and
//! anything reachable from the internet needs Twilio's request signature checked
//! first (`X-Twilio-Signature`, not done here). Offline (no credentials, or
//! `--offline`), each call gets its own embedded emulator: its server VAD takes a
//! fixed amount of caller audio as one turn, answered by a scripted tool call and
//! answer, then a barge-in.
#![allow(clippy::print_stderr)]

mod call;
mod twilio;

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use realtime_examples::cli::{ConnectionArgs, ListenArgs};
use realtime_examples::provider::Connection;
use realtime_examples::{ExampleError, out};

/// A Twilio Media Streams endpoint that puts an agent on a phone line.
///
/// Offline (no credentials, or --offline) each call runs against its own embedded
/// emulator. Run through cargo with `--` before the flags:
///
/// cargo run -p realtime-examples --example twilio_bridge -- --offline
#[derive(Debug, Parser)]
#[command(name = "twilio_bridge")]
struct Cli {
    #[command(flatten)]
    connection: ConnectionArgs,
    #[command(flatten)]
    listen: ListenArgs,
    /// Transcode the call's μ-law to 24 kHz pcm16 even when the provider takes μ-law.
    #[arg(long)]
    transcode: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    realtime_examples::init_tracing();
    realtime_examples::exit_code(run(cli).await)
}

async fn run(cli: Cli) -> Result<(), ExampleError> {
    let connection = Connection::choose(&cli.connection, call::offline_script()).await?;
    out::line(&connection.banner);
    let upstream = if connection.is_offline() {
        out::line(
            "(each call gets its own emulator; its server VAD takes a fixed amount of caller audio as one turn)",
        );
        call::Upstream::EmulatorPerCall(connection.provider)
    } else {
        call::Upstream::Client(Box::new(call::SharedClient {
            client: connection.client.clone(),
            base: connection.base_session(),
        }))
    };
    // Each finished call is summed up on stdout.
    let (reports, mut finished) = tokio::sync::mpsc::channel::<call::CallReport>(16);
    tokio::spawn(async move {
        while let Some(report) = finished.recv().await {
            out::line(&summary(&report));
        }
    });
    let bridge = Arc::new(call::Bridge {
        upstream,
        transcode: cli.transcode,
        reports: Some(reports),
    });
    let (listener, address, guard) = cli.listen.bind(8081).await?;
    let app = call::router(bridge, &guard);
    out::line(&format!(
        "Twilio media streams: ws://{address}{} (Ctrl-C stops the bridge)",
        call::MEDIA_PATH
    ));
    realtime_examples::guard::serve(listener, app).await
}

/// One line about a finished call.
fn summary(report: &call::CallReport) -> String {
    format!(
        "call {} ended: audio {}, tools run: [{}], {} mark(s) echoed, {} barge-in(s), {} clear(s) sent",
        report.stream_sid,
        if report.passthrough {
            "passed through as μ-law"
        } else {
            "transcoded to 24 kHz pcm16"
        },
        report.tools.join(", "),
        report.marks_echoed,
        report.interruptions.len(),
        report.clears,
    )
}
