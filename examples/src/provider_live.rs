//! GPT-Live (`openai-live`, `azure-openai-live`) for the examples: its connectors,
//! its emulator and the session settings every agent shares on it. GPT-Live is not
//! the Realtime API, so [`provider`](crate::provider) hands these two providers to
//! this module.

use realtime::azure_openai::{Auth, AzureLiveConnector, ResourceEndpoint, azure_live_dialect};
use realtime::client::RealtimeClient;
use realtime::dialect::Dialect;
use realtime::openai::live::{Delegation, LIVE_BASE_URL, LiveConfig, LiveDialect, LiveSession};
use realtime::protocol::SessionConfig;
use realtime::transport::{Secret, redact_url};
use realtime_testkit::emulator::{LiveEmulator, Script};

use crate::ExampleError;
use crate::provider::{Connection, Endpoint, Provider};

/// The GPT-Live model the examples start (`gpt-live-1`, the model both providers
/// document).
pub const LIVE_MODEL: &str = "gpt-live-1";

/// The Responses model the delegated runs (and so the tools) use, as in the recorded
/// GPT-Live sessions; `GPT_LIVE_RESPONSES_MODEL` overrides it.
pub const RESPONSES_MODEL: &str = "gpt-5.6-sol";

/// The settings every agent shares on GPT-Live: the model (a session starts with it)
/// and a Responses delegation, which runs the agents' tools.
pub fn base_session() -> SessionConfig {
    let responses = std::env::var("GPT_LIVE_RESPONSES_MODEL")
        .ok()
        .filter(|model| !model.trim().is_empty())
        .unwrap_or_else(|| RESPONSES_MODEL.to_owned());
    SessionConfig::new()
        .model(LIVE_MODEL)
        .extension(LiveSession::new().delegation(Delegation::responses(responses)))
}

fn key(name: &str) -> Result<Secret, ExampleError> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
        .map(Secret::new)
        .ok_or_else(|| ExampleError::new(format!("{name} is not set")))
}

/// A client for the real GPT-Live service of `provider`, and where it connects.
///
/// # Errors
/// The variables are missing or the endpoint is invalid.
pub fn live_client(provider: Provider) -> Result<(RealtimeClient, Endpoint), ExampleError> {
    match provider {
        Provider::AzureOpenAiLive => {
            let endpoint: ResourceEndpoint = std::env::var(realtime::azure_openai::ENV_ENDPOINT)
                .unwrap_or_default()
                .parse()
                .map_err(|e| ExampleError::new(format!("the azure-openai-live endpoint: {e}")))?;
            let key = key(realtime::azure_openai::ENV_API_KEY)?;
            let connector = AzureLiveConnector::new(endpoint, Auth::ApiKey(key));
            let url = redact_url(&connector.url());
            Ok((
                connector.client(),
                Endpoint::of(&azure_live_dialect(), None, url),
            ))
        }
        _ => {
            let config = LiveConfig::new(key(realtime::openai::API_KEY_VAR)?);
            Ok((
                config.client(),
                Endpoint::of(&LiveDialect::openai(), None, LIVE_BASE_URL.to_owned()),
            ))
        }
    }
}

/// Starts the GPT-Live emulator playing `script` and connects `provider`'s real
/// connector and dialect to it (OpenAI's path with a Bearer key, or Azure's
/// documented `/openai/v1/live`).
///
/// # Errors
/// The emulator cannot bind a loopback port.
pub async fn offline(
    provider: Provider,
    script: Script,
    why: &str,
) -> Result<Connection, ExampleError> {
    let emulator = LiveEmulator::start(script)
        .await
        .map_err(|e| ExampleError(format!("could not start the embedded emulator: {e}")))?;
    let key = Secret::new("emulator-key");
    let (client, dialect, url): (RealtimeClient, Box<dyn Dialect>, String) = match provider {
        Provider::AzureOpenAiLive => {
            let endpoint: ResourceEndpoint = format!("http://{}", emulator.addr())
                .parse()
                .map_err(|e| ExampleError::new(format!("the emulator's endpoint: {e}")))?;
            let connector = AzureLiveConnector::new(endpoint, Auth::ApiKey(key));
            let url = connector.url();
            (connector.client(), Box::new(azure_live_dialect()), url)
        }
        _ => {
            let config = LiveConfig::new(key).base_url(emulator.url());
            (
                config.client(),
                Box::new(LiveDialect::openai()),
                config.url(),
            )
        }
    };
    let endpoint = Endpoint::of(dialect.as_ref(), None, url);
    let banner = format!(
        "offline: {why}, running against the embedded GPT-Live emulator of {} at {}",
        endpoint.describe(),
        endpoint.url
    );
    Ok(Connection {
        client,
        provider,
        emulator: None,
        live_emulator: Some(emulator),
        endpoint,
        banner,
    })
}
