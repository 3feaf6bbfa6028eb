//! [`ConnectRequest`]: what a connector asks the transport to open, and URL redaction.

use std::fmt;

use super::secret::Secret;

/// Query parameters whose values [`redact_url`] hides (compared case-insensitively).
const SECRET_QUERY_KEYS: &[&str] = &[
    "api-key",
    "api_key",
    "authorization",
    "key",
    "token",
    "access_token",
];

/// The value of one handshake header: plain text, or a [`Secret`] that is redacted
/// in `Debug` and marked sensitive in the HTTP request.
#[derive(Clone, PartialEq, Eq)]
pub enum HeaderValue {
    /// A value that may be logged, e.g. `OpenAI-Beta: realtime=v1`.
    Plain(String),
    /// A credential, e.g. `Authorization: Bearer ...` or `api-key: ...`.
    Secret(Secret),
}

impl HeaderValue {
    /// Returns the value to put on the wire. Never log the result.
    pub fn expose(&self) -> &str {
        match self {
            Self::Plain(value) => value,
            Self::Secret(secret) => secret.expose(),
        }
    }

    /// Whether the value is a secret.
    pub fn is_secret(&self) -> bool {
        matches!(self, Self::Secret(_))
    }
}

impl fmt::Debug for HeaderValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Plain(value) => fmt::Debug::fmt(value, f),
            Self::Secret(secret) => fmt::Debug::fmt(secret, f),
        }
    }
}

/// What to open: URL, handshake headers and WebSocket subprotocols.
///
/// Built by a [`Connector`](super::Connector) for every connection attempt. Its
/// `Debug` shows the URL through [`redact_url`] and secret header values as
/// `[redacted]`.
///
/// ```
/// use realtime_core::transport::{ConnectRequest, Secret};
///
/// let request = ConnectRequest::new("wss://example.invalid/realtime?api-key=k")
///     .header("OpenAI-Beta", "realtime=v1")
///     .secret_header("api-key", Secret::new("k"))
///     .subprotocol("realtime");
/// let debug = format!("{request:?}");
/// assert!(debug.contains("[redacted]") && !debug.contains("=k"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectRequest {
    /// `ws://` or `wss://` URL, with path and query.
    pub url: String,
    /// Handshake headers, in order.
    pub headers: Vec<(String, HeaderValue)>,
    /// Values for `Sec-WebSocket-Protocol`, in order of preference (none: no header).
    pub subprotocols: Vec<String>,
}

impl ConnectRequest {
    /// A request for `url` with no headers and no subprotocols.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            headers: Vec::new(),
            subprotocols: Vec::new(),
        }
    }

    /// Adds a plain header.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers
            .push((name.into(), HeaderValue::Plain(value.into())));
        self
    }

    /// Adds a header whose value is a secret.
    #[must_use]
    pub fn secret_header(mut self, name: impl Into<String>, value: impl Into<Secret>) -> Self {
        self.headers
            .push((name.into(), HeaderValue::Secret(value.into())));
        self
    }

    /// Adds a `Sec-WebSocket-Protocol` value.
    #[must_use]
    pub fn subprotocol(mut self, protocol: impl Into<String>) -> Self {
        self.subprotocols.push(protocol.into());
        self
    }

    /// The URL with secret-looking query parameters hidden (see [`redact_url`]).
    pub fn redacted_url(&self) -> String {
        redact_url(&self.url)
    }
}

impl fmt::Debug for ConnectRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectRequest")
            .field("url", &self.redacted_url())
            .field("headers", &self.headers)
            .field("subprotocols", &self.subprotocols.len())
            .finish()
    }
}

/// Returns `url` with credentials hidden, for logs and error messages.
///
/// The values of the query parameters `api-key`, `api_key`, `authorization`, `key`,
/// `token` and `access_token` (any case) become `[redacted]`, and so does a
/// `user:password@` part. Anything else is kept as it is; a string that is not a URL
/// comes back unchanged apart from those rules.
///
/// ```
/// use realtime_core::transport::redact_url;
///
/// assert_eq!(
///     redact_url("wss://h.example/openai/realtime?api-version=1&api-key=abc#f"),
///     "wss://h.example/openai/realtime?api-version=1&api-key=[redacted]#f",
/// );
/// ```
pub fn redact_url(url: &str) -> String {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((head, fragment)) => (head, Some(fragment)),
        None => (url, None),
    };
    let (base, query) = match before_fragment.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (before_fragment, None),
    };
    let mut out = redact_userinfo(base);
    if let Some(query) = query {
        out.push('?');
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _))
                    if SECRET_QUERY_KEYS
                        .iter()
                        .any(|secret| key.eq_ignore_ascii_case(secret)) =>
                {
                    format!("{key}=[redacted]")
                }
                _ => pair.to_owned(),
            })
            .collect();
        out.push_str(&pairs.join("&"));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// The values of the secret query parameters of `url` (see [`redact_url`]), and
/// the password of a `user:password@` part.
pub(crate) fn secret_query_values(url: &str) -> Vec<&str> {
    let before_fragment = url.split_once('#').map_or(url, |(head, _)| head);
    let mut values = Vec::new();
    if let Some((base, query)) = before_fragment.split_once('?') {
        values.extend(query.split('&').filter_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            SECRET_QUERY_KEYS
                .iter()
                .any(|secret| key.eq_ignore_ascii_case(secret))
                .then_some(value)
        }));
        values.extend(userinfo(base));
    } else {
        values.extend(userinfo(before_fragment));
    }
    values.retain(|value| !value.is_empty());
    values
}

/// The `user:password` of `scheme://user:password@host/...`, if any.
fn userinfo(base: &str) -> Option<&str> {
    let (_, rest) = base.split_once("://")?;
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    authority.rsplit_once('@').map(|(info, _)| info)
}

/// Hides `user:password@` in `scheme://user:password@host/path`.
fn redact_userinfo(base: &str) -> String {
    let Some((scheme, rest)) = base.split_once("://") else {
        return base.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://[redacted]@{host}{path}"),
        None => base.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_secret_query_parameters_in_any_case() {
        assert_eq!(
            redact_url("wss://h/p?Authorization=Bearer%20x&model=m&TOKEN=t&key=k"),
            "wss://h/p?Authorization=[redacted]&model=m&TOKEN=[redacted]&key=[redacted]"
        );
    }

    #[test]
    fn finds_secret_query_values() {
        assert_eq!(
            secret_query_values("wss://u:pw@h/p?api-key=k1&model=m&Token=t2#f"),
            ["k1", "t2", "u:pw"]
        );
        assert!(secret_query_values("wss://h/p?model=m").is_empty());
    }

    #[test]
    fn keeps_urls_without_secrets() {
        let url = "wss://h.example:443/v1/realtime?model=gpt-realtime&monkey=1";
        assert_eq!(redact_url(url), url);
        assert_eq!(redact_url("not a url"), "not a url");
    }

    #[test]
    fn redacts_userinfo() {
        assert_eq!(
            redact_url("wss://user:pw@h.example/x?a=1"),
            "wss://[redacted]@h.example/x?a=1"
        );
    }

    #[test]
    fn debug_never_shows_secret_headers() {
        let request = ConnectRequest::new("ws://h/?api-key=qwerty")
            .secret_header("api-key", "qwerty")
            .header("x-plain", "visible");
        let debug = format!("{request:?}");
        assert!(!debug.contains("qwerty"), "{debug}");
        assert!(debug.contains("visible"), "{debug}");
    }
}
