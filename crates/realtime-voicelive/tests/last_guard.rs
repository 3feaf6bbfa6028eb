//! The last guard of the Voice Live dialect for raw events.
//!
//! A [`ClientEvent::Other`] is written verbatim, past every table and extension
//! check, so the only thing between its JSON and the wire is the per-version list of
//! Voice Live's own client events (VL-25 `ClientEventType`; `v1`: only
//! `session.avatar.connect` is documented in the partial VL-V1 spec). A raw
//! `session.update` would carry settings no check has read (here a GA `session.type`
//! on a dated version, which has no `type`, DIALECTS.md §2): it is refused on every
//! version, whatever the policy.
#![allow(clippy::unwrap_used)]

use realtime_core::dialect::{Dialect as _, UnsupportedPolicy};
use realtime_core::error::EncodeError;
use realtime_core::protocol::ClientEvent;
use realtime_voicelive::{ApiVersion, VoiceLiveDialect};
use serde_json::{Value, json};

fn raw(frame: &Value) -> ClientEvent {
    let raw = frame.as_object().unwrap().clone();
    let event_type = raw["type"].as_str().unwrap().to_owned();
    ClientEvent::Other { event_type, raw }
}

#[test]
fn raw_events_of_canonical_types_are_refused_on_every_version() {
    let frames = [
        json!({"type": "session.update", "session": {"type": "realtime", "temperature": 0.8}}),
        json!({"type": "response.create", "response": {"output_modalities": ["audio"]}}),
        json!({"type": "transcription_session.update", "session": {}}),
    ];
    for version in ApiVersion::ALL {
        for policy in [UnsupportedPolicy::Error, UnsupportedPolicy::Warn] {
            let dialect = VoiceLiveDialect::new(version).with_policy(policy);
            for frame in &frames {
                let event = raw(frame);
                let result = dialect.encode(&event);
                assert!(
                    matches!(&result, Err(EncodeError::Unsupported { field, .. }) if field == event.event_type()),
                    "{version} {policy:?}: {frame} reached the wire: {result:?}"
                );
            }
        }
    }
}

#[test]
fn voice_live_raw_events_pass_where_documented() {
    let connect = json!({"type": "session.avatar.connect", "client_sdp": "v=0"});
    let turn = json!({"type": "input_audio.turn.start", "turn_id": "t1"});
    for version in ApiVersion::ALL {
        let dialect = VoiceLiveDialect::new(version);
        let wire: Value = serde_json::from_str(&dialect.encode(&raw(&connect)).unwrap()).unwrap();
        assert_eq!(wire, connect, "{version}");
        assert_eq!(
            dialect.encode(&raw(&turn)).is_ok(),
            version != ApiVersion::V1,
            "{version}: turn events are dated-only"
        );
    }
}
