//! [`WebRtcError`]: what can go wrong minting an ephemeral key, exchanging SDP or
//! attaching the sideband socket, for every provider crate that offers WebRTC.
//!
//! The provider crates build these errors and re-export the types; each error names
//! its provider and the [`WebRtcStep`] that failed, and none holds a key or token.
//!
//! ```
//! use realtime_core::webrtc::{WebRtcError, WebRtcStep};
//!
//! let body = r#"{"error":{"message":"Invalid offer."}}"#;
//! let error = WebRtcError::check_status("OpenAI", WebRtcStep::SdpExchange, 400, body, &[])
//!     .unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     "OpenAI: the SDP exchange: the SDP offer was refused (HTTP 400): Invalid offer."
//! );
//! assert_eq!(error.provider(), "OpenAI");
//! ```

use serde_json::Value;

use crate::agent::AgentError;
use crate::client::ClientError;
use crate::transport::{Secret, TransportError};

/// Longest part of an error body quoted in an error.
const MAX_QUOTED: usize = 512;

/// Which step of the WebRTC flow failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebRtcStep {
    /// Minting the ephemeral key (`client_secrets`, or Azure preview's `sessions`).
    Mint,
    /// Posting the SDP offer (`calls`, or Azure preview's `realtimertc`).
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

/// A WebRTC step failed. Every variant names the provider and the step; none holds
/// a key or token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebRtcError {
    /// The key or token was refused: an ephemeral key that expired or was never
    /// minted, or a wrong API key or Entra ID token.
    #[error("{provider}: {step}: the key was refused (HTTP {status}); expected a valid API key or token, or an unexpired ephemeral key{}", quoted(.message))]
    KeyRefused {
        /// The provider.
        provider: &'static str,
        /// The step.
        step: WebRtcStep,
        /// 401 or 403.
        status: u16,
        /// The provider's message, if any (secrets redacted).
        message: Option<String>,
    },
    /// The provider refused the SDP offer.
    #[error("{provider}: {step}: the SDP offer was refused (HTTP {status}){}", quoted(.message))]
    SdpRejected {
        /// The provider.
        provider: &'static str,
        /// The step.
        step: WebRtcStep,
        /// The HTTP status (4xx).
        status: u16,
        /// The provider's message, if any (secrets redacted).
        message: Option<String>,
    },
    /// The call does not exist (or is over).
    #[error("{provider}: {step}: call `{call_id}` does not exist (HTTP {status}){}", quoted(.message))]
    UnknownCall {
        /// The provider.
        provider: &'static str,
        /// The step.
        step: WebRtcStep,
        /// The call id asked for.
        call_id: String,
        /// The HTTP status (404).
        status: u16,
        /// The provider's message, if any.
        message: Option<String>,
    },
    /// Any other error status.
    #[error("{provider}: {step} failed with HTTP {status}{}", quoted(.message))]
    Status {
        /// The provider.
        provider: &'static str,
        /// The step.
        step: WebRtcStep,
        /// The HTTP status.
        status: u16,
        /// The provider's message, if any (secrets redacted).
        message: Option<String>,
    },
    /// The credential (e.g. Entra ID) gave no token.
    #[error("{provider}: {step}: {message}")]
    Credential {
        /// The provider.
        provider: &'static str,
        /// The step.
        step: WebRtcStep,
        /// The credential's error.
        message: String,
    },
    /// The request did not complete (connection, TLS, timeout).
    #[error("{provider}: {step} did not complete: {message}")]
    Transport {
        /// The provider.
        provider: &'static str,
        /// The step.
        step: WebRtcStep,
        /// The HTTP client's message.
        message: String,
    },
    /// A success whose answer is not what the provider documents.
    #[error("{provider}: {step}: expected {expected}, got {found}")]
    InvalidResponse {
        /// The provider.
        provider: &'static str,
        /// The step.
        step: WebRtcStep,
        /// What the provider documents.
        expected: &'static str,
        /// What came (never a secret).
        found: String,
    },
    /// The request cannot be built (an empty offer, a session the provider would
    /// refuse, a step the endpoint does not offer).
    #[error("{provider}: {step}: {reason}")]
    InvalidRequest {
        /// The provider.
        provider: &'static str,
        /// The step.
        step: WebRtcStep,
        /// What is wrong.
        reason: String,
    },
}

