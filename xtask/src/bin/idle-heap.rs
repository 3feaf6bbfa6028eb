//! `cargo run --release -p xtask --bin idle-heap -- --idle N`: `cargo xtask load`
//! with a counting global allocator, so the idle report also gives the live heap
//! bytes each idle session holds in the client process (RSS alone counts pages the
//! allocator keeps, and rounds to them). The emulator child is this binary too; it
//! counts nothing that is reported.
//!
//! A separate binary so that `cargo xtask load` itself runs on the plain system
//! allocator, with no atomic counter on every allocation of a streaming run.

use std::alloc::System;
use std::io::Write;
use std::process::ExitCode;

use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes allocated and not yet freed, process-wide.
///
/// `stats_alloc` already adds a `realloc`'s growth to `bytes_allocated` (and its
/// shrinking to `bytes_deallocated`); `bytes_reallocated` is the same change again,
/// so adding it would count every growth twice.
fn live_bytes() -> u64 {
    let stats = GLOBAL.stats();
    let live = stats.bytes_allocated as i128 - stats.bytes_deallocated as i128;
    u64::try_from(live.max(0)).unwrap_or(u64::MAX)
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // The load test starts its emulator as `<this exe> load --serve ...`.
    if args.first().is_some_and(|arg| arg == "load") {
        args.remove(0);
    }
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        let _ = write!(std::io::stdout().lock(), "{}", xtask::load::USAGE);
        return ExitCode::SUCCESS;
    }
    let parsed = match xtask::load::parse(args) {
        Ok(parsed) => parsed,
        Err(error) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {error}");
            return ExitCode::from(2);
        }
    };
    xtask::load::set_heap_probe(live_bytes);
    match xtask::load::run(&parsed) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {error}");
            ExitCode::FAILURE
        }
    }
}
