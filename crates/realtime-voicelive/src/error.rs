//! Configuration errors of the Voice Live connector.

/// The provider name used in errors, capability tables and extension ownership.
pub const PROVIDER: &str = "Azure AI Voice Live";

/// A [`VoiceLiveConfig`](crate::VoiceLiveConfig) could not be built, or a connect
/// request could not be prepared from it.
///
/// Every message names the provider and says what was expected and what came. No
/// variant ever holds an API key or a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No endpoint was given.
    #[error(
        "Azure AI Voice Live: missing endpoint: expected https://<resource>.services.ai.azure.com \
         (or the legacy https://<resource>.cognitiveservices.azure.com)"
    )]
    MissingEndpoint,
    /// The endpoint is not a URL this connector understands.
    #[error("Azure AI Voice Live: invalid endpoint: expected {expected}, got `{found}`")]
    InvalidEndpoint {
        /// What an endpoint must look like.
        expected: &'static str,
        /// What was given (without any query string).
        found: String,
    },
    /// Neither a model nor an agent was given.
    #[error(
        "Azure AI Voice Live: expected a model (`model=`) or an agent (`agent-name=` + \
         `agent-project-name=`), got neither"
    )]
    MissingTarget,
    /// Both a model and an agent were given; the service takes one or the other.
    #[error(
        "Azure AI Voice Live: expected a model or an agent, got both (model `{model}`, agent `{agent}`)"
    )]
    ModelAndAgent {
        /// The model asked for.
        model: String,
        /// The agent asked for.
        agent: String,
    },
    /// An `api-version` this crate does not speak.
    #[error(
        "Azure AI Voice Live: unsupported api-version: expected one of {}, got `{found}`",
        crate::version::ApiVersion::list()
    )]
    InvalidApiVersion {
        /// The version given.
        found: String,
    },
    /// No credentials were given.
    #[error(
        "Azure AI Voice Live: missing credentials: expected an API key or an Entra ID token credential"
    )]
    MissingAuth,
    /// An environment variable `from_env` needs is not set.
    #[error("Azure AI Voice Live: missing environment variable `{name}`")]
    MissingVariable {
        /// The variable.
        name: &'static str,
    },
    /// A credential (API key or token) cannot be sent as an HTTP header value.
    #[error(
        "Azure AI Voice Live: invalid {what}: expected visible ASCII without control characters, got {len} characters that are not"
    )]
    InvalidCredential {
        /// `API key` or `access token`.
        what: &'static str,
        /// Its length (the value itself is never shown).
        len: usize,
    },
    /// The token credential failed to give a token.
    #[error("Azure AI Voice Live: Entra ID token request for scope `{scope}` failed: {message}")]
    Token {
        /// The scope asked for.
        scope: String,
        /// The credential's message.
        message: String,
    },
}
