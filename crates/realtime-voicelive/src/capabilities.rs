//! What each Voice Live version accepts.
//!
//! | | 2025-10-01 | 2026-04-10 | 2026-06-01-preview, 2026-07-15, 2026-07-31-preview | v1 |
//! |---|---|---|---|---|
//! | shape | beta (flat) | beta (flat) | beta (flat) | GA (nested `audio`) |
//! | `temperature` | yes | yes | yes | no (GA) |
//! | token cap | `max_response_output_tokens` | same | same | `max_output_tokens` |
//! | `reasoning_effort` (`none`..`xhigh`) | no | session and response | session and response | not in the partial spec |
//! | `parallel_tool_calls` | no | no | session only | not in the partial spec |
//! | `speed` | no | no | no | not in the partial spec: policy |
//! | `tracing`, `prompt`, `truncation`, `include` | no (GA only) | no | no | yes |
//! | input audio | pcm16 at 8/16/24 kHz (`input_audio_sampling_rate`), g711 | same | same | pcm16 at 8/16/24 kHz (`audio.input.sampling_rate`), g711 |
//! | output audio | pcm16 (24 kHz), g711 | pcm16, `pcm16_8000hz`, `pcm16_16000hz`, g711 | same as 2026-04-10 | pcm16 24 kHz, g711 |
//! | turn detection | `server_vad`, `azure_semantic_vad`, `_en`, `_multilingual` | adds `semantic_vad` | as 2025-10-01 (the GA swagger dropped `semantic_vad`) | all five |
//! | `create_response` / `interrupt_response` | as set | as set | always sent (the swagger's default `false` contradicts the service) | as set |
//! | OpenAI voice names | 8 | 10 (adds `marin`, `cedar`) | 10 | 10 |
//! | `azure-realtime-native` voice | no | yes | yes, with the `azure-realtime` model only | yes |
//! | tools | function, mcp, foundry_agent | same | function, mcp (the GA swagger dropped `foundry_agent`) | function, mcp |
//! | `input_image` parts (`image_url`) | no | no (field name not read) | yes | yes (GA) |
//! | Voice Live client events | avatar, `input_audio.turn.*`, `input_audio.clear` | same | same, plus `input_text.delta/done` (not 2026-06-01-preview), plus `rtc.call.sdp.create` (2026-06-01-preview only) | avatar |
//! | echo `reference_source` / `channels` | no | no | 2026-06-01-preview and 2026-07-31-preview only | yes |
//! | modalities | `text`, `audio` (+ `animation`, `avatar`); audio alone is sent as audio + text | same | same | GA `output_modalities` |
//!
//! Sources (in `fixtures/voicelive/`): VL-25 `RequestSession`, `TurnDetection`; VL-26
//! `RealtimeRequestSession`, `RealtimeTurnDetection` ("can't enable only audio");
//! VL-0715 `voicelive-2026-07-15.condensed.json` (`RequestSession`, `TurnDetection`,
//! `tools`, `new_vs_2026_04_10`); VL-PRE `voicelive-previews-2026.condensed.json`;
//! VL-V1 `AudioConfig`, `OpenAI.RealtimeSessionCreateRequestGA`. Whether Voice Live
//! refuses a voice change after assistant audio is not documented in any of these;
//! the table allows it.

use std::borrow::Cow;

use realtime_core::dialect::{AudioOnlyOutput, Capabilities, SessionField};
use realtime_core::protocol::AudioFormat;

use crate::version::ApiVersion;
use crate::voice::{OPENAI_VOICES_2025_10_01, OPENAI_VOICES_2026_04_10};

const DATED_FIELDS: &[SessionField] = &[
    SessionField::Model,
    SessionField::Instructions,
    SessionField::OutputModalities,
    SessionField::InputAudioFormat,
    SessionField::OutputAudioFormat,
    SessionField::Voice,
    SessionField::Transcription,
    SessionField::NoiseReduction,
    SessionField::TurnDetection,
    SessionField::Tools,
    SessionField::ToolChoice,
    SessionField::Temperature,
    SessionField::MaxOutputTokens,
    // `server_vad.idle_timeout_ms`: not in the 2025-10-01 spec, kept as before.
    SessionField::IdleTimeout,
];

