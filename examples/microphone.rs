//! Run with: `cargo run -p realtime-examples --example microphone --features microphone -- [--offline] [--provider NAME]`
//!
//! Talk to the voice desk of `quickstart` with your microphone and hear it on your
//! speaker, through `realtime::audio_io` (feature `audio-devices`: cpal, which needs
//! `libasound2-dev` on Linux). The library converts the microphone to the session's
//! format, plays the assistant at the speaker's rate, reports what was heard to the
//! session's playback tracker (so a barge-in truncates where you stopped hearing), and
//! stops playback on `AgentEvent::Interrupted`.
//!
//! Use headphones: without echo cancellation the assistant hears itself. Offline (no
//! credentials) the embedded emulator answers every second of audio with the desk's
//! script. Ctrl-C ends the call.
#![allow(clippy::print_stderr)]

use std::process::ExitCode;

use clap::Parser;
use realtime::agent::AgentRunner;
use realtime::audio_io::devices::{Microphone, Speaker};
use realtime::protocol::AudioFormat;
use realtime_examples::cli::ConnectionArgs;
use realtime_examples::provider::Connection;
use realtime_examples::transcript::Transcript;
use realtime_examples::{ExampleError, desk, out};

/// Talk to the voice desk with your microphone and hear it on your speaker (cpal).
///
/// Use headphones. Offline (no credentials, or --offline) the embedded emulator answers
/// every second of audio from the desk's script. Run through cargo with `--` before
/// the flags:
///
/// cargo run -p realtime-examples --example microphone --features microphone -- --offline
#[derive(Debug, Parser)]
#[command(name = "microphone")]
struct Cli {
    #[command(flatten)]
    connection: ConnectionArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    realtime_examples::init_tracing();
    realtime_examples::exit_code(run(cli).await)
}

async fn run(cli: Cli) -> Result<(), ExampleError> {
    let connection = Connection::choose(&cli.connection, desk::offline_script()).await?;
    out::line(&connection.banner);
    let (auth, others) = desk::agents();
    let runner = others.into_iter().fold(
        AgentRunner::new(connection.client.clone(), auth).session_config(connection.base_session()),
        AgentRunner::agent,
    );
    let mut session = runner
        .start()
        .await
        .map_err(failed("starting the session"))?;

    // The session's default format both ways: 24 kHz mono pcm16.
    let format = AudioFormat::PCM16_24K;
    let mut microphone = Microphone::start(format).map_err(failed("microphone"))?;
    let (_speaker, mut player) =
        Speaker::start(format, session.playback().clone()).map_err(failed("speaker"))?;
    out::line("listening: speak (Ctrl-C to hang up)");

    let started = std::time::Instant::now();
    let mut transcript = Transcript::new("auth");
    loop {
        tokio::select! {
            Some(chunk) = microphone.next_chunk() => {
                session.send_audio(&chunk).await.map_err(failed("sending audio"))?;
            }
            event = session.next_event() => {
                let Some(event) = event else { break };
                if let Err(error) = player.handle(&event) {
                    tracing::warn!(%error, "assistant audio not played");
                }
                transcript.on_event(&event).iter().for_each(|line| out::line(line));
            }
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    let _ = session.close().await;
    transcript
        .summary(started.elapsed())
        .iter()
        .for_each(|line| out::line(line));
    Ok(())
}

/// Wraps an error with what was being done.
fn failed<E: std::fmt::Display>(doing: &str) -> impl FnOnce(E) -> ExampleError + '_ {
    move |error| ExampleError::new(format!("{doing}: {error}"))
}
