//! [`AgentEvent`]: what the app sees of a running agent session.

use super::metrics::ResponseMetrics;
use super::reconnect::FatalKind;
use super::tool::ToolProgress;
#[cfg(feature = "runtime")]
use crate::client::ClientError;
use crate::error::EncodeError;
use crate::protocol::{Role, ServerEvent};

/// A high-level event of an agent session.
#[derive(Debug)]
#[non_exhaustive]
pub enum AgentEvent {
    /// Assistant audio to play, decoded, in the session's output format.
    Audio {
        /// The assistant item.
        item_id: String,
        /// The audio bytes.
        audio: Vec<u8>,
    },
    /// Part of a transcript: the assistant's words, or the user's transcribed speech.
    TranscriptDelta {
        /// Who spoke.
        role: Role,
        /// The item.
        item_id: String,
        /// New text.
        delta: String,
    },
    /// A complete transcript.
    Transcript {
        /// Who spoke.
        role: Role,
        /// The item.
        item_id: String,
        /// The whole text.
        text: String,
        /// The agent that spoke (assistant transcripts).
        agent: Option<String>,
        /// The item's `phase` where the model sets one (gpt-realtime-2.x:
        /// `commentary` for a preamble, `final_answer` for the answer).
        phase: Option<String>,
    },
    /// A tool call waits for the app's decision (`AgentSession::approve`).
    ApprovalRequested {
        /// The tool.
        tool: String,
        /// The call id to approve or reject.
        call_id: String,
        /// The JSON arguments.
        arguments: String,
    },
    /// A tool started.
    ToolStarted {
        /// The agent whose tool it is.
        agent: String,
        /// The tool.
        tool: String,
        /// The call id.
        call_id: String,
        /// The JSON arguments.
        arguments: String,
    },
    /// A tool finished; `output` is what the model receives.
    ToolFinished {
        /// The tool.
        tool: String,
        /// The call id.
        call_id: String,
        /// The output sent to the model.
        output: String,
        /// Whether it failed (error, panic, timeout, rejection, bad arguments).
        failed: bool,
    },
    /// A running tool reported progress ([`ToolContext::progress`](crate::agent::ToolContext::progress),
    /// [`ToolContext::say`](crate::agent::ToolContext::say)).
    ToolProgress {
        /// The tool.
        tool: String,
        /// The call id.
        call_id: String,
        /// What it reported.
        progress: ToolProgress,
    },
    /// The active agent changed.
    Handoff {
        /// Previous agent.
        from: String,
        /// New agent.
        to: String,
    },
    /// The new agent's voice was not applied: the provider does not allow a voice
    /// change once the conversation holds assistant audio.
    VoiceKept {
        /// The agent whose voice was not applied.
        agent: String,
    },
    /// The user interrupted: stop playback now. The assistant item was truncated at
    /// `audio_end_ms` (or deleted, when `audio_end_ms` is `None`).
    Interrupted {
        /// The assistant item.
        item_id: String,
        /// Where it was truncated.
        audio_end_ms: Option<u64>,
    },
    /// An output guardrail tripped: the response was cancelled and the item removed
    /// from the model's context as `remedy` says.
    GuardrailTripped {
        /// The guardrail.
        guardrail: String,
        /// Its reason.
        reason: String,
        /// The assistant item.
        item_id: String,
        /// What was done to the item.
        remedy: GuardrailRemedy,
    },
    /// An input guardrail stopped a user turn: the user's item was deleted from the
    /// model's context and is not in the history, the response to it was cancelled
    /// (or will be, as soon as the server starts it) and nothing answers it. The app
    /// decides what is said next.
    InputGuardrailTripped {
        /// The guardrail.
        guardrail: String,
        /// Its reason.
        reason: String,
        /// The user item.
        item_id: String,
        /// What the user said.
        transcript: String,
    },
    /// An agent's definition was replaced (`AgentSession::update_agent`); when it is
    /// the active agent its new settings were sent.
    AgentUpdated {
        /// The agent.
        agent: String,
    },
    /// The server's idle timeout fired: the user said nothing for the configured
    /// time (`input_audio_buffer.timeout_triggered`).
    IdleTimeout {
        /// The (empty) user item the server created.
        item_id: String,
        /// Start of the silent span, in ms of input audio.
        audio_start_ms: u64,
        /// End of the silent span.
        audio_end_ms: u64,
    },
    /// The user's speech could not be transcribed (on Azure OpenAI, code
    /// `DeploymentNotFound` means the transcription model must name a deployment).
    TranscriptionFailed {
        /// The user item.
        item_id: String,
        /// The provider's error code.
        code: Option<String>,
        /// The provider's message.
        message: String,
    },
    /// The metrics of a response that finished (after its `ResponseDone`): token
    /// usage for it and for the session so far, and its latencies.
    Metrics(Box<ResponseMetrics>),
    /// A response finished.
    ResponseDone {
        /// The response id.
        response_id: Option<String>,
    },
    /// The connection dropped (or a reconnect attempt failed); attempt number
    /// `attempt` follows after the backoff delay. Audio sent meanwhile is buffered
    /// (see [`AgentEvent::AudioDropped`]).
    Disconnected {
        /// Why the connection (or the previous attempt) failed.
        error: AgentError,
        /// The attempt about to be made (1-based).
        attempt: u32,
    },
    /// The session is connected again: the current agent's settings were re-applied,
    /// the history replayed as conversation items, buffered audio sent.
    Reconnected {
        /// The attempt that succeeded (1-based).
        attempt: u32,
        /// Conversation items replayed.
        items_replayed: usize,
    },
    /// The session moved to a fresh connection before the provider's time limit,
    /// between turns, with the history replayed. Nothing else changes for the app.
    SessionRotated {
        /// Conversation items replayed.
        items_replayed: usize,
    },
    /// The provider ended the session itself, with its reason (GPT-Live's
    /// `session.closed`: `expired`, `content`, `remote_hangup`, ...). No reconnect
    /// follows: the session is over, and the event stream ends after this.
    SessionEnded {
        /// The provider's reason, as sent.
        reason: String,
    },
    /// The server speaks another dialect than the configured one (e.g. a Voice Live
    /// `v1` or Azure OpenAI GA v1 endpoint that answers in the flat shape): the
    /// session switched to it and re-sent its settings; it goes on.
    DialectSwitched(crate::dialect::DialectSwitched),
    /// Microphone audio was dropped while disconnected, because more arrived than the
    /// offline buffer holds (the oldest goes first).
    AudioDropped {
        /// Bytes dropped since the last such event.
        bytes: u64,
    },
    /// An error event from the server or a client error. The session goes on, unless
    /// the error is [`AgentError::Fatal`] or [`AgentError::ReconnectFailed`]: then the
    /// event stream ends after it.
    Error(AgentError),
    /// Every server event, for apps that need more than the above (only with
    /// `AgentRunner::raw_events(true)`).
    Raw(Box<ServerEvent>),
}

