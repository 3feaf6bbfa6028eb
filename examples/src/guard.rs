//! The request checks of the example servers (`client_secret_server`,
//! `browser_bridge`), in one place. Both servers hold a provider key and spend it on
//! behalf of whoever calls them, so every request passes, in this order:
//!
//! 1. **Host** must name this server (`127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT`,
//!    or the host of an allowed origin). A web page whose domain an attacker re-points
//!    at 127.0.0.1 (DNS rebinding) sends its own name as Host: `403`.
//! 2. **Origin**, when present, must be allowed: the server's own origin, and those
//!    added with [`Guard::allow_origin`]. This refuses cross-site requests, including
//!    the WebSocket upgrade of `/ws` (cross-site WebSocket hijacking): `403`. A request
//!    without Origin does not come from a web page (curl, a server): it passes.
//! 3. **POST bodies are JSON**: `Content-Type: application/json` or `415`. A page on
//!    another site can send `text/plain` (or a form) without a CORS preflight, never
//!    `application/json`, which is refused by the missing preflight answer.
//! 4. **The app's own authentication**, when installed with [`Guard::authenticate`]:
//!    the hook sees the request head and refuses with `401` and its reason.
//!
//! Minting routes also get a **per-client rate limit** ([`Guard::limit_minting`]):
//! `N` requests per client address and minute (a token bucket), `429` with
//! `Retry-After` beyond it.
//!
//! These checks stop other web sites and rebinding; they do not tell *your* users
//! apart from anyone else who can reach the port. Before listening anywhere but
//! loopback, install an authentication hook (or put the server behind a proxy that
//! authenticates), as `docs/troubleshooting.md` ("Exposing the example servers")
//! describes.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{ConnectInfo, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use serde_json::json;

/// The app's own user authentication: sees the request head, answers `Err(reason)` to
/// refuse it with `401`.
pub type Authenticate = Arc<dyn Fn(&Parts) -> Result<(), String> + Send + Sync>;

/// Most clients the rate limiter remembers; beyond it, full buckets are forgotten
/// first, then the oldest.
const MAX_CLIENTS: usize = 10_000;

/// The checks of one server. Cheap to clone (shared state).
#[derive(Clone)]
pub struct Guard {
    origins: Arc<Vec<String>>,
    hosts: Arc<Vec<String>>,
    authenticate: Option<Authenticate>,
    limiter: Arc<RateLimiter>,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("origins", &self.origins)
            .field("hosts", &self.hosts)
            .field("authenticate", &self.authenticate.is_some())
            .field("mint_per_minute", &self.limiter.per_minute)
            .finish()
    }
}

impl Guard {
    /// The checks of a server listening on `address`: its own origin and host names
    /// allowed, no authentication hook, `mint_per_minute` minting requests per client
    /// and minute.
    pub fn new(address: SocketAddr, mint_per_minute: u32) -> Self {
        let port = address.port();
        let mut hosts = vec![
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
        ];
        let ip = address.ip();
        if !ip.is_unspecified() && !ip.is_loopback() {
            hosts.push(match ip {
                IpAddr::V4(v4) => format!("{v4}:{port}"),
                IpAddr::V6(v6) => format!("[{v6}]:{port}"),
            });
        }
        let origins = hosts.iter().map(|host| format!("http://{host}")).collect();
        Self {
            origins: Arc::new(origins),
            hosts: Arc::new(hosts),
            authenticate: None,
            limiter: Arc::new(RateLimiter::new(mint_per_minute)),
        }
    }

    /// Also allows `origin` (`scheme://host[:port]`, e.g. `https://app.example.com`),
    /// and its host as Host (for a reverse proxy that keeps the public name).
    ///
    /// # Errors
    /// `origin` is not `http://…` or `https://…` with a host and nothing after it.
    pub fn allow_origin(mut self, origin: &str) -> Result<Self, String> {
        let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
        let host = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"))
            .filter(|host| !host.is_empty() && !host.contains('/'))
            .ok_or_else(|| {
                format!("expected an origin like https://app.example.com, got `{origin}`")
            })?
            .to_owned();
        Arc::make_mut(&mut self.hosts).push(host);
        Arc::make_mut(&mut self.origins).push(origin);
        Ok(self)
    }

    /// Installs the app's own user authentication, asked for every request after the
    /// Host, Origin and content-type checks.
    #[must_use]
    pub fn authenticate(mut self, hook: Authenticate) -> Self {
        self.authenticate = Some(hook);
        self
    }

    /// The allowed origins.
    pub fn origins(&self) -> &[String] {
        &self.origins
    }

