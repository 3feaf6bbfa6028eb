//! `cargo xtask <command>`; see `xtask::cli::USAGE`.

use std::io::Write;
use std::process::ExitCode;

use xtask::cli::{self, Command};
use xtask::conformance;

fn main() -> ExitCode {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    #[cfg(feature = "core")]
    if std::env::args().nth(1).as_deref() == Some("load") {
        return load(&std::env::args().skip(2).collect::<Vec<_>>());
    }
    #[cfg(feature = "core")]
    if std::env::args().nth(1).as_deref() == Some("bench") {
        return bench(&std::env::args().skip(2).collect::<Vec<_>>());
    }
    #[cfg(feature = "core")]
    if std::env::args().nth(1).as_deref() == Some("fidelity") {
        return fidelity(std::env::args().skip(2));
    }
    let command = match cli::parse(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(error) => {
            let _ = write!(stderr.lock(), "error: {error}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    let args = match command {
        Command::Help => {
            let _ = write!(stdout.lock(), "{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Command::Conformance(args) => args,
    };
    #[cfg(feature = "core")]
    let result = conformance::run(&xtask::codec_core::CoreCodec, &args);
    #[cfg(not(feature = "core"))]
    let result = conformance::run(&xtask::codec_standin::StandIn, &args);
    #[cfg(feature = "core")]
    let live = xtask::gpt_live::run(&args.fixtures);
    #[cfg(not(feature = "core"))]
    let live = (String::new(), 0);
    let _ = write!(stdout.lock(), "{}{}", result.report, live.0);
    if result.failures + live.1 == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `cargo xtask load ...` (dispatched before `cli::parse`, whose `Command` other
/// code matches exhaustively).
#[cfg(feature = "core")]
fn load(args: &[String]) -> ExitCode {
    let parsed = match xtask::subcommand::parse_args(
        args.to_owned(),
        xtask::load::USAGE,
        xtask::load::parse,
    ) {
        Ok(parsed) => parsed,
        Err(code) => return code,
    };
    if cfg!(debug_assertions) && !parsed.serve {
        return rerun_release("load", args);
    }
    xtask::subcommand::exit_code(xtask::load::run(&parsed))
}

/// `cargo xtask bench decode ...` (dispatched before `cli::parse`, like `load`). A
/// debug build (what `cargo xtask` runs) times nothing worth reading: it re-runs
/// itself through `cargo run --release`.
#[cfg(feature = "core")]
fn bench(args: &[String]) -> ExitCode {
    let parsed = match xtask::subcommand::parse_args(
        args.to_owned(),
        xtask::bench::USAGE,
        xtask::bench::parse,
    ) {
        Ok(parsed) => parsed,
        Err(code) => return code,
    };
    if cfg!(debug_assertions) {
        return rerun_release("bench", args);
    }
    xtask::subcommand::exit_code(xtask::bench::run(&parsed).map(|()| true))
}

/// Runs `cargo run --release -p xtask -- <command> <args>` and passes its exit code on.
#[cfg(feature = "core")]
fn rerun_release(command: &str, args: &[String]) -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let _ = writeln!(
        std::io::stderr().lock(),
        "(a debug build measures nothing useful: running `cargo run --release -p xtask -- {command} ...`)"
    );
    let status = std::process::Command::new(cargo)
        .args(["run", "--quiet", "--release", "--manifest-path"])
        .arg(manifest)
        .args(["--", command])
        .args(args)
        .status();
    match status {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => ExitCode::from(u8::try_from(status.code().unwrap_or(1)).unwrap_or(1)),
        Err(error) => {
            let _ = writeln!(std::io::stderr().lock(), "error: cannot run cargo: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask fidelity ...` (dispatched before `cli::parse`, like `load`).
#[cfg(feature = "core")]
fn fidelity(args: impl Iterator<Item = String>) -> ExitCode {
    use xtask::fidelity;
    let args = match fidelity::Args::parse(args) {
        Ok(Some(args)) => args,
        Ok(None) => {
            let _ = write!(std::io::stdout().lock(), "{}", fidelity::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            let _ = write!(
                std::io::stderr().lock(),
                "error: {error}\n\n{}",
                fidelity::USAGE
            );
            return ExitCode::from(2);
        }
    };
    match fidelity::run(&args) {
        Ok(outcome) => {
            let _ = write!(std::io::stdout().lock(), "{}", outcome.report);
            if outcome.failures == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {error}");
            ExitCode::FAILURE
        }
    }
}
