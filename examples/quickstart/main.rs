//! Run with: `cargo run -p realtime-examples --example quickstart -- [--offline] [--provider NAME] [--input caller.wav] [--output desk.wav]`
//!
//! A customer-service voice desk: `auth` verifies the caller with a tool, hands off to
//! `returns`, which checks eligibility with a tool, and to `sales`, and back, all over
//! one connection. It prints who speaks, tool calls with their arguments and results,
//! handoffs and interruptions, then a summary whose counts match those lines.
//!
//! With no credentials in the environment it runs against the embedded OpenAI GA
//! emulator (a real WebSocket server on 127.0.0.1, speaking the provider's wire
//! dialect) and says so on its first line. With `OPENAI_API_KEY` set (or
//! `--provider openai`) it talks to the real service.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use realtime_examples::cli::ConnectionArgs;
use realtime_examples::provider::Connection;
use realtime_examples::{desk, out};

/// The voice desk: tools, handoffs both ways, a barge-in, a summary.
///
/// Offline (no credentials, or --offline) the embedded emulator plays the model from a
/// script. Run through cargo with `--` before the flags:
///
/// cargo run -p realtime-examples --example quickstart -- --offline
#[derive(Debug, Parser)]
#[command(name = "quickstart")]
struct Cli {
    #[command(flatten)]
    connection: ConnectionArgs,
    /// The caller's voice: a WAV file (any rate, mono or stereo; converted to 24 kHz
    /// mono pcm16). Offline, the emulator's script, not the file, decides what the
    /// caller says. Without it: synthetic speech offline, the caller's lines as text
    /// online.
    #[arg(long, value_name = "FILE.wav")]
    input: Option<PathBuf>,
    /// Write the assistant's audio to this WAV file (24 kHz mono pcm16).
    #[arg(long, value_name = "FILE.wav")]
    output: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    realtime_examples::init_tracing();
    realtime_examples::exit_code(run(cli).await)
}

async fn run(cli: Cli) -> Result<(), realtime_examples::ExampleError> {
    let connection = Connection::choose(&cli.connection, desk::offline_script()).await?;
    out::line(&connection.banner);
    if connection.is_offline() {
        out::line(&format!(
            "(set {} to talk to the real service; the emulator's model follows a script)",
            connection.provider.credential_vars().join(", ")
        ));
    }
    let mut options = desk::DeskOptions::new(connection.is_offline());
    options.input = cli.input;
    options.output = cli.output;
    desk::run(connection, options, &mut out::line).await?;
    Ok(())
}
