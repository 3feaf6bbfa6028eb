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

    /// This script's turns followed by `rest`'s (its user transcripts too; `rest`'s
    /// audio chunk count wins).
    pub fn then(mut self, rest: Self) -> Self {
        self.turns.extend(rest.turns);
        self.user_says.extend(rest.user_says);
        self.audio_chunks = rest.audio_chunks;
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

/// A script or fault description that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("emulator script: expected {expected}, got {got}")]
pub struct ScriptError {
    expected: &'static str,
    got: String,
}

impl ScriptError {
    fn new(expected: &'static str, got: &Value) -> Self {
        let mut got = got.to_string();
        got.truncate(120);
        Self { expected, got }
    }
}

impl Script {
    /// Reads a script from JSON: an array of turns, each one of
    /// `{"say": "text"}`, `{"call": {"name": "f", "arguments": {...}}}`,
    /// `{"calls": [{"name", "arguments"}, ...]}`, `{"user_says": "text"}`,
    /// `{"say_interrupted": "text", "chunks_before": 1}`, `{"emit": {...event}}`,
    /// `{"fault": "drop-mid-response"}` (see [`Fault::parse`]), or
    /// `{"audio_chunks": 3}`.
    ///
    /// ```
    /// use realtime_testkit::emulator::Script;
    ///
    /// let script = Script::from_json(&serde_json::json!([
    ///     {"call": {"name": "lookup", "arguments": {"order": "A-1"}}},
    ///     {"say": "It shipped."}
    /// ]))?;
    /// assert_eq!(script.len(), 2);
    /// # Ok::<(), realtime_testkit::emulator::ScriptError>(())
    /// ```
    ///
    /// # Errors
    /// A turn that is none of the above.
    pub fn from_json(value: &Value) -> Result<Self, ScriptError> {
        let turns = value
            .as_array()
            .ok_or_else(|| ScriptError::new("an array of turns", value))?;
        let mut script = Self::new();
        for turn in turns {
            script = script.with_json_turn(turn)?;
        }
        Ok(script)
    }

    fn with_json_turn(self, turn: &Value) -> Result<Self, ScriptError> {
        let text = |key: &str| turn.get(key).and_then(Value::as_str);
        let call = |value: &Value| -> Result<(String, Value), ScriptError> {
            let name = value
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| ScriptError::new("a call with a \"name\"", value))?;
            let arguments = value.get("arguments").cloned().unwrap_or(Value::Null);
            Ok((name.to_owned(), arguments))
        };
        if let Some(said) = text("say") {
            return Ok(self.say(said));
        }
        if let Some(said) = text("user_says") {
            return Ok(self.user_says(said));
        }
        if let Some(said) = text("say_interrupted") {
            let before = turn
                .get("chunks_before")
                .and_then(Value::as_u64)
                .unwrap_or(1);
            return Ok(self.say_interrupted(said, usize::try_from(before).unwrap_or(usize::MAX)));
        }
        if let Some(value) = turn.get("call") {
            let (name, arguments) = call(value)?;
            return Ok(match arguments {
                Value::String(raw) => self.call_raw(name, raw),
                arguments => self.call(name, arguments),
            });
        }
        if let Some(Value::Array(calls)) = turn.get("calls") {
            let calls = calls.iter().map(call).collect::<Result<Vec<_>, _>>()?;
            return Ok(self.calls(calls));
        }
        if let Some(event) = turn.get("emit") {
            return Ok(self.emit(event.clone()));
        }
        if let Some(fault) = text("fault") {
            let fault =
                Fault::parse(fault).ok_or_else(|| ScriptError::new("a known fault", turn))?;
            return Ok(self.fault(fault));
        }
        if let Some(chunks) = turn.get("audio_chunks").and_then(Value::as_u64) {
            return Ok(self.audio_chunks(usize::try_from(chunks).unwrap_or(usize::MAX)));
        }
        Err(ScriptError::new(
            "a turn: say, call, calls, user_says, say_interrupted, emit, fault or audio_chunks",
            turn,
        ))
    }
}

impl Fault {
    /// A fault by name, as the `realtime-emulator --fault` option takes it:
    /// `drop-mid-response`, `malformed-json`, `non-object`, `binary-frame`,
    /// `server-error`, `rate-limited`, `unknown-item-delta`, `duplicate`,
    /// `oversized=BYTES`, `stall=MS`, `fatal=CODE`.
    pub fn parse(name: &str) -> Option<Self> {
        let (name, argument) = name.split_once('=').unwrap_or((name, ""));
        Some(match name {
            "drop-mid-response" => {
                Self::DropMidResponse("I was about to say something.".to_owned())
            }
            "malformed-json" => Self::MalformedJson,
            "non-object" => Self::NonObject,
            "binary-frame" => Self::BinaryFrame,
            "server-error" => Self::ServerError,
            "rate-limited" => Self::RateLimited,
            "unknown-item-delta" => Self::UnknownItemDelta,
            "duplicate" => Self::Duplicate,
            "oversized" => Self::Oversized(argument.parse().ok()?),
            "stall" => Self::Stall(Duration::from_millis(argument.parse().ok()?)),
            "fatal" if !argument.is_empty() => Self::FatalError(argument.to_owned()),
            _ => return None,
        })
    }
}
