//! Applying a capability table and the unsupported-field policy to a client event,
//! before any wire shape writes it.
//!
//! First `realtime_core::dialect::prepare_event` (the table: fields, voices by name,
//! formats, turn detection, modalities; and extensions, none of which Azure OpenAI
//! owns). Then what Azure needs on top: the wire-level reject list also applies to
//! passthrough `extra` fields, a voice must be a name on the preview endpoint,
//! `session.type` has no place on the beta shape, and `response.create` overrides
//! meet the same voice and format checks as the session.

use std::borrow::Cow;

use realtime_core::dialect::{Capabilities, UnsupportedPolicy, prepare_event, unsupported};
use realtime_core::error::EncodeError;
use realtime_core::protocol::{ClientEvent, ResponseConfig, SessionConfig, SessionKind, Voice};
use realtime_core::wire::WireShape;
use serde_json::{Map, Value};

/// One dialect's view: its name, table, reject list and policy.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules<'a> {
    pub(crate) dialect: &'static str,
    pub(crate) capabilities: &'a Capabilities,
    pub(crate) rejected_keys: &'static [&'static str],
    pub(crate) policy: UnsupportedPolicy,
}

impl Rules<'_> {
    /// Applies the policy to one unsupported setting: an error, or a warning and `Ok`.
    fn refuse(&self, field: &'static str, reason: &'static str) -> Result<(), EncodeError> {
        unsupported(self.dialect, self.policy, field, reason)
    }

    /// Makes `event` fit the endpoint; borrows it when nothing had to change.
    pub(crate) fn prepare<'e>(
        &self,
        event: &'e ClientEvent,
    ) -> Result<Cow<'e, ClientEvent>, EncodeError> {
        let prepared = prepare_event(
            self.dialect,
            self.capabilities,
            self.policy,
            event,
            // Azure OpenAI owns no typed extension.
            &|_| false,
        )?;
        let rebuilt = match prepared.as_ref() {
            ClientEvent::SessionUpdate { event_id, session } => {
                self.session_rules(session)?
                    .map(|session| ClientEvent::SessionUpdate {
                        event_id: event_id.clone(),
                        session: Box::new(session),
                    })
            }
            ClientEvent::ResponseCreate {
                event_id,
                response: Some(response),
            } => self
                .response_rules(response)?
                .map(|response| ClientEvent::ResponseCreate {
                    event_id: event_id.clone(),
                    response: Some(Box::new(response)),
                }),
            _ => None,
        };
        Ok(rebuilt.map_or(prepared, Cow::Owned))
    }

    /// The Azure rules for a session; `None` when nothing had to change.
    fn session_rules(&self, config: &SessionConfig) -> Result<Option<SessionConfig>, EncodeError> {
        let mut out = Cow::Borrowed(config);
        if self.capabilities.shape == WireShape::Beta {
            match config.kind {
                None => {}
                Some(SessionKind::Transcription) => {
                    self.refuse(
                        "session.type",
                        "the preview endpoint has no `session.type`, and no transcription-only sessions",
                    )?;
                    out.to_mut().kind = None;
                }
                // The beta shape has no `type`; a realtime session is all it has.
                Some(_) => out.to_mut().kind = None,
            }
        }
        if let Some(voice) = &config.voice
            && let Some(reason) = self.voice_problem(voice)
        {
            self.refuse("session.voice", reason)?;
            out.to_mut().voice = None;
        }
        if let Some(extra) = self.filter_extra("session", &config.extra)? {
            out.to_mut().extra = extra;
        }
        Ok(match out {
            Cow::Borrowed(_) => None,
            Cow::Owned(config) => Some(config),
        })
    }

    /// The Azure rules for `response.create` overrides; `None` when nothing changed.
    fn response_rules(
        &self,
        config: &ResponseConfig,
    ) -> Result<Option<ResponseConfig>, EncodeError> {
        let mut out = Cow::Borrowed(config);
        if let Some(voice) = &config.voice {
            let reason = match voice {
                Voice::Named(name) if !self.offers_voice(name) => {
                    Some("this endpoint does not offer that voice")
                }
                _ => self.voice_problem(voice),
            };
            if let Some(reason) = reason {
                self.refuse("response.voice", reason)?;
                out.to_mut().voice = None;
            }
        }
        if config
            .output_audio_format
            .is_some_and(|format| !self.capabilities.audio_formats.contains(&format))
        {
            self.refuse(
                "response.output_audio_format",
                "this endpoint does not offer that audio format",
            )?;
            out.to_mut().output_audio_format = None;
        }
        if let Some(extra) = self.filter_extra("response", &config.extra)? {
            out.to_mut().extra = extra;
        }
        Ok(match out {
            Cow::Borrowed(_) => None,
            Cow::Owned(config) => Some(config),
        })
    }

    fn offers_voice(&self, name: &str) -> bool {
        self.capabilities
            .voices
            .as_ref()
            .is_none_or(|voices| voices.contains(&name))
    }

    /// Why the endpoint cannot take a voice that is not a plain name, if it cannot.
    fn voice_problem(&self, voice: &Voice) -> Option<&'static str> {
        match (voice, self.capabilities.shape) {
            (Voice::Named(_), _) => None,
            // GA accepts a custom voice as `{"id": ...}` (DIALECTS §2 "voice").
            (Voice::Id(_), WireShape::Ga) => None,
            (Voice::Id(_), _) => Some("the preview endpoint takes a voice by name only"),
            _ => Some("Azure OpenAI takes a voice by name, not a provider voice object"),
        }
    }

    /// Removes rejected keys from a passthrough map; `None` when nothing was removed.
    fn filter_extra(
        &self,
        prefix: &'static str,
        extra: &Map<String, Value>,
    ) -> Result<Option<Map<String, Value>>, EncodeError> {
        let rejected = self.rejected_keys;
        if !extra.keys().any(|key| rejected.contains(&key.as_str())) {
            return Ok(None);
        }
        let mut kept = Map::new();
        for (key, value) in extra {
            if rejected.contains(&key.as_str()) {
                unsupported(
                    self.dialect,
                    self.policy,
                    format!("{prefix}.{key}"),
                    "this Azure OpenAI endpoint rejects the field (`unknown_parameter`)",
                )?;
            } else {
                kept.insert(key.clone(), value.clone());
            }
        }
        Ok(Some(kept))
    }
}
