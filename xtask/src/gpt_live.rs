//! The `openai-live` row of `cargo xtask conformance`: GPT-Live is not a Realtime
//! wire shape, so its frames are checked here, through
//! `realtime_openai::live::LiveDialect`, against `openai-live/live.condensed.json`.
//!
//! - every recorded server frame decodes, and re-encodes to the same JSON;
//! - every recorded client frame reads back into canonical events, which the
//!   encoder writes to the same JSON;
//! - every client frame the encoder writes (the recorded ones and a set of canonical
//!   scenarios: tools, delegation update, appended instructions, close) is valid
//!   against the condensed spec's `client_events` (required fields, no unknown field,
//!   the `SessionConfig` and `SessionUpdateConfig` field lists).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use realtime_core::dialect::Dialect as _;
use realtime_core::protocol::{ClientEvent, Item, SessionConfig, Tool, ToolChoice};
use realtime_openai::live::{Delegation, LiveClientEvent, LiveDialect, LiveEvent, LiveSession};
use serde_json::{Map, Value, json};

/// The fixture folder and files.
const FOLDER: &str = "openai-live";
const FRAMES: &str = "examples.jsonl";
const SPEC: &str = "live.condensed.json";

/// What the GPT-Live check found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveTally {
    /// Fixture frames read.
    pub frames: usize,
    /// Frames decoded without error.
    pub decoded: usize,
    /// Frames that re-encode to the same JSON.
    pub lossless: usize,
    /// Server frames neither canonical nor typed by `LiveEvent`.
    pub unknown: usize,
    /// Encoder-written client frames validated against the spec.
    pub schema_checked: usize,
    /// Of those, the valid ones.
    pub schema_valid: usize,
    /// What failed, one line each.
    pub failures: Vec<String>,
}

/// Checks the first `openai-live/` folder under `fixture_dirs`; `None` when none has one.
pub fn check(fixture_dirs: &[PathBuf]) -> Option<LiveTally> {
    let folder = fixture_dirs
        .iter()
        .map(|dir| dir.join(FOLDER))
        .find(|folder| folder.is_dir())?;
    Some(check_folder(&folder))
}

fn check_folder(folder: &Path) -> LiveTally {
    let mut tally = LiveTally::default();
    let spec = match read_json(&folder.join(SPEC)) {
        Ok(spec) => spec,
        Err(error) => {
            tally.failures.push(error);
            return tally;
        }
    };
    let text = match std::fs::read_to_string(folder.join(FRAMES)) {
        Ok(text) => text,
        Err(error) => {
            tally.failures.push(format!("{FOLDER}/{FRAMES}: {error}"));
            return tally;
        }
    };
    let dialect = LiveDialect::openai();
    for (index, line) in text.lines().enumerate() {
        let origin = format!("{FOLDER}/{FRAMES}:{}", index + 1);
        tally.frames += 1;
        let row: Value = match serde_json::from_str(line) {
            Ok(row) => row,
            Err(error) => {
                tally.failures.push(format!("{origin}: {error}"));
                continue;
            }
        };
        let Some(payload) = row.get("payload").and_then(Value::as_object) else {
            tally
                .failures
                .push(format!("{origin}: no object `payload`"));
            continue;
        };
        match row.get("direction").and_then(Value::as_str) {
            Some("server") => check_server(&dialect, &origin, payload, &mut tally),
            Some("client") => check_client(&dialect, &spec, &origin, payload, &mut tally),
            other => tally.failures.push(format!(
                "{origin}: expected direction server or client, got {other:?}"
            )),
        }
    }
    for (name, event) in scenarios() {
        match dialect.encode(&event) {
            Ok(frame) => validate_counted(&spec, &format!("scenario {name}"), &frame, &mut tally),
            Err(error) => tally.failures.push(format!("scenario {name}: {error}")),
        }
    }
    tally
}

fn check_server(
    dialect: &LiveDialect,
    origin: &str,
    payload: &Map<String, Value>,
    tally: &mut LiveTally,
) {
    let events = match dialect.decode(&Value::Object(payload.clone()).to_string()) {
        Ok(events) => events,
        Err(error) => {
            tally.failures.push(format!("{origin}: {error}"));
            return;
        }
    };
    tally.decoded += 1;
    let [event] = events.as_slice() else {
        tally.failures.push(format!(
            "{origin}: expected one event, got {}",
            events.len()
        ));
        return;
    };
    if event.is_unknown() && LiveEvent::from_unknown(event).is_none() {
        tally.unknown += 1;
    }
    match dialect.encode_server(event) {
        Ok(back) if &back == payload => tally.lossless += 1,
        Ok(back) => tally.failures.push(format!(
            "{origin}: re-encoded server frame differs: {}",
            Value::Object(back)
        )),
        Err(error) => tally.failures.push(format!("{origin}: {error}")),
    }
}

