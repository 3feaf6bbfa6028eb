//! Every dialect of the enabled provider crates, one [`DialectEntry`] each: what
//! tools, tests and examples iterate over instead of keeping their own lists.
//! Registering a provider crate is one line here; its dialects (name, wire shape,
//! capabilities, error classification, emulator profile, fixture folder) come from
//! the crate's own `DIALECTS`.
//!
//! ```
//! let names: Vec<&str> = realtime::registry::dialects().map(|entry| entry.name).collect();
//! # #[cfg(feature = "openai")]
//! assert!(names.contains(&"openai-ga"));
//! ```

use realtime_core::dialect::DialectEntry;

/// The enabled provider crates' dialect tables, in report order.
const PROVIDERS: &[&[DialectEntry]] = &[
    #[cfg(feature = "openai")]
    realtime_openai::DIALECTS,
    #[cfg(feature = "azure-openai")]
    realtime_azure_openai::DIALECTS,
    #[cfg(feature = "voicelive")]
    realtime_voicelive::DIALECTS,
];

/// Every registered dialect of the enabled providers.
pub fn dialects() -> impl Iterator<Item = &'static DialectEntry> {
    PROVIDERS.iter().copied().flatten()
}

/// The registered dialect named `name` (as fixtures and [`Dialect::name`] spell it).
///
/// [`Dialect::name`]: realtime_core::dialect::Dialect::name
pub fn find_dialect(name: &str) -> Option<&'static DialectEntry> {
    dialects().find(|entry| entry.name == name)
}
