//! The [`Dialect`] trait: what a provider adds on top of a wire shape.
//!
//! A dialect is pure: it turns canonical [`ClientEvent`]s into wire JSON and wire
//! frames into canonical [`ServerEvent`]s, and it describes what the provider accepts
//! in a [`Capabilities`] table. Encoding is provider-aware: a field the provider
//! would reject never reaches the wire. What happens to a field the user set but the
//! provider lacks is the [`UnsupportedPolicy`]: an error (the default) or a `tracing`
//! warning and the field dropped.

use std::borrow::Cow;
use std::fmt::Debug;

mod detect;
mod generic;
mod registry;

pub use detect::{DialectDecision, DialectDetector, SwitchReason};
pub use generic::GenericDialect;
pub use registry::{DialectEntry, classify_code, find_dialect};

use crate::error::{DecodeError, EncodeError};
use crate::protocol::{
    AudioFormat, ClientEvent, Item, Modality, PartKind, ServerEvent, SessionConfig, TurnDetection,
    Voice,
};
use crate::wire::WireShape;

/// A provider's wire dialect: a pure translation between canonical events and frames.
///
/// Implementations must not panic on any input and must not perform I/O.
pub trait Dialect: Debug + Send + Sync + 'static {
    /// The dialect's name as used in fixtures and errors, e.g. `openai-ga` or
    /// `azure-openai-preview`.
    fn name(&self) -> &'static str;

    /// The provider, e.g. `OpenAI`, `Azure OpenAI`, `Azure AI Voice Live`.
    fn provider(&self) -> &'static str;

    /// What the provider accepts.
    fn capabilities(&self) -> &Capabilities;

    /// Writes a client event as a wire frame.
    ///
    /// # Errors
    /// [`EncodeError::Unsupported`] for a field the provider lacks under
    /// [`UnsupportedPolicy::Error`], [`EncodeError::Invalid`] for a value it rejects.
    fn encode(&self, event: &ClientEvent) -> Result<String, EncodeError>;

    /// Reads a wire frame into canonical events. Unknown event types become
    /// [`ServerEvent::Unknown`], never an error.
    ///
    /// # Errors
    /// [`DecodeError`] when the frame is not a JSON object with a string `type`, or
    /// when a known event's fields have the wrong types.
    fn decode(&self, frame: &str) -> Result<Vec<ServerEvent>, DecodeError>;

    /// The flat (beta-shape) dialect to switch to when an endpoint configured for
    /// this GA-shape dialect answers in the flat shape (e.g. an Azure endpoint
    /// configured as GA v1 that speaks like a preview, or a Voice Live `v1` endpoint
    /// that answers flat). `None` (the default): the session never switches.
    ///
    /// The client feeds the first server events to its one [`DialectDetector`]; when
    /// it decides [`DialectDecision::SwitchToBeta`], the client switches to this
    /// dialect, re-sends its last `session.update` in it, and reports a
    /// [`DialectSwitched`] (the agent as `AgentEvent::DialectSwitched`).
    fn wire_fallback(&self) -> Option<std::sync::Arc<dyn Dialect>> {
        None
    }

    /// Whether a server error code (`error.code`, or `error.type` without a code)
    /// means no retry can help on this provider (the session then ends). The
    /// provider's crate holds its codes; the default knows none.
    fn classify_error(&self, code: &str) -> Option<crate::agent::reconnect::FatalKind> {
        let _ = code;
        None
    }

    /// The client events that open a connection of a session: its settings
    /// (`config`, naming the model where the provider needs it) and the
    /// conversation so far (`history`, oldest first), with the items the provider
    /// cannot take, each with why (the agent machine reports them as refusals).
    ///
    /// The default is a `session.update` of `config`, then one
    /// `conversation.item.create` per item. A provider that takes history only when
    /// the session starts puts it there.
    fn open_session(&self, config: SessionConfig, history: Vec<Item>) -> OpenSession {
        let events = std::iter::once(ClientEvent::session_update(config))
            .chain(history.into_iter().map(ClientEvent::create_item))
            .collect();
        OpenSession::new(events, Vec::new())
    }

    /// Why the provider ended the session itself, when `event` says so (GPT-Live:
    /// `session.closed` with its reason, e.g. `expired` or `content`). No reconnect
    /// resumes such a session, so the agent machine ends it
    /// ([`EndReason::ServerEnded`](crate::agent::machine::EndReason::ServerEnded))
    /// instead of treating the closing socket as a lost connection. The default knows
    /// no such event.
    fn session_ended(&self, event: &ServerEvent) -> Option<String> {
        let _ = event;
        None
    }

    /// The client events that end a session gracefully before its connection closes
    /// (GPT-Live: `session.close`, so the service ends the session as requested
    /// rather than as a lost connection). The default is none: closing the
    /// connection ends the session.
    fn closing_events(&self) -> Vec<ClientEvent> {
        Vec::new()
    }

    /// The client events that make another agent's settings active in a started
    /// session (a handoff, or a new definition of the active agent). `update` holds
    /// what the switch changes: the agent's instructions, tools and tool choice, and
    /// a voice where it differs from the session's; `base` holds the settings every
    /// agent shares (the runner's session config).
    ///
    /// The default is one `session.update` of `update`, checked by encoding it. A
    /// provider that fixes settings when the session starts maps the switch onto
    /// what it lets change, and refuses what cannot map.
    ///
    /// # Errors
    /// [`EncodeError`] naming the setting that cannot change and why.
    fn switch_agent(
        &self,
        base: &SessionConfig,
        update: SessionConfig,
    ) -> Result<Vec<ClientEvent>, EncodeError> {
        let _ = base;
        let event = ClientEvent::session_update(update);
        self.encode(&event)?;
        Ok(vec![event])
    }
}

