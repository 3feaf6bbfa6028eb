//! The wire dialects the conformance checks, their fixture names and wire shapes.

use std::fmt;

/// One of the two wire shapes a dialect is written in (see DIALECTS.md §2 and §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// The OpenAI GA shape: `session.type`, nested `audio`, `response.output_*` events.
    Ga,
    /// The OpenAI beta shape: flat session, `response.text.*` / `response.audio.*` events.
    Beta,
}

/// A dialect as named in the `dialect` field of the fixtures: one of the provider
/// crates' registered dialects ([`crate::registry`]), in registry order.
///
/// The associated constants name the dialects this tool's own tables refer to
/// (fixture directories, spec sources, reject rules); every other registered dialect
/// is reached through [`Dialect::all`] and [`Dialect::parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dialect(&'static str);

#[allow(non_upper_case_globals)]
impl Dialect {
    /// OpenAI Realtime GA.
    pub const OpenAiGa: Self = Self("openai-ga");
    /// OpenAI Realtime beta (`OpenAI-Beta: realtime=v1`), retired; its fixtures stay.
    pub const OpenAiBeta: Self = Self("openai-beta");
    /// Azure OpenAI GA (`/openai/v1/realtime`).
    pub const AzureOpenAiGaV1: Self = Self("azure-openai-ga-v1");
    /// Azure OpenAI dated previews (`/openai/realtime?api-version=…-preview`).
    pub const AzureOpenAiPreview: Self = Self("azure-openai-preview");
    /// Azure Voice Live `api-version=2025-10-01`.
    pub const VoiceLive20251001: Self = Self("voicelive-2025-10-01");
    /// Azure Voice Live `api-version=2026-04-10`.
    pub const VoiceLive20260410: Self = Self("voicelive-2026-04-10");
    /// Azure Voice Live `api-version=v1` (GA-shaped).
    pub const VoiceLiveV1: Self = Self("voicelive-v1");
}

impl Dialect {
    /// Every registered dialect, in registry (report) order.
    pub fn all() -> Vec<Self> {
        crate::registry::all()
            .map(|entry| Self(entry.name))
            .collect()
    }

    /// The fixture name of the dialect, e.g. `azure-openai-ga-v1`.
    pub fn name(self) -> &'static str {
        self.0
    }

    /// Parses a fixture or command-line dialect name.
    ///
    /// `voicelive` (version-agnostic how-to examples, written against the 2026-04-10
    /// docs) means `voicelive-2026-04-10`. Names no provider crate registers give
    /// `None`.
    pub fn parse(name: &str) -> Option<Self> {
        let name = if name == "voicelive" {
            Self::VoiceLive20260410.0
        } else {
            name
        };
        crate::registry::find(name).map(|entry| Self(entry.name))
    }

    /// The wire shape the dialect is written in (from the registry).
    pub fn shape(self) -> Shape {
        match crate::registry::find(self.0).map(|entry| entry.shape) {
            Some(realtime_core::wire::WireShape::Ga) => Shape::Ga,
            _ => Shape::Beta,
        }
    }

    /// The position in the registry (unregistered names sort last).
    fn position(self) -> usize {
        crate::registry::all()
            .position(|entry| entry.name == self.0)
            .unwrap_or(usize::MAX)
    }
}

impl PartialOrd for Dialect {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Dialect {
    /// Registry order, so reports list dialects as the provider crates do.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.position()
            .cmp(&other.position())
            .then_with(|| self.0.cmp(other.0))
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_alias_resolves_to_newest_voicelive() {
        for dialect in Dialect::all() {
            assert_eq!(Dialect::parse(dialect.name()), Some(dialect));
        }
        assert_eq!(Dialect::all().len(), 10);
        assert_eq!(
            Dialect::parse("voicelive"),
            Some(Dialect::VoiceLive20260410)
        );
        assert_eq!(Dialect::parse("openai-ga-translation"), None);
    }

    #[test]
    fn shapes_follow_the_brief() {
        assert_eq!(Dialect::VoiceLiveV1.shape(), Shape::Ga);
        assert_eq!(Dialect::AzureOpenAiPreview.shape(), Shape::Beta);
        assert_eq!(Dialect::VoiceLive20260410.shape(), Shape::Beta);
    }
}
