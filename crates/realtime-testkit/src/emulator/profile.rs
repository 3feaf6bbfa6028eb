//! Provider profiles: how each dialect's real service answers, as data.

use serde_json::{Map, Value, json};

use realtime_core::wire::WireShape;

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
    /// `error.message`; `{param}` is replaced by the parameter path.
    pub message: &'static str,
}

impl Reject {
    fn unknown(field: &'static str) -> Self {
        Self {
            field,
            when: RejectWhen::Present,
            code: "unknown_parameter",
            message: "Unknown parameter: '{param}'.",
        }
    }
}

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
            initial_session: ga_session("gpt-realtime", "marin", false),
            transcription_deployments: None,
        }
    }

    /// Azure OpenAI GA v1 (recorded: `azure-openai/recorded`): like GA, no rate limits.
    pub fn azure_openai_ga_v1() -> Self {
        Self {
            dialect: "azure-openai-ga-v1",
            sends_rate_limits: false,
            initial_session: ga_session("gpt-realtime", "alloy", true),
            transcription_deployments: Some(vec![AZURE_TRANSCRIPTION_DEPLOYMENT]),
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
                "turn_detection": {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300, "silence_duration_ms": 200, "create_response": true, "interrupt_response": true, "idle_timeout_ms": null, "speech_duration_ms": null, "end_of_utterance_detection": null, "auto_truncate": false, "appended_text_after_truncation": null},
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
            ..Self::openai_ga()
        }
    }

    /// The profile for a dialect name.
    pub fn for_dialect(dialect: &str) -> Option<Self> {
        match dialect {
            "openai-ga" => Some(Self::openai_ga()),
            "azure-openai-ga-v1" => Some(Self::azure_openai_ga_v1()),
            "azure-openai-preview" => Some(Self::azure_openai_preview()),
            "voicelive-2025-10-01"
            | "voicelive-2026-04-10"
            | "voicelive-2026-06-01-preview"
            | "voicelive-2026-07-15"
            | "voicelive-2026-07-31-preview"
            | "voicelive" => Some(Self::voicelive_dated()),
            "voicelive-v1" => Some(Self::voicelive_v1()),
            _ => None,
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
