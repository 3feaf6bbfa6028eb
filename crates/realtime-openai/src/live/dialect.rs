//! [`LiveDialect`]: GPT-Live frames to and from canonical events.
//!
//! Event lists from `fixtures/openai-live/live.condensed.json` (`client_events`,
//! `server_events`); the mapping is described in `docs/architecture.md` ("GPT-Live").

use std::borrow::Cow;

use realtime_core::dialect::{Capabilities, Dialect, OpenSession, SessionField};
use realtime_core::error::{DecodeError, DecodeErrorKind, EncodeError};
use realtime_core::protocol::{
    AudioFormat, ClientEvent, Item, ServerEvent, SessionConfig, ToolChoice, Voice,
};
use realtime_core::wire::WireShape;
use serde_json::{Map, Value, json};

use super::events::LiveClientEvent;
use super::session::{Delegation, LiveSession, initial_items};

/// The OpenAI GPT-Live dialect's name in fixtures and errors.
pub const LIVE_DIALECT_NAME: &str = "openai-live";
/// The provider's name of the OpenAI GPT-Live dialect.
pub const LIVE_PROVIDER: &str = "OpenAI GPT-Live";

/// GPT-Live client event types (`client_events`); a [`ClientEvent::Other`] of one of
/// these is sent verbatim, of any other type refused.
pub const LIVE_CLIENT_EVENTS: [&str; 15] = [
    "session.start",
    "session.update",
    "session.input_audio.append",
    "session.input_audio.mute",
    "session.input_audio.unmute",
    "session.output_audio.fixture.play",
    "session.instructions.append",
    "session.thinking.append",
    "session.commentary.append",
    "decision.create",
    "decision.item.create",
    "decision.item.delete",
    "response.item.create",
    "response.create",
    "session.close",
];

/// GPT-Live server events decoded into canonical events, with the GA name they take
/// and the canonical fields GPT-Live does not send (dropped again on re-encoding).
const CANONICAL: [(&str, &str, &[&str]); 6] = [
    ("session.started", "session.created", &[]),
    ("session.updated", "session.updated", &[]),
    (
        "session.output_audio.delta",
        "response.output_audio.delta",
        &["response_id", "item_id", "output_index", "content_index"],
    ),
    (
        "session.output_transcript.delta",
        "response.output_audio_transcript.delta",
        &["response_id", "item_id", "output_index", "content_index"],
    ),
    (
        "session.input_transcript.delta",
        "conversation.item.input_audio_transcription.delta",
        &["item_id"],
    ),
    ("error", "error", &[]),
];

/// The canonical fields a delegated function call fills from the Responses item.
const FUNCTION_CALL_FIELDS: [&str; 6] = [
    "response_id",
    "item_id",
    "output_index",
    "call_id",
    "name",
    "arguments",
];

/// Session fields GPT-Live takes at `session.start`.
const START_FIELDS: [SessionField; 7] = [
    SessionField::Model,
    SessionField::Instructions,
    SessionField::Voice,
    SessionField::InputAudioFormat,
    SessionField::OutputAudioFormat,
    SessionField::Tools,
    SessionField::ToolChoice,
];

/// GPT-Live's audio formats on the WebSocket (`audio.AudioFormat`: PCM at 16 or 24 kHz,
/// G.711).
const AUDIO_FORMATS: [AudioFormat; 4] = [
    AudioFormat::Pcm16 { rate: 24_000 },
    AudioFormat::Pcm16 { rate: 16_000 },
    AudioFormat::G711Ulaw,
    AudioFormat::G711Alaw,
];

