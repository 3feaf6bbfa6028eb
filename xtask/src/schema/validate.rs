//! A small JSON Schema validator for the OpenAPI 3.0/3.1 subset the realtime specs use.
//!
//! Supported: `type` (a name or a list, `integer` accepting whole numbers),
//! `nullable`, `enum`, `const`, `properties`, `required`, `additionalProperties`,
//! `items`, `minItems`/`maxItems`, `minLength`/`maxLength`, `minimum`/`maximum`
//! (and both forms of `exclusiveMinimum`/`exclusiveMaximum`), `anyOf`, `oneOf`,
//! `allOf`, boolean schemas and `$ref` to `#/components/schemas/NAME`.
//! Ignored: `discriminator`, `format`, `pattern`, annotations (`description`,
//! `default`, `example`, `x-*`).
//!
//! `oneOf` is checked like `anyOf` (at least one branch): the OpenAI specs spell open
//! enums as `oneOf: [{type: string}, {type: string, enum: [...]}]`, where "exactly
//! one" would reject every listed value (e.g. `response.conversation: "auto"`).

use std::fmt;

use serde_json::{Map, Value};

use crate::json_eq::{json_eq, kind, show};

/// How deep schemas may nest (through `$ref`, `allOf`, ...) before the validator
/// gives up: guards against `$ref` cycles that do not descend into the instance.
const MAX_DEPTH: usize = 96;
/// Violations of the closest alternative quoted when no `anyOf`/`oneOf` branch matches.
const QUOTED: usize = 3;
/// The `$ref` prefix the specs use.
const REF_PREFIX: &str = "#/components/schemas/";

/// One way an instance fails its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSONPath-like location in the instance, e.g. `$.session.type`.
    pub path: String,
    /// What was expected and what came.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Validates instances against schemas that may `$ref` into `components.schemas`.
#[derive(Debug, Clone, Copy)]
pub struct Validator<'a> {
    schemas: &'a Map<String, Value>,
}

impl<'a> Validator<'a> {
    /// A validator resolving `$ref`s in `schemas` (the spec's `components.schemas`).
    pub fn new(schemas: &'a Map<String, Value>) -> Self {
        Self { schemas }
    }

