//! Provider profiles: how each dialect's real service answers, as data.

use serde_json::{Map, Value, json};

use realtime_core::wire::WireShape;

use super::handshake::VOICELIVE_VERSIONS;

/// Which events announce a conversation item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemEvents {
    /// GA: `conversation.item.added`, then `conversation.item.done`.
    AddedAndDone,
    /// Beta: `conversation.item.created`.
    Created,
    /// Voice Live: `conversation.item.created` and, for finished items, `conversation.item.done`.
    CreatedAndDone,
}

/// When a rule rejects a field.
#[derive(Debug, Clone, PartialEq)]
pub enum RejectWhen {
    /// Whenever the field is present.
    Present,
    /// When the field equals this value.
    Equals(Value),
    /// When the field (a string, or an object's `type`) is not one of these: an
    /// enum of the version's spec.
    NotOneOf(Vec<&'static str>),
}

impl RejectWhen {
    /// Whether `value`, the field's value, is rejected.
    pub fn rejects(&self, value: &Value) -> bool {
        match self {
            Self::Present => true,
            Self::Equals(expected) => value == expected,
            Self::NotOneOf(allowed) => {
                let name = value
                    .as_str()
                    .or_else(|| value.get("type").and_then(Value::as_str));
                name.is_some_and(|name| !allowed.contains(&name))
            }
        }
    }
}

/// A field the service rejects, and the `error` it answers with.
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    /// The field inside `session` / `response`, e.g. `type`.
    pub field: &'static str,
    /// When it is rejected.
    pub when: RejectWhen,
    /// `error.code`.
    pub code: &'static str,
    /// `error.message`; `{param}` is replaced by the parameter path, `{value}` by
    /// the rejected value.
    pub message: &'static str,
}

impl Reject {
    /// A value outside the version's enum: `invalid_value`.
    fn not_one_of(field: &'static str, allowed: &[&'static str]) -> Self {
        Self {
            field,
            when: RejectWhen::NotOneOf(allowed.to_vec()),
            code: "invalid_value",
            message: "Invalid value: '{value}'. Supported values for '{param}' differ in this api-version.",
        }
    }

    fn unknown(field: &'static str) -> Self {
        Self {
            field,
            when: RejectWhen::Present,
            code: "unknown_parameter",
            message: "Unknown parameter: '{param}'.",
        }
    }
}

/// The beta voices (S-B25: no `marin` or `cedar`).
const BETA_VOICES: &[&str] = &[
    "alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse",
];

/// The transcription deployment the emulated Azure OpenAI resource has.
pub const AZURE_TRANSCRIPTION_DEPLOYMENT: &str = "transcribe";

/// How an emulated service behaves.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The dialect name (as in fixtures): `openai-ga`, `azure-openai-preview`, ...
    pub dialect: &'static str,
    /// The wire shape.
    pub shape: WireShape,
    /// How items are announced.
    pub item_events: ItemEvents,
    /// Whether `rate_limits.updated` follows each `response.done` (OpenAI only).
    pub sends_rate_limits: bool,
    /// Fields of `session.update` / `response.create` the service rejects.
    pub rejects: Vec<Reject>,
    /// The session object of `session.created`.
    pub initial_session: Map<String, Value>,
    /// Azure: transcription `model` must name one of these deployments, or the
    /// service answers `input_audio_transcription.failed` with `DeploymentNotFound`.
    /// `None`: any model name is accepted.
    pub transcription_deployments: Option<Vec<&'static str>>,
    /// Whether `session.update` must carry `session.type` (GA shape: the S-GA
    /// schema lists `type` as required).
    pub requires_session_type: bool,
    /// Server VAD hears speech only in pcm16 chunks whose RMS reaches this level;
    /// quieter audio (silence) makes no user turn. `None` (the default): every
    /// appended byte counts, so tests can speak with zeros. Set it to check that a
    /// real microphone delivered speech, not silence.
    pub speech_rms_threshold: Option<u16>,
    /// Whether the voice is fixed once the model has answered with audio (OpenAI and
    /// Azure OpenAI; S-GA: "Voice cannot be changed during the session once the model
    /// has responded with audio at least once").
    pub voice_locked_after_audio: bool,
    /// Whether items carry `object: "realtime.item"` (Voice Live and beta, DIALECTS.md §5;
    /// absent on GA items in the recordings).
    pub item_object: bool,
    /// What the service fills into a `server_vad` turn detection the client sends
    /// (the recorded `session.updated` frames).
    pub server_vad_defaults: Map<String, Value>,
    /// What the service fills into a transcription setting (recorded `session.updated`).
    pub transcription_defaults: Map<String, Value>,
    /// Whether function-call items get a `conversation.item.done` (not in the Voice
    /// Live recordings, which send it for messages only).
    pub function_call_item_done: bool,
    /// Whether deltas carry an `obfuscation` padding field (REC-OAI, REC-AZ).
    pub delta_obfuscation: bool,
    /// Whether content-part events repeat the part as `content` (REC-AZ).
    pub content_part_echo: bool,
    /// Whether a completed transcription reports `usage` (REC-OAI, REC-AZ).
    pub transcription_usage: bool,
    /// Whether usage counts `reasoning_tokens` in `output_token_details` (REC-VL).
    pub usage_reasoning_tokens: bool,
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Beta-only fields GA rejects (the GA session has no place for them).
fn ga_rejects() -> Vec<Reject> {
    [
        "modalities",
        "input_audio_format",
        "output_audio_format",
        "voice",
        "temperature",
        "turn_detection",
        "input_audio_transcription",
        "max_response_output_tokens",
    ]
    .into_iter()
    .map(Reject::unknown)
    .collect()
}

