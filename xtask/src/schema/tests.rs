//! Validator and lookup tests against the real specs in `fixtures/`.

use std::path::PathBuf;

use serde_json::{Value, json};

use super::*;

fn fixtures() -> Vec<PathBuf> {
    vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")]
}

fn specs() -> SpecSet {
    let set = SpecSet::load(&fixtures(), &Dialect::all());
    assert_eq!(set.errors, vec![]);
    set
}

fn messages(violations: &[Violation]) -> Vec<String> {
    violations.iter().map(ToString::to_string).collect()
}

fn ga_session_update() -> Value {
    json!({
        "type": "session.update",
        "session": {
            "type": "realtime",
            "instructions": "Answer in two or three words.",
            "output_modalities": ["audio"],
            "audio": {
                "input": {
                    "format": {"type": "audio/pcm", "rate": 24000},
                    "turn_detection": {"type": "server_vad", "create_response": true, "interrupt_response": true},
                    "transcription": {"model": "gpt-realtime-whisper"}
                },
                "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin", "speed": 1.0}
            }
        }
    })
}

#[test]
fn ga_session_update_is_valid() {
    let specs = specs();
    assert_eq!(
        messages(&specs.check_schema(Dialect::OpenAiGa, &ga_session_update())),
        Vec::<String>::new()
    );
}

#[test]
fn ga_session_type_outside_its_enum_fails() {
    let specs = specs();
    let mut frame = ga_session_update();
    frame["session"]["type"] = json!("translation");
    let found = messages(&specs.check_schema(Dialect::OpenAiGa, &frame));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].starts_with("$.session: matches none of oneOf [RealtimeSessionCreateRequestGA, RealtimeTranscriptionSessionCreateRequestGA]"), "{found:#?}");
    assert!(
        found[0].contains("$.session.type: expected one of [\"realtime\"], got \"translation\""),
        "{found:#?}"
    );
}

#[test]
fn ga_missing_required_fails() {
    let specs = specs();
    let found =
        messages(&specs.check_schema(Dialect::OpenAiGa, &json!({"type": "session.update"})));
    assert_eq!(found, vec!["$.session: required property is missing"]);
    let truncate = json!({"type": "conversation.item.truncate", "item_id": "i", "content_index": 0, "audio_end_ms": "1500"});
    assert_eq!(
        messages(&specs.check_schema(Dialect::OpenAiGa, &truncate)),
        vec!["$.audio_end_ms: expected integer, got string \"1500\""]
    );
}

#[test]
fn unknown_client_event_type_is_reported() {
    let specs = specs();
    let found = messages(&specs.check_schema(
        Dialect::OpenAiGa,
        &json!({"type": "session.avatar.connect"}),
    ));
    assert_eq!(
        found,
        vec![
            "$.type: expected a client event defined by openapi-realtime-ga.yaml, got `session.avatar.connect`"
        ]
    );
}

#[test]
fn beta_and_azure_preview_find_their_event_schemas() {
    let specs = specs();
    let beta = json!({"type": "session.update", "session": {"modalities": ["text", "audio"], "voice": "alloy", "input_audio_format": "pcm16"}});
    assert_eq!(
        messages(&specs.check_schema(Dialect::OpenAiBeta, &beta)),
        Vec::<String>::new()
    );
    assert_eq!(
        messages(&specs.check_schema(Dialect::AzureOpenAiPreview, &beta)),
        Vec::<String>::new()
    );
    let wrong = json!({"type": "session.update", "session": {"input_audio_format": "mp3"}});
    let found = messages(&specs.check_schema(Dialect::OpenAiBeta, &wrong));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("$.session.input_audio_format: expected one of"),
        "{found:#?}"
    );
}

#[test]
fn voice_live_condensed_specs_check_session_fields() {
    let specs = specs();
    let ga_shaped = json!({"type": "session.update", "session": {"type": "realtime", "audio": {}}});
    let found = messages(&specs.check_schema(Dialect::VoiceLive20260410, &ga_shaped));
    assert_eq!(
        found,
        vec![
            "$.session.type: not a session field of voicelive-2026-04-10.condensed.json",
            "$.session.audio: not a session field of voicelive-2026-04-10.condensed.json",
        ]
    );
    let turn = json!({"type": "input_audio.turn.start"});
    assert_eq!(
        messages(&specs.check_schema(Dialect::VoiceLive20251001, &turn)),
        vec!["$.turn_id: required by VoiceLive-2025-10-01.condensed.json but missing"]
    );
}

#[test]
fn missing_spec_is_a_typed_error() {
    let set = SpecSet::load(&[PathBuf::from("/nonexistent")], &[Dialect::OpenAiBeta]);
    assert!(!set.available(Dialect::OpenAiBeta));
    assert_eq!(
        set.errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        vec!["spec file openapi-realtime-beta-2025-04-29.yaml not found under /nonexistent"]
    );
}