/// An error reported to the app.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    /// The server sent an `error` event.
    #[error("{provider} error {code}: {message}")]
    Server {
        /// The provider.
        provider: &'static str,
        /// `error.type`, or `error.code` when present.
        code: String,
        /// The message.
        message: String,
        /// The parameter at fault.
        param: Option<String>,
    },
    /// The client failed (decode, encode or transport).
    #[cfg(feature = "runtime")]
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The dialect refused to encode an event: it was not sent, and nothing that
    /// depends on it followed.
    #[error("{provider}: {what} was not sent: {source}")]
    Refused {
        /// The provider.
        provider: &'static str,
        /// What was refused.
        what: String,
        /// The dialect's reason.
        source: Box<EncodeError>,
    },
    /// An agent cannot run on this provider (checked when the session starts).
    #[error("{provider}: agent `{agent}` is invalid: {reason}")]
    InvalidAgent {
        /// The provider.
        provider: &'static str,
        /// The agent.
        agent: String,
        /// What is wrong, with what was expected.
        reason: String,
    },
    /// The server sent something that cannot be acted on.
    #[error("{provider}: unexpected server input: {detail}")]
    Protocol {
        /// The provider.
        provider: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// A bounded buffer is full; what did not fit was refused, not dropped silently.
    #[error("{provider}: too many {what} (at most {limit})")]
    Overflow {
        /// The provider.
        provider: &'static str,
        /// What overflowed.
        what: &'static str,
        /// The bound.
        limit: usize,
    },
    /// An app command that cannot be carried out as given (it was not sent).
    #[error("{provider}: {what} was not carried out: {reason}")]
    InvalidCommand {
        /// The provider.
        provider: &'static str,
        /// The command.
        what: &'static str,
        /// What is wrong, with what was expected.
        reason: String,
    },
    /// The model asked for an agent that is not registered.
    #[error("handoff to unknown agent `{0}`")]
    UnknownAgent(String),
    /// A failure no retry can fix (credentials refused, unknown model or deployment,
    /// no quota): the session does not reconnect.
    #[error("{provider}: {kind} ({detail}); not reconnecting")]
    Fatal {
        /// The provider.
        provider: &'static str,
        /// What kind of failure.
        kind: FatalKind,
        /// The evidence: HTTP status or error code, and the server's message.
        detail: String,
    },
    /// Every reconnect attempt failed.
    #[cfg(feature = "runtime")]
    #[error("{provider}: gave up reconnecting after {attempts} attempts: {last}")]
    ReconnectFailed {
        /// The provider.
        provider: &'static str,
        /// Attempts made.
        attempts: u32,
        /// The last attempt's error.
        last: ClientError,
    },
}

impl AgentError {
    /// Whether the session ends with this error.
    pub fn is_fatal(&self) -> bool {
        match self {
            Self::Fatal { .. } => true,
            #[cfg(feature = "runtime")]
            Self::ReconnectFailed { .. } => true,
            _ => false,
        }
    }
}

/// What a tripped output guardrail did to the assistant item.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GuardrailRemedy {
    /// The item had audio: it was truncated where the user stopped hearing it.
    Truncated {
        /// Where.
        audio_end_ms: u64,
    },
    /// The item had no audio (text-only): it was deleted.
    Deleted,
}