/// The `server_vad` defaults of the GA `session.updated` (REC-OAI, REC-AZ).
fn ga_vad_defaults() -> Map<String, Value> {
    object(json!({
        "threshold": 0.5,
        "prefix_padding_ms": 300,
        "silence_duration_ms": 200,
        "idle_timeout_ms": null,
        "create_response": true,
        "interrupt_response": true
    }))
}

/// The `server_vad` defaults of the Voice Live 2026-04-10 `session.updated` (REC-VL:
/// prefix 400, silence 500, and the Azure extras).
fn vl_vad_defaults() -> Value {
    json!({
        "threshold": 0.5,
        "prefix_padding_ms": 400,
        "silence_duration_ms": 500,
        "create_response": true,
        "interrupt_response": true,
        "idle_timeout_ms": null,
        "speech_duration_ms": null,
        "end_of_utterance_detection": null,
        "auto_truncate": false,
        "appended_text_after_truncation": null
    })
}

fn ga_session(model: &str, voice: &str, truncation: bool) -> Map<String, Value> {
    let mut session = object(json!({
        "type": "realtime",
        "object": "realtime.session",
        "id": "sess_emulated",
        "model": model,
        "output_modalities": ["audio"],
        "instructions": "",
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "tracing": null,
        "prompt": null,
        "expires_at": 1_900_000_000,
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "transcription": null,
                "noise_reduction": null,
                "turn_detection": {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300, "silence_duration_ms": 200, "idle_timeout_ms": null, "create_response": true, "interrupt_response": true}
            },
            "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": voice, "speed": 1.0}
        },
        "include": null
    }));
    if truncation {
        session.insert("truncation".to_owned(), json!("auto"));
    }
    session
}

impl Profile {
    /// OpenAI GA (recorded: `openai-ga/recorded`).
    pub fn openai_ga() -> Self {
        Self {
            dialect: "openai-ga",
            shape: WireShape::Ga,
            item_events: ItemEvents::AddedAndDone,
            sends_rate_limits: true,
            rejects: ga_rejects(),
            initial_session: ga_session("gpt-realtime", "alloy", true),
            transcription_deployments: None,
            requires_session_type: true,
            speech_rms_threshold: None,
            voice_locked_after_audio: true,
            item_object: false,
            server_vad_defaults: ga_vad_defaults(),
            transcription_defaults: object(json!({"language": null, "prompt": null})),
            function_call_item_done: true,
            delta_obfuscation: true,
            content_part_echo: false,
            transcription_usage: true,
            usage_reasoning_tokens: false,
        }
    }

    /// Azure OpenAI GA v1 (recorded: `azure-openai/recorded`): like GA, no rate limits.
    pub fn azure_openai_ga_v1() -> Self {
        Self {
            dialect: "azure-openai-ga-v1",
            sends_rate_limits: false,
            initial_session: ga_session("gpt-realtime", "alloy", true),
            transcription_deployments: Some(vec![AZURE_TRANSCRIPTION_DEPLOYMENT]),
            content_part_echo: true,
            ..Self::openai_ga()
        }
    }

