//! [`Secret`]: a string that never shows itself in `Debug` or `Display`.

use std::fmt;
use std::sync::Arc;

/// A secret string (an API key, a bearer token) that prints as `[redacted]`.
///
/// Cloning is cheap (the value is shared). The only way to read the value is
/// [`Secret::expose`], so every place that reveals it is easy to find. Equality
/// compares the values; it is meant for tests, not for checking credentials.
///
/// ```
/// use realtime_core::transport::Secret;
///
/// let key = Secret::new("sk-123");
/// assert_eq!(format!("{key:?} {key}"), "[redacted] [redacted]");
/// assert_eq!(key.expose(), "sk-123");
/// ```
#[derive(Clone)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Arc::from(value.into()))
    }

    /// Returns the secret value. Never log or display the result.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` (a server's message, which may quote what was sent) with this secret
    /// replaced by `[redacted]` in every form: whole, without a `Bearer ` prefix,
    /// base64, percent-encoded, and any run of 4 or more bytes shared with it.
    ///
    /// ```
    /// use realtime_core::transport::Secret;
    ///
    /// let key = Secret::new("sk-abc");
    /// assert_eq!(key.scrub("bad key sk-abc (sk-abc)"), "bad key [redacted] ([redacted])");
    /// assert_eq!(Secret::new("Bearer tok-123456").scrub("got tok-123456"), "got [redacted]");
    /// assert_eq!(Secret::new("").scrub("text"), "text");
    /// ```
    pub fn scrub(&self, text: &str) -> String {
        if self.0.is_empty() {
            return text.to_owned();
        }
        super::scrub::Scrubber::for_secret(&self.0).scrub(text)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for Secret {}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}
