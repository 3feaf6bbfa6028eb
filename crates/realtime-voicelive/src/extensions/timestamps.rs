//! Word timestamps of output audio (`output_audio_timestamp_types`; v1
//! `audio.output.timestamp_types`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::wire_enum::wire_enum;

wire_enum! {
    /// A timestamp granularity.
    pub enum TimestampType {
        /// Per word (the only documented value; VL-25 `AudioTimestampType`).
        Word = "word",
    }
}

/// Asks for `response.audio_timestamp.delta` events alongside output audio.
///
/// ```
/// use realtime_voicelive::{OutputTimestamps, TimestampType};
///
/// assert_eq!(OutputTimestamps::words().types, vec![TimestampType::Word]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
#[non_exhaustive]
pub struct OutputTimestamps {
    /// The granularities asked for.
    pub types: Vec<TimestampType>,
}

realtime_core::impl_session_extension!(
    OutputTimestamps,
    provider = "Azure AI Voice Live",
    field = "session.output_audio_timestamp_types"
);

impl OutputTimestamps {
    /// Word timestamps.
    pub fn words() -> Self {
        Self {
            types: vec![TimestampType::Word],
        }
    }

    /// The wire value.
    pub fn to_value(&self) -> Value {
        Value::Array(
            self.types
                .iter()
                .map(|kind| Value::String(kind.as_str().to_owned()))
                .collect(),
        )
    }

    /// Reads the wire value (an array of strings).
    pub fn from_value(value: &Value) -> Option<Self> {
        serde_json::from_value(value.clone()).ok()
    }
}