    /// Azure OpenAI preview: beta shape, no `session.type`, rejects GA fields and
    /// audio-only modalities with the error frames the service sends (DIALECTS.md §6,
    /// pipecat#1324).
    pub fn azure_openai_preview() -> Self {
        let mut rejects: Vec<Reject> = [
            "type",
            "output_modalities",
            "audio",
            "tracing",
            "prompt",
            "truncation",
            "include",
        ]
        .into_iter()
        .map(Reject::unknown)
        .collect();
        rejects.push(Reject {
            field: "modalities",
            when: RejectWhen::Equals(json!(["audio"])),
            code: "invalid_value",
            message: "Invalid modalities: ['audio']. Supported combinations are: ['text'] and ['audio', 'text'].",
        });
        Self {
            dialect: "azure-openai-preview",
            shape: WireShape::Beta,
            item_events: ItemEvents::Created,
            sends_rate_limits: true,
            rejects,
            transcription_deployments: Some(vec![AZURE_TRANSCRIPTION_DEPLOYMENT]),
            requires_session_type: false,
            speech_rms_threshold: None,
            voice_locked_after_audio: true,
            item_object: true,
            server_vad_defaults: object(
                json!({"threshold": 0.5, "prefix_padding_ms": 300, "silence_duration_ms": 200, "create_response": true, "interrupt_response": true}),
            ),
            transcription_defaults: object(json!({"language": null, "prompt": null})),
            function_call_item_done: false,
            delta_obfuscation: false,
            content_part_echo: false,
            transcription_usage: false,
            usage_reasoning_tokens: false,
            initial_session: object(json!({
                "id": "sess_emulated",
                "object": "realtime.session",
                "model": "gpt-4o-realtime-preview",
                "expires_at": 1_900_000_000,
                "modalities": ["text", "audio"],
                "instructions": "",
                "voice": "alloy",
                "input_audio_format": "pcm16",
                "output_audio_format": "pcm16",
                "input_audio_transcription": null,
                "turn_detection": {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300, "silence_duration_ms": 200, "create_response": true, "interrupt_response": true},
                "tools": [],
                "tool_choice": "auto",
                "temperature": 0.8,
                "max_response_output_tokens": "inf"
            })),
        }
    }

    /// Azure OpenAI preview at one `api-version`, with the version's own limits:
    /// `2024-10-01-preview` offers three voices and `server_vad` only (AZ-2410); every
    /// preview offers the eight beta voices, without `marin` and `cedar` (S-B25).
    pub fn azure_openai_preview_at(version: &str) -> Self {
        let mut profile = Self::azure_openai_preview();
        if version == "2024-10-01-preview" {
            profile
                .rejects
                .push(Reject::not_one_of("voice", &["alloy", "shimmer", "echo"]));
            profile
                .rejects
                .push(Reject::not_one_of("turn_detection", &["server_vad"]));
        } else {
            profile
                .rejects
                .push(Reject::not_one_of("voice", BETA_VOICES));
        }
        profile
    }

    /// Voice Live at one dated `api-version`, with the version's enums:
    /// `2025-10-01` has no OpenAI `semantic_vad`, no `azure-realtime-native` voice and
    /// three output formats (VL-25); later versions add them (VL-26). The profile
    /// carries the version's own dialect name (recordings name what was asked for),
    /// and from `2026-07-15` on the session holds `parallel_tool_calls` (VL-0715:
    /// `RequestSession.parallel_tool_calls`, boolean, default true; the response
    /// session has every request field, `docs/providers.md`).
    pub fn voicelive_at(version: &str) -> Self {
        let mut profile = Self::voicelive_dated();
        if let Some((_, dialect)) = VOICELIVE_VERSIONS
            .iter()
            .find(|(known, _)| *known == version)
        {
            profile.dialect = dialect;
        }
        if version == "2026-07-15" {
            profile
                .initial_session
                .insert("parallel_tool_calls".into(), Value::Bool(true));
        }
        if version == "2025-10-01" {
            profile.rejects.extend([
                Reject::not_one_of(
                    "turn_detection",
                    &[
                        "server_vad",
                        "azure_semantic_vad",
                        "azure_semantic_vad_en",
                        "azure_semantic_vad_multilingual",
                    ],
                ),
                Reject::not_one_of("output_audio_format", &["pcm16", "g711_ulaw", "g711_alaw"]),
                Reject::not_one_of(
                    "voice",
                    &[
                        "alloy",
                        "ash",
                        "ballad",
                        "coral",
                        "echo",
                        "sage",
                        "shimmer",
                        "verse",
                        "openai",
                        "azure-standard",
                        "azure-custom",
                        "azure-personal",
                    ],
                ),
            ]);
        }
        profile
    }

