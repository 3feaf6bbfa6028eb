//! The example binaries as a newcomer runs them: `--help` answers with exit 0 and
//! lists exactly the example's flags; a closed stdout ends a run without a panic.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;

use common::{Running, command};

/// Each example and the flags its `--help` must list; the others must be absent.
const EXAMPLES: &[(&str, &[&str])] = &[
    (
        "quickstart",
        &["--provider", "--offline", "--input", "--output"],
    ),
    ("tools", &["--provider", "--offline"]),
    ("handoff", &["--provider", "--offline"]),
    ("record_replay", &["--provider", "--offline", "--dir"]),
    (
        "client_secret_server",
        &[
            "--port",
            "--bind",
            "--allow-origin",
            "--mint-per-minute",
            "--self-test",
        ],
    ),
    (
        "browser_bridge",
        &[
            "--provider",
            "--offline",
            "--port",
            "--bind",
            "--allow-origin",
            "--mint-per-minute",
        ],
    ),
    (
        "webrtc",
        &[
            "--provider",
            "--offline",
            "--port",
            "--bind",
            "--allow-origin",
            "--mint-per-minute",
        ],
    ),
    (
        "twilio_bridge",
        &[
            "--provider",
            "--offline",
            "--port",
            "--bind",
            "--allow-origin",
            "--mint-per-minute",
            "--transcode",
        ],
    ),
    #[cfg(feature = "microphone")]
    ("microphone", &["--provider", "--offline"]),
];

/// Every flag any example has.
const ALL_FLAGS: &[&str] = &[
    "--provider",
    "--offline",
    "--input",
    "--output",
    "--dir",
    "--port",
    "--bind",
    "--allow-origin",
    "--mint-per-minute",
    "--self-test",
    "--transcode",
];

#[test]
fn every_example_answers_help_with_exit_0_and_only_its_flags() {
    for (name, flags) in EXAMPLES {
        let output = command(name).arg("--help").output().unwrap();
        let help = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{name} --help: {:?}\n{help}",
            output.status
        );
        assert!(help.contains(&format!("Usage: {name}")), "{name}:\n{help}");
        // The cargo command line with `--`, so `--offline` reaches the example.
        assert!(
            help.contains(&format!("--example {name}")) && help.contains(" -- "),
            "{name} --help shows no `cargo run ... -- FLAGS` line:\n{help}"
        );
        for flag in ALL_FLAGS {
            let listed = help.lines().any(|line| line.trim_start().starts_with(flag));
            assert_eq!(
                listed,
                flags.contains(flag),
                "{name} --help {} {flag}:\n{help}",
                if listed { "lists" } else { "lacks" }
            );
        }
    }
}

#[test]
fn an_unknown_flag_is_a_usage_error_not_a_silent_run() {
    let output = command("tools").arg("--ofline").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--ofline"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn quickstart_into_a_closed_reader_exits_cleanly() {
    // `cargo run -p realtime-examples --example quickstart | head -1`
    let child = command("quickstart")
        .arg("--offline")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    let stdout = running.0.stdout.take().unwrap();
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).unwrap();
    // The reader is dropped here: the pipe is closed with the run still printing.
    assert!(first.starts_with("offline: "), "{first}");
    let status = running.wait();
    let mut stderr = String::new();
    running
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(status.success(), "{status:?}\n{stderr}");
}

#[test]
fn missing_variables_are_named_all_at_once() {
    let output = command("handoff")
        .args(["--provider", "voicelive"])
        .env(
            "AZURE_VOICELIVE_ENDPOINT",
            "https://example.services.ai.azure.com",
        )
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("AZURE_VOICELIVE_API_KEY") && stderr.contains("AZURE_VOICELIVE_MODEL"),
        "{stderr}"
    );
    assert!(!stderr.contains("AZURE_VOICELIVE_ENDPOINT,"), "{stderr}");
}

#[test]
fn record_replay_removes_its_temporary_recording() {
    let output = command("record_replay").arg("--offline").output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let removed = stdout
        .lines()
        .find_map(|line| line.strip_prefix("removed "))
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("no `removed DIR` line:\n{stdout}"));
    assert!(removed.contains("realtime-recording-"), "{removed}");
    assert!(
        !std::path::Path::new(removed).exists(),
        "{removed} is still there"
    );
}

/// The number right before `label` in `summary` (`... 3 user, ...`).
fn count_before(summary: &str, label: &str) -> usize {
    let at = summary
        .find(label)
        .unwrap_or_else(|| panic!("no `{label}` in {summary}"));
    summary[..at]
        .split_whitespace()
        .last()
        .and_then(|n| n.trim_start_matches('(').parse().ok())
        .unwrap_or_else(|| panic!("no count before `{label}` in {summary}"))
}

/// The number right after `label` in `summary` (`tool calls: 6 ...`).
fn count_after(summary: &str, label: &str) -> usize {
    let at = summary
        .find(label)
        .unwrap_or_else(|| panic!("no `{label}` in {summary}"));
    summary[at + label.len()..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count after `{label}` in {summary}"))
}

#[test]
fn summaries_count_exactly_the_printed_lines() {
    for name in ["quickstart", "tools", "handoff"] {
        let output = command(name).arg("--offline").output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{name}:\n{stdout}");
        let (transcript, summary) = stdout
            .split_once("--- summary ---")
            .unwrap_or_else(|| panic!("{name} printed no summary:\n{stdout}"));
        let summary = summary.lines().nth(1).unwrap_or_default();
        let lines = |pattern: &str| transcript.lines().filter(|l| l.contains(pattern)).count();
        let starts = |prefix: &str| {
            transcript
                .lines()
                .filter(|l| l.trim_start().starts_with(prefix))
                .count()
        };
        let context = format!("{name}: {summary}\n{transcript}");
        assert_eq!(
            count_before(summary, "user,"),
            starts("user: "),
            "{context}"
        );
        assert_eq!(
            count_before(summary, "assistant"),
            lines("] assistant: "),
            "{context}"
        );
        assert_eq!(
            count_before(summary, "interrupted)"),
            lines("[interrupted"),
            "{context}"
        );
        assert_eq!(
            count_after(summary, "tool calls:"),
            lines("-> tool call ") + lines("?? approval needed for "),
            "{context}"
        );
        assert_eq!(
            count_before(summary, "failed)"),
            lines("<- tool result FAILED"),
            "{context}"
        );
        assert_eq!(
            count_after(summary, "handoffs:"),
            lines("== handoff "),
            "{context}"
        );
        assert_eq!(count_after(summary, "errors:"), starts("!! "), "{context}");
    }
}
