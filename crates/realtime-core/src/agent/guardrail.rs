//! Output guardrails: checks on what the assistant says, run on its transcript.

use std::fmt;
use std::sync::Arc;

/// A guardrail's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The text may stand.
    Pass,
    /// The text must not be spoken: the response is cancelled and truncated.
    Trip {
        /// Why (shown to the app, not to the user).
        reason: String,
    },
}

type Check = dyn Fn(&str) -> Verdict + Send + Sync;

/// A named check on the assistant's transcript so far. Checks run often (debounced
/// every `every_chars` new characters and at the end of each transcript), so keep
/// them cheap.
///
/// ```
/// use realtime_core::agent::{OutputGuardrail, Verdict};
///
/// let no_refunds = OutputGuardrail::new("no_refund_promises", |text| {
///     if text.to_lowercase().contains("full refund") {
///         Verdict::Trip { reason: "promised a refund".into() }
///     } else {
///         Verdict::Pass
///     }
/// });
/// assert_eq!(no_refunds.check("You will get a FULL refund."), Verdict::Trip { reason: "promised a refund".into() });
/// ```
#[derive(Clone)]
pub struct OutputGuardrail {
    name: String,
    check: Arc<Check>,
    every_chars: usize,
}

impl fmt::Debug for OutputGuardrail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutputGuardrail")
            .field("name", &self.name)
            .field("every_chars", &self.every_chars)
            .finish_non_exhaustive()
    }
}

impl OutputGuardrail {
    /// A guardrail checking every 40 new characters.
    pub fn new(
        name: impl Into<String>,
        check: impl Fn(&str) -> Verdict + Send + Sync + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            check: Arc::new(check),
            every_chars: 40,
        }
    }

    /// Sets how many new characters trigger a check.
    #[must_use]
    pub fn every_chars(mut self, every_chars: usize) -> Self {
        self.every_chars = every_chars.max(1);
        self
    }

    /// The guardrail's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs the check.
    pub fn check(&self, text: &str) -> Verdict {
        (self.check)(text)
    }

    /// Whether text grown from `checked_len` to `len` characters is due a check.
    pub fn due(&self, checked_len: usize, len: usize, is_final: bool) -> bool {
        is_final || len >= checked_len + self.every_chars
    }
}
