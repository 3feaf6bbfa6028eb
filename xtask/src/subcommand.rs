//! Plumbing of the subcommands that parse their own arguments (`load`, `bench`, and
//! the `idle-heap` binary): help, argument errors and exit codes.

use std::io::Write;
use std::process::ExitCode;

/// The arguments of a subcommand that parses its own (`load`, `bench`): `-h` or
/// `--help` prints `usage` and ends with success; an argument `parse` refuses is
/// printed with `usage` and ends with exit code 2.
///
/// # Errors
/// The exit code to end with, once printed.
pub fn parse_args<A, E: std::fmt::Display>(
    args: Vec<String>,
    usage: &str,
    parse: impl FnOnce(Vec<String>) -> Result<A, E>,
) -> Result<A, ExitCode> {
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        let _ = write!(std::io::stdout().lock(), "{usage}");
        return Err(ExitCode::SUCCESS);
    }
    parse(args).map_err(|error| {
        let _ = write!(std::io::stderr().lock(), "error: {error}\n\n{usage}");
        ExitCode::from(2)
    })
}

/// The exit code of a subcommand's run: success when it passed, failure when it
/// did not or failed (the error printed).
pub fn exit_code(outcome: Result<bool, String>) -> ExitCode {
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {error}");
            ExitCode::FAILURE
        }
    }
}
