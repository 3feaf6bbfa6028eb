//! This crate's dialects, for tools and tests that iterate over every provider
//! ([`DialectEntry`]).

use realtime_core::agent::reconnect::FatalKind;
use realtime_core::dialect::{Dialect, DialectEntry, GenericDialect, classify_code};
use realtime_core::wire::WireShape;

use crate::dialect::{DIALECT_NAME, OpenAiDialect, PROVIDER};

/// OpenAI error codes no retry can fix (moved here from core's reconnect table).
const FATAL_CODES: &[(&str, FatalKind)] = &[
    ("invalid_api_key", FatalKind::Auth),
    ("invalid_authentication", FatalKind::Auth),
    ("authentication_error", FatalKind::Auth),
    ("model_not_found", FatalKind::NotFound),
    ("insufficient_quota", FatalKind::Quota),
];

/// Whether an OpenAI server error code is fatal; `rate_limit_exceeded` and
/// `server_error` are not.
pub fn classify_error(code: &str) -> Option<FatalKind> {
    classify_code(FATAL_CODES, code)
}

fn ga() -> Box<dyn Dialect> {
    Box::new(OpenAiDialect::new())
}

/// The beta shape, which OpenAI shut down in May 2026: kept for the recorded beta
/// frames in `fixtures/openai-beta` (no provider dialect, no emulator profile).
fn beta() -> Box<dyn Dialect> {
    Box::new(GenericDialect::new(WireShape::Beta))
}

/// OpenAI's dialects: `openai-ga`, and `openai-beta` for its fixtures.
pub const DIALECTS: &[DialectEntry] = &[
    DialectEntry::new(DIALECT_NAME, PROVIDER, WireShape::Ga, ga, "openai-ga")
        .classify_error(classify_error)
        .emulator_profile("openai-ga"),
    DialectEntry::new(
        "openai-beta",
        PROVIDER,
        WireShape::Beta,
        beta,
        "openai-beta",
    )
    .classify_error(classify_error),
];