fn check_client(
    dialect: &LiveDialect,
    spec: &Value,
    origin: &str,
    payload: &Map<String, Value>,
    tally: &mut LiveTally,
) {
    let event = match dialect.decode_client(payload) {
        Ok(event) => event,
        Err(error) => {
            tally.failures.push(format!("{origin}: {error}"));
            return;
        }
    };
    tally.decoded += 1;
    let frame = match dialect.encode(&event) {
        Ok(frame) => frame,
        Err(error) => {
            tally
                .failures
                .push(format!("{origin}: the encoder refused it: {error}"));
            return;
        }
    };
    match serde_json::from_str::<Map<String, Value>>(&frame) {
        Ok(written) if &written == payload => tally.lossless += 1,
        _ => tally
            .failures
            .push(format!("{origin}: the encoder wrote {frame}")),
    }
    validate_counted(spec, origin, &frame, tally);
}

fn validate_counted(spec: &Value, origin: &str, frame: &str, tally: &mut LiveTally) {
    tally.schema_checked += 1;
    let problems = match serde_json::from_str::<Map<String, Value>>(frame) {
        Ok(object) => validate_client(spec, &object),
        Err(error) => vec![error.to_string()],
    };
    if problems.is_empty() {
        tally.schema_valid += 1;
    } else {
        tally.failures.push(format!(
            "{origin}: not valid GPT-Live: {}",
            problems.join("; ")
        ));
    }
}

/// Checks a client frame against the condensed spec: its type, its required fields,
/// no field the spec does not list, and the session objects' field lists.
pub fn validate_client(spec: &Value, frame: &Map<String, Value>) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(event_type) = frame.get("type").and_then(Value::as_str) else {
        return vec!["expected a string `type`".into()];
    };
    let Some(fields) = spec["client_events"]
        .get(event_type)
        .and_then(Value::as_object)
    else {
        return vec![format!(
            "expected a GPT-Live client event type, got `{event_type}`"
        )];
    };
    for (name, description) in fields {
        let required = description
            .as_str()
            .is_some_and(|text| text.contains("req"))
            && !name.starts_with("x-");
        if required && !frame.contains_key(name) {
            problems.push(format!("`{event_type}` requires `{name}`"));
        }
    }
    for key in frame.keys() {
        if key != "type" && !fields.contains_key(key) {
            problems.push(format!("`{event_type}` has no field `{key}`"));
        }
    }
    let session = frame.get("session").and_then(Value::as_object);
    match (event_type, session) {
        ("session.start", Some(session)) => {
            let allowed = spec["SessionConfig (session.start.session)"]
                .as_object()
                .map(|fields| {
                    fields
                        .keys()
                        .filter(|key| !matches!(key.as_str(), "strictness" | "source"))
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            unknown_keys("session.start.session", session, &allowed, &mut problems);
            if !session.get("model").is_some_and(Value::is_string) {
                problems.push("session.start.session requires a string `model`".into());
            }
            if let Some(audio) = session.get("audio").and_then(Value::as_object) {
                let allowed = ["format".to_owned(), "output".to_owned()];
                unknown_keys("session.audio", audio, &allowed, &mut problems);
            }
            if let Some(delegation) = session.get("delegation") {
                check_delegation(delegation, &mut problems);
            }
        }
        ("session.update", Some(session)) => {
            let allowed = ["delegation".to_owned(), "triggers".to_owned()];
            unknown_keys("session.update.session", session, &allowed, &mut problems);
            if let Some(delegation) = session.get("delegation").filter(|value| !value.is_null()) {
                check_delegation(delegation, &mut problems);
            }
        }
        _ => {}
    }
    problems
}

fn unknown_keys(
    path: &str,
    object: &Map<String, Value>,
    allowed: &[String],
    problems: &mut Vec<String>,
) {
    for key in object.keys() {
        if !allowed.contains(key) {
            problems.push(format!("{path} has no field `{key}` (strict object)"));
        }
    }
}

fn check_delegation(delegation: &Value, problems: &mut Vec<String>) {
    match delegation.get("type").and_then(Value::as_str) {
        Some("client" | "decisions") => {}
        Some("responses") => {
            if !delegation["responses"]["model"].is_string() {
                problems.push("a responses delegation requires `responses.model`".into());
            }
        }
        other => problems.push(format!(
            "expected delegation type client, responses or decisions, got {other:?}"
        )),
    }
}

/// Client frames an agent session writes beyond the recorded ones.
fn scenarios() -> Vec<(&'static str, ClientEvent)> {
    let tools = LiveSession::new()
        .delegation(Delegation::responses("gpt-5.6-sol"))
        .history(&[Item::user_text("Hi."), Item::assistant_text("Hello!")]);
    let mut events = vec![
        (
            "start with voice and format",
            ClientEvent::session_update(
                SessionConfig::new()
                    .model("gpt-live-1")
                    .instructions("Be brief.")
                    .voice("marin"),
            ),
        ),
        (
            "delegation update",
            ClientEvent::session_update(
                SessionConfig::new().extension(LiveSession::new().delegation(Delegation::Client)),
            ),
        ),
        (
            "handoff instructions",
            LiveClientEvent::append_instructions("You are now the billing agent."),
        ),
        ("close", LiveClientEvent::close()),
        (
            "tool output",
            ClientEvent::create_item(Item::function_call_output("call_1", "ok")),
        ),
        ("continue", ClientEvent::create_response()),
    ];
    // A handoff as the agent machine sends it (`Dialect::switch_agent`): the
    // delegation with the new agent's tools, then its instructions appended.
    let base = SessionConfig::new()
        .model("gpt-live-1")
        .extension(LiveSession::new().delegation(Delegation::responses("gpt-5.6-sol")));
    let mut update = SessionConfig::new()
        .instructions("You handle returns.")
        .tools([Tool::function(
            "check_return",
            "Checks a return.",
            json!({"type": "object"}),
        )]);
    update.tool_choice = Some(ToolChoice::Auto);
    if let Ok(switch) = LiveDialect::openai().switch_agent(&base, update) {
        for event in switch {
            events.push(("handoff switch", event));
        }
    }
    if let Ok(live) = tools {
        events.push((
            "start with tools and history",
            ClientEvent::session_update(
                SessionConfig::new()
                    .model("gpt-live-1")
                    .tools([Tool::function(
                        "lookup",
                        "Look up.",
                        json!({"type": "object"}),
                    )])
                    .extension(live),
            ),
        ));
    }
    events
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text =
        std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))?;
    serde_json::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))
}

