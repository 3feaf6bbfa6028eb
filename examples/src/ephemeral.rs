//! An HTTP route that mints OpenAI ephemeral client secrets (`ek_…`) for browsers and
//! phones that connect to the provider directly (WebRTC or WebSocket), so the
//! standard API key never leaves the server.
//!
//! Without `OPENAI_API_KEY` the route answers `503` with a message saying so. The
//! route comes with the per-client rate limit of a [`Guard`]; the server applies the
//! guard's other checks (Host, Origin, JSON bodies) to all its routes.

use std::sync::Arc;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, post};
use realtime::openai::{ClientSecretRequest, ClientSecrets, OpenAiConfig};
use realtime::protocol::SessionConfig;
use serde::Deserialize;

use crate::guard::Guard;
use serde_json::json;

/// What a caller may ask for; everything else is the server's choice.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MintRequest {
    /// Instructions for the session the secret opens.
    #[serde(default)]
    instructions: Option<String>,
    /// Voice of that session.
    #[serde(default)]
    voice: Option<String>,
}

/// Mints client secrets with the server's key.
#[derive(Debug, Clone)]
pub struct Minter {
    secrets: Option<Arc<ClientSecrets>>,
    why_not: String,
}

impl Minter {
    /// Uses `OPENAI_API_KEY` (and `OPENAI_BASE_URL`) from the environment; without
    /// them every request is answered with 503 and the reason.
    pub fn from_env() -> Self {
        match OpenAiConfig::from_env()
            .map_err(|e| e.to_string())
            .and_then(|config| ClientSecrets::new(config).map_err(|e| e.to_string()))
        {
            Ok(secrets) => Self {
                secrets: Some(Arc::new(secrets)),
                why_not: String::new(),
            },
            Err(reason) => Self {
                secrets: None,
                why_not: format!(
                    "this server mints OpenAI ephemeral client secrets with a standard API \
                     key, and it has none ({reason}). Set OPENAI_API_KEY and restart it."
                ),
            },
        }
    }

    /// Whether secrets can be minted.
    pub fn is_available(&self) -> bool {
        self.secrets.is_some()
    }

    /// Why secrets cannot be minted (empty when they can).
    pub fn unavailable_reason(&self) -> &str {
        &self.why_not
    }

    /// A `POST` route: a JSON body `{"instructions"?, "voice"?}` (or an empty one),
    /// answer `{"client_secret", "expires_at"}`; rate-limited per client by `guard`.
    pub fn route<S: Clone + Send + Sync + 'static>(self, guard: &Guard) -> MethodRouter<S> {
        guard.limit_minting(post(move |body: String| {
            let minter = self.clone();
            async move { minter.mint(&body).await }
        }))
    }

    async fn mint(&self, body: &str) -> Response {
        let Some(secrets) = &self.secrets else {
            return error(StatusCode::SERVICE_UNAVAILABLE, &self.why_not);
        };
        let request: MintRequest = if body.trim().is_empty() {
            MintRequest::default()
        } else {
            match serde_json::from_str(body) {
                Ok(request) => request,
                Err(e) => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        &format!("expected {{\"instructions\"?, \"voice\"?}}: {e}"),
                    );
                }
            }
        };
        let mut session = SessionConfig::new().model(realtime::openai::DEFAULT_MODEL);
        if let Some(instructions) = request.instructions {
            session = session.instructions(instructions);
        }
        if let Some(voice) = request.voice {
            session = session.voice(voice);
        }
        let request = ClientSecretRequest::new(session).expires_after_seconds(600);
        match secrets.create(&request).await {
            // The secret goes to the caller, who asked for it; it is never logged.
            Ok(secret) => Json(json!({
                "client_secret": secret.value.expose(),
                "expires_at": secret.expires_at,
            }))
            .into_response(),
            Err(e) => {
                tracing::warn!(error = %e, "minting a client secret failed");
                error(StatusCode::BAD_GATEWAY, &e.to_string())
            }
        }
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}
