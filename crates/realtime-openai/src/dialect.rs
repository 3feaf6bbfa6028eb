//! [`OpenAiDialect`]: OpenAI Realtime GA on realtime-core's GA wire shape.

use std::borrow::Cow;

use realtime_core::dialect::{Capabilities, Dialect, UnsupportedPolicy, prepare_event};
use realtime_core::error::{DecodeError, DecodeErrorKind, EncodeError};
use realtime_core::protocol::{
    ClientEvent, ResponseConfig, ServerEvent, SessionConfig, SessionKind, SessionResource, Voice,
};
use realtime_core::wire::WireShape;
use serde_json::{Map, Value};

use crate::capabilities;

/// The dialect's name in fixtures and errors.
pub const DIALECT_NAME: &str = "openai-ga";
/// The provider's name.
pub const PROVIDER: &str = "OpenAI";

/// Client event types of the GA API (S-GA `RealtimeClientEvent`). A
/// [`ClientEvent::Other`] of any other type is refused.
const CLIENT_EVENTS: [&str; 11] = [
    "session.update",
    "input_audio_buffer.append",
    "input_audio_buffer.commit",
    "input_audio_buffer.clear",
    "conversation.item.create",
    "conversation.item.retrieve",
    "conversation.item.truncate",
    "conversation.item.delete",
    "response.create",
    "response.cancel",
    "output_audio_buffer.clear",
];

/// Flat beta-shape session fields that GA rejects (DIALECTS.md §2); met in
/// [`SessionConfig::extra`], they go through the unsupported-field policy.
const BETA_ONLY_FIELDS: [&str; 9] = [
    "modalities",
    "voice",
    "input_audio_format",
    "output_audio_format",
    "input_audio_transcription",
    "input_audio_noise_reduction",
    "turn_detection",
    "temperature",
    "max_response_output_tokens",
];

/// Output speed bounds (S-GA `audio.output.speed`: minimum 0.25, maximum 1.5).
const SPEED: std::ops::RangeInclusive<f64> = 0.25..=1.5;

/// Server-side metadata of a session object, not settings.
const SESSION_METADATA: [&str; 3] = ["id", "object", "expires_at"];

/// OpenAI Realtime GA: the GA wire shape with OpenAI's capability tables.
///
/// Encoding refuses what OpenAI would reject, before anything is sent: `temperature`,
/// both output modalities at once (an [`EncodeError::Invalid`] whatever the policy),
/// voices, audio formats and turn-detection kinds it does not offer, beta-shape fields,
/// Azure voice objects, and typed extensions of other providers (OpenAI has none of
/// its own). Under [`UnsupportedPolicy::Warn`] those settings are dropped with a
/// `tracing` warning instead. A `session.update` of
/// [`SessionKind::Transcription`] is checked against the transcription-session table,
/// which allows only `audio.input` settings and `include`.
///
/// ```
/// use realtime_core::dialect::Dialect;
/// use realtime_core::protocol::{ClientEvent, Modality, SessionConfig};
/// use realtime_openai::OpenAiDialect;
///
/// let dialect = OpenAiDialect::new();
/// let frame = dialect.encode(&ClientEvent::session_update(
///     SessionConfig::new().instructions("Be brief.").output_modalities([Modality::Text]),
/// ))?;
/// assert_eq!(
///     frame,
///     r#"{"type":"session.update","session":{"type":"realtime","instructions":"Be brief.","output_modalities":["text"]}}"#
/// );
/// // GA cannot answer with text and audio at once: refused before anything is sent.
/// let both = SessionConfig::new().output_modalities([Modality::Audio, Modality::Text]);
/// assert!(dialect.encode(&ClientEvent::session_update(both)).is_err());
/// # Ok::<(), realtime_core::error::EncodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OpenAiDialect {
    policy: UnsupportedPolicy,
    realtime: Capabilities,
    transcription: Capabilities,
}

impl Default for OpenAiDialect {
    fn default() -> Self {
        Self::new()
    }
}

impl OpenAiDialect {
    /// The dialect with [`UnsupportedPolicy::Error`].
    pub fn new() -> Self {
        Self {
            policy: UnsupportedPolicy::default(),
            realtime: capabilities::realtime(),
            transcription: capabilities::transcription(),
        }
    }

