//! [`OpenAiConfig`]: credentials, endpoint and session target of an OpenAI connection.
//!
//! Connection facts come from `fixtures/openai-ga/SOURCE.md` and DIALECTS.md §1:
//! `wss://api.openai.com/v1/realtime?model=M`, or `call_id=` instead of `model=` to
//! attach to a WebRTC/SIP call, or `intent=transcription` (with no model) for a
//! transcription session; `Authorization: Bearer <key>`; never `OpenAI-Beta`.

use realtime_core::dialect::UnsupportedPolicy;

use crate::dialect::OpenAiDialect;
use crate::error::ConfigError;
use crate::secret::Secret;
use crate::url::{Endpoints, percent_encode};

/// The model used when none is given.
pub const DEFAULT_MODEL: &str = "gpt-realtime";
/// The realtime WebSocket endpoint used when no base URL is given.
pub const DEFAULT_BASE_URL: &str = "wss://api.openai.com/v1/realtime";
/// The environment variable holding the API key (required by [`OpenAiConfig::from_env`]).
pub const API_KEY_VAR: &str = "OPENAI_API_KEY";
/// The environment variable holding a base URL override (optional).
pub const BASE_URL_VAR: &str = "OPENAI_BASE_URL";

/// What a connection is for (the `intent` query parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Intent {
    /// A speech-to-speech conversation (`intent=realtime`).
    Realtime,
    /// Transcription only (`intent=transcription`); the URL then names no model.
    Transcription,
}

impl Intent {
    /// The query value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Realtime => "realtime",
            Self::Transcription => "transcription",
        }
    }
}

/// The URL and headers of the WebSocket handshake, computed without I/O.
///
/// `Debug` redacts header values (they are [`Secret`]s).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectParts {
    /// The full `wss://` URL with its query.
    pub url: String,
    /// Handshake headers: exactly `Authorization: Bearer <key>`.
    pub headers: Vec<(String, Secret)>,
}

/// A validated OpenAI configuration. Build it with [`OpenAiConfig::builder`] or
/// [`OpenAiConfig::from_env`].
///
/// `Debug` never shows the API key.
///
/// ```
/// use realtime_openai::OpenAiConfig;
///
/// let config = OpenAiConfig::builder("sk-test").model("gpt-realtime-mini").build()?;
/// let parts = config.connect_request();
/// assert_eq!(parts.url, "wss://api.openai.com/v1/realtime?model=gpt-realtime-mini");
/// assert!(!format!("{config:?}").contains("sk-test"));
/// # Ok::<(), realtime_openai::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAiConfig {
    api_key: Secret,
    endpoints: Endpoints,
    model: Option<String>,
    call_id: Option<String>,
    intent: Option<Intent>,
    policy: UnsupportedPolicy,
}

impl OpenAiConfig {
    /// Starts a configuration with `api_key` (a standard key, or an ephemeral client
    /// secret from [`ClientSecrets`](crate::ClientSecrets)).
    pub fn builder(api_key: impl Into<Secret>) -> OpenAiConfigBuilder {
        OpenAiConfigBuilder::new(api_key)
    }

    /// Reads `OPENAI_API_KEY` (required) and `OPENAI_BASE_URL` (optional) from the
    /// process environment.
    ///
    /// # Errors
    /// [`ConfigError::MissingEnv`] naming `OPENAI_API_KEY` when it is unset or empty;
    /// [`ConfigError::Invalid`] when `OPENAI_BASE_URL` is not a usable URL.
    pub fn from_env() -> Result<Self, ConfigError> {
        OpenAiConfigBuilder::from_env()?.build()
    }

    /// The API key.
    pub fn api_key(&self) -> &Secret {
        &self.api_key
    }

    /// The realtime WebSocket URL, without query.
    pub fn websocket_url(&self) -> &str {
        &self.endpoints.websocket
    }

    /// The REST base, e.g. `https://api.openai.com/v1`.
    pub fn rest_base(&self) -> &str {
        &self.endpoints.rest
    }

    /// The model the URL names: `None` when attaching to a call or opening a
    /// transcription session, otherwise the model given or [`DEFAULT_MODEL`].
    pub fn model(&self) -> Option<&str> {
        if self.call_id.is_some() || self.intent == Some(Intent::Transcription) {
            None
        } else {
            Some(self.model.as_deref().unwrap_or(DEFAULT_MODEL))
        }
    }

    /// The call to attach to, if any.
    pub fn call_id(&self) -> Option<&str> {
        self.call_id.as_deref()
    }

    /// The intent, if given.
    pub fn intent(&self) -> Option<Intent> {
        self.intent
    }

    /// The unsupported-field policy of the dialect this configuration gives.
    pub fn policy(&self) -> UnsupportedPolicy {
        self.policy
    }

    /// The dialect to encode and decode with, using this configuration's policy.
    pub fn dialect(&self) -> OpenAiDialect {
        OpenAiDialect::new().with_policy(self.policy)
    }

    /// The handshake URL and headers.
    ///
    /// The query is `call_id=…` when attaching to a call, else `model=…` unless the
    /// intent is transcription; then `intent=…` when given. Values are
    /// percent-encoded.
    pub fn connect_request(&self) -> ConnectParts {
        let mut query: Vec<(&str, &str)> = Vec::new();
        if let Some(call_id) = &self.call_id {
            query.push(("call_id", call_id));
        } else if let Some(model) = self.model() {
            query.push(("model", model));
        }
        if let Some(intent) = self.intent {
            query.push(("intent", intent.as_str()));
        }
        let mut url = self.endpoints.websocket.clone();
        for (n, (key, value)) in query.iter().enumerate() {
            url.push(if n == 0 { '?' } else { '&' });
            url.push_str(key);
            url.push('=');
            url.push_str(&percent_encode(value));
        }
        ConnectParts {
            url,
            headers: vec![self.authorization()],
        }
    }

