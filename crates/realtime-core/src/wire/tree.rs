//! Small helpers for building and taking apart JSON objects.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::WireShape;
use crate::error::EncodeError;
use crate::protocol::{Item, Nullable};

/// A field the shape has no place for.
pub(super) fn unsupported(
    shape: WireShape,
    field: &'static str,
    reason: &'static str,
) -> EncodeError {
    EncodeError::Unsupported {
        dialect: shape.label().into(),
        field: field.into(),
        reason: reason.into(),
    }
}

/// Maps a serde_json failure while writing `event_type` in `shape`.
pub(super) fn json_error(
    shape: WireShape,
    event_type: &'static str,
) -> impl Fn(serde_json::Error) -> EncodeError {
    move |error| EncodeError::Json {
        dialect: shape.label().into(),
        event_type: event_type.into(),
        message: error.to_string(),
    }
}

/// Inserts `value` under `key` when set.
pub(super) fn put<T: Serialize>(
    map: &mut Map<String, Value>,
    key: &str,
    value: Option<&T>,
) -> Result<(), serde_json::Error> {
    if let Some(value) = value {
        map.insert(key.to_owned(), serde_json::to_value(value)?);
    }
    Ok(())
}

/// Inserts a [`Nullable`] under `key` unless absent.
pub(super) fn put_nullable<T: Serialize>(
    map: &mut Map<String, Value>,
    key: &str,
    value: &Nullable<T>,
) -> Result<(), serde_json::Error> {
    match value {
        Nullable::Absent => {}
        Nullable::Null => {
            map.insert(key.to_owned(), Value::Null);
        }
        Nullable::Value(value) => {
            map.insert(key.to_owned(), serde_json::to_value(value)?);
        }
    }
    Ok(())
}

/// Inserts `items` under `key` with assistant parts spelled for the shape
/// (`to_beta`: `text`/`audio`; otherwise `output_text`/`output_audio`).
pub(super) fn put_items(
    map: &mut Map<String, Value>,
    key: &str,
    items: Option<&Vec<Item>>,
    to_beta: bool,
) -> Result<(), serde_json::Error> {
    if let Some(items) = items {
        let respelled: Vec<Item> = items
            .iter()
            .cloned()
            .map(|mut item| {
                item.respell_parts(to_beta);
                item
            })
            .collect();
        map.insert(key.to_owned(), serde_json::to_value(respelled)?);
    }
    Ok(())
}

/// Takes `key` out of `map` as a `T`.
pub(super) fn take<T: DeserializeOwned>(
    map: &mut Map<String, Value>,
    key: &str,
) -> Result<Option<T>, String> {
    match map.remove(key) {
        None => Ok(None),
        Some(value) => serde_json::from_value(value)
            .map(Some)
            .map_err(|error| format!("field `{key}`: {error}")),
    }
}

/// Takes `key` out of `map` unless it is absent or `null` (an explicit `null` stays
/// in `map`, so that it is written back as it came).
pub(super) fn take_present<T: DeserializeOwned>(
    map: &mut Map<String, Value>,
    key: &str,
) -> Result<Option<T>, String> {
    if map.get(key).is_none_or(Value::is_null) {
        return Ok(None);
    }
    take(map, key)
}

/// Takes `key` out of `map` as a [`Nullable`].
pub(super) fn take_nullable<T: DeserializeOwned>(
    map: &mut Map<String, Value>,
    key: &str,
) -> Result<Nullable<T>, String> {
    match map.remove(key) {
        None => Ok(Nullable::Absent),
        Some(Value::Null) => Ok(Nullable::Null),
        Some(value) => serde_json::from_value(value)
            .map(Nullable::Value)
            .map_err(|error| format!("field `{key}`: {error}")),
    }
}

/// Takes `key` out of `map` as an object (absent or not an object: `None`, and a
/// non-object value is put back so nothing is lost).
pub(super) fn take_object(map: &mut Map<String, Value>, key: &str) -> Option<Map<String, Value>> {
    match map.remove(key) {
        Some(Value::Object(object)) => Some(object),
        Some(other) => {
            map.insert(key.to_owned(), other);
            None
        }
        None => None,
    }
}

/// Merges `extra` into `map` recursively; keys `map` already has win (an extra field
/// never overrides a modelled one).
pub(super) fn merge_under(map: &mut Map<String, Value>, extra: &Map<String, Value>) {
    for (key, value) in extra {
        match (map.get_mut(key), value) {
            (Some(Value::Object(mine)), Value::Object(theirs)) => merge_under(mine, theirs),
            (Some(_), _) => {}
            (None, value) => {
                map.insert(key.clone(), value.clone());
            }
        }
    }
}