    /// OpenAI beta (`OpenAI-Beta: realtime=v1`, S-B25): the beta shape with
    /// `conversation.item.created` and rate limits; it accepts the beta fields.
    pub fn openai_beta() -> Self {
        Self {
            dialect: "openai-beta",
            rejects: vec![Reject::not_one_of("voice", BETA_VOICES)],
            transcription_deployments: None,
            ..Self::azure_openai_preview()
        }
    }

    /// Voice Live dated versions (recorded: `voicelive/recorded`, 2026-04-10): beta
    /// shape plus Azure fields, `conversation.item.created` and `.done`.
    pub fn voicelive_dated() -> Self {
        Self {
            dialect: "voicelive-2026-04-10",
            shape: WireShape::Beta,
            item_events: ItemEvents::CreatedAndDone,
            sends_rate_limits: false,
            rejects: Vec::new(),
            transcription_deployments: None,
            requires_session_type: false,
            speech_rms_threshold: None,
            voice_locked_after_audio: false,
            item_object: true,
            server_vad_defaults: object(vl_vad_defaults()),
            transcription_defaults: object(
                json!({"language": null, "prompt": null, "custom_speech": null, "phrase_list": null}),
            ),
            function_call_item_done: false,
            delta_obfuscation: false,
            content_part_echo: false,
            transcription_usage: false,
            usage_reasoning_tokens: true,
            initial_session: object(json!({
                "id": "sess_emulated",
                "model": "gpt-realtime-global-standard",
                "modalities": ["audio"],
                "instructions": "",
                "voice": {"name": "alloy", "type": "openai"},
                "input_audio_format": "pcm16",
                "output_audio_format": null,
                "input_audio_transcription": null,
                "input_audio_noise_reduction": null,
                "turn_detection": {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 400, "silence_duration_ms": 500, "create_response": true, "interrupt_response": true, "idle_timeout_ms": null, "speech_duration_ms": null, "end_of_utterance_detection": null, "auto_truncate": false, "appended_text_after_truncation": null},
                "tools": [],
                "tool_choice": "auto",
                "max_response_output_tokens": "inf",
                "expires_at": 1_900_000_000,
                "object": "realtime.session",
                "input_audio_sampling_rate": 24000,
                "animation": null,
                "input_audio_echo_cancellation": null,
                "avatar": null,
                "output_audio_timestamp_types": null,
                "truncation_strategy": null,
                "include": null
            })),
        }
    }

    /// Voice Live `api-version=v1`: GA shape plus Azure extensions (from the v1 spec;
    /// no recordings exist), `conversation.item.added` and `.done`.
    pub fn voicelive_v1() -> Self {
        Self {
            dialect: "voicelive-v1",
            sends_rate_limits: false,
            initial_session: ga_session("gpt-realtime", "alloy", false),
            voice_locked_after_audio: false,
            item_object: true,
            delta_obfuscation: false,
            usage_reasoning_tokens: true,
            transcription_defaults: object(
                json!({"language": null, "prompt": null, "custom_speech": null, "phrase_list": null}),
            ),
            ..Self::openai_ga()
        }
    }

    /// The profile for a dialect name.
    pub fn for_dialect(dialect: &str) -> Option<Self> {
        match dialect {
            "openai-ga" => Some(Self::openai_ga()),
            "openai-beta" => Some(Self::openai_beta()),
            "azure-openai-ga-v1" => Some(Self::azure_openai_ga_v1()),
            "azure-openai-preview" => Some(Self::azure_openai_preview()),
            "voicelive" => Some(Self::voicelive_dated()),
            voicelive => VOICELIVE_VERSIONS
                .iter()
                .find(|(_, name)| *name == voicelive)
                .map(|(version, _)| match *version {
                    "v1" => Self::voicelive_v1(),
                    dated => Self::voicelive_at(dated),
                }),
        }
    }

    /// Every profile.
    pub fn all() -> Vec<Self> {
        vec![
            Self::openai_ga(),
            Self::azure_openai_ga_v1(),
            Self::azure_openai_preview(),
            Self::voicelive_dated(),
            Self::voicelive_v1(),
        ]
    }
}
