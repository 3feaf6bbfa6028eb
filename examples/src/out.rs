//! Printing for the examples: a closed stdout (`| head -1`) ends the program quietly
//! with exit code 0 instead of a panic with a backtrace.
//!
//! `println!` panics when the reader went away (Rust ignores `SIGPIPE`, so the write
//! fails with `BrokenPipe`). [`line()`] writes through a locked, flushed stdout and
//! treats `BrokenPipe` as the end of the program: it runs the cleanups registered with
//! [`on_exit`] (temporary files) and exits 0.

use std::io::{ErrorKind, Write};
use std::sync::{Mutex, PoisonError};

type Cleanup = Box<dyn FnOnce() + Send>;

static CLEANUPS: Mutex<Vec<Cleanup>> = Mutex::new(Vec::new());

/// Prints `text` and a newline on stdout.
///
/// A closed stdout ends the process with exit code 0 after the [`on_exit`] cleanups;
/// any other write error ends it with exit code 1 and a message on stderr.
pub fn line(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let written = writeln!(stdout, "{text}").and_then(|()| stdout.flush());
    drop(stdout);
    if let Err(error) = written {
        run_cleanups();
        if error.kind() == ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        let _ = writeln!(std::io::stderr(), "error: writing to stdout: {error}");
        std::process::exit(1);
    }
}

/// Registers `cleanup` to run if the process ends early in [`line()`]. Programs that
/// end normally clean up themselves (and may call [`run_cleanups`]).
pub fn on_exit(cleanup: impl FnOnce() + Send + 'static) {
    CLEANUPS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(Box::new(cleanup));
}

/// Runs (and forgets) the cleanups registered with [`on_exit`].
pub fn run_cleanups() {
    let cleanups = std::mem::take(&mut *CLEANUPS.lock().unwrap_or_else(PoisonError::into_inner));
    for cleanup in cleanups {
        cleanup();
    }
}
