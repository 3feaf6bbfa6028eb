//! [`AzureOpenAiConfig`]: where to connect, how to authenticate, which policy.

use std::fmt;
use std::sync::Arc;

use azure_core::credentials::TokenCredential;
use realtime_core::dialect::UnsupportedPolicy;
use realtime_core::transport::Secret;

use crate::api_version::ApiVersion;
use crate::dialect::AzureOpenAiDialect;
use crate::endpoint::{Endpoint, ResourceEndpoint};
use crate::error::ConfigError;
use crate::token::{GA_V1_SCOPE, PREVIEW_SCOPE};
use realtime_core::dialect::DialectDetector;

/// Environment variable with the resource endpoint.
pub const ENV_ENDPOINT: &str = "AZURE_OPENAI_ENDPOINT";
/// Environment variable with the API key.
pub const ENV_API_KEY: &str = "AZURE_OPENAI_API_KEY";
/// Environment variable with the realtime deployment.
pub const ENV_DEPLOYMENT: &str = "AZURE_OPENAI_REALTIME_DEPLOYMENT";
/// Fallback environment variable with the deployment.
pub const ENV_DEPLOYMENT_FALLBACK: &str = "AZURE_OPENAI_DEPLOYMENT";
/// Environment variable with a preview `api-version`; unset means GA v1.
pub const ENV_API_VERSION: &str = "AZURE_OPENAI_API_VERSION";

/// How the connector authenticates.
#[derive(Clone)]
#[non_exhaustive]
pub enum Auth {
    /// An API key, sent as the `api-key` header.
    ApiKey(Secret),
    /// An Entra ID credential (from `azure_identity`: `DeveloperToolsCredential`,
    /// `ManagedIdentityCredential`, `ClientSecretCredential`, ...). Its token is sent
    /// as `Authorization: Bearer <token>`, fetched per connect and refreshed before
    /// it expires.
    Entra(Arc<dyn TokenCredential>),
}

impl Auth {
    /// An API key.
    pub fn api_key(key: impl Into<Secret>) -> Self {
        Self::ApiKey(key.into())
    }

    /// An Entra ID credential.
    pub fn entra(credential: Arc<dyn TokenCredential>) -> Self {
        Self::Entra(credential)
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ApiKey(key) => f.debug_tuple("ApiKey").field(key).finish(),
            // The credential's own Debug is not ours to trust with secrets.
            Self::Entra(_) => f.write_str("Entra(..)"),
        }
    }
}

/// Configuration of an Azure OpenAI Realtime connection.
///
/// - **Endpoint kind**: [`Endpoint::GaV1`] (default, GA wire shape) or
///   [`Endpoint::Preview`] with a dated [`ApiVersion`] (beta wire shape).
/// - **Audio-only output**: the preview endpoint rejects `modalities: ["audio"]`
///   ("Supported: ['text'] or ['audio','text']"), so an audio-only request is sent as
///   `["audio","text"]` there: the model speaks and also streams a transcript. On GA
///   v1, `["audio"]` already means audio with its transcript.
/// - **Transcription**: the transcription `model` must be the name of a
///   transcription *deployment* in the resource; otherwise every transcription fails
///   with `DeploymentNotFound` (see [`crate::transcription_failure`]).
/// - **Voice**: it cannot change once the model has spoken
///   ([`AzureOpenAiDialect::voice_change_after_audio`]).
/// - **Policy**: a setting the endpoint lacks is an error by default
///   ([`UnsupportedPolicy::Error`]); `Warn` drops it with a warning.
/// - **Dialect detection**: on by default; when a GA v1 endpoint answers in the beta
///   shape, the client switches to the preview dialect ([`DialectDetector`]).
///
/// `Debug` never shows the API key or a token.
///
/// ```
/// use realtime_azure_openai::{ApiVersion, Auth, AzureOpenAiConfig, Endpoint};
///
/// let config = AzureOpenAiConfig::new(
///     "https://my-resource.openai.azure.com".parse()?,
///     "gpt-realtime",
///     Auth::api_key("not-a-real-key"),
/// )?
/// .with_endpoint_kind(Endpoint::Preview(ApiVersion::V2025_04_01Preview));
/// assert_eq!(
///     config.url(),
///     "wss://my-resource.openai.azure.com/openai/realtime?api-version=2025-04-01-preview&deployment=gpt-realtime"
/// );
/// assert!(!format!("{config:?}").contains("not-a-real-key"));
/// # Ok::<(), realtime_azure_openai::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct AzureOpenAiConfig {
    endpoint: ResourceEndpoint,
    deployment: String,
    kind: Endpoint,
    auth: Auth,
    policy: UnsupportedPolicy,
    detect_dialect: bool,
    entra_scope: Option<String>,
}

