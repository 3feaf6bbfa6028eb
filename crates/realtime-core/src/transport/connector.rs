//! [`Connector`]: how a provider says where and how to connect.

use std::fmt;

use async_trait::async_trait;

use super::request::ConnectRequest;

/// A connector could not produce a [`ConnectRequest`] (for example, fetching an
/// Entra ID token failed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{provider}: could not prepare the connection: {message}")]
pub struct ConnectError {
    /// The provider whose connector failed.
    pub provider: &'static str,
    /// What went wrong. Must not contain secrets.
    pub message: String,
}

impl ConnectError {
    /// Creates an error for `provider`.
    pub fn new(provider: &'static str, message: impl Into<String>) -> Self {
        Self {
            provider,
            message: message.into(),
        }
    }
}

/// Supplies the URL, headers and subprotocols for each connection attempt.
///
/// Provider crates implement it (API key headers, Entra ID tokens fetched or
/// refreshed per connect, ephemeral client secrets). Its `Debug` must not reveal
/// secrets: hold them in [`Secret`](super::Secret).
#[async_trait]
pub trait Connector: fmt::Debug + Send + Sync {
    /// A short provider name for logs and errors, e.g. `openai` or `azure-openai`.
    fn provider(&self) -> &'static str;

    /// Builds the request for one connection attempt.
    async fn request(&self) -> Result<ConnectRequest, ConnectError>;
}

/// A [`Connector`] with a fixed request, for tests and simple uses.
///
/// ```
/// use realtime_core::transport::{ConnectRequest, Connector, StaticConnector};
///
/// let connector = StaticConnector::new(
///     "example",
///     ConnectRequest::new("ws://127.0.0.1:9/").secret_header("api-key", "hunter2"),
/// );
/// assert_eq!(connector.provider(), "example");
/// assert!(!format!("{connector:?}").contains("hunter2"));
/// ```
#[derive(Debug, Clone)]
pub struct StaticConnector {
    provider: &'static str,
    request: ConnectRequest,
}

impl StaticConnector {
    /// A connector that always returns `request` and reports `provider`.
    pub fn new(provider: &'static str, request: ConnectRequest) -> Self {
        Self { provider, request }
    }
}

#[async_trait]
impl Connector for StaticConnector {
    fn provider(&self) -> &'static str {
        self.provider
    }

    async fn request(&self) -> Result<ConnectRequest, ConnectError> {
        Ok(self.request.clone())
    }
}
