//! The SDP exchange of a browser-direct WebRTC call, with an ephemeral key from
//! [`EphemeralKeys`](crate::EphemeralKeys).
//!
//! | endpoint | request | answer |
//! |---|---|---|
//! | GA v1 | `POST https://R.openai.azure.com/openai/v1/realtime/calls?webrtcfilter=on`, `Content-Type: application/sdp`, `Authorization: Bearer <ek>` | `201`, the SDP answer, `Location: /v1/realtime/calls/<call_id>` (no `/openai` prefix) |
//! | preview | `POST https://<region>.realtimeapi-preview.ai.azure.com/v1/realtimertc?model=<deployment>`, same headers | the SDP answer; no call id, no sideband |
//!
//! `webrtcfilter=on` limits the events the browser's data channel receives; the server
//! sees every event on the sideband. The preview's region must be the resource's
//! region (`eastus2` or `swedencentral`). Shapes: the recorded Azure cassette and the
//! Azure WebRTC docs, condensed in `fixtures/azure-openai/webrtc-and-ephemeral.condensed.json`.
//!
//! Barge-in on WebRTC: the browser plays the audio, so the server learns what was
//! heard either from the page (it reports its playback position over its own channel
//! and the app feeds it to the agent session's playback tracker) or from the
//! `output_audio_buffer.*` events the service sends on the sideband for WebRTC calls.

use realtime_core::transport::Secret;

use crate::config::AzureOpenAiConfig;
use crate::connector::AzureOpenAiConnector;
use crate::dialect::PROVIDER;
use crate::endpoint::{Endpoint, percent_encode};
use crate::webrtc_http::{self, WebRtcRequest};
use crate::{WebRtcError, WebRtcStep};

const STEP: WebRtcStep = WebRtcStep::SdpExchange;

/// Where the preview's WebRTC endpoint is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PreviewRtcHost {
    /// `https://<region>.realtimeapi-preview.ai.azure.com` (the resource's region).
    Region(String),
    /// Another base URL (a gateway, or a local emulator), without a trailing `/`.
    Url(String),
}

impl PreviewRtcHost {
    fn base(&self) -> String {
        match self {
            Self::Region(region) => format!("https://{region}.realtimeapi-preview.ai.azure.com"),
            Self::Url(url) => url.trim_end_matches('/').to_owned(),
        }
    }
}

/// The service's answer to an SDP offer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SdpAnswer {
    /// The SDP answer, for `RTCPeerConnection.setRemoteDescription`.
    pub sdp: String,
    /// The call id, for the sideband attach (GA v1; the preview has none).
    pub call_id: Option<String>,
}

/// The SDP exchange on one Azure OpenAI deployment.
///
/// ```
/// use realtime_azure_openai::{Auth, AzureOpenAiConfig, WebRtcCalls};
/// use realtime_core::transport::Secret;
///
/// let config = AzureOpenAiConfig::new(
///     "https://my-resource.openai.azure.com".parse()?,
///     "gpt-realtime",
///     Auth::api_key("not-a-real-key"),
/// )?;
/// let calls = WebRtcCalls::new(config)?;
/// let request = calls.offer_request(&Secret::new("ek_1"), "v=0\r\n")?;
/// assert_eq!(request.url, "https://my-resource.openai.azure.com/openai/v1/realtime/calls?webrtcfilter=on");
/// let answer = calls.parse_answer(201, Some("/v1/realtime/calls/rtc_1"), "v=0\r\n")?;
/// assert_eq!(answer.call_id.as_deref(), Some("rtc_1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct WebRtcCalls {
    connector: AzureOpenAiConnector,
    http: reqwest::Client,
    preview_host: Option<PreviewRtcHost>,
}

impl WebRtcCalls {
    /// Uses `config` and an HTTP client with [`WEBRTC_TIMEOUT`](crate::WEBRTC_TIMEOUT).
    ///
    /// # Errors
    /// [`WebRtcError::Transport`] if the HTTP client cannot be built.
    pub fn new(config: AzureOpenAiConfig) -> Result<Self, WebRtcError> {
        Ok(Self::with_client(
            config,
            webrtc_http::default_client(STEP)?,
        ))
    }

    /// Uses `config` and the caller's HTTP client (give it a timeout).
    pub fn with_client(config: AzureOpenAiConfig, http: reqwest::Client) -> Self {
        Self {
            connector: AzureOpenAiConnector::new(config),
            http,
            preview_host: None,
        }
    }

    /// The preview's WebRTC host (required on a preview configuration: the region is
    /// not part of the resource endpoint).
    #[must_use]
    pub fn with_preview_host(mut self, host: PreviewRtcHost) -> Self {
        self.preview_host = Some(host);
        self
    }