/// How a connection of a session opens ([`Dialect::open_session`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OpenSession {
    /// The client events to send, in order.
    pub events: Vec<ClientEvent>,
    /// History items the provider cannot take, with why.
    pub refused: Vec<(Item, EncodeError)>,
}

impl OpenSession {
    /// The events to send and the items refused.
    pub fn new(events: Vec<ClientEvent>, refused: Vec<(Item, EncodeError)>) -> Self {
        Self { events, refused }
    }
}

/// A dialect change decided from the wire (see [`Dialect::wire_fallback`]): the
/// server speaks `to`, not the configured `from`. The session goes on in `to`, with
/// the last `session.update` re-sent in it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DialectSwitched {
    /// The configured dialect.
    pub from: &'static str,
    /// The dialect now in use.
    pub to: &'static str,
    /// The evidence.
    pub reason: SwitchReason,
}

impl std::fmt::Display for DialectSwitched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the server speaks {}, not {} ({}); switched and re-sent the session settings",
            self.to, self.from, self.reason
        )
    }
}

/// What to do with a canonical field that the provider has no place for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum UnsupportedPolicy {
    /// Refuse to encode the event: nothing is sent. The default, so that a setting is
    /// never silently ignored.
    #[default]
    Error,
    /// Drop the field, log a `tracing` warning, and send the rest.
    Warn,
}

/// A session setting, as named in capability tables and errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SessionField {
    /// `model`.
    Model,
    /// `instructions`.
    Instructions,
    /// The output modalities.
    OutputModalities,
    /// The input audio format.
    InputAudioFormat,
    /// The output audio format.
    OutputAudioFormat,
    /// The output voice.
    Voice,
    /// The output speech speed.
    Speed,
    /// Input transcription.
    Transcription,
    /// Input noise reduction.
    NoiseReduction,
    /// Turn detection.
    TurnDetection,
    /// Tools.
    Tools,
    /// Tool choice.
    ToolChoice,
    /// Sampling temperature.
    Temperature,
    /// Output token cap.
    MaxOutputTokens,
    /// Tracing (GA only).
    Tracing,
    /// Stored prompt reference (GA only).
    Prompt,
    /// Context truncation strategy (GA only).
    Truncation,
    /// Extra outputs to include (GA only).
    Include,
    /// Parallel tool calls (GA reasoning models, Voice Live 2026-07-15).
    ParallelToolCalls,
    /// Reasoning effort (GA reasoning models, Voice Live).
    Reasoning,
    /// `server_vad`'s `idle_timeout_ms` (GA; not in the Voice Live 2026-07-15 table).
    IdleTimeout,
}

