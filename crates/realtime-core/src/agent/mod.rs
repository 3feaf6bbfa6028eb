//! The agent layer: agents with instructions, tools and handoffs over one
//! connection, barge-in with truncation, output guardrails, tool approval, history.
//!
//! Every decision is made by [`machine::AgentMachine`], a pure state
//! machine (inputs with `now` passed in, actions polled out; no tokio, no clock),
//! whose invariants are listed in [`machine`]. The reliability policies (reconnect
//! backoff, fatal errors, offline audio, rotation) are data in [`reconnect`]. With
//! the `runtime` feature, [`AgentRunner`] starts the tokio driver that feeds the
//! machine from a WebSocket and carries out its actions.

mod definition;
mod event;
mod guardrail;
mod history;
pub mod machine;
mod overrides;
pub mod reconnect;
#[cfg(feature = "runtime")]
mod run_loop;
#[cfg(feature = "runtime")]
mod runner;
mod schema;
#[cfg(feature = "runtime")]
mod session;
mod tool;

pub use definition::{Agent, AgentContext, Handoff, HandoffContext, Instructions};
pub use event::{AgentError, AgentEvent, GuardrailRemedy};
pub use guardrail::{InputGuardrail, OutputGuardrail, Verdict};
pub use history::{History, HistoryEntry};
pub use machine::{
    AgentMachine, DEFAULT_MAX_HISTORY, DEFAULT_MAX_HISTORY_BYTES, DEFAULT_TOOL_TIMEOUT,
};
pub use overrides::ResponseOverrides;
pub use reconnect::{FatalKind, ReconnectPolicy, RotationPolicy};
#[cfg(feature = "runtime")]
pub use runner::{AgentRunner, DEFAULT_OFFLINE_AUDIO};
pub use schema::inline_schema_for;
#[cfg(feature = "runtime")]
pub use session::{AgentSession, CLOSE_TIMEOUT};
pub use tool::{
    AgentTool, AnyToolContext, ProgressSink, SharedState, ToolContext, ToolError, ToolFuture,
    ToolProgress,
};

/// A base instant for the machine's unit tests (the machine itself reads no clock).
#[cfg(test)]
pub(crate) fn test_epoch() -> std::time::Instant {
    std::time::Instant::now()
}
