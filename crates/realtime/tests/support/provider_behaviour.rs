//! What each provider is expected to do, written from the protocol sources and the
//! recorded sessions, **not** from the library's capability tables.
//!
//! The scenario suite asserts against this table, and `agent_scenarios.rs` checks each
//! dialect's capability table against it, so a flipped capability flag fails a test
//! instead of moving the expectation along with it.
//!
//! Every row names its source: an upstream document, by the key below, and where it
//! helps the section of `DIALECTS.md` (the project's condensed protocol notes, kept
//! outside this repository) that compares the dialects. The upstream documents:
//!
//! - S-GA: openai/openai-openapi@f85dbe22 `openapi-realtime-ga.yaml`, copied verbatim
//!   to `fixtures/openai-ga/openapi-realtime-ga.yaml`.
//! - S-B24 / S-B25: the OpenAI beta specs 2024-12-18 / 2025-04-29, in
//!   `fixtures/openai-beta/`.
//! - AZ-REF: the Azure OpenAI preview reference (learn `realtime-audio-reference.md`),
//!   condensed in `fixtures/azure-openai/azure-realtime-preview-reference.condensed.json`.
//! - VL-25 / VL-26 / VL-V1: the Voice Live 2025-10-01 swagger, the 2026-04-10 reference
//!   and the partial v1 spec (Azure/azure-rest-api-specs `VoiceLive`), condensed in
//!   `fixtures/voicelive/`.
//! - REC-AZ / REC-VL: pydantic-ai cassettes recorded against the live services,
//!   copied verbatim to `fixtures/azure-openai/recorded/` and
//!   `fixtures/voicelive/recorded/` (provenance in each folder's `SOURCE.md`).
//! - ISS-PC1324 / ISS-PC4106: pipecat-ai/pipecat#1324 and #4106.
//! - VL-V1 `v1/readme.md`: Azure/azure-rest-api-specs@27463ab8
//!   `specification/ai/data-plane/VoiceLive/v1/readme.md`.
//!
//! Where no source says anything, the row says so ([`Basis::Undocumented`]) and holds
//! the behaviour the project documents for users (`docs/providers.md`), so a change to
//! it is still a visible decision rather than a silent flip.

use realtime::dialect::SessionField;

/// How well a row is backed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// A spec or reference document states it.
    Documented,
    /// A recording of the live service shows it.
    Recorded,
    /// No source read states it; the value is the project's documented choice.
    Undocumented,
}

/// One expected behaviour, with where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fact<T> {
    /// The expected behaviour.
    pub value: T,
    /// How well it is backed.
    pub basis: Basis,
    /// The source, by key and section (see the module docs).
    pub source: &'static str,
}

const fn documented<T>(value: T, source: &'static str) -> Fact<T> {
    Fact {
        value,
        basis: Basis::Documented,
        source,
    }
}

const fn recorded<T>(value: T, source: &'static str) -> Fact<T> {
    Fact {
        value,
        basis: Basis::Recorded,
        source,
    }
}

const fn undocumented<T>(value: T, source: &'static str) -> Fact<T> {
    Fact {
        value,
        basis: Basis::Undocumented,
        source,
    }
}

/// What the endpoint does with an audio-only output request (`["audio"]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioOnly {
    /// `["audio"]` is accepted (audio with its transcript).
    Accepted,
    /// `["audio"]` alone is refused; `["audio","text"]` is the audio form it takes.
    NeedsText,
}

/// The expected behaviour of one endpoint (a dialect, possibly several versions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderBehaviour {
    /// The dialect family, as in fixtures: `openai-ga`, `azure-openai-preview`, ...
    pub dialect: &'static str,
    /// Whether a voice change is accepted once the assistant has spoken.
    pub voice_change_after_audio: Fact<bool>,
    /// Whether user messages may carry `input_image` parts.
    pub image_input: Fact<bool>,
    /// Whether `["audio"]` alone is accepted as the output modality.
    pub audio_only_output: Fact<AudioOnly>,
    /// Canonical session fields the endpoint has no place for, or rejects.
    pub rejected_fields: Fact<&'static [SessionField]>,
    /// Top-level `session` keys the endpoint answers with an error.
    pub rejected_session_keys: Fact<&'static [&'static str]>,
}

/// The GA-only session fields (DIALECTS.md §2, row "GA-only": n/a in the beta,
/// Azure preview and Voice Live dated columns).
const GA_ONLY: &[SessionField] = &[
    SessionField::Tracing,
    SessionField::Prompt,
    SessionField::Truncation,
    SessionField::Include,
];

