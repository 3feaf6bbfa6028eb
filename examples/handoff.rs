//! Run with: `cargo run -p realtime-examples --example handoff -- [--offline] [--provider NAME]`
//!
//! Handoffs: `triage` transfers to `billing` and `billing` back to `triage`, over the
//! same connection. Each agent becomes a `transfer_to_<name>` tool of the agents that
//! can hand off to it; on a transfer the runner answers the call, applies the new
//! agent's instructions and tools with one provider-aware `session.update` (audio
//! settings untouched, voice only where the provider allows it) and asks for the
//! next response. `billing` has dynamic instructions computed from the history.
//!
//! Offline (no `OPENAI_API_KEY`) the embedded emulator plays the model.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use realtime::agent::{Agent, AgentRunner, HistoryEntry};
use realtime_examples::ExampleError;
use realtime_examples::cli::ConnectionArgs;
use realtime_examples::conversation::converse;
use realtime_examples::out;
use realtime_examples::provider::Connection;
use realtime_examples::transcript::Transcript;
use realtime_testkit::emulator::Script;
use serde_json::json;
use tokio::time::Instant;

const USER: [&str; 3] = [
    "Hi, I was charged twice for my subscription this month.",
    "Great, thanks. Can you also change my delivery address?",
    "It's 12 Analytical Street, London.",
];

fn script() -> Script {
    Script::new()
        .call("transfer_to_billing", json!({}))
        .say("I see two charges of 9.99 on the 3rd. I've refunded the duplicate; it shows within five days.")
        .call("transfer_to_triage", json!({}))
        .say("Sure. What's the new address?")
        .say("Done: deliveries now go to 12 Analytical Street, London.")
}

/// Two agents handing off and back over one connection, dynamic instructions, the history.
///
/// Offline (no credentials, or --offline) the embedded emulator plays the model from a
/// script. Run through cargo with `--` before the flags:
///
/// cargo run -p realtime-examples --example handoff -- --offline
#[derive(Debug, Parser)]
#[command(name = "handoff")]
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
    let connection = Connection::choose(&cli.connection, script()).await?;
    out::line(&connection.banner);

    let triage = Agent::new("triage")
        .instructions("Find out what the caller needs. Billing questions go to billing. Be brief.")
        .handoff("billing", "Charges, refunds, invoices and payment methods.");
    let billing = Agent::new("billing")
        .dynamic_instructions(|context| {
            format!(
                "You are billing. The conversation has {} entries so far; do not ask again \
                 for what the caller already said. Anything that is not billing goes back \
                 to triage.",
                context.history.entries().len()
            )
        })
        .handoff("triage", "Anything that is not about billing.");

    let mut session = AgentRunner::new(connection.client.clone(), triage)
        .raw_events(true)
        .agent(billing)
        .start()
        .await
        .map_err(|e| ExampleError::new(format!("could not start: {e}")))?;
    let started = Instant::now();
    let mut transcript = Transcript::new("triage");
    let timeout = Duration::from_secs(if connection.is_offline() { 20 } else { 120 });
    let result = converse(
        &mut session,
        &mut transcript,
        &USER,
        timeout,
        &|_, _| false,
        &mut out::line,
    )
    .await;
    if result.is_ok() {
        // The summary counts the transcript above; the history below is another view
        // (it also holds the `transfer_to_*` calls that carry the handoffs).
        for line in transcript.summary(started.elapsed()) {
            out::line(&line);
        }
        let history = session
            .history()
            .await
            .map_err(|e| ExampleError::new(format!("reading the history: {e}")))?;
        out::line("--- history as the runner keeps it ---");
        for entry in history.entries() {
            let line = match entry {
                HistoryEntry::Message {
                    role, text, agent, ..
                } => format!(
                    "message  {role:<9} {:<8} {text}",
                    agent.as_deref().unwrap_or("")
                ),
                HistoryEntry::ToolCall { name, .. } => format!("call     {name}"),
                HistoryEntry::ToolOutput { output, .. } => format!("output   {output}"),
                HistoryEntry::Handoff { from, to } => format!("handoff  {from} -> {to}"),
                other => format!("{other:?}"),
            };
            out::line(&line);
        }
    }
    let _ = session.close().await;
    result
}
