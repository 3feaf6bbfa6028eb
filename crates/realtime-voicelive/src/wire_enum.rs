//! Helpers for Voice Live's wire types. String enums use
//! [`realtime_core::wire_enum!`].

pub(crate) use realtime_core::wire_enum;

/// Serialises a value this crate built into a JSON object.
///
/// The types passed here are derived `Serialize` structs with string keys, so
/// `serde_json::to_value` cannot fail and always yields an object; should that
/// invariant ever break, the result is an empty object rather than a panic.
pub(crate) fn to_object<T: serde::Serialize>(
    value: &T,
) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}
