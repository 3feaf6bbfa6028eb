//! [`ServerEvent`]: what happened, in canonical form.
//!
//! The table in this file is the one place where wire names live: each variant with
//! its GA and beta spelling. Decoders and encoders of both shapes are generated from it.

use serde::Serialize;
use serde::de::{MapAccess, Visitor};
use serde_json::{Map, Value};

use super::fields::{Held, MapKey, held_object, read_payload_after};
use super::server_payloads::{
    AudioBufferCommitted, AudioBufferTimeout, AudioDelta, AudioDone, Bare, ContentPartEvent,
    ConversationCreated, DtmfReceived, ErrorEvent, FunctionArgumentsDelta, FunctionArgumentsDone,
    InputTranscriptionCompleted, InputTranscriptionDelta, InputTranscriptionFailed,
    InputTranscriptionSegment, ItemDeleted, ItemEvent, ItemTruncated, McpArguments, McpEvent,
    OutputAudioBufferEvent, OutputItemEvent, RateLimitsUpdated, ResponseEvent, SessionEvent,
    SpeechStarted, SpeechStopped, Spelling, TextDelta, TextDone, TranscriptDone,
};
use crate::wire::WireShape;

/// Serialises a payload with its `type` first.
#[derive(Serialize)]
struct Tagged<'a, T> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(flatten)]
    payload: &'a T,
}

