//! [`DialectDetector`]: telling from the first server events whether an endpoint
//! configured for the GA shape actually speaks the beta (flat) shape. The one
//! detector of the workspace: Azure OpenAI GA v1 and Voice Live `v1` use it.
//!
//! Pure: it reads decoded events and returns a decision; the dialect's
//! [`Dialect::detect_switch`](super::Dialect::detect_switch) turns it into a switch to
//! its flat fallback, and the client re-encodes the pending `session.update` and
//! sends it again. Two signs, both from the fixtures:
//!
//! - a `session.created` / `session.updated` whose session has the beta shape
//!   (`modalities` and flat audio settings, no `type`, DIALECTS §2);
//! - an `error` with `code: "unknown_parameter"` and `param` `session.type` or
//!   `session.output_modalities`, the Azure preview endpoint's answer to a GA
//!   `session.update` (`fixtures/azure-openai/examples.jsonl`, row from pipecat#1324).

use super::Dialect;
use crate::protocol::{ErrorEvent, ServerEvent, SessionEvent};
use crate::wire::WireShape;

/// The `error.code` of a rejected field.
const UNKNOWN_PARAMETER: &str = "unknown_parameter";

/// GA-only session parameters whose rejection proves a beta-shape endpoint.
const GA_ONLY_PARAMS: &[&str] = &["session.type", "session.output_modalities", "session.audio"];

/// What the detector concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DialectDecision {
    /// The server speaks the GA shape, as configured.
    KeepGa,
    /// The server speaks the beta shape: re-encode the pending `session.update`
    /// with the dialect's flat fallback and send it again.
    SwitchToBeta {
        /// The evidence.
        reason: SwitchReason,
    },
}

/// Why the detector decided the server speaks the beta shape.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SwitchReason {
    /// A `session.created` or `session.updated` carried a beta-shaped session.
    BetaSession {
        /// `session.created` or `session.updated`.
        event_type: &'static str,
    },
    /// The server rejected a GA-only parameter.
    UnknownParameter {
        /// The parameter, e.g. `session.type`.
        param: String,
        /// The server's message, e.g. `Unknown parameter: 'session.type'.`
        message: String,
    },
}

impl std::fmt::Display for SwitchReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BetaSession { event_type } => {
                write!(f, "{event_type} carried a beta-shape session")
            }
            Self::UnknownParameter { param, message } => {
                write!(f, "the server rejected `{param}`: {message}")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Disabled,
    Watching,
    Settled(DialectDecision),
}

/// Watches the first server events of a connection configured for the GA shape.
///
/// Feed every decoded event to [`handle_event`](Self::handle_event) until
/// [`is_settled`](Self::is_settled); it returns the decision once, when reached.
///
/// ```
/// use realtime_core::dialect::{Dialect, DialectDecision, DialectDetector, GenericDialect, SwitchReason};
/// use realtime_core::wire::WireShape;
///
/// let dialect = GenericDialect::new(WireShape::Ga);
/// let mut detector = DialectDetector::for_dialect(&dialect, true);
/// let frame = r#"{"type":"error","error":{"type":"invalid_request_error",
///   "code":"unknown_parameter","message":"Unknown parameter: 'session.type'.","param":"session.type"}}"#;
/// let decision = dialect.decode(frame)?.iter().find_map(|event| detector.handle_event(event));
/// assert!(matches!(
///     decision,
///     Some(DialectDecision::SwitchToBeta { reason: SwitchReason::UnknownParameter { .. } })
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialectDetector {
    state: State,
}

impl DialectDetector {
    /// A detector for a connection configured for the GA shape.
    pub fn new() -> Self {
        Self {
            state: State::Watching,
        }
    }

    /// A detector that never decides (detection opted out).
    pub fn disabled() -> Self {
        Self {
            state: State::Disabled,
        }
    }

    /// A detector for `dialect`: watching when it speaks the GA shape and `enabled`;
    /// disabled for a flat dialect (already the beta shape) or when opted out.
    pub fn for_dialect(dialect: &dyn Dialect, enabled: bool) -> Self {
        if enabled && dialect.capabilities().shape == WireShape::Ga {
            Self::new()
        } else {
            Self::disabled()
        }
    }

    /// Whether the detector has decided, or is disabled: no need to feed it more.
    pub fn is_settled(&self) -> bool {
        !matches!(self.state, State::Watching)
    }

    /// The decision, once reached.
    pub fn decision(&self) -> Option<&DialectDecision> {
        match &self.state {
            State::Settled(decision) => Some(decision),
            State::Disabled | State::Watching => None,
        }
    }

    /// Reads one server event; returns the decision when this event settles it.
    pub fn handle_event(&mut self, event: &ServerEvent) -> Option<DialectDecision> {
        if self.state != State::Watching {
            return None;
        }
        let decision = match event {
            ServerEvent::SessionCreated(session) => from_session("session.created", session),
            ServerEvent::SessionUpdated(session) => from_session("session.updated", session),
            ServerEvent::Error(error) => from_error(error),
            _ => None,
        }?;
        if let DialectDecision::SwitchToBeta { reason } = &decision {
            tracing::warn!(
                ?reason,
                "endpoint configured for the GA shape speaks the beta shape; switching dialect"
            );
        }
        self.state = State::Settled(decision.clone());
        Some(decision)
    }
}

impl Default for DialectDetector {
    fn default() -> Self {
        Self::new()
    }
}

fn from_session(event_type: &'static str, event: &SessionEvent) -> Option<DialectDecision> {
    // A session with no field (documentation skeletons) tells nothing.
    if event.session.is_empty() {
        return None;
    }
    Some(if event.session.is_ga_shape() {
        DialectDecision::KeepGa
    } else {
        DialectDecision::SwitchToBeta {
            reason: SwitchReason::BetaSession { event_type },
        }
    })
}

fn from_error(event: &ErrorEvent) -> Option<DialectDecision> {
    let error = &event.error;
    let param = error.param.as_option()?;
    let rejected_ga_field = error.code.as_option().map(String::as_str) == Some(UNKNOWN_PARAMETER)
        && GA_ONLY_PARAMS.contains(&param.as_str());
    rejected_ga_field.then(|| DialectDecision::SwitchToBeta {
        reason: SwitchReason::UnknownParameter {
            param: param.clone(),
            message: error.message.clone(),
        },
    })
}
