//! [`VoiceLiveConfig`] and its builder.

use std::sync::Arc;

use async_trait::async_trait;
use azure_core::credentials::TokenCredential;
use realtime_core::dialect::UnsupportedPolicy;
use realtime_core::transport::{ConnectError, ConnectRequest, Connector, Secret};

use super::auth::{LEGACY_SCOPE, SCOPE, TokenCache, VoiceLiveAuth};
use super::endpoint::{Endpoint, encode_query_value};
use super::secret::is_header_safe;
use crate::dialect::VoiceLiveDialect;
use crate::error::{ConfigError, PROVIDER};
use crate::version::ApiVersion;

/// Environment variables read by [`VoiceLiveConfig::from_env`].
pub mod env {
    /// The resource endpoint, e.g. `https://<resource>.services.ai.azure.com`.
    pub const ENDPOINT: &str = "AZURE_VOICELIVE_ENDPOINT";
    /// The API key.
    pub const API_KEY: &str = "AZURE_VOICELIVE_API_KEY";
    /// The model, e.g. `gpt-realtime`.
    pub const MODEL: &str = "AZURE_VOICELIVE_MODEL";
    /// The API version (optional; default `2026-07-15`).
    pub const API_VERSION: &str = "AZURE_VOICELIVE_API_VERSION";
}

/// What the session talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Model(String),
    Agent { name: String, project: String },
}

/// Everything needed to connect to Azure AI Voice Live.
///
/// URL: `wss://<resource>.services.ai.azure.com/voice-live/realtime?api-version=V&model=M`,
/// or `agent-name=A&agent-project-name=P` instead of `model` in agent mode (VL-26
/// `endpoint`; `DIALECTS.md` §1). Credentials travel in headers only (`v1` accepts
/// nothing else, VL-V1): `api-key`, or `Authorization: Bearer` with an Entra ID token
/// for scope `https://ai.azure.com/.default` (the legacy
/// `https://cognitiveservices.azure.com/.default` on `*.cognitiveservices.azure.com`).
///
/// ```
/// use realtime_voicelive::{ApiVersion, VoiceLiveConfig};
///
/// let config = VoiceLiveConfig::builder()
///     .endpoint("https://contoso.services.ai.azure.com")
///     .model("gpt-realtime")
///     .api_version(ApiVersion::V2026_04_10)
///     .api_key("not-a-real-key")
///     .build()?;
/// assert_eq!(
///     config.url(),
///     "wss://contoso.services.ai.azure.com/voice-live/realtime?api-version=2026-04-10&model=gpt-realtime"
/// );
/// assert!(!format!("{config:?}").contains("not-a-real-key"));
/// # Ok::<(), realtime_voicelive::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct VoiceLiveConfig {
    endpoint: Endpoint,
    target: Target,
    api_version: ApiVersion,
    auth: VoiceLiveAuth,
    policy: UnsupportedPolicy,
}

impl VoiceLiveConfig {
    /// A builder.
    pub fn builder() -> VoiceLiveConfigBuilder {
        VoiceLiveConfigBuilder::default()
    }

    /// Reads `AZURE_VOICELIVE_ENDPOINT`, `AZURE_VOICELIVE_API_KEY`,
    /// `AZURE_VOICELIVE_MODEL` and (optionally) `AZURE_VOICELIVE_API_VERSION`.
    ///
    /// # Errors
    /// [`ConfigError::MissingVariable`] for an unset (or empty) required variable, or
    /// the error of the value it holds.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`from_env`](Self::from_env), reading variables through `lookup`.
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &'static str| {
            lookup(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        let require = |name: &'static str| get(name).ok_or(ConfigError::MissingVariable { name });
        let mut builder = Self::builder()
            .endpoint(require(env::ENDPOINT)?)
            .api_key(require(env::API_KEY)?)
            .model(require(env::MODEL)?);
        if let Some(version) = get(env::API_VERSION) {
            builder = builder.api_version(version.parse()?);
        }
        builder.build()
    }

    /// The API version.
    pub fn api_version(&self) -> ApiVersion {
        self.api_version
    }

    /// The unsupported-field policy.
    pub fn policy(&self) -> UnsupportedPolicy {
        self.policy
    }

    /// The credentials.
    pub fn auth(&self) -> &VoiceLiveAuth {
        &self.auth
    }

    /// The dialect for this configuration's version, policy and model.
    pub fn dialect(&self) -> VoiceLiveDialect {
        let dialect = VoiceLiveDialect::new(self.api_version).with_policy(self.policy);
        match &self.target {
            Target::Model(model) => dialect.with_model(model.clone()),
            _ => dialect,
        }
    }

    /// The WebSocket URL (no credential in it).
    pub fn url(&self) -> String {
        let mut url = self.endpoint.websocket_base();
        url.push_str("?api-version=");
        url.push_str(self.api_version.as_str());
        match &self.target {
            Target::Model(model) => {
                url.push_str("&model=");
                url.push_str(&encode_query_value(model));
            }
            Target::Agent { name, project } => {
                url.push_str("&agent-name=");
                url.push_str(&encode_query_value(name));
                url.push_str("&agent-project-name=");
                url.push_str(&encode_query_value(project));
            }
        }
        url
    }

