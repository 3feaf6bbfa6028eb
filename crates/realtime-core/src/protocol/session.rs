//! The canonical session configuration and its parts.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::audio::AudioFormat;
use super::extensions::{Extensions, SessionExtension};
use super::nullable::Nullable;
use super::tagged::{serialize_tagged, tag, untagged};
use super::tool::{Tool, ToolChoice};
use super::wire_enum::wire_enum;

wire_enum! {
    /// An output modality.
    pub enum Modality {
        /// Spoken audio (with its transcript).
        Audio = "audio",
        /// Text.
        Text = "text",
    }
}

wire_enum! {
    /// What a session is for.
    pub enum SessionKind {
        /// Speech-to-speech conversation.
        Realtime = "realtime",
        /// Transcription only.
        Transcription = "transcription",
    }
}

/// The session settings an application asks for, provider-neutral.
///
/// Every field is optional: a `session.update` carries only what is set. Fields with
/// [`Nullable`] distinguish "leave as is" ([`Nullable::Absent`]) from "turn off"
/// ([`Nullable::Null`]). Each dialect maps these onto its wire shape (GA nests audio
/// settings under `audio.input`/`audio.output`; beta keeps them flat) and refuses,
/// or drops with a warning, what its provider has no place for.
///
/// ```
/// use realtime_core::protocol::{AudioFormat, Modality, SessionConfig, TurnDetection};
///
/// let config = SessionConfig::new()
///     .instructions("You are a helpful desk agent.")
///     .output_modalities([Modality::Audio])
///     .voice("marin")
///     .input_audio_format(AudioFormat::G711Ulaw)
///     .output_audio_format(AudioFormat::G711Ulaw)
///     .turn_detection(TurnDetection::server_vad());
/// assert_eq!(config.voice.as_ref().and_then(|v| v.name()), Some("marin"));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionConfig {
    /// Realtime conversation or transcription-only (GA `session.type`).
    pub kind: Option<SessionKind>,
    /// The model (GA lets a session name it).
    pub model: Option<String>,
    /// System instructions.
    pub instructions: Option<String>,
    /// Output modalities; see [`Capabilities::normalise_modalities`](crate::dialect::Capabilities::normalise_modalities).
    pub output_modalities: Option<Vec<Modality>>,
    /// Format of audio the app sends.
    pub input_audio_format: Option<AudioFormat>,
    /// Format of audio the model speaks.
    pub output_audio_format: Option<AudioFormat>,
    /// The voice.
    pub voice: Option<Voice>,
    /// Speech speed (GA: 0.25 to 1.5).
    pub speed: Option<f64>,
    /// Input transcription; `Null` turns it off.
    pub input_audio_transcription: Nullable<Transcription>,
    /// Input noise reduction; `Null` turns it off.
    pub input_audio_noise_reduction: Nullable<NoiseReduction>,
    /// Turn detection; `Null` turns voice activity detection off (push-to-talk).
    pub turn_detection: Nullable<TurnDetection>,
    /// Tools the model may call.
    pub tools: Option<Vec<Tool>>,
    /// How the model chooses tools.
    pub tool_choice: Option<ToolChoice>,
    /// Sampling temperature (beta shape and Voice Live only).
    pub temperature: Option<f64>,
    /// Cap on output tokens per response.
    pub max_output_tokens: Option<MaxTokens>,
    /// Tracing (GA only); `Null` turns it off.
    pub tracing: Nullable<Tracing>,
    /// A stored prompt reference (GA only).
    pub prompt: Nullable<Prompt>,
    /// Context truncation strategy (GA only).
    pub truncation: Option<Truncation>,
    /// Extra outputs to include (GA only), e.g. `item.input_audio_transcription.logprobs`.
    pub include: Nullable<Vec<String>>,
    /// Whether the model may call several tools at once (GA reasoning models such as
    /// `gpt-realtime-2`; Voice Live 2026-07-15).
    pub parallel_tool_calls: Option<bool>,
    /// Reasoning settings of reasoning models (GA `reasoning.effort`; Voice Live's
    /// flat `reasoning_effort`).
    pub reasoning: Option<Reasoning>,
    /// Typed provider-specific settings.
    pub extensions: Extensions,
    /// Wire fields this library does not model, sent as they are (and kept when a
    /// frame is decoded). The dialect's reject list still applies to them.
    pub extra: Map<String, Value>,
}

