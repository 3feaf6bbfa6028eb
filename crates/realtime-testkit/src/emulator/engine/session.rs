//! Session settings, `session.updated` and the rejections the services make.

use serde_json::{Map, Value};

use crate::emulator::profile::RejectWhen;
use realtime_core::protocol::{
    ErrorDetails, ErrorEvent, Modality, Nullable, ServerEvent, TurnDetection,
};

use super::Engine;

impl Engine {
    pub(super) fn check_rejects(
        &mut self,
        prefix: &str,
        body: &Map<String, Value>,
        client_event_id: Option<String>,
    ) -> Option<ServerEvent> {
        let rule =
            self.profile
                .rejects
                .iter()
                .find(|rule| match (&rule.when, body.get(rule.field)) {
                    (RejectWhen::Present, Some(_)) => true,
                    (RejectWhen::Equals(expected), Some(value)) => value == expected,
                    _ => false,
                })?;
        let param = format!("{prefix}.{}", rule.field);
        let message = rule.message.replace("{param}", &param);
        let code = rule.code;
        Some(self.error(
            client_event_id,
            "invalid_request_error",
            code,
            &message,
            Some(&param),
        ))
    }

    pub(super) fn error(
        &mut self,
        client_event_id: Option<String>,
        kind: &str,
        code: &str,
        message: &str,
        param: Option<&str>,
    ) -> ServerEvent {
        ServerEvent::Error(ErrorEvent {
            event_id: self.event_id(),
            error: ErrorDetails {
                kind: kind.to_owned(),
                code: Nullable::Value(code.to_owned()),
                message: message.to_owned(),
                param: param.map(str::to_owned).into(),
                event_id: client_event_id.into(),
                ..ErrorDetails::default()
            },
            ..ErrorEvent::default()
        })
    }

    pub(super) fn apply_settings(&mut self, config: &realtime_core::protocol::SessionConfig) {
        if let Some(format) = config.output_audio_format {
            self.settings.output_format = format;
        }
        if let Some(format) = config.input_audio_format {
            self.settings.input_format = format;
        }
        match &config.turn_detection {
            Nullable::Null => self.settings.server_vad = false,
            Nullable::Value(detection) => {
                self.settings.server_vad = true;
                let (create, interrupt) = match detection {
                    TurnDetection::ServerVad(vad) => (vad.create_response, vad.interrupt_response),
                    TurnDetection::SemanticVad(vad) => {
                        (vad.create_response, vad.interrupt_response)
                    }
                    TurnDetection::Other(map) => (
                        map.get("create_response").and_then(Value::as_bool),
                        map.get("interrupt_response").and_then(Value::as_bool),
                    ),
                    _ => (None, None),
                };
                self.settings.create_response = create.unwrap_or(true);
                self.settings.interrupt_response = interrupt.unwrap_or(true);
            }
            Nullable::Absent => {}
        }
        match &config.input_audio_transcription {
            Nullable::Null => self.settings.transcription = false,
            Nullable::Value(transcription) => {
                self.settings.transcription = true;
                self.settings.transcription_model = transcription.model.clone();
            }
            Nullable::Absent => {}
        }
        if let Some(modalities) = &config.output_modalities {
            self.settings.text_only = !modalities.contains(&Modality::Audio);
        }
    }
}

/// Merges a session update into the session object (objects merge, the rest replaces).
pub(super) fn merge(target: &mut Map<String, Value>, update: &Map<String, Value>) {
    for (key, value) in update {
        match (target.get_mut(key), value) {
            (Some(Value::Object(mine)), Value::Object(theirs)) => merge(mine, theirs),
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}
