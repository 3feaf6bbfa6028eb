//! Ephemeral client secrets: `POST /v1/realtime/client_secrets`.
//!
//! Request and response follow S-GA (`fixtures/openai-ga/openapi-realtime-ga.yaml`)
//! `RealtimeCreateClientSecretRequest` (`{"expires_after": {"anchor": "created_at",
//! "seconds": 10..=7200}, "session": <realtime or transcription session>}`) and
//! `RealtimeCreateClientSecretResponse` (`{"value", "expires_at", "session"}`, all
//! required). A secret (`ek_…`) authenticates a client (browser, phone app) in place of
//! the API key until it expires.

use realtime_core::error::EncodeError;
use realtime_core::protocol::{SessionConfig, SessionResource};
use serde_json::{Map, Value, json};

use crate::config::OpenAiConfig;
use crate::error::RestError;
use crate::rest::{self, RestRequest, RestResponse};
use crate::secret::Secret;

/// Allowed lifetimes of a client secret, in seconds (S-GA `expires_after.seconds`).
pub const EXPIRES_AFTER_SECONDS: std::ops::RangeInclusive<u32> = 10..=7200;

/// What to create a client secret for.
#[derive(Debug, Clone, PartialEq, Default)]
#[must_use]
#[non_exhaustive]
pub struct ClientSecretRequest {
    /// The session the secret opens: a realtime session, or a transcription session
    /// when [`SessionConfig::kind`] is
    /// [`SessionKind::Transcription`](realtime_core::protocol::SessionKind::Transcription).
    pub session: SessionConfig,
    /// Lifetime in seconds from creation, 10 to 7200; `None` leaves OpenAI's default
    /// (600).
    pub expires_after_seconds: Option<u32>,
}

impl ClientSecretRequest {
    /// A secret for `session`, with OpenAI's default lifetime.
    pub fn new(session: SessionConfig) -> Self {
        Self {
            session,
            expires_after_seconds: None,
        }
    }

    /// Sets the lifetime in seconds (10 to 7200, checked when the request is built).
    pub fn expires_after_seconds(mut self, seconds: u32) -> Self {
        self.expires_after_seconds = Some(seconds);
        self
    }
}

/// A created client secret. `Debug` redacts the value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ClientSecret {
    /// The secret (`ek_…`): give it to the client, which uses it as its API key.
    pub value: Secret,
    /// When the secret stops opening sessions, in seconds since the Unix epoch.
    pub expires_at: i64,
    /// The effective session configuration, as OpenAI reports it. Read it with
    /// [`OpenAiDialect::session_config`](crate::OpenAiDialect::session_config).
    pub session: SessionResource,
}

/// Creates ephemeral client secrets with a standard API key.
///
/// [`request`](Self::request) and [`parse`](Self::parse) are pure; [`create`](Self::create)
/// sends the one through `reqwest` and reads the answer with the other.
#[derive(Debug, Clone)]
pub struct ClientSecrets {
    config: OpenAiConfig,
    http: reqwest::Client,
}

const PATH: [&str; 2] = ["realtime", "client_secrets"];

impl ClientSecrets {
    /// Uses `config` (its key, REST base and policy) and a fresh HTTP client with
    /// [`DEFAULT_TIMEOUT`](crate::DEFAULT_TIMEOUT).
    ///
    /// # Errors
    /// [`RestError::Transport`] if the HTTP client cannot be built (no TLS backend).
    pub fn new(config: OpenAiConfig) -> Result<Self, RestError> {
        Ok(Self::with_client(config, rest::default_client()?))
    }

    /// Uses `config` and the caller's HTTP client.
    pub fn with_client(config: OpenAiConfig, http: reqwest::Client) -> Self {
        Self { config, http }
    }

    /// Builds the HTTP request, without I/O. The session goes through the
    /// configuration's dialect and policy, as a `session.update` would.
    ///
    /// # Errors
    /// [`RestError::Encode`] for a session OpenAI would refuse, or a lifetime outside
    /// 10 to 7200 seconds.
    pub fn request(&self, request: &ClientSecretRequest) -> Result<RestRequest, RestError> {
        let session = self.config.dialect().session_object(&request.session)?;
        let mut body = Map::new();
        if let Some(seconds) = request.expires_after_seconds {
            if !EXPIRES_AFTER_SECONDS.contains(&seconds) {
                return Err(EncodeError::Invalid {
                    dialect: crate::DIALECT_NAME.into(),
                    field: "expires_after.seconds".into(),
                    expected: "10 to 7200 seconds".into(),
                    found: seconds.to_string(),
                }
                .into());
            }
            body.insert(
                "expires_after".to_owned(),
                json!({"anchor": "created_at", "seconds": seconds}),
            );
        }
        body.insert("session".to_owned(), Value::Object(session));
        Ok(RestRequest::post(
            &self.config,
            &PATH,
            Some(Value::Object(body)),
        ))
    }

    /// Reads OpenAI's answer, without I/O.
    ///
    /// # Errors
    /// [`RestError::Status`] for an error status (with OpenAI's error message);
    /// [`RestError::InvalidResponse`] for a success without `value`, `expires_at` and
    /// `session`.
    pub fn parse(&self, status: u16, body: &str) -> Result<ClientSecret, RestError> {
        let operation = "POST /realtime/client_secrets";
        let response = RestResponse {
            status,
            body: body.to_owned(),
        };
        rest::check_status(operation, &response, self.config.api_key())?;
        parse_secret(body).map_err(|found| RestError::InvalidResponse {
            operation: operation.to_owned(),
            expected: "a JSON object with a string `value`, an integer `expires_at` and an \
                       object `session` (RealtimeCreateClientSecretResponse)",
            found,
        })
    }

    /// Creates a client secret.
    ///
    /// # Errors
    /// As [`request`](Self::request) and [`parse`](Self::parse), plus
    /// [`RestError::Transport`] when OpenAI cannot be reached.
    pub async fn create(&self, request: &ClientSecretRequest) -> Result<ClientSecret, RestError> {
        let http_request = self.request(request)?;
        let response = rest::send(&self.http, &http_request).await?;
        self.parse(response.status, &response.body)
    }
}

/// Reads the success body; the error says what was wrong without quoting values
/// (the body holds a secret).
fn parse_secret(body: &str) -> Result<ClientSecret, String> {
    let Ok(Value::Object(mut object)) = serde_json::from_str::<Value>(body) else {
        return Err("a body that is not a JSON object".to_owned());
    };
    let value = match object.remove("value") {
        Some(Value::String(value)) => Secret::new(value),
        Some(other) => return Err(format!("`value` of type {}", kind(&other))),
        None => return Err("no `value`".to_owned()),
    };
    let expires_at = match object.get("expires_at") {
        Some(Value::Number(number)) => number
            .as_i64()
            .ok_or_else(|| "a non-integer `expires_at`".to_owned())?,
        Some(other) => return Err(format!("`expires_at` of type {}", kind(other))),
        None => return Err("no `expires_at`".to_owned()),
    };
    let session = match object.remove("session") {
        Some(Value::Object(session)) => SessionResource::new(session),
        Some(other) => return Err(format!("`session` of type {}", kind(&other))),
        None => return Err("no `session`".to_owned()),
    };
    Ok(ClientSecret {
        value,
        expires_at,
        session,
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