    /// The schema named `name` in `components.schemas`.
    pub fn schema(&self, name: &str) -> Option<&'a Value> {
        self.schemas.get(name)
    }

    /// Resolves a `#/components/schemas/NAME` reference.
    pub fn resolve(&self, reference: &str) -> Option<&'a Value> {
        reference
            .strip_prefix(REF_PREFIX)
            .and_then(|name| self.schemas.get(name))
    }

    /// Every violation of `schema` by `instance` (empty when valid).
    pub fn validate(&self, schema: &Value, instance: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        self.check(schema, instance, "$", 0, &mut out);
        out
    }

    fn check(
        &self,
        schema: &Value,
        instance: &Value,
        path: &str,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        let schema = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => {
                return push(
                    out,
                    path,
                    "no value is allowed here (schema `false`)".into(),
                );
            }
            Value::Object(schema) => schema,
            _ => return,
        };
        if depth > MAX_DEPTH {
            return push(
                out,
                path,
                format!("schema nests deeper than {MAX_DEPTH} levels (a $ref cycle?)"),
            );
        }
        if instance.is_null()
            && (schema.get("nullable") == Some(&Value::Bool(true)) || documents_null(schema))
        {
            return;
        }
        if let Some(reference) = schema.get("$ref") {
            match reference
                .as_str()
                .and_then(|reference| self.resolve(reference))
            {
                Some(target) => self.check(target, instance, path, depth + 1, out),
                None => push(
                    out,
                    path,
                    format!("cannot resolve $ref {}", show(reference)),
                ),
            }
        }
        if !self.check_type(schema, instance, path, out) {
            return;
        }
        check_enum_const(schema, instance, path, out);
        check_string(schema, instance, path, out);
        check_number(schema, instance, path, out);
        self.check_object(schema, instance, path, depth, out);
        self.check_array(schema, instance, path, depth, out);
        if let Some(Value::Array(all)) = schema.get("allOf") {
            for branch in all {
                self.check(branch, instance, path, depth + 1, out);
            }
        }
        for keyword in ["anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = schema.get(keyword) {
                self.check_alternatives(keyword, branches, instance, path, depth, out);
            }
        }
    }

    /// Checks `type`; false when the instance has the wrong type (then the other
    /// keywords would only add noise).
    fn check_type(
        &self,
        schema: &Map<String, Value>,
        instance: &Value,
        path: &str,
        out: &mut Vec<Violation>,
    ) -> bool {
        let names: Vec<&str> = match schema.get("type") {
            Some(Value::String(name)) => vec![name.as_str()],
            Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
            _ => return true,
        };
        if names.iter().any(|name| has_type(instance, name)) {
            return true;
        }
        let nullable = schema.get("nullable") == Some(&Value::Bool(true));
        let mut expected = names.join(" or ");
        if nullable {
            expected.push_str(" or null");
        }
        let got = match instance {
            Value::Null => "null".to_owned(),
            _ => format!("{} {}", kind(instance), show(instance)),
        };
        push(out, path, format!("expected {expected}, got {got}"));
        false
    }

    fn check_object(
        &self,
        schema: &Map<String, Value>,
        instance: &Value,
        path: &str,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        let Value::Object(object) = instance else {
            return;
        };
        if let Some(Value::Array(required)) = schema.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(name) {
                    push(
                        out,
                        &child(path, name),
                        "required property is missing".into(),
                    );
                }
            }
        }
        let properties = match schema.get("properties") {
            Some(Value::Object(properties)) => Some(properties),
            _ => None,
        };
        for (name, value) in object {
            let child_path = child(path, name);
            match properties.and_then(|properties| properties.get(name)) {
                Some(property) => self.check(property, value, &child_path, depth + 1, out),
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => push(
                        out,
                        &child_path,
                        "property not allowed here (additionalProperties: false)".into(),
                    ),
                    Some(extra @ Value::Object(_)) => {
                        self.check(extra, value, &child_path, depth + 1, out);
                    }
                    _ => {}
                },
            }
        }
    }

    fn check_array(
        &self,
        schema: &Map<String, Value>,
        instance: &Value,
        path: &str,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        let Value::Array(items) = instance else {
            return;
        };
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
            && (items.len() as u64) < min
        {
            push(
                out,
                path,
                format!("expected at least {min} items, got {}", items.len()),
            );
        }
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
            && items.len() as u64 > max
        {
            push(
                out,
                path,
                format!("expected at most {max} items, got {}", items.len()),
            );
        }
        if let Some(item_schema) = schema.get("items") {
            for (index, item) in items.iter().enumerate() {
                self.check(
                    item_schema,
                    item,
                    &format!("{path}[{index}]"),
                    depth + 1,
                    out,
                );
            }
        }
    }

    fn check_alternatives(
        &self,
        keyword: &str,
        branches: &[Value],
        instance: &Value,
        path: &str,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        let results: Vec<Vec<Violation>> = branches
            .iter()
            .map(|branch| {
                let mut found = Vec::new();
                self.check(branch, instance, path, depth + 1, &mut found);
                found
            })
            .collect();
        let matching = results.iter().filter(|found| found.is_empty()).count();
        let names: Vec<String> = branches
            .iter()
            .enumerate()
            .map(|(i, b)| branch_name(b, i))
            .collect();
        if matching == 0 {
            let closest = results
                .iter()
                .enumerate()
                .min_by_key(|(index, found)| {
                    let type_fits = branches
                        .get(*index)
                        .is_some_and(|branch| self.type_fits(branch, instance));
                    (!type_fits, found.len())
                })
                .map(|(index, found)| (index, found.as_slice()));
            let mut message = format!("matches none of {keyword} [{}]", names.join(", "));
            if let Some((index, found)) = closest {
                let quoted: Vec<String> =
                    found.iter().take(QUOTED).map(ToString::to_string).collect();
                message.push_str(&format!(
                    "; closest {}: {}",
                    names[index],
                    quoted.join("; ")
                ));
                if found.len() > QUOTED {
                    message.push_str(&format!("; and {} more", found.len() - QUOTED));
                }
            }
            push(out, path, message);
        }
    }
}

