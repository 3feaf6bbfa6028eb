//! Run with: `cargo run -p realtime-examples --example tools -- [--offline] [--provider NAME]`
//!
//! Typed tools: arguments are Rust structs (serde + schemars), the JSON schema the
//! model sees is generated and inlined. Shown here:
//!
//! - two tools called in parallel in one response (they run concurrently: the answer
//!   waits for the slower one, not for the sum);
//! - a tool with its own timeout: the model is told it timed out, the session goes on;
//! - arguments that do not match the struct: serde's message goes back to the model;
//! - a tool that needs the app's approval (`needs_approval`), rejected here.
//!
//! Offline (no `OPENAI_API_KEY`) the embedded emulator plays the model.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use realtime::agent::{Agent, AgentRunner, AgentTool, ToolContext, ToolError};
use realtime_examples::cli::ConnectionArgs;
use realtime_examples::conversation::converse;
use realtime_examples::out;
use realtime_examples::provider::Connection;
use realtime_examples::transcript::Transcript;
use realtime_testkit::emulator::Script;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use tokio::time::Instant;

/// Arguments of `get_weather` and `get_local_time`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct City {
    /// The city, e.g. "Paris".
    city: String,
}

/// Arguments of `loyalty_points`.
#[derive(Debug, Deserialize, JsonSchema)]
struct Customer {
    /// The customer id, e.g. "C-0042".
    customer_id: String,
}

/// Arguments of `issue_refund`.
#[derive(Debug, Deserialize, JsonSchema)]
struct Refund {
    /// The order to refund.
    order_id: String,
    /// The amount in euros.
    amount_eur: f64,
}

const USER: [&str; 4] = [
    "What's the weather and the local time in Paris?",
    "How many loyalty points do I have? I'm customer C-0042.",
    "And the weather in London?",
    "Please refund order 1042, that's 250 euros.",
];

fn tools() -> Vec<AgentTool> {
    vec![
        AgentTool::new(
            "get_weather",
            "Current weather in a city.",
            |args: City, _ctx: ToolContext| async move {
                tokio::time::sleep(Duration::from_millis(300)).await; // a slow weather API
                let (celsius, sky) = if args.city == "London" {
                    (14, "cloudy")
                } else {
                    (18, "sunny")
                };
                Ok::<_, ToolError>(json!({"city": args.city, "celsius": celsius, "sky": sky}))
            },
        ),
        AgentTool::new(
            "get_local_time",
            "Local time in a city.",
            |args: City, _ctx: ToolContext| async move {
                tokio::time::sleep(Duration::from_millis(200)).await;
                Ok::<_, ToolError>(json!({"city": args.city, "time": "15:04"}))
            },
        ),
        AgentTool::new(
            "loyalty_points",
            "The customer's loyalty points balance.",
            |args: Customer, _ctx: ToolContext| async move {
                // The points service hangs: the tool's timeout ends the call.
                tokio::time::sleep(Duration::from_secs(30)).await;
                Ok::<_, ToolError>(json!({"customer_id": args.customer_id, "points": 1200}))
            },
        )
        .timeout(Duration::from_millis(500)),
        AgentTool::new(
            "issue_refund",
            "Refunds an order. Needs a supervisor's approval.",
            |args: Refund, _ctx: ToolContext| async move {
                Ok::<_, ToolError>(
                    json!({"order_id": args.order_id, "refunded_eur": args.amount_eur}),
                )
            },
        )
        .needs_approval(),
    ]
}

fn script() -> Script {
    Script::new()
        .calls([
            ("get_weather".to_owned(), json!({"city": "Paris"})),
            ("get_local_time".to_owned(), json!({"city": "Paris"})),
        ])
        .say("It's 18 degrees and sunny in Paris, and the local time is 15:04.")
        .call("loyalty_points", json!({"customer_id": "C-0042"}))
        .say("Sorry, the loyalty service is not answering right now. Please try again later.")
        // The model gets a field name wrong; serde's message tells it which.
        .call_raw("get_weather", r#"{"town": "London"}"#)
        .call("get_weather", json!({"city": "London"}))
        .say("London has 14 degrees and clouds.")
        .call(
            "issue_refund",
            json!({"order_id": "1042", "amount_eur": 250.0}),
        )
        .say("I can't approve a refund of that size myself; a supervisor will call you back.")
}

/// Typed tools: parallel calls, a tool timeout, bad arguments, a tool that needs approval.
///
/// Offline (no credentials, or --offline) the embedded emulator plays the model from a
/// script. Run through cargo with `--` before the flags:
///
/// cargo run -p realtime-examples --example tools -- --offline
#[derive(Debug, Parser)]
#[command(name = "tools")]
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

async fn run(cli: Cli) -> Result<(), realtime_examples::ExampleError> {
    let connection = Connection::choose(&cli.connection, script()).await?;
    out::line(&connection.banner);

    let mut agent = Agent::new("concierge").instructions(
        "You are a concierge. Use the tools; call independent tools in parallel. Refunds \
         need approval: if refused, say a supervisor will call back. Be brief.",
    );
    for tool in tools() {
        out::line(&format!(
            "tool {}: parameters {}",
            tool.name(),
            tool.definition_parameters()
        ));
        agent = agent.tool(tool);
    }
    let mut session = AgentRunner::new(connection.client.clone(), agent)
        .raw_events(true)
        .tool_timeout(Duration::from_secs(10))
        .start()
        .await
        .map_err(|e| realtime_examples::ExampleError::new(format!("could not start: {e}")))?;

    let started = Instant::now();
    let mut transcript = Transcript::new("concierge");
    // The app's policy for tools that need approval: refunds up to 100 euros.
    let approve = |tool: &str, arguments: &str| {
        tool == "issue_refund"
            && serde_json::from_str::<serde_json::Value>(arguments)
                .ok()
                .and_then(|args| args["amount_eur"].as_f64())
                .is_some_and(|amount| amount <= 100.0)
    };
    let timeout = Duration::from_secs(if connection.is_offline() { 20 } else { 120 });
    let result = converse(
        &mut session,
        &mut transcript,
        &USER,
        timeout,
        &approve,
        &mut out::line,
    )
    .await;
    let _ = session.close().await;
    result?;
    for line in transcript.summary(started.elapsed()) {
        out::line(&line);
    }
    Ok(())
}

/// The generated JSON schema of a tool's parameters, on one line.
trait Parameters {
    fn definition_parameters(&self) -> String;
}

impl Parameters for AgentTool {
    fn definition_parameters(&self) -> String {
        match self.definition() {
            realtime::protocol::Tool::Function(function) => function
                .parameters
                .map_or_else(|| "{}".to_owned(), |parameters| parameters.to_string()),
            other => format!("{other:?}"),
        }
    }
}
