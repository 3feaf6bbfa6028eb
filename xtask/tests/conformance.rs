//! End-to-end runs of the conformance driver on the real fixtures and on
//! `fixtures/broken/`.

use std::path::PathBuf;
use std::process::Command;

use xtask::cli::{ConformanceArgs, default_fixtures};
use xtask::codec_standin::StandIn;
use xtask::conformance;
use xtask::dialect::Dialect;
use xtask::fixtures;

fn broken() -> PathBuf {
    default_fixtures().join("broken")
}

fn args(fixtures: PathBuf) -> ConformanceArgs {
    ConformanceArgs {
        fixtures: vec![fixtures],
        specs: vec![default_fixtures()],
        dialects: Dialect::all(),
        strict_unknown: false,
    }
}

#[test]
fn broken_fixture_fails_with_a_readable_diff() {
    let result = conformance::run(&StandIn, &args(broken()));
    let report = &result.report;
    assert_eq!(result.failures, 3, "{report}");
    // The stand-in is strict where the real codec is tolerant: a dropped required
    // field does not decode.
    assert!(
        report.contains(
            "- [openai-ga decode] fixtures/broken/broken.jsonl:4\n    \
             response.output_audio.delta: expected a string `item_id`, got nothing"
        ),
        "{report}"
    );
    assert!(
        report.contains(
            "- [openai-ga round-trip] fixtures/broken/broken.jsonl:1\n    \
             $.extra_field: missing in re-encoded (expected \"lost on re-encode\")"
        ),
        "{report}"
    );
    assert!(
        report.contains(
            "- [openai-ga decode] fixtures/broken/broken.jsonl:2\n    \
             response.output_audio.delta: expected a non-negative integer `output_index`, got string"
        ),
        "{report}"
    );
    // The client frame is a data finding: listed with its violations, not a failure.
    assert!(
        report.contains("- [openai-ga] fixtures/broken/broken.jsonl:3\n"),
        "{report}"
    );
    assert!(
        report.contains("$.session.temperature: rejected by openai-ga (0.8)"),
        "{report}"
    );
    assert!(report.contains("got \"translation\""), "{report}");
}

/// The real codec (the provider dialects over `realtime_core::wire`) plus the
/// harness on `fixtures/broken/`: the frame that drops a required field (row 4, no
/// `item_id`) fails its round trip with the field named, the mistyped frame (row 2)
/// fails to decode, and the frame with an unknown field (row 1) survives, because
/// the tolerant reader keeps it: a real codec that dropped it on re-encoding would
/// fail here.
#[cfg(feature = "core")]
#[test]
fn real_codec_on_the_broken_fixture_names_the_dropped_field() {
    let result = conformance::run(&xtask::codec_core::CoreCodec, &args(broken()));
    let report = &result.report;
    assert!(
        report.contains(
            "- [openai-ga round-trip] fixtures/broken/broken.jsonl:4\n    \
             $.item_id: extra in re-encoded (got \"\")"
        ),
        "{report}"
    );
    assert!(
        report.contains(
            "- [openai-ga decode] fixtures/broken/broken.jsonl:2\n    \
             openai-ga: cannot decode `response.output_audio.delta` event: \
             invalid type: string \"0\", expected u32"
        ),
        "{report}"
    );
    assert!(
        !report.contains("fixtures/broken/broken.jsonl:1"),
        "the unknown field survives the real codec's round trip: {report}"
    );
    assert_eq!(result.failures, 2, "{report}");
}

#[test]
fn binary_exits_non_zero_on_the_broken_fixture() {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["conformance", "--fixtures"])
        .arg(broken())
        .output();
    let Ok(output) = output else {
        panic!("could not run xtask: {output:?}");
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("fixtures/broken/broken.jsonl:2"),
        "{stdout}"
    );
}

#[test]
fn binary_rejects_unknown_dialect_with_usage() {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["conformance", "--dialect", "openai-ga-translation"])
        .output();
    let Ok(output) = output else {
        panic!("could not run xtask: {output:?}");
    };
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(
            "error: expected a dialect name (see --help), got `openai-ga-translation`"
        ),
        "{stderr}"
    );
}

#[test]
fn default_fixtures_dedup_live_frames_and_leave_broken_out() {
    let set = fixtures::load(&[default_fixtures()]);
    assert_eq!(set.errors, vec![]);
    assert!(
        set.frames
            .iter()
            .all(|frame| !frame.origin.file.contains("broken"))
    );
    // Every examples.jsonl row converted from a cassette is dropped in favour of the
    // cassette frame it repeats (SOURCE.md: the same frames, 1:1).
    assert_eq!(set.duplicates, 1104);
    let live = |dialect: Dialect| {
        set.frames
            .iter()
            .filter(|frame| frame.live && frame.dialect == dialect)
            .count()
    };
    assert_eq!(live(Dialect::OpenAiGa), 546);
    assert_eq!(live(Dialect::AzureOpenAiGaV1), 381);
    assert_eq!(live(Dialect::VoiceLive20260410), 177);
    assert!(
        set.frames
            .iter()
            .filter(|frame| frame.live)
            .all(|frame| frame.origin.file.contains("/recorded/pydantic-ai/")),
        "live frames come from the cassettes, not from examples.jsonl"
    );
    let http = set
        .skipped
        .iter()
        .filter(|skipped| skipped.reason.starts_with("HTTP cassette"))
        .count();
    assert_eq!(http, 3);
    let translation = set
        .skipped
        .iter()
        .filter(|skipped| skipped.reason == "unknown dialect `openai-ga-translation`")
        .count();
    assert_eq!(translation, 9);
}

#[test]
fn default_fixtures_pass_with_the_stand_in() {
    let result = conformance::run(&StandIn, &args(default_fixtures()));
    assert_eq!(result.failures, 0, "{}", result.report);
    assert!(
        result.report.contains("  total                   1104\n"),
        "{}",
        result.report
    );
}
