//! `cargo xtask fidelity`: replays the client frames of every recorded session in
//! `fixtures/` against the emulator engine, on the dialect the recording used, and
//! compares the server frames: event types and their order within each response,
//! the field paths each event type carries, and the values other than ids, text,
//! audio, timestamps and token counts.
//!
//! The emulated model plays what the recorded one did (its messages and function
//! calls, the user's transcripts), so the comparison is about the service, not the
//! model. Divergences are failures unless the allowlist (`allowlist.txt` beside this
//! file) names them with a reason.

mod allowlist;
mod compare;
mod replay;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

pub use allowlist::{Allowlist, AllowlistError};
pub use compare::Divergence;

use crate::fixtures;

/// Usage text.
pub const USAGE: &str = "\
usage: cargo xtask fidelity [--fixtures DIR] [--allowlist FILE] [--show-allowed]

  --fixtures DIR     fixture directory (default: <workspace>/fixtures)
  --allowlist FILE   divergences accepted, one `dialect | divergence | reason` a line
                     (default: xtask/src/fidelity/allowlist.txt)
  --show-allowed     also list the divergences the allowlist accepts
";

/// Arguments of `fidelity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// The fixture directory.
    pub fixtures: PathBuf,
    /// The allowlist file.
    pub allowlist: PathBuf,
    /// List accepted divergences too.
    pub show_allowed: bool,
}

impl Args {
    /// Parses the arguments after `fidelity`; `None` for `--help`.
    ///
    /// # Errors
    /// An unknown option or a missing value, named.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Self>, String> {
        let mut parsed = Self {
            fixtures: crate::cli::default_fixtures(),
            allowlist: default_allowlist(),
            show_allowed: false,
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "-h" | "--help" => return Ok(None),
                "--fixtures" => {
                    parsed.fixtures = args
                        .next()
                        .map(PathBuf::from)
                        .ok_or("expected a directory after --fixtures, got none")?;
                }
                "--allowlist" => {
                    parsed.allowlist = args
                        .next()
                        .map(PathBuf::from)
                        .ok_or("expected a file after --allowlist, got none")?;
                }
                "--show-allowed" => parsed.show_allowed = true,
                other => {
                    return Err(format!(
                        "expected --fixtures, --allowlist or --show-allowed, got `{other}`"
                    ));
                }
            }
        }
        Ok(Some(parsed))
    }
}

/// `xtask/src/fidelity/allowlist.txt`.
pub fn default_allowlist() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/fidelity/allowlist.txt")
}

/// The outcome of a run: the printed report and whether it passed.
#[derive(Debug)]
pub struct Outcome {
    /// The report (table, failing divergences, stale allowlist entries).
    pub report: String,
    /// Divergences the allowlist does not accept.
    pub failures: usize,
}

/// Counts of one dialect.
#[derive(Debug, Default)]
struct Row {
    sessions: usize,
    responses: usize,
    server_frames: usize,
    order: usize,
    paths: usize,
    values: usize,
    allowed: usize,
    failing: usize,
}

/// Runs the comparison.
///
/// # Errors
/// The allowlist cannot be read or has a malformed line.
pub fn run(args: &Args) -> Result<Outcome, AllowlistError> {
    let allowlist = Allowlist::load(&args.allowlist)?;
    let set = fixtures::load(std::slice::from_ref(&args.fixtures));
    let sessions = replay::sessions(&set);
    let mut rows: BTreeMap<&'static str, Row> = BTreeMap::new();
    let mut failing = Vec::new();
    let mut allowed = Vec::new();
    let mut used = vec![false; allowlist.len()];
    for session in &sessions {
        let replayed = replay::replay(session);
        let row = rows.entry(session.dialect.name()).or_default();
        row.sessions += 1;
        row.responses += compare::responses(&session.server);
        row.server_frames += session.server.len();
        let divergences = compare::compare(&session.server, &replayed);
        for divergence in divergences {
            match divergence.kind {
                compare::Kind::Order => row.order += 1,
                compare::Kind::Path => row.paths += 1,
                compare::Kind::Value => row.values += 1,
            }
            match allowlist.find(session.dialect.name(), &divergence.key) {
                Some(index) => {
                    used[index] = true;
                    row.allowed += 1;
                    allowed.push((session.dialect.name(), session.name.clone(), divergence));
                }
                None => {
                    row.failing += 1;
                    failing.push((session.dialect.name(), session.name.clone(), divergence));
                }
            }
        }
    }
    let mut report = String::new();
    let _ = writeln!(
        report,
        "fidelity: {} recorded sessions replayed against the emulator\n",
        sessions.len()
    );
    let _ = writeln!(
        report,
        "| dialect | sessions | responses | server frames | order | paths | values | allowed | failing |"
    );
    let _ = writeln!(report, "|---|---|---|---|---|---|---|---|---|");
    for (dialect, row) in &rows {
        let _ = writeln!(
            report,
            "| {dialect} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.sessions,
            row.responses,
            row.server_frames,
            row.order,
            row.paths,
            row.values,
            row.allowed,
            row.failing
        );
    }
    let unique_failing = dedup(&failing);
    if !unique_failing.is_empty() {
        let _ = writeln!(report, "\nDivergences not in the allowlist:");
        for (dialect, key, detail, sessions) in &unique_failing {
            let _ = writeln!(report, "- {dialect} | {key}\n    {detail} (in {sessions})");
        }
    }
    if args.show_allowed {
        let _ = writeln!(report, "\nDivergences the allowlist accepts:");
        for (dialect, key, _, sessions) in dedup(&allowed) {
            let _ = writeln!(report, "- {dialect} | {key} (in {sessions})");
        }
    }
    let stale: Vec<String> = allowlist
        .entries()
        .iter()
        .zip(&used)
        .filter(|(_, used)| !**used)
        .map(|(entry, _)| format!("- {} | {}", entry.dialect, entry.key))
        .collect();
    if !stale.is_empty() {
        let _ = writeln!(
            report,
            "\nAllowlist entries that matched nothing (remove them):\n{}",
            stale.join("\n")
        );
    }
    let failures = unique_failing.len() + stale.len();
    let _ = writeln!(
        report,
        "\n{}",
        if failures == 0 {
            "fidelity: ok".to_owned()
        } else {
            format!(
                "fidelity: FAILED ({} divergences not allowed, {} stale allowlist entries)",
                unique_failing.len(),
                stale.len()
            )
        }
    );
    Ok(Outcome { report, failures })
}

/// One line per distinct `(dialect, key)`, with the first detail and the sessions.
fn dedup(
    list: &[(&'static str, String, Divergence)],
) -> Vec<(&'static str, String, String, String)> {
    let mut merged: BTreeMap<(&'static str, String), (String, Vec<String>)> = BTreeMap::new();
    for (dialect, session, divergence) in list {
        let entry = merged
            .entry((dialect, divergence.key.clone()))
            .or_insert_with(|| (divergence.detail.clone(), Vec::new()));
        if !entry.1.contains(session) {
            entry.1.push(session.clone());
        }
    }
    merged
        .into_iter()
        .map(|((dialect, key), (detail, sessions))| (dialect, key, detail, sessions.join(", ")))
        .collect()
}
