//! Every row of `fixtures/voicelive/examples.jsonl` (provenance in
//! `fixtures/voicelive/SOURCE.md`) through the dialect of its version
//! (`voicelive` = the newest dated version, 2026-04-10):
//!
//! - server rows decode; core types what it knows, every other event type is a
//!   Voice Live-only event that [`VoiceLiveEvent`] types and gives back losslessly;
//! - client rows decode; Voice Live-only client events read back as
//!   [`VoiceLiveClientEvent`]; every `session.update` lifts into typed values and
//!   this crate's dialect writes the same frame back.

use std::path::PathBuf;

use realtime_core::dialect::Dialect;
use realtime_core::protocol::{ClientEvent, ServerEvent};
use realtime_voicelive::{
    ApiVersion, Avatar, AzureSemanticVad, AzureVoice, EchoCancellation, OutputTimestamps,
    VoiceLiveClientEvent, VoiceLiveDialect, VoiceLiveEvent,
};
use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error>>;

struct Row {
    line: usize,
    version: ApiVersion,
    direction: String,
    payload: Value,
}

fn rows() -> Result<Vec<Row>, Box<dyn std::error::Error>> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/voicelive/examples.jsonl");
    let text = std::fs::read_to_string(&path)?;
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let row: Value = serde_json::from_str(line)?;
        let version = match row["dialect"].as_str() {
            Some("voicelive" | "voicelive-2026-04-10") => ApiVersion::V2026_04_10,
            Some("voicelive-2025-10-01") => ApiVersion::V2025_10_01,
            Some("voicelive-v1") => ApiVersion::V1,
            other => return Err(format!("line {}: unknown dialect {other:?}", n + 1).into()),
        };
        rows.push(Row {
            line: n + 1,
            version,
            direction: row["direction"].as_str().unwrap_or_default().to_owned(),
            payload: row["payload"].clone(),
        });
    }
    Ok(rows)
}

