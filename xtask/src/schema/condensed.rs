//! The hand-condensed specs (Voice Live 2025-10-01 / 2026-04-10, the Azure preview
//! reference). They are not JSON Schema: they list event names, per-event required
//! fields (2025-10-01 only), session field names and some enums, as prose-ish JSON.
//! What is machine-usable is checked; the rest is not (see `fixtures/README.md`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::SpecError;
use super::validate::Violation;
use crate::json_eq::show;

/// Which keys of a condensed file hold what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Key of the client event names: a list of names (maybe annotated, e.g.
    /// `"output_audio_buffer.clear (avatar mode only)"`).
    pub event_names: &'static str,
    /// Key of a mapping `event name -> {field: ..., required: [...]}`, if any.
    pub event_fields: Option<&'static str>,
    /// Key of the request-session mapping `field -> description`.
    pub session: &'static str,
    /// Whether per-event fields mark required ones in their description
    /// (`"turn_id": "string (req)"`) rather than in a `required` list.
    pub required_marker: bool,
}

/// Whether a condensed field description marks the field required.
fn marked_required(description: &Value) -> bool {
    description
        .as_str()
        .is_some_and(|text| text.contains("(req"))
}

/// What a condensed spec says about client events.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Condensed {
    /// The file name, for reports.
    pub file: String,
    /// Client event names.
    pub event_types: BTreeSet<String>,
    /// Required top-level fields per event.
    pub required: BTreeMap<String, Vec<String>>,
    /// Known `session.update` session fields.
    pub session_fields: BTreeSet<String>,
    /// Session fields whose condensed value is a list of allowed strings.
    pub session_enums: BTreeMap<String, Vec<String>>,
}

impl Condensed {
    /// Reads a condensed JSON file laid out as `layout` says.
    ///
    /// # Errors
    /// [`SpecError`] if the text is not JSON or a key of `layout` is missing or of
    /// the wrong kind.
    pub fn from_json(file: &str, text: &str, layout: Layout) -> Result<Self, SpecError> {
        let document: Value = serde_json::from_str(text).map_err(|error| SpecError::Parse {
            file: file.to_owned(),
            message: error.to_string(),
        })?;
        let shape = |expected: &'static str, got: Option<&Value>| SpecError::Shape {
            file: file.to_owned(),
            expected,
            got: got.map_or("nothing", crate::json_eq::kind).to_owned(),
        };
        let names = match document.get(layout.event_names) {
            Some(Value::Array(names)) => names,
            other => return Err(shape("a list of client event names", other)),
        };
        let event_types = names
            .iter()
            .filter_map(Value::as_str)
            .filter_map(|name| name.split_whitespace().next())
            .map(str::to_owned)
            .collect();
        let mut required = BTreeMap::new();
        if let Some(key) = layout.event_fields {
            let Some(Value::Object(events)) = document.get(key) else {
                return Err(shape("a mapping of client events", document.get(key)));
            };
            for (name, fields) in events {
                let mut names: Vec<String> = fields
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
                if layout.required_marker
                    && let Some(fields) = fields.as_object()
                {
                    names.extend(
                        fields
                            .iter()
                            .filter(|(_, description)| marked_required(description))
                            .map(|(field, _)| field.clone()),
                    );
                }
                required.insert(name.clone(), names);
            }
        }
        let Some(Value::Object(session)) = document.get(layout.session) else {
            return Err(shape(
                "a mapping of session fields",
                document.get(layout.session),
            ));
        };
        Ok(Self {
            file: file.to_owned(),
            event_types,
            required,
            session_fields: session
                .keys()
                .filter(|key| !key.starts_with("x-"))
                .cloned()
                .collect(),
            session_enums: session_enums(session),
        })
    }

    /// Applies the diff of one preview version (a `voicelive-previews-2026` entry):
    /// client events it adds (with the fields their `shape` marks required) and
    /// client events it lacks. Other differences (session sub-objects) are below
    /// what a condensed check sees.
    pub fn apply_preview_diff(&mut self, diff: &Value) {
        let entries = |key: &str| {
            diff.get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        for entry in entries("added_vs_2026_07_15") {
            let what = entry.get("what").and_then(Value::as_str).unwrap_or("");
            let Some(shape) = entry.get("shape").and_then(Value::as_object) else {
                continue;
            };
            let Some(name) = shape.get("type").and_then(Value::as_str) else {
                continue;
            };
            if !what.starts_with("client event ") {
                continue;
            }
            let name = name.trim_matches('\'').to_owned();
            let required = shape
                .iter()
                .filter(|(field, description)| *field != "type" && marked_required(description))
                .map(|(field, _)| field.clone())
                .collect();
            self.required.insert(name.clone(), required);
            self.event_types.insert(name);
        }
        for entry in entries("missing_vs_2026_07_15") {
            let what = entry.get("what").and_then(Value::as_str).unwrap_or("");
            let Some(names) = what
                .strip_prefix("client events ")
                .or_else(|| what.strip_prefix("client event "))
            else {
                continue;
            };
            for name in names.split(['/', ' ']).filter(|name| name.contains('.')) {
                self.event_types.remove(name);
                self.required.remove(name);
            }
        }
    }

    /// Checks a client frame: known event type, required fields present, and for
    /// `session.update` every session field known and enum fields in range.
    pub fn check_client(&self, frame: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        let Some(event_type) = frame.get("type").and_then(Value::as_str) else {
            out.push(violation(
                "$.type",
                "expected a string event type, got none".into(),
            ));
            return out;
        };
        if !self.event_types.contains(event_type) {
            out.push(violation(
                "$.type",
                format!(
                    "expected a client event listed in {}, got `{event_type}`",
                    self.file
                ),
            ));
            return out;
        }
        for field in self.required.get(event_type).into_iter().flatten() {
            if frame.get(field).is_none() {
                out.push(violation(
                    &format!("$.{field}"),
                    format!("required by {} but missing", self.file),
                ));
            }
        }
        if event_type == "session.update"
            && let Some(Value::Object(session)) = frame.get("session")
        {
            self.check_session(session, &mut out);
        }
        out
    }

    fn check_session(&self, session: &Map<String, Value>, out: &mut Vec<Violation>) {
        for (field, value) in session {
            let path = format!("$.session.{field}");
            if !self.session_fields.contains(field) {
                out.push(violation(
                    &path,
                    format!("not a session field of {}", self.file),
                ));
                continue;
            }
            let Some(allowed) = self.session_enums.get(field) else {
                continue;
            };
            let values: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                Value::String(_) => vec![value],
                _ => Vec::new(),
            };
            for item in values {
                let listed = item
                    .as_str()
                    .is_some_and(|text| allowed.iter().any(|a| a == text));
                if !listed {
                    out.push(violation(
                        &path,
                        format!(
                            "expected one of [{}] ({}), got {}",
                            allowed.join(", "),
                            self.file,
                            show(item)
                        ),
                    ));
                }
            }
        }
    }
}

