//! `cargo xtask load`: concurrent full-duplex agent sessions against the testkit
//! emulator on 127.0.0.1, with CPU, memory and latency figures.
//!
//! The emulator runs in a child process (this binary with `load --serve`), so that
//! CPU and RSS of the library (this process) and of the emulator are measured apart.
//! Each emulated event carries its write time (ns since the Unix epoch, the same
//! clock in both processes) in its `event_id`; the client records, for every server
//! event, the time until the agent delivers its last `AgentEvent` (`Raw`, emitted
//! after the typed events such as `Audio`), so the figure covers the emulator's
//! socket write, loopback, the transport task, decoding, the agent's dispatch and
//! the app-facing channel.

mod client;
mod emulator;
mod stats;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use realtime_testkit::emulator::{Profile, Script};
use tokio::sync::Semaphore;
use tokio::time::Instant;

use self::client::ClientStats;
use self::stats::{cpu_ticks, nofile_limit, rss_kib};

/// Usage of `load`.
pub const USAGE: &str = "\
usage: cargo xtask load [--sessions N] [--seconds S] [--dialect NAME] [--idle N] [--quick]
                        [--user-turn-ms MS] [--find-max]

  --sessions N       concurrent full-duplex agent sessions (default 100)
  --seconds S        how long they stream, in seconds (default 30)
  --dialect NAME     emulator profile: openai-ga (default), azure-openai-ga-v1,
                     azure-openai-preview, voicelive, voicelive-v1
  --idle N           instead: connect N sessions, wait for session.created, measure RSS
  --quick            20 sessions for 10 s (a smoke run)
  --user-turn-ms MS  user audio that makes one user turn (default 5000); the script makes
                     one tool call and one barge-in per 12 assistant turns (~1 per minute)
  --find-max         runs of S seconds from N sessions up, doubling while event p99 stays
                     under 5 ms (and audio keeps 49.5 of 50 frames/s, with no error),
                     then halving the gap three times; prints the last count that held

  A debug build re-runs itself with `cargo run --release`. Live heap bytes per idle
  session: cargo run --release -p xtask --bin idle-heap -- --idle N
";

/// Live heap bytes of this process, when the binary counts them (`idle-heap`).
static HEAP_PROBE: std::sync::OnceLock<fn() -> u64> = std::sync::OnceLock::new();

/// Makes the idle report give live heap bytes per session, read with `probe` (the
/// `idle-heap` binary's counting allocator).
pub fn set_heap_probe(probe: fn() -> u64) {
    let _ = HEAP_PROBE.set(probe);
}

fn heap_bytes() -> Option<u64> {
    HEAP_PROBE.get().map(|probe| probe())
}

/// Event p99 above this ends `--find-max`.
const FIND_MAX_P99_US: u64 = 5_000;

/// Audio sent below this (frames per second per session, of 50) also ends it: a
/// count whose generator cannot keep pace is not held, whatever its latency.
const FIND_MAX_MIN_FPS: f64 = 49.5;

/// Arguments of `load`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadArgs {
    /// Concurrent streaming sessions.
    pub sessions: usize,
    /// Streaming time in seconds.
    pub seconds: u64,
    /// Emulator profile name.
    pub dialect: String,
    /// Idle sessions to hold instead of streaming (0: streaming run).
    pub idle: usize,
    /// User audio per user turn, in ms.
    pub user_turn_ms: u64,
    /// Run as the emulator process (internal).
    pub serve: bool,
    /// `--find-max`.
    pub find_max: bool,
}

/// A `load` command line that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadCliError {
    /// Unknown option.
    #[error("expected a `load` option (see --help), got `{0}`")]
    UnknownOption(String),
    /// Missing or non-numeric value.
    #[error("expected a number after {0}, got `{1}`")]
    BadNumber(&'static str, String),
    /// Unknown dialect.
    #[error("expected an emulator profile (see --help), got `{0}`")]
    UnknownDialect(String),
}

