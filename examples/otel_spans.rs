//! The quickstart's voice desk with its spans exported through OpenTelemetry's
//! stdout exporter: `realtime.session` → `realtime.connection` → `realtime.turn` →
//! `realtime.response` → `realtime.tool`, with their GenAI attributes.
//!
//! ```sh
//! cargo run -p realtime-examples --example otel_spans --features otel -- --offline
//! ```
//!
//! Swap the exporter for `realtime::otel::otlp_http("http://127.0.0.1:4318/v1/traces", ..)`
//! to send the same spans to a collector.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use clap::Parser;
use realtime_examples::cli::ConnectionArgs;
use realtime_examples::provider::Connection;
use realtime_examples::{desk, out};
use tracing_subscriber::layer::SubscriberExt;

#[derive(Debug, Parser)]
#[command(name = "otel_spans")]
struct Cli {
    #[command(flatten)]
    connection: ConnectionArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let (layer, provider) = realtime::otel::layer(
        opentelemetry_stdout::SpanExporter::default(),
        "realtime-quickstart",
    );
    if let Err(error) =
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
    {
        eprintln!("error: cannot install the tracing subscriber: {error}");
        return ExitCode::FAILURE;
    }
    let outcome = run(cli).await;
    // Flushes the spans still open.
    if let Err(error) = provider.shutdown() {
        eprintln!("error: exporting the last spans: {error}");
    }
    realtime_examples::exit_code(outcome)
}

async fn run(cli: Cli) -> Result<(), realtime_examples::ExampleError> {
    let connection = Connection::choose(&cli.connection, desk::offline_script()).await?;
    out::line(&connection.banner);
    let options = desk::DeskOptions::new(connection.is_offline());
    desk::run(connection, options, &mut out::line).await?;
    Ok(())
}
