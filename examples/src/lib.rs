//! Helpers shared by the examples of the realtime workspace.
//!
//! Each example is one scenario in its own file; what they all need lives here:
//!
//! - [`provider`]: pick the service to talk to. With no credentials in the
//!   environment, every example runs against the embedded provider emulator of
//!   `realtime-testkit` and says so on its first line.
//! - [`audio`]: WAV in (any rate, mono or stereo, resampled to 24 kHz mono pcm16), WAV
//!   out, and synthetic "speech" for offline user turns.
//! - [`transcript`]: turns [`AgentEvent`](realtime::agent::AgentEvent)s into readable
//!   transcript lines and counts what happened.
//! - [`cli`]: the flags the examples share (clap), flattened into each example's own
//!   command line.
//! - [`guard`]: the request checks of the example servers (Host, Origin, JSON bodies,
//!   a per-client rate limit, an authentication hook).
//! - [`out`]: printing that ends quietly when stdout is closed (`| head -1`).
//! - [`desk`]: the customer-service voice desk of `quickstart`.

pub mod audio;
pub mod cli;
pub mod conversation;
pub mod guard;
pub mod out;
pub mod provider;
pub mod provider_live;
pub mod transcript;

/// The voice desk of the `quickstart` example (its source sits next to the example,
/// in `quickstart/desk.rs`); the browser bridge and the tests run it too.
#[path = "../quickstart/desk.rs"]
pub mod desk;
pub mod ephemeral;

/// An example's error: a message for the user, already explained.
#[derive(Debug)]
pub struct ExampleError(pub String);

impl std::fmt::Display for ExampleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ExampleError {}

impl ExampleError {
    /// An error with `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    /// Wraps any error with what was being done.
    pub fn context(doing: &str) -> impl FnOnce(&dyn std::fmt::Display) -> Self + '_ {
        move |error| Self(format!("{doing}: {error}"))
    }
}

/// The exit code for an example's outcome: success, or the error printed to stderr
/// and failure.
#[allow(
    clippy::print_stderr,
    reason = "an example's last word goes to its terminal"
)]
pub fn exit_code(outcome: Result<(), ExampleError>) -> std::process::ExitCode {
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Installs a `tracing` subscriber that prints warnings and errors to stderr
/// (`RUST_LOG=debug` or `info` shows more).
pub fn init_tracing() {
    let level = match std::env::var("RUST_LOG").ok().as_deref() {
        Some("trace") => tracing::Level::TRACE,
        Some("debug") => tracing::Level::DEBUG,
        Some("info") => tracing::Level::INFO,
        Some("error") => tracing::Level::ERROR,
        _ => tracing::Level::WARN,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .try_init();
}
