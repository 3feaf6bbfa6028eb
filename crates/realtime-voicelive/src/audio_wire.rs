//! Audio formats on the Voice Live wire, which core's shapes cannot write alone:
//! core's beta shape knows only 24 kHz `pcm16`, and GA's format object has no place
//! for Voice Live's sampling-rate extension.
//!
//! - Dated (VL-25 `RequestSession`, VL-26 `RealtimeRequestSession`): input is
//!   `input_audio_format` (`pcm16`, `g711_ulaw`, `g711_alaw`) plus
//!   `input_audio_sampling_rate` for pcm16 (8000, 16000, 24000); output is
//!   `output_audio_format`: `pcm16` (24 kHz), `pcm16_8000hz`, `pcm16_16000hz`,
//!   `g711_ulaw`, `g711_alaw`. The sampling rate is written for every pcm16 input,
//!   as the recorded live frames do (REC-VL).
//! - `v1` (VL-V1 `AudioConfig`): the GA format object; a pcm16 input rate other than
//!   24 kHz goes in the Azure extension `audio.input.sampling_rate`, with a format
//!   object `{"type":"audio/pcm"}` that names no rate (GA's `rate` only admits
//!   24000). This v1 mapping is inferred from the partial spec, not verified.

use realtime_core::protocol::AudioFormat;
use serde_json::{Map, Value, json};

/// The dated `input_audio_format` value and `input_audio_sampling_rate` (pcm16 only).
pub(crate) fn dated_input(format: AudioFormat) -> (Value, Option<u32>) {
    match format {
        AudioFormat::Pcm16 { rate } => (Value::from("pcm16"), Some(rate)),
        AudioFormat::G711Ulaw => (Value::from("g711_ulaw"), None),
        AudioFormat::G711Alaw => (Value::from("g711_alaw"), None),
        // `AudioFormat` is non-exhaustive; a format added later has no Voice Live name.
        _ => (Value::Null, None),
    }
}

/// The dated `output_audio_format` value.
pub(crate) fn dated_output(format: AudioFormat) -> Value {
    match format {
        AudioFormat::Pcm16 { rate: 24_000 } => Value::from("pcm16"),
        AudioFormat::Pcm16 { rate } => Value::String(format!("pcm16_{rate}hz")),
        AudioFormat::G711Ulaw => Value::from("g711_ulaw"),
        AudioFormat::G711Alaw => Value::from("g711_alaw"),
        _ => Value::Null,
    }
}

/// Reads a dated `output_audio_format` name core does not know (`pcm16_8000hz`...).
pub(crate) fn dated_output_from_wire(name: &str) -> Option<AudioFormat> {
    let rate = name.strip_prefix("pcm16_")?.strip_suffix("hz")?;
    let rate: u32 = rate.parse().ok()?;
    Some(AudioFormat::Pcm16 { rate })
}

/// The v1 `audio.input.format` object and `audio.input.sampling_rate`.
pub(crate) fn v1_input(format: AudioFormat) -> (Value, Option<u32>) {
    match format {
        AudioFormat::Pcm16 { rate: 24_000 } => (v1_format(format), None),
        AudioFormat::Pcm16 { rate } => (json!({"type": "audio/pcm"}), Some(rate)),
        other => (v1_format(other), None),
    }
}

/// The GA format object.
pub(crate) fn v1_format(format: AudioFormat) -> Value {
    match format {
        AudioFormat::Pcm16 { rate } => json!({"type": "audio/pcm", "rate": rate}),
        AudioFormat::G711Ulaw => json!({"type": "audio/pcmu"}),
        AudioFormat::G711Alaw => json!({"type": "audio/pcma"}),
        _ => Value::Null,
    }
}

/// Whether `value` is the rate-less v1 pcm format object this crate writes.
pub(crate) fn is_rateless_pcm(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|object: &Map<String, Value>| {
            object.len() == 1 && object.get("type").and_then(Value::as_str) == Some("audio/pcm")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dated_names() {
        assert_eq!(
            dated_output(AudioFormat::Pcm16 { rate: 8_000 }),
            "pcm16_8000hz"
        );
        assert_eq!(dated_output(AudioFormat::PCM16_24K), "pcm16");
        assert_eq!(
            dated_output_from_wire("pcm16_16000hz"),
            Some(AudioFormat::Pcm16 { rate: 16_000 })
        );
        assert_eq!(dated_output_from_wire("pcm16"), None);
        assert_eq!(
            dated_input(AudioFormat::Pcm16 { rate: 16_000 }),
            (Value::from("pcm16"), Some(16_000))
        );
        assert_eq!(
            dated_input(AudioFormat::G711Alaw),
            (Value::from("g711_alaw"), None)
        );
    }
}