/// 2026-04-10 adds `reasoning_effort` (VL-26 `RealtimeRequestSession`).
const FIELDS_2026_04_10: &[SessionField] = &[
    SessionField::Model,
    SessionField::Instructions,
    SessionField::OutputModalities,
    SessionField::InputAudioFormat,
    SessionField::OutputAudioFormat,
    SessionField::Voice,
    SessionField::Transcription,
    SessionField::NoiseReduction,
    SessionField::TurnDetection,
    SessionField::Tools,
    SessionField::ToolChoice,
    SessionField::Temperature,
    SessionField::MaxOutputTokens,
    SessionField::Reasoning,
    // `server_vad.idle_timeout_ms`: echoed by the recorded 2026-04-10 service (REC-VL).
    SessionField::IdleTimeout,
];

/// The 2026 SDK generation adds `parallel_tool_calls` (VL-0715 `RequestSession`).
/// No `idle_timeout_ms`: the 2026-07-15 `server_vad` lists threshold, padding,
/// silence, end of utterance, auto-truncate and the two response flags only, so an
/// idle timeout is refused when the session starts.
const FIELDS_2026_07_15: &[SessionField] = &[
    SessionField::Model,
    SessionField::Instructions,
    SessionField::OutputModalities,
    SessionField::InputAudioFormat,
    SessionField::OutputAudioFormat,
    SessionField::Voice,
    SessionField::Transcription,
    SessionField::NoiseReduction,
    SessionField::TurnDetection,
    SessionField::Tools,
    SessionField::ToolChoice,
    SessionField::Temperature,
    SessionField::MaxOutputTokens,
    SessionField::Reasoning,
    SessionField::ParallelToolCalls,
];

/// `ReasoningEffort` of VL-26 and VL-0715.
const REASONING_EFFORTS: &[&str] = &["none", "minimal", "low", "medium", "high", "xhigh"];

/// Tool types of the 2026 SDK generation (VL-0715 `ToolType`: `function`, `mcp`).
pub(crate) const TOOL_TYPES_2026: &[&str] = &["function", "mcp"];

/// The only model `azure-realtime-native` voices work with (VL-0715 `Voice`).
pub(crate) const REALTIME_NATIVE_MODEL: &str = "azure-realtime";

const V1_FIELDS: &[SessionField] = &[
    SessionField::Model,
    SessionField::Instructions,
    SessionField::OutputModalities,
    SessionField::InputAudioFormat,
    SessionField::OutputAudioFormat,
    SessionField::Voice,
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
    // `server_vad.idle_timeout_ms`: v1 imports the OpenAI GA server VAD (VL-V1).
    SessionField::IdleTimeout,
];

/// Input formats of every version; the output rates each version adds are checked by
/// the dialect ([`output_pcm_rates`]).
const FORMATS: &[AudioFormat] = &[
    AudioFormat::Pcm16 { rate: 24_000 },
    AudioFormat::Pcm16 { rate: 16_000 },
    AudioFormat::Pcm16 { rate: 8_000 },
    AudioFormat::G711Ulaw,
    AudioFormat::G711Alaw,
];

/// Output formats of 2025-10-01 and v1 (pcm16 at 24 kHz only, see [`output_pcm_rates`]).
const OUTPUT_FORMATS_24K: &[AudioFormat] = &[
    AudioFormat::Pcm16 { rate: 24_000 },
    AudioFormat::G711Ulaw,
    AudioFormat::G711Alaw,
];

const TURN_2025_10_01: &[&str] = &[
    "server_vad",
    "azure_semantic_vad",
    "azure_semantic_vad_en",
    "azure_semantic_vad_multilingual",
];

const TURN_ALL: &[&str] = &[
    "server_vad",
    "semantic_vad",
    "azure_semantic_vad",
    "azure_semantic_vad_en",
    "azure_semantic_vad_multilingual",
];