impl SessionField {
    /// Every field, in wire order.
    pub const ALL: [Self; 21] = [
        Self::Model,
        Self::Instructions,
        Self::OutputModalities,
        Self::InputAudioFormat,
        Self::OutputAudioFormat,
        Self::Voice,
        Self::Speed,
        Self::Transcription,
        Self::NoiseReduction,
        Self::TurnDetection,
        Self::Tools,
        Self::ToolChoice,
        Self::Temperature,
        Self::MaxOutputTokens,
        Self::Tracing,
        Self::Prompt,
        Self::Truncation,
        Self::Include,
        Self::ParallelToolCalls,
        Self::Reasoning,
        Self::IdleTimeout,
    ];

    /// The canonical field path used in errors, e.g. `session.temperature`.
    pub fn path(self) -> &'static str {
        match self {
            Self::Model => "session.model",
            Self::Instructions => "session.instructions",
            Self::OutputModalities => "session.output_modalities",
            Self::InputAudioFormat => "session.input_audio_format",
            Self::OutputAudioFormat => "session.output_audio_format",
            Self::Voice => "session.voice",
            Self::Speed => "session.speed",
            Self::Transcription => "session.input_audio_transcription",
            Self::NoiseReduction => "session.input_audio_noise_reduction",
            Self::TurnDetection => "session.turn_detection",
            Self::Tools => "session.tools",
            Self::ToolChoice => "session.tool_choice",
            Self::Temperature => "session.temperature",
            Self::MaxOutputTokens => "session.max_output_tokens",
            Self::Tracing => "session.tracing",
            Self::Prompt => "session.prompt",
            Self::Truncation => "session.truncation",
            Self::Include => "session.include",
            Self::ParallelToolCalls => "session.parallel_tool_calls",
            Self::Reasoning => "session.reasoning",
            Self::IdleTimeout => "session.turn_detection.idle_timeout_ms",
        }
    }

    /// Whether `config` sets this field.
    pub fn is_set_in(self, config: &SessionConfig) -> bool {
        match self {
            Self::Model => config.model.is_some(),
            Self::Instructions => config.instructions.is_some(),
            Self::OutputModalities => config.output_modalities.is_some(),
            Self::InputAudioFormat => config.input_audio_format.is_some(),
            Self::OutputAudioFormat => config.output_audio_format.is_some(),
            Self::Voice => config.voice.is_some(),
            Self::Speed => config.speed.is_some(),
            Self::Transcription => !config.input_audio_transcription.is_absent(),
            Self::NoiseReduction => !config.input_audio_noise_reduction.is_absent(),
            Self::TurnDetection => !config.turn_detection.is_absent(),
            Self::Tools => config.tools.is_some(),
            Self::ToolChoice => config.tool_choice.is_some(),
            Self::Temperature => config.temperature.is_some(),
            Self::MaxOutputTokens => config.max_output_tokens.is_some(),
            Self::Tracing => !config.tracing.is_absent(),
            Self::Prompt => !config.prompt.is_absent(),
            Self::Truncation => config.truncation.is_some(),
            Self::Include => !config.include.is_absent(),
            Self::ParallelToolCalls => config.parallel_tool_calls.is_some(),
            Self::Reasoning => config.reasoning.is_some(),
            Self::IdleTimeout => matches!(
                config.turn_detection.as_option(),
                Some(TurnDetection::ServerVad(vad)) if !vad.idle_timeout_ms.is_absent()
            ),
        }
    }

    /// Clears this field in `config`.
    pub fn clear_in(self, config: &mut SessionConfig) {
        use crate::protocol::Nullable::Absent;
        match self {
            Self::Model => config.model = None,
            Self::Instructions => config.instructions = None,
            Self::OutputModalities => config.output_modalities = None,
            Self::InputAudioFormat => config.input_audio_format = None,
            Self::OutputAudioFormat => config.output_audio_format = None,
            Self::Voice => config.voice = None,
            Self::Speed => config.speed = None,
            Self::Transcription => config.input_audio_transcription = Absent,
            Self::NoiseReduction => config.input_audio_noise_reduction = Absent,
            Self::TurnDetection => config.turn_detection = Absent,
            Self::Tools => config.tools = None,
            Self::ToolChoice => config.tool_choice = None,
            Self::Temperature => config.temperature = None,
            Self::MaxOutputTokens => config.max_output_tokens = None,
            Self::Tracing => config.tracing = Absent,
            Self::Prompt => config.prompt = Absent,
            Self::Truncation => config.truncation = None,
            Self::Include => config.include = Absent,
            Self::ParallelToolCalls => config.parallel_tool_calls = None,
            Self::Reasoning => config.reasoning = None,
            Self::IdleTimeout => {
                if let crate::protocol::Nullable::Value(TurnDetection::ServerVad(vad)) =
                    &mut config.turn_detection
                {
                    vad.idle_timeout_ms = Absent;
                }
            }
        }
    }
}

