//! `cargo xtask <command>`; see `xtask::cli::USAGE`.

use std::io::Write;
use std::process::ExitCode;

use xtask::cli::{self, Command};
use xtask::conformance;

fn main() -> ExitCode {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
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
        #[cfg(feature = "core")]
        Command::LoadHelp => {
            let _ = write!(stdout.lock(), "{}", xtask::load::USAGE);
            return ExitCode::SUCCESS;
        }
        #[cfg(feature = "core")]
        Command::Load(args) => {
            return match xtask::load::run(&args) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::FAILURE,
                Err(error) => {
                    let _ = writeln!(stderr.lock(), "error: {error}");
                    ExitCode::FAILURE
                }
            };
        }
    };
    #[cfg(feature = "core")]
    let result = conformance::run(&xtask::codec_core::CoreCodec, &args);
    #[cfg(not(feature = "core"))]
    let result = conformance::run(&xtask::codec_standin::StandIn, &args);
    let _ = write!(stdout.lock(), "{}", result.report);
    if result.failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