    /// Applies the checks to every route of `router`. Serve it with
    /// `into_make_service_with_connect_info::<SocketAddr>()` so the rate limiter
    /// knows the client's address.
    pub fn protect<S: Clone + Send + Sync + 'static>(
        &self,
        router: axum::Router<S>,
    ) -> axum::Router<S> {
        router.layer(middleware::from_fn_with_state(self.clone(), check))
    }

    /// Adds the per-client rate limit to a minting route.
    pub fn limit_minting<S: Clone + Send + Sync + 'static>(
        &self,
        route: MethodRouter<S>,
    ) -> MethodRouter<S> {
        route.route_layer(middleware::from_fn_with_state(
            Arc::clone(&self.limiter),
            limit,
        ))
    }

    /// The reason to refuse a request with this head, if any.
    fn refusal(&self, parts: &Parts) -> Option<(StatusCode, String)> {
        let headers = &parts.headers;
        let host = headers
            .get(header::HOST)
            .and_then(|value| value.to_str().ok())
            .map(str::to_ascii_lowercase);
        match host {
            Some(host) if self.hosts.contains(&host) => {}
            Some(host) => {
                return Some((
                    StatusCode::FORBIDDEN,
                    format!(
                        "Host `{host}` is not this server (expected one of {}); a re-pointed \
                         domain (DNS rebinding) is refused",
                        self.hosts.join(", ")
                    ),
                ));
            }
            None => return Some((StatusCode::FORBIDDEN, "a Host header is required".into())),
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("").to_ascii_lowercase();
            if !self.origins.contains(&origin) {
                return Some((
                    StatusCode::FORBIDDEN,
                    format!(
                        "Origin `{origin}` is not allowed (allowed: {}); start the server \
                         with --allow-origin to add one",
                        self.origins.join(", ")
                    ),
                ));
            }
        }
        if parts.method == Method::POST && !is_json(headers) {
            return Some((
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "POST bodies must be JSON: send Content-Type: application/json".into(),
            ));
        }
        if let Some(hook) = &self.authenticate
            && let Err(reason) = hook(parts)
        {
            return Some((StatusCode::UNAUTHORIZED, reason));
        }
        None
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

async fn check(
    axum::extract::State(guard): axum::extract::State<Guard>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    if let Some((status, reason)) = guard.refusal(&parts) {
        tracing::warn!(%status, method = %parts.method, path = %parts.uri.path(), %reason, "request refused");
        return refuse(status, &reason);
    }
    next.run(Request::from_parts(parts, body)).await
}

async fn limit(
    axum::extract::State(limiter): axum::extract::State<Arc<RateLimiter>>,
    request: Request,
    next: Next,
) -> Response {
    // Without connect info (a server not started as the doc says), all clients share one bucket.
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip());
    match limiter.take(client, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            let seconds = wait.as_secs().max(1);
            let mut response = refuse(
                StatusCode::TOO_MANY_REQUESTS,
                &format!(
                    "at most {} minting requests per client and minute; retry in {seconds} s",
                    limiter.per_minute
                ),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
    }
}

fn refuse(status: StatusCode, reason: &str) -> Response {
    (status, Json(json!({ "error": reason }))).into_response()
}

/// A token bucket per client address: `per_minute` tokens, refilled continuously.
#[derive(Debug)]
struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<Option<IpAddr>, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `client` at `now`, or says how long until one is free.
    fn take(&self, client: Option<IpAddr>, now: Instant) -> Result<(), Duration> {
        let capacity = f64::from(self.per_minute);
        if capacity <= 0.0 {
            return Err(Duration::from_secs(60));
        }
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&client) {
            forget_some(&mut buckets, capacity, per_second, now);
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

/// Keeps the map bounded: drops the clients whose bucket is full again (they lose
/// nothing), or else the least recently seen one.
fn forget_some(
    buckets: &mut HashMap<Option<IpAddr>, Bucket>,
    capacity: f64,
    per_second: f64,
    now: Instant,
) {
    buckets.retain(|_, bucket| {
        bucket.tokens + now.saturating_duration_since(bucket.at).as_secs_f64() * per_second
            < capacity
    });
    if buckets.len() >= MAX_CLIENTS
        && let Some(oldest) = buckets
            .iter()
            .min_by_key(|(_, bucket)| bucket.at)
            .map(|(client, _)| *client)
    {
        buckets.remove(&oldest);
    }
}

/// Serves `app` on `listener` until Ctrl-C, with each client's address known to the
/// rate limiter of [`Guard::limit_minting`].
///
/// # Errors
/// The server failed (the message names it).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
) -> Result<(), crate::ExampleError> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| crate::ExampleError::new(format!("server: {e}")))
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};
    use std::time::{Duration, Instant};

    use super::RateLimiter;

    #[test]
    fn the_bucket_refills_per_client() {
        let limiter = RateLimiter::new(2);
        let start = Instant::now();
        let a = Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)));
        let b = Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)));
        assert!(limiter.take(a, start).is_ok());
        assert!(limiter.take(a, start).is_ok());
        let wait = limiter.take(a, start).err();
        assert_eq!(wait.map(|w| w.as_secs()), Some(30));
        // Another client has its own bucket.
        assert!(limiter.take(b, start).is_ok());
        // Half a minute later one token is back.
        assert!(limiter.take(a, start + Duration::from_secs(30)).is_ok());
        assert!(limiter.take(a, start + Duration::from_secs(30)).is_err());
    }
}
