//! Session settings, `session.updated` and the rejections the services make.

use serde_json::{Map, Value};

use realtime_core::protocol::{
    ErrorDetails, ErrorEvent, Modality, Nullable, ServerEvent, TurnDetection,
};

use super::Engine;
use realtime_core::protocol::{SessionConfig, SessionEvent, SessionResource};
use realtime_core::wire::WireShape;

impl Engine {
    /// Answers a `session.update` (its fields already passed the profile's rejects):
    /// the rejections that depend on the session's state, then the normalised
    /// `session.updated`. A rejected update changes nothing, as on the services.
    pub(super) fn session_update(
        &mut self,
        config: &SessionConfig,
        mut update: Map<String, Value>,
        client_event_id: Option<String>,
    ) -> Vec<ServerEvent> {
        if self.profile.requires_session_type && !update.contains_key("type") {
            // S-GA: `RealtimeSessionCreateRequestGA.required = [type]`. The wording
            // follows the recorded `unknown_parameter` frame (DIALECTS.md §6).
            return vec![self.error(
                client_event_id,
                "invalid_request_error",
                "missing_required_parameter",
                "Missing required parameter: 'session.type'.",
                Some("session.type"),
            )];
        }
        if self.profile.voice_locked_after_audio && self.assistant_audio {
            let (path, param) = match self.profile.shape {
                WireShape::Ga => (
                    &["audio", "output", "voice"][..],
                    "session.audio.output.voice",
                ),
                WireShape::Beta => (&["voice"][..], "session.voice"),
            };
            let requested = lookup(&update, path);
            if requested.is_some() && requested != lookup(&self.session, path) {
                // S-GA, `audio.output.voice`: "Voice cannot be changed during the
                // session once the model has responded with audio at least once."
                return vec![self.error(
                    client_event_id,
                    "invalid_request_error",
                    "cannot_update_voice",
                    "Voice cannot be changed during the session once the model has responded with audio at least once.",
                    Some(param),
                )];
            }
        }
        self.normalise(&mut update);
        self.apply_settings(config);
        merge(&mut self.session, &update);
        vec![ServerEvent::SessionUpdated(SessionEvent {
            event_id: self.event_id(),
            session: SessionResource::new(self.session.clone()),
            ..SessionEvent::default()
        })]
    }

    /// Fills in what the services fill in: turn detection is replaced (not merged)
    /// and gets the type's defaults; transcription gets its nulls (recorded
    /// `session.updated` frames).
    fn normalise(&self, update: &mut Map<String, Value>) {
        let (container, detection, transcription) = match self.profile.shape {
            WireShape::Ga => (
                pointer_mut(update, &["audio", "input"]),
                "turn_detection",
                "transcription",
            ),
            WireShape::Beta => (Some(update), "turn_detection", "input_audio_transcription"),
        };
        let Some(container) = container else {
            return;
        };
        if let Some(Value::Object(vad)) = container.get_mut(detection) {
            let kind = vad.get("type").and_then(Value::as_str).unwrap_or_default();
            let defaults = match kind {
                "server_vad" => self.profile.server_vad_defaults.clone(),
                // S-GA `semantic_vad`: eagerness `auto` by default.
                "semantic_vad" => [
                    ("eagerness", Value::from("auto")),
                    ("create_response", Value::Bool(true)),
                    ("interrupt_response", Value::Bool(true)),
                ]
                .into_iter()
                .map(|(key, value)| (key.to_owned(), value))
                .collect(),
                _ => Map::new(),
            };
            let mut full = Map::new();
            full.insert("type".to_owned(), Value::String(kind.to_owned()));
            for (key, value) in defaults {
                let value = vad.get(&key).cloned().unwrap_or(value);
                full.insert(key, value);
            }
            for (key, value) in vad.iter() {
                full.entry(key.clone()).or_insert_with(|| value.clone());
            }
            *vad = full;
        }
        if let Some(Value::Object(setting)) = container.get_mut(transcription) {
            for (key, value) in &self.profile.transcription_defaults {
                setting.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
    }

    pub(super) fn check_rejects(
        &mut self,
        prefix: &str,
        body: &Map<String, Value>,
        client_event_id: Option<String>,
    ) -> Option<ServerEvent> {
        let (rule, value) = self.profile.rejects.iter().find_map(|rule| {
            body.get(rule.field)
                .filter(|value| rule.when.rejects(value))
                .map(|value| (rule, value))
        })?;
        let param = format!("{prefix}.{}", rule.field);
        let shown = match value {
            Value::String(text) => text.clone(),
            Value::Object(map) => map
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            other => other.to_string(),
        };
        let message = rule
            .message
            .replace("{param}", &param)
            .replace("{value}", &shown);
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

    pub(super) fn apply_settings(&mut self, config: &SessionConfig) {
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

/// Settings the services replace whole rather than merge.
const REPLACED: [&str; 4] = [
    "turn_detection",
    "transcription",
    "input_audio_transcription",
    "tools",
];

/// Merges a session update into the session object (objects merge, except the
/// settings in [`REPLACED`]; the rest replaces).
fn merge(target: &mut Map<String, Value>, update: &Map<String, Value>) {
    for (key, value) in update {
        match (target.get_mut(key), value) {
            (Some(Value::Object(mine)), Value::Object(theirs))
                if !REPLACED.contains(&key.as_str()) =>
            {
                merge(mine, theirs);
            }
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

/// The value at `path` inside `map`.
fn lookup<'a>(map: &'a Map<String, Value>, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let value = map.get(*first)?;
    match (rest.is_empty(), value) {
        (true, value) => Some(value),
        (false, Value::Object(inner)) => lookup(inner, rest),
        (false, _) => None,
    }
}

/// The object at `path` inside `map`, if there is one.
fn pointer_mut<'a>(
    map: &'a mut Map<String, Value>,
    path: &[&str],
) -> Option<&'a mut Map<String, Value>> {
    let Some((first, rest)) = path.split_first() else {
        return Some(map);
    };
    match map.get_mut(*first) {
        Some(Value::Object(inner)) => pointer_mut(inner, rest),
        _ => None,
    }
}