/// Session fields given as a list of strings, or as `{"enum": [...]}`.
fn session_enums(session: &Map<String, Value>) -> BTreeMap<String, Vec<String>> {
    let mut enums = BTreeMap::new();
    for (field, value) in session {
        let list = match value {
            Value::Array(items) => Some(items),
            Value::Object(object) => object.get("enum").and_then(Value::as_array),
            _ => None,
        };
        let Some(list) = list else {
            continue;
        };
        let strings: Vec<String> = list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        if !strings.is_empty() && strings.len() == list.len() {
            enums.insert(field.clone(), strings);
        }
    }
    enums
}

fn violation(path: &str, message: String) -> Violation {
    Violation {
        path: path.to_owned(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const LAYOUT: Layout = Layout {
        event_names: "names",
        event_fields: Some("events"),
        session: "session",
        required_marker: false,
    };

    fn spec() -> Condensed {
        let text = json!({
            "names": ["session.update", "output_audio_buffer.clear (avatar mode only)", "input_audio.turn.start"],
            "events": {"input_audio.turn.start": {"turn_id": "string", "required": ["turn_id"]}},
            "session": {"x-note": "n", "voice": "Voice", "input_audio_format": {"enum": ["pcm16", "g711_ulaw"]},
                        "output_audio_timestamp_types": ["word"]}
        })
        .to_string();
        Condensed::from_json("c.json", &text, LAYOUT).unwrap_or_default()
    }

    #[test]
    fn reads_names_required_fields_and_enums() {
        let spec = spec();
        assert!(spec.event_types.contains("output_audio_buffer.clear"));
        assert_eq!(
            spec.required["input_audio.turn.start"],
            vec!["turn_id".to_owned()]
        );
        assert!(!spec.session_fields.contains("x-note"));
        assert_eq!(spec.session_enums.len(), 2);
    }

    #[test]
    fn checks_what_the_condensed_spec_says() {
        let spec = spec();
        let ok = json!({"type": "session.update", "session": {"voice": {"type": "azure-standard"}, "input_audio_format": "pcm16", "output_audio_timestamp_types": ["word"]}});
        assert_eq!(spec.check_client(&ok), vec![]);
        let bad = json!({"type": "session.update", "session": {"audio": {}, "input_audio_format": "pcm24", "output_audio_timestamp_types": ["char"]}});
        let messages: Vec<String> = spec
            .check_client(&bad)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            messages,
            vec![
                "$.session.audio: not a session field of c.json",
                "$.session.input_audio_format: expected one of [pcm16, g711_ulaw] (c.json), got \"pcm24\"",
                "$.session.output_audio_timestamp_types: expected one of [word] (c.json), got \"char\"",
            ]
        );
        let missing = spec.check_client(&json!({"type": "input_audio.turn.start"}));
        assert_eq!(
            missing[0].to_string(),
            "$.turn_id: required by c.json but missing"
        );
        let unknown = spec.check_client(&json!({"type": "session.avatar.connect"}));
        assert_eq!(
            unknown[0].to_string(),
            "$.type: expected a client event listed in c.json, got `session.avatar.connect`"
        );
    }
}
