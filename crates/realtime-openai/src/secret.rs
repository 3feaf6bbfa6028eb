//! [`Secret`]: a string that never shows itself in `Debug`, `Display` or logs.

use std::fmt;

/// A secret string: an API key, an ephemeral client secret, or a header built from one.
///
/// `Debug` and `Display` print `[redacted]`; the text is reachable only through
/// [`expose`](Self::expose), so a secret cannot end up in a log line or an error
/// message by accident.
///
/// ```
/// use realtime_openai::Secret;
///
/// let key = Secret::new("sk-test-123");
/// assert_eq!(format!("{key:?} {key}"), "[redacted] [redacted]");
/// assert_eq!(key.expose(), "sk-test-123");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret text. Call it only where the text must go on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Replaces every occurrence of the secret in `text` with `[redacted]` (used on
    /// messages that come back from the server, which may quote what was sent).
    pub(crate) fn scrub(&self, text: &str) -> String {
        if self.0.is_empty() {
            text.to_owned()
        } else {
            text.replace(&self.0, "[redacted]")
        }
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

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn scrub_removes_every_occurrence() {
        let secret = Secret::new("sk-abc");
        assert_eq!(
            secret.scrub("bad key sk-abc (sk-abc)"),
            "bad key [redacted] ([redacted])"
        );
        assert_eq!(Secret::new("").scrub("text"), "text");
    }
}