/// GPT-Live (OpenAI `/v1/live/sessions`, Azure Foundry `/openai/v1/live`): a
/// full-duplex voice protocol with delegated reasoning, not the Realtime API.
///
/// Encoding maps what has a GPT-Live counterpart and refuses the rest with
/// [`EncodeError`] naming the field and why, whatever the policy (nothing is dropped):
///
/// | canonical | GPT-Live |
/// |---|---|
/// | `session.update` with `model` | `session.start` (model, instructions, voice, format, [`LiveSession`]; tools go into a Responses delegation) |
/// | `session.update` without `model` | `session.update` (delegation and triggers only; instructions and voice are fixed) |
/// | `input_audio_buffer.append` | `session.input_audio.append` |
/// | `conversation.item.create` of a function output | `response.item.create` |
/// | `response.create` without overrides | `response.create` |
///
/// Decoding gives canonical events for `session.started`/`updated`, output audio,
/// both transcripts, errors, delegated function calls (`response.event` wrapping
/// `response.output_item.done` of a `function_call`) and the delegated run's
/// lifecycle (`response.event` wrapping `response.created` is canonical
/// `response.created`; one carrying the run in a final status, `response.completed`,
/// is canonical `response.done`, with the run's id, status and usage); everything
/// else is
/// [`ServerEvent::Unknown`], typed by [`LiveEvent`](super::LiveEvent).
/// [`LiveDialect::encode_server`] gives back the exact frame.
///
/// ```
/// use realtime_core::dialect::Dialect;
/// use realtime_core::protocol::{ClientEvent, Item, SessionConfig};
/// use realtime_openai::live::LiveDialect;
///
/// let dialect = LiveDialect::openai();
/// let start = dialect.encode(&ClientEvent::session_update(
///     SessionConfig::new().model("gpt-live-1").instructions("Be brief."),
/// ))?;
/// assert_eq!(
///     start,
///     r#"{"type":"session.start","session":{"model":"gpt-live-1","instructions":"Be brief."}}"#
/// );
/// let output = ClientEvent::create_item(Item::function_call_output("call_1", "14 C"));
/// assert_eq!(
///     dialect.encode(&output)?,
///     r#"{"type":"response.item.create","item":{"type":"function_call_output","call_id":"call_1","output":"14 C"}}"#
/// );
/// // Instructions are fixed once the session started.
/// assert!(dialect.encode(&ClientEvent::session_update(SessionConfig::new().instructions("x"))).is_err());
/// # Ok::<(), realtime_core::error::EncodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LiveDialect {
    name: &'static str,
    provider: &'static str,
    capabilities: Capabilities,
}

impl Default for LiveDialect {
    fn default() -> Self {
        Self::openai()
    }
}

impl LiveDialect {
    /// GPT-Live on OpenAI (`openai-live`).
    pub fn openai() -> Self {
        Self::named(LIVE_DIALECT_NAME, LIVE_PROVIDER)
    }

    /// The same protocol under another name and provider (Azure Foundry's
    /// `azure-openai-live` uses it).
    pub fn named(name: &'static str, provider: &'static str) -> Self {
        let mut capabilities = Capabilities::new(WireShape::Ga);
        capabilities.session_fields = Cow::Borrowed(&START_FIELDS);
        capabilities.audio_formats = Cow::Borrowed(&AUDIO_FORMATS);
        capabilities.voice_change_after_audio = false;
        capabilities.image_input = false;
        // Instructions and voice are fixed by `session.start` (live.condensed.json:
        // only delegation can change afterwards).
        capabilities.instructions_fixed_after_start = true;
        Self {
            name,
            provider,
            capabilities,
        }
    }

    fn unsupported(&self, field: impl Into<Cow<'static, str>>, reason: &str) -> EncodeError {
        EncodeError::Unsupported {
            dialect: self.name.into(),
            field: field.into(),
            reason: reason.to_owned().into(),
        }
    }

    fn invalid(&self, field: &'static str, expected: &'static str, found: String) -> EncodeError {
        EncodeError::Invalid {
            dialect: self.name.into(),
            field: field.into(),
            expected: expected.into(),
            found,
        }
    }