    /// Sets the unsupported-field policy.
    #[must_use]
    pub fn with_policy(mut self, policy: UnsupportedPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The unsupported-field policy.
    pub fn policy(&self) -> UnsupportedPolicy {
        self.policy
    }

    /// The table of a transcription session ([`Dialect::capabilities`] gives the
    /// realtime one).
    pub fn transcription_capabilities(&self) -> &Capabilities {
        &self.transcription
    }

    /// The table that applies to a session of `kind` (realtime when unset).
    pub fn capabilities_for(&self, kind: Option<&SessionKind>) -> &Capabilities {
        match kind {
            Some(SessionKind::Transcription) => &self.transcription,
            _ => &self.realtime,
        }
    }

    /// Writes `event` as a JSON object, after applying the capability tables and the
    /// policy.
    ///
    /// # Errors
    /// As [`Dialect::encode`].
    pub fn encode_object(&self, event: &ClientEvent) -> Result<Map<String, Value>, EncodeError> {
        if let ClientEvent::Other { event_type, .. } = event
            && !CLIENT_EVENTS.contains(&event_type.as_str())
        {
            return Err(EncodeError::Unsupported {
                dialect: DIALECT_NAME.into(),
                field: event_type.clone().into(),
                reason: "OpenAI GA has no such client event".into(),
            });
        }
        if let ClientEvent::Other { raw, .. } = event {
            check_raw_settings(raw)?;
        }
        let capabilities = match event {
            ClientEvent::SessionUpdate { session, .. } => {
                self.capabilities_for(session.kind.as_ref())
            }
            _ => &self.realtime,
        };
        // OpenAI owns no typed extension: every extension belongs to another provider.
        let prepared = prepare_event(DIALECT_NAME, capabilities, self.policy, event, &|_| false)?;
        let prepared = self.check_openai_rules(prepared)?;
        WireShape::Ga
            .client_to_object(&prepared)
            .map_err(|error| error.with_dialect(DIALECT_NAME))
    }

    /// Writes `config` as a GA session object (the body of a SIP `accept`, the
    /// `session` of a client-secret request), after the capability tables and the
    /// policy.
    ///
    /// # Errors
    /// As [`Dialect::encode`].
    pub fn session_object(
        &self,
        config: &SessionConfig,
    ) -> Result<Map<String, Value>, EncodeError> {
        let event = ClientEvent::session_update(config.clone());
        let mut object = self.encode_object(&event)?;
        match object.remove("session") {
            Some(Value::Object(session)) => Ok(session),
            _ => Err(EncodeError::Json {
                dialect: DIALECT_NAME.into(),
                event_type: "session.update".into(),
                message: "the GA shape wrote no session object".to_owned(),
            }),
        }
    }

    /// Reads a session object reported by the server (`session.created`,
    /// `session.updated`, a client secret's session) as canonical settings. The
    /// server's metadata (`id`, `object`, `expires_at`) is left out, so the result can
    /// be sent back in a `session.update`; fields not modelled stay in `extra`.
    ///
    /// # Errors
    /// [`DecodeError`] when a modelled field has the wrong type.
    pub fn session_config(&self, resource: &SessionResource) -> Result<SessionConfig, DecodeError> {
        let mut session = resource.object().clone();
        for key in SESSION_METADATA {
            session.remove(key);
        }
        let mut frame = Map::new();
        frame.insert("type".to_owned(), Value::from("session.update"));
        frame.insert("session".to_owned(), Value::Object(session));
        let text = Value::Object(frame).to_string();
        match WireShape::Ga.decode_client(&text) {
            Ok(ClientEvent::SessionUpdate { session, .. }) => Ok(*session),
            Ok(other) => Err(DecodeError::new(
                DIALECT_NAME,
                Some("session".to_owned()),
                DecodeErrorKind::InvalidField {
                    message: format!(
                        "expected a GA session object, got one read as `{}`",
                        other.event_type()
                    ),
                },
            )),
            Err(error) => Err(error.with_dialect(DIALECT_NAME)),
        }
    }

    /// OpenAI rules the core tables do not express: voice objects, the speed range,
    /// beta-shape fields in `extra`, transcription-session extras, and the
    /// voice/format of `response.create`.
    fn check_openai_rules<'a>(
        &self,
        event: Cow<'a, ClientEvent>,
    ) -> Result<Cow<'a, ClientEvent>, EncodeError> {
        match event.as_ref() {
            ClientEvent::SessionUpdate { session, .. } => {
                let mut checked = Cow::Borrowed(session.as_ref());
                self.check_session(&mut checked)?;
                Ok(match checked {
                    Cow::Borrowed(_) => event,
                    Cow::Owned(session) => Cow::Owned(ClientEvent::SessionUpdate {
                        event_id: event.event_id().map(str::to_owned),
                        session: Box::new(session),
                    }),
                })
            }
            ClientEvent::ResponseCreate {
                response: Some(response),
                ..
            } => {
                let mut checked = Cow::Borrowed(response.as_ref());
                self.check_response(&mut checked)?;
                Ok(match checked {
                    Cow::Borrowed(_) => event,
                    Cow::Owned(response) => Cow::Owned(ClientEvent::ResponseCreate {
                        event_id: event.event_id().map(str::to_owned),
                        response: Some(Box::new(response)),
                    }),
                })
            }
            _ => Ok(event),
        }
    }

    fn check_session(&self, session: &mut Cow<'_, SessionConfig>) -> Result<(), EncodeError> {
        if let Some(speed) = session.speed
            && !SPEED.contains(&speed)
        {
            return Err(EncodeError::Invalid {
                dialect: DIALECT_NAME.into(),
                field: "session.speed".into(),
                expected: "a number from 0.25 to 1.5".into(),
                found: speed.to_string(),
            });
        }
        if matches!(session.voice, Some(Voice::Object(_))) {
            self.refuse(
                "session.voice".into(),
                "OpenAI voices are a built-in name or a custom {\"id\": …}",
            )?;
            session.to_mut().voice = None;
        }
        let transcription = session.kind == Some(SessionKind::Transcription);
        let refused: Vec<(String, &'static str)> = session
            .extra
            .iter()
            .filter_map(|(key, value)| {
                if BETA_ONLY_FIELDS.contains(&key.as_str()) {
                    Some((key.clone(), "a beta-shape field that OpenAI GA rejects"))
                } else if transcription && !transcription_extra_allowed(key, value) {
                    Some((
                        key.clone(),
                        "a transcription session takes only audio.input settings and include",
                    ))
                } else {
                    None
                }
            })
            .collect();
        for (key, reason) in refused {
            self.refuse(format!("session.{key}").into(), reason)?;
            session.to_mut().extra.remove(&key);
        }
        Ok(())
    }

    fn check_response(&self, response: &mut Cow<'_, ResponseConfig>) -> Result<(), EncodeError> {
        let offered = match &response.voice {
            Some(Voice::Named(name)) => capabilities::VOICES.contains(&name.as_str()),
            Some(Voice::Id(_)) | None => true,
            Some(_) => false,
        };
        if !offered {
            self.refuse(
                "response.voice".into(),
                "OpenAI offers the built-in voices or a custom {\"id\": …}",
            )?;
            response.to_mut().voice = None;
        }
        if response
            .output_audio_format
            .is_some_and(|format| !self.realtime.audio_formats.contains(&format))
        {
            self.refuse(
                "response.output_audio_format".into(),
                "OpenAI offers PCM16 at 24 kHz, G.711 μ-law and A-law",
            )?;
            response.to_mut().output_audio_format = None;
        }
        Ok(())
    }

    /// Applies the policy to one setting (core's helper).
    fn refuse(&self, field: Cow<'static, str>, reason: &'static str) -> Result<(), EncodeError> {
        realtime_core::dialect::unsupported(DIALECT_NAME, self.policy, field, reason)
    }
}

