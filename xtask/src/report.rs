//! The conformance report: a table per dialect, the live-frame counts, what each
//! dialect was validated against, skipped fixtures, and every failure with its
//! origin and diff.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::check::Outcome;
use crate::dialect::Dialect;
use crate::fixtures::FixtureSet;
use crate::schema::{SpecSet, reject, sources};

/// Unknown event types listed per dialect before "and N more".
const LISTED_UNKNOWN: usize = 12;

/// Everything the report shows.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// The codec's name.
    pub codec: &'a str,
    /// The dialects checked.
    pub dialects: &'a [Dialect],
    /// The loaded fixtures.
    pub fixtures: &'a FixtureSet,
    /// The loaded specs.
    pub specs: &'a SpecSet,
    /// The checks' result.
    pub outcome: &'a Outcome,
}

impl Report<'_> {
    /// Number of failures, fixture and spec loading errors included.
    pub fn failure_count(&self) -> usize {
        self.outcome.failures.len() + self.fixtures.errors.len() + self.specs.errors.len()
    }

    /// The report text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "conformance: codec = {}", self.codec);
        let _ = writeln!(
            out,
            "fixtures: {} frames checked; {} examples.jsonl rows dropped as duplicates of loaded cassette frames; {} skipped",
            self.outcome
                .tallies
                .values()
                .map(|t| t.frames)
                .sum::<usize>(),
            self.fixtures.duplicates,
            self.fixtures.skipped.len()
        );
        out.push('\n');
        self.table(&mut out);
        self.live(&mut out);
        self.validated_against(&mut out);
        self.skipped(&mut out);
        self.unknown(&mut out);
        self.notes(&mut out);
        self.failures(&mut out);
        out
    }

    fn table(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "{:<22} {:>7} {:>8} {:>9} {:>8} {:>13} {:>9}",
            "dialect", "frames", "decoded", "lossless", "unknown", "schema-valid", "failures"
        );
        let mut total = crate::check::Tally::default();
        for dialect in self.dialects {
            let tally = self
                .outcome
                .tallies
                .get(dialect)
                .copied()
                .unwrap_or_default();
            row(out, dialect.name(), &tally);
            total.frames += tally.frames;
            total.decoded += tally.decoded;
            total.lossless += tally.lossless;
            total.unknown += tally.unknown;
            total.schema_checked += tally.schema_checked;
            total.schema_valid += tally.schema_valid;
            total.failures += tally.failures;
        }
        row(out, "total", &total);
        let _ = writeln!(
            out,
            "(frames = fixture frames; schema-valid = valid/validated client frames, re-encoded fixture frames plus codec scenarios)"
        );
    }

    fn live(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "\nrecorded live frames checked (pydantic-ai cassettes):"
        );
        let mut total = 0;
        for dialect in self.dialects {
            let Some(tally) = self.outcome.tallies.get(dialect) else {
                continue;
            };
            if tally.live == 0 {
                continue;
            }
            total += tally.live;
            let _ = writeln!(
                out,
                "  {:<22} {:>5}  (server {}, client {})",
                dialect.name(),
                tally.live,
                tally.live_server,
                tally.live_client
            );
        }
        let _ = writeln!(out, "  {:<22} {total:>5}", "total");
    }

    fn validated_against(&self, out: &mut String) {
        let _ = writeln!(out, "\nclient frames validated against:");
        for dialect in self.dialects {
            let specs: Vec<String> = sources(*dialect)
                .iter()
                .map(|source| format!("{} ({})", source.file(), source.depth()))
                .collect();
            let rules = reject::REJECT_RULES
                .iter()
                .filter(|rule| rule.dialects.contains(dialect))
                .count();
            let missing = if self.specs.available(*dialect) {
                ""
            } else {
                " [spec missing]"
            };
            let _ = writeln!(
                out,
                "  {:<22} {}; {rules} reject rules{missing}",
                dialect.name(),
                specs.join(" + ")
            );
        }
    }

    fn skipped(&self, out: &mut String) {
        if self.fixtures.skipped.is_empty() {
            return;
        }
        let mut reasons: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
        for skipped in &self.fixtures.skipped {
            let entry = reasons
                .entry(skipped.reason.as_str())
                .or_insert((0, skipped.origin.as_str()));
            entry.0 += 1;
        }
        let _ = writeln!(out, "\nskipped ({}):", self.fixtures.skipped.len());
        for (reason, (count, first)) in reasons {
            let _ = writeln!(out, "  {count:>4} × {reason} (first: {first})");
        }
    }

    fn unknown(&self, out: &mut String) {
        if self.outcome.unknown_types.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\nserver event types decoded to the codec's catch-all:"
        );
        for (dialect, types) in &self.outcome.unknown_types {
            let mut sorted: Vec<(&String, &usize)> = types.iter().collect();
            sorted.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let listed: Vec<String> = sorted
                .iter()
                .take(LISTED_UNKNOWN)
                .map(|(name, count)| format!("{name} ×{count}"))
                .collect();
            let more = sorted.len().saturating_sub(LISTED_UNKNOWN);
            let tail = if more > 0 {
                format!(", and {more} more types")
            } else {
                String::new()
            };
            let _ = writeln!(out, "  {}: {}{tail}", dialect.name(), listed.join(", "));
        }
    }

    fn notes(&self, out: &mut String) {
        if self.outcome.notes.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\nfixture client frames that violate their dialect's spec as recorded ({}; data findings, not failures):",
            self.outcome.notes.len()
        );
        for note in &self.outcome.notes {
            let skeleton = if note.skeleton { " (doc skeleton)" } else { "" };
            let _ = writeln!(
                out,
                "- [{}] {}{skeleton}\n    {}",
                note.dialect,
                note.origin,
                indent(&note.detail)
            );
        }
    }

    fn failures(&self, out: &mut String) {
        let count = self.failure_count();
        if count == 0 {
            let _ = writeln!(out, "\nno failures");
            return;
        }
        let _ = writeln!(out, "\nfailures ({count}):");
        for error in &self.fixtures.errors {
            let _ = writeln!(out, "- [fixture] {}", indent(&error.to_string()));
        }
        for error in &self.specs.errors {
            let _ = writeln!(out, "- [spec] {}", indent(&error.to_string()));
        }
        for failure in &self.outcome.failures {
            let _ = writeln!(
                out,
                "- [{} {}] {}\n    {}",
                failure.dialect,
                failure.check,
                failure.origin,
                indent(&failure.detail)
            );
        }
    }
}

fn row(out: &mut String, name: &str, tally: &crate::check::Tally) {
    let _ = writeln!(
        out,
        "{:<22} {:>7} {:>8} {:>9} {:>8} {:>13} {:>9}",
        name,
        tally.frames,
        tally.decoded,
        tally.lossless,
        tally.unknown,
        format!("{}/{}", tally.schema_valid, tally.schema_checked),
        tally.failures
    );
}

fn indent(text: &str) -> String {
    text.replace('\n', "\n    ")
}