/// Checks the fixtures and renders the section: the text and the failure count.
pub fn run(fixture_dirs: &[PathBuf]) -> (String, usize) {
    let tally = check(fixture_dirs);
    let failures = tally.as_ref().map_or(0, |tally| tally.failures.len());
    (render(tally.as_ref()), failures)
}

/// The report section.
pub fn render(tally: Option<&LiveTally>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nGPT-Live (realtime_openai::live; azure-openai-live shares the codec):"
    );
    let Some(tally) = tally else {
        let _ = writeln!(
            out,
            "  no {FOLDER}/ folder in the fixture directories: not checked"
        );
        return out;
    };
    let _ = writeln!(
        out,
        "{:<22} {:>7} {:>8} {:>9} {:>8} {:>13} {:>9}",
        "dialect", "frames", "decoded", "lossless", "unknown", "schema-valid", "failures"
    );
    let _ = writeln!(
        out,
        "{:<22} {:>7} {:>8} {:>9} {:>8} {:>13} {:>9}",
        "openai-live",
        tally.frames,
        tally.decoded,
        tally.lossless,
        tally.unknown,
        format!("{}/{}", tally.schema_valid, tally.schema_checked),
        tally.failures.len()
    );
    let _ = writeln!(
        out,
        "(the `openai-live` rows and cassettes listed as skipped above are checked here; \
         schema-valid counts recorded client frames plus encoder scenarios)"
    );
    for failure in &tally.failures {
        let _ = writeln!(out, "  FAIL {failure}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> Vec<PathBuf> {
        vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")]
    }

    fn spec() -> Value {
        read_json(&fixtures()[0].join(FOLDER).join(SPEC)).unwrap_or_default()
    }

    #[test]
    fn recorded_frames_pass() {
        let tally = check(&fixtures()).unwrap_or_default();
        assert_eq!(tally.failures, Vec::<String>::new());
        assert_eq!(tally.frames, 435);
        assert_eq!(tally.lossless, 435);
        assert_eq!(tally.schema_valid, tally.schema_checked);
        assert!(tally.schema_checked > 338);
    }

    #[test]
    fn the_validator_rejects_what_the_spec_does_not_allow() {
        let spec = spec();
        let frame = |value: Value| value.as_object().cloned().unwrap_or_default();
        let no_model = frame(json!({"type": "session.start", "session": {"instructions": "x"}}));
        assert_eq!(validate_client(&spec, &no_model).len(), 1);
        let temperature =
            frame(json!({"type": "session.start", "session": {"model": "m", "temperature": 1}}));
        assert_eq!(validate_client(&spec, &temperature).len(), 1);
        let update = frame(json!({"type": "session.update", "session": {"instructions": "x"}}));
        assert_eq!(validate_client(&spec, &update).len(), 1);
        let commit = frame(json!({"type": "input_audio_buffer.commit"}));
        assert_eq!(validate_client(&spec, &commit).len(), 1);
        let no_audio = frame(json!({"type": "session.input_audio.append"}));
        assert_eq!(validate_client(&spec, &no_audio).len(), 1);
        let ok = frame(json!({"type": "session.close"}));
        assert!(validate_client(&spec, &ok).is_empty());
    }
}
