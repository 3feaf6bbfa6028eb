//! `cargo run --release -p xtask --bin idle-heap -- --idle N`: `cargo xtask load`
//! with a counting global allocator, so the idle report also gives the live heap
//! bytes each idle session holds in the client process (RSS alone counts pages the
//! allocator keeps, and rounds to them). The emulator child is this binary too; it
//! counts nothing that is reported.
//!
//! A separate binary so that `cargo xtask load` itself runs on the plain system
//! allocator, with no atomic counter on every allocation of a streaming run.

use std::alloc::System;
use std::process::ExitCode;

use xtask::subcommand;

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
    let parsed = match subcommand::parse_args(args, xtask::load::USAGE, xtask::load::parse) {
        Ok(parsed) => parsed,
        Err(code) => return code,
    };
    xtask::load::set_heap_probe(live_bytes);
    subcommand::exit_code(xtask::load::run(&parsed))
}
