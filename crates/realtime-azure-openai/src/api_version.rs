//! The dated `api-version`s of the Azure OpenAI Realtime preview endpoint.

use std::fmt;
use std::str::FromStr;

use crate::error::ConfigError;

/// A dated `api-version` of the preview endpoint
/// (`/openai/realtime?api-version=V&deployment=D`).
///
/// The versions and their wire shape come from the dialect table of `docs/providers.md`
/// (AZ-WS, AZ-SDK): every preview version speaks the OpenAI beta shape. Azure
/// deprecates the preview protocol from 2026-04-30 (AZ-MIG); prefer
/// [`Endpoint::GaV1`](crate::Endpoint::GaV1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiVersion {
    /// `2024-10-01-preview`: the first preview. `server_vad` only, voices `alloy`,
    /// `shimmer`, `echo`, no noise reduction
    /// (`azure-openai/realtime-openapi3-2024-10-01.yml`).
    V2024_10_01Preview,
    /// `2024-12-17`: close to the OpenAI beta of 2024-12-18
    /// (`openai-beta/openapi-realtime-beta-2024-12-18.yaml`).
    V2024_12_17,
    /// `2025-04-01-preview`: close to the OpenAI beta of 2025-04-29
    /// (`openai-beta/openapi-realtime-beta-2025-04-29.yaml`), described by
    /// `azure-openai/azure-realtime-preview-reference.condensed.json`.
    V2025_04_01Preview,
}

impl ApiVersion {
    /// Every known version, oldest first.
    pub const ALL: [Self; 3] = [
        Self::V2024_10_01Preview,
        Self::V2024_12_17,
        Self::V2025_04_01Preview,
    ];

    /// The newest known preview version.
    pub const LATEST: Self = Self::V2025_04_01Preview;

    /// The value of the `api-version` query parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2024_10_01Preview => "2024-10-01-preview",
            Self::V2024_12_17 => "2024-12-17",
            Self::V2025_04_01Preview => "2025-04-01-preview",
        }
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
            .ok_or_else(|| ConfigError::UnknownApiVersion {
                found: text.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::ApiVersion;
    use crate::error::ConfigError;

    #[test]
    fn versions_round_trip_through_their_query_value() {
        for version in ApiVersion::ALL {
            assert_eq!(version.as_str().parse::<ApiVersion>(), Ok(version));
            assert_eq!(version.to_string(), version.as_str());
        }
        assert_eq!(
            "2024-10-01".parse::<ApiVersion>(),
            Err(ConfigError::UnknownApiVersion {
                found: "2024-10-01".to_owned()
            })
        );
    }
}
