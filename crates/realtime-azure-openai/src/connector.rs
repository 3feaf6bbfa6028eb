//! [`AzureOpenAiConnector`]: the URL and headers of a connection, with Entra ID
//! tokens fetched per connect.

use azure_core::time::OffsetDateTime;

use crate::config::{Auth, AzureOpenAiConfig};
use crate::dialect::AzureOpenAiDialect;
use crate::error::ConnectError;
use crate::secret::SecretString;
use crate::token::TokenCache;

/// A header value: plain, or secret (never shown in `Debug`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderValue {
    /// A value that may be logged.
    Plain(String),
    /// A credential.
    Secret(SecretString),
}

impl HeaderValue {
    /// The value as it goes on the wire.
    pub fn expose(&self) -> &str {
        match self {
            Self::Plain(value) => value,
            Self::Secret(secret) => secret.expose(),
        }
    }
}

/// What the WebSocket handshake needs: URL and headers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectParts {
    /// The `wss://` (or local `ws://`) URL.
    pub url: String,
    /// Handshake headers: `api-key`, or `Authorization: Bearer <token>`. Never
    /// `OpenAI-Beta` (DIALECTS §1: Azure selects the protocol by path).
    pub headers: Vec<(String, HeaderValue)>,
}

/// Builds connections to one Azure OpenAI deployment.
///
/// ```
/// use realtime_azure_openai::{Auth, AzureOpenAiConfig, AzureOpenAiConnector};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let config = AzureOpenAiConfig::new(
///     "https://my-resource.openai.azure.com".parse()?,
///     "gpt-realtime",
///     Auth::api_key("not-a-real-key"),
/// )?;
/// let parts = AzureOpenAiConnector::new(config).connect_parts().await?;
/// assert_eq!(parts.url, "wss://my-resource.openai.azure.com/openai/v1/realtime?model=gpt-realtime");
/// assert_eq!(parts.headers[0].0, "api-key");
/// assert!(!format!("{parts:?}").contains("not-a-real-key"));
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

    /// The provider: `Azure OpenAI`.
    pub fn provider(&self) -> &'static str {
        crate::dialect::PROVIDER
    }

    /// URL and headers for a connection now.
    ///
    /// # Errors
    /// [`ConnectError::Token`] when the Entra ID credential gives no token.
    pub async fn connect_parts(&self) -> Result<ConnectParts, ConnectError> {
        self.connect_parts_at(OffsetDateTime::now_utc()).await
    }

    /// URL and headers for a connection at `now` (the token cache decides with this
    /// time whether the cached token is still fresh enough).
    ///
    /// # Errors
    /// [`ConnectError::Token`] when the Entra ID credential gives no token.
    pub async fn connect_parts_at(
        &self,
        now: OffsetDateTime,
    ) -> Result<ConnectParts, ConnectError> {
        let header = match self.config.auth() {
            Auth::ApiKey(key) => ("api-key".to_owned(), HeaderValue::Secret(key.clone())),
            Auth::Entra(credential) => {
                let scope = self.config.entra_scope();
                let token = self
                    .tokens
                    .token(credential.as_ref(), scope, now)
                    .await
                    .map_err(|error| ConnectError::Token {
                        scope: scope.to_owned(),
                        message: error.to_string(),
                    })?;
                (
                    "Authorization".to_owned(),
                    HeaderValue::Secret(SecretString::new(format!("Bearer {}", token.secret()))),
                )
            }
        };
        Ok(ConnectParts {
            url: self.config.url(),
            headers: vec![header],
        })
    }
}
