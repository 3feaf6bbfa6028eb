//! Serde helpers for wire objects tagged by `type` with an `Other(Map)` fallback
//! (items, tools, turn detection): known kinds are typed structs without the tag,
//! unknown kinds are kept whole.

use serde::de::DeserializeOwned;
use serde::ser::Error as _;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

/// Writes `body` as an object with `"type": kind` added.
pub(crate) fn serialize_tagged<S: Serializer, T: Serialize>(
    serializer: S,
    kind: &str,
    body: &T,
) -> Result<S::Ok, S::Error> {
    let mut map = match serde_json::to_value(body).map_err(S::Error::custom)? {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    map.insert("type".to_owned(), Value::String(kind.to_owned()));
    map.serialize(serializer)
}

/// The object's `type`, if it is a string.
pub(crate) fn tag(map: &Map<String, Value>) -> Option<&str> {
    map.get("type").and_then(Value::as_str)
}

/// Reads a known kind's body: the object without its tag.
pub(crate) fn untagged<T: DeserializeOwned, E: serde::de::Error>(
    mut map: Map<String, Value>,
) -> Result<T, E> {
    map.remove("type");
    serde_json::from_value(Value::Object(map)).map_err(E::custom)
}
