//! The conformance checks, run frame by frame through a [`Codec`].
//!
//! Server frame: decode → (no known type as the catch-all) → re-encode → equal JSON.
//! Client frame: decode → re-encode → equal JSON; the re-encoded frame is validated
//! against the dialect's specs and reject list. A violation the original fixture
//! frame already has is a finding about the data or the spec (a [`Note`]), not about
//! the codec; only violations the codec adds are failures. Scenario frames (canonical
//! events the codec encodes) must be schema-valid and hit no reject rule.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use crate::codec::Codec;
use crate::dialect::Dialect;
use crate::fixtures::{Direction, Frame};
use crate::json_eq::{diff, json_eq, render};
use crate::schema::SpecSet;
use crate::schema::reject;
use crate::schema::validate::Violation;

/// Driver options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Count every event decoded to the codec's catch-all as a failure.
    pub strict_unknown: bool,
}

/// Per-dialect counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Fixture frames checked.
    pub frames: usize,
    /// Of which recorded live.
    pub live: usize,
    /// Of which live server frames.
    pub live_server: usize,
    /// Of which live client frames.
    pub live_client: usize,
    /// Frames the codec decoded.
    pub decoded: usize,
    /// Frames whose re-encoding equals the original JSON.
    pub lossless: usize,
    /// Server events decoded to the codec's catch-all.
    pub unknown: usize,
    /// Client frames (fixture and scenario) validated.
    pub schema_checked: usize,
    /// Of which valid and free of rejected fields.
    pub schema_valid: usize,
    /// Scenario frames checked.
    pub scenarios: usize,
    /// Failures.
    pub failures: usize,
}

/// Which check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Check {
    /// The codec could not decode the frame.
    Decode,
    /// A type the codec models landed in its catch-all (or any, with `--strict-unknown`).
    Unknown,
    /// The codec could not encode, or produced invalid JSON.
    Encode,
    /// The re-encoded frame differs from the original.
    RoundTrip,
    /// A client frame violates the dialect's spec.
    Schema,
    /// A client frame carries a field the dialect rejects.
    Reject,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Decode => "decode",
            Self::Unknown => "unknown",
            Self::Encode => "encode",
            Self::RoundTrip => "round-trip",
            Self::Schema => "schema",
            Self::Reject => "reject-list",
        })
    }
}

/// One failed check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The dialect.
    pub dialect: Dialect,
    /// Fixture origin (`file:line`, `file#interactions[i]`) or `scenario <name>`.
    pub origin: String,
    /// The check.
    pub check: Check,
    /// What was expected and what came (a diff for round trips).
    pub detail: String,
}

/// A fixture client frame that already violates its dialect's spec or reject list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The dialect.
    pub dialect: Dialect,
    /// Fixture origin.
    pub origin: String,
    /// The row is a documentation skeleton (placeholders, members left out).
    pub skeleton: bool,
    /// The violations, one a line.
    pub detail: String,
}

/// The driver's result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Counts per dialect.
    pub tallies: BTreeMap<Dialect, Tally>,
    /// Every failure, in fixture order.
    pub failures: Vec<Failure>,
    /// Fixture client frames that violate their spec as recorded (not failures).
    pub notes: Vec<Note>,
    /// Event types that decoded to the catch-all, per dialect, with counts.
    pub unknown_types: BTreeMap<Dialect, BTreeMap<String, usize>>,
}

impl Outcome {
    fn fail(&mut self, dialect: Dialect, origin: String, check: Check, detail: String) {
        self.tallies.entry(dialect).or_default().failures += 1;
        self.failures.push(Failure {
            dialect,
            origin,
            check,
            detail,
        });
    }
}

/// Runs every check on `frames` (those of `dialects`) and on the codec's scenarios.
pub fn run<C: Codec>(
    codec: &C,
    frames: &[Frame],
    dialects: &[Dialect],
    specs: &SpecSet,
    options: Options,
) -> Outcome {
    let mut outcome = Outcome::default();
    for frame in frames
        .iter()
        .filter(|frame| dialects.contains(&frame.dialect))
    {
        let tally = outcome.tallies.entry(frame.dialect).or_default();
        tally.frames += 1;
        if frame.live {
            tally.live += 1;
            match frame.direction {
                Direction::Server => tally.live_server += 1,
                Direction::Client => tally.live_client += 1,
            }
        }
        match frame.direction {
            Direction::Server => check_server(codec, frame, options, &mut outcome),
            Direction::Client => check_client(codec, frame, specs, &mut outcome),
        }
    }
    for dialect in dialects {
        for scenario in codec.scenario_frames(*dialect) {
            let origin = format!("scenario {}", scenario.name);
            outcome.tallies.entry(*dialect).or_default().scenarios += 1;
            let text = match scenario.frame {
                Ok(text) => text,
                Err(error) => {
                    outcome.fail(*dialect, origin, Check::Encode, error.to_string());
                    continue;
                }
            };
            let Some(value) = parse(&text, *dialect, &origin, &mut outcome) else {
                continue;
            };
            validate(*dialect, &origin, &value, &[], specs, &mut outcome);
        }
    }
    outcome
}