macro_rules! server_events {
    (
        $(
            $(#[$doc:meta])*
            $variant:ident($payload:ty) = $ga:literal / $beta:literal $(, $spelled:ident)?;
        )*
    ) => {
        /// A server event in canonical form.
        ///
        /// Event types a wire shape defines are typed; anything else is
        /// [`ServerEvent::Unknown`] with its raw object, never an error. Each payload
        /// keeps fields this library does not model, so re-encoding reproduces the frame.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum ServerEvent {
            $( $(#[$doc])* $variant($payload), )*
            /// An event type this library does not know, kept verbatim.
            Unknown {
                /// The frame's `type`.
                event_type: String,
                /// The whole frame.
                raw: Map<String, Value>,
            },
        }

        impl ServerEvent {
            /// The wire name of this event in `shape`.
            pub fn event_type(&self, shape: WireShape) -> &str {
                match self {
                    $(
                        #[allow(unused_variables)]
                        Self::$variant(payload) => {
                            let spelling = Spelling::Native;
                            $( let _ = stringify!($spelled); let spelling = payload.spelling; )?
                            match (spelling, shape) {
                                (Spelling::Ga, _) | (Spelling::Native, WireShape::Ga) => $ga,
                                (Spelling::Beta, _) | (Spelling::Native, WireShape::Beta) => $beta,
                            }
                        }
                    )*
                    Self::Unknown { event_type, .. } => event_type,
                }
            }

            /// Whether this is [`ServerEvent::Unknown`].
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown { .. })
            }

            /// The server's event id.
            pub fn event_id(&self) -> Option<&str> {
                match self {
                    $( Self::$variant(payload) => payload.event_id.as_deref(), )*
                    Self::Unknown { raw, .. } => raw.get("event_id").and_then(Value::as_str),
                }
            }

            /// Whether `event_type` is a name some shape gives a typed event.
            pub fn is_known_type(event_type: &str) -> bool {
                Self::ga_names().contains(&event_type) || Self::beta_names().contains(&event_type)
            }

            /// Every GA event name.
            pub fn ga_names() -> &'static [&'static str] {
                &[$($ga,)*]
            }

            /// Every beta event name.
            pub fn beta_names() -> &'static [&'static str] {
                &[$($beta,)*]
            }

            /// Decodes a frame in one pass: entries before `type` (OpenAI puts it first;
            /// Voice Live and some recordings put `event_id` first) are held, then the
            /// event type picks the payload, whose fields are read straight from the rest
            /// of the map, and the event is built in place at the end of `out` (a
            /// `ServerEvent` is a few hundred bytes: returned by value, it was copied at
            /// every level up to the caller's `Vec`). `false`, with `out` as it was, when
            /// the frame is anything else (`type` missing, malformed, a field of the wrong
            /// type): the caller then takes the two-step path, which gives the typed error.
            pub(crate) fn decode_single_pass_into(frame: &str, shape: WireShape, out: &mut Vec<Self>) -> bool {
                let before = out.len();
                let mut deserializer = serde_json::Deserializer::from_str(frame);
                let read = serde::Deserializer::deserialize_map(&mut deserializer, FrameVisitor { shape, out: &mut *out });
                if matches!(read, Ok(true)) && deserializer.end().is_ok() {
                    return true;
                }
                out.truncate(before);
                false
            }

            /// [`decode_single_pass_into`](Self::decode_single_pass_into) of one event.
            #[cfg(test)]
            pub(crate) fn decode_single_pass(frame: &str, shape: WireShape) -> Option<Self> {
                let mut out = Vec::with_capacity(1);
                Self::decode_single_pass_into(frame, shape, &mut out).then(|| out.pop()).flatten()
            }

            /// Reads the rest of a map whose `type` was `event_type`, in either spelling
            /// (GA first, as [`decode_typed`](Self::decode_typed)), into `out`.
            fn read_rest<'de, A: MapAccess<'de>>(event_type: &str, shape: WireShape, held: Held<'de>, map: &mut A, out: &mut Vec<Self>) -> Result<(), A::Error> {
                #[allow(unused_variables)]
                let ga_spelling = if shape == WireShape::Ga { Spelling::Native } else { Spelling::Ga };
                #[allow(unused_variables)]
                let beta_spelling = if shape == WireShape::Beta { Spelling::Native } else { Spelling::Beta };
                match event_type {
                    $(
                        $ga => {
                            #[allow(unused_mut)]
                            let mut payload: $payload = read_payload_after(held, map)?;
                            $( let _ = stringify!($spelled); payload.spelling = ga_spelling; )?
                            out.push(Self::$variant(payload));
                            return Ok(());
                        }
                    )*
                    _ => {}
                }
                #[allow(unreachable_patterns)]
                match event_type {
                    $(
                        $beta => {
                            #[allow(unused_mut)]
                            let mut payload: $payload = read_payload_after(held, map)?;
                            $( let _ = stringify!($spelled); payload.spelling = beta_spelling; )?
                            out.push(Self::$variant(payload));
                            return Ok(());
                        }
                    )*
                    _ => {}
                }
                let mut raw = held_object(held);
                raw.insert("type".to_owned(), Value::String(event_type.to_owned()));
                while let Some((key, value)) = map.next_entry::<String, Value>()? {
                    raw.insert(key, value);
                }
                out.push(Self::Unknown { event_type: event_type.to_owned(), raw });
                Ok(())
            }

            /// Decodes a frame whose `type` is `event_type` as the typed event it names,
            /// in either spelling; `None` for a type no shape defines.
            pub(crate) fn decode_typed(event_type: &str, frame: &str, shape: WireShape) -> Option<Result<Self, serde_json::Error>> {
                Self::decode_spelled(event_type, frame, shape, true).or_else(|| Self::decode_spelled(event_type, frame, shape, false))
            }

            fn decode_spelled(event_type: &str, frame: &str, shape: WireShape, ga: bool) -> Option<Result<Self, serde_json::Error>> {
                let native = (shape == WireShape::Ga) == ga;
                #[allow(unused_variables)]
                let spelling = match (native, ga) {
                    (true, _) => Spelling::Native,
                    (false, true) => Spelling::Ga,
                    (false, false) => Spelling::Beta,
                };
                if ga {
                    match event_type {
                        $(
                            $ga => Some(serde_json::from_str::<$payload>(frame).map(|mut payload| {
                                payload.extra.remove("type");
                                $( let _ = stringify!($spelled); payload.spelling = spelling; )?
                                Self::$variant(payload)
                            })),
                        )*
                        _ => None,
                    }
                } else {
                    match event_type {
                        $(
                            $beta => Some(serde_json::from_str::<$payload>(frame).map(|mut payload| {
                                payload.extra.remove("type");
                                $( let _ = stringify!($spelled); payload.spelling = spelling; )?
                                Self::$variant(payload)
                            })),
                        )*
                        _ => None,
                    }
                }
            }

            /// Writes the event as a frame of `shape`.
            pub(crate) fn to_frame(&self, shape: WireShape) -> Result<String, serde_json::Error> {
                let kind = self.event_type(shape);
                match self {
                    $( Self::$variant(payload) => serde_json::to_string(&Tagged { kind, payload }), )*
                    Self::Unknown { raw, .. } => serde_json::to_string(raw),
                }
            }
        }
    };
}

/// The single-pass frame reader: `type` first, then the payload it names, pushed
/// onto `out`.
struct FrameVisitor<'a> {
    shape: WireShape,
    out: &'a mut Vec<ServerEvent>,
}

