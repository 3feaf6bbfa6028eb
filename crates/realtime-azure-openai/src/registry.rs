//! This crate's dialects, for tools and tests that iterate over every provider
//! ([`DialectEntry`]).

use realtime_core::agent::reconnect::FatalKind;
use realtime_core::dialect::{Dialect, DialectEntry, classify_code};
use realtime_core::wire::WireShape;

use crate::api_version::ApiVersion;
use crate::dialect::{AzureOpenAiDialect, GA_V1_NAME, PREVIEW_NAME, PROVIDER};

/// Azure OpenAI error codes no retry can fix (moved here from core's reconnect
/// table): Azure's own spellings plus the OpenAI codes its GA endpoint passes on.
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

/// Whether an Azure server error code is fatal (`DeploymentNotFound`, auth, quota).
pub fn classify_error(code: &str) -> Option<FatalKind> {
    classify_code(FATAL_CODES, code)
}

fn ga_v1() -> Box<dyn Dialect> {
    Box::new(AzureOpenAiDialect::ga_v1())
}

/// The preview family, built at `2024-10-01-preview`: the version whose schema
/// (`fixtures/azure-openai/realtime-openapi3-2024-10-01.yml`) the conformance
/// validates against. [`AzureOpenAiDialect::preview`] gives the others.
fn preview() -> Box<dyn Dialect> {
    Box::new(AzureOpenAiDialect::preview(ApiVersion::V2024_10_01Preview))
}

/// Azure OpenAI's dialects: GA v1 and the dated previews.
pub const DIALECTS: &[DialectEntry] = &[
    DialectEntry::new(GA_V1_NAME, PROVIDER, WireShape::Ga, ga_v1, "azure-openai")
        .classify_error(classify_error)
        .emulator_profile(GA_V1_NAME),
    DialectEntry::new(
        PREVIEW_NAME,
        PROVIDER,
        WireShape::Beta,
        preview,
        "azure-openai",
    )
    .classify_error(classify_error)
    .emulator_profile(PREVIEW_NAME),
];