impl SessionConfig {
    /// An empty configuration (a `session.update` that changes nothing).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the instructions.
    #[must_use]
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Sets the model.
    #[must_use]
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// Sets the output modalities.
    #[must_use]
    pub fn output_modalities(mut self, modalities: impl IntoIterator<Item = Modality>) -> Self {
        self.output_modalities = Some(modalities.into_iter().collect());
        self
    }

    /// Sets the voice.
    #[must_use]
    pub fn voice(mut self, voice: impl Into<Voice>) -> Self {
        self.voice = Some(voice.into());
        self
    }

    /// Sets the input audio format.
    #[must_use]
    pub fn input_audio_format(mut self, format: AudioFormat) -> Self {
        self.input_audio_format = Some(format);
        self
    }

    /// Sets the output audio format.
    #[must_use]
    pub fn output_audio_format(mut self, format: AudioFormat) -> Self {
        self.output_audio_format = Some(format);
        self
    }

    /// Sets turn detection.
    #[must_use]
    pub fn turn_detection(mut self, detection: TurnDetection) -> Self {
        self.turn_detection = Nullable::Value(detection);
        self
    }

    /// Turns turn detection off (the app commits audio and asks for responses itself).
    #[must_use]
    pub fn without_turn_detection(mut self) -> Self {
        self.turn_detection = Nullable::Null;
        self
    }

    /// Sets input transcription.
    #[must_use]
    pub fn transcription(mut self, transcription: Transcription) -> Self {
        self.input_audio_transcription = Nullable::Value(transcription);
        self
    }

    /// Sets the tools.
    #[must_use]
    pub fn tools(mut self, tools: impl IntoIterator<Item = Tool>) -> Self {
        self.tools = Some(tools.into_iter().collect());
        self
    }

    /// Sets the tool choice.
    #[must_use]
    pub fn tool_choice(mut self, choice: ToolChoice) -> Self {
        self.tool_choice = Some(choice);
        self
    }

    /// Sets the temperature.
    #[must_use]
    pub fn temperature(mut self, temperature: f64) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// Sets the output token cap.
    #[must_use]
    pub fn max_output_tokens(mut self, max: MaxTokens) -> Self {
        self.max_output_tokens = Some(max);
        self
    }

    /// Sets whether the model may call several tools at once.
    #[must_use]
    pub fn parallel_tool_calls(mut self, parallel: bool) -> Self {
        self.parallel_tool_calls = Some(parallel);
        self
    }

    /// Sets the reasoning effort.
    #[must_use]
    pub fn reasoning_effort(mut self, effort: ReasoningEffort) -> Self {
        self.reasoning = Some(Reasoning::effort(effort));
        self
    }

    /// Attaches a typed provider extension.
    #[must_use]
    pub fn extension<T: SessionExtension>(mut self, extension: T) -> Self {
        self.extensions.insert(extension);
        self
    }
}

wire_enum! {
    /// How long a reasoning model thinks before answering. Providers list different
    /// subsets (OpenAI `minimal`..`xhigh`, Azure OpenAI `minimal`..`high`, Voice Live
    /// `none`..`xhigh`); each dialect's capability table says which it accepts.
    pub enum ReasoningEffort {
        /// `none` (Voice Live only).
        None = "none",
        /// `minimal`.
        Minimal = "minimal",
        /// `low`.
        Low = "low",
        /// `medium`.
        Medium = "medium",
        /// `high`.
        High = "high",
        /// `xhigh` (not on Azure OpenAI).
        XHigh = "xhigh",
    }
}