    /// Writes `event` as a GPT-Live JSON object.
    ///
    /// # Errors
    /// As [`Dialect::encode`].
    pub fn encode_object(&self, event: &ClientEvent) -> Result<Map<String, Value>, EncodeError> {
        let (event_id, mut object) = match event {
            ClientEvent::SessionUpdate { event_id, session } => {
                (event_id, self.encode_session(session)?)
            }
            ClientEvent::InputAudioBufferAppend { event_id, audio } => (
                event_id,
                tagged(
                    "session.input_audio.append",
                    [("audio", json!(audio.as_str()))],
                ),
            ),
            ClientEvent::ConversationItemCreate { event_id, item, .. } => {
                let Item::FunctionCallOutput(output) = item.as_ref() else {
                    return Err(self.unsupported(
                        "conversation.item.create",
                        "GPT-Live takes conversation history only at session.start \
                         (LiveSession::history); only function outputs can be added later",
                    ));
                };
                let item = json!({
                    "type": "function_call_output",
                    "call_id": output.call_id,
                    "output": output.output,
                });
                (event_id, tagged("response.item.create", [("item", item)]))
            }
            ClientEvent::ResponseCreate { event_id, response } => {
                if response.is_some() {
                    return Err(self.unsupported(
                        "response",
                        "GPT-Live's response.create has no fields: it continues the \
                         delegated Responses run after tool outputs",
                    ));
                }
                (event_id, tagged("response.create", []))
            }
            ClientEvent::Other { event_type, raw } => {
                if !LIVE_CLIENT_EVENTS.contains(&event_type.as_str()) {
                    return Err(
                        self.unsupported(event_type.clone(), "GPT-Live has no such client event")
                    );
                }
                return Ok(raw.clone());
            }
            other => {
                return Err(self.unsupported(
                    client_event_name(other),
                    "GPT-Live takes turns server-side and has no such client event: \
                     no manual commit, clear, truncate, cancel or item retrieval",
                ));
            }
        };
        if let Some(id) = event_id {
            object.insert("event_id".into(), Value::String(id.clone()));
        }
        Ok(object)
    }

