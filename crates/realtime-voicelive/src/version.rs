//! Voice Live API versions and the wire shape each one speaks.

use std::fmt;
use std::str::FromStr;

use realtime_core::wire::WireShape;

use crate::error::ConfigError;

/// A Voice Live `api-version`.
///
/// The dated versions speak the beta-style flat session plus Azure extensions; `v1`
/// speaks the OpenAI GA shape (`session.type`, nested `audio`) plus Azure extensions.
/// Sources (copied under `fixtures/voicelive/`, see its `SOURCE.md`):
/// `VoiceLive-2025-10-01.condensed.json`, `voicelive-2026-04-10.condensed.json`,
/// `voicelive-2026-07-15.condensed.json`, `voicelive-previews-2026.condensed.json`
/// (partial reads of the two 2026 previews) and `voicelive-v1.partial.condensed.json`.
/// `2026-01-01-preview` has no condensed spec in this repository and is not offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ApiVersion {
    /// `2025-10-01` (stable).
    V2025_10_01,
    /// `2026-04-10` (stable).
    V2026_04_10,
    /// `2026-06-01-preview` (the default of `azure-ai-voicelive` 1.3.0b1): WebRTC
    /// `rtc.call.sdp.*`, `output_audio_buffer.started/stopped`, the
    /// `smart_end_of_turn_detection` end-of-utterance model; no `input_text.*`.
    V2026_06_01Preview,
    /// `2026-07-15` (stable, GA; the default of `azure-ai-voicelive` 1.3.x and of this
    /// crate).
    #[default]
    V2026_07_15,
    /// `2026-07-31-preview`: 2026-07-15 plus SIP call events (`realtime.call.*`) and
    /// echo cancellation `reference_source` / `channels`.
    V2026_07_31Preview,
    /// `v1` (label-based, GA-shaped per its spec; see `docs/providers.md` for why).
    V1,
}

impl ApiVersion {
    /// Every version this crate speaks.
    pub const ALL: [Self; 6] = [
        Self::V2025_10_01,
        Self::V2026_04_10,
        Self::V2026_06_01Preview,
        Self::V2026_07_15,
        Self::V2026_07_31Preview,
        Self::V1,
    ];

    /// The `api-version` query value, e.g. `2026-07-15`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V2025_10_01 => "2025-10-01",
            Self::V2026_04_10 => "2026-04-10",
            Self::V2026_06_01Preview => "2026-06-01-preview",
            Self::V2026_07_15 => "2026-07-15",
            Self::V2026_07_31Preview => "2026-07-31-preview",
            Self::V1 => "v1",
        }
    }

    /// The dialect name used in fixtures and errors, e.g. `voicelive-2026-07-15`.
    pub const fn dialect_name(self) -> &'static str {
        match self {
            Self::V2025_10_01 => "voicelive-2025-10-01",
            Self::V2026_04_10 => "voicelive-2026-04-10",
            Self::V2026_06_01Preview => "voicelive-2026-06-01-preview",
            Self::V2026_07_15 => "voicelive-2026-07-15",
            Self::V2026_07_31Preview => "voicelive-2026-07-31-preview",
            Self::V1 => "voicelive-v1",
        }
    }

    /// The wire shape: beta for dated versions, GA for `v1`.
    pub fn shape(self) -> WireShape {
        match self {
            Self::V1 => WireShape::Ga,
            _ => WireShape::Beta,
        }
    }

    /// Whether this is a dated (beta-shaped) version.
    pub fn is_dated(self) -> bool {
        self.shape() == WireShape::Beta
    }

    /// Whether this version is of the 2026 generation documented by
    /// `azure-ai-voicelive` 1.3 (2026-06-01-preview, 2026-07-15, 2026-07-31-preview).
    pub fn is_2026_sdk_generation(self) -> bool {
        matches!(
            self,
            Self::V2026_06_01Preview | Self::V2026_07_15 | Self::V2026_07_31Preview
        )
    }

    /// The versions as one comma-separated list, for errors and help texts.
    pub fn list() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ApiVersion {
    type Err = ConfigError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|version| version.as_str() == text.trim())
            .ok_or_else(|| ConfigError::InvalidApiVersion {
                found: text.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::ApiVersion;

    #[test]
    fn parses_every_version_and_refuses_others() {
        for version in ApiVersion::ALL {
            assert_eq!(version.as_str().parse::<ApiVersion>().ok(), Some(version));
        }
        assert!("2024-10-01-preview".parse::<ApiVersion>().is_err());
        assert_eq!(ApiVersion::default(), ApiVersion::V2026_07_15);
        assert!(ApiVersion::list().contains("2026-07-31-preview"));
    }
}
