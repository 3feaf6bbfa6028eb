//! `cargo xtask bench decode`: typed decode of every family's recorded server frames
//! through the provider dialect (`Dialect::decode`, what the client calls on every
//! frame), side by side with a plain `serde_json::Value` parse of the same bytes, in
//! one process; and, when Python is there, openai-agents-python's server-event
//! adapter on the GA frames.
//!
//! Figures are printed, never asserted: a benchmark is no test.
//!
//! Where the typed decode's time goes (callgrind on the GA frames): string scanning
//! (`skip_to_escape`, `parse_str`) about 22%, copies into owned strings and moves of
//! the 704-byte `ServerEvent` about 11%, malloc/free about 20%, and the
//! `serde_json::Map`s kept as values (the session object, unmodelled fields)
//! about 10%. A SIMD parser was tried and not adopted: `sonic-rs` 0.5 through serde
//! into the same `Value` took 1.20 µs per GA frame against serde_json's 0.95, and
//! 0.95 against 0.87 on Voice Live (interleaved, same process): these frames are
//! small (about 280 bytes), so per-token serde overhead, not scanning, dominates.

mod frames;
mod python;

use std::hint::black_box;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use self::frames::{FAMILIES, Family, FrameSet, Sample};

/// Usage of `bench`.
pub const USAGE: &str = "\
usage: cargo xtask bench decode [--rounds N] [--passes N] [--family NAME]...
                                [--only typed|value] [--no-python] [--fixtures DIR]

  Times the typed decode of every recorded server frame of each family through its
  provider dialect (`Dialect::decode`) against `serde_json::from_str::<Value>` of the
  same bytes, rounds interleaved, and prints the median µs per frame and the ratio.
  A debug build re-runs itself with `cargo run --release`.

  --rounds N       timed rounds per family and side (default 21; each about 20 ms)
  --passes N       passes over the frames per round, instead of calibrating to 20 ms
  --family NAME    ga, azure-ga-v1, beta/preview, voicelive (repeatable; default all)
  --only SIDE      run one side only: typed or value (for instruction counts, below)
  --no-python      skip openai-agents-python (by default a venv with `openai-agents`
                   from PyPI is created under target/bench-venv on first use)
  --fixtures DIR   fixture directory (default <workspace>/fixtures)

  Instruction counts, quiet or not (valgrind); divide by passes × frames:
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
      --toggle-collect='xtask::bench::typed_pass' \\
      target/release/xtask bench decode --rounds 1 --passes 10 --no-python --only typed --family ga
  (and `--toggle-collect='xtask::bench::value_pass' ... --only value`).
";

/// Which sides to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sides {
    /// Typed and plain.
    Both,
    /// Typed decode only.
    Typed,
    /// Plain `Value` parse only.
    Value,
}

/// Arguments of `bench decode`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchArgs {
    /// Timed rounds per family and side.
    pub rounds: usize,
    /// Passes per round (calibrated to about 20 ms when `None`).
    pub passes: Option<usize>,
    /// Families to run (all when empty).
    pub families: Vec<Family>,
    /// Sides to run.
    pub sides: Sides,
    /// Whether to run openai-agents-python.
    pub python: bool,
    /// Fixture directory.
    pub fixtures: PathBuf,
}

/// A `bench` command line that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BenchCliError {
    /// Not `bench decode`.
    #[error("expected `bench decode`, got `{0}`")]
    UnknownBench(String),
    /// Unknown option.
    #[error("expected a `bench decode` option (see --help), got `{0}`")]
    UnknownOption(String),
    /// A bad value.
    #[error("expected {0} after {1}, got `{2}`")]
    BadValue(&'static str, &'static str, String),
}

/// Parses the arguments after `bench`.
///
/// # Errors
/// [`BenchCliError`] naming what was expected.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<BenchArgs, BenchCliError> {
    let mut args = args.into_iter();
    match args.next() {
        Some(name) if name == "decode" => {}
        other => return Err(BenchCliError::UnknownBench(other.unwrap_or_default())),
    }
    let mut parsed = BenchArgs {
        rounds: 21,
        passes: None,
        families: Vec::new(),
        sides: Sides::Both,
        python: true,
        fixtures: crate::cli::default_fixtures(),
    };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = || inline.clone().or_else(|| args.next()).unwrap_or_default();
        match flag.as_str() {
            "--rounds" => {
                let text = value();
                parsed.rounds = match text.parse::<usize>() {
                    Ok(rounds) if rounds > 0 => rounds,
                    _ => return Err(BenchCliError::BadValue("a count > 0", "--rounds", text)),
                };
            }
            "--passes" => {
                let text = value();
                parsed.passes = match text.parse::<usize>() {
                    Ok(passes) if passes > 0 => Some(passes),
                    _ => return Err(BenchCliError::BadValue("a count > 0", "--passes", text)),
                };
            }
            "--family" => {
                let text = value();
                let Some(family) = FAMILIES.iter().find(|f| f.name() == text) else {
                    return Err(BenchCliError::BadValue("a family", "--family", text));
                };
                if !parsed.families.contains(family) {
                    parsed.families.push(*family);
                }
            }
            "--only" => {
                let text = value();
                parsed.sides = match text.as_str() {
                    "typed" => Sides::Typed,
                    "value" => Sides::Value,
                    _ => return Err(BenchCliError::BadValue("typed or value", "--only", text)),
                };
            }
            "--no-python" => parsed.python = false,
            "--fixtures" => parsed.fixtures = PathBuf::from(value()),
            _ => return Err(BenchCliError::UnknownOption(arg)),
        }
    }
    Ok(parsed)
}