    /// `session.start` when `model` is set, otherwise a `session.update` of what may
    /// change (delegation and triggers).
    fn encode_session(&self, session: &SessionConfig) -> Result<Map<String, Value>, EncodeError> {
        for field in SessionField::ALL {
            if field.is_set_in(session) && !self.capabilities.accepts(field) {
                return Err(self.unsupported(field.path(), "GPT-Live has no such session field"));
            }
        }
        if let Some(key) = session.extra.keys().next() {
            return Err(self.unsupported(
                format!("session.{key}"),
                "GPT-Live session objects are strict: unknown fields are rejected",
            ));
        }
        if let Some(extension) = session
            .extensions
            .iter()
            .find(|extension| extension.as_any().downcast_ref::<LiveSession>().is_none())
        {
            return Err(
                self.unsupported(extension.field(), "the setting belongs to another provider")
            );
        }
        let live = session.extensions.get::<LiveSession>();
        let delegation = self.delegation(session, live)?;
        if session.model.is_none() {
            return self.encode_update(session, live, delegation);
        }
        let mut body = Map::new();
        body.insert("model".into(), json!(session.model));
        if let Some(instructions) = &session.instructions {
            body.insert("instructions".into(), json!(instructions));
        }
        let mut audio = Map::new();
        if let Some(format) = self.audio_format(session)? {
            audio.insert("format".into(), format);
        }
        if let Some(voice) = &session.voice {
            let voice = match voice {
                Voice::Named(name) => json!(name),
                Voice::Id(id) => json!({"id": id}),
                _ => {
                    return Err(self.unsupported(
                        "session.voice",
                        "GPT-Live voices are a built-in name or a custom voice id",
                    ));
                }
            };
            audio.insert("output".into(), json!({"voice": voice}));
        }
        if !audio.is_empty() {
            body.insert("audio".into(), Value::Object(audio));
        }
        if let Some(delegation) = delegation {
            body.insert("delegation".into(), delegation);
        }
        if let Some(live) = live {
            if !live.input.is_empty() {
                body.insert("input".into(), Value::Array(live.input.clone()));
            }
            if let Some(triggers) = &live.triggers {
                body.insert("triggers".into(), triggers.clone());
            }
            for (key, value) in &live.extra {
                body.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
        Ok(tagged("session.start", [("session", Value::Object(body))]))
    }

    fn encode_update(
        &self,
        session: &SessionConfig,
        live: Option<&LiveSession>,
        delegation: Option<Value>,
    ) -> Result<Map<String, Value>, EncodeError> {
        for field in [
            SessionField::Instructions,
            SessionField::Voice,
            SessionField::InputAudioFormat,
            SessionField::OutputAudioFormat,
        ] {
            if field.is_set_in(session) {
                return Err(self.unsupported(
                    field.path(),
                    "fixed at session.start (a session.update without `model`); extend \
                     instructions with session.instructions.append, or start a new session",
                ));
            }
        }
        if live.is_some_and(|live| !live.input.is_empty() || !live.extra.is_empty()) {
            return Err(self.unsupported(
                "session.input",
                "history and client settings are fixed at session.start",
            ));
        }
        let mut body = Map::new();
        if let Some(delegation) = delegation {
            body.insert("delegation".into(), delegation);
        }
        if let Some(triggers) = live.and_then(|live| live.triggers.clone()) {
            body.insert("triggers".into(), triggers);
        }
        if body.is_empty() {
            return Err(self.invalid(
                "session",
                "a session.update with `model` (session.start) or with a delegation or triggers",
                "nothing GPT-Live can change".into(),
            ));
        }
        Ok(tagged("session.update", [("session", Value::Object(body))]))
    }

    /// The delegation object, with the canonical tools in a Responses delegation.
    fn delegation(
        &self,
        session: &SessionConfig,
        live: Option<&LiveSession>,
    ) -> Result<Option<Value>, EncodeError> {
        let delegation = live.and_then(|live| live.delegation.as_ref());
        let tools = session.tools.as_ref().filter(|tools| !tools.is_empty());
        let Some(tools) = tools else {
            // `auto` without tools is what GPT-Live does anyway: nothing to write.
            if session
                .tool_choice
                .as_ref()
                .is_some_and(|choice| *choice != ToolChoice::Auto)
            {
                return Err(self.unsupported(
                    "session.tool_choice",
                    "GPT-Live takes a tool choice only with tools in a Responses delegation",
                ));
            }
            return Ok(delegation.map(|delegation| delegation.to_wire(None, None)));
        };
        let Some(delegation) = delegation.filter(|delegation| delegation.runs_tools()) else {
            return Err(self.invalid(
                "session.tools",
                "a Responses delegation (LiveSession::delegation(Delegation::responses(model))) \
                 to run function tools",
                "client delegation".into(),
            ));
        };
        let to_json = |value: Result<Value, serde_json::Error>| {
            value.map_err(|error| EncodeError::Json {
                dialect: self.name.into(),
                event_type: "session.start".into(),
                message: error.to_string(),
            })
        };
        let tools = to_json(serde_json::to_value(tools))?;
        let choice = session
            .tool_choice
            .as_ref()
            .map(|choice| to_json(serde_json::to_value(choice)))
            .transpose()?;
        Ok(Some(delegation.to_wire(Some(tools), choice)))
    }

    /// `audio.format`: one format for both directions.
    fn audio_format(&self, session: &SessionConfig) -> Result<Option<Value>, EncodeError> {
        let format = match (session.input_audio_format, session.output_audio_format) {
            (Some(input), Some(output)) if input != output => {
                return Err(self.invalid(
                    "session.output_audio_format",
                    "the input audio format (GPT-Live has one format for both directions)",
                    format!("{output:?}"),
                ));
            }
            (Some(format), _) | (None, Some(format)) => format,
            (None, None) => return Ok(None),
        };
        Ok(Some(match format {
            AudioFormat::Pcm16 {
                rate: rate @ (16_000 | 24_000),
            } => {
                json!({"type": "audio/pcm", "rate": rate})
            }
            AudioFormat::G711Ulaw => json!({"type": "audio/pcmu", "rate": 8000}),
            AudioFormat::G711Alaw => json!({"type": "audio/pcma", "rate": 8000}),
            other => {
                return Err(self.invalid(
                    "session.input_audio_format",
                    "PCM16 at 16 or 24 kHz, or G.711",
                    format!("{other:?}"),
                ));
            }
        }))
    }

    fn decode_error(&self, event_type: Option<String>, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(self.name, event_type, kind)
    }

    /// Reads one frame into canonical events (see the type's documentation).
    fn decode_object(&self, object: Map<String, Value>) -> Result<ServerEvent, DecodeError> {
        let Some(event_type) = object.get("type").and_then(Value::as_str) else {
            return Err(self.decode_error(
                None,
                DecodeErrorKind::MissingType {
                    found: json_kind(object.get("type")),
                },
            ));
        };
        let event_type = event_type.to_owned();
        let canonical = CANONICAL
            .iter()
            .find(|(live, ..)| *live == event_type)
            .map(|(_, ga, _)| *ga)
            .or_else(|| {
                delegated_function_call(&object).then_some("response.function_call_arguments.done")
            })
            .or_else(|| delegated_lifecycle(&object));
        let Some(ga_type) = canonical else {
            return Ok(ServerEvent::Unknown {
                event_type,
                raw: object,
            });
        };
        let mut ga = object.clone();
        ga.insert("type".into(), Value::String(ga_type.to_owned()));
        match ga_type {
            "response.function_call_arguments.done" => lift_function_call(&mut ga),
            "response.created" | "response.done" => lift_response(&mut ga),
            _ => {}
        }
        let frame = Value::Object(ga).to_string();
        let mut events = WireShape::Ga
            .decode_server(&frame)
            .map_err(|error| self.decode_error(Some(event_type.clone()), error.kind))?;
        match (events.pop(), events.is_empty()) {
            (Some(event), true) if !event.is_unknown() => Ok(event),
            _ => Ok(ServerEvent::Unknown {
                event_type,
                raw: object,
            }),
        }
    }

    /// Writes a decoded server event back as the GPT-Live frame it came from (for
    /// lossless checks and emulators).
    ///
    /// # Errors
    /// [`EncodeError::Json`] when a payload does not serialise.
    pub fn encode_server(&self, event: &ServerEvent) -> Result<Map<String, Value>, EncodeError> {
        if let ServerEvent::Unknown { raw, .. } = event {
            return Ok(raw.clone());
        }
        let frame = WireShape::Ga.encode_server(event)?;
        let mut object: Map<String, Value> =
            serde_json::from_str(&frame).map_err(|error| EncodeError::Json {
                dialect: self.name.into(),
                event_type: "server event".into(),
                message: error.to_string(),
            })?;
        let ga_type = object
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if object.contains_key("event") {
            let lifted: &[&str] = match ga_type.as_str() {
                "response.function_call_arguments.done" => &FUNCTION_CALL_FIELDS,
                "response.created" | "response.done" => &["response"],
                _ => &[],
            };
            if !lifted.is_empty() {
                for field in lifted {
                    object.remove(*field);
                }
                object.insert("type".into(), Value::String("response.event".into()));
                return Ok(object);
            }
        }
        if let Some((live, _, synthetic)) = CANONICAL.iter().find(|(_, ga, _)| *ga == ga_type) {
            object.insert("type".into(), Value::String((*live).to_owned()));
            for field in *synthetic {
                if object.get(*field).is_some_and(is_default) {
                    object.remove(*field);
                }
            }
        }
        Ok(object)
    }
}

impl Dialect for LiveDialect {
    fn name(&self) -> &'static str {
        self.name
    }

    fn provider(&self) -> &'static str {
        self.provider
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    fn encode(&self, event: &ClientEvent) -> Result<String, EncodeError> {
        Ok(Value::Object(self.encode_object(event)?).to_string())
    }

    /// Every GPT-Live connection starts a session: the history's text messages seed
    /// it (`session.start` `input`, after any the runner's [`LiveSession`] seeds);
    /// tool calls and their outputs, and audio or image parts, cannot be initial
    /// items and are refused with the reason.
    fn open_session(&self, mut config: SessionConfig, history: Vec<Item>) -> OpenSession {
        let mut refused = Vec::new();
        let mut input = Vec::new();
        for item in history {
            match initial_items(std::slice::from_ref(&item)) {
                Ok(mut items) => input.append(&mut items),
                Err(error) => refused.push((item, error)),
            }
        }
        if !input.is_empty() {
            let mut live = config
                .extensions
                .get::<LiveSession>()
                .cloned()
                .unwrap_or_default();
            live.input.extend(input);
            config.extensions.insert(live);
        }
        OpenSession::new(vec![ClientEvent::session_update(config)], refused)
    }

    /// `session.close`: the service ends the session with reason `close_requested`.
    fn closing_events(&self) -> Vec<ClientEvent> {
        vec![LiveClientEvent::close()]
    }

    /// `session.closed`: the service ended the session (the reason as sent, e.g.
    /// `expired`, `content`, `remote_hangup`); a new session would not resume it.
    fn session_ended(&self, event: &ServerEvent) -> Option<String> {
        // Called for every event: only `session.closed` is looked into, and only its
        // reason is read (a `session.closed` without one still ends the session).
        let ServerEvent::Unknown { event_type, raw } = event else {
            return None;
        };
        (event_type == "session.closed").then(|| {
            raw.get("reason")
                .and_then(Value::as_str)
                .unwrap_or("unknown")
                .to_owned()
        })
    }

    /// A switch of agent mid-session, mapped onto what GPT-Live lets change after
    /// `session.start`: a `session.update` of the runner's delegation (from its
    /// [`LiveSession`]) with the new agent's tools (complete replacement, as the
    /// protocol's update rules say), when the session delegates to a Responses run;
    /// then `session.instructions.append` with the new agent's instructions.
    ///
    /// # Errors
    /// [`EncodeError::Unsupported`] for a voice, audio format or any other setting
    /// fixed at `session.start` (a new voice needs a new session);
    /// [`EncodeError::Invalid`] for tools under client delegation.
    fn switch_agent(
        &self,
        base: &SessionConfig,
        update: SessionConfig,
    ) -> Result<Vec<ClientEvent>, EncodeError> {
        for field in SessionField::ALL {
            let changeable = matches!(
                field,
                SessionField::Instructions | SessionField::Tools | SessionField::ToolChoice
            );
            if field.is_set_in(&update) && !changeable {
                return Err(self.unsupported(
                    field.path(),
                    "fixed at session.start: an agent switched to mid-session must keep \
                     the session's voice and formats (a different one needs a new session)",
                ));
            }
        }
        if let Some(key) = update.extra.keys().next() {
            return Err(self.unsupported(
                format!("session.{key}"),
                "only instructions, tools and tool choice change with the agent",
            ));
        }
        let mut events = Vec::new();
        let delegation = base
            .extensions
            .get::<LiveSession>()
            .and_then(|live| live.delegation.clone())
            .filter(Delegation::runs_tools);
        let has_tools = update.tools.as_ref().is_some_and(|tools| !tools.is_empty());
        match delegation {
            Some(delegation) => {
                let mut config =
                    SessionConfig::new().extension(LiveSession::new().delegation(delegation));
                config.tools = update.tools;
                config.tool_choice = update.tool_choice.filter(|_| has_tools);
                events.push(ClientEvent::session_update(config));
            }
            None if has_tools => {
                return Err(self.invalid(
                    "session.tools",
                    "a Responses delegation in the runner's LiveSession to run the agent's tools",
                    "client delegation".into(),
                ));
            }
            None => {}
        }
        if let Some(instructions) = update.instructions.filter(|text| !text.is_empty()) {
            events.push(LiveClientEvent::append_instructions(format!(
                "New instructions, replacing the earlier ones: {instructions}"
            )));
        }
        for event in &events {
            self.encode(event)?;
        }
        Ok(events)
    }

    fn decode(&self, frame: &str) -> Result<Vec<ServerEvent>, DecodeError> {
        let value: Value = serde_json::from_str(frame).map_err(|error| {
            self.decode_error(
                None,
                DecodeErrorKind::MalformedJson {
                    message: error.to_string(),
                },
            )
        })?;
        let Value::Object(object) = value else {
            return Err(self.decode_error(
                None,
                DecodeErrorKind::NotAnObject {
                    found: json_kind(Some(&value)),
                },
            ));
        };
        Ok(vec![self.decode_object(object)?])
    }
}

/// Whether a `response.event` wraps a finished function call of the delegated run.
fn delegated_function_call(object: &Map<String, Value>) -> bool {
    object.get("type").and_then(Value::as_str) == Some("response.event")
        && object
            .get("event")
            .and_then(|event| event.get("type"))
            .and_then(Value::as_str)
            == Some("response.output_item.done")
        && object
            .get("event")
            .and_then(|event| event.get("item"))
            .and_then(|item| item.get("type"))
            .and_then(Value::as_str)
            == Some("function_call")
}

/// The canonical lifecycle event a `response.event` stands for: the delegated run's
/// `response.created` starts a response; a nested event carrying the run's `response`
/// in a final status (`response.completed` in the recorded tool round, whose
/// continuation is a new run with `previous_response_id` pointing back) ends it.
/// Other nested events (`response.in_progress`, deltas) stay extension events.
fn delegated_lifecycle(object: &Map<String, Value>) -> Option<&'static str> {
    if object.get("type").and_then(Value::as_str) != Some("response.event") {
        return None;
    }
    let event = object.get("event")?;
    let response = event.get("response")?.as_object()?;
    response.get("id")?.as_str()?;
    let status = response.get("status").and_then(Value::as_str);
    match event.get("type").and_then(Value::as_str)? {
        "response.created" => Some("response.created"),
        _ if matches!(
            status,
            Some("completed" | "failed" | "incomplete" | "cancelled")
        ) =>
        {
            Some("response.done")
        }
        _ => None,
    }
}

