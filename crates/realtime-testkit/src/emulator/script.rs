//! Scripted assistant turns.

use std::collections::VecDeque;
use std::time::Duration;

use serde_json::Value;

/// A fault the emulated service injects in place of one scripted response.
///
/// Faults marked *terminal* end the connection (the rest of the script goes to the
/// next connection, so a reconnecting client continues the conversation); the others
/// are followed by the next scripted turn, as the answer to the same request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Fault {
    /// Terminal: starts saying the text (announces the item, sends its first chunk),
    /// then ends the TCP connection without a close frame.
    DropMidResponse(String),
    /// A text frame that is not JSON, then the next turn.
    MalformedJson,
    /// A JSON frame that is not an object (an array), then the next turn.
    NonObject,
    /// A binary frame, then the next turn.
    BinaryFrame,
    /// Terminal: starts a response, then sends an audio delta frame of about this
    /// many bytes (more than the client accepts).
    Oversized(usize),
    /// Terminal: starts a response, then neither reads nor writes (answers no ping)
    /// for this long.
    Stall(Duration),
    /// The response fails: an `error` event of type `server_error`, then
    /// `response.done` with status `failed`.
    ServerError,
    /// No response: an `error` event with code `rate_limit_exceeded` answering the
    /// `response.create`.
    RateLimited,
    /// A response whose only content is a `response.function_call_arguments.done`
    /// for a call that was never announced (no `output_item.added`).
    OrphanFunctionCallDone {
        /// The function name.
        name: String,
        /// The JSON arguments.
        arguments: String,
    },
    /// Transcript and audio deltas for an item that was never announced, then the
    /// next turn.
    UnknownItemDelta,
    /// The next turn, with every event sent twice.
    Duplicate,
    /// Terminal: an `error` event with this code (e.g. `insufficient_quota`), then
    /// the connection ends without a close frame.
    FatalError(String),
}

/// One function call the emulated model makes.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptedCall {
    /// Function name.
    pub name: String,
    /// JSON arguments, as text (need not be valid: tests of bad arguments use that).
    pub arguments: String,
}

/// What the emulated model does in one response.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Turn {
    /// Says `text`: audio with its transcript, or text in a text-only session.
    Say(String),
    /// Calls functions, all in one response.
    Call(Vec<ScriptedCall>),
    /// Starts saying `text`, and after `chunks_before` audio chunks the user starts
    /// speaking over it (barge-in); with `interrupt_response` the response is cancelled.
    SayInterrupted {
        /// What the assistant starts to say.
        text: String,
        /// Audio chunks sent before the user speaks (0: before the first frame).
        chunks_before: usize,
    },
    /// Injects a fault instead of a normal response.
    Fault(Fault),
    /// Sends this server event verbatim (e.g. a Voice Live `warning`), then plays
    /// the next turn.
    Emit(serde_json::Map<String, Value>),
}

/// The assistant's turns, in order, and what the user "says" in audio turns.
///
/// ```
/// use realtime_testkit::emulator::Script;
///
/// let script = Script::new()
///     .call("lookup_order", serde_json::json!({"order": "A-1"}))
///     .say("Your order shipped yesterday.");
/// assert_eq!(script.len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[must_use]
pub struct Script {
    turns: VecDeque<Turn>,
    user_says: VecDeque<String>,
    audio_chunks: usize,
}

impl Script {
    /// An empty script: every response says "OK.".
    pub fn new() -> Self {
        Self {
            audio_chunks: 3,
            ..Self::default()
        }
    }

    /// Adds a turn saying `text`.
    pub fn say(mut self, text: impl Into<String>) -> Self {
        self.turns.push_back(Turn::Say(text.into()));
        self
    }

    /// Adds a turn calling one function.
    pub fn call(self, name: impl Into<String>, arguments: Value) -> Self {
        self.calls([(name.into(), arguments)])
    }

    /// Adds a turn calling several functions in one response.
    pub fn calls(mut self, calls: impl IntoIterator<Item = (String, Value)>) -> Self {
        let calls = calls
            .into_iter()
            .map(|(name, arguments)| ScriptedCall {
                name,
                arguments: arguments.to_string(),
            })
            .collect();
        self.turns.push_back(Turn::Call(calls));
        self
    }

    /// Adds a turn calling a function with raw argument text (e.g. invalid JSON).
    pub fn call_raw(mut self, name: impl Into<String>, arguments: impl Into<String>) -> Self {
        self.turns.push_back(Turn::Call(vec![ScriptedCall {
            name: name.into(),
            arguments: arguments.into(),
        }]));
        self
    }

    /// Adds a turn the user interrupts after `chunks_before` audio chunks.
    pub fn say_interrupted(mut self, text: impl Into<String>, chunks_before: usize) -> Self {
        self.turns.push_back(Turn::SayInterrupted {
            text: text.into(),
            chunks_before,
        });
        self
    }

    /// Adds a turn that injects `fault` (see [`Fault`]).
    pub fn fault(mut self, fault: Fault) -> Self {
        self.turns.push_back(Turn::Fault(fault));
        self
    }

    /// Adds a verbatim server event (an object with a `type`), sent when the next
    /// response is asked for, before that response.
    pub fn emit(mut self, event: Value) -> Self {
        if let Value::Object(event) = event {
            self.turns.push_back(Turn::Emit(event));
        }
        self
    }

    /// What the user's next audio turn is transcribed as.
    pub fn user_says(mut self, text: impl Into<String>) -> Self {
        self.user_says.push_back(text.into());
        self
    }

    /// How many audio chunks (100 ms each) a spoken turn has; at least 1.
    pub fn audio_chunks(mut self, chunks: usize) -> Self {
        self.audio_chunks = chunks.max(1);
        self
    }

    /// Turns left.
    pub fn len(&self) -> usize {
        self.turns.len()
    }

    /// Whether no turn is left.
    pub fn is_empty(&self) -> bool {
        self.turns.is_empty()
    }

    pub(crate) fn next_turn(&mut self) -> Turn {
        self.turns
            .pop_front()
            .unwrap_or_else(|| Turn::Say("OK.".to_owned()))
    }

    /// Takes the script, leaving an empty one (the rest goes to the next connection).
    pub(crate) fn take(&mut self) -> Self {
        let chunks = self.audio_chunks;
        let mut taken = std::mem::take(self);
        self.audio_chunks = chunks;
        taken.audio_chunks = chunks;
        taken
    }

    pub(crate) fn next_user_transcript(&mut self) -> String {
        self.user_says
            .pop_front()
            .unwrap_or_else(|| "(user speech)".to_owned())
    }

    pub(crate) fn chunks(&self) -> usize {
        self.audio_chunks.max(1)
    }
}