/// How a provider treats an audio-only output request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AudioOnlyOutput {
    /// `["audio"]` is accepted as is (OpenAI GA: audio plus its transcript).
    Native,
    /// `["audio"]` is rejected; audio-only is sent as `["audio","text"]` (Azure preview,
    /// which answers "Supported: ['text'] or ['audio','text']").
    AsAudioAndText,
}

/// What a provider's endpoint accepts: the table every encoder consults before it
/// writes anything.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Capabilities {
    /// The wire shape the endpoint speaks.
    pub shape: WireShape,
    /// Session fields the endpoint accepts.
    pub session_fields: Cow<'static, [SessionField]>,
    /// How audio-only output is expressed.
    pub audio_only_output: AudioOnlyOutput,
    /// Voices the endpoint offers by name; `None` when any name (or custom voice) is accepted.
    pub voices: Option<Cow<'static, [&'static str]>>,
    /// Audio formats accepted for input (and for output, unless `output_audio_formats` is set).
    pub audio_formats: Cow<'static, [AudioFormat]>,
    /// Audio formats accepted for output, where they differ from the input formats.
    pub output_audio_formats: Option<Cow<'static, [AudioFormat]>>,
    /// Turn-detection kinds accepted, by wire name (`server_vad`, `semantic_vad`, ...).
    pub turn_detection: Cow<'static, [&'static str]>,
    /// Whether the voice may change once the conversation holds assistant audio.
    pub voice_change_after_audio: bool,
    /// Whether transcription `model` names a deployment rather than a model.
    pub transcription_model_is_deployment: bool,
    /// Whether user messages may carry `input_image` parts.
    pub image_input: bool,
    /// Reasoning efforts accepted, by wire name, when [`SessionField::Reasoning`] is
    /// accepted; `None` accepts any.
    pub reasoning_efforts: Option<Cow<'static, [&'static str]>>,
    /// Whether `response.create` may set `parallel_tool_calls` (GA); Voice Live
    /// 2026-07-15 has it on the session only.
    pub response_parallel_tool_calls: bool,
    /// Whether instructions and voice are fixed when the session starts (GPT-Live):
    /// an agent switch is what [`Dialect::switch_agent`] maps it onto (there, added
    /// instructions and a new delegation), and an agent whose switch cannot map (a
    /// different voice) is refused when the session starts.
    pub instructions_fixed_after_start: bool,
}

