//! Run with: `cargo run -p realtime-examples --example client_secret_server -- [--port 8787] [--self-test]`
//!
//! A server route that mints OpenAI ephemeral client secrets with
//! `realtime_openai::ClientSecrets`: a browser or phone asks `POST /session`, gets an
//! `ek_…` secret that opens one session for 10 minutes, and connects to OpenAI
//! directly with it. The standard API key stays on the server.
//!
//! It needs `OPENAI_API_KEY`; without it every mint is answered with `503` and the
//! reason. `--self-test` sends one request to itself, prints the answer and exits.
//!
//! Every request passes the checks of `realtime_examples::guard` (Host, Origin, JSON
//! bodies, a per-client rate limit on minting): no other web site can mint with this
//! server's key. It listens on 127.0.0.1; before exposing it, put your users'
//! authentication in front (`Guard::authenticate`, or an authenticating proxy; see
//! `docs/troubleshooting.md`, "Exposing the example servers").
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::SocketAddr;
use std::process::ExitCode;

use axum::Router;
use axum::routing::get;
use clap::Parser;
use realtime_examples::cli::ListenArgs;
use realtime_examples::ephemeral::Minter;
use realtime_examples::{ExampleError, out};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Mints OpenAI ephemeral client secrets (`POST /session`) so a browser or phone can
/// connect to OpenAI directly without the server's key.
///
/// Needs OPENAI_API_KEY (without it, minting answers 503). Run through cargo with
/// `--` before the flags:
///
/// cargo run -p realtime-examples --example client_secret_server -- --self-test
#[derive(Debug, Parser)]
#[command(name = "client_secret_server")]
struct Cli {
    #[command(flatten)]
    listen: ListenArgs,
    /// Send one minting request to the server itself, print the answer (the secret
    /// redacted) and exit.
    #[arg(long)]
    self_test: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    realtime_examples::init_tracing();
    realtime_examples::exit_code(run(cli).await)
}

async fn run(cli: Cli) -> Result<(), ExampleError> {
    let minter = Minter::from_env();
    if minter.is_available() {
        out::line("online: minting OpenAI client secrets with the key in OPENAI_API_KEY");
    } else {
        out::line("offline: no credentials found; POST /session will answer 503:");
        out::line(&format!("  {}", minter.unavailable_reason()));
    }
    let (listener, address, guard) = cli.listen.bind(8787).await?;
    let app = guard.protect(
        Router::new()
            .route(
                "/",
                get(|| async {
                    "POST /session with Content-Type: application/json and {\"instructions\"?, \"voice\"?} \
                     returns {\"client_secret\", \"expires_at\"}\n"
                }),
            )
            .route("/session", minter.route(&guard)),
    );
    out::line(&format!(
        "listening on http://{address}  (try: curl -X POST -H 'Content-Type: application/json' -d '{{}}' http://{address}/session)"
    ));
    out::line(&format!("allowed origins: {}", guard.origins().join(", ")));
    let service = app.into_make_service_with_connect_info::<SocketAddr>();

    if cli.self_test {
        tokio::spawn(async move {
            let _ = axum::serve(listener, service).await;
        });
        let answer = post_session(address).await?;
        out::line(&format!("POST /session ->\n{answer}"));
        return Ok(());
    }
    axum::serve(listener, service)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| ExampleError::new(format!("server: {e}")))
}

/// One plain HTTP/1.1 request, to keep the example free of an HTTP client.
async fn post_session(address: SocketAddr) -> Result<String, ExampleError> {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|e| ExampleError::new(format!("connecting to {address}: {e}")))?;
    let body = r#"{"instructions":"You are a friendly desk agent."}"#;
    let request = format!(
        "POST /session HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| ExampleError::new(format!("sending the request: {e}")))?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .map_err(|e| ExampleError::new(format!("reading the answer: {e}")))?;
    let status = response.lines().next().unwrap_or_default().to_owned();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body)
        .unwrap_or_default();
    // A real secret is shown only by its prefix.
    let body = match serde_json::from_str::<serde_json::Value>(body) {
        Ok(mut value) => {
            if let Some(secret) = value.get_mut("client_secret")
                && let Some(text) = secret.as_str()
            {
                *secret =
                    format!("{}… (redacted)", text.chars().take(3).collect::<String>()).into();
            }
            value.to_string()
        }
        Err(_) => body.to_owned(),
    };
    Ok(format!("{status}\n{body}"))
}