fn check_server<C: Codec>(codec: &C, frame: &Frame, options: Options, outcome: &mut Outcome) {
    let dialect = frame.dialect;
    let origin = frame.origin.to_string();
    let events = match codec.decode_server(dialect, &frame.payload.to_string()) {
        Ok(events) => events,
        Err(error) => return outcome.fail(dialect, origin, Check::Decode, error.to_string()),
    };
    outcome.tallies.entry(dialect).or_default().decoded += 1;
    let event_type = frame
        .payload
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("");
    for _ in events.iter().filter(|event| codec.is_unknown(event)) {
        outcome.tallies.entry(dialect).or_default().unknown += 1;
        *outcome
            .unknown_types
            .entry(dialect)
            .or_default()
            .entry(event_type.to_owned())
            .or_default() += 1;
        if codec.knows_server_type(event_type) {
            let detail = format!(
                "`{event_type}` is a type the codec models, but it decoded to the catch-all"
            );
            outcome.fail(dialect, origin.clone(), Check::Unknown, detail);
        } else if options.strict_unknown {
            let detail = format!("`{event_type}` decoded to the catch-all (--strict-unknown)");
            outcome.fail(dialect, origin.clone(), Check::Unknown, detail);
        }
    }
    let [event] = events.as_slice() else {
        let detail = format!(
            "expected 1 event per frame to compare the re-encoding, got {}",
            events.len()
        );
        return outcome.fail(dialect, origin, Check::RoundTrip, detail);
    };
    let text = match codec.encode_server(dialect, event) {
        Ok(text) => text,
        Err(error) => return outcome.fail(dialect, origin, Check::Encode, error.to_string()),
    };
    if let Some(again) = parse(&text, dialect, &origin, outcome) {
        compare(frame, &again, outcome);
    }
}

fn check_client<C: Codec>(codec: &C, frame: &Frame, specs: &SpecSet, outcome: &mut Outcome) {
    let dialect = frame.dialect;
    let origin = frame.origin.to_string();
    let event = match codec.decode_client(dialect, &frame.payload.to_string()) {
        Ok(event) => event,
        Err(error) => return outcome.fail(dialect, origin, Check::Decode, error.to_string()),
    };
    outcome.tallies.entry(dialect).or_default().decoded += 1;
    let text = match codec.encode_client(dialect, &event) {
        Ok(text) => text,
        Err(error) => return outcome.fail(dialect, origin, Check::Encode, error.to_string()),
    };
    let Some(again) = parse(&text, dialect, &origin, outcome) else {
        return;
    };
    compare(frame, &again, outcome);
    let tolerated = violations(dialect, &frame.payload, specs);
    if !tolerated.is_empty() {
        let lines: Vec<String> = tolerated
            .iter()
            .map(|(_, violation)| violation.to_string())
            .collect();
        outcome.notes.push(Note {
            dialect,
            origin: origin.clone(),
            skeleton: frame.skeleton,
            detail: lines.join("\n"),
        });
    }
    validate(dialect, &origin, &again, &tolerated, specs, outcome);
}

fn violations(dialect: Dialect, frame: &Value, specs: &SpecSet) -> Vec<(Check, Violation)> {
    let schema = specs
        .check_schema(dialect, frame)
        .into_iter()
        .map(|v| (Check::Schema, v));
    let rejected = reject::check(dialect, frame)
        .into_iter()
        .map(|v| (Check::Reject, v));
    schema.chain(rejected).collect()
}

/// Validates a client frame; violations listed in `tolerated` do not count.
fn validate(
    dialect: Dialect,
    origin: &str,
    frame: &Value,
    tolerated: &[(Check, Violation)],
    specs: &SpecSet,
    outcome: &mut Outcome,
) {
    let found: Vec<(Check, Violation)> = violations(dialect, frame, specs)
        .into_iter()
        .filter(|found| !tolerated.contains(found))
        .collect();
    let tally = outcome.tallies.entry(dialect).or_default();
    tally.schema_checked += 1;
    if found.is_empty() {
        tally.schema_valid += 1;
    }
    for check in [Check::Schema, Check::Reject] {
        let lines: Vec<String> = found
            .iter()
            .filter(|(kind, _)| *kind == check)
            .map(|(_, violation)| violation.to_string())
            .collect();
        if !lines.is_empty() {
            outcome.fail(dialect, origin.to_owned(), check, lines.join("\n"));
        }
    }
}

fn parse(text: &str, dialect: Dialect, origin: &str, outcome: &mut Outcome) -> Option<Value> {
    match serde_json::from_str(text) {
        Ok(value) => Some(value),
        Err(error) => {
            let detail = format!("expected the codec to write JSON, got a parse error: {error}");
            outcome.fail(dialect, origin.to_owned(), Check::Encode, detail);
            None
        }
    }
}

fn compare(frame: &Frame, again: &Value, outcome: &mut Outcome) {
    if json_eq(&frame.payload, again) {
        outcome.tallies.entry(frame.dialect).or_default().lossless += 1;
        return;
    }
    let detail = render(&diff(&frame.payload, again), "re-encoded");
    outcome.fail(
        frame.dialect,
        frame.origin.to_string(),
        Check::RoundTrip,
        detail,
    );
}