impl Capabilities {
    /// A table for `shape` that accepts nothing yet: set each field (the struct is
    /// `#[non_exhaustive]`, so provider crates start here).
    pub const fn new(shape: WireShape) -> Self {
        Self {
            shape,
            session_fields: Cow::Borrowed(&[]),
            audio_only_output: AudioOnlyOutput::Native,
            voices: None,
            audio_formats: Cow::Borrowed(&[]),
            output_audio_formats: None,
            turn_detection: Cow::Borrowed(&[]),
            voice_change_after_audio: true,
            transcription_model_is_deployment: false,
            image_input: matches!(shape, WireShape::Ga),
            reasoning_efforts: None,
            response_parallel_tool_calls: false,
            instructions_fixed_after_start: false,
        }
    }

    /// Audio formats accepted for output.
    pub fn output_formats(&self) -> &[AudioFormat] {
        self.output_audio_formats
            .as_deref()
            .unwrap_or(&self.audio_formats)
    }

    /// Whether the endpoint accepts `field`.
    pub fn accepts(&self, field: SessionField) -> bool {
        self.session_fields.contains(&field)
    }

    /// Applies this table and `policy` to `config`: fields the endpoint lacks, voices
    /// and formats it does not offer, and turn-detection kinds it does not know are
    /// refused (`Error`) or removed with a warning (`Warn`). Output modalities are
    /// normalised (audio-only becomes audio plus text where the endpoint needs it).
    ///
    /// # Errors
    /// [`EncodeError::Unsupported`] under [`UnsupportedPolicy::Error`];
    /// [`EncodeError::Invalid`] for a value invalid in this dialect whatever the policy.
    pub fn apply<'a>(
        &self,
        dialect: &'static str,
        config: &'a SessionConfig,
        policy: UnsupportedPolicy,
    ) -> Result<Cow<'a, SessionConfig>, EncodeError> {
        let mut out = Cow::Borrowed(config);
        for field in SessionField::ALL {
            if field.is_set_in(config) && !self.accepts(field) {
                unsupported(
                    dialect,
                    policy,
                    field.path(),
                    "this endpoint has no such session field",
                )?;
                field.clear_in(out.to_mut());
            }
        }
        if let Some(modalities) = &out.output_modalities {
            let normalised = self.normalise_modalities(dialect, modalities)?;
            if &normalised != modalities {
                out.to_mut().output_modalities = Some(normalised);
            }
        }
        let voice_offered = match (&out.voice, &self.voices) {
            (Some(Voice::Named(name)), Some(voices)) => voices.contains(&name.as_str()),
            _ => true,
        };
        if !voice_offered {
            unsupported(
                dialect,
                policy,
                "session.voice",
                "this endpoint does not offer that voice",
            )?;
            out.to_mut().voice = None;
        }
        if out
            .input_audio_format
            .is_some_and(|format| !self.audio_formats.contains(&format))
        {
            unsupported(
                dialect,
                policy,
                "session.input_audio_format",
                "this endpoint does not offer that audio format",
            )?;
            out.to_mut().input_audio_format = None;
        }
        if out
            .output_audio_format
            .is_some_and(|format| !self.audio_formats.contains(&format))
        {
            unsupported(
                dialect,
                policy,
                "session.output_audio_format",
                "this endpoint does not offer that audio format",
            )?;
            out.to_mut().output_audio_format = None;
        }
        if !self.effort_offered(out.reasoning.as_ref()) {
            unsupported(
                dialect,
                policy,
                "session.reasoning.effort",
                "this endpoint does not offer that reasoning effort",
            )?;
            out.to_mut().reasoning = None;
        }
        if let Some(detection) = out.turn_detection.as_option() {
            let kind = detection.kind();
            if !self.turn_detection.contains(&kind) {
                unsupported(
                    dialect,
                    policy,
                    "session.turn_detection",
                    "this endpoint does not offer that turn-detection type",
                )?;
                out.to_mut().turn_detection = crate::protocol::Nullable::Absent;
            }
        }
        Ok(out)
    }

    /// Whether the effort of `reasoning` (if any) is one this endpoint lists.
    pub fn effort_offered(&self, reasoning: Option<&crate::protocol::Reasoning>) -> bool {
        match (
            reasoning.and_then(|reasoning| reasoning.effort.as_ref()),
            &self.reasoning_efforts,
        ) {
            (Some(effort), Some(efforts)) => efforts.contains(&effort.as_str()),
            _ => true,
        }
    }

    /// Maps a canonical modality list onto what the endpoint accepts.
    ///
    /// # Errors
    /// [`EncodeError::Invalid`] for an empty list, or both modalities on a GA-shape
    /// endpoint ("not possible to request both").
    pub fn normalise_modalities(
        &self,
        dialect: &'static str,
        modalities: &[Modality],
    ) -> Result<Vec<Modality>, EncodeError> {
        let audio = modalities.contains(&Modality::Audio);
        let text = modalities.contains(&Modality::Text);
        let invalid = |expected: &'static str| EncodeError::Invalid {
            dialect: dialect.into(),
            field: "session.output_modalities".into(),
            expected: expected.into(),
            found: format!("{modalities:?}"),
        };
        match (self.shape, audio, text) {
            (_, false, false) => Err(invalid("[\"audio\"] or [\"text\"]")),
            (WireShape::Ga, true, true) => Err(invalid(
                "[\"audio\"] (audio with its transcript) or [\"text\"], never both",
            )),
            (_, false, true) => Ok(vec![Modality::Text]),
            // Both asked for: keep the order the client chose (a decoded frame
            // re-encodes as it came).
            (WireShape::Beta, true, true) => {
                let mut kept: Vec<Modality> = Vec::with_capacity(2);
                for modality in modalities {
                    if matches!(modality, Modality::Audio | Modality::Text)
                        && !kept.contains(modality)
                    {
                        kept.push(modality.clone());
                    }
                }
                Ok(kept)
            }
            (WireShape::Beta, true, false)
                if self.audio_only_output == AudioOnlyOutput::AsAudioAndText =>
            {
                Ok(vec![Modality::Audio, Modality::Text])
            }
            (_, true, _) => Ok(vec![Modality::Audio]),
        }
    }
}

