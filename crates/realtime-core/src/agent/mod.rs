//! The agent loop: agents with instructions, tools and handoffs over one connection,
//! barge-in with truncation, output guardrails, tool approval, history.
//!
//! The decisions (one response in flight, what a barge-in does) are pure functions in
//! [`decide`], and those of reliability (reconnect backoff, fatal errors, offline
//! audio, session rotation) in [`reconnect`], all tested without tokio;
//! [`AgentRunner`] is the async loop around them.

pub mod decide;
mod definition;
mod event;
mod guardrail;
mod history;
pub mod reconnect;
mod runner;
mod schema;
mod tool;

pub use definition::{Agent, AgentContext, Handoff, Instructions};
pub use event::{AgentError, AgentEvent};
pub use guardrail::{OutputGuardrail, Verdict};
pub use history::{History, HistoryEntry};
pub use reconnect::{FatalKind, ReconnectPolicy, RotationPolicy};
pub use runner::{
    AgentRunner, AgentSession, DEFAULT_MAX_HISTORY, DEFAULT_OFFLINE_AUDIO, DEFAULT_TOOL_TIMEOUT,
};
pub use schema::inline_schema_for;
pub use tool::{AgentTool, ToolContext, ToolError};
