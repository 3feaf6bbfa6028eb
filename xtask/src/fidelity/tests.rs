//! The comparison finds what it claims to, and the allowlist demands reasons.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use serde_json::json;

use super::Allowlist;
use super::compare::{Kind, compare};

fn response(types: &[&str]) -> Vec<serde_json::Value> {
    types
        .iter()
        .map(|kind| json!({"type": kind, "response_id": "resp_1"}))
        .collect()
}

#[test]
fn the_same_frames_do_not_diverge() {
    let frames = response(&[
        "response.created",
        "response.output_item.added",
        "response.done",
    ]);
    assert!(compare(&frames, &frames).is_empty());
}

#[test]
fn a_response_in_another_order_diverges() {
    let recorded = response(&[
        "response.created",
        "response.audio_transcript.delta",
        "response.audio.delta",
        "response.done",
    ]);
    let emulated = response(&[
        "response.created",
        "response.audio.delta",
        "response.audio_transcript.delta",
        "response.done",
    ]);
    let divergences = compare(&recorded, &emulated);
    assert!(
        divergences
            .iter()
            .any(|d| d.kind == Kind::Order && d.key.starts_with("order: ")),
        "{divergences:?}"
    );
}

#[test]
fn repeated_deltas_in_other_counts_do_not_diverge() {
    let recorded = response(&[
        "response.created",
        "response.text.delta",
        "response.text.delta",
        "response.text.delta",
        "response.done",
    ]);
    let emulated = response(&["response.created", "response.text.delta", "response.done"]);
    assert!(compare(&recorded, &emulated).is_empty());
}

#[test]
fn a_missing_field_and_a_differing_value_diverge_but_ids_do_not() {
    let recorded = vec![
        json!({"type": "response.done", "event_id": "a", "response": {"id": "r1", "status": "completed", "conversation_id": "c1"}}),
    ];
    let emulated = vec![
        json!({"type": "response.done", "event_id": "b", "response": {"id": "r2", "status": "cancelled"}}),
    ];
    let keys: Vec<String> = compare(&recorded, &emulated)
        .into_iter()
        .map(|d| d.key)
        .collect();
    assert!(
        keys.contains(&"path missing: response.done response.conversation_id".to_owned()),
        "{keys:?}"
    );
    assert!(
        keys.iter()
            .any(|key| key.starts_with("value: response.done response.status")),
        "{keys:?}"
    );
    assert!(
        !keys
            .iter()
            .any(|key| key.contains("event_id") || key.contains("response.id")),
        "{keys:?}"
    );
}

#[test]
fn a_missing_event_type_diverges() {
    let recorded = vec![
        json!({"type": "session.created"}),
        json!({"type": "conversation.item.done"}),
    ];
    let emulated = vec![json!({"type": "session.created"})];
    let keys: Vec<String> = compare(&recorded, &emulated)
        .into_iter()
        .map(|d| d.key)
        .collect();
    assert_eq!(keys, ["type missing: conversation.item.done"]);
}

#[test]
fn allowlist_entries_need_a_reason() {
    let path = Path::new("allowlist.txt");
    let list = Allowlist::parse(
        path,
        "# comment\nopenai-ga | type missing: x | the recorder stopped early\n",
    )
    .unwrap();
    assert_eq!(list.find("openai-ga", "type missing: x"), Some(0));
    assert_eq!(list.find("voicelive-2026-04-10", "type missing: x"), None);
    assert!(Allowlist::parse(path, "openai-ga | type missing: x |\n").is_err());
    assert!(Allowlist::parse(path, "openai-ga | type missing: x\n").is_err());
}

#[test]
fn the_repository_allowlist_reads() {
    let list = Allowlist::load(&super::default_allowlist()).unwrap();
    assert!(list.entries().iter().all(|entry| entry.reason.len() > 20));
}
