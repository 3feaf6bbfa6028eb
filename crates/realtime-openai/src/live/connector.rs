//! [`LiveConfig`]: where and how to open a GPT-Live WebSocket on OpenAI.
//!
//! From `fixtures/openai-live/live.condensed.json` (`transport.openai`): the session
//! WebSocket is `wss://api.openai.com/v1/live/sessions` with `Authorization: Bearer`
//! (no beta header), and a sideband attaches to a running session at
//! `…/live/sessions/{id}/attach[?graceful_close=true|false]` (it sends no
//! `session.start`).

use async_trait::async_trait;
use realtime_core::client::RealtimeClient;
use realtime_core::transport::{ConnectError, ConnectRequest, Connector, Secret};

use super::dialect::{LIVE_PROVIDER, LiveDialect};
use crate::url::percent_encode;

/// OpenAI's GPT-Live WebSocket base.
pub const LIVE_BASE_URL: &str = "wss://api.openai.com/v1/live/sessions";

/// Which socket to open.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LiveTarget {
    /// A new session: the client sends `session.start` first.
    NewSession,
    /// A sideband on a running session (e.g. one a browser opened over WebRTC).
    Attach {
        /// The session id (`live_…`).
        session_id: String,
        /// `graceful_close`, when set.
        graceful_close: Option<bool>,
    },
}

/// A GPT-Live connection on OpenAI: API key, base URL and target. `Debug` shows no key.
///
/// ```
/// use realtime_openai::live::LiveConfig;
/// use realtime_core::transport::Connector;
///
/// let config = LiveConfig::new("not-a-real-key").attach("live_123", Some(true));
/// assert_eq!(config.url(), "wss://api.openai.com/v1/live/sessions/live_123/attach?graceful_close=true");
/// assert!(!format!("{config:?}").contains("not-a-real-key"));
/// ```
#[derive(Debug, Clone)]
pub struct LiveConfig {
    api_key: Secret,
    base_url: String,
    target: LiveTarget,
}

impl LiveConfig {
    /// A new session on [`LIVE_BASE_URL`] with `api_key`.
    pub fn new(api_key: impl Into<Secret>) -> Self {
        Self {
            api_key: api_key.into(),
            base_url: LIVE_BASE_URL.to_owned(),
            target: LiveTarget::NewSession,
        }
    }

    /// Another base URL (an emulator, a proxy), e.g. `ws://127.0.0.1:9000/v1/live/sessions`.
    #[must_use]
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into().trim_end_matches('/').to_owned();
        self
    }

    /// Attach a sideband to `session_id` instead of opening a new session.
    #[must_use]
    pub fn attach(mut self, session_id: impl Into<String>, graceful_close: Option<bool>) -> Self {
        self.target = LiveTarget::Attach {
            session_id: session_id.into(),
            graceful_close,
        };
        self
    }

    /// The target.
    pub fn target(&self) -> &LiveTarget {
        &self.target
    }

    /// The WebSocket URL.
    pub fn url(&self) -> String {
        match &self.target {
            LiveTarget::NewSession => self.base_url.clone(),
            LiveTarget::Attach {
                session_id,
                graceful_close,
            } => {
                let mut url = format!("{}/{}/attach", self.base_url, percent_encode(session_id));
                if let Some(graceful) = graceful_close {
                    url.push_str(&format!("?graceful_close={graceful}"));
                }
                url
            }
        }
    }

    /// A client speaking `openai-live` over this connection.
    pub fn client(&self) -> RealtimeClient {
        RealtimeClient::new(LiveDialect::openai(), self.clone())
    }
}

#[async_trait]
impl Connector for LiveConfig {
    fn provider(&self) -> &'static str {
        LIVE_PROVIDER
    }

    async fn request(&self) -> Result<ConnectRequest, ConnectError> {
        Ok(ConnectRequest::new(self.url()).secret_header(
            "Authorization",
            Secret::new(format!("Bearer {}", self.api_key.expose())),
        ))
    }
}
