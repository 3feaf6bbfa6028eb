//! Errors of this crate: building a configuration, and calling OpenAI's REST endpoints.
//!
//! Encoding and decoding errors are realtime-core's
//! [`EncodeError`](realtime_core::error::EncodeError) and
//! [`DecodeError`](realtime_core::error::DecodeError), attributed to the `openai-ga`
//! dialect.

use std::borrow::Cow;

use realtime_core::error::EncodeError;

/// A configuration that cannot be used. No message ever contains the API key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required environment variable is not set (or not valid Unicode).
    #[error("OpenAI: environment variable `{variable}` is not set; expected {expected}")]
    MissingEnv {
        /// The variable, e.g. `OPENAI_API_KEY`.
        variable: &'static str,
        /// What it should hold.
        expected: &'static str,
    },
    /// The API key is empty.
    #[error("OpenAI: expected a non-empty API key, got an empty one")]
    EmptyApiKey,
    /// Two options that exclude each other were both given.
    #[error("OpenAI: `{first}` and `{second}` cannot be used together: {reason}")]
    Conflict {
        /// The first option.
        first: &'static str,
        /// The second option.
        second: &'static str,
        /// Why not.
        reason: &'static str,
    },
    /// A value has the wrong form.
    #[error("OpenAI: invalid `{field}`: expected {expected}, got {found:?}")]
    Invalid {
        /// The option, e.g. `base_url` or `OPENAI_BASE_URL`.
        field: Cow<'static, str>,
        /// What is accepted.
        expected: Cow<'static, str>,
        /// What was given (never a secret).
        found: String,
    },
}

/// A REST call to OpenAI (client secrets, SIP call control) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RestError {
    /// The configuration cannot be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The session configuration cannot be written in the GA shape.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// OpenAI answered with an error status.
    #[error("OpenAI: {operation} failed with HTTP {status}{}", api_suffix(.kind, .code, .message))]
    Status {
        /// What was asked, e.g. `POST /realtime/client_secrets`.
        operation: String,
        /// The HTTP status code.
        status: u16,
        /// `error.type` of OpenAI's error body, e.g. `invalid_request_error`.
        kind: Option<String>,
        /// `error.code` of OpenAI's error body, e.g. `invalid_api_key`.
        code: Option<String>,
        /// `error.message` of OpenAI's error body (or the raw body when it is not
        /// OpenAI's JSON error), with any echo of the API key redacted.
        message: Option<String>,
    },
    /// The request did not complete (connection, TLS, timeout).
    #[error("OpenAI: {operation} did not complete: {message}")]
    Transport {
        /// What was asked.
        operation: String,
        /// The HTTP client's message.
        message: String,
    },
    /// OpenAI answered with success, but the body is not what the API documents.
    #[error("OpenAI: {operation}: expected {expected}, got {found}")]
    InvalidResponse {
        /// What was asked.
        operation: String,
        /// What the GA spec documents.
        expected: &'static str,
        /// What came (a parser message; never a secret).
        found: String,
    },
}

fn api_suffix(kind: &Option<String>, code: &Option<String>, message: &Option<String>) -> String {
    let mut out = String::new();
    if let Some(kind) = kind {
        out.push_str(&format!(" ({kind}"));
        if let Some(code) = code {
            out.push_str(&format!(", {code}"));
        }
        out.push(')');
    } else if let Some(code) = code {
        out.push_str(&format!(" ({code})"));
    }
    if let Some(message) = message {
        out.push_str(": ");
        out.push_str(message);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::RestError;

    #[test]
    fn status_error_names_provider_status_and_message() {
        let error = RestError::Status {
            operation: "POST /realtime/client_secrets".to_owned(),
            status: 401,
            kind: Some("invalid_request_error".to_owned()),
            code: Some("invalid_api_key".to_owned()),
            message: Some("Incorrect API key provided.".to_owned()),
        };
        assert_eq!(
            error.to_string(),
            "OpenAI: POST /realtime/client_secrets failed with HTTP 401 \
             (invalid_request_error, invalid_api_key): Incorrect API key provided."
        );
    }
}
