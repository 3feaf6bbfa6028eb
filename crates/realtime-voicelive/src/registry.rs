//! This crate's dialects, for tools and tests that iterate over every provider
//! ([`DialectEntry`]). Adding a Voice Live version is an [`ApiVersion`] variant, its
//! capability rows, and one line here.

use realtime_core::agent::reconnect::FatalKind;
use realtime_core::dialect::{Dialect, DialectEntry, classify_code};
use realtime_core::wire::WireShape;

use crate::dialect::VoiceLiveDialect;
use crate::error::PROVIDER;
use crate::version::ApiVersion;

/// Voice Live error codes no retry can fix (moved here from core's reconnect
/// table; Voice Live answers with the Azure and OpenAI spellings).
const FATAL_CODES: &[(&str, FatalKind)] = &[
    ("invalid_api_key", FatalKind::Auth),
    ("authentication_error", FatalKind::Auth),
    ("unauthorized", FatalKind::Auth),
    ("permissiondenied", FatalKind::Auth),
    ("model_not_found", FatalKind::NotFound),
    ("deploymentnotfound", FatalKind::NotFound),
    ("deployment_not_found", FatalKind::NotFound),
    ("insufficient_quota", FatalKind::Quota),
];

/// Whether a Voice Live server error code is fatal.
pub fn classify_error(code: &str) -> Option<FatalKind> {
    classify_code(FATAL_CODES, code)
}

/// The entry of one version (`build` must be that version's constructor).
const fn entry(version: ApiVersion, build: fn() -> Box<dyn Dialect>) -> DialectEntry {
    let shape = match version {
        ApiVersion::V1 => WireShape::Ga,
        _ => WireShape::Beta,
    };
    DialectEntry::new(version.dialect_name(), PROVIDER, shape, build, "voicelive")
        .classify_error(classify_error)
        .emulator_profile(version.dialect_name())
}

macro_rules! builders {
    ($($name:ident = $version:ident;)*) => {
        $(fn $name() -> Box<dyn Dialect> {
            Box::new(VoiceLiveDialect::new(ApiVersion::$version))
        })*
    };
}

builders! {
    v2025_10_01 = V2025_10_01;
    v2026_04_10 = V2026_04_10;
    v2026_06_01_preview = V2026_06_01Preview;
    v2026_07_15 = V2026_07_15;
    v2026_07_31_preview = V2026_07_31Preview;
    v1 = V1;
}

/// Voice Live's dialects, one per [`ApiVersion`].
pub const DIALECTS: &[DialectEntry] = &[
    entry(ApiVersion::V2025_10_01, v2025_10_01),
    entry(ApiVersion::V2026_04_10, v2026_04_10),
    entry(ApiVersion::V2026_06_01Preview, v2026_06_01_preview),
    entry(ApiVersion::V2026_07_15, v2026_07_15),
    entry(ApiVersion::V2026_07_31Preview, v2026_07_31_preview),
    entry(ApiVersion::V1, v1),
];

#[cfg(test)]
mod tests {
    use super::DIALECTS;
    use crate::version::ApiVersion;

    #[test]
    fn one_entry_per_version_building_that_version() {
        assert_eq!(DIALECTS.len(), ApiVersion::ALL.len());
        for (entry, version) in DIALECTS.iter().zip(ApiVersion::ALL) {
            let dialect = entry.build();
            assert_eq!(dialect.name(), version.dialect_name());
            assert_eq!(entry.name, version.dialect_name());
            assert_eq!(dialect.capabilities().shape, entry.shape);
        }
        assert!(DIALECTS[0].classify("DeploymentNotFound").is_some());
        assert_eq!(DIALECTS[0].classify("rate_limit_exceeded"), None);
    }
}