/// Reasoning settings (GA `reasoning`, on the session and on `response.create`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Reasoning {
    /// The effort.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<ReasoningEffort>,
    /// Fields this library does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Reasoning {
    /// Reasoning with `effort`.
    pub fn effort(effort: ReasoningEffort) -> Self {
        Self {
            effort: Some(effort),
            extra: Map::new(),
        }
    }
}

/// A voice.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Voice {
    /// A built-in voice by name, e.g. `alloy` or `marin`.
    Named(String),
    /// A custom voice by id (GA `{"id": ...}`).
    Id(String),
    /// A provider-specific voice object (Voice Live's Azure voices), built by the
    /// provider crate's typed voice structs.
    Object(Map<String, Value>),
}

impl Voice {
    /// The voice's name, for named voices and objects with a `name`.
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::Named(name) => Some(name),
            Self::Id(_) => None,
            Self::Object(map) => map.get("name").and_then(Value::as_str),
        }
    }
}

impl From<&str> for Voice {
    fn from(name: &str) -> Self {
        Self::Named(name.to_owned())
    }
}

impl From<String> for Voice {
    fn from(name: String) -> Self {
        Self::Named(name)
    }
}

impl Serialize for Voice {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Named(name) => serializer.serialize_str(name),
            Self::Id(id) => {
                let mut map = Map::new();
                map.insert("id".to_owned(), Value::String(id.clone()));
                map.serialize(serializer)
            }
            Self::Object(map) => map.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Voice {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(name) => Ok(Self::Named(name)),
            Value::Object(map) => match (map.len(), map.get("id")) {
                (1, Some(Value::String(id))) => Ok(Self::Id(id.clone())),
                _ => Ok(Self::Object(map)),
            },
            other => Err(serde::de::Error::custom(format!(
                "expected a voice name or object, got {}",
                json_kind(&other)
            ))),
        }
    }
}

/// Input transcription settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Transcription {
    /// The transcription model. On Azure OpenAI this is a *deployment name*.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Input language (ISO-639-1, e.g. `en`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// A prompt to guide transcription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// Several input languages (GA, `gpt-transcribe` and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub languages: Option<Vec<String>>,
    /// Words to bias recognition towards (GA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keywords: Option<Vec<String>>,
    /// Latency against accuracy (GA `delay`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<TranscriptionDelay>,
    /// Fields this library does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Transcription {
    /// Transcription with `model`.
    pub fn model(model: impl Into<String>) -> Self {
        Self {
            model: Some(model.into()),
            ..Self::default()
        }
    }

    /// Sets the language.
    #[must_use]
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }
}

wire_enum! {
    /// How long transcription may wait for context (GA `transcription.delay`).
    pub enum TranscriptionDelay {
        /// `minimal`.
        Minimal = "minimal",
        /// `low`.
        Low = "low",
        /// `medium`.
        Medium = "medium",
        /// `high`.
        High = "high",
        /// `xhigh`.
        XHigh = "xhigh",
    }
}

wire_enum! {
    /// A noise-reduction kind.
    pub enum NoiseReductionKind {
        /// Close-talking microphones (headsets).
        NearField = "near_field",
        /// Far-field microphones (laptops, conference rooms).
        FarField = "far_field",
    }
}

/// Input noise reduction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoiseReduction {
    /// The kind.
    #[serde(rename = "type")]
    pub kind: NoiseReductionKind,
    /// Suppression strength (GA `noise_reduction.strength`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strength: Option<f64>,
    /// Fields this library does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl NoiseReduction {
    /// Noise reduction of `kind`.
    pub fn new(kind: NoiseReductionKind) -> Self {
        Self {
            kind,
            strength: None,
            extra: Map::new(),
        }
    }
}

