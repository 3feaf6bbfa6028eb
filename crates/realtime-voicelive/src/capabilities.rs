//! What each Voice Live version accepts.
//!
//! | | 2025-10-01 | 2026-04-10 | v1 |
//! |---|---|---|---|
//! | shape | beta (flat) | beta (flat) | GA (nested `audio`) |
//! | `temperature` | yes | yes | no (GA) |
//! | token cap | `max_response_output_tokens` | `max_response_output_tokens` | `max_output_tokens` |
//! | `speed` | no | no | not in the partial spec: policy |
//! | `tracing`, `prompt`, `truncation`, `include` | no (GA only) | no (GA only) | yes |
//! | input audio | pcm16 at 8/16/24 kHz (`input_audio_sampling_rate`), g711 | same | pcm16 at 8/16/24 kHz (`audio.input.sampling_rate`), g711 |
//! | output audio | pcm16 (24 kHz), g711 | pcm16, `pcm16_8000hz`, `pcm16_16000hz`, g711 | pcm16 24 kHz, g711 (no other rate documented) |
//! | turn detection | `server_vad`, `azure_semantic_vad`, `_en`, `_multilingual` | adds `semantic_vad` (gpt-realtime models only) | all five |
//! | OpenAI voice names | 8 | 10 (adds `marin`, `cedar`) | 10 |
//! | `azure-realtime-native` voice | no (needs 2026-01-01-preview or later) | yes | yes |
//! | modalities | `text`, `audio` (+ `animation`, `avatar`); audio alone is sent as audio + text | same | GA `output_modalities` |
//!
//! Sources: VL-25 `RequestSession`, `TurnDetection`; VL-26 `RealtimeRequestSession`,
//! `RealtimeTurnDetection` ("can't enable only audio"); VL-V1 `AudioConfig`,
//! `OpenAI.RealtimeSessionCreateRequestGA`; `DIALECTS.md` §2. Whether Voice Live
//! refuses a voice change after assistant audio is not documented in any of these;
//! the table allows it (`DESIGN.md` names only OpenAI and Azure OpenAI as refusing).

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
];

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
            caps.session_fields = Cow::Borrowed(DATED_FIELDS);
            caps.audio_only_output = AudioOnlyOutput::AsAudioAndText;
            caps.voices = Some(Cow::Borrowed(&OPENAI_VOICES_2026_04_10));
            caps.turn_detection = Cow::Borrowed(TURN_ALL);
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

/// PCM16 output rates `version` documents (VL-25: only `pcm16`; VL-26 adds
/// `pcm16_8000hz` and `pcm16_16000hz`; v1 documents no rate beyond GA's 24 kHz).
pub(crate) fn output_pcm_rates(version: ApiVersion) -> &'static [u32] {
    match version {
        ApiVersion::V2026_04_10 => &[24_000, 16_000, 8_000],
        ApiVersion::V2025_10_01 | ApiVersion::V1 => &[24_000],
    }
}

/// Whether `version` offers the `azure-realtime-native` voice (2026-01-01-preview and
/// later, VL-26).
pub(crate) fn has_realtime_native_voice(version: ApiVersion) -> bool {
    !matches!(version, ApiVersion::V2025_10_01)
}

/// Voice Live modalities beyond `text` and `audio` (VL-25 `Modality`), dated only.
pub(crate) const EXTRA_MODALITIES: [&str; 2] = ["animation", "avatar"];
