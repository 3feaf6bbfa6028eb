//! The thin HTTP half of the WebRTC helpers: an HTTP client with a timeout, the
//! resource's credential as a header (the connector's, so Entra ID tokens are cached
//! the same way), and one `POST`.

use std::time::Duration;

use realtime_core::transport::{Connector, Secret};
use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue, LOCATION};

use crate::connector::AzureOpenAiConnector;
use crate::dialect::PROVIDER;
use crate::{WebRtcError, WebRtcStep};

/// How long one REST call of the WebRTC flow (mint, SDP exchange) may take,
/// connection included, unless the caller brings its own `reqwest::Client`.
pub const WEBRTC_TIMEOUT: Duration = Duration::from_secs(20);

/// A `POST` built without I/O. `Debug` redacts the credential.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WebRtcRequest {
    /// The full URL.
    pub url: String,
    /// The credential header: `api-key`, or `Authorization` with `Bearer …`.
    pub credential: (String, Secret),
    /// `application/json` or `application/sdp`.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
}

/// What came back.
pub(crate) struct WebRtcResponse {
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    pub(crate) body: String,
}

pub(crate) fn default_client(step: WebRtcStep) -> Result<reqwest::Client, WebRtcError> {
    reqwest::Client::builder()
        .timeout(WEBRTC_TIMEOUT)
        .build()
        .map_err(|error| WebRtcError::Transport {
            provider: PROVIDER,
            step,
            message: error.to_string(),
        })
}

/// The resource's credential header (the API key, or a cached Entra ID token).
pub(crate) async fn credential(
    connector: &AzureOpenAiConnector,
    step: WebRtcStep,
) -> Result<(String, Secret), WebRtcError> {
    let request = connector
        .request()
        .await
        .map_err(|error| WebRtcError::Credential {
            provider: PROVIDER,
            step,
            message: error.to_string(),
        })?;
    request
        .headers
        .into_iter()
        .next()
        .map(|(name, value)| (name, Secret::new(value.expose())))
        .ok_or_else(|| WebRtcError::Credential {
            provider: PROVIDER,
            step,
            message: "the connector gave no credential header".to_owned(),
        })
}

/// Sends `request`.
pub(crate) async fn post(
    http: &reqwest::Client,
    request: &WebRtcRequest,
    step: WebRtcStep,
) -> Result<WebRtcResponse, WebRtcError> {
    let transport = |error: reqwest::Error| WebRtcError::Transport {
        provider: PROVIDER,
        step,
        message: error.without_url().to_string(),
    };
    let invalid = || WebRtcError::InvalidRequest {
        provider: PROVIDER,
        step,
        reason: "the credential holds characters a header cannot carry".to_owned(),
    };
    let (name, value) = &request.credential;
    let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?;
    let mut value = HeaderValue::from_str(value.expose()).map_err(|_| invalid())?;
    value.set_sensitive(true);
    tracing::debug!(%step, "calling Azure OpenAI");
    let response = http
        .post(&request.url)
        .header(name, value)
        .header(CONTENT_TYPE, request.content_type)
        .body(request.body.clone())
        .send()
        .await
        .map_err(transport)?;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get(LOCATION)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let body = response.text().await.map_err(transport)?;
    Ok(WebRtcResponse {
        status,
        location,
        body,
    })
}

/// The resource's REST base (`https://R.openai.azure.com`, any gateway prefix kept).
pub(crate) fn rest_base(connector: &AzureOpenAiConnector) -> String {
    connector.config().endpoint().to_string()
}
