//! SIP and WebRTC call control: `POST /v1/realtime/calls/{call_id}/accept | reject |
//! refer | hangup` (S-GA paths in `fixtures/openai-ga/openapi-realtime-ga.yaml`).
//!
//! An incoming SIP call is announced to your webhook with a `call_id`. Accept it with
//! the session that will answer (the body is a GA `RealtimeSessionCreateRequestGA`),
//! then attach a WebSocket to it with
//! [`OpenAiConfigBuilder::call_id`](crate::OpenAiConfigBuilder::call_id) to drive the
//! session. Reject takes an optional SIP status (`603 Decline` when omitted), refer a
//! `target_uri` (`tel:…` or `sip:…`), hangup nothing.

use realtime_core::error::EncodeError;
use realtime_core::protocol::{SessionConfig, SessionKind};
use serde_json::{Value, json};

use crate::config::OpenAiConfig;
use crate::error::{ConfigError, RestError};
use crate::rest::{self, RestRequest, RestResponse};

/// Controls realtime calls with a standard API key.
///
/// The `*_request` methods are pure; [`accept`](Self::accept), [`reject`](Self::reject),
/// [`refer`](Self::refer) and [`hangup`](Self::hangup) send them.
///
/// ```
/// use realtime_core::protocol::SessionConfig;
/// use realtime_openai::{Calls, OpenAiConfig};
///
/// let calls = Calls::new(OpenAiConfig::builder("sk-test").build()?)?;
/// let accept = calls.accept_request(
///     "rtc_123",
///     &SessionConfig::new().model("gpt-realtime").instructions("You are Alex."),
/// )?;
/// assert_eq!(accept.url, "https://api.openai.com/v1/realtime/calls/rtc_123/accept");
/// assert_eq!(
///     accept.body,
///     Some(serde_json::json!({
///         "type": "realtime", "model": "gpt-realtime", "instructions": "You are Alex."
///     }))
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Calls {
    config: OpenAiConfig,
    http: reqwest::Client,
}

impl Calls {
    /// Uses `config` and a fresh HTTP client with
    /// [`DEFAULT_TIMEOUT`](crate::DEFAULT_TIMEOUT).
    ///
    /// # Errors
    /// [`RestError::Transport`] if the HTTP client cannot be built.
    pub fn new(config: OpenAiConfig) -> Result<Self, RestError> {
        Ok(Self::with_client(config, rest::default_client()?))
    }

    /// Uses `config` and the caller's HTTP client.
    pub fn with_client(config: OpenAiConfig, http: reqwest::Client) -> Self {
        Self { config, http }
    }

    /// The request accepting SIP call `call_id` with `session`, which goes through the
    /// configuration's dialect and policy.
    ///
    /// # Errors
    /// [`RestError::Config`] for an empty call id; [`RestError::Encode`] for a
    /// transcription session (a call is answered by a realtime session) or a setting
    /// OpenAI would refuse.
    pub fn accept_request(
        &self,
        call_id: &str,
        session: &SessionConfig,
    ) -> Result<RestRequest, RestError> {
        check_call_id(call_id)?;
        if session.kind == Some(SessionKind::Transcription) {
            return Err(EncodeError::Invalid {
                dialect: crate::DIALECT_NAME.into(),
                field: "session.type".into(),
                expected: "a realtime session (RealtimeSessionCreateRequestGA)".into(),
                found: "transcription".to_owned(),
            }
            .into());
        }
        let body = self.config.dialect().session_object(session)?;
        Ok(self.post(call_id, "accept", Some(Value::Object(body))))
    }

    /// The request rejecting SIP call `call_id` with SIP status `status_code` (OpenAI
    /// sends `603 Decline` when `None`).
    ///
    /// # Errors
    /// [`RestError::Config`] for an empty call id or a status outside 100 to 699.
    pub fn reject_request(
        &self,
        call_id: &str,
        status_code: Option<u16>,
    ) -> Result<RestRequest, RestError> {
        check_call_id(call_id)?;
        let body = match status_code {
            Some(code) if (100..=699).contains(&code) => Some(json!({ "status_code": code })),
            Some(code) => {
                return Err(ConfigError::Invalid {
                    field: "status_code".into(),
                    expected: "a SIP status code from 100 to 699".into(),
                    found: code.to_string(),
                }
                .into());
            }
            None => None,
        };
        Ok(self.post(call_id, "reject", body))
    }

