//! The allowlist: divergences accepted, each with its reason.
//!
//! One entry a line, `dialect | divergence | reason`; `#` starts a comment. The
//! divergence is the key the report prints. An entry without a reason is an error.

use std::path::{Path, PathBuf};

/// An accepted divergence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The dialect, or `*` for all.
    pub dialect: String,
    /// The divergence key.
    pub key: String,
    /// Why it is accepted.
    pub reason: String,
}

/// The allowlist file, read.
#[derive(Debug, Clone, Default)]
pub struct Allowlist {
    entries: Vec<Entry>,
}

/// An allowlist that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AllowlistError {
    /// The file cannot be read.
    #[error("fidelity allowlist {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A line is not `dialect | divergence | reason`.
    #[error(
        "fidelity allowlist {path}:{line}: expected `dialect | divergence | reason` with a reason, got `{got}`"
    )]
    Line {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// The line.
        got: String,
    },
}

impl Allowlist {
    /// Reads `path`.
    ///
    /// # Errors
    /// The file cannot be read, or a line has no reason.
    pub fn load(path: &Path) -> Result<Self, AllowlistError> {
        let text = std::fs::read_to_string(path).map_err(|source| AllowlistError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Parses the text of an allowlist file.
    ///
    /// # Errors
    /// A line that is not `dialect | divergence | reason`.
    pub fn parse(path: &Path, text: &str) -> Result<Self, AllowlistError> {
        let mut entries = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let parts: Vec<&str> = line.splitn(3, '|').map(str::trim).collect();
            match parts[..] {
                [dialect, key, reason]
                    if !dialect.is_empty() && !key.is_empty() && !reason.is_empty() =>
                {
                    entries.push(Entry {
                        dialect: dialect.to_owned(),
                        key: key.to_owned(),
                        reason: reason.to_owned(),
                    });
                }
                _ => {
                    return Err(AllowlistError::Line {
                        path: path.to_owned(),
                        line: index + 1,
                        got: line.to_owned(),
                    });
                }
            }
        }
        Ok(Self { entries })
    }

    /// The entries.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry accepting `key` on `dialect`.
    pub fn find(&self, dialect: &str, key: &str) -> Option<usize> {
        self.entries.iter().position(|entry| {
            (entry.dialect == dialect || entry.dialect == "*") && entry.key == key
        })
    }
}
