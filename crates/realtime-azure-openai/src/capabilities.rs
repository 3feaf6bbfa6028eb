//! What each Azure OpenAI endpoint accepts: the capability tables.
//!
//! Every fact here is taken from `shared/protocol/` (file named on each table).
//! The table is an allowlist: a [`SessionField`] not listed is never sent, whatever
//! the user set; the [`UnsupportedPolicy`](realtime_core::dialect::UnsupportedPolicy)
//! decides whether that is an error or a warning.
//!
//! `realtime_core::dialect::Capabilities` cannot be built outside `realtime-core`
//! (it is `#[non_exhaustive]` and has no constructor), so this crate keeps its own
//! table with the same fields, plus the keys of the wire-level reject list.

use realtime_core::dialect::{AudioOnlyOutput, SessionField};
use realtime_core::protocol::AudioFormat;
use realtime_core::wire::WireShape;

use crate::api_version::ApiVersion;

/// What one Azure OpenAI endpoint (GA v1 or a dated preview) accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AzureCapabilities {
    /// The wire shape the endpoint speaks.
    pub shape: WireShape,
    /// Session fields the endpoint accepts.
    pub session_fields: &'static [SessionField],
    /// How audio-only output is expressed.
    pub audio_only_output: AudioOnlyOutput,
    /// Voices the endpoint offers by name.
    pub voices: &'static [&'static str],
    /// Audio formats accepted for input and output.
    pub audio_formats: &'static [AudioFormat],
    /// Turn-detection kinds accepted, by wire name.
    pub turn_detection: &'static [&'static str],
    /// Whether the voice may change once the conversation holds assistant audio.
    pub voice_change_after_audio: bool,
    /// Whether the transcription `model` names a deployment rather than a model.
    pub transcription_model_is_deployment: bool,
    /// Top-level session keys the endpoint rejects, checked against
    /// [`SessionConfig::extra`](realtime_core::protocol::SessionConfig::extra) and
    /// response `extra` so that passthrough fields cannot smuggle them onto the wire.
    pub rejected_keys: &'static [&'static str],
}

impl AzureCapabilities {
    /// Whether the endpoint accepts `field`.
    pub fn accepts(&self, field: SessionField) -> bool {
        self.session_fields.contains(&field)
    }

    /// Whether the endpoint offers the named voice.
    pub fn offers_voice(&self, name: &str) -> bool {
        self.voices.contains(&name)
    }

    /// The table of the GA v1 endpoint (`/openai/v1/realtime`).
    ///
    /// `DIALECTS.md` §6: "AZ GA v1 behaves like OpenAI GA (REC-AZ)", except that the
    /// transcription model is a deployment and `rate_limits.updated` is not sent.
    /// GA has no `temperature` (§2 "sampling"). Voices: `VoiceIdsShared` of
    /// `openai-ga/openapi-realtime-ga.yaml`.
    pub const fn ga_v1() -> Self {
        Self {
            shape: WireShape::Ga,
            session_fields: GA_V1_FIELDS,
            audio_only_output: AudioOnlyOutput::Native,
            voices: GA_VOICES,
            audio_formats: FORMATS,
            turn_detection: &["server_vad", "semantic_vad"],
            voice_change_after_audio: false,
            transcription_model_is_deployment: true,
            rejected_keys: GA_REJECTED_KEYS,
        }
    }

