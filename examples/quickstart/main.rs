//! Run with: cargo run -p realtime-examples --example quickstart [-- --provider openai] [--input caller.wav] [--output desk.wav] [--offline]
//!
//! A customer-service voice desk: `auth` verifies the caller with a tool, hands off to
//! `returns`, which checks eligibility with a tool, and to `sales`, and back, all over
//! one connection. It prints who speaks, tool calls with their arguments and results,
//! handoffs and interruptions, then a summary.
//!
//! With no credentials in the environment it runs against the embedded OpenAI GA
//! emulator (a real WebSocket server on 127.0.0.1, speaking the provider's wire
//! dialect) and says so on its first line. With `OPENAI_API_KEY` set (or
//! `--provider openai`) it talks to the real service.
//!
//! - `--input FILE.wav`: the caller's voice (any rate, mono or stereo; converted to
//!   24 kHz mono pcm16). Without it the offline run sends synthetic speech and a live
//!   run sends the caller's lines as text.
//! - `--output FILE.wav`: the assistant's audio (24 kHz mono pcm16).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use realtime_examples::args::Args;
use realtime_examples::desk;
use realtime_examples::provider::Connection;

#[tokio::main]
async fn main() -> ExitCode {
    realtime_examples::init_tracing();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), realtime_examples::ExampleError> {
    let args = Args::parse(&["provider", "input", "output"], &["offline"])?;
    let connection = Connection::choose(&args, desk::offline_script()).await?;
    println!("{}", connection.banner);
    if connection.is_offline() {
        println!(
            "(set {} to talk to the real service; the emulator's model follows a script)",
            connection.provider.credential_vars().join(" and ")
        );
    }
    let mut options = desk::DeskOptions::new(connection.is_offline());
    options.input = args.value("input").map(PathBuf::from);
    options.output = args.value("output").map(PathBuf::from);
    desk::run(connection, options, &mut |line| println!("{line}")).await?;
    Ok(())
}