/// Turn detection: how the server decides the user stopped speaking.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TurnDetection {
    /// Voice activity detection on audio energy (`server_vad`).
    ServerVad(ServerVad),
    /// Model-based end-of-turn detection (`semantic_vad`).
    SemanticVad(SemanticVad),
    /// A provider-specific kind (e.g. Voice Live's `azure_semantic_vad`), kept as its
    /// wire object. Provider crates build it from typed structs.
    Other(Map<String, Value>),
}

impl TurnDetection {
    /// `server_vad` with the provider's defaults.
    pub fn server_vad() -> Self {
        Self::ServerVad(ServerVad::default())
    }

    /// `semantic_vad` with the provider's defaults.
    pub fn semantic_vad() -> Self {
        Self::SemanticVad(SemanticVad::default())
    }
}

impl Serialize for TurnDetection {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::ServerVad(vad) => serialize_tagged(serializer, "server_vad", vad),
            Self::SemanticVad(vad) => serialize_tagged(serializer, "semantic_vad", vad),
            Self::Other(map) => map.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for TurnDetection {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Map::deserialize(deserializer)?;
        match tag(&map) {
            Some("server_vad") => untagged(map).map(Self::ServerVad),
            Some("semantic_vad") => untagged(map).map(Self::SemanticVad),
            _ => Ok(Self::Other(map)),
        }
    }
}

/// `server_vad` settings; unset fields take the provider's defaults.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ServerVad {
    /// Activation threshold, 0.0 to 1.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Audio kept before detected speech, in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_padding_ms: Option<u32>,
    /// Silence that ends a turn, in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silence_duration_ms: Option<u32>,
    /// Idle time after which the server prompts the user, in ms (GA).
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub idle_timeout_ms: Nullable<u32>,
    /// Whether the server starts a response at the end of a turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_response: Option<bool>,
    /// Whether user speech interrupts (auto-cancels) a response in progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupt_response: Option<bool>,
    /// Fields this library does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

wire_enum! {
    /// How eagerly `semantic_vad` ends a turn.
    pub enum Eagerness {
        /// Waits longest.
        Low = "low",
        /// Balanced.
        Medium = "medium",
        /// Ends turns soonest.
        High = "high",
        /// The provider's choice.
        Auto = "auto",
    }
}

/// `semantic_vad` settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SemanticVad {
    /// Eagerness.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eagerness: Option<Eagerness>,
    /// Whether the server starts a response at the end of a turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_response: Option<bool>,
    /// Whether user speech interrupts (auto-cancels) a response in progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupt_response: Option<bool>,
    /// Fields this library does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A cap on output tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxTokens {
    /// At most this many tokens.
    Limit(u32),
    /// No cap (`"inf"`).
    Infinite,
}

impl Serialize for MaxTokens {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Limit(limit) => serializer.serialize_u32(*limit),
            Self::Infinite => serializer.serialize_str("inf"),
        }
    }
}

impl<'de> Deserialize<'de> for MaxTokens {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(text) if text == "inf" => Ok(Self::Infinite),
            Value::Number(number) => number
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Self::Limit)
                .ok_or_else(|| {
                    serde::de::Error::custom(format!("expected a token count, got {number}"))
                }),
            other => Err(serde::de::Error::custom(format!(
                "expected an integer or \"inf\", got {}",
                json_kind(&other)
            ))),
        }
    }
}

/// Tracing configuration (GA only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Tracing {
    /// A mode by name, e.g. `"auto"`.
    Mode(String),
    /// Explicit settings: `workflow_name`, `group_id`, `metadata`.
    Config(Map<String, Value>),
}

/// A stored prompt reference (GA only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prompt {
    /// The prompt id.
    pub id: String,
    /// The prompt version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Template variables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variables: Option<Map<String, Value>>,
    /// Fields this library does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Context truncation (GA only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Truncation {
    /// A strategy by name: `"auto"` or `"disabled"`.
    Mode(String),
    /// A strategy object, e.g. `{"type":"retention_ratio","retention_ratio":0.8}`.
    Config(Map<String, Value>),
}

/// The JSON type of `value`, for error messages.
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
