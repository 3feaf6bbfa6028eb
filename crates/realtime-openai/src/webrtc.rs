//! Browser-direct WebRTC with the agent on the server: the agent's session minted into
//! an ephemeral key, the SDP exchange on `POST /v1/realtime/calls`, and the sideband
//! WebSocket that attaches the server's agent to the call by `call_id`.
//!
//! Shapes (`fixtures/azure-openai/webrtc-and-ephemeral.condensed.json` and the
//! recorded `fixtures/openai-ga/recorded/…/test_webrtc_sideband_*.yaml`): the calls
//! endpoint takes either `multipart/form-data` with an `sdp` part (`application/sdp`)
//! and an optional `session` part (`application/json`, a GA session) with the API key
//! (the SDK's form), or the raw offer as `application/sdp` with an ephemeral `ek_…`
//! key (the browser's form). It answers `201 Created`, the SDP answer as the body and
//! `Location: /v1/realtime/calls/<call_id>`. The sideband socket is
//! `wss://api.openai.com/v1/realtime?call_id=<call_id>` with the API key
//! ([`OpenAiConfigBuilder::call_id`](crate::OpenAiConfigBuilder::call_id)).
//!
//! Barge-in on WebRTC: the audio plays in the browser, so the server learns what was
//! heard either from the page (it reports its playback position over its own channel,
//! and the app feeds it to the agent session's playback tracker) or from OpenAI's
//! `output_audio_buffer.started` / `output_audio_buffer.stopped` /
//! `output_audio_buffer.cleared` events, which WebRTC sessions send on the sideband.

use std::time::Duration;

use realtime_core::agent::Agent;
use realtime_core::protocol::SessionConfig;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, LOCATION};
use serde_json::Value;

use crate::client_secrets::ClientSecretRequest;
use crate::config::OpenAiConfig;
use crate::dialect::PROVIDER;
use crate::secret::Secret;
use crate::{WebRtcError, WebRtcStep};

/// How long one SDP exchange may take, connection included.
pub const SDP_TIMEOUT: Duration = Duration::from_secs(20);

/// The session that makes `agent` active on top of `base` (audio formats, turn
/// detection, transcription, modalities): the agent's instructions, tools, transfer
/// tools, tool choice and voice, as
/// [`AgentRunner`](realtime_core::agent::AgentRunner) would send them at start. Minted
/// into an ephemeral key, the browser's session holds the agent from its first
/// moment, before any data channel opens.
pub fn agent_session(agent: &Agent, base: &SessionConfig) -> SessionConfig {
    agent.session_config(base)
}

impl ClientSecretRequest {
    /// A secret whose session is `agent` on top of `base` (see [`agent_session`]); the
    /// session goes through the `openai-ga` dialect when the request is built.
    pub fn for_agent(agent: &Agent, base: &SessionConfig) -> Self {
        Self::new(agent_session(agent, base))
    }
}

/// An SDP offer request, built without I/O. `Debug` redacts the key.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SdpRequest {
    /// The full URL.
    pub url: String,
    /// `Authorization: Bearer <key>`.
    pub authorization: Secret,
    /// `application/sdp`, or `multipart/form-data; boundary=…`.
    pub content_type: String,
    /// The body.
    pub body: String,
}

/// OpenAI's answer to an SDP offer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SdpAnswer {
    /// The SDP answer, for `RTCPeerConnection.setRemoteDescription`.
    pub sdp: String,
    /// The call id (last segment of `Location`), for the sideband attach.
    pub call_id: String,
}

/// The SDP exchange with OpenAI's calls endpoint.
///
/// ```
/// use realtime_core::protocol::SessionConfig;
/// use realtime_openai::{OpenAiConfig, Secret, WebRtcCalls};
///
/// let calls = WebRtcCalls::new(OpenAiConfig::builder("sk-test").build()?)?;
/// let browser = calls.ephemeral_offer_request(&Secret::new("ek_1"), "v=0\r\n")?;
/// assert_eq!(browser.url, "https://api.openai.com/v1/realtime/calls");
/// assert_eq!(browser.content_type, "application/sdp");
/// let answer = calls.parse_answer(201, Some("/v1/realtime/calls/rtc_1"), "v=0\r\n")?;
/// assert_eq!(answer.call_id, "rtc_1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct WebRtcCalls {
    config: OpenAiConfig,
    http: reqwest::Client,
}

