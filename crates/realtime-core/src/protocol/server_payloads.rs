//! The payloads of server events: one struct per event shape.
//!
//! Every struct keeps the event's `event_id` and, in `extra`, every field this
//! library does not model, so a decoded frame re-encodes to the same JSON.

use serde::Serialize;
use serde_json::{Map, Value};

use super::fields::read_fields;

use super::audio::AudioBase64;
use super::item::{ContentPart, Item};
use super::nullable::Nullable;
use super::response::Response;
use super::session_resource::SessionResource;

/// Declares a server-event payload struct with `event_id` and `extra`.
///
/// `Deserialize` is written by hand rather than derived: a derived struct with a
/// `#[serde(flatten)]` field buffers the whole object through serde's private
/// `Content` tree (every string copied, then copied again into the fields), which made
/// typed decoding slower than parsing a `serde_json::Value`. The generated impl reads
/// each entry once, straight into its field, and keeps any other key in `extra`. With
/// `@spelled`, the struct also gets a `spelling` field (never read from the wire).
macro_rules! payload {
    (@spelled $(#[$meta:meta])* pub struct $name:ident { $($body:tt)* }) => {
        payload! { @emit [
            /// Which spelling of the event name the frame used.
            #[serde(skip)]
            pub spelling: Spelling,
        ] $(#[$meta])* pub struct $name { $($body)* } }
    };
    (@emit [$($tail:tt)*]
        $(#[$meta:meta])*
        pub struct $name:ident { $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty, )* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default, Serialize)]
        pub struct $name {
            /// The server's id for this event.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub event_id: Option<String>,
            $( $(#[$fmeta])* pub $field: $ty, )*
            $($tail)*
            /// Fields this library does not model, kept verbatim.
            #[serde(flatten)]
            pub extra: Map<String, Value>,
        }

        read_fields!(@unchecked $name, extra { "event_id" => event_id, $( stringify!($field) => $field, )* });
    };
    ($(#[$meta:meta])* pub struct $name:ident { $($body:tt)* }) => {
        payload! { @emit [] $(#[$meta])* pub struct $name { $($body)* } }
    };
}

/// Which spelling of an event name a frame used.
///
/// GA and beta name some events differently (`response.output_audio.delta` versus
/// `response.audio.delta`). Decoders accept both spellings and record which one came,
/// so that re-encoding reproduces the frame; events built by hand leave it `Native`
/// and are written in the dialect's own spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Spelling {
    /// The dialect's own spelling.
    #[default]
    Native,
    /// The GA spelling.
    Ga,
    /// The beta spelling.
    Beta,
}

/// Details of an error reported by the server.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ErrorDetails {
    /// Error class, e.g. `invalid_request_error` or `server_error`.
    #[serde(rename = "type", default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Error code, e.g. `unknown_parameter` or `DeploymentNotFound`.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub code: Nullable<String>,
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
    /// The parameter at fault, e.g. `session.type`.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub param: Nullable<String>,
    /// The client event that caused the error, when known.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub event_id: Nullable<String>,
    /// Fields this library does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

read_fields!(ErrorDetails, extra {
    "type" => kind,
    "code" => code,
    "message" => message,
    "param" => param,
    "event_id" => event_id,
});

payload! {
    /// `error`: the server rejected something or failed. The session usually goes on.
    pub struct ErrorEvent {
        /// The error.
        #[serde(default)]
        pub error: ErrorDetails,
    }
}

payload! {
    /// `session.created` / `session.updated` (and beta `transcription_session.*`).
    pub struct SessionEvent {
        /// The session.
        #[serde(default, skip_serializing_if = "SessionResource::is_empty")]
        pub session: SessionResource,
    }
}

payload! {
    /// `conversation.created`.
    pub struct ConversationCreated {
        /// The conversation object (`id`, `object`).
        #[serde(default)]
        pub conversation: Map<String, Value>,
    }
}

payload! {
    /// An item was added, created, finished or retrieved.
    pub struct ItemEvent {
        /// The item before it in the conversation (`null` at the start).
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        pub previous_item_id: Nullable<String>,
        /// The item (always present in real frames; documentation skeletons omit it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub item: Option<Item>,
    }
}

payload! {
    /// `conversation.item.truncated`.
    pub struct ItemTruncated {
        /// The truncated item.
        #[serde(default)]
        pub item_id: String,
        /// The content part truncated.
        #[serde(default)]
        pub content_index: u32,
        /// Where the audio now ends, in ms.
        #[serde(default)]
        pub audio_end_ms: u64,
    }
}

payload! {
    /// `conversation.item.deleted`.
    pub struct ItemDeleted {
        /// The deleted item.
        #[serde(default)]
        pub item_id: String,
    }
}

payload! {
    /// `conversation.item.input_audio_transcription.completed`.
    pub struct InputTranscriptionCompleted {
        /// The user item transcribed.
        #[serde(default)]
        pub item_id: String,
        /// The content part transcribed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub content_index: Option<u32>,
        /// The transcript.
        #[serde(default)]
        pub transcript: String,
    }
}

payload! {
    /// `conversation.item.input_audio_transcription.delta`.
    pub struct InputTranscriptionDelta {
        /// The user item being transcribed.
        #[serde(default)]
        pub item_id: String,
        /// The content part.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub content_index: Option<u32>,
        /// New text.
        #[serde(default)]
        pub delta: String,
        /// Padding the server adds to a delta to hide its length, kept as sent
        /// (`obfuscation`: the GA spec has it on MCP argument deltas; recorded OpenAI
        /// and Azure sessions carry it on text, transcript and argument deltas too).
        /// Modelled, not left to `extra`, because it comes with most deltas.
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        pub obfuscation: Nullable<String>,
    }
}

payload! {
    /// `conversation.item.input_audio_transcription.failed`.
    ///
    /// On Azure OpenAI an `error.code` of `DeploymentNotFound` means the transcription
    /// `model` must name a *deployment*; see [`ErrorDetails::code`].
    pub struct InputTranscriptionFailed {
        /// The user item.
        #[serde(default)]
        pub item_id: String,
        /// The content part.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub content_index: Option<u32>,
        /// Why it failed.
        #[serde(default)]
        pub error: ErrorDetails,
    }
}

payload! {
    /// `conversation.item.input_audio_transcription.segment` (diarization).
    pub struct InputTranscriptionSegment {
        /// The user item.
        #[serde(default)]
        pub item_id: String,
        /// The content part.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub content_index: Option<u32>,
        /// Segment text.
        #[serde(default)]
        pub text: String,
        /// Speaker label.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub speaker: Option<String>,
    }
}

payload! {
    /// `input_audio_buffer.committed`.
    pub struct AudioBufferCommitted {
        /// The item before the new user item.
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        pub previous_item_id: Nullable<String>,
        /// The user item created from the buffer.
        #[serde(default)]
        pub item_id: String,
    }
}

payload! {
    /// An event with no payload of its own (`input_audio_buffer.cleared`, ...).
    pub struct Bare {}
}

payload! {
    /// `input_audio_buffer.speech_started`: the user began speaking (barge-in).
    pub struct SpeechStarted {
        /// Offset of speech start in the session's input audio, in ms.
        #[serde(default)]
        pub audio_start_ms: u64,
        /// The user item that will hold this speech.
        #[serde(default)]
        pub item_id: String,
    }
}

payload! {
    /// `input_audio_buffer.speech_stopped`.
    pub struct SpeechStopped {
        /// Offset of speech end, in ms.
        #[serde(default)]
        pub audio_end_ms: u64,
        /// The user item.
        #[serde(default)]
        pub item_id: String,
    }
}

payload! {
    /// `input_audio_buffer.timeout_triggered`: the idle timeout fired.
    pub struct AudioBufferTimeout {
        /// Start of the idle span, in ms.
        #[serde(default)]
        pub audio_start_ms: u64,
        /// End of the idle span, in ms.
        #[serde(default)]
        pub audio_end_ms: u64,
        /// The item created for it.
        #[serde(default)]
        pub item_id: String,
    }
}

payload! {
    /// `input_audio_buffer.dtmf_event_received` (SIP).
    pub struct DtmfReceived {
        /// The key pressed.
        #[serde(default)]
        pub event: String,
        /// When, as a Unix timestamp.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub received_at: Option<i64>,
    }
}

payload! {
    /// `output_audio_buffer.started` / `.stopped` / `.cleared` (WebRTC and SIP).
    pub struct OutputAudioBufferEvent {
        /// The response whose audio it is.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub response_id: Option<String>,
    }
}

payload! {
    /// `response.created` / `response.done`.
    pub struct ResponseEvent {
        /// The response, boxed: at 600 bytes it was the largest payload, and every
        /// [`ServerEvent`](super::ServerEvent) (deltas included) was as large as it.
        #[serde(default, skip_serializing_if = "response_is_empty")]
        pub response: Box<Response>,
    }
}

fn response_is_empty(response: &Response) -> bool {
    response.is_empty()
}

payload! {
    /// `response.output_item.added` / `.done`.
    pub struct OutputItemEvent {
        /// The response.
        #[serde(default)]
        pub response_id: String,
        /// Position of the item in the response's output.
        #[serde(default)]
        pub output_index: u32,
        /// The item (always present in real frames; documentation skeletons omit it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub item: Option<Item>,
    }
}

payload! {
    /// `response.content_part.added` / `.done`.
    pub struct ContentPartEvent {
        /// The response.
        #[serde(default)]
        pub response_id: String,
        /// The item.
        #[serde(default)]
        pub item_id: String,
        /// Position of the item in the response's output.
        #[serde(default)]
        pub output_index: u32,
        /// Position of the part in the item's content.
        #[serde(default)]
        pub content_index: u32,
        /// The part (always present in real frames; documentation skeletons omit it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub part: Option<ContentPart>,
    }
}

payload! { @spelled
    /// A text delta: `response.output_text.delta` or `response.output_audio_transcript.delta`.
    pub struct TextDelta {
        /// The response.
        #[serde(default)]
        pub response_id: String,
        /// The item.
        #[serde(default)]
        pub item_id: String,
        /// Position of the item in the response's output.
        #[serde(default)]
        pub output_index: u32,
        /// Position of the part in the item's content.
        #[serde(default)]
        pub content_index: u32,
        /// New text.
        #[serde(default)]
        pub delta: String,
        /// Padding the server adds to a delta to hide its length, kept as sent
        /// (`obfuscation`: the GA spec has it on MCP argument deltas; recorded OpenAI
        /// and Azure sessions carry it on text, transcript and argument deltas too).
        /// Modelled, not left to `extra`, because it comes with most deltas.
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        pub obfuscation: Nullable<String>,
    }
}

payload! { @spelled
    /// `response.output_text.done`.
    pub struct TextDone {
        /// The response.
        #[serde(default)]
        pub response_id: String,
        /// The item.
        #[serde(default)]
        pub item_id: String,
        /// Position of the item in the response's output.
        #[serde(default)]
        pub output_index: u32,
        /// Position of the part in the item's content.
        #[serde(default)]
        pub content_index: u32,
        /// The whole text.
        #[serde(default)]
        pub text: String,
    }
}

payload! { @spelled
    /// `response.output_audio_transcript.done`.
    pub struct TranscriptDone {
        /// The response.
        #[serde(default)]
        pub response_id: String,
        /// The item.
        #[serde(default)]
        pub item_id: String,
        /// Position of the item in the response's output.
        #[serde(default)]
        pub output_index: u32,
        /// Position of the part in the item's content.
        #[serde(default)]
        pub content_index: u32,
        /// The whole transcript.
        #[serde(default)]
        pub transcript: String,
    }
}

payload! { @spelled
    /// `response.output_audio.delta`: a chunk of model audio.
    pub struct AudioDelta {
        /// The response.
        #[serde(default)]
        pub response_id: String,
        /// The item.
        #[serde(default)]
        pub item_id: String,
        /// Position of the item in the response's output.
        #[serde(default)]
        pub output_index: u32,
        /// Position of the part in the item's content.
        #[serde(default)]
        pub content_index: u32,
        /// Base64 audio in the session's output format.
        #[serde(default)]
        pub delta: AudioBase64,
    }
}

payload! { @spelled
    /// `response.output_audio.done`.
    pub struct AudioDone {
        /// The response.
        #[serde(default)]
        pub response_id: String,
        /// The item.
        #[serde(default)]
        pub item_id: String,
        /// Position of the item in the response's output.
        #[serde(default)]
        pub output_index: u32,
        /// Position of the part in the item's content.
        #[serde(default)]
        pub content_index: u32,
    }
}

payload! {
    /// `response.function_call_arguments.delta`.
    pub struct FunctionArgumentsDelta {
        /// The response.
        #[serde(default)]
        pub response_id: String,
        /// The function-call item.
        #[serde(default)]
        pub item_id: String,
        /// Position of the item in the response's output.
        #[serde(default)]
        pub output_index: u32,
        /// The call id.
        #[serde(default)]
        pub call_id: String,
        /// New argument text.
        #[serde(default)]
        pub delta: String,
        /// Padding the server adds to a delta to hide its length, kept as sent
        /// (`obfuscation`: the GA spec has it on MCP argument deltas; recorded OpenAI
        /// and Azure sessions carry it on text, transcript and argument deltas too).
        /// Modelled, not left to `extra`, because it comes with most deltas.
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        pub obfuscation: Nullable<String>,
    }
}

payload! {
    /// `response.function_call_arguments.done`.
    pub struct FunctionArgumentsDone {
        /// The response.
        #[serde(default)]
        pub response_id: String,
        /// The function-call item.
        #[serde(default)]
        pub item_id: String,
        /// Position of the item in the response's output.
        #[serde(default)]
        pub output_index: u32,
        /// The call id.
        #[serde(default)]
        pub call_id: String,
        /// The function name (GA; required by Voice Live).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub name: Option<String>,
        /// The complete JSON arguments.
        #[serde(default)]
        pub arguments: String,
    }
}

/// One rate limit.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RateLimit {
    /// `requests` or `tokens`.
    #[serde(default)]
    pub name: String,
    /// The limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// What remains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u64>,
    /// Seconds until reset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_seconds: Option<f64>,
    /// Fields this library does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

read_fields!(RateLimit, extra {
    "name" => name,
    "limit" => limit,
    "remaining" => remaining,
    "reset_seconds" => reset_seconds,
});

payload! {
    /// `rate_limits.updated`.
    pub struct RateLimitsUpdated {
        /// The limits.
        #[serde(default)]
        pub rate_limits: Vec<RateLimit>,
    }
}

payload! {
    /// An MCP progress event (`mcp_list_tools.*`, `response.mcp_call.*`).
    pub struct McpEvent {
        /// The MCP item.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub item_id: Option<String>,
        /// Position of the item in the response's output.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub output_index: Option<u32>,
    }
}

payload! {
    /// `response.mcp_call_arguments.delta` / `.done`.
    pub struct McpArguments {
        /// The response.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub response_id: Option<String>,
        /// The MCP call item.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub item_id: Option<String>,
        /// Position of the item in the response's output.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub output_index: Option<u32>,
        /// New argument text (delta).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub delta: Option<String>,
        /// Padding the server adds to a delta to hide its length, kept as sent
        /// (`obfuscation`: the GA spec has it on MCP argument deltas; recorded OpenAI
        /// and Azure sessions carry it on text, transcript and argument deltas too).
        /// Modelled, not left to `extra`, because it comes with most deltas.
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        pub obfuscation: Nullable<String>,
        /// The complete arguments (done).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub arguments: Option<String>,
    }
}
