//! The command-line flags the examples share (clap derive). Each example declares its
//! own `Cli` and flattens in only the groups it uses, so `--help` lists exactly the
//! flags that example has.
//!
//! Remember the `--` when running through cargo: in
//! `cargo run -p realtime-examples --example tools -- --offline` the flags after `--`
//! go to the example; without it, cargo takes `--offline` for itself.

use std::net::SocketAddr;

use clap::Args;

use crate::ExampleError;
use crate::guard::Guard;
use crate::provider::Provider;

/// Where an example connects: `--provider` and `--offline`.
#[derive(Debug, Clone, Default, Args)]
pub struct ConnectionArgs {
    /// The service to talk to. Needs that provider's variables in the environment
    /// (all missing ones are listed at once). Without it: the first provider whose
    /// variables are set, else the embedded emulator.
    #[arg(long, value_enum, value_name = "NAME")]
    pub provider: Option<Provider>,
    /// Run against the embedded emulator of the provider's dialect (OpenAI GA unless
    /// `--provider` names another), even when credentials are set.
    #[arg(long)]
    pub offline: bool,
}

/// Where an example server listens: `--port` and `--bind`.
#[derive(Debug, Clone, Args)]
pub struct ListenArgs {
    /// The TCP port (0 picks a free one).
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// The address to listen on. Loopback by default; anything else exposes the
    /// server's provider key to whoever can reach it, so put real authentication in
    /// front first (see `docs/troubleshooting.md`, "Exposing the example servers").
    #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// An extra Origin allowed to call the server (repeatable), e.g.
    /// `https://app.example.com`. The server's own origin is always allowed.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origins: Vec<String>,
    /// Minting requests allowed per client address and minute (the bridge counts new
    /// `/ws` sessions too: each one spends the provider key).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub mint_per_minute: u32,
}

impl ListenArgs {
    /// Binds `--bind` and `--port` (or `default_port`), and the guard of a server
    /// listening there: its own origin plus `--allow-origin`, `--mint-per-minute`.
    ///
    /// # Errors
    /// The address cannot be bound, or an `--allow-origin` is not an origin.
    pub async fn bind(
        &self,
        default_port: u16,
    ) -> Result<(tokio::net::TcpListener, SocketAddr, Guard), ExampleError> {
        let wanted = SocketAddr::new(self.bind, self.port.unwrap_or(default_port));
        let listener = tokio::net::TcpListener::bind(wanted)
            .await
            .map_err(|e| ExampleError::new(format!("cannot listen on {wanted}: {e}")))?;
        let address = listener
            .local_addr()
            .map_err(|e| ExampleError::new(format!("listener address: {e}")))?;
        let mut guard = Guard::new(address, self.mint_per_minute);
        for origin in &self.allow_origins {
            guard = guard
                .allow_origin(origin)
                .map_err(|e| ExampleError::new(format!("--allow-origin: {e}")))?;
        }
        Ok((listener, address, guard))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::ConnectionArgs;
    use crate::provider::Provider;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        connection: ConnectionArgs,
    }

    #[test]
    fn provider_names_parse() -> Result<(), clap::Error> {
        let cli = Cli::try_parse_from(["x", "--provider", "azure-openai", "--offline"])?;
        assert_eq!(cli.connection.provider, Some(Provider::AzureOpenAi));
        assert!(cli.connection.offline);
        let cli = Cli::try_parse_from(["x", "--provider=voicelive"])?;
        assert_eq!(cli.connection.provider, Some(Provider::VoiceLive));
        Ok(())
    }

    #[test]
    fn unknown_provider_lists_the_known_ones() {
        let error = Cli::try_parse_from(["x", "--provider", "nope"])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("openai, azure-openai, voicelive"), "{error}");
    }
}