/// Parses the arguments after `load`.
///
/// # Errors
/// [`LoadCliError`] naming what was expected.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<LoadArgs, LoadCliError> {
    let mut parsed = LoadArgs {
        sessions: 100,
        seconds: 30,
        dialect: "openai-ga".to_owned(),
        idle: 0,
        user_turn_ms: 5_000,
        serve: false,
        find_max: false,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
            None => (arg.clone(), None),
        };
        let mut value = || inline.clone().or_else(|| args.next()).unwrap_or_default();
        let mut number = |name: &'static str| {
            let text = value();
            text.parse::<u64>()
                .map_err(|_| LoadCliError::BadNumber(name, text))
        };
        match flag.as_str() {
            "--sessions" => parsed.sessions = number("--sessions")? as usize,
            "--seconds" => parsed.seconds = number("--seconds")?,
            "--idle" => parsed.idle = number("--idle")? as usize,
            "--user-turn-ms" => parsed.user_turn_ms = number("--user-turn-ms")?.max(20),
            "--dialect" => {
                let name = value();
                if Profile::for_dialect(&name).is_none() {
                    return Err(LoadCliError::UnknownDialect(name));
                }
                parsed.dialect = name;
            }
            "--quick" => {
                parsed.sessions = 20;
                parsed.seconds = 10;
            }
            "--serve" => parsed.serve = true,
            "--find-max" => parsed.find_max = true,
            _ => return Err(LoadCliError::UnknownOption(arg)),
        }
    }
    Ok(parsed)
}

/// The script every emulated session plays: per 12 assistant turns one tool call and
/// one barge-in; spoken turns are 20 chunks of 100 ms.
fn script(args: &LoadArgs) -> Script {
    let text: String = (0..25).map(|i| format!("word{i} ")).collect();
    let user_turns = args.seconds * 1_000 / args.user_turn_ms + 2;
    let mut script = Script::new().audio_chunks(20);
    for turn in 0..(user_turns * 2).max(24) {
        script = match turn % 12 {
            0 => script.call("lookup_order", serde_json::json!({"order": "A-1"})),
            5 => script.say_interrupted(text.clone(), 5),
            _ => script.say(text.clone()),
        };
    }
    script
}

/// What one run measured, for `--find-max`.
#[derive(Debug, Clone, Copy, Default)]
struct Summary {
    held: usize,
    errors: u64,
    event_p99_us: u64,
    events_measured: u64,
    barge_in_p99_us: u64,
    fps_per_session: f64,
}

/// Runs `load`. Prints its report; returns whether the run had no error.
///
/// # Errors
/// The emulator process or the runtime could not start.
pub fn run(args: &LoadArgs) -> Result<bool, String> {
    let profile = Profile::for_dialect(&args.dialect)
        .ok_or_else(|| format!("unknown dialect {}", args.dialect))?;
    if args.serve {
        return emulator::serve(profile, script(args), args.user_turn_ms)
            .map(|()| true)
            .map_err(|error| error.to_string());
    }
    if args.find_max {
        return find_max(args, &profile);
    }
    run_once(args, &profile).map(|(ok, _)| ok)
}

/// `--find-max`: doubles the session count while event p99 stays under 5 ms (and
/// every session connects without error), then bisects the last gap three times.
fn find_max(args: &LoadArgs, profile: &Profile) -> Result<bool, String> {
    let mut held: Option<usize> = None;
    let mut failed: Option<usize> = None;
    let mut count = args.sessions.max(1);
    let mut bisections = 0;
    let ceiling = 100_000;
    loop {
        let step = LoadArgs {
            sessions: count,
            find_max: false,
            ..args.clone()
        };
        let _ = writeln!(std::io::stdout().lock(), "--- find-max: {count} sessions");
        let (_, summary) = run_once(&step, profile)?;
        if summary.events_measured == 0 {
            return Err(format!(
                "find-max: no server event was timed in {} s; run longer than a user turn ({} ms), e.g. --seconds 15",
                args.seconds, args.user_turn_ms
            ));
        }
        let verdict = if summary.errors > 0 || summary.held < count {
            "crossed (errors)"
        } else if summary.event_p99_us >= FIND_MAX_P99_US {
            "crossed (event p99)"
        } else if summary.fps_per_session < FIND_MAX_MIN_FPS {
            "crossed (audio fell behind)"
        } else {
            "held"
        };
        let holds = verdict == "held";
        let _ = writeln!(
            std::io::stdout().lock(),
            "--- find-max: {count} sessions: event p99 {} µs, barge-in p99 {} µs, {:.2}/50 frames/s, {} errors: {verdict}",
            summary.event_p99_us,
            summary.barge_in_p99_us,
            summary.fps_per_session,
            summary.errors,
        );
        if holds {
            held = Some(count);
        } else {
            failed = Some(count);
        }
        count = match (held, failed) {
            (Some(low), None) if low * 2 <= ceiling => low * 2,
            (Some(low), Some(high)) if bisections < 3 && high - low > 1 => {
                bisections += 1;
                low + (high - low) / 2
            }
            _ => break,
        };
    }
    let mut out = std::io::stdout().lock();
    match held {
        Some(count) => {
            let _ = writeln!(
                out,
                "find-max: {count} sessions held event p99 < {} ms{}",
                FIND_MAX_P99_US / 1_000,
                failed
                    .map(|f| format!(" ({f} crossed it)"))
                    .unwrap_or_default()
            );
            Ok(true)
        }
        None => {
            let _ = writeln!(
                out,
                "find-max: even {} sessions crossed event p99 {} ms",
                args.sessions.max(1),
                FIND_MAX_P99_US / 1_000
            );
            Ok(false)
        }
    }
}

