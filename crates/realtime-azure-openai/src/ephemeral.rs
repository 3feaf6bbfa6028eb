//! Ephemeral keys for a browser on WebRTC, minted with the agent's whole session in
//! them, written by the endpoint's dialect.
//!
//! | endpoint | request | key in the answer |
//! |---|---|---|
//! | GA v1 | `POST /openai/v1/realtime/client_secrets` (no `api-version`), `{"session": <GA session>}` | `value` |
//! | preview | `POST /openai/realtimeapi/sessions?api-version=V`, the flat beta session with `model` | `client_secret.value` (valid one minute) |
//!
//! Shapes: the recorded Azure cassette and the Azure WebRTC docs, copied with
//! provenance in `fixtures/azure-openai/webrtc-and-ephemeral.condensed.json`.
//!
//! Why the session goes in at mint time: the session of a WebRTC call is created
//! during the SDP exchange. A session configured later, over the data channel, runs
//! without the agent's instructions and tools until then, and a follow-up
//! `session.update` written in another provider's shape (`session.type`,
//! `output_modalities`, audio-only modalities on the preview) is refused. Here the
//! session is encoded by [`AzureOpenAiDialect`](crate::AzureOpenAiDialect) exactly as
//! a `session.update` would be, so it holds only what the endpoint accepts.

use realtime_core::agent::Agent;
use realtime_core::dialect::Dialect;
use realtime_core::protocol::{ClientEvent, SessionConfig};
use realtime_core::transport::Secret;
use serde_json::{Map, Value, json};

use crate::config::AzureOpenAiConfig;
use crate::connector::AzureOpenAiConnector;
use crate::dialect::PROVIDER;
use crate::endpoint::Endpoint;
use crate::webrtc_http::{self, WebRtcRequest};
use crate::{WebRtcError, WebRtcStep};

/// Allowed lifetimes of a GA v1 ephemeral key, in seconds (the OpenAI GA
/// `expires_after.seconds` that Azure GA v1 mirrors).
pub const GA_V1_EXPIRES_AFTER_SECONDS: std::ops::RangeInclusive<u32> = 10..=7200;

const STEP: WebRtcStep = WebRtcStep::Mint;

/// What to mint a key for.
#[derive(Debug, Clone, PartialEq, Default)]
#[must_use]
#[non_exhaustive]
pub struct EphemeralKeyRequest {
    /// The session the key opens. `model` defaults to the configured deployment.
    pub session: SessionConfig,
    /// Lifetime in seconds (GA v1 only, 10 to 7200); `None` leaves the service's
    /// default. The preview's keys always live one minute.
    pub expires_after_seconds: Option<u32>,
}

impl EphemeralKeyRequest {
    /// A key for `session`.
    pub fn new(session: SessionConfig) -> Self {
        Self {
            session,
            expires_after_seconds: None,
        }
    }

    /// A key whose session is `agent` on top of `base` (audio formats, turn
    /// detection, transcription, modalities): the agent's instructions, tools,
    /// transfer tools, tool choice and voice, as the agent runner sends them at start.
    pub fn for_agent(agent: &Agent, base: &SessionConfig) -> Self {
        Self::new(agent.session_config(base))
    }

    /// Sets the lifetime (GA v1 only; checked when the request is built).
    pub fn expires_after_seconds(mut self, seconds: u32) -> Self {
        self.expires_after_seconds = Some(seconds);
        self
    }
}

/// A minted key. `Debug` redacts the value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EphemeralKey {
    /// The key: give it to the browser, which sends it as `Authorization: Bearer`.
    pub value: Secret,
    /// When the key expires, in seconds since the Unix epoch, if the answer says.
    pub expires_at: Option<i64>,
    /// The session as the service reports it (without the key).
    pub session: Map<String, Value>,
}

/// Mints ephemeral keys on one Azure OpenAI deployment, with the configuration's API
/// key or Entra ID credential.
///
/// ```
/// use realtime_azure_openai::{Auth, AzureOpenAiConfig, EphemeralKeyRequest, EphemeralKeys};
/// use realtime_core::agent::Agent;
/// use realtime_core::protocol::{Modality, SessionConfig};
///
/// let config = AzureOpenAiConfig::new(
///     "https://my-resource.openai.azure.com".parse()?,
///     "gpt-realtime",
///     Auth::api_key("not-a-real-key"),
/// )?;
/// let keys = EphemeralKeys::new(config)?;
/// let agent = Agent::new("desk").instructions("You are the desk.");
/// let base = SessionConfig::new().output_modalities([Modality::Audio]);
/// let (url, body) = keys.request_body(&EphemeralKeyRequest::for_agent(&agent, &base))?;
/// assert_eq!(url, "https://my-resource.openai.azure.com/openai/v1/realtime/client_secrets");
/// assert_eq!(body["session"]["type"], "realtime");
/// assert_eq!(body["session"]["instructions"], "You are the desk.");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct EphemeralKeys {
    connector: AzureOpenAiConnector,
    http: reqwest::Client,
}

