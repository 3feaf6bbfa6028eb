//! Run with: cargo run -p realtime-examples --example client_secret_server [-- --port 8787] [--self-test]
//!
//! A server route that mints OpenAI ephemeral client secrets with
//! `realtime_openai::ClientSecrets`: a browser or phone asks `POST /session`, gets an
//! `ek_…` secret that opens one session for 10 minutes, and connects to OpenAI
//! directly with it. The standard API key stays on the server.
//!
//! It needs `OPENAI_API_KEY`; without it (offline) every request is answered with
//! `503` and the reason. `--self-test` sends one request to itself, prints the answer
//! and exits.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use axum::Router;
use axum::routing::get;
use realtime_examples::ExampleError;
use realtime_examples::args::Args;
use realtime_examples::ephemeral::Minter;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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

async fn run() -> Result<(), ExampleError> {
    let args = Args::parse(&["port"], &["self-test"])?;
    let port: u16 = match args.value("port") {
        Some(port) => port.parse().map_err(|_| {
            ExampleError::new(format!("--port expects a port number, got `{port}`"))
        })?,
        None => 8787,
    };
    let minter = Minter::from_env();
    if minter.is_available() {
        println!("online: minting OpenAI client secrets with the key in OPENAI_API_KEY");
    } else {
        println!("offline: no credentials found; POST /session will answer 503:");
        println!("  {}", minter.unavailable_reason());
    }
    let app = Router::new()
        .route(
            "/",
            get(|| async {
                "POST /session with {\"instructions\"?, \"voice\"?} returns {\"client_secret\", \"expires_at\"}\n"
            }),
        )
        .route("/session", minter.route());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| ExampleError::new(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let address = listener
        .local_addr()
        .map_err(|e| ExampleError::new(format!("listener address: {e}")))?;
    println!("listening on http://{address}  (try: curl -X POST http://{address}/session)");

    if args.flag("self-test") {
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let answer = post_session(address).await?;
        println!("POST /session ->\n{answer}");
        return Ok(());
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| ExampleError::new(format!("server: {e}")))
}

/// One plain HTTP/1.1 request, to keep the example free of an HTTP client.
async fn post_session(address: std::net::SocketAddr) -> Result<String, ExampleError> {
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