/// GA has no `temperature` (DIALECTS.md §2, row "sampling": "none (no `temperature`
/// in GA)").
const NO_TEMPERATURE: &[SessionField] = &[SessionField::Temperature];

/// OpenAI Realtime GA.
pub const OPENAI_GA: ProviderBehaviour = ProviderBehaviour {
    dialect: "openai-ga",
    voice_change_after_audio: documented(
        false,
        "S-GA, `audio.output.voice`: \"Voice cannot be changed during the session once the model has responded with audio at least once.\"",
    ),
    image_input: documented(
        true,
        "DIALECTS.md §5 \"user content\", GA column: `input_text`, `input_audio`, `input_image` (S-GA)",
    ),
    audio_only_output: documented(
        AudioOnly::Accepted,
        "DIALECTS.md §2 \"output modality\", GA: `[\"audio\"]` is the default (S-GA)",
    ),
    rejected_fields: documented(
        NO_TEMPERATURE,
        "S-GA `RealtimeSessionCreateRequestGA` has no `temperature` (DIALECTS.md §2 \"sampling\")",
    ),
    rejected_session_keys: documented(
        &[
            "modalities",
            "input_audio_format",
            "output_audio_format",
            "voice",
            "temperature",
            "turn_detection",
            "input_audio_transcription",
            "max_response_output_tokens",
        ],
        "DIALECTS.md §2, GA column: these beta keys live under `output_modalities`, `audio.*`, `max_output_tokens` in GA (S-GA `RealtimeSessionCreateRequestGA` has no such property)",
    ),
};

/// Azure OpenAI GA v1 (`/openai/v1/realtime`).
pub const AZURE_OPENAI_GA_V1: ProviderBehaviour = ProviderBehaviour {
    dialect: "azure-openai-ga-v1",
    voice_change_after_audio: documented(
        false,
        "DIALECTS.md §6: \"AZ GA v1 behaves like OpenAI GA (REC-AZ)\", and S-GA `audio.output.voice`: \"Voice cannot be changed during the session once the model has responded with audio at least once.\"",
    ),
    image_input: documented(
        true,
        "S-GA `input_image` content part; REC-AZ: the Azure GA v1 wire is the GA wire (DIALECTS.md §6, §5)",
    ),
    audio_only_output: recorded(
        AudioOnly::Accepted,
        "REC-AZ test_azure_ws/test_text_in_audio_out_turn.yaml: the client sends `output_modalities: [audio]` and the turn completes",
    ),
    rejected_fields: documented(
        NO_TEMPERATURE,
        "S-GA (no `temperature`), which REC-AZ shows Azure GA v1 speaks (DIALECTS.md §6, §2 \"sampling\")",
    ),
    rejected_session_keys: documented(
        &["temperature"],
        "S-GA `RealtimeSessionCreateRequestGA` has no `temperature` (DIALECTS.md §2 \"sampling\")",
    ),
};

/// Azure OpenAI dated preview (`/openai/realtime?api-version=V`), every version.
pub const AZURE_OPENAI_PREVIEW: ProviderBehaviour = ProviderBehaviour {
    dialect: "azure-openai-preview",
    voice_change_after_audio: documented(
        false,
        "S-B24 / S-B25 (the beta dialect the preview speaks, DIALECTS.md header), `voice`: \"Voice cannot be changed during the session once the model has responded with audio at least once.\"",
    ),
    image_input: documented(
        false,
        "AZ-REF `role_content_rules`: \"user: input_text, input_audio\" (DIALECTS.md §5)",
    ),
    audio_only_output: documented(
        AudioOnly::NeedsText,
        "AZ-REF `modalities`: \"You can't enable only audio.\"; DIALECTS.md §6",
    ),
    rejected_fields: documented(
        GA_ONLY,
        "AZ-REF `RealtimeRequestSession` and S-B25 have no `tracing`, `prompt`, `truncation`, `include` (DIALECTS.md §2 \"GA-only\")",
    ),
    rejected_session_keys: documented(
        &[
            "type",
            "output_modalities",
            "audio",
            "tracing",
            "prompt",
            "truncation",
            "include",
        ],
        "DIALECTS.md §6: `session.type` → `unknown_parameter` (ISS-PC1324), `output_modalities` rejected (ISS-PC4106); §2: nested `audio` and the GA-only keys have no place in the flat beta session",
    ),
};