/// One run against a fresh emulator process: prints its report.
fn run_once(args: &LoadArgs, profile: &Profile) -> Result<(bool, Summary), String> {
    let exe = std::env::current_exe().map_err(|error| error.to_string())?;
    let mut child = Command::new(exe)
        .args([
            "load",
            "--serve",
            "--dialect",
            &args.dialect,
            "--seconds",
            &args.seconds.to_string(),
            "--user-turn-ms",
            &args.user_turn_ms.to_string(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot start the emulator process: {error}"))?;
    let child_pid = child.id().to_string();
    let mut lines = BufReader::new(child.stdout.take().ok_or("no emulator stdout")?).lines();
    let addr = match lines.next() {
        Some(Ok(line)) => line
            .strip_prefix("listening ")
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    };
    let mut report = Vec::new();
    let mut summary = Summary::default();
    let result = if addr.is_empty() {
        Err("the emulator process did not start".to_owned())
    } else {
        drive(args, profile, &addr, &child_pid, &mut report, &mut summary)
    };
    // Closing its stdin stops the emulator; it prints its stats line first.
    drop(child.stdin.take());
    for line in lines.map_while(Result::ok) {
        if let Some(stats) = line.strip_prefix("stats ") {
            report.push(format!("emulator: {stats}"));
        }
    }
    let _ = child.wait();
    let mut out = std::io::stdout().lock();
    for line in &report {
        let _ = writeln!(out, "{line}");
    }
    result.map(|ok| (ok, summary))
}

fn drive(
    args: &LoadArgs,
    profile: &Profile,
    addr: &str,
    child_pid: &str,
    report: &mut Vec<String>,
    summary: &mut Summary,
) -> Result<bool, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| error.to_string())?;
    let url = format!("ws://{addr}/realtime");
    let shape = profile.shape;
    let count = if args.idle > 0 {
        args.idle
    } else {
        args.sessions
    };
    let (nofile_soft, nofile_hard) = nofile_limit().unwrap_or_default();
    report.push(format!(
        "conditions: {} cores, load average {}, RLIMIT_NOFILE soft {nofile_soft} hard {nofile_hard} (not raised: it covers {count} sockets per process), dialect {} ({:?} shape)",
        std::thread::available_parallelism().map_or(0, usize::from),
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim(),
        args.dialect,
        shape,
    ));
    // The shared histograms (several hundred KiB) are made before the baseline: they
    // are the load test's, not the sessions'.
    let stats = Arc::new(ClientStats::new());
    let rss_before = rss_kib("self").unwrap_or(0);
    let heap_before = heap_bytes();
    let emulator_rss_before = rss_kib(child_pid).unwrap_or(0);

    runtime.block_on(async {
        let started = Instant::now();
        let gate = Arc::new(Semaphore::new(64));
        let mut connecting = tokio::task::JoinSet::new();
        for _ in 0..count {
            let gate = Arc::clone(&gate);
            let url = url.clone();
            connecting.spawn(async move {
                let _permit = gate.acquire_owned().await;
                client::connect(&url, shape).await
            });
        }
        let mut sessions = Vec::with_capacity(count);
        let mut connect_errors = 0usize;
        let mut first_error = None;
        while let Some(joined) = connecting.join_next().await {
            match joined {
                Ok(Ok(session)) => sessions.push(session),
                Ok(Err(error)) => {
                    connect_errors += 1;
                    first_error.get_or_insert(error);
                }
                Err(error) => {
                    connect_errors += 1;
                    first_error.get_or_insert(error.to_string());
                }
            }
        }
        let held = sessions.len();
        summary.held = held;
        report.push(format!(
            "connected: {held}/{count} sessions (session.created received) in {:.1} s, {connect_errors} failed{}",
            started.elapsed().as_secs_f64(),
            first_error.map(|e| format!(" (first: {e})")).unwrap_or_default(),
        ));
        tokio::time::sleep(Duration::from_millis(500)).await;
        // An app reads its events: take what arrived after session.created
        // (session.updated...), so that the figure is the session's, not a queue of
        // unread events.
        // Unconstrained: within one poll of this task, tokio's cooperative budget
        // (128 operations) would soon make every `recv` pending, and the events of most
        // sessions would stay queued and be counted.
        tokio::task::unconstrained(async {
            for session in &mut sessions {
                while let Some(Some(_)) = futures_util::FutureExt::now_or_never(session.next_event()) {}
            }
        })
        .await;
        let rss_connected = rss_kib("self").unwrap_or(0);
        let emulator_rss_connected = rss_kib(child_pid).unwrap_or(0);
        let per_session = |after: u64, before: u64| {
            after.saturating_sub(before) as f64 / held.max(1) as f64
        };
        if let (Some(before), Some(after)) = (heap_before, heap_bytes()) {
            report.push(format!(
                "heap idle: {:.0} bytes live per session in the client ({} -> {} bytes; counting allocator; target <= 32 KiB = 32768)",
                after.saturating_sub(before) as f64 / held.max(1) as f64,
                before,
                after,
            ));
        }
        report.push(format!(
            "RSS idle: client {rss_before} -> {rss_connected} KiB = {:.1} KiB per session (target <= 32); emulator {emulator_rss_before} -> {emulator_rss_connected} KiB = {:.1} KiB per connection",
            per_session(rss_connected, rss_before),
            per_session(emulator_rss_connected, emulator_rss_before),
        ));

        let window = if args.idle > 0 { Duration::from_secs(5) } else { Duration::from_secs(args.seconds) };
        let cpu_self = cpu_ticks("self").unwrap_or(0);
        let cpu_child = cpu_ticks(child_pid).unwrap_or(0);
        let window_start = Instant::now();
        let until = window_start + window;
        let mut streams = tokio::task::JoinSet::new();
        if args.idle > 0 {
            tokio::time::sleep_until(until).await;
        } else {
            // Sessions start at evenly spread phases of a user turn, as independent
            // callers would; started all at once, every session's turn would fire in the
            // same millisecond.
            let held = held.max(1) as u64;
            for (index, session) in sessions.drain(..).enumerate() {
                let phase = Duration::from_millis(index as u64 * args.user_turn_ms / held);
                let start = window_start + phase;
                streams.spawn(client::stream(session, start, until, Arc::clone(&stats)));
            }
            tokio::time::sleep_until(until - Duration::from_millis(200)).await;
        }
        let rss_end = rss_kib("self").unwrap_or(0);
        let emulator_rss_end = rss_kib(child_pid).unwrap_or(0);
        let elapsed = window_start.elapsed().as_secs_f64();
        let cpu = |ticks: u64| ticks as f64 / 100.0 / elapsed * 100.0;
        let cpu_self = cpu(cpu_ticks("self").unwrap_or(0).saturating_sub(cpu_self));
        let cpu_child = cpu(cpu_ticks(child_pid).unwrap_or(0).saturating_sub(cpu_child));
        while streams.join_next().await.is_some() {}
        let mut closing = tokio::task::JoinSet::new();
        for session in sessions {
            closing.spawn(async move {
                let _ = tokio::time::timeout(Duration::from_secs(5), session.close()).await;
            });
        }
        while closing.join_next().await.is_some() {}

        let mode = if args.idle > 0 { "idle" } else { "streaming" };
        report.push(format!(
            "CPU over {elapsed:.1} s {mode}: library (client process) {cpu_self:.0}% of one core, emulator process {cpu_child:.0}% (machine: 200%)"
        ));
        if args.idle == 0 {
            let sent = stats.frames_sent.load(Ordering::Relaxed);
            let due = stats.frames_due.load(Ordering::Relaxed);
            let events = stats.events.load(Ordering::Relaxed);
            // Sessions start at spread phases, so each streams for less than the
            // window: frames are counted against those due in each one's own window
            // (dividing by the whole window, as before, read 45.9 of 50 for a
            // generator that lost nothing).
            let fps = sent as f64 / due.max(1) as f64 * 50.0;
            summary.fps_per_session = fps;
            report.push(format!(
                "held: {held} full-duplex sessions for {} s; audio sent {fps:.2} of the 50 frames/s per session ({sent} of {due} frames due), received {:.0} events/s, {:.1} MB/s of pcm",
                args.seconds,
                events as f64 / elapsed,
                stats.audio_bytes.load(Ordering::Relaxed) as f64 / elapsed / 1e6,
            ));
            report.push(format!(
                "pacing: generator woke after a frame's deadline by {}; AgentSession::send_audio took {}",
                stats.pacing_late.summary(),
                stats.send_wait.summary(),
            ));
            report.push(format!(
                "RSS streaming: client {rss_end} KiB ({:.1} KiB per session), emulator {emulator_rss_end} KiB",
                rss_end as f64 / held.max(1) as f64
            ));
            report.push(format!("latency, every server event (emulator write -> AgentEvent::Raw delivered): {}", stats.event_latency.summary()));
            report.push(format!("latency, audio deltas: {}", stats.audio_latency.summary()));
            report.push(format!(
                "barge-in (emulator writes speech_started -> AgentEvent::Interrupted delivered): {}; {} interruptions, {} tool calls",
                stats.barge_in.summary(),
                stats.interruptions.load(Ordering::Relaxed),
                stats.tool_calls.load(Ordering::Relaxed),
            ));
        }
        let errors = stats.errors.load(Ordering::Relaxed) + connect_errors as u64;
        summary.errors = errors;
        summary.event_p99_us = stats.event_latency.quantile(0.99);
        summary.events_measured = stats.event_latency.len();
        summary.barge_in_p99_us = stats.barge_in.quantile(0.99);
        let first = stats
            .first_error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        report.push(format!(
            "errors: {errors}{}",
            first.map(|e| format!(" (first: {e})")).unwrap_or_default()
        ));
        Ok(errors == 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| (*arg).to_owned()).collect()
    }

    #[test]
    fn parses_options_and_presets() {
        let parsed = parse(args(&[
            "--sessions",
            "7",
            "--seconds=3",
            "--dialect",
            "voicelive",
        ]));
        let Ok(parsed) = parsed else {
            panic!("did not parse: {parsed:?}");
        };
        assert_eq!((parsed.sessions, parsed.seconds), (7, 3));
        assert_eq!(parsed.dialect, "voicelive");
        let Ok(quick) = parse(args(&["--quick"])) else {
            panic!("--quick did not parse");
        };
        assert_eq!((quick.sessions, quick.seconds), (20, 10));
        assert_eq!(
            parse(args(&["--sessions", "x"])),
            Err(LoadCliError::BadNumber("--sessions", "x".into()))
        );
        assert_eq!(
            parse(args(&["--dialect", "nope"])),
            Err(LoadCliError::UnknownDialect("nope".into()))
        );
    }

    #[test]
    fn script_has_a_call_and_a_barge_in_per_twelve_turns() {
        let script = script(&LoadArgs {
            sessions: 1,
            seconds: 60,
            dialect: "openai-ga".into(),
            idle: 0,
            user_turn_ms: 5_000,
            serve: false,
            find_max: false,
        });
        assert_eq!(script.len(), 28);
    }
}
