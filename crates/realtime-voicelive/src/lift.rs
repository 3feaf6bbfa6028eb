//! Reading Voice Live fields that core's decoders keep in `extra` back into typed
//! values, so a decoded `session.update` re-encodes to the same frame.

use realtime_core::protocol::{AudioFormat, SessionConfig};
use serde_json::{Map, Value};

use crate::audio_wire;
use crate::extensions::{Animation, Avatar, EchoCancellation, OutputTimestamps};

/// Lifts the Voice Live fields of a decoded session (`flat`: the dated shape).
pub(crate) fn lift_session(flat: bool, session: &mut SessionConfig) {
    if flat {
        lift_dated(session);
    } else {
        lift_v1(session);
    }
}

fn take_if<T>(
    map: &mut Map<String, Value>,
    key: &str,
    read: impl Fn(&Value) -> Option<T>,
) -> Option<T> {
    let value = read(map.get(key)?)?;
    map.remove(key);
    Some(value)
}

fn rate_of(value: &Value) -> Option<u32> {
    value.as_u64().and_then(|rate| u32::try_from(rate).ok())
}

fn lift_dated(session: &mut SessionConfig) {
    let extra = &mut session.extra;
    if matches!(session.input_audio_format, Some(AudioFormat::Pcm16 { .. }))
        && let Some(rate) = take_if(extra, "input_audio_sampling_rate", rate_of)
    {
        session.input_audio_format = Some(AudioFormat::Pcm16 { rate });
    }
    if session.output_audio_format.is_none() {
        session.output_audio_format = take_if(extra, "output_audio_format", |value| {
            value.as_str().and_then(audio_wire::dated_output_from_wire)
        });
    }
    lift_extensions(session, true);
}

fn lift_v1(session: &mut SessionConfig) {
    let Some(Value::Object(mut audio)) = session.extra.remove("audio") else {
        lift_extensions(session, false);
        return;
    };
    if let Some(Value::Object(input)) = audio.get_mut("input") {
        let rateless = input.get("format").is_some_and(audio_wire::is_rateless_pcm);
        if session.input_audio_format.is_none()
            && rateless
            && let Some(rate) = take_if(input, "sampling_rate", rate_of)
        {
            input.remove("format");
            session.input_audio_format = Some(AudioFormat::Pcm16 { rate });
        }
        if let Some(echo) = take_if(input, "echo_cancellation", EchoCancellation::from_value) {
            session.extensions.insert(echo);
        }
    }
    if let Some(Value::Object(output)) = audio.get_mut("output")
        && let Some(timestamps) = take_if(output, "timestamp_types", OutputTimestamps::from_value)
    {
        session.extensions.insert(timestamps);
    }
    audio.retain(|_, value| value.as_object().is_none_or(|object| !object.is_empty()));
    if !audio.is_empty() {
        session
            .extra
            .insert("audio".to_owned(), Value::Object(audio));
    }
    lift_extensions(session, false);
}

/// Lifts the extensions kept at the top of the session (`v1`: only `avatar`).
fn lift_extensions(session: &mut SessionConfig, dated: bool) {
    let extra = &mut session.extra;
    if dated {
        if let Some(echo) = take_if(
            extra,
            "input_audio_echo_cancellation",
            EchoCancellation::from_value,
        ) {
            session.extensions.insert(echo);
        }
        if let Some(timestamps) = take_if(
            extra,
            "output_audio_timestamp_types",
            OutputTimestamps::from_value,
        ) {
            session.extensions.insert(timestamps);
        }
        if let Some(animation) = take_if(extra, "animation", Animation::from_value) {
            session.extensions.insert(animation);
        }
    }
    if let Some(avatar) = take_if(extra, "avatar", Avatar::from_value) {
        session.extensions.insert(avatar);
    }
}