    /// The browser's request, without I/O: the raw offer with the ephemeral key.
    ///
    /// # Errors
    /// [`WebRtcError::InvalidRequest`] for an offer that is not SDP, an empty key, or
    /// a preview configuration without [`with_preview_host`](Self::with_preview_host).
    pub fn offer_request(
        &self,
        ephemeral_key: &Secret,
        sdp: &str,
    ) -> Result<WebRtcRequest, WebRtcError> {
        let invalid = |reason: &str| WebRtcError::InvalidRequest {
            provider: PROVIDER,
            step: STEP,
            reason: reason.to_owned(),
        };
        if !sdp.trim_start().starts_with("v=") {
            return Err(invalid(
                "expected an SDP offer (starting with `v=`), got something else",
            ));
        }
        if ephemeral_key.expose().trim().is_empty() {
            return Err(invalid("expected an ephemeral key, got an empty one"));
        }
        let config = self.connector.config();
        let url = match config.endpoint_kind() {
            Endpoint::Preview(_) => {
                let host = self.preview_host.as_ref().ok_or_else(|| {
                    invalid(
                        "the preview's WebRTC endpoint is regional: expected a host from \
                         `with_preview_host`, got none",
                    )
                })?;
                format!(
                    "{}/v1/realtimertc?model={}",
                    host.base(),
                    percent_encode(config.deployment())
                )
            }
            _ => format!(
                "{}/openai/v1/realtime/calls?webrtcfilter=on",
                webrtc_http::rest_base(&self.connector)
            ),
        };
        Ok(WebRtcRequest {
            url,
            credential: (
                "Authorization".to_owned(),
                Secret::new(format!("Bearer {}", ephemeral_key.expose())),
            ),
            content_type: "application/sdp",
            body: sdp.to_owned(),
        })
    }

    /// Reads the answer, without I/O. On GA v1 the call id is the last segment of
    /// `Location`.
    ///
    /// # Errors
    /// [`WebRtcError::KeyRefused`] (401, 403), [`WebRtcError::SdpRejected`] (400,
    /// 415, 422), [`WebRtcError::Status`]; [`WebRtcError::InvalidResponse`] for a
    /// success that is not SDP, or a GA v1 answer without a call id.
    pub fn parse_answer(
        &self,
        status: u16,
        location: Option<&str>,
        body: &str,
    ) -> Result<SdpAnswer, WebRtcError> {
        WebRtcError::check_status(PROVIDER, STEP, status, body, &[])?;
        if !body.trim_start().starts_with("v=") {
            return Err(WebRtcError::InvalidResponse {
                provider: PROVIDER,
                step: STEP,
                expected: "an SDP answer (starting with `v=`)",
                found: format!("a body of {} bytes that is not SDP", body.len()),
            });
        }
        let preview = matches!(
            self.connector.config().endpoint_kind(),
            Endpoint::Preview(_)
        );
        let call_id = call_id_from_location(location);
        if !preview && call_id.is_none() {
            return Err(WebRtcError::InvalidResponse {
                provider: PROVIDER,
                step: STEP,
                expected: "a `Location: /v1/realtime/calls/<call_id>` header",
                found: location.map_or_else(|| "no Location".to_owned(), |l| format!("`{l}`")),
            });
        }
        Ok(SdpAnswer {
            sdp: body.to_owned(),
            call_id,
        })
    }

    /// Posts the offer and reads the answer.
    ///
    /// # Errors
    /// As [`offer_request`](Self::offer_request) and
    /// [`parse_answer`](Self::parse_answer), plus [`WebRtcError::Transport`].
    pub async fn exchange(
        &self,
        ephemeral_key: &Secret,
        sdp: &str,
    ) -> Result<SdpAnswer, WebRtcError> {
        let request = self.offer_request(ephemeral_key, sdp)?;
        let response = webrtc_http::post(&self.http, &request, STEP).await?;
        WebRtcError::check_status(
            PROVIDER,
            STEP,
            response.status,
            &response.body,
            &[&request.credential.1],
        )?;
        self.parse_answer(
            response.status,
            response.location.as_deref(),
            &response.body,
        )
    }
}

/// The last path segment of `Location` (`/v1/realtime/calls/rtc_…`).
fn call_id_from_location(location: Option<&str>) -> Option<String> {
    let path = location?.split(['?', '#']).next()?.trim_end_matches('/');
    let (prefix, id) = path.rsplit_once('/')?;
    (prefix.ends_with("/calls") && !id.is_empty()).then(|| id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::call_id_from_location;

    #[test]
    fn call_id_is_the_last_segment_of_a_calls_location() {
        assert_eq!(
            call_id_from_location(Some("/v1/realtime/calls/rtc_abc")).as_deref(),
            Some("rtc_abc")
        );
        assert_eq!(call_id_from_location(Some("/v1/realtime/x/rtc_abc")), None);
        assert_eq!(call_id_from_location(Some("/v1/realtime/calls/")), None);
        assert_eq!(call_id_from_location(None), None);
    }
}