/// The last guard for a raw [`ClientEvent::Other`]: its `session` / `response` is JSON
/// that neither the tables nor the `extra` check read, so a beta-shape key in it is
/// refused here, whatever the policy.
fn check_raw_settings(raw: &Map<String, Value>) -> Result<(), EncodeError> {
    for section in ["session", "response"] {
        let Some(Value::Object(settings)) = raw.get(section) else {
            continue;
        };
        if let Some(key) = settings
            .keys()
            .find(|key| BETA_ONLY_FIELDS.contains(&key.as_str()))
        {
            return Err(EncodeError::Unsupported {
                dialect: DIALECT_NAME.into(),
                field: format!("{section}.{key}").into(),
                reason: "a beta-shape field that OpenAI GA rejects".into(),
            });
        }
    }
    Ok(())
}

/// Whether an unmodelled field may go into a transcription session: only more
/// `audio.input` settings (S-GA `RealtimeTranscriptionSessionCreateRequestGA`).
fn transcription_extra_allowed(key: &str, value: &Value) -> bool {
    key == "audio"
        && value
            .as_object()
            .is_some_and(|audio| audio.keys().all(|key| key == "input"))
}

impl Dialect for OpenAiDialect {
    fn classify_error(&self, code: &str) -> Option<realtime_core::agent::FatalKind> {
        crate::registry::classify_error(code)
    }

    fn name(&self) -> &'static str {
        DIALECT_NAME
    }

    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> &Capabilities {
        &self.realtime
    }

    fn encode(&self, event: &ClientEvent) -> Result<String, EncodeError> {
        if let ClientEvent::InputAudioBufferAppend { .. } = event {
            // The hot path: no policy applies, skip the JSON tree.
            return WireShape::Ga
                .encode_client(event)
                .map_err(|error| error.with_dialect(DIALECT_NAME));
        }
        let object = self.encode_object(event)?;
        serde_json::to_string(&object).map_err(|error| EncodeError::Json {
            dialect: DIALECT_NAME.into(),
            event_type: event.event_type().to_owned().into(),
            message: error.to_string(),
        })
    }

    fn decode(&self, frame: &str) -> Result<Vec<ServerEvent>, DecodeError> {
        WireShape::Ga
            .decode_server(frame)
            .map_err(|error| error.with_dialect(DIALECT_NAME))
    }
}