/// One pass of typed decoding over `samples`: the events decoded.
#[inline(never)]
pub fn typed_pass(samples: &[Sample]) -> usize {
    let mut events = 0;
    for sample in samples {
        if let Ok(decoded) = sample.dialect.decode(black_box(&sample.frame)) {
            events += black_box(decoded).len();
        }
    }
    events
}

/// One pass of plain parsing over `samples`: the frames parsed.
#[inline(never)]
pub fn value_pass(samples: &[Sample]) -> usize {
    let mut parsed = 0;
    for sample in samples {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(black_box(&sample.frame)) {
            parsed += usize::from(black_box(value).is_object());
        }
    }
    parsed
}

/// Median seconds per frame of `pass` over `rounds` rounds of `reps` passes each.
fn time_rounds(samples: &[Sample], reps: usize, pass: fn(&[Sample]) -> usize) -> Duration {
    let started = Instant::now();
    for _ in 0..reps {
        black_box(pass(samples));
    }
    started.elapsed()
}

fn per_frame_us(elapsed: Duration, reps: usize, frames: usize) -> f64 {
    elapsed.as_secs_f64() * 1e6 / (reps * frames.max(1)) as f64
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// One family's figures (µs per frame; NaN for a side not run).
#[derive(Debug, Clone, Copy)]
struct Row {
    typed: f64,
    value: f64,
}

/// Runs `bench decode` and prints its table.
///
/// # Errors
/// A line saying why it could not run (no frames).
pub fn run(args: &BenchArgs) -> Result<(), String> {
    let sets = frames::load(args.fixtures.clone());
    let wanted: Vec<&FrameSet> = sets
        .iter()
        .filter(|set| args.families.is_empty() || args.families.contains(&set.family))
        .collect();
    if wanted.iter().all(|set| set.samples.is_empty()) {
        return Err(format!(
            "no server frames found under {}",
            args.fixtures.display()
        ));
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "decode, µs per frame (median of {} rounds, interleaved; {} cores, load average {})",
        args.rounds,
        std::thread::available_parallelism().map_or(0, usize::from),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    );
    let _ = writeln!(
        out,
        "{:<13} {:>6} {:>11} {:>8} {:>8} {:>12} {:>7}",
        "family", "frames", "bytes/frame", "passes", "typed", "plain Value", "ratio"
    );
    let mut ga_typed = None;
    for set in wanted {
        let samples = &set.samples;
        if samples.is_empty() {
            continue;
        }
        // Calibrate: passes per round so that one round takes about 20 ms.
        let reps = match args.passes {
            Some(passes) => passes,
            None => {
                let one = time_rounds(samples, 1, typed_pass).max(Duration::from_micros(1));
                ((0.02 / one.as_secs_f64()).ceil() as usize).clamp(1, 100_000)
            }
        };
        let (mut typed, mut value) = (Vec::new(), Vec::new());
        for _ in 0..args.rounds {
            if args.sides != Sides::Value {
                typed.push(per_frame_us(
                    time_rounds(samples, reps, typed_pass),
                    reps,
                    samples.len(),
                ));
            }
            if args.sides != Sides::Typed {
                value.push(per_frame_us(
                    time_rounds(samples, reps, value_pass),
                    reps,
                    samples.len(),
                ));
            }
        }
        let row = Row {
            typed: median(&mut typed),
            value: median(&mut value),
        };
        if set.family == Family::Ga {
            ga_typed = Some(row.typed);
        }
        let _ = writeln!(
            out,
            "{:<13} {:>6} {:>11} {:>8} {:>8.3} {:>12.3} {:>6.2}×{}",
            set.family.name(),
            samples.len(),
            set.bytes() / samples.len(),
            reps * args.rounds,
            row.typed,
            row.value,
            row.typed / row.value,
            if set.rejected > 0 {
                format!("  ({} frames its dialect rejects left out)", set.rejected)
            } else {
                String::new()
            },
        );
    }
    let _ = writeln!(
        out,
        "ratio = typed / plain Value (target <= 0.50×); typed = Dialect::decode of the provider dialect"
    );
    if args.python {
        let ga = sets.iter().find(|set| set.family == Family::Ga);
        match (ga, ga_typed) {
            (Some(ga), Some(typed)) if typed.is_finite() => {
                match python::adapter_us_per_frame(ga, args.rounds) {
                    Ok((version, python_us)) => {
                        let _ = writeln!(
                            out,
                            "openai-agents-python {version}, server-event adapter (json.loads + TypeAdapter.validate_python) on the {} GA frames: {python_us:.3} µs per frame; typed GA decode is {:.1}× faster (target >= 10×)",
                            ga.samples.len(),
                            python_us / typed,
                        );
                    }
                    Err(reason) => {
                        let _ = writeln!(out, "openai-agents-python: skipped ({reason})");
                    }
                }
            }
            _ => {
                let _ = writeln!(
                    out,
                    "openai-agents-python: skipped (the GA family was not timed)"
                );
            }
        }
    }
    Ok(())
}
