//! Credentials: an `api-key` header, or an Entra ID bearer token from any
//! [`TokenCredential`], cached and refreshed before it expires.
//!
//! Scopes (VL-26 `auth.entra_scopes`): `https://ai.azure.com/.default`, and the
//! legacy `https://cognitiveservices.azure.com/.default` for
//! `*.cognitiveservices.azure.com` hosts.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use azure_core::credentials::TokenCredential;
use azure_core::time::{Duration, OffsetDateTime};

use realtime_core::transport::Secret;

use super::secret::is_header_safe;
use crate::error::ConfigError;

/// The Entra ID scope for `*.services.ai.azure.com` (and any other host).
pub const SCOPE: &str = "https://ai.azure.com/.default";
/// The legacy Entra ID scope, for `*.cognitiveservices.azure.com` hosts.
pub const LEGACY_SCOPE: &str = "https://cognitiveservices.azure.com/.default";

/// A token is refreshed when less than this much validity remains.
pub const REFRESH_MARGIN: Duration = Duration::minutes(5);

type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// Caches one bearer token and fetches a new one when it is about to expire.
pub(crate) struct TokenCache {
    credential: Arc<dyn TokenCredential>,
    scope: String,
    clock: Clock,
    cached: Mutex<Option<(Secret, OffsetDateTime)>>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let expires_on = self
            .cached
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|(_, expires_on)| *expires_on);
        f.debug_struct("TokenCache")
            .field("scope", &self.scope)
            .field("cached_until", &expires_on)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    pub(crate) fn new(credential: Arc<dyn TokenCredential>, scope: String) -> Self {
        Self::with_clock(credential, scope, Arc::new(OffsetDateTime::now_utc))
    }

    pub(crate) fn with_clock(
        credential: Arc<dyn TokenCredential>,
        scope: String,
        clock: Clock,
    ) -> Self {
        Self {
            credential,
            scope,
            clock,
            cached: Mutex::new(None),
        }
    }

    pub(crate) fn scope(&self) -> &str {
        &self.scope
    }

    /// The cached token while it has more than [`REFRESH_MARGIN`] left, else a new one.
    pub(crate) async fn token(&self) -> Result<Secret, ConfigError> {
        let now = (self.clock)();
        let cached = self
            .cached
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some((token, expires_on)) = cached
            && expires_on - now > REFRESH_MARGIN
        {
            return Ok(token);
        }
        tracing::debug!(scope = %self.scope, "fetching an Entra ID token for Azure AI Voice Live");
        let fresh = self
            .credential
            .get_token(&[self.scope.as_str()], None)
            .await
            .map_err(|error| ConfigError::Token {
                scope: self.scope.clone(),
                message: error.to_string(),
            })?;
        let token = fresh.token.secret();
        if !is_header_safe(token) {
            return Err(ConfigError::InvalidCredential {
                what: "access token",
                len: token.len(),
            });
        }
        let token = Secret::new(token);
        *self.cached.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((token.clone(), fresh.expires_on));
        Ok(token)
    }
}

/// How the connector authenticates: an API key, or an Entra ID token cache.
#[derive(Clone)]
pub struct VoiceLiveAuth(Kind);

#[derive(Clone)]
enum Kind {
    ApiKey(Secret),
    Entra(Arc<TokenCache>),
}

impl fmt::Debug for VoiceLiveAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::ApiKey(key) => f.debug_tuple("ApiKey").field(key).finish(),
            Kind::Entra(cache) => f.debug_tuple("Entra").field(cache).finish(),
        }
    }
}

impl VoiceLiveAuth {
    pub(crate) fn api_key(key: Secret) -> Self {
        Self(Kind::ApiKey(key))
    }

    pub(crate) fn entra(cache: TokenCache) -> Self {
        Self(Kind::Entra(Arc::new(cache)))
    }

    /// The Entra ID scope asked for, or `None` for an API key.
    pub fn entra_scope(&self) -> Option<&str> {
        match &self.0 {
            Kind::ApiKey(_) => None,
            Kind::Entra(cache) => Some(cache.scope()),
        }
    }

    /// The header that carries the credential.
    pub(crate) async fn header(&self) -> Result<(String, Secret), ConfigError> {
        match &self.0 {
            Kind::ApiKey(key) => Ok(("api-key".to_owned(), key.clone())),
            Kind::Entra(cache) => {
                let token = cache.token().await?;
                Ok((
                    "Authorization".to_owned(),
                    Secret::new(format!("Bearer {}", token.expose())),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

    use azure_core::credentials::{AccessToken, TokenRequestOptions};

    use super::*;

    /// A credential that counts calls and issues `token-N` valid for one hour from
    /// the fake clock.
    #[derive(Debug)]
    struct FakeCredential {
        calls: AtomicUsize,
        now: Arc<AtomicI64>,
        scopes: Mutex<Vec<String>>,
    }

    #[async_trait::async_trait]
    impl TokenCredential for FakeCredential {
        async fn get_token(
            &self,
            scopes: &[&str],
            _options: Option<TokenRequestOptions<'_>>,
        ) -> azure_core::Result<AccessToken> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            self.scopes
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(scopes.iter().map(|s| (*s).to_owned()));
            let now = OffsetDateTime::from_unix_timestamp(self.now.load(Ordering::SeqCst))
                .unwrap_or(OffsetDateTime::UNIX_EPOCH);
            Ok(AccessToken::new(
                format!("token-{n}"),
                now + Duration::hours(1),
            ))
        }
    }

    #[tokio::test]
    async fn token_is_reused_while_valid_and_refreshed_before_expiry() -> Result<(), ConfigError> {
        let now = Arc::new(AtomicI64::new(1_700_000_000));
        let credential = Arc::new(FakeCredential {
            calls: AtomicUsize::new(0),
            now: Arc::clone(&now),
            scopes: Mutex::new(Vec::new()),
        });
        let clock_now = Arc::clone(&now);
        let cache = TokenCache::with_clock(
            credential.clone(),
            SCOPE.to_owned(),
            Arc::new(move || {
                OffsetDateTime::from_unix_timestamp(clock_now.load(Ordering::SeqCst))
                    .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            }),
        );
        assert_eq!(cache.token().await?.expose(), "token-1");
        // 54 minutes later: 6 minutes left, more than the margin: reused.
        now.fetch_add(54 * 60, Ordering::SeqCst);
        assert_eq!(cache.token().await?.expose(), "token-1");
        // 56 minutes after issue: 4 minutes left, inside the margin: refreshed.
        now.fetch_add(2 * 60, Ordering::SeqCst);
        assert_eq!(cache.token().await?.expose(), "token-2");
        assert_eq!(credential.calls.load(Ordering::SeqCst), 2);
        assert_eq!(
            *credential
                .scopes
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
            vec![SCOPE.to_owned(), SCOPE.to_owned()]
        );
        let auth = VoiceLiveAuth::entra(cache);
        let (name, value) = auth.header().await?;
        assert_eq!(
            (name.as_str(), value.expose()),
            ("Authorization", "Bearer token-2")
        );
        assert!(!format!("{auth:?}").contains("token-2"));
        Ok(())
    }
}
