//! Run with: cargo run -p realtime-examples --example record_replay [-- --dir DIR] [--provider openai] [--offline]
//!
//! Records a short session (a text turn with a tool call) to JSONL with
//! `RealtimeClient::record_to`: one line per frame, `{"dialect", "direction",
//! "payload"}`, both directions, exactly as sent and received. Then it checks the
//! recording with the conformance harness, in-process, as
//! `cargo xtask conformance --fixtures DIR --dialect <dialect>` would: every server
//! frame must decode without loss and every client frame must be valid for its dialect.
//!
//! Record a session against the real service (`OPENAI_API_KEY` set) and you get a
//! fixture to attach to a bug report, or to keep as a regression test.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use realtime::agent::{Agent, AgentRunner, AgentTool, ToolContext, ToolError};
use realtime_examples::ExampleError;
use realtime_examples::args::Args;
use realtime_examples::conversation::converse;
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

#[tokio::main]
async fn main() -> ExitCode {
    realtime_examples::init_tracing();
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<bool, ExampleError> {
    let args = Args::parse(&["provider", "dir"], &["offline"])?;
    let script = Script::new()
        .call("order_status", json!({"order_id": "1042"}))
        .say("Order 1042 shipped yesterday and arrives tomorrow.");
    let connection = Connection::choose(&args, script).await?;
    println!("{}", connection.banner);

    let dir = match args.value("dir") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::temp_dir().join(format!("realtime-recording-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir)
        .map_err(|e| ExampleError::new(format!("creating {}: {e}", dir.display())))?;
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
        &mut |line| println!("{line}"),
    )
    .await;
    // Closing flushes the recording.
    let _ = session.close().await;
    result?;

    let text = std::fs::read_to_string(&file)
        .map_err(|e| ExampleError::new(format!("reading {}: {e}", file.display())))?;
    println!(
        "--- recorded {} frames to {} ---",
        text.lines().count(),
        file.display()
    );
    for line in text.lines().take(4) {
        let shown: String = line.chars().take(150).collect();
        println!("{shown}{}", if line.len() > 150 { " ..." } else { "" });
    }

    // 2. Check it, as `cargo xtask conformance --fixtures DIR` does.
    let command = [
        "conformance".to_owned(),
        "--fixtures".to_owned(),
        dir.display().to_string(),
        "--dialect".to_owned(),
        dialect.to_owned(),
    ];
    println!("--- cargo xtask {} ---", command.join(" "));
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
    print!("{}", outcome.report);
    println!(
        "conformance: {} failure(s); rerun any time with:\n  cargo xtask conformance --fixtures {} --dialect {dialect}",
        outcome.failures,
        dir.display()
    );
    Ok(outcome.failures == 0)
}
