//! Command-line parsing (plain `std::env::args`, no parser crate).

use std::path::{Path, PathBuf};

use crate::dialect::Dialect;

/// Usage text.
pub const USAGE: &str = "\
usage: cargo xtask conformance [--fixtures DIR]... [--specs DIR]... [--dialect NAME]... [--strict-unknown]

  --fixtures DIR    fixture directory to load frames from (repeatable; default: <workspace>/fixtures)
  --specs DIR       directory to find the spec files in (repeatable; default: <workspace>/fixtures)
  --dialect NAME    check only this dialect (repeatable): any dialect a provider crate registers
                    (the report lists them), e.g. openai-ga, azure-openai-ga-v1, voicelive-2026-07-15;
                    voicelive = voicelive-2026-04-10 (the version its doc examples use)
  --strict-unknown  fail on every server event the codec decodes to its catch-all

usage: cargo xtask load --help   (loopback load test against the emulator)
usage: cargo xtask bench decode --help   (typed decode against a plain JSON parse)
";

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `conformance`.
    Conformance(ConformanceArgs),
    /// `help`, `-h`, `--help`.
    Help,
}

/// Arguments of `conformance`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConformanceArgs {
    /// Fixture directories.
    pub fixtures: Vec<PathBuf>,
    /// Spec directories.
    pub specs: Vec<PathBuf>,
    /// Dialects to check (all when none was named).
    pub dialects: Vec<Dialect>,
    /// `--strict-unknown`.
    pub strict_unknown: bool,
}

/// A command line that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CliError {
    /// No subcommand.
    #[error("expected a subcommand (conformance), got none")]
    NoCommand,
    /// Unknown subcommand.
    #[error("expected a subcommand (conformance), got `{0}`")]
    UnknownCommand(String),
    /// Unknown option.
    #[error("expected --fixtures, --specs, --dialect or --strict-unknown, got `{0}`")]
    UnknownOption(String),
    /// An option without its value.
    #[error("expected a value after {0}, got none")]
    MissingValue(&'static str),
    /// An unknown dialect name.
    #[error("expected a dialect name (see --help), got `{0}`")]
    UnknownDialect(String),
}

/// The workspace's `fixtures/` directory (next to `xtask/`).
pub fn default_fixtures() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).join("fixtures")
}

/// Parses the arguments after the program name.
///
/// # Errors
/// [`CliError`] naming what was expected and what came.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, CliError> {
    let mut args = args.into_iter();
    let command = args.next().ok_or(CliError::NoCommand)?;
    match command.as_str() {
        "conformance" => {}
        "help" | "-h" | "--help" => return Ok(Command::Help),
        _ => return Err(CliError::UnknownCommand(command)),
    }
    let mut parsed = ConformanceArgs {
        fixtures: Vec::new(),
        specs: Vec::new(),
        dialects: Vec::new(),
        strict_unknown: false,
    };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &'static str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(CliError::MissingValue(name))
        };
        match flag.as_str() {
            "--fixtures" => parsed.fixtures.push(PathBuf::from(value("--fixtures")?)),
            "--specs" => parsed.specs.push(PathBuf::from(value("--specs")?)),
            "--dialect" => {
                let name = value("--dialect")?;
                let dialect = Dialect::parse(&name).ok_or(CliError::UnknownDialect(name))?;
                if !parsed.dialects.contains(&dialect) {
                    parsed.dialects.push(dialect);
                }
            }
            "--strict-unknown" if inline.is_none() => parsed.strict_unknown = true,
            "-h" | "--help" => return Ok(Command::Help),
            _ => return Err(CliError::UnknownOption(arg)),
        }
    }
    if parsed.fixtures.is_empty() {
        parsed.fixtures.push(default_fixtures());
    }
    if parsed.specs.is_empty() {
        parsed.specs.push(default_fixtures());
    }
    if parsed.dialects.is_empty() {
        parsed.dialects = Dialect::all();
    }
    parsed.dialects.sort();
    Ok(Command::Conformance(parsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| (*arg).to_owned()).collect()
    }

    #[test]
    fn defaults_to_workspace_fixtures_and_all_dialects() {
        let Ok(Command::Conformance(parsed)) = parse(args(&["conformance"])) else {
            panic!("conformance did not parse");
        };
        assert_eq!(parsed.fixtures, vec![default_fixtures()]);
        assert!(parsed.fixtures[0].ends_with("fixtures"));
        assert_eq!(parsed.dialects, Dialect::all());
        assert!(!parsed.strict_unknown);
    }

    #[test]
    fn repeatable_options_and_alias() {
        let parsed = parse(args(&[
            "conformance",
            "--fixtures",
            "a",
            "--fixtures=b",
            "--dialect",
            "voicelive",
            "--dialect=openai-ga",
            "--strict-unknown",
        ]));
        let Ok(Command::Conformance(parsed)) = parsed else {
            panic!("did not parse: {parsed:?}");
        };
        assert_eq!(
            parsed.fixtures,
            vec![PathBuf::from("a"), PathBuf::from("b")]
        );
        assert_eq!(
            parsed.dialects,
            vec![Dialect::OpenAiGa, Dialect::VoiceLive20260410]
        );
        assert!(parsed.strict_unknown);
    }

    #[test]
    fn errors_say_what_was_expected() {
        assert_eq!(parse(args(&[])), Err(CliError::NoCommand));
        assert_eq!(
            parse(args(&["build"])),
            Err(CliError::UnknownCommand("build".into()))
        );
        assert_eq!(
            parse(args(&["conformance", "--fixtures"])),
            Err(CliError::MissingValue("--fixtures"))
        );
        assert_eq!(
            parse(args(&["conformance", "--dialect", "openai-ga-translation"])),
            Err(CliError::UnknownDialect("openai-ga-translation".into()))
        );
        assert_eq!(
            parse(args(&["conformance", "-x"])),
            Err(CliError::UnknownOption("-x".into()))
        );
        assert_eq!(parse(args(&["conformance", "--help"])), Ok(Command::Help));
    }
}
