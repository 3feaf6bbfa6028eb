//! Every row of `fixtures/openai-ga/examples.jsonl` goes through the `openai-ga`
//! dialect: server frames decode (typed where the GA shape defines the type), and
//! client frames, read back into canonical events, are encoded by the dialect to the
//! same JSON (so nothing real clients send is refused or changed).
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use realtime_core::dialect::Dialect;
use realtime_core::protocol::{ClientEvent, ServerEvent, SessionKind};
use realtime_core::wire::WireShape;
use realtime_openai::OpenAiDialect;
use serde_json::{Value, json};

struct Row {
    line: String,
    dialect: String,
    direction: String,
    payload: Value,
}

fn rows() -> Vec<Row> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/openai-ga/examples.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines()
        .enumerate()
        .map(|(n, line)| {
            let row: Value = serde_json::from_str(line).unwrap();
            Row {
                line: format!("openai-ga/examples.jsonl:{}", n + 1),
                dialect: row["dialect"].as_str().unwrap().to_owned(),
                direction: row["direction"].as_str().unwrap().to_owned(),
                payload: row["payload"].clone(),
            }
        })
        .collect()
}

/// JSON equality with numbers compared by value (`1.0` and `1`).
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

#[test]
fn every_server_row_decodes_through_the_dialect() {
    let dialect = OpenAiDialect::new();
    let mut failures = Vec::new();
    let mut typed = 0;
    for row in rows().iter().filter(|row| row.direction == "server") {
        let frame = row.payload.to_string();
        let events = match dialect.decode(&frame) {
            Ok(events) => events,
            Err(error) => {
                failures.push(format!("{}: {error}", row.line));
                continue;
            }
        };
        let event_type = row.payload["type"].as_str().unwrap();
        // Translation sessions (`openai-ga-translation`) are another API; their
        // events stay `Unknown`, which is decoding, not failing.
        if row.dialect == "openai-ga" {
            if events.len() != 1 || events[0].is_unknown() {
                failures.push(format!("{}: `{event_type}` is not typed", row.line));
            } else {
                typed += 1;
            }
        }
    }
    assert!(typed >= 300, "only {typed} typed server rows");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_client_row_is_sent_unchanged_by_the_dialect() {
    let dialect = OpenAiDialect::new();
    let mut failures = Vec::new();
    let mut checked = 0;
    for row in rows()
        .iter()
        .filter(|row| row.direction == "client" && row.dialect == "openai-ga")
    {
        let event = WireShape::Ga
            .decode_client(&row.payload.to_string())
            .unwrap();
        let event_type = row.payload["type"].as_str().unwrap();
        let result = dialect.encode(&event);
        // The GA spec still documents the beta `transcription_session.update`; GA
        // sends `session.update` with `type: "transcription"`, so the dialect refuses it.
        if event_type == "transcription_session.update" {
            assert!(result.is_err(), "{}: beta event accepted", row.line);
            continue;
        }
        let frame = match result {
            Ok(frame) => frame,
            Err(error) => {
                failures.push(format!("{}: {error}", row.line));
                continue;
            }
        };
        let sent: Value = serde_json::from_str(&frame).unwrap();
        if !json_eq(&sent, &row.payload) {
            failures.push(format!(
                "{}: sent differs\n  want {}\n  got  {sent}",
                row.line, row.payload
            ));
        }
        checked += 1;
    }
    assert!(checked >= 300, "only {checked} client rows");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The recorded `session.updated` of a realtime session maps back to canonical
/// settings that the dialect can send again.
#[test]
fn recorded_session_maps_to_canonical_settings() {
    let dialect = OpenAiDialect::new();
    let row = rows()
        .into_iter()
        .find(|row| row.payload["type"] == "session.updated" && row.line.ends_with(":72"))
        .unwrap();
    let events = dialect.decode(&row.payload.to_string()).unwrap();
    let ServerEvent::SessionUpdated(event) = &events[0] else {
        panic!("{:?}", events[0]);
    };
    assert_eq!(event.session.session_type(), Some("realtime"));
    let config = dialect.session_config(&event.session).unwrap();
    assert_eq!(config.kind, Some(SessionKind::Realtime));
    assert_eq!(
        config.instructions.as_deref(),
        Some("Reply in a few words.")
    );
    assert!(!config.extra.contains_key("id") && !config.extra.contains_key("object"));
    assert!(dialect.encode(&ClientEvent::session_update(config)).is_ok());
}

/// `session.created` of a transcription session (S-GA `RealtimeServerEventSessionCreated`
/// carries `RealtimeTranscriptionSessionCreateResponseGA`; the fixtures have no
/// recorded one, so the session is the spec's own example).
#[test]
fn transcription_session_created_decodes() {
    let frame = json!({
        "type": "session.created",
        "event_id": "event_1",
        "session": {
            "id": "sess_BBwZc7cFV3XizEyKGDCGL",
            "type": "transcription",
            "object": "realtime.transcription_session",
            "expires_at": 1742188264,
            "include": ["item.input_audio_transcription.logprobs"],
            "audio": {
                "input": {
                    "format": "pcm16",
                    "transcription": {"model": "gpt-4o-transcribe", "language": null, "prompt": ""},
                    "noise_reduction": null,
                    "turn_detection": {
                        "type": "server_vad",
                        "threshold": 0.5,
                        "prefix_padding_ms": 300,
                        "silence_duration_ms": 200
                    }
                }
            }
        }
    });
    let dialect = OpenAiDialect::new();
    let events = dialect.decode(&frame.to_string()).unwrap();
    let ServerEvent::SessionCreated(event) = &events[0] else {
        panic!("{:?}", events[0]);
    };
    assert_eq!(event.session.session_type(), Some("transcription"));
    assert_eq!(event.session.id(), Some("sess_BBwZc7cFV3XizEyKGDCGL"));
    let config = dialect.session_config(&event.session).unwrap();
    assert_eq!(config.kind, Some(SessionKind::Transcription));
    assert_eq!(
        config
            .input_audio_transcription
            .as_option()
            .and_then(|t| t.model.as_deref()),
        Some("gpt-4o-transcribe")
    );
    assert!(config.turn_detection.is_value());
    // Re-encoded exactly as received.
    assert!(json_eq(
        &serde_json::from_str(&WireShape::Ga.encode_server(&events[0]).unwrap()).unwrap(),
        &frame
    ));
}
