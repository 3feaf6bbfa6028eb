//! Run with: `cargo run -p realtime-examples --example record_replay -- [--offline] [--provider NAME] [--dir DIR]`
//!
//! Records a short session (a text turn with a tool call) to JSONL with
//! `RealtimeClient::record_to`: one line per frame, `{"dialect", "direction",
//! "payload"}`, both directions, exactly as sent and received. Then it checks the
//! recording with the conformance harness, in-process, as
//! `cargo xtask conformance --fixtures DIR --dialect <dialect>` would: every server
//! frame must decode without loss and every client frame must be valid for its dialect.
//!
//! Record a session against the real service (`OPENAI_API_KEY` set) and you get a
//! fixture to attach to a bug report, or to keep as a regression test. Without
//! `--dir` the recording goes to a temporary directory that is removed at the end.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use realtime::agent::{Agent, AgentRunner, AgentTool, ToolContext, ToolError};
use realtime_examples::ExampleError;
use realtime_examples::cli::ConnectionArgs;
use realtime_examples::conversation::converse;
use realtime_examples::out;
use realtime_examples::provider::Connection;
use realtime_examples::transcript::Transcript;
use realtime_testkit::emulator::Script;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize, JsonSchema)]
struct Order {
    /// The order number.
    order_id: String,
}

/// Records a session to JSONL and checks the recording with the conformance harness.
///
/// Offline (no credentials, or --offline) the embedded emulator plays the model from a
/// script. Run through cargo with `--` before the flags:
///
/// cargo run -p realtime-examples --example record_replay -- --offline
#[derive(Debug, Parser)]
#[command(name = "record_replay")]
struct Cli {
    #[command(flatten)]
    connection: ConnectionArgs,
    /// Keep the recording in this directory (created if needed). Without it the
    /// recording goes to a temporary directory, removed at the end.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// A temporary directory, removed when dropped (and when a closed stdout ends the
/// program early, through `out::on_exit`).
#[derive(Debug)]
struct TempDir(PathBuf);

impl TempDir {
    fn create() -> Result<Self, ExampleError> {
        let path = std::env::temp_dir().join(format!("realtime-recording-{}", std::process::id()));
        std::fs::create_dir_all(&path)
            .map_err(|e| ExampleError::new(format!("creating {}: {e}", path.display())))?;
        let removed = path.clone();
        out::on_exit(move || {
            let _ = std::fs::remove_dir_all(removed);
        });
        Ok(Self(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    realtime_examples::init_tracing();
    match run(cli).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<bool, ExampleError> {
    let script = Script::new()
        .call("order_status", json!({"order_id": "1042"}))
        .say("Order 1042 shipped yesterday and arrives tomorrow.");
    let connection = Connection::choose(&cli.connection, script).await?;
    out::line(&connection.banner);

    let (dir, temporary) = match cli.dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| ExampleError::new(format!("creating {}: {e}", dir.display())))?;
            (dir, None)
        }
        None => {
            let temporary = TempDir::create()?;
            (temporary.0.clone(), Some(temporary))
        }
    };
    let file = dir.join("session.jsonl");
    let dialect = connection.client.dialect().name();
    let client = connection
        .client
        .clone()
        .record_to(&file)
        .map_err(|e| ExampleError::new(format!("creating {}: {e}", file.display())))?;

    // 1. Record.
    let agent = Agent::new("orders")
        .instructions("Answer questions about orders; look them up with order_status.")
        .tool(AgentTool::new(
            "order_status",
            "The status of an order.",
            |args: Order, _ctx: ToolContext| async move {
                Ok::<_, ToolError>(json!({"order_id": args.order_id, "status": "shipped"}))
            },
        ));
    let mut session = AgentRunner::new(client, agent)
        .raw_events(true)
        .start()
        .await
        .map_err(|e| ExampleError::new(format!("could not start: {e}")))?;
    let mut transcript = Transcript::new("orders");
    let result = converse(
        &mut session,
        &mut transcript,
        &["Where is my order 1042?"],
        Duration::from_secs(if connection.is_offline() { 20 } else { 120 }),
        &|_, _| false,
        &mut out::line,
    )
    .await;
    // Closing flushes the recording.
    let _ = session.close().await;
    result?;

    let text = std::fs::read_to_string(&file)
        .map_err(|e| ExampleError::new(format!("reading {}: {e}", file.display())))?;
    out::line(&format!(
        "--- recorded {} frames to {} ---",
        text.lines().count(),
        file.display()
    ));
    for line in text.lines().take(4) {
        let shown: String = line.chars().take(150).collect();
        out::line(&format!(
            "{shown}{}",
            if line.len() > 150 { " ..." } else { "" }
        ));
    }

    // 2. Check it, as `cargo xtask conformance --fixtures DIR` does.
    let command = [
        "conformance".to_owned(),
        "--fixtures".to_owned(),
        dir.display().to_string(),
        "--dialect".to_owned(),
        dialect.to_owned(),
    ];
    out::line(&format!("--- cargo xtask {} ---", command.join(" ")));
    let conformance = match xtask::cli::parse(command) {
        Ok(xtask::cli::Command::Conformance(conformance)) => conformance,
        Ok(xtask::cli::Command::Help) => return Err(ExampleError::new("unexpected help")),
        Err(error) => {
            return Err(ExampleError::new(format!(
                "the conformance harness does not know dialect `{dialect}`: {error}"
            )));
        }
    };
    let outcome = xtask::conformance::run(&xtask::codec_core::CoreCodec, &conformance);
    for line in outcome.report.lines() {
        out::line(line);
    }
    out::line(&format!("conformance: {} failure(s)", outcome.failures));
    match temporary {
        Some(temporary) => {
            drop(temporary);
            out::line(&format!(
                "removed {}; to keep a recording, run with --dir DIR",
                dir.display()
            ));
        }
        None => out::line(&format!(
            "rerun any time with: cargo xtask conformance --fixtures {} --dialect {dialect}",
            dir.display()
        )),
    }
    Ok(outcome.failures == 0)
}
