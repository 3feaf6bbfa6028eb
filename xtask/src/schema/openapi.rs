//! OpenAPI specs (YAML) and the lookup of the schema of one client event.

use serde_json::{Map, Value};

use super::SpecError;
use super::validate::{Validator, Violation};
use crate::json_eq::show;

/// Where a spec keeps its client events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientEvents {
    /// The union schema of all client events (`RealtimeClientEvent`,
    /// `Realtime.RealtimeRequestCommand`), if the spec has one.
    pub union: Option<&'static str>,
    /// Prefix of the per-event schema names, searched when there is no union.
    pub prefix: &'static str,
}

/// A loaded OpenAPI document, reduced to its `components.schemas`.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenApi {
    /// The file name, for reports.
    pub file: String,
    schemas: Map<String, Value>,
}

impl OpenApi {
    /// Parses an OpenAPI 3.0/3.1 YAML document.
    ///
    /// # Errors
    /// [`SpecError`] if the text is not YAML or has no `components.schemas` mapping.
    pub fn from_yaml(file: &str, text: &str) -> Result<Self, SpecError> {
        let document: Value = serde_norway::from_str(text).map_err(|error| SpecError::Parse {
            file: file.to_owned(),
            message: error.to_string(),
        })?;
        match document.pointer("/components/schemas") {
            Some(Value::Object(schemas)) => Ok(Self {
                file: file.to_owned(),
                schemas: schemas.clone(),
            }),
            other => Err(SpecError::Shape {
                file: file.to_owned(),
                expected: "a `components.schemas` mapping",
                got: other.map_or("nothing", crate::json_eq::kind).to_owned(),
            }),
        }
    }

    /// A validator resolving this spec's `$ref`s.
    pub fn validator(&self) -> Validator<'_> {
        Validator::new(&self.schemas)
    }

    /// The name of the schema for client events of type `event_type`.
    ///
    /// Uses the union's `discriminator.mapping` when it has one; otherwise the union's
    /// `anyOf`/`oneOf` members whose `type` property allows that value; failing that,
    /// any schema named `prefix*` whose `type` allows it (S-GA defines
    /// `RealtimeClientEventTranscriptionSessionUpdate` outside its union).
    pub fn client_event_schema(&self, events: ClientEvents, event_type: &str) -> Option<String> {
        let union = events.union.and_then(|name| self.schemas.get(name));
        if let Some(union) = union {
            if let Some(target) = union
                .pointer("/discriminator/mapping")
                .and_then(|mapping| mapping.get(event_type))
                .and_then(Value::as_str)
            {
                return ref_name(target).map(str::to_owned);
            }
            let members = ["anyOf", "oneOf"]
                .iter()
                .filter_map(|keyword| union.get(*keyword).and_then(Value::as_array))
                .flatten()
                .filter_map(|member| member.get("$ref").and_then(Value::as_str))
                .filter_map(ref_name);
            for name in members {
                if self
                    .type_values(name)
                    .iter()
                    .any(|value| value == event_type)
                {
                    return Some(name.to_owned());
                }
            }
        }
        self.schemas
            .keys()
            .filter(|name| name.starts_with(events.prefix))
            .find(|name| {
                self.type_values(name)
                    .iter()
                    .any(|value| value == event_type)
            })
            .cloned()
    }

    /// Validates a client frame against the schema of its event type.
    pub fn validate_client(&self, events: ClientEvents, frame: &Value) -> Vec<Violation> {
        let Some(event_type) = frame.get("type").and_then(Value::as_str) else {
            return vec![Violation {
                path: "$.type".into(),
                message: format!(
                    "expected a string event type, got {}",
                    frame.get("type").map_or_else(|| "nothing".to_owned(), show)
                ),
            }];
        };
        let Some(name) = self.client_event_schema(events, event_type) else {
            return vec![Violation {
                path: "$.type".into(),
                message: format!(
                    "expected a client event defined by {}, got `{event_type}`",
                    self.file
                ),
            }];
        };
        let reference = Value::String(format!("#/components/schemas/{name}"));
        let mut schema = Map::new();
        schema.insert("$ref".into(), reference);
        self.validator().validate(&Value::Object(schema), frame)
    }

    /// The string values the `type` property of schema `name` allows (`enum` or `const`).
    fn type_values(&self, name: &str) -> Vec<String> {
        let Some(schema) = self.schemas.get(name) else {
            return Vec::new();
        };
        let mut property = schema.pointer("/properties/type");
        // Follow a few `$ref` hops (`type: {$ref: ...EventType}`).
        for _ in 0..4 {
            match property.and_then(|p| p.get("$ref")).and_then(Value::as_str) {
                Some(reference) => property = ref_name(reference).and_then(|n| self.schemas.get(n)),
                None => break,
            }
        }
        let Some(property) = property else {
            return Vec::new();
        };
        let mut values: Vec<String> = property
            .get("enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        if let Some(constant) = property.get("const").and_then(Value::as_str) {
            values.push(constant.to_owned());
        }
        values
    }
}

fn ref_name(reference: &str) -> Option<&str> {
    reference.strip_prefix("#/components/schemas/")
}