/// JSON equality with numbers compared by value; lists (`modalities` included) keep
/// their order.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn every_server_row_decodes_and_voice_live_events_are_lossless() -> TestResult {
    let mut failures = Vec::new();
    let mut typed_vl = 0;
    let rows = rows()?;
    for row in rows.iter().filter(|row| row.direction == "server") {
        let dialect = VoiceLiveDialect::new(row.version);
        let events = match dialect.decode(&row.payload.to_string()) {
            Ok(events) => events,
            Err(error) => {
                failures.push(format!("line {}: {error}", row.line));
                continue;
            }
        };
        for event in &events {
            let ServerEvent::Unknown { event_type, raw } = event else {
                continue;
            };
            match VoiceLiveEvent::from_unknown(event) {
                Some(Ok(typed)) => {
                    typed_vl += 1;
                    if Value::Object(typed.to_raw()) != Value::Object(raw.clone()) {
                        failures.push(format!("line {}: `{event_type}` not lossless", row.line));
                    }
                    if typed.into_server_event() != *event {
                        failures.push(format!("line {}: `{event_type}` changed", row.line));
                    }
                }
                Some(Err(error)) => failures.push(format!("line {}: {error}", row.line)),
                None => failures.push(format!("line {}: `{event_type}` untyped", row.line)),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(typed_vl, 27, "Voice Live-only server rows typed");
    Ok(())
}

#[test]
fn every_client_row_decodes_and_session_updates_re_encode() -> TestResult {
    let mut failures = Vec::new();
    let mut session_updates = 0;
    for row in rows()?.iter().filter(|row| row.direction == "client") {
        let dialect = VoiceLiveDialect::new(row.version);
        let event = match dialect.decode_client(&row.payload.to_string()) {
            Ok(event) => event,
            Err(error) => {
                failures.push(format!("line {}: {error}", row.line));
                continue;
            }
        };
        match &event {
            ClientEvent::Other { event_type, .. }
                if VoiceLiveClientEvent::from_client_event(&event).is_none() =>
            {
                failures.push(format!("line {}: `{event_type}` not typed", row.line));
            }
            ClientEvent::SessionUpdate { session, .. } => {
                session_updates += 1;
                // `audio.output.voice_type` (SessionUpdate.v1.json) is not modelled:
                // it stays in `extra`, which core writes back in place.
                let voice_type_only = session.extra.len() == 1
                    && session.extra["audio"]
                        == serde_json::json!({"output": {"voice_type": "openai"}});
                if !session.extra.is_empty() && !voice_type_only {
                    failures.push(format!(
                        "line {}: left in extra: {:?}",
                        row.line,
                        session.extra.keys().collect::<Vec<_>>()
                    ));
                }
            }
            _ => {}
        }
        // Every client frame re-encodes as the client wrote it.
        let again: Value = serde_json::from_str(&dialect.encode(&event)?)?;
        if !same(&again, &row.payload) {
            failures.push(format!(
                "line {}: re-encode differs\n  want {}\n  got  {again}",
                row.line, row.payload
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(session_updates, 16);
    Ok(())
}

/// The documented Azure session (`voicelive/examples.jsonl`, how-to row) decodes
/// with core's beta shape, and its Voice Live parts read back as this crate's types.
#[test]
fn documented_azure_session_reads_back_typed() -> TestResult {
    let frame = r#"{"type":"session.update","session":{"instructions":"x",
        "turn_detection":{"type":"azure_semantic_vad","silence_duration_ms":500},
        "input_audio_noise_reduction":{"type":"azure_deep_noise_suppression"},
        "input_audio_echo_cancellation":{"type":"server_echo_cancellation"},
        "output_audio_timestamp_types":["word"],
        "avatar":{"character":"lisa","customized":false},
        "voice":{"name":"en-US-Ava:DragonHDLatestNeural","type":"azure-standard","temperature":0.8}}}"#;
    let event = VoiceLiveDialect::new(ApiVersion::V2026_04_10).decode_client(frame)?;
    let ClientEvent::SessionUpdate { session, .. } = event else {
        return Err("expected a session.update".into());
    };
    let detection = session
        .turn_detection
        .as_option()
        .ok_or("no turn detection")?;
    assert_eq!(
        AzureSemanticVad::from_turn_detection(detection).transpose()?,
        Some(AzureSemanticVad::new().silence_duration_ms(500))
    );
    let voice = session.voice.as_ref().ok_or("no voice")?;
    assert_eq!(
        AzureVoice::from_voice(voice).transpose()?,
        Some(AzureVoice::standard("en-US-Ava:DragonHDLatestNeural").temperature(0.8))
    );
    assert_eq!(
        session.extensions.get::<EchoCancellation>(),
        Some(&EchoCancellation::server())
    );
    assert_eq!(
        session.extensions.get::<OutputTimestamps>(),
        Some(&OutputTimestamps::words())
    );
    assert_eq!(
        session.extensions.get::<Avatar>(),
        Some(&Avatar::new("lisa").customized(false))
    );
    Ok(())
}

#[test]
fn malformed_voice_live_event_is_an_error_and_others_stay_unknown() -> TestResult {
    let dialect = VoiceLiveDialect::default();
    let bad = dialect.decode(r#"{"type":"response.animation_viseme.delta","viseme_id":"x"}"#)?;
    assert!(matches!(
        VoiceLiveEvent::from_unknown(&bad[0]),
        Some(Err(_))
    ));
    let other = dialect.decode(r#"{"type":"something.new","x":1}"#)?;
    assert!(other[0].is_unknown());
    assert!(VoiceLiveEvent::from_unknown(&other[0]).is_none());
    let typed = dialect.decode(r#"{"type":"input_audio_buffer.cleared"}"#)?;
    assert!(VoiceLiveEvent::from_unknown(&typed[0]).is_none());
    Ok(())
}