/// Writes the run's id, status and usage as a canonical `response` at the top level
/// (Responses usage details renamed to the Realtime spelling); the nested `event`
/// stays, whole, for re-encoding.
fn lift_response(object: &mut Map<String, Value>) {
    let nested = object
        .get("event")
        .and_then(|event| event.get("response"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut response = Map::new();
    for field in ["id", "status"] {
        if let Some(value) = nested.get(field) {
            response.insert(field.into(), value.clone());
        }
    }
    if let Some(Value::Object(usage)) = nested.get("usage") {
        let mut canonical = Map::new();
        for (field, value) in usage {
            let field = match field.as_str() {
                "input_tokens_details" => "input_token_details",
                "output_tokens_details" => "output_token_details",
                other => other,
            };
            canonical.insert(field.to_owned(), value.clone());
        }
        response.insert("usage".into(), Value::Object(canonical));
    }
    object.insert("response".into(), Value::Object(response));
}

/// Copies the call's fields from the nested Responses item to the top level, where the
/// canonical event reads them; the nested `event` stays, whole, for re-encoding.
fn lift_function_call(object: &mut Map<String, Value>) {
    let event = object.get("event").cloned().unwrap_or_default();
    let item = event.get("item").cloned().unwrap_or_default();
    for (field, value) in [
        ("item_id", item.get("id")),
        ("call_id", item.get("call_id")),
        ("name", item.get("name")),
        ("arguments", item.get("arguments")),
        ("output_index", event.get("output_index")),
    ] {
        if let Some(value) = value {
            object.insert(field.into(), value.clone());
        }
    }
}

fn tagged<const N: usize>(event_type: &str, fields: [(&str, Value); N]) -> Map<String, Value> {
    let mut object = Map::new();
    object.insert("type".into(), Value::String(event_type.to_owned()));
    for (key, value) in fields {
        object.insert(key.to_owned(), value);
    }
    object
}

fn is_default(value: &Value) -> bool {
    matches!(value, Value::String(text) if text.is_empty()) || value.as_u64() == Some(0)
}

fn json_kind(value: Option<&Value>) -> &'static str {
    match value {
        None => "nothing",
        Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "boolean",
        Some(Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Array(_)) => "array",
        Some(Value::Object(_)) => "object",
    }
}

fn client_event_name(event: &ClientEvent) -> &'static str {
    match event {
        ClientEvent::InputAudioBufferCommit { .. } => "input_audio_buffer.commit",
        ClientEvent::InputAudioBufferClear { .. } => "input_audio_buffer.clear",
        ClientEvent::ConversationItemRetrieve { .. } => "conversation.item.retrieve",
        ClientEvent::ConversationItemTruncate { .. } => "conversation.item.truncate",
        ClientEvent::ConversationItemDelete { .. } => "conversation.item.delete",
        ClientEvent::ResponseCancel { .. } => "response.cancel",
        ClientEvent::OutputAudioBufferClear { .. } => "output_audio_buffer.clear",
        _ => "client event",
    }
}
