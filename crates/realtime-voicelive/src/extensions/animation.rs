//! Avatar animation outputs (`animation`; VL-25 `Animation`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::wire_enum::{to_object, wire_enum};

wire_enum! {
    /// An animation output.
    pub enum AnimationOutput {
        /// Blendshape frames (`response.animation_blendshapes.delta`; the default).
        Blendshapes = "blendshapes",
        /// Viseme ids (`response.animation_viseme.delta`).
        VisemeId = "viseme_id",
    }
}

/// Animation outputs for avatars (dated versions; the partial v1 spec does not
/// document a place for it, so a `v1` dialect applies the unsupported-field policy).
///
/// ```
/// use realtime_voicelive::{Animation, AnimationOutput};
///
/// let animation = Animation::new([AnimationOutput::VisemeId]);
/// assert_eq!(animation.to_value(), serde_json::json!({"outputs": ["viseme_id"]}));
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Animation {
    /// The animation model (default `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_name: Option<String>,
    /// The outputs (default `["blendshapes"]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs: Option<Vec<AnimationOutput>>,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

realtime_core::impl_session_extension!(
    Animation,
    provider = "Azure AI Voice Live",
    field = "session.animation"
);

impl Animation {
    /// Animation with `outputs`.
    pub fn new(outputs: impl IntoIterator<Item = AnimationOutput>) -> Self {
        Self {
            model_name: None,
            outputs: Some(outputs.into_iter().collect()),
            extra: Map::new(),
        }
    }

    /// Sets the model name.
    #[must_use]
    pub fn model_name(mut self, model_name: impl Into<String>) -> Self {
        self.model_name = Some(model_name.into());
        self
    }

    /// The wire value.
    pub fn to_value(&self) -> Value {
        Value::Object(to_object(self))
    }

    /// Reads the wire value.
    pub fn from_value(value: &Value) -> Option<Self> {
        serde_json::from_value(value.clone()).ok()
    }
}
