//! Secrets: core's [`Secret`] (never shown by `Debug`, `Display` or logs), and the
//! scrubbing of server messages that may quote one.

pub use realtime_core::transport::Secret;

/// Replaces every occurrence of `secret` in `text` with `[redacted]` (used on
/// messages that come back from the server, which may quote what was sent).
pub(crate) fn scrub(secret: &Secret, text: &str) -> String {
    if secret.expose().is_empty() {
        text.to_owned()
    } else {
        text.replace(secret.expose(), "[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::{Secret, scrub};

    #[test]
    fn scrub_removes_every_occurrence() {
        let secret = Secret::new("sk-abc");
        assert_eq!(
            scrub(&secret, "bad key sk-abc (sk-abc)"),
            "bad key [redacted] ([redacted])"
        );
        assert_eq!(scrub(&Secret::new(""), "text"), "text");
    }

    #[test]
    fn debug_and_display_redact() {
        let secret = Secret::new("sk-abc");
        assert_eq!(format!("{secret:?} {secret}"), "[redacted] [redacted]");
    }
}
