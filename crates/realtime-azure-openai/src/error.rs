//! Configuration errors.

/// A configuration the connector cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The resource endpoint is not a URL the connector can use.
    #[error("Azure OpenAI: invalid endpoint: expected {expected}, got `{found}`")]
    InvalidEndpoint {
        /// What was given (without any query string, which may hold a key).
        found: String,
        /// What the connector accepts.
        expected: &'static str,
    },
    /// The deployment name is empty.
    #[error(
        "Azure OpenAI: expected the name of a realtime deployment (e.g. `gpt-realtime`), got an empty deployment name"
    )]
    EmptyDeployment,
    /// The API key is empty.
    #[error("Azure OpenAI: expected an API key, got an empty one")]
    EmptyApiKey,
    /// A required environment variable is not set (or empty).
    #[error("Azure OpenAI: environment variable `{name}` is not set: {hint}")]
    MissingVariable {
        /// The variable.
        name: &'static str,
        /// What it should hold.
        hint: &'static str,
    },
    /// An `api-version` this crate does not know.
    #[error(
        "Azure OpenAI: expected api-version 2024-10-01-preview, 2024-12-17 or 2025-04-01-preview (or none for the GA v1 endpoint), got `{found}`"
    )]
    UnknownApiVersion {
        /// The value given.
        found: String,
    },
}
