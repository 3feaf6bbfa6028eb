//! The sideband: the server's WebSocket to a WebRTC (or SIP) call the browser
//! started, `wss://R.openai.azure.com/openai/v1/realtime?call_id=<call_id>` with the
//! resource's API key or Entra ID token (GA v1 only; no `model`, no `api-version`).
//! On it the server runs the agent — tools, handoffs, guardrails — with the same
//! [`AgentRunner`](realtime_core::agent::AgentRunner) API as on any connection, while
//! the browser carries only media.

use async_trait::async_trait;
use azure_core::time::OffsetDateTime;
use realtime_core::client::RealtimeClient;
use realtime_core::transport::{ConnectError, ConnectRequest, Connector};

use crate::config::AzureOpenAiConfig;
use crate::connector::{AzureOpenAiConnector, CONNECTOR_PROVIDER};
use crate::dialect::PROVIDER;
use crate::endpoint::{Endpoint, percent_encode};
use crate::{WebRtcError, WebRtcStep};

/// Connects to an existing call by `call_id` (GA v1), authenticating like
/// [`AzureOpenAiConnector`]. `Debug` shows no secret.
///
/// ```
/// use realtime_azure_openai::{Auth, AzureOpenAiConfig, SidebandConnector};
/// use realtime_core::transport::Connector;
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let config = AzureOpenAiConfig::new(
///     "https://my-resource.openai.azure.com".parse()?,
///     "gpt-realtime",
///     Auth::api_key("not-a-real-key"),
/// )?;
/// let request = SidebandConnector::new(config, "rtc_123")?.request().await?;
/// assert_eq!(request.url, "wss://my-resource.openai.azure.com/openai/v1/realtime?call_id=rtc_123");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SidebandConnector {
    inner: AzureOpenAiConnector,
    call_id: String,
}

impl SidebandConnector {
    /// A connector attaching to `call_id` on `config`'s resource.
    ///
    /// # Errors
    /// [`WebRtcError::InvalidRequest`] for an empty call id or a preview
    /// configuration (the preview's WebRTC has no sideband).
    pub fn new(config: AzureOpenAiConfig, call_id: impl Into<String>) -> Result<Self, WebRtcError> {
        let call_id = call_id.into().trim().to_owned();
        let invalid = |reason: &str| WebRtcError::InvalidRequest {
            provider: PROVIDER,
            step: WebRtcStep::Sideband,
            reason: reason.to_owned(),
        };
        if call_id.is_empty() {
            return Err(invalid("expected a call id (`rtc_…`), got an empty one"));
        }
        if matches!(config.endpoint_kind(), Endpoint::Preview(_)) {
            return Err(invalid(
                "the sideband attach is a GA v1 endpoint (`/openai/v1/realtime?call_id=`); \
                 expected a GA v1 configuration, got a preview",
            ));
        }
        Ok(Self {
            inner: AzureOpenAiConnector::new(config),
            call_id,
        })
    }

    /// The call id.
    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    /// The sideband URL.
    pub fn url(&self) -> String {
        let endpoint = self.inner.config().endpoint();
        let scheme = if endpoint.is_secure() { "wss" } else { "ws" };
        let http = endpoint.to_string();
        let rest = http
            .split_once("://")
            .map_or(http.as_str(), |(_, rest)| rest);
        format!(
            "{scheme}://{rest}/openai/v1/realtime?call_id={}",
            percent_encode(&self.call_id)
        )
    }
}

#[async_trait]
impl Connector for SidebandConnector {
    fn provider(&self) -> &'static str {
        CONNECTOR_PROVIDER
    }

    async fn request(&self) -> Result<ConnectRequest, ConnectError> {
        let mut request = self.inner.request_at(OffsetDateTime::now_utc()).await?;
        request.url = self.url();
        Ok(request)
    }
}

impl AzureOpenAiConfig {
    /// A client attached to call `call_id` over the sideband: give it to
    /// [`AgentRunner::new`](realtime_core::agent::AgentRunner::new) to run the agent
    /// on the browser's call.
    ///
    /// # Errors
    /// As [`SidebandConnector::new`].
    pub fn sideband_client(&self, call_id: &str) -> Result<RealtimeClient, WebRtcError> {
        Ok(RealtimeClient::new(
            self.dialect(),
            SidebandConnector::new(self.clone(), call_id)?,
        ))
    }
}
