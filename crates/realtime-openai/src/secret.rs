//! Secrets: core's [`Secret`] (never shown by `Debug`, `Display` or logs; its
//! `scrub` removes it from server messages that may quote it).

pub use realtime_core::transport::Secret;

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

    #[test]
    fn debug_and_display_redact() {
        let secret = Secret::new("sk-abc");
        assert_eq!(format!("{secret:?} {secret}"), "[redacted] [redacted]");
    }
}
