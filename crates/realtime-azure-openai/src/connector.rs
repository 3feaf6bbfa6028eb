//! [`AzureOpenAiConnector`]: the URL and headers of each connection, with Entra ID
//! tokens fetched per connect.

use async_trait::async_trait;
use azure_core::time::OffsetDateTime;
use realtime_core::transport::{ConnectError, ConnectRequest, Connector, Secret};

use crate::config::{Auth, AzureOpenAiConfig};
use crate::dialect::AzureOpenAiDialect;
use crate::token::TokenCache;

/// The connector's provider name in logs and transport errors.
pub const CONNECTOR_PROVIDER: &str = "azure-openai";

/// Builds connections to one Azure OpenAI deployment: the endpoint's URL, and the
/// `api-key` header or an `Authorization: Bearer <token>` header with an Entra ID
/// token (cached, refreshed 5 minutes before it expires). Never `OpenAI-Beta`
/// (DIALECTS §1: Azure selects the protocol by path). `Debug` shows no secret.
///
/// ```
/// use realtime_azure_openai::{Auth, AzureOpenAiConfig, AzureOpenAiConnector};
/// use realtime_core::transport::Connector;
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let config = AzureOpenAiConfig::new(
///     "https://my-resource.openai.azure.com".parse()?,
///     "gpt-realtime",
///     Auth::api_key("not-a-real-key"),
/// )?;
/// let request = AzureOpenAiConnector::new(config).request().await?;
/// assert_eq!(request.url, "wss://my-resource.openai.azure.com/openai/v1/realtime?model=gpt-realtime");
/// assert_eq!(request.headers[0].0, "api-key");
/// assert!(!format!("{request:?}").contains("not-a-real-key"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct AzureOpenAiConnector {
    config: AzureOpenAiConfig,
    tokens: TokenCache,
}

impl AzureOpenAiConnector {
    /// A connector for `config`.
    pub fn new(config: AzureOpenAiConfig) -> Self {
        Self::with_token_cache(config, TokenCache::new())
    }

    /// A connector with its own token cache (e.g. another refresh margin).
    pub fn with_token_cache(config: AzureOpenAiConfig, tokens: TokenCache) -> Self {
        Self { config, tokens }
    }

    /// The configuration.
    pub fn config(&self) -> &AzureOpenAiConfig {
        &self.config
    }

    /// The dialect of the configured endpoint.
    pub fn dialect(&self) -> AzureOpenAiDialect {
        self.config.dialect()
    }

    /// The request for a connection at `now` (the token cache decides with this time
    /// whether the cached token is still fresh enough). [`Connector::request`] calls
    /// it with the current time.
    ///
    /// # Errors
    /// A [`ConnectError`] when the Entra ID credential gives no token.
    pub async fn request_at(&self, now: OffsetDateTime) -> Result<ConnectRequest, ConnectError> {
        let request = ConnectRequest::new(self.config.url());
        Ok(match self.config.auth() {
            Auth::ApiKey(key) => request.secret_header("api-key", key.clone()),
            Auth::Entra(credential) => {
                let scope = self.config.entra_scope();
                let token = self
                    .tokens
                    .token(credential.as_ref(), scope, now)
                    .await
                    .map_err(|error| {
                        ConnectError::new(
                            CONNECTOR_PROVIDER,
                            format!("could not get an Entra ID token for scope `{scope}`: {error}"),
                        )
                    })?;
                request.secret_header(
                    "Authorization",
                    Secret::new(format!("Bearer {}", token.secret())),
                )
            }
        })
    }
}

#[async_trait]
impl Connector for AzureOpenAiConnector {
    fn provider(&self) -> &'static str {
        CONNECTOR_PROVIDER
    }

    async fn request(&self) -> Result<ConnectRequest, ConnectError> {
        self.request_at(OffsetDateTime::now_utc()).await
    }
}

impl AzureOpenAiConfig {
    /// A client for this configuration: its dialect (with its policy and dialect
    /// detection) and a connector that authenticates each connect.
    pub fn client(&self) -> realtime_core::client::RealtimeClient {
        realtime_core::client::RealtimeClient::new(
            self.dialect(),
            AzureOpenAiConnector::new(self.clone()),
        )
    }
}