impl WebRtcError {
    /// The provider the error names.
    pub fn provider(&self) -> &'static str {
        match self {
            Self::KeyRefused { provider, .. }
            | Self::SdpRejected { provider, .. }
            | Self::UnknownCall { provider, .. }
            | Self::Status { provider, .. }
            | Self::Credential { provider, .. }
            | Self::Transport { provider, .. }
            | Self::InvalidResponse { provider, .. }
            | Self::InvalidRequest { provider, .. } => provider,
        }
    }

    /// The step that failed.
    pub fn step(&self) -> WebRtcStep {
        match self {
            Self::KeyRefused { step, .. }
            | Self::SdpRejected { step, .. }
            | Self::UnknownCall { step, .. }
            | Self::Status { step, .. }
            | Self::Credential { step, .. }
            | Self::Transport { step, .. }
            | Self::InvalidResponse { step, .. }
            | Self::InvalidRequest { step, .. } => *step,
        }
    }

    /// Reads a failed sideband attach: the socket's handshake refused with 404 (no
    /// such call) or 401/403 (a wrong key or token) as
    /// [`UnknownCall`](Self::UnknownCall) or [`KeyRefused`](Self::KeyRefused) at
    /// [`WebRtcStep::Sideband`], naming `provider`; `None` for other errors (give
    /// those as they are).
    pub fn from_sideband(
        provider: &'static str,
        error: &AgentError,
        call_id: &str,
    ) -> Option<Self> {
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
                provider,
                step,
                call_id: call_id.to_owned(),
                status,
                message,
            }),
            401 | 403 => Some(Self::KeyRefused {
                provider,
                step,
                status,
                message,
            }),
            _ => None,
        }
    }

    /// Classifies an HTTP answer of `step`: `Ok` for 2xx, else the typed error with
    /// the body's `error.message` (or its start), every one of `secrets` redacted.
    ///
    /// # Errors
    /// 401/403 as [`KeyRefused`](Self::KeyRefused); 400, 415 and 422 of the SDP
    /// exchange as [`SdpRejected`](Self::SdpRejected); any other non-2xx status as
    /// [`Status`](Self::Status).
    pub fn check_status(
        provider: &'static str,
        step: WebRtcStep,
        status: u16,
        body: &str,
        secrets: &[&Secret],
    ) -> Result<(), Self> {
        if (200..300).contains(&status) {
            return Ok(());
        }
        let message = error_message(body).map(|message| {
            secrets
                .iter()
                .fold(message, |text, secret| secret.scrub(&text))
        });
        Err(match status {
            401 | 403 => Self::KeyRefused {
                provider,
                step,
                status,
                message,
            },
            400 | 415 | 422 if step == WebRtcStep::SdpExchange => Self::SdpRejected {
                provider,
                step,
                status,
                message,
            },
            _ => Self::Status {
                provider,
                step,
                status,
                message,
            },
        })
    }
}

fn quoted(message: &Option<String>) -> String {
    message
        .as_deref()
        .map(|message| format!(": {message}"))
        .unwrap_or_default()
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
    use super::{Secret, WebRtcError, WebRtcStep};

    #[test]
    fn statuses_become_typed_errors_without_the_key() {
        let key = Secret::new("Bearer ek_live");
        let check = |step, status, body: &str| {
            WebRtcError::check_status("Azure OpenAI", step, status, body, &[&key]).err()
        };
        let error = check(
            WebRtcStep::SdpExchange,
            401,
            r#"{"error":{"message":"Invalid key ek_live"}}"#,
        );
        assert!(
            matches!(&error, Some(WebRtcError::KeyRefused { message: Some(m), .. }) if m == "Invalid key [redacted]"),
            "{error:?}"
        );
        let text = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            text.starts_with("Azure OpenAI: the SDP exchange: the key was refused (HTTP 401)"),
            "{text}"
        );
        assert!(matches!(
            check(WebRtcStep::SdpExchange, 415, "no"),
            Some(WebRtcError::SdpRejected { status: 415, .. })
        ));
        assert!(matches!(
            check(WebRtcStep::Mint, 400, ""),
            Some(WebRtcError::Status { message: None, .. })
        ));
        assert!(check(WebRtcStep::Mint, 201, "").is_none());
    }

    #[test]
    fn long_bodies_are_cut() {
        let body = "x".repeat(2_000);
        let error = WebRtcError::check_status("OpenAI", WebRtcStep::Mint, 500, &body, &[]).err();
        assert!(
            matches!(&error, Some(WebRtcError::Status { message: Some(m), .. }) if m.len() == super::MAX_QUOTED),
            "{error:?}"
        );
        assert_eq!(error.map(|e| e.provider()), Some("OpenAI"));
    }
}