/// Azure AI Voice Live, dated versions (`2025-10-01`, `2026-04-10`).
pub const VOICELIVE_DATED: ProviderBehaviour = ProviderBehaviour {
    dialect: "voicelive-dated",
    voice_change_after_audio: undocumented(
        true,
        "no restriction in VL-25, VL-26 or DIALECTS.md §2 \"voice\"; docs/providers.md: allowed",
    ),
    image_input: documented(
        false,
        "VL-25 `MessageContentPart`: `input_text | input_audio | text` (DIALECTS.md §5; `input_image` only from 2026-07-15)",
    ),
    audio_only_output: documented(
        AudioOnly::NeedsText,
        "VL-26 `modalities`: \"can't enable only audio\" (DIALECTS.md §2; REC-VL's session.created echoes `[audio]`, but the recorded client sends `[text, audio]`)",
    ),
    rejected_fields: documented(
        GA_ONLY,
        "VL-25 `RequestSession` / VL-26 `RealtimeRequestSession` have none of the GA-only fields (DIALECTS.md §2 \"GA-only\")",
    ),
    rejected_session_keys: undocumented(
        &[],
        "DIALECTS.md §6: \"VL dated accepts beta flat fields plus Azure extensions\"; no rejection recorded",
    ),
};

/// Azure AI Voice Live, the 2026 SDK generation (`2026-06-01-preview`, `2026-07-15`,
/// `2026-07-31-preview`): the dated row, plus image input.
pub const VOICELIVE_2026: ProviderBehaviour = ProviderBehaviour {
    dialect: "voicelive-2026",
    image_input: documented(
        true,
        "VL-0715 `ContentPart.input_image {image_url, detail}` (`fixtures/voicelive/voicelive-2026-07-15.condensed.json`, SDK 1.3.0 rename `url` -> `image_url`); VL-PRE: SDK 1.3.0b1 (2026-06-01-preview) already had `image_url`",
    ),
    ..VOICELIVE_DATED
};

/// Azure AI Voice Live `api-version=v1` (GA shape).
pub const VOICELIVE_V1: ProviderBehaviour = ProviderBehaviour {
    dialect: "voicelive-v1",
    voice_change_after_audio: undocumented(
        true,
        "not in the partially read VL-V1 (DIALECTS.md §7: no v1 recordings); docs/providers.md: allowed",
    ),
    image_input: documented(
        true,
        "VL-V1: v1 \"composes Voice Live extensions over the OpenAI Realtime GA models\" (`v1/readme.md`), and S-GA has `input_image`",
    ),
    audio_only_output: documented(
        AudioOnly::Accepted,
        "VL-V1 `OpenAI.RealtimeSessionCreateRequestGA.output_modalities`: \"['audio'] default | ['text']\"",
    ),
    rejected_fields: documented(
        NO_TEMPERATURE,
        "VL-V1 `OpenAI.RealtimeSessionCreateRequestGA` lists no `temperature` (DIALECTS.md §2 \"sampling\": as GA)",
    ),
    rejected_session_keys: undocumented(
        &[],
        "DIALECTS.md §7: v1 was only partly read and never recorded; no rejection known",
    ),
};

/// Every row, one per dialect family.
pub const ALL: [&ProviderBehaviour; 6] = [
    &OPENAI_GA,
    &AZURE_OPENAI_GA_V1,
    &AZURE_OPENAI_PREVIEW,
    &VOICELIVE_DATED,
    &VOICELIVE_2026,
    &VOICELIVE_V1,
];

/// The row of a registered dialect (`realtime::registry`), by its name: each dialect
/// family's row. `None` for a dialect no row covers yet: add one, from its sources.
pub fn for_registered(name: &str) -> Option<&'static ProviderBehaviour> {
    let voicelive_2026 = [
        "voicelive-2026-06-01-preview",
        "voicelive-2026-07-15",
        "voicelive-2026-07-31-preview",
    ];
    Some(match name {
        "openai-ga" => &OPENAI_GA,
        "azure-openai-ga-v1" => &AZURE_OPENAI_GA_V1,
        "azure-openai-preview" => &AZURE_OPENAI_PREVIEW,
        "voicelive-v1" => &VOICELIVE_V1,
        name if voicelive_2026.contains(&name) => &VOICELIVE_2026,
        "voicelive-2025-10-01" | "voicelive-2026-04-10" => &VOICELIVE_DATED,
        _ => return None,
    })
}
