//! [`Nullable`]: a field that can be absent, explicitly `null`, or set.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A JSON field with three states: not present, present as `null`, or present with a
/// value.
///
/// Providers give `null` a meaning of its own (`"turn_detection": null` turns voice
/// activity detection off, while leaving the field out keeps the current setting),
/// and re-encoding a decoded frame must give back the same JSON, so `Option` is not
/// enough. Use it with `#[serde(default, skip_serializing_if = "Nullable::is_absent")]`.
///
/// ```
/// use realtime_core::protocol::Nullable;
///
/// let off: Nullable<u32> = Nullable::Null;
/// assert_eq!(off.as_option(), None);
/// assert!(!off.is_absent());
/// assert_eq!(Nullable::Value(3).as_option(), Some(&3));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Nullable<T> {
    /// The field is not present.
    #[default]
    Absent,
    /// The field is present and `null`.
    Null,
    /// The field is present with a value.
    Value(T),
}

impl<T> Nullable<T> {
    /// Whether the field is not present.
    pub fn is_absent(&self) -> bool {
        matches!(self, Self::Absent)
    }

    /// Whether the field is present with a value.
    pub fn is_value(&self) -> bool {
        matches!(self, Self::Value(_))
    }

    /// The value, if present and not `null`.
    pub fn as_option(&self) -> Option<&T> {
        match self {
            Self::Value(value) => Some(value),
            Self::Absent | Self::Null => None,
        }
    }

    /// The value by mutable reference, if present and not `null`.
    pub fn as_option_mut(&mut self) -> Option<&mut T> {
        match self {
            Self::Value(value) => Some(value),
            Self::Absent | Self::Null => None,
        }
    }

    /// Consumes `self`, giving the value if present and not `null`.
    pub fn into_option(self) -> Option<T> {
        match self {
            Self::Value(value) => Some(value),
            Self::Absent | Self::Null => None,
        }
    }

    /// Maps the value, keeping absence and `null`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Nullable<U> {
        match self {
            Self::Absent => Nullable::Absent,
            Self::Null => Nullable::Null,
            Self::Value(value) => Nullable::Value(f(value)),
        }
    }

    /// Borrows the value, keeping absence and `null`.
    pub fn as_ref(&self) -> Nullable<&T> {
        match self {
            Self::Absent => Nullable::Absent,
            Self::Null => Nullable::Null,
            Self::Value(value) => Nullable::Value(value),
        }
    }
}

impl<T> From<Option<T>> for Nullable<T> {
    /// `None` becomes `null` (an explicit "off"); `Some(v)` a value.
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Self::Value)
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Value(value) => value.serialize(serializer),
            // `Absent` is skipped by `skip_serializing_if`; written alone it is `null`.
            Self::Absent | Self::Null => serializer.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(deserializer).map(|value| value.map_or(Self::Null, Self::Value))
    }
}

#[cfg(test)]
mod tests {
    use super::Nullable;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Holder {
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        field: Nullable<u32>,
    }

    #[test]
    fn three_states_round_trip() -> serde_json::Result<()> {
        for (json, state) in [
            ("{}", Nullable::Absent),
            (r#"{"field":null}"#, Nullable::Null),
            (r#"{"field":7}"#, Nullable::Value(7)),
        ] {
            let holder: Holder = serde_json::from_str(json)?;
            assert_eq!(holder.field, state);
            assert_eq!(serde_json::to_string(&holder)?, json);
        }
        Ok(())
    }
}
