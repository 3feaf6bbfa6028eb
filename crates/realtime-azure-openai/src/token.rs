//! [`TokenCache`]: Entra ID tokens fetched per connect, reused while valid.

use std::fmt;

use azure_core::credentials::{AccessToken, Secret, TokenCredential};
use azure_core::time::{Duration, OffsetDateTime};
use tokio::sync::Mutex;

/// Entra ID scope of the preview endpoint (DIALECTS §1; AZ-SDK, AZ-WS).
pub const PREVIEW_SCOPE: &str = "https://cognitiveservices.azure.com/.default";

/// Entra ID scope of the GA v1 endpoint (DIALECTS §1; pydantic-ai, openai-node `azure.md`).
pub const GA_V1_SCOPE: &str = "https://ai.azure.com/.default";

struct Cached {
    scope: String,
    token: AccessToken,
}

/// Caches one Entra ID access token for a connector.
///
/// Each connect asks [`token`](Self::token); the cached token is reused while it
/// stays valid for longer than the refresh margin (5 minutes by default), and fetched
/// again otherwise, so a reconnect never presents a token about to expire. Time comes
/// in as an argument (`now`), so the cache is tested without a clock. Concurrent
/// connects wait for one fetch. `Debug` shows the expiry, never the token.
pub struct TokenCache {
    margin: Duration,
    cached: Mutex<Option<Cached>>,
}

impl TokenCache {
    /// The default refresh margin: 5 minutes.
    pub const DEFAULT_MARGIN: Duration = Duration::minutes(5);

    /// An empty cache with the default margin.
    pub fn new() -> Self {
        Self::with_margin(Self::DEFAULT_MARGIN)
    }

    /// An empty cache that refetches when the token expires within `margin`.
    pub fn with_margin(margin: Duration) -> Self {
        Self {
            margin,
            cached: Mutex::new(None),
        }
    }

    /// A token for `scope` valid beyond `now` plus the margin: the cached one, or a
    /// new one from `credential`.
    ///
    /// # Errors
    /// The credential's error when a token had to be fetched and could not be.
    pub async fn token(
        &self,
        credential: &dyn TokenCredential,
        scope: &str,
        now: OffsetDateTime,
    ) -> azure_core::Result<Secret> {
        let mut cached = self.cached.lock().await;
        if let Some(entry) = cached.as_ref()
            && entry.scope == scope
            && entry.token.expires_on - now > self.margin
        {
            return Ok(entry.token.token.clone());
        }
        tracing::debug!(scope, "fetching an Entra ID token");
        let token = credential.get_token(&[scope], None).await?;
        tracing::debug!(scope, expires_on = %token.expires_on, "got an Entra ID token");
        let secret = token.token.clone();
        *cached = Some(Cached {
            scope: scope.to_owned(),
            token,
        });
        Ok(secret)
    }
}

impl Default for TokenCache {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("TokenCache");
        debug.field("margin", &self.margin);
        match self.cached.try_lock() {
            Ok(cached) => debug.field(
                "cached_until",
                &cached.as_ref().map(|entry| entry.token.expires_on),
            ),
            Err(_) => debug.field("cached_until", &"<fetching>"),
        };
        debug.finish()
    }
}
