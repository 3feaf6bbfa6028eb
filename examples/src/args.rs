//! Tiny command-line parsing for the examples: `--flag`, `--key VALUE`, `--key=VALUE`.

use std::collections::HashMap;

use crate::ExampleError;

/// Parsed arguments.
#[derive(Debug, Default, Clone)]
pub struct Args {
    values: HashMap<String, String>,
    flags: Vec<String>,
}

impl Args {
    /// Parses the process arguments. `options` take a value, `flags` do not; anything
    /// else is an error naming what is accepted.
    ///
    /// # Errors
    /// An unknown argument, or an option without its value.
    pub fn parse(options: &[&str], flags: &[&str]) -> Result<Self, ExampleError> {
        Self::parse_from(std::env::args().skip(1), options, flags)
    }

    /// Parses `args` (without the program name).
    ///
    /// # Errors
    /// An unknown argument, or an option without its value.
    pub fn parse_from(
        args: impl IntoIterator<Item = String>,
        options: &[&str],
        flags: &[&str],
    ) -> Result<Self, ExampleError> {
        let mut parsed = Self::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
                None => (arg.clone(), None),
            };
            let bare = name.trim_start_matches('-');
            if name.starts_with("--") && options.contains(&bare) {
                let Some(value) = inline.or_else(|| args.next()) else {
                    return Err(ExampleError::new(format!("{name} expects a value")));
                };
                parsed.values.insert(bare.to_owned(), value);
            } else if name.starts_with("--") && inline.is_none() && flags.contains(&bare) {
                parsed.flags.push(bare.to_owned());
            } else {
                let mut accepted: Vec<String> =
                    options.iter().map(|o| format!("--{o} VALUE")).collect();
                accepted.extend(flags.iter().map(|f| format!("--{f}")));
                return Err(ExampleError::new(format!(
                    "unknown argument `{arg}`; accepted: {}",
                    accepted.join(", ")
                )));
            }
        }
        Ok(parsed)
    }

    /// The value of `--name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Whether `--name` was given.
    pub fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|flag| flag == name)
    }
}

#[cfg(test)]
mod tests {
    use super::Args;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn options_and_flags() -> Result<(), super::ExampleError> {
        let args = Args::parse_from(
            strings(&["--provider", "openai", "--output=o.wav", "--offline"]),
            &["provider", "output"],
            &["offline"],
        )?;
        assert_eq!(args.value("provider"), Some("openai"));
        assert_eq!(args.value("output"), Some("o.wav"));
        assert!(args.flag("offline"));
        Ok(())
    }

    #[test]
    fn unknown_argument_is_explained() {
        let error = Args::parse_from(strings(&["--nope"]), &["provider"], &[]).err();
        assert!(error.is_some_and(|e| e.0.contains("--provider VALUE")));
    }
}
