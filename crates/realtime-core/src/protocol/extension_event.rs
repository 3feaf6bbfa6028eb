//! Typing a provider-only server event kept as [`ServerEvent::Unknown`], and writing
//! it back: the one home of the helpers every provider crate's extension events use
//! (Voice Live's `VoiceLiveEvent`, GPT-Live's `LiveEvent`).
//!
//! ```
//! use realtime_core::protocol::{decode_extension, extension_object};
//! use serde::{Deserialize, Serialize};
//! use serde_json::{Map, Value, json};
//!
//! #[derive(Debug, PartialEq, Serialize, Deserialize)]
//! struct Warning {
//!     message: String,
//! }
//!
//! let Value::Object(raw) = json!({"type": "warning", "message": "slow"}) else {
//!     unreachable!()
//! };
//! let warning: Warning = decode_extension("voicelive", "warning", &raw).unwrap();
//! assert_eq!(extension_object("warning", &warning), raw);
//! ```
//!
//! [`ServerEvent::Unknown`]: crate::protocol::ServerEvent::Unknown

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{DecodeError, DecodeErrorKind};

/// Types the fields of `raw` (its `type` left out) as `T`.
///
/// # Errors
/// [`DecodeErrorKind::InvalidField`] naming `dialect` and `event_type` when the fields
/// do not have the documented types.
pub fn decode_extension<T: DeserializeOwned>(
    dialect: &'static str,
    event_type: &str,
    raw: &Map<String, Value>,
) -> Result<T, DecodeError> {
    let mut body = raw.clone();
    body.remove("type");
    serde_json::from_value(Value::Object(body)).map_err(|error| {
        DecodeError::new(
            dialect,
            Some(event_type.to_owned()),
            DecodeErrorKind::InvalidField {
                message: error.to_string(),
            },
        )
    })
}

/// `payload` as its wire object, with `"type": event_type` first. A payload that does
/// not serialise to an object (never the case for derived structs) gives only the
/// tag.
pub fn extension_object<T: Serialize>(event_type: &str, payload: &T) -> Map<String, Value> {
    let mut raw = Map::new();
    raw.insert("type".to_owned(), Value::String(event_type.to_owned()));
    if let Ok(Value::Object(fields)) = serde_json::to_value(payload) {
        raw.extend(fields);
    }
    raw
}
