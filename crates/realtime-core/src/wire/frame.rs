//! Reading the envelope of a frame: is it a JSON object, and what is its `type`.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::{DecodeError, DecodeErrorKind};
use crate::protocol::json_kind;

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
}

/// Reads the frame's `type` without building the frame.
pub(super) fn peek_type(frame: &str, dialect: &'static str) -> Result<String, DecodeError> {
    match serde_json::from_str::<Envelope<'_>>(frame) {
        Ok(Envelope { kind: Some(kind) }) => Ok(kind.into_owned()),
        Ok(Envelope { kind: None }) => Err(DecodeError::new(
            dialect,
            None,
            DecodeErrorKind::MissingType { found: "nothing" },
        )),
        Err(_) => Err(classify(frame, dialect)),
    }
}

/// Parses the whole frame as an object (for unknown events).
pub(super) fn parse_object(
    frame: &str,
    dialect: &'static str,
    event_type: &str,
) -> Result<Map<String, Value>, DecodeError> {
    serde_json::from_str(frame).map_err(|error| {
        DecodeError::new(
            dialect,
            Some(event_type.to_owned()),
            DecodeErrorKind::MalformedJson {
                message: error.to_string(),
            },
        )
    })
}

/// Says why a frame has no readable string `type`.
fn classify(frame: &str, dialect: &'static str) -> DecodeError {
    let kind = match serde_json::from_str::<Value>(frame) {
        Err(error) => DecodeErrorKind::MalformedJson {
            message: error.to_string(),
        },
        Ok(Value::Object(map)) => DecodeErrorKind::MissingType {
            found: map.get("type").map_or("nothing", json_kind),
        },
        Ok(other) => DecodeErrorKind::NotAnObject {
            found: json_kind(&other),
        },
    };
    DecodeError::new(dialect, None, kind)
}

#[cfg(test)]
mod tests {
    use super::peek_type;
    use crate::error::DecodeErrorKind;

    #[test]
    fn envelope_errors_are_typed() {
        let kind = |frame: &str| peek_type(frame, "test").map_err(|error| error.kind);
        assert_eq!(
            kind(r#"{"type":"a.b","x":[1,{"type":2}]}"#),
            Ok("a.b".to_owned())
        );
        assert_eq!(kind(r#"{"type":"esc\"aped"}"#), Ok("esc\"aped".to_owned()));
        assert!(matches!(
            kind("{not json"),
            Err(DecodeErrorKind::MalformedJson { .. })
        ));
        assert_eq!(
            kind("[1,2]"),
            Err(DecodeErrorKind::NotAnObject { found: "array" })
        );
        assert_eq!(
            kind("\"text\""),
            Err(DecodeErrorKind::NotAnObject { found: "string" })
        );
        assert_eq!(
            kind("{}"),
            Err(DecodeErrorKind::MissingType { found: "nothing" })
        );
        assert_eq!(
            kind(r#"{"type":5}"#),
            Err(DecodeErrorKind::MissingType { found: "number" })
        );
        assert!(matches!(
            kind(""),
            Err(DecodeErrorKind::MalformedJson { .. })
        ));
    }
}