    /// The upgrade request for one connection: the URL and the credential header
    /// (a [`Secret`]). With an Entra ID credential this fetches a token, or reuses
    /// the cached one while it has more than
    /// [`REFRESH_MARGIN`](super::REFRESH_MARGIN) left.
    ///
    /// # Errors
    /// [`ConfigError::Token`] when the credential fails;
    /// [`ConfigError::InvalidCredential`] for a token that cannot be a header value.
    pub async fn connect_request(&self) -> Result<ConnectRequest, ConfigError> {
        let (name, value) = self.auth.header().await?;
        Ok(ConnectRequest::new(self.url()).secret_header(name, value))
    }
}

/// The connector: [`VoiceLiveConfig::connect_request`] per connection.
#[async_trait]
impl Connector for VoiceLiveConfig {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    async fn request(&self) -> Result<ConnectRequest, ConnectError> {
        self.connect_request()
            .await
            .map_err(|error| ConnectError::new(PROVIDER, error.to_string()))
    }
}

/// Builds a [`VoiceLiveConfig`].
#[derive(Debug, Default, Clone)]
#[must_use]
pub struct VoiceLiveConfigBuilder {
    endpoint: Option<String>,
    model: Option<String>,
    agent: Option<(String, String)>,
    api_version: ApiVersion,
    api_key: Option<Secret>,
    credential: Option<CredentialDebug>,
    scope: Option<String>,
    policy: UnsupportedPolicy,
}

/// A credential with a `Debug` that shows nothing of it.
#[derive(Clone)]
struct CredentialDebug(Arc<dyn TokenCredential>);

impl std::fmt::Debug for CredentialDebug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCredential")
    }
}

impl VoiceLiveConfigBuilder {
    /// The resource endpoint: `https://<resource>.services.ai.azure.com` or the
    /// legacy `https://<resource>.cognitiveservices.azure.com` (`http`, `ws`, `wss`
    /// accepted too).
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// The model, e.g. `gpt-realtime`.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// Agent mode: a Foundry agent and its project instead of a model.
    pub fn agent(mut self, name: impl Into<String>, project: impl Into<String>) -> Self {
        self.agent = Some((name.into(), project.into()));
        self
    }

    /// The API version (default 2026-07-15).
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = version;
        self
    }

    /// Authenticate with an API key (`api-key` header).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(Secret::new(key));
        self
    }

    /// Authenticate with an Entra ID credential (e.g. from `azure_identity`); takes
    /// precedence over an API key.
    pub fn token_credential(mut self, credential: Arc<dyn TokenCredential>) -> Self {
        self.credential = Some(CredentialDebug(credential));
        self
    }

    /// Overrides the Entra ID scope (default: chosen from the host).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// The policy for settings the version has no place for.
    pub fn policy(mut self, policy: UnsupportedPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Checks and builds.
    ///
    /// # Errors
    /// [`ConfigError::MissingEndpoint`] / [`ConfigError::InvalidEndpoint`],
    /// [`ConfigError::MissingTarget`] / [`ConfigError::ModelAndAgent`],
    /// [`ConfigError::MissingAuth`], or [`ConfigError::InvalidCredential`] for an API
    /// key that cannot be a header value.
    pub fn build(self) -> Result<VoiceLiveConfig, ConfigError> {
        let endpoint = Endpoint::parse(self.endpoint.as_deref().unwrap_or_default())?;
        let target = match (self.model, self.agent) {
            (Some(model), None) => Target::Model(model),
            (None, Some((name, project))) => Target::Agent { name, project },
            (Some(model), Some((agent, _))) => {
                return Err(ConfigError::ModelAndAgent { model, agent });
            }
            (None, None) => return Err(ConfigError::MissingTarget),
        };
        let auth = match (self.credential, self.api_key) {
            (Some(CredentialDebug(credential)), _) => {
                let scope = self.scope.unwrap_or_else(|| {
                    if endpoint.is_legacy() {
                        LEGACY_SCOPE
                    } else {
                        SCOPE
                    }
                    .to_owned()
                });
                VoiceLiveAuth::entra(TokenCache::new(credential, scope))
            }
            (None, Some(key)) => {
                if !is_header_safe(key.expose()) {
                    return Err(ConfigError::InvalidCredential {
                        what: "API key",
                        len: key.expose().len(),
                    });
                }
                VoiceLiveAuth::api_key(key)
            }
            (None, None) => return Err(ConfigError::MissingAuth),
        };
        tracing::debug!(
            endpoint = endpoint.authority(),
            api_version = %self.api_version,
            "configured Azure AI Voice Live"
        );
        Ok(VoiceLiveConfig {
            endpoint,
            target,
            api_version: self.api_version,
            auth,
            policy: self.policy,
        })
    }
}

impl VoiceLiveConfig {
    /// A client for this configuration: its dialect and this config as the connector.
    pub fn client(&self) -> realtime_core::client::RealtimeClient {
        realtime_core::client::RealtimeClient::new(self.dialect(), self.clone())
    }
}
