//! The last guard of both Azure OpenAI dialects: no key of the endpoint's reject list
//! reaches the wire, whatever path put it there.
//!
//! The capability table, the typed-extension check and the `extra` filter all run on
//! canonical settings. A provider-specific [`ClientEvent::Other`] carries its `session`
//! or `response` as raw JSON, which none of those layers reads: only the final check
//! on the written frame stands between it and the wire. These tests force a rejected
//! key down that path, under both policies (the last guard is not a policy decision).
#![allow(clippy::unwrap_used)]

use realtime_azure_openai::{ApiVersion, AzureOpenAiDialect, GA_V1_NAME, PREVIEW_NAME};
use realtime_core::dialect::{Dialect as _, UnsupportedPolicy};
use realtime_core::error::EncodeError;
use realtime_core::protocol::ClientEvent;
use serde_json::{Value, json};

fn raw(frame: &Value) -> ClientEvent {
    let raw = frame.as_object().unwrap().clone();
    let event_type = raw["type"].as_str().unwrap().to_owned();
    ClientEvent::Other { event_type, raw }
}

/// The dialects, each under both policies.
fn dialects() -> Vec<AzureOpenAiDialect> {
    let mut all: Vec<AzureOpenAiDialect> = ApiVersion::ALL
        .into_iter()
        .map(AzureOpenAiDialect::preview)
        .collect();
    all.push(AzureOpenAiDialect::ga_v1());
    [UnsupportedPolicy::Error, UnsupportedPolicy::Warn]
        .into_iter()
        .flat_map(|policy| all.iter().map(move |d| d.clone().with_policy(policy)))
        .collect()
}

fn assert_refused(dialect: &AzureOpenAiDialect, event: &ClientEvent, wanted: &str) {
    let result = dialect.encode(event);
    match &result {
        Err(EncodeError::Unsupported {
            dialect: name,
            field,
            reason,
        }) => {
            assert_eq!(field, wanted, "{:?}", dialect.api_version());
            assert_eq!(name, dialect.name());
            assert!(reason.contains("unknown_parameter"), "{reason}");
        }
        other => panic!(
            "{:?} {:?}: `{wanted}` reached the wire: {other:?}",
            dialect.api_version(),
            dialect.policy()
        ),
    }
}

/// A raw event the endpoint accepts goes out verbatim: the path is open, so only the
/// last guard can stop what follows.
#[test]
fn a_raw_session_update_without_rejected_keys_is_written_verbatim() {
    let frame = json!({"type": "session.update", "session": {"instructions": "Hi"}});
    for dialect in dialects() {
        let wire: Value = serde_json::from_str(&dialect.encode(&raw(&frame)).unwrap()).unwrap();
        assert_eq!(wire, frame);
    }
}

#[test]
fn every_rejected_key_in_a_raw_session_update_is_refused() {
    for dialect in dialects() {
        for key in dialect.rejected_keys() {
            let frame =
                json!({"type": "session.update", "session": {"instructions": "Hi", *key: true}});
            assert_refused(&dialect, &raw(&frame), &format!("session.{key}"));
        }
    }
}

#[test]
fn every_rejected_key_in_a_raw_response_create_is_refused() {
    for dialect in dialects() {
        for key in dialect.rejected_keys() {
            let frame = json!({"type": "response.create", "response": {*key: true}});
            assert_refused(&dialect, &raw(&frame), &format!("response.{key}"));
        }
    }
}

/// The two keys the preview is known to answer with `unknown_parameter`
/// (pipecat-ai/pipecat#1324: `session.type`; pipecat#4106: `output_modalities`), and
/// GA's missing `temperature`, named explicitly so that a shrunken reject list fails.
#[test]
fn the_recorded_rejections_are_on_the_lists() {
    let preview = AzureOpenAiDialect::preview(ApiVersion::LATEST);
    assert_eq!(preview.name(), PREVIEW_NAME);
    for key in ["type", "output_modalities"] {
        let frame = json!({"type": "session.update", "session": {key: "x"}});
        assert_refused(&preview, &raw(&frame), &format!("session.{key}"));
    }
    let ga = AzureOpenAiDialect::ga_v1();
    assert_eq!(ga.name(), GA_V1_NAME);
    let frame =
        json!({"type": "session.update", "session": {"type": "realtime", "temperature": 0.8}});
    assert_refused(&ga, &raw(&frame), "session.temperature");
}