/// The capability table of `version`.
pub(crate) fn capabilities(version: ApiVersion) -> Capabilities {
    let mut caps = Capabilities::new(version.shape());
    caps.audio_formats = Cow::Borrowed(FORMATS);
    if output_pcm_rates(version) == [24_000] {
        caps.output_audio_formats = Some(Cow::Borrowed(OUTPUT_FORMATS_24K));
    }
    caps.voice_change_after_audio = true;
    caps.transcription_model_is_deployment = false;
    match version {
        ApiVersion::V2025_10_01 => {
            caps.session_fields = Cow::Borrowed(DATED_FIELDS);
            caps.audio_only_output = AudioOnlyOutput::AsAudioAndText;
            caps.voices = Some(Cow::Borrowed(&OPENAI_VOICES_2025_10_01));
            caps.turn_detection = Cow::Borrowed(TURN_2025_10_01);
        }
        ApiVersion::V2026_04_10 => {
            caps.session_fields = Cow::Borrowed(FIELDS_2026_04_10);
            caps.audio_only_output = AudioOnlyOutput::AsAudioAndText;
            caps.voices = Some(Cow::Borrowed(&OPENAI_VOICES_2026_04_10));
            caps.turn_detection = Cow::Borrowed(TURN_ALL);
            caps.reasoning_efforts = Some(Cow::Borrowed(REASONING_EFFORTS));
        }
        ApiVersion::V2026_06_01Preview
        | ApiVersion::V2026_07_15
        | ApiVersion::V2026_07_31Preview => {
            caps.session_fields = Cow::Borrowed(FIELDS_2026_07_15);
            caps.audio_only_output = AudioOnlyOutput::AsAudioAndText;
            caps.voices = Some(Cow::Borrowed(&OPENAI_VOICES_2026_04_10));
            caps.turn_detection = Cow::Borrowed(TURN_2025_10_01);
            caps.reasoning_efforts = Some(Cow::Borrowed(REASONING_EFFORTS));
            caps.image_input = true;
        }
        ApiVersion::V1 => {
            caps.session_fields = Cow::Borrowed(V1_FIELDS);
            caps.audio_only_output = AudioOnlyOutput::Native;
            caps.voices = Some(Cow::Borrowed(&OPENAI_VOICES_2026_04_10));
            caps.turn_detection = Cow::Borrowed(TURN_ALL);
        }
    }
    caps
}

/// PCM16 output rates `version` documents (VL-25: only `pcm16`; VL-26 and VL-0715 add
/// `pcm16_8000hz` and `pcm16_16000hz`; v1 documents no rate beyond GA's 24 kHz).
pub(crate) fn output_pcm_rates(version: ApiVersion) -> &'static [u32] {
    match version {
        ApiVersion::V2025_10_01 | ApiVersion::V1 => &[24_000],
        _ => &[24_000, 16_000, 8_000],
    }
}

/// Whether `version` offers the `azure-realtime-native` voice (2026-01-01-preview and
/// later, VL-26).
pub(crate) fn has_realtime_native_voice(version: ApiVersion) -> bool {
    !matches!(version, ApiVersion::V2025_10_01)
}

/// Whether `version` accepts echo cancellation `reference_source` / `channels`
/// (VL-V1; VL-PRE: 2026-06-01-preview defines the enum, 2026-07-31-preview the
/// fields; the 2026-07-15 swagger has only `type`).
pub(crate) fn has_echo_reference(version: ApiVersion) -> bool {
    matches!(
        version,
        ApiVersion::V1 | ApiVersion::V2026_06_01Preview | ApiVersion::V2026_07_31Preview
    )
}

/// Voice Live client events `version` offers beyond core's (VL-25 `ClientEventType`,
/// VL-0715 `ClientEventType`, VL-PRE).
pub(crate) fn client_events(version: ApiVersion) -> &'static [&'static str] {
    const DATED: &[&str] = &[
        "session.avatar.connect",
        "input_audio.turn.start",
        "input_audio.turn.append",
        "input_audio.turn.end",
        "input_audio.turn.cancel",
        "input_audio.clear",
    ];
    const WITH_INPUT_TEXT: &[&str] = &[
        "session.avatar.connect",
        "input_audio.turn.start",
        "input_audio.turn.append",
        "input_audio.turn.end",
        "input_audio.turn.cancel",
        "input_audio.clear",
        "input_text.delta",
        "input_text.done",
    ];
    const WITH_RTC: &[&str] = &[
        "session.avatar.connect",
        "input_audio.turn.start",
        "input_audio.turn.append",
        "input_audio.turn.end",
        "input_audio.turn.cancel",
        "input_audio.clear",
        "rtc.call.sdp.create",
    ];
    // `v1` documents avatars (VL-V1 `AvatarConfig (v1)`); the turn events are not in
    // the partial spec.
    const V1: &[&str] = &["session.avatar.connect"];
    match version {
        ApiVersion::V2025_10_01 | ApiVersion::V2026_04_10 => DATED,
        ApiVersion::V2026_06_01Preview => WITH_RTC,
        ApiVersion::V2026_07_15 | ApiVersion::V2026_07_31Preview => WITH_INPUT_TEXT,
        ApiVersion::V1 => V1,
    }
}

/// Voice Live modalities beyond `text` and `audio` (VL-25 `Modality`), dated only.
pub(crate) const EXTRA_MODALITIES: [&str; 2] = ["animation", "avatar"];
