//! `cargo xtask conformance`: load fixtures and specs, run the checks, render the report.

use crate::check::{self, Options};
use crate::cli::ConformanceArgs;
use crate::codec::Codec;
use crate::fixtures;
use crate::report::Report;
use crate::schema::SpecSet;

/// The rendered report and whether anything failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunResult {
    /// The report text.
    pub report: String,
    /// Number of failures (checks, fixture and spec loading).
    pub failures: usize,
}

/// Runs the conformance for `args` with `codec`.
pub fn run<C: Codec>(codec: &C, args: &ConformanceArgs) -> RunResult {
    let fixtures = fixtures::load(&args.fixtures);
    let specs = SpecSet::load(&args.specs, &args.dialects);
    let options = Options {
        strict_unknown: args.strict_unknown,
    };
    let outcome = check::run(codec, &fixtures.frames, &args.dialects, &specs, options);
    let report = Report {
        codec: codec.name(),
        dialects: &args.dialects,
        fixtures: &fixtures,
        specs: &specs,
        outcome: &outcome,
    };
    RunResult {
        report: report.render(),
        failures: report.failure_count(),
    }
}
