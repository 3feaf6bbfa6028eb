//! [`AgentEvent`]: what the app sees of a running agent session.

use crate::client::ClientError;
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
    /// An output guardrail tripped: the response was cancelled and truncated.
    GuardrailTripped {
        /// The guardrail.
        guardrail: String,
        /// Its reason.
        reason: String,
        /// The assistant item.
        item_id: String,
    },
    /// A response finished.
    ResponseDone {
        /// The response id.
        response_id: Option<String>,
    },
    /// An error event from the server or a recoverable client error; the session goes on.
    Error(AgentError),
    /// Every server event, for apps that need more than the above.
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
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The model asked for an agent that is not registered.
    #[error("handoff to unknown agent `{0}`")]
    UnknownAgent(String),
}
