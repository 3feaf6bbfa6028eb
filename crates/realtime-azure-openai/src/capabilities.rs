//! What each Azure OpenAI endpoint accepts: the capability tables.
//!
//! Every fact here is taken from the provider sources copied under `fixtures/`
//! (file named on each table; provenance in each folder's `SOURCE.md`).
//! The table is an allowlist: a [`SessionField`] not listed is never sent, whatever
//! the user set; the [`UnsupportedPolicy`](realtime_core::dialect::UnsupportedPolicy)
//! decides whether that is an error or a warning.
//!
//! Besides the core [`Capabilities`], each endpoint has a wire-level reject list
//! ([`PREVIEW_REJECTED_KEYS`] on the previews): top-level keys checked against
//! passthrough `extra` fields and, last of all, against the frame itself.

use std::borrow::Cow;

use realtime_core::dialect::{AudioOnlyOutput, Capabilities, SessionField};
use realtime_core::protocol::AudioFormat;
use realtime_core::wire::WireShape;

use crate::api_version::ApiVersion;

/// The table of the GA v1 endpoint (`/openai/v1/realtime`).
///
/// `DIALECTS.md` §6: "AZ GA v1 behaves like OpenAI GA (REC-AZ)", except that the
/// transcription model is a deployment and `rate_limits.updated` is not sent. GA has
/// no `temperature` (§2 "sampling"). Voices: `VoiceIdsShared` of
/// `openai-ga/openapi-realtime-ga.yaml`. The full Azure GA spec was not read
/// (DIALECTS §7), so the GA-only fields (`tracing`, `prompt`, `truncation`,
/// `include`) are allowed on the strength of REC-AZ's GA behaviour.
pub fn ga_v1_capabilities() -> Capabilities {
    let mut capabilities = Capabilities::new(WireShape::Ga);
    capabilities.session_fields = Cow::Borrowed(GA_V1_FIELDS);
    capabilities.audio_only_output = AudioOnlyOutput::Native;
    capabilities.voices = Some(Cow::Borrowed(GA_VOICES));
    capabilities.audio_formats = Cow::Borrowed(FORMATS);
    capabilities.turn_detection = Cow::Borrowed(&["server_vad", "semantic_vad"]);
    capabilities.voice_change_after_audio = false;
    capabilities.transcription_model_is_deployment = true;
    // GPT Realtime 2.x on Azure: `reasoning.effort` minimal..high only (no `xhigh`),
    // `parallel_tool_calls` as on OpenAI GA
    // (`fixtures/openai-ga/ga-2026-additions.condensed.json`, `azure_gpt_realtime_2`).
    capabilities.reasoning_efforts = Some(Cow::Borrowed(GA_V1_REASONING_EFFORTS));
    capabilities.response_parallel_tool_calls = true;
    capabilities
}

/// Reasoning efforts Azure documents for GPT Realtime 2.x.
pub(crate) const GA_V1_REASONING_EFFORTS: &[&str] = &["minimal", "low", "medium", "high"];

/// The table of a dated preview endpoint (`/openai/realtime?api-version=V`).
pub fn preview_capabilities(version: ApiVersion) -> Capabilities {
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
    let mut capabilities = Capabilities::new(WireShape::Beta);
    capabilities.session_fields = Cow::Borrowed(session_fields);
    // Azure reference: "You can't enable only audio"; the service answers
    // "Supported: ['text'] or ['audio','text']".
    capabilities.audio_only_output = AudioOnlyOutput::AsAudioAndText;
    capabilities.voices = Some(Cow::Borrowed(voices));
    capabilities.audio_formats = Cow::Borrowed(FORMATS);
    capabilities.turn_detection = Cow::Borrowed(turn_detection);
    // Beta specs: "Voice cannot be changed during the session once the model has
    // responded with audio at least once."
    capabilities.voice_change_after_audio = false;
    // DIALECTS §2 "transcription": on Azure `model` is a deployment name.
    capabilities.transcription_model_is_deployment = true;
    capabilities
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
    SessionField::ParallelToolCalls,
    SessionField::Reasoning,
    // `server_vad.idle_timeout_ms`: in the recorded GA v1 `session.updated` (REC-AZ).
    SessionField::IdleTimeout,
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
pub const GA_V1_REJECTED_KEYS: &[&str] = &["temperature"];
