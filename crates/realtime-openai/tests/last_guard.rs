//! The last guards of the OpenAI GA dialect: beta-shape keys never reach the wire.
//!
//! The capability table sees only canonical fields; a beta key put in the passthrough
//! `extra` map, or in the raw JSON of a [`ClientEvent::Other`], passes it. What stops
//! those is the dialect's own final check. Beta-only keys: DIALECTS.md §2 (GA column:
//! `output_modalities`, `audio.*`, `max_output_tokens`, no `temperature`).
#![allow(clippy::unwrap_used)]

use realtime_core::dialect::{Dialect as _, UnsupportedPolicy};
use realtime_core::error::EncodeError;
use realtime_core::protocol::{ClientEvent, SessionConfig};
use realtime_openai::OpenAiDialect;
use serde_json::{Value, json};

/// The flat beta keys GA has no place for.
const BETA_ONLY: [&str; 9] = [
    "modalities",
    "voice",
    "input_audio_format",
    "output_audio_format",
    "input_audio_transcription",
    "input_audio_noise_reduction",
    "turn_detection",
    "temperature",
    "max_response_output_tokens",
];

fn raw(frame: &Value) -> ClientEvent {
    let raw = frame.as_object().unwrap().clone();
    let event_type = raw["type"].as_str().unwrap().to_owned();
    ClientEvent::Other { event_type, raw }
}

fn refused_field(result: Result<String, EncodeError>) -> Option<String> {
    match result {
        Err(EncodeError::Unsupported { field, dialect, .. }) => {
            assert_eq!(dialect, "openai-ga");
            Some(field.into_owned())
        }
        _ => None,
    }
}

#[test]
fn every_beta_key_in_extra_is_refused_by_name() {
    for key in BETA_ONLY {
        let mut config = SessionConfig::new().instructions("Hi");
        config.extra.insert(key.to_owned(), json!(true));
        let result = OpenAiDialect::new().encode(&ClientEvent::session_update(config));
        assert_eq!(
            refused_field(result).as_deref(),
            Some(format!("session.{key}").as_str())
        );
    }
}

#[test]
fn a_raw_session_update_is_written_verbatim_when_clean() {
    let frame =
        json!({"type": "session.update", "session": {"type": "realtime", "instructions": "Hi"}});
    let wire = OpenAiDialect::new().encode(&raw(&frame)).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&wire).unwrap(), frame);
}

#[test]
fn every_beta_key_in_a_raw_event_is_refused_whatever_the_policy() {
    for policy in [UnsupportedPolicy::Error, UnsupportedPolicy::Warn] {
        let dialect = OpenAiDialect::new().with_policy(policy);
        for key in BETA_ONLY {
            let session =
                json!({"type": "session.update", "session": {"type": "realtime", key: true}});
            assert_eq!(
                refused_field(dialect.encode(&raw(&session))).as_deref(),
                Some(format!("session.{key}").as_str()),
                "{policy:?}"
            );
            let response = json!({"type": "response.create", "response": {key: true}});
            assert_eq!(
                refused_field(dialect.encode(&raw(&response))).as_deref(),
                Some(format!("response.{key}").as_str()),
                "{policy:?}"
            );
        }
    }
}
