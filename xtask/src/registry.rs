//! Every provider crate's dialects ([`DialectEntry`]), in report order: the facade's
//! registry (`realtime::registry`), where registering a provider crate is one line.

use realtime_core::dialect::DialectEntry;

/// Every registered dialect.
pub fn all() -> impl Iterator<Item = &'static DialectEntry> {
    realtime::registry::dialects()
}

/// The registered dialect named `name`.
pub fn find(name: &str) -> Option<&'static DialectEntry> {
    realtime::registry::find_dialect(name)
}

#[cfg(test)]
mod tests {
    use realtime_testkit::emulator::Profile;

    use super::*;
    use crate::dialect::{Dialect, Shape};

    #[test]
    fn every_registered_dialect_has_a_spec_to_validate_against() {
        let dialects = Dialect::all();
        assert_eq!(dialects.len(), all().count());
        for dialect in dialects {
            assert!(
                !crate::schema::sources(dialect).is_empty(),
                "{dialect}: add its spec to xtask/src/schema/mod.rs"
            );
            let shape = match dialect.shape() {
                Shape::Ga => realtime_core::wire::WireShape::Ga,
                Shape::Beta => realtime_core::wire::WireShape::Beta,
            };
            assert_eq!(find(dialect.name()).map(|entry| entry.shape), Some(shape));
        }
    }

    #[test]
    fn entries_build_their_dialect_and_name_a_known_emulator_profile() {
        for entry in all() {
            assert_eq!(entry.build().capabilities().shape, entry.shape);
            if let Some(profile) = entry.emulator_profile {
                // Live dialects (not fixture-only stand-ins such as `openai-beta`)
                // build the dialect of that name.
                assert_eq!(entry.build().name(), entry.name);
                assert_eq!(entry.build().provider(), entry.provider);
                assert!(
                    Profile::for_dialect(profile).is_some(),
                    "{}: no emulator profile `{profile}`",
                    entry.name
                );
            }
        }
    }
}