impl WebRtcCalls {
    /// Uses `config` (API key, REST base, policy) and an HTTP client with
    /// [`SDP_TIMEOUT`].
    ///
    /// # Errors
    /// [`WebRtcError::Transport`] if the HTTP client cannot be built.
    pub fn new(config: OpenAiConfig) -> Result<Self, WebRtcError> {
        let http = reqwest::Client::builder()
            .timeout(SDP_TIMEOUT)
            .build()
            .map_err(|error| WebRtcError::Transport {
                provider: PROVIDER,
                step: WebRtcStep::SdpExchange,
                message: error.to_string(),
            })?;
        Ok(Self::with_client(config, http))
    }

    /// Uses `config` and the caller's HTTP client (give it a timeout).
    pub fn with_client(config: OpenAiConfig, http: reqwest::Client) -> Self {
        Self { config, http }
    }

    fn url(&self) -> String {
        format!("{}/realtime/calls", self.config.rest_base())
    }

    /// The SDK's form: the API key, and `multipart/form-data` with the offer and, if
    /// given, the session (through the `openai-ga` dialect, as a `session.update`).
    ///
    /// # Errors
    /// [`WebRtcError::InvalidRequest`] for an empty offer or a session OpenAI would
    /// refuse.
    pub fn offer_request(
        &self,
        sdp: &str,
        session: Option<&SessionConfig>,
    ) -> Result<SdpRequest, WebRtcError> {
        check_offer(sdp)?;
        let session = session
            .map(|session| self.config.dialect().session_object(session))
            .transpose()
            .map_err(|error| WebRtcError::InvalidRequest {
                provider: PROVIDER,
                step: WebRtcStep::SdpExchange,
                reason: error.to_string(),
            })?
            .map(|session| Value::Object(session).to_string());
        let mut parts = vec![("sdp", "application/sdp", sdp.to_owned())];
        if let Some(session) = session {
            parts.push(("session", "application/json", session));
        }
        let (boundary, body) = multipart(&parts);
        Ok(SdpRequest {
            url: self.url(),
            authorization: self.config.authorization().1,
            content_type: format!("multipart/form-data; boundary={boundary}"),
            body,
        })
    }

    /// The browser's form: the raw offer as `application/sdp` with an ephemeral key
    /// (its session was set when the key was minted).
    ///
    /// # Errors
    /// [`WebRtcError::InvalidRequest`] for an empty offer or key.
    pub fn ephemeral_offer_request(
        &self,
        ephemeral_key: &Secret,
        sdp: &str,
    ) -> Result<SdpRequest, WebRtcError> {
        check_offer(sdp)?;
        if ephemeral_key.expose().trim().is_empty() {
            return Err(WebRtcError::InvalidRequest {
                provider: PROVIDER,
                step: WebRtcStep::SdpExchange,
                reason: "expected an ephemeral key, got an empty one".to_owned(),
            });
        }
        Ok(SdpRequest {
            url: self.url(),
            authorization: Secret::new(format!("Bearer {}", ephemeral_key.expose())),
            content_type: "application/sdp".to_owned(),
            body: sdp.to_owned(),
        })
    }

    /// Reads the answer, without I/O: `201` with the SDP answer and a `Location`
    /// naming the call.
    ///
    /// # Errors
    /// [`WebRtcError::KeyRefused`] (401, 403), [`WebRtcError::SdpRejected`] (400,
    /// 415, 422), [`WebRtcError::Status`] (others), [`WebRtcError::InvalidResponse`]
    /// for a success without an SDP answer or a call id.
    pub fn parse_answer(
        &self,
        status: u16,
        location: Option<&str>,
        body: &str,
    ) -> Result<SdpAnswer, WebRtcError> {
        let step = WebRtcStep::SdpExchange;
        WebRtcError::check_status(PROVIDER, step, status, body, &[self.config.api_key()])?;
        if !body.trim_start().starts_with("v=") {
            return Err(WebRtcError::InvalidResponse {
                provider: PROVIDER,
                step,
                expected: "an SDP answer (starting with `v=`)",
                found: format!("a body of {} bytes that is not SDP", body.len()),
            });
        }
        let call_id =
            call_id_from_location(location).ok_or_else(|| WebRtcError::InvalidResponse {
                provider: PROVIDER,
                step,
                expected: "a `Location: /v1/realtime/calls/<call_id>` header",
                found: location.map_or_else(|| "no Location".to_owned(), |l| format!("`{l}`")),
            })?;
        Ok(SdpAnswer {
            sdp: body.to_owned(),
            call_id,
        })
    }

    /// Posts `request` and reads the answer.
    ///
    /// # Errors
    /// As [`parse_answer`](Self::parse_answer), plus [`WebRtcError::Transport`].
    pub async fn exchange(&self, request: &SdpRequest) -> Result<SdpAnswer, WebRtcError> {
        let (status, location, body) = post_sdp(&self.http, request).await?;
        // An error body may quote the key this request sent (maybe an ephemeral one).
        let sent = request.authorization.expose();
        let sent = Secret::new(sent.strip_prefix("Bearer ").unwrap_or(sent));
        WebRtcError::check_status(PROVIDER, WebRtcStep::SdpExchange, status, &body, &[&sent])?;
        self.parse_answer(status, location.as_deref(), &body)
    }