    /// The `Authorization: Bearer <key>` header.
    pub(crate) fn authorization(&self) -> (String, Secret) {
        (
            "Authorization".to_owned(),
            Secret::new(format!("Bearer {}", self.api_key.expose())),
        )
    }
}

/// Builds an [`OpenAiConfig`]. Every method takes and returns the builder; nothing is
/// checked until [`build`](Self::build).
///
/// `Debug` never shows the API key.
#[derive(Debug, Clone)]
#[must_use]
pub struct OpenAiConfigBuilder {
    api_key: Secret,
    base_url: Option<(&'static str, String)>,
    model: Option<String>,
    call_id: Option<String>,
    intent: Option<Intent>,
    policy: UnsupportedPolicy,
}

impl OpenAiConfigBuilder {
    /// Starts with `api_key`, the default endpoint and model, and
    /// [`UnsupportedPolicy::Error`].
    pub fn new(api_key: impl Into<Secret>) -> Self {
        Self {
            api_key: api_key.into(),
            base_url: None,
            model: None,
            call_id: None,
            intent: None,
            policy: UnsupportedPolicy::default(),
        }
    }

    /// Starts from the process environment: `OPENAI_API_KEY` (required) and
    /// `OPENAI_BASE_URL` (optional).
    ///
    /// # Errors
    /// [`ConfigError::MissingEnv`] naming `OPENAI_API_KEY` when it is unset or empty.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup` (for
    /// tests, or configuration stores other than the process environment). Empty
    /// values count as unset.
    ///
    /// # Errors
    /// [`ConfigError::MissingEnv`] naming `OPENAI_API_KEY` when it is unset or empty.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let read = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let api_key = read(API_KEY_VAR).ok_or(ConfigError::MissingEnv {
            variable: API_KEY_VAR,
            expected: "an OpenAI API key (sk-…) or an ephemeral client secret (ek_…)",
        })?;
        let mut builder = Self::new(api_key.trim());
        if let Some(base) = read(BASE_URL_VAR) {
            builder.base_url = Some((BASE_URL_VAR, base));
        }
        Ok(builder)
    }

    /// Overrides the endpoint: a `ws(s)://…/realtime` URL, or an `http(s)://` API
    /// base such as `https://api.openai.com/v1` (the REST endpoints and the WebSocket
    /// URL are derived from either). Default: [`DEFAULT_BASE_URL`].
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(("base_url", base_url.into()));
        self
    }

    /// Sets the model (default [`DEFAULT_MODEL`]). Excludes [`call_id`](Self::call_id)
    /// and the transcription intent.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// Attaches to an existing WebRTC or SIP call: the URL carries `call_id=` instead
    /// of `model=`. Excludes [`model`](Self::model).
    pub fn call_id(mut self, call_id: impl Into<String>) -> Self {
        self.call_id = Some(call_id.into());
        self
    }

    /// Sets the intent.
    pub fn intent(mut self, intent: Intent) -> Self {
        self.intent = Some(intent);
        self
    }

    /// Opens a transcription session (`intent=transcription`, no model in the URL).
    /// Send a `session.update` with
    /// [`SessionKind::Transcription`](realtime_core::protocol::SessionKind::Transcription).
    pub fn transcription(self) -> Self {
        self.intent(Intent::Transcription)
    }

    /// Sets the unsupported-field policy (default [`UnsupportedPolicy::Error`]).
    pub fn policy(mut self, policy: UnsupportedPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Checks the options and builds the configuration.
    ///
    /// # Errors
    /// [`ConfigError::EmptyApiKey`]; [`ConfigError::Conflict`] for a model together
    /// with a call id or the transcription intent; [`ConfigError::Invalid`] for an
    /// empty model or call id, or an unusable base URL.
    pub fn build(self) -> Result<OpenAiConfig, ConfigError> {
        if self.api_key.expose().trim().is_empty() {
            return Err(ConfigError::EmptyApiKey);
        }
        for (field, value) in [("model", &self.model), ("call_id", &self.call_id)] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(ConfigError::Invalid {
                    field: field.into(),
                    expected: "a non-empty string".into(),
                    found: String::new(),
                });
            }
        }
        if self.model.is_some() && self.call_id.is_some() {
            return Err(ConfigError::Conflict {
                first: "model",
                second: "call_id",
                reason: "attaching to a call puts `call_id` in the URL instead of `model`; \
                         the call's session already has its model",
            });
        }
        if self.model.is_some() && self.intent == Some(Intent::Transcription) {
            return Err(ConfigError::Conflict {
                first: "model",
                second: "intent=transcription",
                reason: "a transcription session names no model in the URL; set the \
                         transcription model in the session's audio.input.transcription",
            });
        }
        let endpoints = match &self.base_url {
            Some((field, base)) => Endpoints::from_base(field, base)?,
            None => Endpoints::from_base("base_url", DEFAULT_BASE_URL)?,
        };
        Ok(OpenAiConfig {
            api_key: self.api_key,
            endpoints,
            model: self.model,
            call_id: self.call_id,
            intent: self.intent,
            policy: self.policy,
        })
    }
}
