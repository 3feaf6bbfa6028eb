//! Voice Live's own `response.create` settings.

use realtime_core::protocol::ResponseConfig;
use serde_json::{Map, Value};

/// The wire key of hosted-agent invocation input (VL-0715 `ResponseCreateParams`).
pub(crate) const INVOKE_INPUT: &str = "invoke_input";

/// Voice Live settings of one response, on top of core's [`ResponseConfig`].
///
/// ```
/// use realtime_core::protocol::ResponseConfig;
/// use realtime_voicelive::VoiceLiveResponse;
///
/// let mut input = serde_json::Map::new();
/// input.insert("order".to_owned(), "A-17".into());
/// let response = ResponseConfig::new().invoke_input(input);
/// assert_eq!(response.invoke_input_value().and_then(|v| v.get("order")), Some(&"A-17".into()));
/// ```
pub trait VoiceLiveResponse: Sized {
    /// Input for the hosted agent this response invokes (`response.invoke_input`,
    /// api-version 2026-06-01-preview and later; older versions refuse it).
    #[must_use]
    fn invoke_input(self, input: Map<String, Value>) -> Self;

    /// The hosted-agent invocation input, if set.
    fn invoke_input_value(&self) -> Option<&Map<String, Value>>;
}

impl VoiceLiveResponse for ResponseConfig {
    fn invoke_input(mut self, input: Map<String, Value>) -> Self {
        self.extra
            .insert(INVOKE_INPUT.to_owned(), Value::Object(input));
        self
    }

    fn invoke_input_value(&self) -> Option<&Map<String, Value>> {
        self.extra.get(INVOKE_INPUT).and_then(Value::as_object)
    }
}
