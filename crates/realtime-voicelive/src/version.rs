//! Voice Live API versions and the wire shape each one speaks.

use std::fmt;
use std::str::FromStr;

use realtime_core::wire::WireShape;

use crate::error::ConfigError;

/// A Voice Live `api-version`.
///
/// The dated versions speak the beta-style flat session plus Azure extensions; `v1`
/// speaks the OpenAI GA shape (`session.type`, nested `audio`) plus Azure extensions
/// (`shared/protocol/DIALECTS.md` §1–2; `voicelive/voicelive-v1.partial.condensed.json`).
/// Other published versions (`2026-01-01-preview`, `2026-06-01-preview`,
/// `2026-07-15`, `2026-07-31-preview`) have no condensed spec in this repository and
/// are therefore not offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ApiVersion {
    /// `2025-10-01` (stable; `voicelive/VoiceLive-2025-10-01.condensed.json`).
    V2025_10_01,
    /// `2026-04-10` (stable; `voicelive/voicelive-2026-04-10.condensed.json`), the
    /// newest dated GA version and the default.
    #[default]
    V2026_04_10,
    /// `v1` (label-based, GA-shaped; `voicelive/voicelive-v1.partial.condensed.json`).
    V1,
}

impl ApiVersion {
    /// Every version this crate speaks.
    pub const ALL: [Self; 3] = [Self::V2025_10_01, Self::V2026_04_10, Self::V1];

    /// The `api-version` query value, e.g. `2026-04-10`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2025_10_01 => "2025-10-01",
            Self::V2026_04_10 => "2026-04-10",
            Self::V1 => "v1",
        }
    }

    /// The dialect name used in fixtures and errors, e.g. `voicelive-2026-04-10`.
    pub fn dialect_name(self) -> &'static str {
        match self {
            Self::V2025_10_01 => "voicelive-2025-10-01",
            Self::V2026_04_10 => "voicelive-2026-04-10",
            Self::V1 => "voicelive-v1",
        }
    }

    /// The wire shape: beta for dated versions, GA for `v1`.
    pub fn shape(self) -> WireShape {
        match self {
            Self::V2025_10_01 | Self::V2026_04_10 => WireShape::Beta,
            Self::V1 => WireShape::Ga,
        }
    }

    /// Whether this is a dated (beta-shaped) version.
    pub fn is_dated(self) -> bool {
        self.shape() == WireShape::Beta
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
        assert_eq!(ApiVersion::default(), ApiVersion::V2026_04_10);
    }
}
