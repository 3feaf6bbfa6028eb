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

/// A dialect as named in the `dialect` field of the fixtures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dialect {
    /// OpenAI Realtime GA.
    OpenAiGa,
    /// OpenAI Realtime beta (`OpenAI-Beta: realtime=v1`).
    OpenAiBeta,
    /// Azure OpenAI GA (`/openai/v1/realtime`).
    AzureOpenAiGaV1,
    /// Azure OpenAI dated previews (`/openai/realtime?api-version=…-preview`).
    AzureOpenAiPreview,
    /// Azure Voice Live `api-version=2025-10-01`.
    VoiceLive20251001,
    /// Azure Voice Live `api-version=2026-04-10`.
    VoiceLive20260410,
    /// Azure Voice Live `api-version=2026-06-01-preview`.
    VoiceLive20260601Preview,
    /// Azure Voice Live `api-version=2026-07-15` (GA, the default version).
    VoiceLive20260715,
    /// Azure Voice Live `api-version=2026-07-31-preview`.
    VoiceLive20260731Preview,
    /// Azure Voice Live `api-version=v1` (GA-shaped).
    VoiceLiveV1,
}

impl Dialect {
    /// Every dialect, in report order.
    pub const ALL: [Self; 10] = [
        Self::OpenAiGa,
        Self::OpenAiBeta,
        Self::AzureOpenAiGaV1,
        Self::AzureOpenAiPreview,
        Self::VoiceLive20251001,
        Self::VoiceLive20260410,
        Self::VoiceLive20260601Preview,
        Self::VoiceLive20260715,
        Self::VoiceLive20260731Preview,
        Self::VoiceLiveV1,
    ];

    /// The fixture name of the dialect, e.g. `azure-openai-ga-v1`.
    pub fn name(self) -> &'static str {
        match self {
            Self::OpenAiGa => "openai-ga",
            Self::OpenAiBeta => "openai-beta",
            Self::AzureOpenAiGaV1 => "azure-openai-ga-v1",
            Self::AzureOpenAiPreview => "azure-openai-preview",
            Self::VoiceLive20251001 => "voicelive-2025-10-01",
            Self::VoiceLive20260410 => "voicelive-2026-04-10",
            Self::VoiceLive20260601Preview => "voicelive-2026-06-01-preview",
            Self::VoiceLive20260715 => "voicelive-2026-07-15",
            Self::VoiceLive20260731Preview => "voicelive-2026-07-31-preview",
            Self::VoiceLiveV1 => "voicelive-v1",
        }
    }

    /// Parses a fixture or command-line dialect name.
    ///
    /// `voicelive` (version-agnostic how-to examples, written against the 2026-04-10
    /// docs) means `voicelive-2026-04-10`. Unknown names give `None`.
    pub fn parse(name: &str) -> Option<Self> {
        if name == "voicelive" {
            return Some(Self::VoiceLive20260410);
        }
        Self::ALL.into_iter().find(|dialect| dialect.name() == name)
    }

    /// The wire shape the dialect is written in.
    pub fn shape(self) -> Shape {
        match self {
            Self::OpenAiGa | Self::AzureOpenAiGaV1 | Self::VoiceLiveV1 => Shape::Ga,
            Self::OpenAiBeta
            | Self::AzureOpenAiPreview
            | Self::VoiceLive20251001
            | Self::VoiceLive20260410
            | Self::VoiceLive20260601Preview
            | Self::VoiceLive20260715
            | Self::VoiceLive20260731Preview => Shape::Beta,
        }
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
        for dialect in Dialect::ALL {
            assert_eq!(Dialect::parse(dialect.name()), Some(dialect));
        }
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