/// Applies `policy` to one unsupported field: an error, or a warning and `Ok`. The
/// one policy helper of the workspace: `field` may be a static path or one built at
/// run time (e.g. `session.<passthrough key>`).
///
/// # Errors
/// [`EncodeError::Unsupported`] under [`UnsupportedPolicy::Error`].
pub fn unsupported(
    dialect: &'static str,
    policy: UnsupportedPolicy,
    field: impl Into<Cow<'static, str>>,
    reason: &'static str,
) -> Result<(), EncodeError> {
    let field = field.into();
    match policy {
        UnsupportedPolicy::Error => Err(EncodeError::Unsupported {
            dialect: dialect.into(),
            field,
            reason: reason.into(),
        }),
        UnsupportedPolicy::Warn => {
            tracing::warn!(
                dialect,
                field = %field,
                reason,
                "dropping a setting the provider does not support"
            );
            Ok(())
        }
    }
}

impl TurnDetection {
    /// The wire name of this turn-detection kind (`server_vad`, `semantic_vad`, or the
    /// provider's own name for [`TurnDetection::Other`]).
    pub fn kind(&self) -> &str {
        match self {
            Self::ServerVad(_) => "server_vad",
            Self::SemanticVad(_) => "semantic_vad",
            Self::Other(map) => map
                .get("type")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("unknown"),
        }
    }
}

