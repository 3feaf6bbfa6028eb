//! OpenAI's REST endpoints, in two halves: [`RestRequest`], a request built without
//! I/O, and a thin `reqwest` call that sends it.

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde_json::Value;

use crate::config::OpenAiConfig;
use crate::error::{ConfigError, RestError};
use crate::secret::Secret;
use crate::url::percent_encode;

/// How long a REST call may take, connection included, unless the caller brings its
/// own `reqwest::Client`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Longest part of a non-JSON error body quoted in an error.
const MAX_QUOTED_BODY: usize = 512;

/// An HTTP request to OpenAI, built without I/O. `Debug` redacts the headers.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RestRequest {
    /// What is asked, for errors and logs, e.g. `POST /realtime/client_secrets`.
    pub operation: String,
    /// The HTTP method (every realtime REST call is a `POST`).
    pub method: &'static str,
    /// The full URL.
    pub url: String,
    /// Headers: `Authorization: Bearer <key>`.
    pub headers: Vec<(String, Secret)>,
    /// The JSON body, if any (sent with `Content-Type: application/json`).
    pub body: Option<Value>,
}

impl RestRequest {
    /// A `POST` to `{rest base}/{path}`, where `path` segments are percent-encoded.
    pub(crate) fn post(config: &OpenAiConfig, segments: &[&str], body: Option<Value>) -> Self {
        let path: String = segments
            .iter()
            .map(|segment| format!("/{}", percent_encode(segment)))
            .collect();
        Self {
            operation: format!("POST {path}"),
            method: "POST",
            url: format!("{}{path}", config.rest_base()),
            headers: vec![config.authorization()],
            body,
        }
    }
}

/// What OpenAI answered: the status and the body text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RestResponse {
    pub(crate) status: u16,
    pub(crate) body: String,
}

/// Builds the HTTP client used when the caller does not bring one.
pub(crate) fn default_client() -> Result<reqwest::Client, RestError> {
    reqwest::Client::builder()
        .timeout(DEFAULT_TIMEOUT)
        .build()
        .map_err(|error| RestError::Transport {
            operation: "building the HTTP client".to_owned(),
            message: error.to_string(),
        })
}

/// Sends `request` and reads the whole answer. The thin I/O half.
pub(crate) async fn send(
    http: &reqwest::Client,
    request: &RestRequest,
) -> Result<RestResponse, RestError> {
    let transport = |error: reqwest::Error| RestError::Transport {
        operation: request.operation.clone(),
        message: error.without_url().to_string(),
    };
    let mut builder = http.post(&request.url);
    for (name, value) in &request.headers {
        let mut value =
            HeaderValue::from_str(value.expose()).map_err(|_| ConfigError::Invalid {
                field: "api_key".into(),
                expected: "visible ASCII characters".into(),
                found: "[redacted]".to_owned(),
            })?;
        value.set_sensitive(true);
        builder = builder.header(name.as_str(), value);
    }
    if let Some(body) = &request.body {
        builder = builder
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string());
    }
    tracing::debug!(operation = %request.operation, "calling OpenAI");
    let response = builder.send().await.map_err(transport)?;
    let status = response.status().as_u16();
    let body = response.text().await.map_err(transport)?;
    Ok(RestResponse { status, body })
}

/// Turns a non-2xx answer into [`RestError::Status`], reading OpenAI's error body
/// `{"error": {"message", "type", "code", "param"}}`; any echo of `key` is redacted.
pub(crate) fn check_status(
    operation: &str,
    response: &RestResponse,
    key: &Secret,
) -> Result<(), RestError> {
    if (200..300).contains(&response.status) {
        return Ok(());
    }
    let text = |value: Option<&Value>| value.and_then(Value::as_str).map(|s| key.scrub(s));
    let (kind, code, message) = match serde_json::from_str::<Value>(&response.body) {
        Ok(Value::Object(body)) if body.get("error").is_some_and(Value::is_object) => {
            let error = body.get("error");
            let field = |name: &str| error.and_then(|error| error.get(name));
            (
                text(field("type")),
                text(field("code")),
                text(field("message")),
            )
        }
        _ => {
            let body = response.body.trim();
            let quoted: String = body.chars().take(MAX_QUOTED_BODY).collect();
            (None, None, (!quoted.is_empty()).then(|| key.scrub(&quoted)))
        }
    };
    Err(RestError::Status {
        operation: operation.to_owned(),
        status: response.status,
        kind,
        code,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::{RestResponse, check_status};
    use crate::error::RestError;
    use crate::secret::Secret;

    fn status_of(status: u16, body: &str) -> Option<RestError> {
        check_status(
            "POST /x",
            &RestResponse {
                status,
                body: body.to_owned(),
            },
            &Secret::new("sk-live-key"),
        )
        .err()
    }

    #[test]
    fn success_passes() {
        assert!(status_of(200, "{}").is_none());
        assert!(status_of(204, "").is_none());
    }

    #[test]
    fn openai_error_body_is_read_and_the_key_redacted() {
        let error = status_of(
            401,
            r#"{"error":{"message":"Incorrect API key provided: sk-live-key.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
        );
        let Some(RestError::Status {
            status,
            kind,
            code,
            message,
            ..
        }) = error
        else {
            panic!("expected a status error, got {error:?}");
        };
        assert_eq!(status, 401);
        assert_eq!(kind.as_deref(), Some("invalid_request_error"));
        assert_eq!(code.as_deref(), Some("invalid_api_key"));
        assert_eq!(
            message.as_deref(),
            Some("Incorrect API key provided: [redacted].")
        );
    }

    #[test]
    fn other_bodies_are_quoted_shortly() {
        let long = "x".repeat(2000);
        let Some(RestError::Status { message, kind, .. }) = status_of(502, &long) else {
            panic!("expected a status error");
        };
        assert_eq!(kind, None);
        assert_eq!(message.map(|m| m.len()), Some(512));
        let Some(RestError::Status { message, .. }) = status_of(500, "  ") else {
            panic!("expected a status error");
        };
        assert_eq!(message, None);
    }
}
