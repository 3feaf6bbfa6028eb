//! Applying a capability table and the unsupported-field policy to a client event,
//! before any wire shape writes it.
//!
//! This mirrors `realtime_core::dialect::prepare_event` (which needs a core
//! `Capabilities` this crate cannot build) and adds what Azure needs on top: the
//! wire-level reject list is also enforced on passthrough `extra` fields, voices
//! must be names on the preview endpoint, and transcription sessions have no place
//! on the beta shape.

use std::borrow::Cow;

use realtime_core::dialect::{AudioOnlyOutput, SessionField, UnsupportedPolicy};
use realtime_core::error::EncodeError;
use realtime_core::protocol::{
    AudioFormat, ClientEvent, Modality, Nullable, ResponseConfig, SessionConfig, SessionKind, Voice,
};
use realtime_core::wire::WireShape;
use serde_json::{Map, Value};

use crate::capabilities::AzureCapabilities;

/// One dialect's view: its name, table and policy.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules<'a> {
    pub(crate) dialect: &'static str,
    pub(crate) capabilities: &'a AzureCapabilities,
    pub(crate) policy: UnsupportedPolicy,
}

impl Rules<'_> {
    /// Applies the policy to one unsupported setting: an error, or a warning and `Ok`.
    fn refuse(
        &self,
        field: impl Into<Cow<'static, str>>,
        reason: &'static str,
    ) -> Result<(), EncodeError> {
        let field = field.into();
        match self.policy {
            UnsupportedPolicy::Warn => {
                tracing::warn!(
                    dialect = self.dialect,
                    field = %field,
                    reason,
                    "dropping a setting Azure OpenAI does not support"
                );
                Ok(())
            }
            // `UnsupportedPolicy` is non-exhaustive: anything but `Warn` refuses.
            _ => Err(EncodeError::Unsupported {
                dialect: self.dialect.into(),
                field,
                reason: reason.into(),
            }),
        }
    }

    /// Makes `event` fit the endpoint; borrows it when nothing had to change.
    pub(crate) fn prepare<'e>(
        &self,
        event: &'e ClientEvent,
    ) -> Result<Cow<'e, ClientEvent>, EncodeError> {
        match event {
            ClientEvent::SessionUpdate { event_id, session } => {
                Ok(match self.prepare_session(session)? {
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
            } => Ok(match self.prepare_response(response)? {
                Cow::Borrowed(_) => Cow::Borrowed(event),
                Cow::Owned(response) => Cow::Owned(ClientEvent::ResponseCreate {
                    event_id: event_id.clone(),
                    response: Some(Box::new(response)),
                }),
            }),
            _ => Ok(Cow::Borrowed(event)),
        }
    }

    fn prepare_session<'c>(
        &self,
        config: &'c SessionConfig,
    ) -> Result<Cow<'c, SessionConfig>, EncodeError> {
        let caps = self.capabilities;
        let mut out = Cow::Borrowed(config);
        for field in SessionField::ALL {
            if field.is_set_in(config) && !caps.accepts(field) {
                self.refuse(
                    field.path(),
                    "this Azure OpenAI endpoint has no such session field",
                )?;
                field.clear_in(out.to_mut());
            }
        }
        if caps.shape == WireShape::Beta {
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
        if let Some(modalities) = &config.output_modalities {
            let normalised = self.normalise_modalities("session.output_modalities", modalities)?;
            if &normalised != modalities {
                out.to_mut().output_modalities = Some(normalised);
            }
        }
        if let Some(voice) = &out.voice
            && let Some(reason) = self.voice_problem(voice)
        {
            self.refuse("session.voice", reason)?;
            out.to_mut().voice = None;
        }
        if out
            .input_audio_format
            .is_some_and(|f| !self.offers_format(f))
        {
            self.refuse(
                "session.input_audio_format",
                "this endpoint does not offer that audio format",
            )?;
            out.to_mut().input_audio_format = None;
        }
        if out
            .output_audio_format
            .is_some_and(|f| !self.offers_format(f))
        {
            self.refuse(
                "session.output_audio_format",
                "this endpoint does not offer that audio format",
            )?;
            out.to_mut().output_audio_format = None;
        }
        if let Some(detection) = out.turn_detection.as_option()
            && !caps.turn_detection.contains(&detection.kind())
        {
            self.refuse(
                "session.turn_detection",
                "this endpoint does not offer that turn-detection type",
            )?;
            out.to_mut().turn_detection = Nullable::Absent;
        }
        // Azure OpenAI owns no typed extension: every one belongs to another provider.
        if !config.extensions.is_empty() {
            for extension in config.extensions.iter() {
                self.refuse(
                    extension.field(),
                    "the setting belongs to another provider, not Azure OpenAI",
                )?;
            }
            out.to_mut().extensions.retain(|_| false);
        }
        if let Some(extra) = self.filter_extra("session", &config.extra)? {
            out.to_mut().extra = extra;
        }
        Ok(out)
    }

    fn prepare_response<'c>(
        &self,
        config: &'c ResponseConfig,
    ) -> Result<Cow<'c, ResponseConfig>, EncodeError> {
        let caps = self.capabilities;
        let mut out = Cow::Borrowed(config);
        if config.temperature.is_some() && !caps.accepts(SessionField::Temperature) {
            self.refuse(
                "response.temperature",
                "this Azure OpenAI endpoint has no temperature",
            )?;
            out.to_mut().temperature = None;
        }
        if let Some(modalities) = &config.output_modalities {
            let normalised = self.normalise_modalities("response.output_modalities", modalities)?;
            if &normalised != modalities {
                out.to_mut().output_modalities = Some(normalised);
            }
        }
        if let Some(voice) = &config.voice
            && let Some(reason) = self.voice_problem(voice)
        {
            self.refuse("response.voice", reason)?;
            out.to_mut().voice = None;
        }
        if config
            .output_audio_format
            .is_some_and(|f| !self.offers_format(f))
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
        Ok(out)
    }

    fn offers_format(&self, format: AudioFormat) -> bool {
        self.capabilities.audio_formats.contains(&format)
    }

    /// Why the endpoint cannot take `voice`, if it cannot.
    fn voice_problem(&self, voice: &Voice) -> Option<&'static str> {
        match (voice, self.capabilities.shape) {
            (Voice::Named(name), _) if !self.capabilities.offers_voice(name) => {
                Some("this endpoint does not offer that voice")
            }
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
        let rejected = self.capabilities.rejected_keys;
        if !extra.keys().any(|key| rejected.contains(&key.as_str())) {
            return Ok(None);
        }
        let mut kept = Map::new();
        for (key, value) in extra {
            if rejected.contains(&key.as_str()) {
                self.refuse(
                    format!("{prefix}.{key}"),
                    "this Azure OpenAI endpoint rejects the field (`unknown_parameter`)",
                )?;
            } else {
                kept.insert(key.clone(), value.clone());
            }
        }
        Ok(Some(kept))
    }

    /// Maps a canonical modality list onto what the endpoint accepts.
    fn normalise_modalities(
        &self,
        field: &'static str,
        modalities: &[Modality],
    ) -> Result<Vec<Modality>, EncodeError> {
        let audio = modalities.contains(&Modality::Audio);
        let text = modalities.contains(&Modality::Text);
        let invalid = |expected: &'static str| EncodeError::Invalid {
            dialect: self.dialect.into(),
            field: field.into(),
            expected: expected.into(),
            found: format!("{modalities:?}"),
        };
        let caps = self.capabilities;
        match (caps.shape, audio, text) {
            (_, false, false) => Err(invalid("[\"audio\"] or [\"text\"]")),
            (WireShape::Ga, true, true) => Err(invalid(
                "[\"audio\"] (audio with its transcript) or [\"text\"], never both",
            )),
            (_, false, true) => Ok(vec![Modality::Text]),
            (_, true, _) if caps.audio_only_output == AudioOnlyOutput::AsAudioAndText => {
                Ok(vec![Modality::Audio, Modality::Text])
            }
            (WireShape::Beta, true, true) => Ok(vec![Modality::Audio, Modality::Text]),
            (_, true, _) => Ok(vec![Modality::Audio]),
        }
    }
}