impl AzureOpenAiConfig {
    /// A configuration for `deployment` on the resource at `endpoint`, GA v1, with the
    /// default policy and dialect detection on.
    ///
    /// # Errors
    /// [`ConfigError::EmptyDeployment`], or [`ConfigError::EmptyApiKey`].
    pub fn new(
        endpoint: ResourceEndpoint,
        deployment: impl Into<String>,
        auth: Auth,
    ) -> Result<Self, ConfigError> {
        let deployment = deployment.into().trim().to_owned();
        if deployment.is_empty() {
            return Err(ConfigError::EmptyDeployment);
        }
        if matches!(&auth, Auth::ApiKey(key) if key.expose().is_empty()) {
            return Err(ConfigError::EmptyApiKey);
        }
        Ok(Self {
            endpoint,
            deployment,
            kind: Endpoint::default(),
            auth,
            policy: UnsupportedPolicy::default(),
            detect_dialect: true,
            entra_scope: None,
        })
    }

    /// Reads the configuration from the process environment: `AZURE_OPENAI_ENDPOINT`,
    /// `AZURE_OPENAI_API_KEY`, `AZURE_OPENAI_REALTIME_DEPLOYMENT` (or
    /// `AZURE_OPENAI_DEPLOYMENT`), and `AZURE_OPENAI_API_VERSION` (set: that preview
    /// version; unset: GA v1).
    ///
    /// # Errors
    /// As [`from_lookup`](Self::from_lookup).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup`. Empty
    /// values count as unset.
    ///
    /// # Errors
    /// [`ConfigError::MissingVariable`] naming the first missing variable,
    /// [`ConfigError::InvalidEndpoint`], [`ConfigError::UnknownApiVersion`].
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let endpoint = get(ENV_ENDPOINT).ok_or(ConfigError::MissingVariable {
            name: ENV_ENDPOINT,
            hint: "expected the resource endpoint, e.g. https://my-resource.openai.azure.com",
        })?;
        let deployment = get(ENV_DEPLOYMENT)
            .or_else(|| get(ENV_DEPLOYMENT_FALLBACK))
            .ok_or(ConfigError::MissingVariable {
                name: ENV_DEPLOYMENT,
                hint: "expected the realtime deployment name (or set AZURE_OPENAI_DEPLOYMENT)",
            })?;
        let key = get(ENV_API_KEY).ok_or(ConfigError::MissingVariable {
            name: ENV_API_KEY,
            hint: "expected the resource's API key (for Entra ID, build the config with Auth::Entra)",
        })?;
        let kind = match get(ENV_API_VERSION) {
            None => Endpoint::GaV1,
            Some(version) => Endpoint::Preview(version.parse::<ApiVersion>()?),
        };
        Ok(Self::new(endpoint.parse()?, deployment, Auth::api_key(key))?.with_endpoint_kind(kind))
    }

    /// Sets the endpoint kind (default [`Endpoint::GaV1`]).
    #[must_use]
    pub fn with_endpoint_kind(mut self, kind: Endpoint) -> Self {
        self.kind = kind;
        self
    }

    /// Sets the unsupported-field policy (default [`UnsupportedPolicy::Error`]).
    #[must_use]
    pub fn with_policy(mut self, policy: UnsupportedPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Turns dialect detection on (default) or off.
    #[must_use]
    pub fn with_dialect_detection(mut self, enabled: bool) -> Self {
        self.detect_dialect = enabled;
        self
    }

    /// Overrides the Entra ID scope (default: [`PREVIEW_SCOPE`] for previews,
    /// [`GA_V1_SCOPE`] for GA v1).
    #[must_use]
    pub fn with_entra_scope(mut self, scope: impl Into<String>) -> Self {
        self.entra_scope = Some(scope.into());
        self
    }

    /// The resource endpoint.
    pub fn endpoint(&self) -> &ResourceEndpoint {
        &self.endpoint
    }

    /// The deployment name.
    pub fn deployment(&self) -> &str {
        &self.deployment
    }

    /// The endpoint kind.
    pub fn endpoint_kind(&self) -> Endpoint {
        self.kind
    }

    /// The authentication.
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// The unsupported-field policy.
    pub fn policy(&self) -> UnsupportedPolicy {
        self.policy
    }

    /// Whether dialect detection is on.
    pub fn detects_dialect(&self) -> bool {
        self.detect_dialect
    }

    /// The Entra ID scope tokens are asked for.
    pub fn entra_scope(&self) -> &str {
        match (&self.entra_scope, self.kind) {
            (Some(scope), _) => scope,
            (None, Endpoint::GaV1) => GA_V1_SCOPE,
            (None, Endpoint::Preview(_)) => PREVIEW_SCOPE,
        }
    }

    /// The WebSocket URL.
    pub fn url(&self) -> String {
        self.endpoint.realtime_url(self.kind, &self.deployment)
    }

    /// The dialect of the configured endpoint, with the configured policy.
    pub fn dialect(&self) -> AzureOpenAiDialect {
        match self.kind {
            Endpoint::GaV1 => AzureOpenAiDialect::ga_v1(),
            Endpoint::Preview(version) => AzureOpenAiDialect::preview(version),
        }
        .with_policy(self.policy)
        .with_dialect_detection(self.detect_dialect)
    }

    /// A dialect detector for a new connection (disabled for previews or when
    /// detection is off).
    pub fn dialect_detector(&self) -> DialectDetector {
        DialectDetector::for_dialect(&self.dialect(), self.detect_dialect)
    }
}
