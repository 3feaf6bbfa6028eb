//! Every server frame of the recorded and documented fixtures decodes to a typed
//! event (no `Unknown` for a type the shape defines) and re-encodes to equal JSON;
//! every client frame decodes to a canonical event and re-encodes to equal JSON.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::PathBuf;

use realtime_core::protocol::{ClientEvent, ServerEvent};
use realtime_core::wire::WireShape;
use serde_json::Value;

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn shape_of(dialect: &str) -> Option<WireShape> {
    match dialect {
        "openai-ga" | "azure-openai-ga-v1" | "voicelive-v1" => Some(WireShape::Ga),
        "openai-beta"
        | "azure-openai-preview"
        | "voicelive-2025-10-01"
        | "voicelive-2026-04-10"
        | "voicelive" => Some(WireShape::Beta),
        _ => None,
    }
}

/// JSON equality modulo key order, numbers compared by value.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

struct Row {
    line: String,
    dialect: String,
    direction: String,
    payload: Value,
    /// A documentation skeleton (placeholders, required members left out).
    skeleton: bool,
}

fn rows() -> Vec<Row> {
    let mut rows = Vec::new();
    for provider in ["openai-ga", "openai-beta", "azure-openai", "voicelive"] {
        let path = fixtures_dir().join(provider).join("examples.jsonl");
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let row: Value = serde_json::from_str(line).unwrap();
            rows.push(Row {
                line: format!("{provider}/examples.jsonl:{}", n + 1),
                dialect: row["dialect"].as_str().unwrap().to_owned(),
                direction: row["direction"].as_str().unwrap().to_owned(),
                payload: row["payload"].clone(),
                skeleton: row["note"]
                    .as_str()
                    .is_some_and(|note| note.contains("skeleton")),
            });
        }
    }
    rows
}

#[test]
fn every_server_frame_decodes_typed_and_round_trips() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for row in rows().into_iter().filter(|row| row.direction == "server") {
        let Some(shape) = shape_of(&row.dialect) else {
            continue;
        };
        checked += 1;
        let frame = row.payload.to_string();
        let events = match shape.decode_server(&frame) {
            Ok(events) => events,
            Err(error) => {
                failures.push(format!("{}: decode failed: {error}", row.line));
                continue;
            }
        };
        let event: &ServerEvent = &events[0];
        let event_type = row.payload["type"].as_str().unwrap_or_default();
        if event.is_unknown() && ServerEvent::is_known_type(event_type) {
            failures.push(format!("{}: `{event_type}` landed in Unknown", row.line));
        }
        let is_vl_only = event.is_unknown() && row.dialect.starts_with("voicelive");
        if event.is_unknown() && !is_vl_only {
            failures.push(format!("{}: `{event_type}` is not typed", row.line));
        }
        let again: Value = serde_json::from_str(&shape.encode_server(event).unwrap()).unwrap();
        if !json_eq(&again, &row.payload) {
            failures.push(format!(
                "{}: re-encode differs\n  want {}\n  got  {}",
                row.line, row.payload, again
            ));
        }
    }
    assert!(checked > 600, "only {checked} server frames checked");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_client_frame_decodes_and_round_trips() {
    let mut failures = Vec::new();
    for row in rows().into_iter().filter(|row| row.direction == "client") {
        let Some(shape) = shape_of(&row.dialect) else {
            continue;
        };
        let frame = row.payload.to_string();
        let event = match shape.decode_client(&frame) {
            Ok(event) => event,
            Err(error) => {
                failures.push(format!("{}: decode failed: {error}", row.line));
                continue;
            }
        };
        let event_type = row.payload["type"].as_str().unwrap_or_default();
        let vl_only =
            row.dialect.starts_with("voicelive") && event_type.starts_with("session.avatar");
        // A skeleton without its required members stays verbatim (`Other`), which is right.
        if matches!(event, ClientEvent::Other { .. })
            && !vl_only
            && !row.skeleton
            && event_type != "transcription_session.update"
        {
            failures.push(format!(
                "{}: `{event_type}` not canonical: {frame}",
                row.line
            ));
        }
        let again: Value = serde_json::from_str(&shape.encode_client(&event).unwrap()).unwrap();
        if !json_eq(&again, &row.payload) {
            failures.push(format!(
                "{}: re-encode differs\n  want {}\n  got  {}",
                row.line, row.payload, again
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
