//! GPT-Live on Azure AI Foundry: the `azure-openai-live` dialect (the GPT-Live codec
//! of `realtime_openai::live`, under Azure's name) and [`AzureLiveConnector`].
//!
//! From `fixtures/openai-live/live.condensed.json` (`transport.azure`, Azure docs
//! `gpt-live-reference.md`, `how-to/gpt-live.md`, `how-to/gpt-live-webrtc.md`):
//!
//! - the WebSocket is `wss://<resource>.openai.azure.com/openai/v1/live`; the OpenAI
//!   SDK's URL builder spells it `…/live/sessions` (the spelling Azure documents for
//!   WebRTC creation). Both are offered ([`AzureLivePath`]), the documented one by default;
//! - the model is set in `session.start`, never in the URL;
//! - auth is `Authorization: Bearer` with an Entra ID token or the API key (the docs'
//!   example sends the key as a Bearer token);
//! - the sideband is `…/openai/v1/live/sessions/{session_id}/attach`;
//! - GPT-Live on Azure does not support ephemeral client keys: asking for one is
//!   [`AzureLiveError::EphemeralKeysUnsupported`].

use async_trait::async_trait;
use azure_core::time::OffsetDateTime;
use realtime_core::client::RealtimeClient;
use realtime_core::transport::{ConnectError, ConnectRequest, Connector, Secret};
use realtime_openai::live::LiveDialect;

use crate::config::Auth;
use crate::endpoint::{ResourceEndpoint, percent_encode};
use crate::token::{GA_V1_SCOPE, TokenCache};

/// The dialect's name in fixtures and errors.
pub const AZURE_LIVE_DIALECT_NAME: &str = "azure-openai-live";
/// The provider's name.
pub const AZURE_LIVE_PROVIDER: &str = "Azure OpenAI GPT-Live";
/// The connector's provider name in logs and transport errors.
pub const AZURE_LIVE_CONNECTOR: &str = "azure-openai-live";

/// The `azure-openai-live` dialect: GPT-Live frames, Azure's name in every error.
pub fn azure_live_dialect() -> LiveDialect {
    LiveDialect::named(AZURE_LIVE_DIALECT_NAME, AZURE_LIVE_PROVIDER)
}

/// Which spelling of the GPT-Live WebSocket path to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AzureLivePath {
    /// `/openai/v1/live`, as the Azure GPT-Live reference documents it (the default).
    #[default]
    Documented,
    /// `/openai/v1/live/sessions`, the OpenAI SDK's spelling on the Azure base.
    Sessions,
}

impl AzureLivePath {
    /// The path after the resource endpoint.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Documented => "/openai/v1/live",
            Self::Sessions => "/openai/v1/live/sessions",
        }
    }
}

/// What Azure GPT-Live refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AzureLiveError {
    /// Ephemeral client keys were asked for.
    #[error(
        "Azure OpenAI GPT-Live: expected API-key or Entra ID auth from a trusted backend, \
         got a request for an ephemeral client key (GPT-Live on Azure does not support them; \
         send the browser's SDP through your backend)"
    )]
    EphemeralKeysUnsupported,
}

/// A GPT-Live connection to an Azure resource: endpoint, auth, path spelling and, for
/// a sideband, the session to attach to. `Debug` shows no secret.
///
/// ```
/// use realtime_azure_openai::{Auth, AzureLiveConnector, AzureLivePath};
///
/// let connector = AzureLiveConnector::new(
///     "https://my-resource.openai.azure.com".parse()?,
///     Auth::api_key("not-a-real-key"),
/// );
/// assert_eq!(connector.url(), "wss://my-resource.openai.azure.com/openai/v1/live");
/// let sessions = connector.path(AzureLivePath::Sessions);
/// assert_eq!(sessions.url(), "wss://my-resource.openai.azure.com/openai/v1/live/sessions");
/// assert!(!format!("{sessions:?}").contains("not-a-real-key"));
/// # Ok::<(), realtime_azure_openai::ConfigError>(())
/// ```
#[derive(Debug)]
pub struct AzureLiveConnector {
    endpoint: ResourceEndpoint,
    auth: Auth,
    path: AzureLivePath,
    attach: Option<String>,
    entra_scope: String,
    tokens: TokenCache,
}

impl AzureLiveConnector {
    /// A new-session connector on the documented path.
    pub fn new(endpoint: ResourceEndpoint, auth: Auth) -> Self {
        Self {
            endpoint,
            auth,
            path: AzureLivePath::default(),
            attach: None,
            entra_scope: GA_V1_SCOPE.to_owned(),
            tokens: TokenCache::new(),
        }
    }

    /// Another path spelling.
    #[must_use]
    pub fn path(mut self, path: AzureLivePath) -> Self {
        self.path = path;
        self
    }

    /// Attach a sideband to `session_id` instead of opening a session.
    #[must_use]
    pub fn attach(mut self, session_id: impl Into<String>) -> Self {
        self.attach = Some(session_id.into());
        self
    }

    /// Another Entra ID scope (default [`GA_V1_SCOPE`]).
    #[must_use]
    pub fn entra_scope(mut self, scope: impl Into<String>) -> Self {
        self.entra_scope = scope.into();
        self
    }

    /// Ephemeral client keys: always refused on Azure GPT-Live.
    ///
    /// # Errors
    /// Always [`AzureLiveError::EphemeralKeysUnsupported`].
    pub fn ephemeral_client_key(&self) -> Result<Secret, AzureLiveError> {
        Err(AzureLiveError::EphemeralKeysUnsupported)
    }

    /// The WebSocket URL.
    pub fn url(&self) -> String {
        let base = self.endpoint.to_string();
        let base = match base.strip_prefix("https://") {
            Some(rest) => format!("wss://{rest}"),
            None => format!("ws://{}", base.trim_start_matches("http://")),
        };
        match &self.attach {
            None => format!("{base}{}", self.path.as_str()),
            Some(session_id) => format!(
                "{base}/openai/v1/live/sessions/{}/attach",
                percent_encode(session_id)
            ),
        }
    }

    /// The request for a connection at `now` (the token cache decides with it whether
    /// the cached Entra ID token is fresh enough).
    ///
    /// # Errors
    /// A [`ConnectError`] when the Entra ID credential gives no token.
    pub async fn request_at(&self, now: OffsetDateTime) -> Result<ConnectRequest, ConnectError> {
        let bearer = match &self.auth {
            Auth::ApiKey(key) => key.expose().to_owned(),
            Auth::Entra(credential) => self
                .tokens
                .token(credential.as_ref(), &self.entra_scope, now)
                .await
                .map_err(|error| {
                    ConnectError::new(
                        AZURE_LIVE_CONNECTOR,
                        format!(
                            "could not get an Entra ID token for scope `{}`: {error}",
                            self.entra_scope
                        ),
                    )
                })?
                .secret()
                .to_owned(),
        };
        Ok(ConnectRequest::new(self.url())
            .secret_header("Authorization", Secret::new(format!("Bearer {bearer}"))))
    }

    /// A client speaking `azure-openai-live` through this connector.
    pub fn client(self) -> RealtimeClient {
        RealtimeClient::new(azure_live_dialect(), self)
    }
}

#[async_trait]
impl Connector for AzureLiveConnector {
    fn provider(&self) -> &'static str {
        AZURE_LIVE_CONNECTOR
    }

    async fn request(&self) -> Result<ConnectRequest, ConnectError> {
        self.request_at(OffsetDateTime::now_utc()).await
    }
}