    /// The request transferring SIP call `call_id` to `target_uri` (`tel:+1…` or
    /// `sip:agent@example.com`).
    ///
    /// # Errors
    /// [`RestError::Config`] for an empty call id or target.
    pub fn refer_request(&self, call_id: &str, target_uri: &str) -> Result<RestRequest, RestError> {
        check_call_id(call_id)?;
        if target_uri.trim().is_empty() {
            return Err(ConfigError::Invalid {
                field: "target_uri".into(),
                expected: "a tel: or sip: URI".into(),
                found: target_uri.to_owned(),
            }
            .into());
        }
        Ok(self.post(call_id, "refer", Some(json!({ "target_uri": target_uri }))))
    }

    /// The request ending call `call_id` (SIP or WebRTC).
    ///
    /// # Errors
    /// [`RestError::Config`] for an empty call id.
    pub fn hangup_request(&self, call_id: &str) -> Result<RestRequest, RestError> {
        check_call_id(call_id)?;
        Ok(self.post(call_id, "hangup", None))
    }

    /// Accepts SIP call `call_id` with `session`.
    ///
    /// # Errors
    /// As [`accept_request`](Self::accept_request), plus [`RestError::Status`] and
    /// [`RestError::Transport`].
    pub async fn accept(&self, call_id: &str, session: &SessionConfig) -> Result<(), RestError> {
        self.execute(self.accept_request(call_id, session)?).await
    }

    /// Rejects SIP call `call_id`.
    ///
    /// # Errors
    /// As [`reject_request`](Self::reject_request), plus [`RestError::Status`] and
    /// [`RestError::Transport`].
    pub async fn reject(&self, call_id: &str, status_code: Option<u16>) -> Result<(), RestError> {
        self.execute(self.reject_request(call_id, status_code)?)
            .await
    }

    /// Transfers SIP call `call_id` to `target_uri`.
    ///
    /// # Errors
    /// As [`refer_request`](Self::refer_request), plus [`RestError::Status`] and
    /// [`RestError::Transport`].
    pub async fn refer(&self, call_id: &str, target_uri: &str) -> Result<(), RestError> {
        self.execute(self.refer_request(call_id, target_uri)?).await
    }

    /// Ends call `call_id`.
    ///
    /// # Errors
    /// As [`hangup_request`](Self::hangup_request), plus [`RestError::Status`] and
    /// [`RestError::Transport`].
    pub async fn hangup(&self, call_id: &str) -> Result<(), RestError> {
        self.execute(self.hangup_request(call_id)?).await
    }

    /// Reads the answer to a call-control request, without I/O: any 2xx is success.
    ///
    /// # Errors
    /// [`RestError::Status`] with OpenAI's error message.
    pub fn parse(&self, request: &RestRequest, status: u16, body: &str) -> Result<(), RestError> {
        let response = RestResponse {
            status,
            body: body.to_owned(),
        };
        rest::check_status(&request.operation, &response, self.config.api_key())
    }

    fn post(&self, call_id: &str, verb: &str, body: Option<Value>) -> RestRequest {
        RestRequest::post(&self.config, &["realtime", "calls", call_id, verb], body)
    }

    async fn execute(&self, request: RestRequest) -> Result<(), RestError> {
        let response = rest::send(&self.http, &request).await?;
        self.parse(&request, response.status, &response.body)
    }
}

fn check_call_id(call_id: &str) -> Result<(), ConfigError> {
    if call_id.trim().is_empty() {
        Err(ConfigError::Invalid {
            field: "call_id".into(),
            expected: "the call id from the realtime.call.incoming webhook or the Location header"
                .into(),
            found: call_id.to_owned(),
        })
    } else {
        Ok(())
    }
}
