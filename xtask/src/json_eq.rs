//! JSON equality modulo key order, with numbers compared by value, and a readable
//! path-by-path diff.

use std::fmt;

use serde_json::{Number, Value};

/// Longest rendering of a value inside a diff line.
const SHOWN_CHARS: usize = 120;

/// Whether two JSON values are equal, ignoring object key order and comparing
/// numbers by value (`1` equals `1.0`).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => numbers_eq(x, y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(key, v)| y.get(key).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

fn numbers_eq(x: &Number, y: &Number) -> bool {
    if let (Some(a), Some(b)) = (x.as_i64(), y.as_i64()) {
        return a == b;
    }
    if let (Some(a), Some(b)) = (x.as_u64(), y.as_u64()) {
        return a == b;
    }
    match (x.as_f64(), y.as_f64()) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// The JSON kind of a value, for error messages: `null`, `boolean`, `integer`,
/// `number`, `string`, `array` or `object`.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(number) if number.is_i64() || number.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A value rendered compactly for a diff line, cut at `SHOWN_CHARS` characters.
pub fn show(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= SHOWN_CHARS {
        return text;
    }
    let cut: String = text.chars().take(SHOWN_CHARS).collect();
    format!("{cut}…")
}

/// One place where two JSON values differ.
#[derive(Debug, Clone, PartialEq)]
pub enum Difference {
    /// Both sides have a value here, and they differ.
    Changed {
        /// JSONPath-like location, e.g. `$.session.audio.output.speed`.
        path: String,
        /// The value on the expected side.
        expected: Value,
        /// The value on the other side.
        got: Value,
    },
    /// The expected side has a value the other side lacks.
    Missing {
        /// Location.
        path: String,
        /// The expected value.
        expected: Value,
    },
    /// The other side has a value the expected side lacks.
    Extra {
        /// Location.
        path: String,
        /// The unexpected value.
        got: Value,
    },
}

/// Differences between `expected` and `got`, in document order.
pub fn diff(expected: &Value, got: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    diff_at("$", expected, got, &mut out);
    out
}

fn diff_at(path: &str, expected: &Value, got: &Value, out: &mut Vec<Difference>) {
    match (expected, got) {
        (Value::Object(want), Value::Object(have)) => {
            for (key, value) in want {
                let child = child_path(path, key);
                match have.get(key) {
                    Some(other) => diff_at(&child, value, other, out),
                    None => out.push(Difference::Missing {
                        path: child,
                        expected: value.clone(),
                    }),
                }
            }
            for (key, value) in have {
                if !want.contains_key(key) {
                    out.push(Difference::Extra {
                        path: child_path(path, key),
                        got: value.clone(),
                    });
                }
            }
        }
        (Value::Array(want), Value::Array(have)) => {
            for (index, value) in want.iter().enumerate() {
                let child = format!("{path}[{index}]");
                match have.get(index) {
                    Some(other) => diff_at(&child, value, other, out),
                    None => out.push(Difference::Missing {
                        path: child,
                        expected: value.clone(),
                    }),
                }
            }
            for (index, value) in have.iter().enumerate().skip(want.len()) {
                out.push(Difference::Extra {
                    path: format!("{path}[{index}]"),
                    got: value.clone(),
                });
            }
        }
        _ if json_eq(expected, got) => {}
        _ => out.push(Difference::Changed {
            path: path.to_owned(),
            expected: expected.clone(),
            got: got.clone(),
        }),
    }
}

fn child_path(parent: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        format!("{parent}.{key}")
    } else {
        format!("{parent}[{}]", Value::String(key.to_owned()))
    }
}

/// Renders differences one per line, naming the non-expected side `other`
/// (e.g. `re-encoded`): `$.a: expected 1, got 1.5`, `$.b: missing in re-encoded`.
pub fn render(differences: &[Difference], other: &str) -> String {
    let lines: Vec<String> = differences
        .iter()
        .map(|difference| Line { difference, other }.to_string())
        .collect();
    lines.join("\n")
}

struct Line<'a> {
    difference: &'a Difference,
    other: &'a str,
}

impl fmt::Display for Line<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.difference {
            Difference::Changed {
                path,
                expected,
                got,
            } => {
                write!(f, "{path}: expected {}, got {}", show(expected), show(got))
            }
            Difference::Missing { path, expected } => {
                write!(
                    f,
                    "{path}: missing in {} (expected {})",
                    self.other,
                    show(expected)
                )
            }
            Difference::Extra { path, got } => {
                write!(f, "{path}: extra in {} (got {})", self.other, show(got))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn numbers_compare_by_value_and_keys_by_name() {
        let int: Value = serde_json::from_str(r#"{"a":1,"b":[2,3.5]}"#).unwrap_or_default();
        let float: Value = serde_json::from_str(r#"{"b":[2.0,3.5],"a":1.0}"#).unwrap_or_default();
        assert!(json_eq(&int, &float));
        assert!(!json_eq(&json!({"a": 1}), &json!({"a": 1.5})));
        assert!(!json_eq(&json!({"a": 1}), &json!({"a": 1, "b": null})));
        assert!(!json_eq(&json!([1, 2]), &json!([2, 1])));
        assert!(!json_eq(&json!(-1), &json!(18446744073709551615_u64)));
        assert!(!json_eq(&json!("1"), &json!(1)));
    }

    #[test]
    fn diff_lists_changed_missing_and_extra_paths() {
        let want = json!({
            "session": {"audio": {"output": {"speed": 1}}},
            "item": {"foo": "x", "content": [1, 2]},
            "odd key": true
        });
        let got = json!({
            "session": {"audio": {"output": {"speed": 1.5}}},
            "item": {"content": [1, 2, 3], "bar": null},
            "odd key": true
        });
        let text = render(&diff(&want, &got), "re-encoded");
        assert_eq!(
            text,
            "$.session.audio.output.speed: expected 1, got 1.5\n\
             $.item.foo: missing in re-encoded (expected \"x\")\n\
             $.item.content[2]: extra in re-encoded (got 3)\n\
             $.item.bar: extra in re-encoded (got null)"
        );
        assert!(diff(&json!({"speed": 1}), &json!({"speed": 1.0})).is_empty());
    }

    #[test]
    fn long_values_are_cut() {
        let long = Value::String("A".repeat(500));
        assert!(show(&long).ends_with('…'));
        assert!(show(&long).chars().count() <= SHOWN_CHARS + 1);
        assert_eq!(
            render(&diff(&json!({"a b": 1}), &json!({"a b": 2})), "x"),
            "$[\"a b\"]: expected 1, got 2"
        );
    }
}