/// Makes `event` fit a provider before a wire shape writes it: applies the
/// capability table and `policy` to a `session.update` (and to the overrides of a
/// `response.create`), and refuses (or drops, under [`UnsupportedPolicy::Warn`]) typed
/// extensions the provider does not own.
///
/// Provider dialects call this first, then write the result with their
/// [`WireShape`], then add their own extension fields.
///
/// # Errors
/// [`EncodeError::Unsupported`] under [`UnsupportedPolicy::Error`];
/// [`EncodeError::Invalid`] for values no policy can save.
pub fn prepare_event<'a>(
    dialect: &'static str,
    capabilities: &Capabilities,
    policy: UnsupportedPolicy,
    event: &'a ClientEvent,
    owns_extension: &dyn Fn(&dyn crate::protocol::SessionExtension) -> bool,
) -> Result<Cow<'a, ClientEvent>, EncodeError> {
    match event {
        ClientEvent::SessionUpdate { event_id, session } => {
            let mut prepared = capabilities.apply(dialect, session, policy)?;
            for extension in session.extensions.iter() {
                if !owns_extension(extension) {
                    unsupported(
                        dialect,
                        policy,
                        extension.field(),
                        "the setting belongs to another provider",
                    )?;
                }
            }
            if session
                .extensions
                .iter()
                .any(|extension| !owns_extension(extension))
            {
                prepared
                    .to_mut()
                    .extensions
                    .retain(|extension| owns_extension(extension));
            }
            Ok(match prepared {
                Cow::Borrowed(_) => Cow::Borrowed(event),
                Cow::Owned(session) => Cow::Owned(ClientEvent::SessionUpdate {
                    event_id: event_id.clone(),
                    session: Box::new(session),
                }),
            })
        }
        ClientEvent::ResponseCreate {
            event_id,
            response: Some(response),
        } => {
            let mut prepared = Cow::Borrowed(response.as_ref());
            if response.temperature.is_some() && !capabilities.accepts(SessionField::Temperature) {
                unsupported(
                    dialect,
                    policy,
                    "response.temperature",
                    "this endpoint has no temperature",
                )?;
                prepared.to_mut().temperature = None;
            }
            if response.reasoning.is_some()
                && (!capabilities.accepts(SessionField::Reasoning)
                    || !capabilities.effort_offered(response.reasoning.as_ref()))
            {
                unsupported(
                    dialect,
                    policy,
                    "response.reasoning",
                    "this endpoint does not offer that reasoning setting",
                )?;
                prepared.to_mut().reasoning = None;
            }
            if response.parallel_tool_calls.is_some() && !capabilities.response_parallel_tool_calls
            {
                unsupported(
                    dialect,
                    policy,
                    "response.parallel_tool_calls",
                    "this endpoint sets parallel tool calls on the session only",
                )?;
                prepared.to_mut().parallel_tool_calls = None;
            }
            if let Some(modalities) = &response.output_modalities {
                let normalised = capabilities.normalise_modalities(dialect, modalities)?;
                if &normalised != modalities {
                    prepared.to_mut().output_modalities = Some(normalised);
                }
            }
            Ok(match prepared {
                Cow::Borrowed(_) => Cow::Borrowed(event),
                Cow::Owned(response) => Cow::Owned(ClientEvent::ResponseCreate {
                    event_id: event_id.clone(),
                    response: Some(Box::new(response)),
                }),
            })
        }
        ClientEvent::ConversationItemCreate {
            event_id,
            previous_item_id,
            item,
        } if !capabilities.image_input => {
            let Item::Message(message) = item.as_ref() else {
                return Ok(Cow::Borrowed(event));
            };
            if !message
                .content
                .iter()
                .any(|part| part.kind == PartKind::InputImage)
            {
                return Ok(Cow::Borrowed(event));
            }
            unsupported(
                dialect,
                policy,
                "item.content.input_image",
                "this endpoint does not accept image input",
            )?;
            let mut message = message.clone();
            message
                .content
                .retain(|part| part.kind != PartKind::InputImage);
            Ok(Cow::Owned(ClientEvent::ConversationItemCreate {
                event_id: event_id.clone(),
                previous_item_id: previous_item_id.clone(),
                item: Box::new(Item::Message(message)),
            }))
        }
        _ => Ok(Cow::Borrowed(event)),
    }
}
