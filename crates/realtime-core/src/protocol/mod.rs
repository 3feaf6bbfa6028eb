//! Canonical, provider-neutral protocol types.
//!
//! Modelled on the richest dialect (OpenAI GA). Provider-only settings attach to a
//! [`SessionConfig`] as typed [`Extensions`]; provider-only events decode to
//! [`ServerEvent::Unknown`] in core and are typed by their provider crate.

mod audio;
mod client_event;
mod extension_event;
mod extensions;
mod fields;
mod item;
mod nullable;
mod response;
mod server_event;
mod server_payloads;
mod session;
mod session_resource;
mod tagged;
mod tool;
mod wire_enum;

pub use audio::{AudioBase64, AudioDecodeError, AudioFormat};
pub use client_event::ClientEvent;
pub use extension_event::{decode_extension, extension_object};
pub use extensions::{Extensions, SessionExtension};
pub use item::{
    ContentPart, FunctionCallItem, FunctionCallOutputItem, Item, ItemStatus, MessageItem,
    MessagePhase, PartKind, Role,
};
pub use nullable::Nullable;
pub use response::{ConversationMode, Response, ResponseConfig, ResponseStatus, Usage};
pub use server_event::ServerEvent;
pub use server_payloads::{
    AudioBufferCommitted, AudioBufferTimeout, AudioDelta, AudioDone, Bare, ContentPartEvent,
    ConversationCreated, DtmfReceived, ErrorDetails, ErrorEvent, FunctionArgumentsDelta,
    FunctionArgumentsDone, InputTranscriptionCompleted, InputTranscriptionDelta,
    InputTranscriptionFailed, InputTranscriptionSegment, ItemDeleted, ItemEvent, ItemTruncated,
    McpArguments, McpEvent, OutputAudioBufferEvent, OutputItemEvent, RateLimit, RateLimitsUpdated,
    ResponseEvent, SessionEvent, SpeechStarted, SpeechStopped, Spelling, TextDelta, TextDone,
    TranscriptDone,
};
pub(crate) use session::json_kind;
pub use session::{
    Eagerness, MaxTokens, Modality, NoiseReduction, NoiseReductionKind, Prompt, Reasoning,
    ReasoningEffort, SemanticVad, ServerVad, SessionConfig, SessionKind, Tracing, Transcription,
    TranscriptionDelay, Truncation, TurnDetection, Voice,
};
pub use session_resource::SessionResource;
pub use tool::{FunctionTool, McpTool, Tool, ToolChoice};