    /// The table of a dated preview endpoint (`/openai/realtime?api-version=V`).
    pub const fn preview(version: ApiVersion) -> Self {
        let (session_fields, voices, turn_detection): (
            &'static [SessionField],
            &'static [&'static str],
            &'static [&'static str],
        ) = match version {
            // `realtime-openapi3-2024-10-01.yml`: `RealtimeVoice` alloy|shimmer|echo,
            // `RealtimeTurnDetectionType` server_vad, no noise reduction, no speed.
            ApiVersion::V2024_10_01Preview => (
                PREVIEW_2024_FIELDS,
                &["alloy", "shimmer", "echo"],
                &["server_vad"],
            ),
            // `openapi-realtime-beta-2024-12-18.yaml`: 8 voices, "only `server_vad`
            // is currently supported", no `input_audio_noise_reduction` (DIALECTS §2).
            ApiVersion::V2024_12_17 => (PREVIEW_2024_FIELDS, PREVIEW_VOICES, &["server_vad"]),
            // `openapi-realtime-beta-2025-04-29.yaml` and the Azure reference
            // (`azure-realtime-preview-reference.condensed.json`): noise reduction,
            // server_vad and semantic_vad (semantic_vad errored on Azure in April 2025,
            // livekit/agents#2041, so prefer server_vad), the same 8 voices.
            ApiVersion::V2025_04_01Preview => (
                PREVIEW_2025_FIELDS,
                PREVIEW_VOICES,
                &["server_vad", "semantic_vad"],
            ),
        };
        Self {
            shape: WireShape::Beta,
            session_fields,
            // Azure reference: "You can't enable only audio"; the service answers
            // "Supported: ['text'] or ['audio','text']".
            audio_only_output: AudioOnlyOutput::AsAudioAndText,
            voices,
            audio_formats: FORMATS,
            turn_detection,
            // Beta specs: "Voice cannot be changed during the session once the model
            // has responded with audio at least once."
            voice_change_after_audio: false,
            // DIALECTS §2 "transcription": on Azure `model` is a deployment name.
            transcription_model_is_deployment: true,
            rejected_keys: PREVIEW_REJECTED_KEYS,
        }
    }
}

/// `pcm16` (24 kHz), `g711_ulaw`, `g711_alaw`: the same three in every Azure OpenAI
/// spec (AZ-2410 `RealtimeAudioFormat`, AZ-REF, S-GA `RealtimeAudioFormats`).
const FORMATS: &[AudioFormat] = &[
    AudioFormat::PCM16_24K,
    AudioFormat::G711Ulaw,
    AudioFormat::G711Alaw,
];

/// `VoiceIdsShared` in `openai-ga/openapi-realtime-ga.yaml`.
const GA_VOICES: &[&str] = &[
    "alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar",
];

/// `RealtimeRequestSession.voice` in `azure-realtime-preview-reference.condensed.json`
/// (the same 8 as `openapi-realtime-beta-2024-12-18.yaml`).
const PREVIEW_VOICES: &[&str] = &[
    "alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse",
];

/// Every GA field except `temperature`.
const GA_V1_FIELDS: &[SessionField] = &[
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
];

/// The session of `session.update` in `realtime-openapi3-2024-10-01.yml` and
/// `openapi-realtime-beta-2024-12-18.yaml`, without `model`: the preview endpoint picks
/// the model by the `deployment` query parameter, and the Azure reference's
/// `RealtimeRequestSession` has no `model`.
const PREVIEW_2024_FIELDS: &[SessionField] = &[
    SessionField::Instructions,
    SessionField::OutputModalities,
    SessionField::InputAudioFormat,
    SessionField::OutputAudioFormat,
    SessionField::Voice,
    SessionField::Transcription,
    SessionField::TurnDetection,
    SessionField::Tools,
    SessionField::ToolChoice,
    SessionField::Temperature,
    SessionField::MaxOutputTokens,
];

/// [`PREVIEW_2024_FIELDS`] plus `input_audio_noise_reduction`
/// (`openapi-realtime-beta-2025-04-29.yaml`, Azure reference).
const PREVIEW_2025_FIELDS: &[SessionField] = &[
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

/// GA-only session keys the preview endpoint answers with `unknown_parameter`
/// (DIALECTS §2 "discriminator", "GA-only"; §6: pipecat#1324 for `session.type`,
/// pipecat#4106 for `output_modalities`).
pub const PREVIEW_REJECTED_KEYS: &[&str] = &[
    "type",
    "output_modalities",
    "audio",
    "tracing",
    "prompt",
    "truncation",
    "include",
];

/// Keys the GA shape has no place for: GA has no `temperature` (DIALECTS §2 "sampling").
const GA_REJECTED_KEYS: &[&str] = &["temperature"];