impl Validator<'_> {
    /// Whether `instance` has a type `schema` (after `$ref` hops) allows: used to
    /// pick the alternative worth quoting when none matches.
    fn type_fits(&self, schema: &Value, instance: &Value) -> bool {
        let mut schema = schema;
        for _ in 0..8 {
            match schema
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| self.resolve(r))
            {
                Some(target) => schema = target,
                None => break,
            }
        }
        match schema.get("type") {
            Some(Value::String(name)) => has_type(instance, name),
            Some(Value::Array(names)) => names
                .iter()
                .filter_map(Value::as_str)
                .any(|name| has_type(instance, name)),
            _ => true,
        }
    }
}

fn push(out: &mut Vec<Violation>, path: &str, message: String) {
    out.push(Violation {
        path: path.to_owned(),
        message,
    });
}

fn child(path: &str, name: &str) -> String {
    format!("{path}.{name}")
}

fn branch_name(branch: &Value, index: usize) -> String {
    match branch.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference
            .strip_prefix(REF_PREFIX)
            .unwrap_or(reference)
            .to_owned(),
        None => match branch.get("type") {
            Some(kind) => format!("#{index} ({})", show(kind)),
            None => format!("#{index}"),
        },
    }
}

fn has_type(instance: &Value, name: &str) -> bool {
    match (name, instance) {
        ("null", Value::Null)
        | ("boolean", Value::Bool(_))
        | ("string", Value::String(_))
        | ("array", Value::Array(_))
        | ("object", Value::Object(_))
        | ("number", Value::Number(_)) => true,
        ("integer", Value::Number(number)) => {
            number.is_i64() || number.is_u64() || number.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}

fn check_enum_const(
    schema: &Map<String, Value>,
    instance: &Value,
    path: &str,
    out: &mut Vec<Violation>,
) {
    if let Some(Value::Array(allowed)) = schema.get("enum")
        && !allowed.iter().any(|value| json_eq(value, instance))
    {
        let listed: Vec<String> = allowed.iter().map(show).collect();
        push(
            out,
            path,
            format!(
                "expected one of [{}], got {}",
                listed.join(", "),
                show(instance)
            ),
        );
    }
    if let Some(constant) = schema.get("const")
        && !json_eq(constant, instance)
    {
        push(
            out,
            path,
            format!("expected {}, got {}", show(constant), show(instance)),
        );
    }
}

fn check_string(
    schema: &Map<String, Value>,
    instance: &Value,
    path: &str,
    out: &mut Vec<Violation>,
) {
    let Value::String(text) = instance else {
        return;
    };
    let length = text.chars().count() as u64;
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
        && length < min
    {
        push(
            out,
            path,
            format!("expected at least {min} characters, got {length}"),
        );
    }
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
        && length > max
    {
        push(
            out,
            path,
            format!("expected at most {max} characters, got {length}"),
        );
    }
}

fn check_number(
    schema: &Map<String, Value>,
    instance: &Value,
    path: &str,
    out: &mut Vec<Violation>,
) {
    let Some(number) = instance.as_f64() else {
        return;
    };
    let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
    // OpenAPI 3.0 spells exclusiveness as a boolean next to minimum/maximum,
    // 3.1 (JSON Schema 2020-12) as a number of its own.
    let exclusive_flag = |key: &str| schema.get(key) == Some(&Value::Bool(true));
    if let Some(min) = bound("minimum")
        && (number < min || (exclusive_flag("exclusiveMinimum") && number == min))
    {
        push(
            out,
            path,
            format!("expected a number >= {min}, got {}", show(instance)),
        );
    }
    if let Some(max) = bound("maximum")
        && (number > max || (exclusive_flag("exclusiveMaximum") && number == max))
    {
        push(
            out,
            path,
            format!("expected a number <= {max}, got {}", show(instance)),
        );
    }
    if let Some(min) = bound("exclusiveMinimum")
        && number <= min
    {
        push(
            out,
            path,
            format!("expected a number > {min}, got {}", show(instance)),
        );
    }
    if let Some(max) = bound("exclusiveMaximum")
        && number >= max
    {
        push(
            out,
            path,
            format!("expected a number < {max}, got {}", show(instance)),
        );
    }
}

/// Whether a schema's own description says `null` is accepted although its `type`
/// does not: the beta specs' `turn_detection` is `type: object` with "This can be set
/// to `null` to turn off" (openapi-realtime-beta-2025-04-29.yaml, and the Azure
/// 2024-10-01 spec says "Can be set to `null` to turn off"). The prose is the
/// provider's word; the schema generator dropped the `nullable`.
fn documents_null(schema: &Map<String, Value>) -> bool {
    schema
        .get("description")
        .and_then(Value::as_str)
        .is_some_and(|text| text.contains("set to `null`"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schemas() -> Map<String, Value> {
        let value = json!({
            "Voice": {"anyOf": [{"type": "string"}, {"type": "string", "enum": ["alloy", "echo"]}]},
            "Format": {"type": "object", "required": ["type"], "properties": {
                "type": {"type": "string", "enum": ["audio/pcm", "audio/pcmu"]},
                "rate": {"type": "integer", "enum": [24000]}
            }},
            "Session": {"type": "object", "required": ["type"], "additionalProperties": false, "properties": {
                "type": {"type": "string", "const": "realtime"},
                "speed": {"type": "number", "minimum": 0.25, "maximum": 1.5},
                "format": {"$ref": "#/components/schemas/Format"},
                "modalities": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": ["text", "audio"]}},
                "tokens": {"anyOf": [{"type": "integer"}, {"type": "string", "enum": ["inf"]}]},
                "note": {"type": ["string", "null"], "maxLength": 3},
                "prompt": {"type": "string", "nullable": true}
            }},
            "Pick": {"oneOf": [{"type": "integer"}, {"type": "number"}]},
            "Loop": {"allOf": [{"$ref": "#/components/schemas/Loop"}]}
        });
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    fn errors(name: &str, instance: &Value) -> Vec<String> {
        let schemas = schemas();
        let validator = Validator::new(&schemas);
        let schema = json!({"$ref": format!("#/components/schemas/{name}")});
        validator
            .validate(&schema, instance)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn valid_instances_pass() {
        let ok = json!({
            "type": "realtime", "speed": 1, "format": {"type": "audio/pcm", "rate": 24000.0},
            "modalities": ["audio"], "tokens": "inf", "note": null, "prompt": null
        });
        assert_eq!(errors("Session", &ok), Vec::<String>::new());
        assert_eq!(
            errors("Session", &json!({"type": "realtime", "tokens": 4096})),
            Vec::<String>::new()
        );
    }

    #[test]
    fn each_keyword_reports_what_was_expected_and_what_came() {
        let bad = json!({
            "type": "transcription", "speed": 2, "format": {"rate": 16000},
            "modalities": [], "tokens": "lots", "note": "long", "prompt": 3, "extra": true
        });
        assert_eq!(
            errors("Session", &bad),
            vec![
                "$.type: expected \"realtime\", got \"transcription\"",
                "$.speed: expected a number <= 1.5, got 2",
                "$.format.type: required property is missing",
                "$.format.rate: expected one of [24000], got 16000",
                "$.modalities: expected at least 1 items, got 0",
                "$.tokens: matches none of anyOf [#0 (\"integer\"), #1 (\"string\")]; closest #1 (\"string\"): $.tokens: expected one of [\"inf\"], got \"lots\"",
                "$.note: expected at most 3 characters, got 4",
                "$.prompt: expected string or null, got integer 3",
                "$.extra: property not allowed here (additionalProperties: false)",
            ]
        );
        assert_eq!(
            errors("Session", &json!({})),
            vec!["$.type: required property is missing"]
        );
        assert_eq!(
            errors("Session", &json!([])),
            vec!["$: expected object, got array []"]
        );
    }

    #[test]
    fn one_of_is_checked_like_any_of_and_cycles_stop() {
        assert_eq!(errors("Pick", &json!(1.5)), Vec::<String>::new());
        assert_eq!(errors("Pick", &json!(2)), Vec::<String>::new());
        assert_eq!(
            errors("Pick", &json!("2")),
            vec![
                "$: matches none of oneOf [#0 (\"integer\"), #1 (\"number\")]; closest #0 (\"integer\"): $: expected integer, got string \"2\""
            ]
        );
        let looped = errors("Loop", &json!(1));
        assert_eq!(looped.len(), 1);
        assert!(looped[0].contains("deeper than"), "{looped:?}");
        assert_eq!(
            errors("Nope", &json!(1)),
            vec!["$: cannot resolve $ref \"#/components/schemas/Nope\""]
        );
    }
}
