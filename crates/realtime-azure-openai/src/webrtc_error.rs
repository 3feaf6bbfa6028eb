//! [`WebRtcError`]: what can go wrong minting an ephemeral key, exchanging SDP, or
//! attaching the sideband, each error naming the provider and the step.

use realtime_core::agent::AgentError;
use realtime_core::client::ClientError;
use realtime_core::transport::{Secret, TransportError};
use serde_json::Value;

/// Longest part of an error body quoted in an error.
const MAX_QUOTED: usize = 512;

/// Which step of the WebRTC flow failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebRtcStep {
    /// Minting the ephemeral key (`client_secrets`, or the preview's `sessions`).
    Mint,
    /// Posting the SDP offer (`calls`, or the preview's `realtimertc`).
    SdpExchange,
    /// Attaching the sideband socket by `call_id`.
    Sideband,
}

impl std::fmt::Display for WebRtcStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Mint => "minting the ephemeral key",
            Self::SdpExchange => "the SDP exchange",
            Self::Sideband => "the sideband attach (?call_id=)",
        })
    }
}

/// A WebRTC step on Azure OpenAI failed. No variant holds a key or token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebRtcError {
    /// The key or token was refused: an ephemeral key that expired (the preview's
    /// live one minute) or was never minted, or a wrong API key or Entra ID token.
    #[error("Azure OpenAI: {step}: the key was refused (HTTP {status}); expected a valid API key, Entra ID token or unexpired ephemeral key{}", quoted(.message))]
    KeyRefused {
        /// The step.
        step: WebRtcStep,
        /// 401 or 403.
        status: u16,
        /// Azure's message, if any.
        message: Option<String>,
    },
    /// Azure refused the SDP offer.
    #[error("Azure OpenAI: {step}: the SDP offer was refused (HTTP {status}){}", quoted(.message))]
    SdpRejected {
        /// The step.
        step: WebRtcStep,
        /// The HTTP status (4xx).
        status: u16,
        /// Azure's message, if any.
        message: Option<String>,
    },
    /// The call does not exist (or is over).
    #[error("Azure OpenAI: {step}: call `{call_id}` does not exist (HTTP {status}){}", quoted(.message))]
    UnknownCall {
        /// The step.
        step: WebRtcStep,
        /// The call id asked for.
        call_id: String,
        /// The HTTP status (404).
        status: u16,
        /// Azure's message, if any.
        message: Option<String>,
    },
    /// Any other error status.
    #[error("Azure OpenAI: {step} failed with HTTP {status}{}", quoted(.message))]
    Status {
        /// The step.
        step: WebRtcStep,
        /// The HTTP status.
        status: u16,
        /// Azure's message, if any.
        message: Option<String>,
    },
    /// The Entra ID credential gave no token.
    #[error("Azure OpenAI: {step}: {message}")]
    Credential {
        /// The step.
        step: WebRtcStep,
        /// The credential's error.
        message: String,
    },
    /// The request did not complete (connection, TLS, timeout).
    #[error("Azure OpenAI: {step} did not complete: {message}")]
    Transport {
        /// The step.
        step: WebRtcStep,
        /// The HTTP client's message.
        message: String,
    },
    /// A success whose answer is not what the service documents.
    #[error("Azure OpenAI: {step}: expected {expected}, got {found}")]
    InvalidResponse {
        /// The step.
        step: WebRtcStep,
        /// What the service documents.
        expected: &'static str,
        /// What came (never a secret).
        found: String,
    },
    /// The request cannot be built (an empty offer, a session the endpoint would
    /// refuse, a step the endpoint does not offer).
    #[error("Azure OpenAI: {step}: {reason}")]
    InvalidRequest {
        /// The step.
        step: WebRtcStep,
        /// What is wrong.
        reason: String,
    },
}

impl WebRtcError {
    /// Reads a failed sideband attach: the socket's handshake refused with 404 (no
    /// such call) or 401/403 (a wrong key or token) as
    /// [`UnknownCall`](Self::UnknownCall) or [`KeyRefused`](Self::KeyRefused) at
    /// [`WebRtcStep::Sideband`]; `None` for other errors (give those as they are).
    pub fn from_sideband(error: &AgentError, call_id: &str) -> Option<Self> {
        let AgentError::Client(ClientError::Transport(TransportError::Handshake {
            status,
            body,
            ..
        })) = error
        else {
            return None;
        };
        let (status, message, step) = (*status, error_message(body), WebRtcStep::Sideband);
        match status {
            404 => Some(Self::UnknownCall {
                step,
                call_id: call_id.to_owned(),
                status,
                message,
            }),
            401 | 403 => Some(Self::KeyRefused {
                step,
                status,
                message,
            }),
            _ => None,
        }
    }
}

fn quoted(message: &Option<String>) -> String {
    message
        .as_deref()
        .map(|message| format!(": {message}"))
        .unwrap_or_default()
}

/// Classifies an error status; `secret` is redacted from the quoted message.
pub(crate) fn check_status(
    step: WebRtcStep,
    status: u16,
    body: &str,
    secret: &Secret,
) -> Result<(), WebRtcError> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    let message = error_message(body).map(|message| secret.scrub(&message));
    Err(match status {
        401 | 403 => WebRtcError::KeyRefused {
            step,
            status,
            message,
        },
        400 | 415 | 422 if step == WebRtcStep::SdpExchange => WebRtcError::SdpRejected {
            step,
            status,
            message,
        },
        _ => WebRtcError::Status {
            step,
            status,
            message,
        },
    })
}

/// `error.message` of a JSON error body, or the start of any other body.
fn error_message(body: &str) -> Option<String> {
    if let Ok(value) = serde_json::from_str::<Value>(body)
        && let Some(message) = value.pointer("/error/message").and_then(Value::as_str)
    {
        return Some(message.to_owned());
    }
    let quoted: String = body.trim().chars().take(MAX_QUOTED).collect();
    (!quoted.is_empty()).then_some(quoted)
}

#[cfg(test)]
mod tests {
    use realtime_core::transport::Secret;

    use super::{WebRtcError, WebRtcStep, check_status};

    #[test]
    fn statuses_become_typed_errors_without_the_key() {
        let key = Secret::new("Bearer ek_live");
        let body = r#"{"error":{"message":"Invalid key ek_live"}}"#;
        let error = check_status(WebRtcStep::SdpExchange, 401, body, &key).err();
        assert!(
            matches!(&error, Some(WebRtcError::KeyRefused { message: Some(m), .. }) if m == "Invalid key [redacted]"),
            "{error:?}"
        );
        let text = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(text.starts_with("Azure OpenAI: the SDP exchange: the key was refused (HTTP 401)"));
        let error = check_status(WebRtcStep::SdpExchange, 400, "bad sdp", &key).err();
        assert!(matches!(
            error,
            Some(WebRtcError::SdpRejected { status: 400, .. })
        ));
        let error = check_status(WebRtcStep::Mint, 400, "", &key).err();
        assert!(matches!(
            error,
            Some(WebRtcError::Status { message: None, .. })
        ));
        assert!(check_status(WebRtcStep::Mint, 201, "", &key).is_ok());
    }
}