    /// A configuration that attaches to `call_id` over the sideband socket, with this
    /// configuration's API key, base and policy: give its
    /// [`client`](OpenAiConfig::client) to
    /// [`AgentRunner::new`](realtime_core::agent::AgentRunner::new).
    ///
    /// # Errors
    /// [`WebRtcError::InvalidRequest`] for an empty call id.
    pub fn sideband_config(&self, call_id: &str) -> Result<OpenAiConfig, WebRtcError> {
        OpenAiConfig::builder(self.config.api_key().clone())
            .base_url(self.config.websocket_url())
            .call_id(call_id)
            .policy(self.config.policy())
            .build()
            .map_err(|error| WebRtcError::InvalidRequest {
                provider: PROVIDER,
                step: WebRtcStep::Sideband,
                reason: error.to_string(),
            })
    }
}

fn check_offer(sdp: &str) -> Result<(), WebRtcError> {
    if sdp.trim_start().starts_with("v=") {
        Ok(())
    } else {
        Err(WebRtcError::InvalidRequest {
            provider: PROVIDER,
            step: WebRtcStep::SdpExchange,
            reason: "expected an SDP offer (starting with `v=`), got something else".to_owned(),
        })
    }
}

/// The last path segment of `Location` (`/v1/realtime/calls/rtc_…`).
pub(crate) fn call_id_from_location(location: Option<&str>) -> Option<String> {
    let path = location?.split(['?', '#']).next()?.trim_end_matches('/');
    let (prefix, id) = path.rsplit_once('/')?;
    (prefix.ends_with("/calls") && !id.is_empty()).then(|| id.to_owned())
}

/// A `multipart/form-data` body with a boundary no part contains.
fn multipart(parts: &[(&str, &str, String)]) -> (String, String) {
    let mut boundary = "realtime-webrtc-boundary".to_owned();
    let mut n = 0u32;
    while parts
        .iter()
        .any(|(_, _, content)| content.contains(&boundary))
    {
        n += 1;
        boundary = format!("realtime-webrtc-boundary-{n}");
    }
    let mut body = String::new();
    for (name, content_type, content) in parts {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n{content}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (boundary, body)
}

/// Posts an SDP request: status, `Location`, body.
async fn post_sdp(
    http: &reqwest::Client,
    request: &SdpRequest,
) -> Result<(u16, Option<String>, String), WebRtcError> {
    let step = WebRtcStep::SdpExchange;
    let transport = |error: reqwest::Error| WebRtcError::Transport {
        provider: PROVIDER,
        step,
        message: error.without_url().to_string(),
    };
    let mut authorization =
        HeaderValue::from_str(request.authorization.expose()).map_err(|_| {
            WebRtcError::InvalidRequest {
                provider: PROVIDER,
                step,
                reason: "the key holds characters a header cannot carry".to_owned(),
            }
        })?;
    authorization.set_sensitive(true);
    tracing::debug!(url = %request.url, "posting an SDP offer to OpenAI");
    let response = http
        .post(&request.url)
        .header(AUTHORIZATION, authorization)
        .header(CONTENT_TYPE, request.content_type.as_str())
        .header(ACCEPT, "application/sdp")
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
    Ok((status, location, body))
}

#[cfg(test)]
mod tests {
    use super::{call_id_from_location, multipart};

    #[test]
    fn call_id_is_the_last_segment_of_a_calls_location() {
        assert_eq!(
            call_id_from_location(Some("/v1/realtime/calls/rtc_u0_abc")).as_deref(),
            Some("rtc_u0_abc")
        );
        assert_eq!(
            call_id_from_location(Some("https://x/v1/realtime/calls/rtc_1/")).as_deref(),
            Some("rtc_1")
        );
        assert_eq!(
            call_id_from_location(Some("/v1/realtime/other/rtc_1")),
            None
        );
        assert_eq!(call_id_from_location(Some("/v1/realtime/calls/")), None);
        assert_eq!(call_id_from_location(None), None);
    }

    #[test]
    fn the_boundary_is_in_no_part() {
        let (boundary, body) = multipart(&[(
            "sdp",
            "application/sdp",
            "v=0\r\nrealtime-webrtc-boundary\r\n".to_owned(),
        )]);
        assert_eq!(boundary, "realtime-webrtc-boundary-1");
        assert!(body.ends_with("--realtime-webrtc-boundary-1--\r\n"));
    }
}