impl EphemeralKeys {
    /// Uses `config` and an HTTP client with
    /// [`WEBRTC_TIMEOUT`](crate::WEBRTC_TIMEOUT).
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
        }
    }

    /// The URL and JSON body of the mint request, without I/O. The session goes
    /// through the endpoint's dialect and policy, as a `session.update` would.
    ///
    /// # Errors
    /// [`WebRtcError::InvalidRequest`] for a session the endpoint would refuse, or a
    /// lifetime the endpoint does not take.
    pub fn request_body(
        &self,
        request: &EphemeralKeyRequest,
    ) -> Result<(String, Value), WebRtcError> {
        let config = self.connector.config();
        let mut session = request.session.clone();
        // The deployment is the model unless the session names one.
        let model = session
            .model
            .take()
            .unwrap_or_else(|| config.deployment().to_owned());
        let base = webrtc_http::rest_base(&self.connector);
        match config.endpoint_kind() {
            Endpoint::Preview(version) => {
                // The beta session has no `model` (the socket names the deployment
                // in its URL), but the sessions endpoint takes it in the body.
                let mut object = session_object(config, &session)?;
                object.insert("model".to_owned(), Value::from(model));
                if request.expires_after_seconds.is_some() {
                    return Err(WebRtcError::InvalidRequest {
                        provider: PROVIDER,
                        step: STEP,
                        reason: "the preview's ephemeral keys live one minute; expected no \
                                 lifetime, got one"
                            .to_owned(),
                    });
                }
                Ok((
                    format!(
                        "{base}/openai/realtimeapi/sessions?api-version={}",
                        version.as_str()
                    ),
                    Value::Object(object),
                ))
            }
            _ => {
                session.model = Some(model);
                let object = session_object(config, &session)?;
                let mut body = Map::new();
                if let Some(seconds) = request.expires_after_seconds {
                    if !GA_V1_EXPIRES_AFTER_SECONDS.contains(&seconds) {
                        return Err(WebRtcError::InvalidRequest {
                            provider: PROVIDER,
                            step: STEP,
                            reason: format!(
                                "expected `expires_after.seconds` from 10 to 7200, got {seconds}"
                            ),
                        });
                    }
                    body.insert(
                        "expires_after".to_owned(),
                        json!({"anchor": "created_at", "seconds": seconds}),
                    );
                }
                body.insert("session".to_owned(), Value::Object(object));
                Ok((
                    format!("{base}/openai/v1/realtime/client_secrets"),
                    Value::Object(body),
                ))
            }
        }
    }

    /// The whole request, with the credential (an Entra ID token is fetched or taken
    /// from the cache).
    ///
    /// # Errors
    /// As [`request_body`](Self::request_body), plus [`WebRtcError::Credential`].
    pub async fn request(
        &self,
        request: &EphemeralKeyRequest,
    ) -> Result<WebRtcRequest, WebRtcError> {
        let (url, body) = self.request_body(request)?;
        Ok(WebRtcRequest {
            url,
            credential: webrtc_http::credential(&self.connector, STEP).await?,
            content_type: "application/json",
            body: body.to_string(),
        })
    }

    /// Reads the answer, without I/O: `value` (GA v1) or `client_secret.value`
    /// (preview).
    ///
    /// # Errors
    /// [`WebRtcError::KeyRefused`], [`WebRtcError::Status`] for an error status;
    /// [`WebRtcError::InvalidResponse`] for a success without a key.
    pub fn parse(&self, status: u16, body: &str) -> Result<EphemeralKey, WebRtcError> {
        WebRtcError::check_status(PROVIDER, STEP, status, body, &[])?;
        let preview = matches!(
            self.connector.config().endpoint_kind(),
            Endpoint::Preview(_)
        );
        parse_key(body, preview).map_err(|found| WebRtcError::InvalidResponse {
            provider: PROVIDER,
            step: STEP,
            expected: if preview {
                "a JSON session with a string `client_secret.value`"
            } else {
                "a JSON object with a string `value` and an object `session`"
            },
            found,
        })
    }

    /// Mints a key.
    ///
    /// # Errors
    /// As [`request`](Self::request) and [`parse`](Self::parse), plus
    /// [`WebRtcError::Transport`].
    pub async fn mint(&self, request: &EphemeralKeyRequest) -> Result<EphemeralKey, WebRtcError> {
        let http_request = self.request(request).await?;
        let response = webrtc_http::post(&self.http, &http_request, STEP).await?;
        WebRtcError::check_status(
            PROVIDER,
            STEP,
            response.status,
            &response.body,
            &[&http_request.credential.1],
        )?;
        self.parse(response.status, &response.body)
    }
}

/// The session object of a `session.update` in the endpoint's dialect.
fn session_object(
    config: &AzureOpenAiConfig,
    session: &SessionConfig,
) -> Result<Map<String, Value>, WebRtcError> {
    let invalid = |reason: String| WebRtcError::InvalidRequest {
        provider: PROVIDER,
        step: STEP,
        reason,
    };
    let frame = config
        .dialect()
        .encode(&ClientEvent::session_update(session.clone()))
        .map_err(|error| invalid(error.to_string()))?;
    match serde_json::from_str::<Value>(&frame) {
        Ok(Value::Object(mut event)) => match event.remove("session") {
            Some(Value::Object(session)) => Ok(session),
            _ => Err(invalid("the dialect wrote no session object".to_owned())),
        },
        _ => Err(invalid("the dialect wrote no JSON object".to_owned())),
    }
}

fn parse_key(body: &str, preview: bool) -> Result<EphemeralKey, String> {
    let Ok(Value::Object(mut object)) = serde_json::from_str::<Value>(body) else {
        return Err("a body that is not a JSON object".to_owned());
    };
    let (holder, session) = if preview {
        let Some(Value::Object(secret)) = object.remove("client_secret") else {
            return Err("no object `client_secret`".to_owned());
        };
        (secret, object)
    } else {
        let Some(Value::Object(session)) = object.remove("session") else {
            return Err("no object `session`".to_owned());
        };
        (object, session)
    };
    let value = match holder.get("value") {
        Some(Value::String(value)) if !value.is_empty() => Secret::new(value.clone()),
        _ => return Err("no string `value`".to_owned()),
    };
    Ok(EphemeralKey {
        value,
        expires_at: holder.get("expires_at").and_then(Value::as_i64),
        session,
    })
}
