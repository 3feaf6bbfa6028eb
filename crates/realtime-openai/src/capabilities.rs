//! What OpenAI's GA endpoint accepts, as realtime-core capability tables.
//!
//! Source: `fixtures/openai-ga/openapi-realtime-ga.yaml` (S-GA):
//! `RealtimeSessionCreateRequestGA` (realtime sessions),
//! `RealtimeTranscriptionSessionCreateRequestGA` (transcription sessions),
//! `RealtimeAudioFormats` (PCM at 24 kHz only, PCMU, PCMA), `VoiceIdsShared` (the ten
//! built-in voices; `{id}` custom voices also pass), `RealtimeTurnDetection`
//! (`server_vad`, `semantic_vad`). Voice changes after assistant audio are rejected
//! (S-GA `voice` description; DIALECTS.md). Reasoning models (`gpt-realtime-2`,
//! `2.1`) add `reasoning.effort` (`minimal`..`xhigh`) and `parallel_tool_calls`, on
//! the session and on `response.create` (`openai==3.57.0`,
//! `fixtures/openai-ga/ga-2026-additions.condensed.json`).

use std::borrow::Cow;

use realtime_core::dialect::{AudioOnlyOutput, Capabilities, SessionField};
use realtime_core::protocol::AudioFormat;
use realtime_core::wire::WireShape;

/// The built-in voices (S-GA `VoiceIdsShared`).
pub const VOICES: [&str; 10] = [
    "alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar",
];

/// Audio formats for input and output (S-GA `RealtimeAudioFormats`: `audio/pcm` with
/// `rate` 24000 only, `audio/pcmu`, `audio/pcma`).
pub const AUDIO_FORMATS: [AudioFormat; 3] = [
    AudioFormat::PCM16_24K,
    AudioFormat::G711Ulaw,
    AudioFormat::G711Alaw,
];

/// Turn-detection kinds (S-GA `RealtimeTurnDetection`).
pub const TURN_DETECTION: [&str; 2] = ["server_vad", "semantic_vad"];

/// Session fields of a realtime session: everything but `temperature`, which GA
/// does not have (S-GA `RealtimeSessionCreateRequestGA`).
pub const REALTIME_FIELDS: [SessionField; 20] = [
    SessionField::Model,
    SessionField::Instructions,
    SessionField::OutputModalities,
    SessionField::InputAudioFormat,
    SessionField::OutputAudioFormat,
    SessionField::Voice,
    SessionField::Speed,
    SessionField::Transcription,
    SessionField::NoiseReduction,
    SessionField::TurnDetection,
    SessionField::Tools,
    SessionField::ToolChoice,
    SessionField::MaxOutputTokens,
    SessionField::Tracing,
    SessionField::Prompt,
    SessionField::Truncation,
    SessionField::Include,
    SessionField::ParallelToolCalls,
    SessionField::Reasoning,
    SessionField::IdleTimeout,
];

/// Reasoning efforts (`openai==3.57.0` `realtime_reasoning_effort.py`: no `none`).
pub(crate) const REASONING_EFFORTS: [&str; 5] = ["minimal", "low", "medium", "high", "xhigh"];

/// Session fields of a transcription session: `audio.input.{format, transcription,
/// noise_reduction, turn_detection}` and `include`
/// (S-GA `RealtimeTranscriptionSessionCreateRequestGA`).
pub const TRANSCRIPTION_FIELDS: [SessionField; 5] = [
    SessionField::InputAudioFormat,
    SessionField::Transcription,
    SessionField::NoiseReduction,
    SessionField::TurnDetection,
    SessionField::Include,
];

/// The table of a realtime session.
pub(crate) fn realtime() -> Capabilities {
    table(&REALTIME_FIELDS)
}

/// The table of a transcription session.
pub(crate) fn transcription() -> Capabilities {
    table(&TRANSCRIPTION_FIELDS)
}

fn table(fields: &'static [SessionField]) -> Capabilities {
    let mut capabilities = Capabilities::new(WireShape::Ga);
    capabilities.session_fields = Cow::Borrowed(fields);
    capabilities.audio_only_output = AudioOnlyOutput::Native;
    capabilities.voices = Some(Cow::Borrowed(&VOICES));
    capabilities.audio_formats = Cow::Borrowed(&AUDIO_FORMATS);
    capabilities.turn_detection = Cow::Borrowed(&TURN_DETECTION);
    capabilities.voice_change_after_audio = false;
    capabilities.transcription_model_is_deployment = false;
    capabilities.reasoning_efforts = Some(Cow::Borrowed(&REASONING_EFFORTS));
    capabilities.response_parallel_tool_calls = true;
    capabilities
}
