//! JSON schemas for tool parameters, inlined the way providers accept them.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

/// The JSON schema of `T` with every subschema inlined: no `$ref`, no `$defs`, no
/// `$schema` (providers reject or ignore them). Recursive types cannot be inlined
/// and keep their references.
pub fn inline_schema_for<T: JsonSchema>() -> Value {
    let settings = SchemaSettings::draft2020_12().with(|settings| {
        settings.inline_subschemas = true;
        settings.meta_schema = None;
    });
    let mut value = settings
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value();
    if let Value::Object(map) = &mut value {
        map.remove("$schema");
        if map
            .get("$defs")
            .is_some_and(|defs| defs.as_object().is_some_and(Map::is_empty))
        {
            map.remove("$defs");
        }
        // Providers expect an object schema even for argument-less tools.
        if !map.contains_key("type") && !map.contains_key("properties") {
            map.insert("type".to_owned(), Value::String("object".to_owned()));
            map.insert("properties".to_owned(), Value::Object(Map::new()));
        }
        map.remove("title");
    }
    value
}

#[cfg(test)]
mod tests {
    use schemars::JsonSchema;
    use serde::Deserialize;

    use super::inline_schema_for;

    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Address {
        city: String,
    }

    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Order {
        /// Order number.
        number: u32,
        shipping: Address,
        kind: Kind,
    }

    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    enum Kind {
        Return,
        Exchange,
    }

    #[test]
    fn nested_types_are_inlined() {
        let schema = inline_schema_for::<Order>();
        let text = schema.to_string();
        assert!(!text.contains("$ref"), "{text}");
        assert!(!text.contains("$defs"), "{text}");
        assert!(!text.contains("$schema"), "{text}");
        assert_eq!(schema["type"], "object");
        assert_eq!(
            schema["properties"]["shipping"]["properties"]["city"]["type"],
            "string"
        );
        assert_eq!(
            schema["properties"]["number"]["description"],
            "Order number."
        );
    }

    #[derive(Deserialize, JsonSchema)]
    struct NoArgs {}

    #[test]
    fn argument_less_tools_get_an_object_schema() {
        let schema = inline_schema_for::<NoArgs>();
        assert_eq!(schema["type"], "object");
    }
}
