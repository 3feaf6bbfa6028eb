//! Typed provider extensions attached to a canonical [`SessionConfig`](super::SessionConfig).
//!
//! Core never names a provider. A provider crate defines its own settings (Voice
//! Live's echo cancellation, say) as a struct implementing [`SessionExtension`] and
//! users attach it with [`Extensions::insert`]; that provider's dialect reads it back
//! with [`Extensions::get`]. Any other dialect meets an extension it does not own and
//! applies the unsupported-field policy.

use std::any::{Any, TypeId};
use std::fmt::Debug;

/// A provider-specific session setting.
pub trait SessionExtension: Any + Debug + Send + Sync {
    /// The provider that owns it, e.g. `Azure AI Voice Live`.
    fn provider(&self) -> &'static str;

    /// The canonical field name used in errors, e.g. `session.input_audio_echo_cancellation`.
    fn field(&self) -> &'static str;

    /// A boxed clone (extensions are cloned with their config).
    fn clone_box(&self) -> Box<dyn SessionExtension>;

    /// Equality with another extension (used by `SessionConfig`'s `PartialEq`).
    fn eq_dyn(&self, other: &dyn SessionExtension) -> bool;

    /// Upcast for downcasting in [`Extensions::get`].
    fn as_any(&self) -> &dyn Any;
}

/// A set of typed extensions, at most one per type, in insertion order.
#[derive(Debug, Default)]
pub struct Extensions {
    entries: Vec<Box<dyn SessionExtension>>,
}

impl Extensions {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Inserts `value`, replacing an extension of the same type.
    pub fn insert<T: SessionExtension>(&mut self, value: T) {
        let id = TypeId::of::<T>();
        self.entries.retain(|entry| entry.as_any().type_id() != id);
        self.entries.push(Box::new(value));
    }

    /// The extension of type `T`, if set.
    pub fn get<T: SessionExtension>(&self) -> Option<&T> {
        self.entries
            .iter()
            .find_map(|entry| entry.as_any().downcast_ref::<T>())
    }

    /// Removes and drops the extension of type `T`; tells whether one was set.
    pub fn remove<T: SessionExtension>(&mut self) -> bool {
        let before = self.entries.len();
        let id = TypeId::of::<T>();
        self.entries.retain(|entry| entry.as_any().type_id() != id);
        before != self.entries.len()
    }

    /// Every extension set.
    pub fn iter(&self) -> impl Iterator<Item = &dyn SessionExtension> {
        self.entries.iter().map(AsRef::as_ref)
    }

    /// Keeps only the extensions for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(&dyn SessionExtension) -> bool) {
        self.entries.retain(|entry| keep(entry.as_ref()));
    }

    /// Whether no extension is set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Clone for Extensions {
    fn clone(&self) -> Self {
        Self {
            entries: self.entries.iter().map(|entry| entry.clone_box()).collect(),
        }
    }
}

impl PartialEq for Extensions {
    fn eq(&self, other: &Self) -> bool {
        self.entries.len() == other.entries.len()
            && self.entries.iter().all(|mine| {
                other
                    .entries
                    .iter()
                    .any(|theirs| mine.eq_dyn(theirs.as_ref()))
            })
    }
}

/// Implements [`SessionExtension`] for a `Clone + PartialEq + Debug + Send + Sync` type.
///
/// ```
/// use realtime_core::impl_session_extension;
///
/// #[derive(Debug, Clone, PartialEq)]
/// pub struct EchoCancellation;
/// impl_session_extension!(EchoCancellation, provider = "Example", field = "session.echo_cancellation");
/// ```
#[macro_export]
macro_rules! impl_session_extension {
    ($ty:ty, provider = $provider:literal, field = $field:literal) => {
        impl $crate::protocol::SessionExtension for $ty {
            fn provider(&self) -> &'static str {
                $provider
            }
            fn field(&self) -> &'static str {
                $field
            }
            fn clone_box(&self) -> ::std::boxed::Box<dyn $crate::protocol::SessionExtension> {
                ::std::boxed::Box::new(::std::clone::Clone::clone(self))
            }
            fn eq_dyn(&self, other: &dyn $crate::protocol::SessionExtension) -> bool {
                other
                    .as_any()
                    .downcast_ref::<Self>()
                    .is_some_and(|other| other == self)
            }
            fn as_any(&self) -> &dyn ::std::any::Any {
                self
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::Extensions;

    #[derive(Debug, Clone, PartialEq)]
    struct Echo(bool);
    crate::impl_session_extension!(Echo, provider = "Test", field = "session.echo");

    #[test]
    fn insert_get_replace_remove() {
        let mut extensions = Extensions::new();
        assert!(extensions.get::<Echo>().is_none());
        extensions.insert(Echo(false));
        extensions.insert(Echo(true));
        assert_eq!(extensions.get::<Echo>(), Some(&Echo(true)));
        assert_eq!(extensions.iter().count(), 1);
        assert_eq!(extensions.clone(), extensions);
        assert!(extensions.remove::<Echo>());
        assert!(extensions.is_empty());
    }
}
