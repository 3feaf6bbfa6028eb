//! One row per dialect a provider crate offers: what tools, tests, examples and the
//! emulator need to know about it, so that each of them iterates over the provider
//! crates' tables instead of keeping a list of its own.
//!
//! ```
//! use realtime_core::dialect::{DialectEntry, GenericDialect};
//! use realtime_core::wire::WireShape;
//!
//! fn build() -> Box<dyn realtime_core::dialect::Dialect> {
//!     Box::new(GenericDialect::new(WireShape::Ga))
//! }
//! const DIALECTS: &[DialectEntry] =
//!     &[DialectEntry::new("generic-ga", "Example", WireShape::Ga, build, "example")];
//! let entry = realtime_core::dialect::find_dialect(DIALECTS, "generic-ga");
//! assert_eq!(entry.map(|entry| entry.build().name()), Some("generic-ga"));
//! ```

use std::fmt;

use super::Dialect;
use crate::agent::reconnect::FatalKind;
use crate::wire::WireShape;

/// One dialect of a provider crate.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct DialectEntry {
    /// The dialect's name as fixtures spell it; [`Dialect::name`] of the built dialect,
    /// except for fixture-only stand-ins (OpenAI's retired beta is built as the
    /// generic beta shape).
    pub name: &'static str,
    /// The provider, as [`Dialect::provider`] gives it.
    pub provider: &'static str,
    /// The wire shape.
    pub shape: WireShape,
    /// Builds the dialect with its default policy.
    pub build: fn() -> Box<dyn Dialect>,
    /// Which server error codes (`error.code`, or `error.type` without a code) no
    /// retry can fix, and why; `None` means retrying may help.
    pub classify_error: fn(&str) -> Option<FatalKind>,
    /// The name the test kit's emulator knows this dialect's profile by, if it has one.
    pub emulator_profile: Option<&'static str>,
    /// The folder under `fixtures/` holding its specs and recorded frames.
    pub fixture_folder: &'static str,
}

fn never_fatal(_code: &str) -> Option<FatalKind> {
    None
}

impl DialectEntry {
    /// An entry with no fatal error codes and no emulator profile (set them with
    /// [`classify_error`](Self::classify_error) and
    /// [`emulator_profile`](Self::emulator_profile)).
    pub const fn new(
        name: &'static str,
        provider: &'static str,
        shape: WireShape,
        build: fn() -> Box<dyn Dialect>,
        fixture_folder: &'static str,
    ) -> Self {
        Self {
            name,
            provider,
            shape,
            build,
            classify_error: never_fatal,
            emulator_profile: None,
            fixture_folder,
        }
    }

    /// Sets the server-error classification.
    #[must_use]
    pub const fn classify_error(mut self, classify: fn(&str) -> Option<FatalKind>) -> Self {
        self.classify_error = classify;
        self
    }

    /// Sets the emulator profile name.
    #[must_use]
    pub const fn emulator_profile(mut self, profile: &'static str) -> Self {
        self.emulator_profile = Some(profile);
        self
    }

    /// Builds the dialect.
    pub fn build(&self) -> Box<dyn Dialect> {
        (self.build)()
    }

    /// Classifies a server error code.
    pub fn classify(&self, code: &str) -> Option<FatalKind> {
        (self.classify_error)(code)
    }
}

impl fmt::Debug for DialectEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DialectEntry")
            .field("name", &self.name)
            .field("provider", &self.provider)
            .field("shape", &self.shape)
            .field("emulator_profile", &self.emulator_profile)
            .field("fixture_folder", &self.fixture_folder)
            .finish_non_exhaustive()
    }
}

/// The entry named `name` in `entries`.
pub fn find_dialect<'a>(entries: &'a [DialectEntry], name: &str) -> Option<&'a DialectEntry> {
    entries.iter().find(|entry| entry.name == name)
}

/// Looks `code` up case-insensitively in a provider's table of fatal codes.
pub fn classify_code(table: &[(&str, FatalKind)], code: &str) -> Option<FatalKind> {
    table
        .iter()
        .find(|(fatal, _)| code.eq_ignore_ascii_case(fatal))
        .map(|(_, kind)| *kind)
}
