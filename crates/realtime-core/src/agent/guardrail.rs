//! Output guardrails: checks on what the assistant says, run on its transcript.

use std::fmt;
use std::sync::Arc;

use super::tool::SharedState;

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

type Check = dyn Fn(&str, &SharedState) -> Verdict + Send + Sync;

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
    state_type: Option<(std::any::TypeId, &'static str)>,
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
            check: Arc::new(move |text: &str, _state: &SharedState| check(text)),
            every_chars: 40,
            state_type: None,
        }
    }

    /// A guardrail that also reads the application state `T` (set with
    /// `AgentRunner::context`; a runner whose state is not a `T` is refused when the
    /// session starts).
    ///
    /// ```
    /// use realtime_core::agent::{OutputGuardrail, SharedState, Verdict};
    ///
    /// struct Policy { banned: Vec<&'static str> }
    ///
    /// let policy = OutputGuardrail::with_context("policy", |policy: &Policy, text| {
    ///     match policy.banned.iter().find(|word| text.contains(*word)) {
    ///         Some(word) => Verdict::Trip { reason: format!("said {word}") },
    ///         None => Verdict::Pass,
    ///     }
    /// });
    /// let state = SharedState::new(Policy { banned: vec!["guarantee"] });
    /// assert!(matches!(policy.check_with("I guarantee it", &state), Verdict::Trip { .. }));
    /// ```
    pub fn with_context<T: Send + Sync + 'static>(
        name: impl Into<String>,
        check: impl Fn(&T, &str) -> Verdict + Send + Sync + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            check: Arc::new(
                move |text: &str, state: &SharedState| match state.get::<T>() {
                    Some(state) => check(state, text),
                    None => Verdict::Pass,
                },
            ),
            every_chars: 40,
            state_type: Some((std::any::TypeId::of::<T>(), std::any::type_name::<T>())),
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

    /// Runs the check without application state.
    pub fn check(&self, text: &str) -> Verdict {
        (self.check)(text, &SharedState::default())
    }

    /// Runs the check with the application state.
    pub fn check_with(&self, text: &str, state: &SharedState) -> Verdict {
        (self.check)(text, state)
    }

    /// The application state type the check needs, if any (its name).
    pub fn state_type(&self) -> Option<&'static str> {
        self.state_type.map(|(_, name)| name)
    }

    pub(crate) fn state_type_id(&self) -> Option<std::any::TypeId> {
        self.state_type.map(|(id, _)| id)
    }

    /// Whether text grown from `checked_len` to `len` characters is due a check.
    pub fn due(&self, checked_len: usize, len: usize, is_final: bool) -> bool {
        is_final || len >= checked_len + self.every_chars
    }
}

type InputCheck = dyn Fn(&str, &SharedState) -> Verdict + Send + Sync;

/// A named check on what the user said (the final transcript of each user turn,
/// `conversation.item.input_audio_transcription.completed`). On a trip the turn is
/// not answered: the user's item is deleted from the model's context and kept out of
/// the history, the response the server's turn detection started for it (or starts
/// next) is cancelled and what it said removed, no `response.create` follows, and
/// `AgentEvent::InputGuardrailTripped` tells the app, which decides what is said
/// (for instance with `AgentSession::respond_with`). With push-to-talk, the response
/// the commit asked for is the one cancelled.
///
/// Providers transcribe alongside the response: when the transcript completes only
/// after the response that answers it is done, that answer was already heard, and
/// only the user's item is removed.
///
/// ```
/// use realtime_core::agent::{InputGuardrail, Verdict};
///
/// let no_cards = InputGuardrail::new("no_card_numbers", |text| {
///     if text.chars().filter(char::is_ascii_digit).count() >= 12 {
///         Verdict::Trip { reason: "looks like a card number".into() }
///     } else {
///         Verdict::Pass
///     }
/// });
/// assert_eq!(no_cards.check("my card is 4111 1111 1111 1111"), Verdict::Trip { reason: "looks like a card number".into() });
/// ```
#[derive(Clone)]
pub struct InputGuardrail {
    name: String,
    check: Arc<InputCheck>,
    state_type: Option<(std::any::TypeId, &'static str)>,
}

impl fmt::Debug for InputGuardrail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InputGuardrail")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl InputGuardrail {
    /// A guardrail on the user's transcripts.
    pub fn new(
        name: impl Into<String>,
        check: impl Fn(&str) -> Verdict + Send + Sync + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            check: Arc::new(move |text: &str, _state: &SharedState| check(text)),
            state_type: None,
        }
    }

    /// A guardrail that also reads the application state `T` (set with
    /// `AgentRunner::context`; a runner whose state is not a `T` is refused when the
    /// session starts).
    pub fn with_context<T: Send + Sync + 'static>(
        name: impl Into<String>,
        check: impl Fn(&T, &str) -> Verdict + Send + Sync + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            check: Arc::new(
                move |text: &str, state: &SharedState| match state.get::<T>() {
                    Some(state) => check(state, text),
                    None => Verdict::Pass,
                },
            ),
            state_type: Some((std::any::TypeId::of::<T>(), std::any::type_name::<T>())),
        }
    }

    /// The guardrail's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The application state type the check needs, if any (its name).
    pub fn state_type(&self) -> Option<&'static str> {
        self.state_type.map(|(_, name)| name)
    }

    pub(crate) fn state_type_id(&self) -> Option<std::any::TypeId> {
        self.state_type.map(|(id, _)| id)
    }

    /// Runs the check without application state.
    pub fn check(&self, text: &str) -> Verdict {
        (self.check)(text, &SharedState::default())
    }

    /// Runs the check with the application state.
    pub fn check_with(&self, text: &str, state: &SharedState) -> Verdict {
        (self.check)(text, state)
    }
}