impl<'de> Visitor<'de> for FrameVisitor<'_> {
    /// `false`: no `type` key (take the two-step path, which names the error).
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut held = Held::new();
        while let Some(MapKey(key)) = map.next_key::<MapKey<'de>>()? {
            if key == "type" {
                let MapKey(event_type) = map.next_value()?;
                ServerEvent::read_rest(&event_type, self.shape, held, &mut map, self.out)?;
                return Ok(true);
            }
            held.push((key, map.next_value()?));
        }
        Ok(false)
    }
}

server_events! {
    /// `error`.
    Error(ErrorEvent) = "error" / "error";
    /// `session.created`: the first event of every session.
    SessionCreated(SessionEvent) = "session.created" / "session.created";
    /// `session.updated`: the server applied a `session.update`.
    SessionUpdated(SessionEvent) = "session.updated" / "session.updated";
    /// Beta `transcription_session.created`.
    TranscriptionSessionCreated(SessionEvent) = "transcription_session.created" / "transcription_session.created";
    /// Beta `transcription_session.updated`.
    TranscriptionSessionUpdated(SessionEvent) = "transcription_session.updated" / "transcription_session.updated";
    /// `conversation.created`.
    ConversationCreated(ConversationCreated) = "conversation.created" / "conversation.created";
    /// GA `conversation.item.added`: an item joined the conversation (assistant items
    /// arrive empty and in progress).
    ConversationItemAdded(ItemEvent) = "conversation.item.added" / "conversation.item.added";
    /// GA `conversation.item.done` (also sent by Voice Live): an item is complete.
    ConversationItemDone(ItemEvent) = "conversation.item.done" / "conversation.item.done";
    /// Beta `conversation.item.created` (legacy in GA).
    ConversationItemCreated(ItemEvent) = "conversation.item.created" / "conversation.item.created";
    /// `conversation.item.retrieved`.
    ConversationItemRetrieved(ItemEvent) = "conversation.item.retrieved" / "conversation.item.retrieved";
    /// `conversation.item.truncated`.
    ConversationItemTruncated(ItemTruncated) = "conversation.item.truncated" / "conversation.item.truncated";
    /// `conversation.item.deleted`.
    ConversationItemDeleted(ItemDeleted) = "conversation.item.deleted" / "conversation.item.deleted";
    /// `conversation.item.input_audio_transcription.completed`.
    InputTranscriptionCompleted(InputTranscriptionCompleted) =
        "conversation.item.input_audio_transcription.completed" / "conversation.item.input_audio_transcription.completed";
    /// `conversation.item.input_audio_transcription.delta`.
    InputTranscriptionDelta(InputTranscriptionDelta) =
        "conversation.item.input_audio_transcription.delta" / "conversation.item.input_audio_transcription.delta";
    /// `conversation.item.input_audio_transcription.failed`.
    InputTranscriptionFailed(InputTranscriptionFailed) =
        "conversation.item.input_audio_transcription.failed" / "conversation.item.input_audio_transcription.failed";
    /// `conversation.item.input_audio_transcription.segment`.
    InputTranscriptionSegment(InputTranscriptionSegment) =
        "conversation.item.input_audio_transcription.segment" / "conversation.item.input_audio_transcription.segment";
    /// `input_audio_buffer.committed`.
    InputAudioBufferCommitted(AudioBufferCommitted) = "input_audio_buffer.committed" / "input_audio_buffer.committed";
    /// `input_audio_buffer.cleared`.
    InputAudioBufferCleared(Bare) = "input_audio_buffer.cleared" / "input_audio_buffer.cleared";
    /// `input_audio_buffer.speech_started`: the user began speaking.
    SpeechStarted(SpeechStarted) = "input_audio_buffer.speech_started" / "input_audio_buffer.speech_started";
    /// `input_audio_buffer.speech_stopped`.
    SpeechStopped(SpeechStopped) = "input_audio_buffer.speech_stopped" / "input_audio_buffer.speech_stopped";
    /// `input_audio_buffer.timeout_triggered`.
    InputAudioBufferTimeoutTriggered(AudioBufferTimeout) =
        "input_audio_buffer.timeout_triggered" / "input_audio_buffer.timeout_triggered";
    /// `input_audio_buffer.dtmf_event_received`.
    DtmfEventReceived(DtmfReceived) = "input_audio_buffer.dtmf_event_received" / "input_audio_buffer.dtmf_event_received";
    /// `output_audio_buffer.started`.
    OutputAudioBufferStarted(OutputAudioBufferEvent) = "output_audio_buffer.started" / "output_audio_buffer.started";
    /// `output_audio_buffer.stopped`.
    OutputAudioBufferStopped(OutputAudioBufferEvent) = "output_audio_buffer.stopped" / "output_audio_buffer.stopped";
    /// `output_audio_buffer.cleared`.
    OutputAudioBufferCleared(OutputAudioBufferEvent) = "output_audio_buffer.cleared" / "output_audio_buffer.cleared";
    /// `response.created`.
    ResponseCreated(ResponseEvent) = "response.created" / "response.created";
    /// `response.done`: the response finished, was cancelled, or failed.
    ResponseDone(ResponseEvent) = "response.done" / "response.done";
    /// `response.output_item.added`.
    ResponseOutputItemAdded(OutputItemEvent) = "response.output_item.added" / "response.output_item.added";
    /// `response.output_item.done`.
    ResponseOutputItemDone(OutputItemEvent) = "response.output_item.done" / "response.output_item.done";
    /// `response.content_part.added`.
    ResponseContentPartAdded(ContentPartEvent) = "response.content_part.added" / "response.content_part.added";
    /// `response.content_part.done`.
    ResponseContentPartDone(ContentPartEvent) = "response.content_part.done" / "response.content_part.done";
    /// Text output delta (GA `response.output_text.delta`, beta `response.text.delta`).
    ResponseTextDelta(TextDelta) = "response.output_text.delta" / "response.text.delta", spelled;
    /// Text output done (GA `response.output_text.done`, beta `response.text.done`).
    ResponseTextDone(TextDone) = "response.output_text.done" / "response.text.done", spelled;
    /// Audio output delta (GA `response.output_audio.delta`, beta `response.audio.delta`).
    ResponseAudioDelta(AudioDelta) = "response.output_audio.delta" / "response.audio.delta", spelled;
    /// Audio output done (GA `response.output_audio.done`, beta `response.audio.done`).
    ResponseAudioDone(AudioDone) = "response.output_audio.done" / "response.audio.done", spelled;
    /// Transcript of output audio, delta (GA `response.output_audio_transcript.delta`,
    /// beta `response.audio_transcript.delta`).
    ResponseAudioTranscriptDelta(TextDelta) =
        "response.output_audio_transcript.delta" / "response.audio_transcript.delta", spelled;
    /// Transcript of output audio, done.
    ResponseAudioTranscriptDone(TranscriptDone) =
        "response.output_audio_transcript.done" / "response.audio_transcript.done", spelled;
    /// `response.function_call_arguments.delta`.
    FunctionCallArgumentsDelta(FunctionArgumentsDelta) =
        "response.function_call_arguments.delta" / "response.function_call_arguments.delta";
    /// `response.function_call_arguments.done`: a complete function call.
    FunctionCallArgumentsDone(FunctionArgumentsDone) =
        "response.function_call_arguments.done" / "response.function_call_arguments.done";
    /// `rate_limits.updated`.
    RateLimitsUpdated(RateLimitsUpdated) = "rate_limits.updated" / "rate_limits.updated";
    /// `mcp_list_tools.in_progress`.
    McpListToolsInProgress(McpEvent) = "mcp_list_tools.in_progress" / "mcp_list_tools.in_progress";
    /// `mcp_list_tools.completed`.
    McpListToolsCompleted(McpEvent) = "mcp_list_tools.completed" / "mcp_list_tools.completed";
    /// `mcp_list_tools.failed`.
    McpListToolsFailed(McpEvent) = "mcp_list_tools.failed" / "mcp_list_tools.failed";
    /// `response.mcp_call_arguments.delta`.
    McpCallArgumentsDelta(McpArguments) = "response.mcp_call_arguments.delta" / "response.mcp_call_arguments.delta";
    /// `response.mcp_call_arguments.done`.
    McpCallArgumentsDone(McpArguments) = "response.mcp_call_arguments.done" / "response.mcp_call_arguments.done";
    /// `response.mcp_call.in_progress`.
    McpCallInProgress(McpEvent) = "response.mcp_call.in_progress" / "response.mcp_call.in_progress";
    /// `response.mcp_call.completed`.
    McpCallCompleted(McpEvent) = "response.mcp_call.completed" / "response.mcp_call.completed";
    /// `response.mcp_call.failed`.
    McpCallFailed(McpEvent) = "response.mcp_call.failed" / "response.mcp_call.failed";
}
