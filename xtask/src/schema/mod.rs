//! What each dialect's client frames are validated against, and the validation.
//!
//! | dialect | validated against |
//! |---|---|
//! | `openai-ga`, `azure-openai-ga-v1`, `voicelive-v1` | S-GA `openapi-realtime-ga.yaml` (`RealtimeClientEvent`) |
//! | `openai-beta` | S-B25 `openapi-realtime-beta-2025-04-29.yaml` (`RealtimeClientEvent`) |
//! | `azure-openai-preview` | AZ-2410 `realtime-openapi3-2024-10-01.yml` (`Realtime.RealtimeRequestCommand` discriminator mapping) and AZ-REF condensed (event names, session fields, enums) |
//! | `voicelive-2025-10-01` | VL-25 condensed (event names, required fields, session fields, enums) |
//! | `voicelive-2026-04-10` | VL-26 condensed (event names, session fields, enums) |
//! | `voicelive-2026-07-15` | VL-0715 condensed (event names, required fields, session fields) |
//! | `voicelive-2026-06-01-preview`, `voicelive-2026-07-31-preview` | VL-0715 with the version's diff from VL-PRE applied (client events added and missing) |
//!
//! Every dialect is also checked against its rows of the [`reject`] table.

pub mod condensed;
pub mod openapi;
pub mod reject;
pub mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::dialect::Dialect;
use condensed::{Condensed, Layout};
use openapi::{ClientEvents, OpenApi};
use validate::Violation;

/// A spec file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// Not found under any spec directory.
    #[error("spec file {file} not found under {searched}")]
    Missing {
        /// The file name.
        file: String,
        /// The directories searched.
        searched: String,
    },
    /// Could not be read.
    #[error("{file}: cannot read: {message}")]
    Io {
        /// The file.
        file: String,
        /// The OS error.
        message: String,
    },
    /// Not valid YAML / JSON.
    #[error("{file}: expected YAML/JSON, got a parse error: {message}")]
    Parse {
        /// The file.
        file: String,
        /// The parser's message.
        message: String,
    },
    /// Parsed, but not laid out as expected.
    #[error("{file}: expected {expected}, got {got}")]
    Shape {
        /// The file.
        file: String,
        /// What the loader needs.
        expected: &'static str,
        /// What was there.
        got: String,
    },
}

/// One spec file used for validation, and how to read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecSource {
    /// An OpenAPI YAML document.
    OpenApi {
        /// File name, found anywhere under the spec directories.
        file: &'static str,
        /// Where its client events are.
        events: ClientEvents,
    },
    /// A hand-condensed JSON file.
    Condensed {
        /// File name.
        file: &'static str,
        /// Its layout.
        layout: Layout,
    },
    /// A hand-condensed base file with one version's diff from a second file applied.
    CondensedDiff {
        /// Name this source is known by (base file and version).
        key: &'static str,
        /// The base file.
        base: &'static str,
        /// Its layout.
        layout: Layout,
        /// The file holding the diffs.
        diff_file: &'static str,
        /// The key of the version's diff in `diff_file`.
        version: &'static str,
    },
}

impl SpecSource {
    /// The name the source is known by: its file name, or base file and version.
    pub fn file(self) -> &'static str {
        match self {
            Self::OpenApi { file, .. } | Self::Condensed { file, .. } => file,
            Self::CondensedDiff { key, .. } => key,
        }
    }

    /// How much of the client frame this source checks, for the report.
    pub fn depth(self) -> &'static str {
        match self {
            Self::OpenApi { .. } => "full schema",
            Self::Condensed { .. } => {
                "condensed: event names, required fields, session fields, enums"
            }
            Self::CondensedDiff { .. } => {
                "condensed with a preview diff: event names, required fields, session fields"
            }
        }
    }
}

const GA: SpecSource = SpecSource::OpenApi {
    file: "openapi-realtime-ga.yaml",
    events: ClientEvents {
        union: Some("RealtimeClientEvent"),
        prefix: "RealtimeClientEvent",
    },
};
const BETA: SpecSource = SpecSource::OpenApi {
    file: "openapi-realtime-beta-2025-04-29.yaml",
    events: ClientEvents {
        union: Some("RealtimeClientEvent"),
        prefix: "RealtimeClientEvent",
    },
};
const AZ_2410: SpecSource = SpecSource::OpenApi {
    file: "realtime-openapi3-2024-10-01.yml",
    events: ClientEvents {
        union: Some("Realtime.RealtimeRequestCommand"),
        prefix: "Realtime.RealtimeRequest",
    },
};
const AZ_REF: SpecSource = SpecSource::Condensed {
    file: "azure-realtime-preview-reference.condensed.json",
    layout: Layout {
        event_names: "client_events",
        event_fields: None,
        session: "RealtimeRequestSession",
        required_marker: false,
    },
};
const VL_25: SpecSource = SpecSource::Condensed {
    file: "VoiceLive-2025-10-01.condensed.json",
    layout: Layout {
        event_names: "ClientEventType",
        event_fields: Some("client_events"),
        session: "RequestSession",
        required_marker: false,
    },
};
const VL_26: SpecSource = SpecSource::Condensed {
    file: "voicelive-2026-04-10.condensed.json",
    layout: Layout {
        event_names: "client_events",
        event_fields: None,
        session: "RealtimeRequestSession",
        required_marker: false,
    },
};
const VL_0715_FILE: &str = "voicelive-2026-07-15.condensed.json";
const VL_0715_LAYOUT: Layout = Layout {
    event_names: "ClientEventType",
    event_fields: Some("client_events"),
    session: "RequestSession",
    required_marker: true,
};
const VL_0715: SpecSource = SpecSource::Condensed {
    file: VL_0715_FILE,
    layout: VL_0715_LAYOUT,
};
const VL_PRE_FILE: &str = "voicelive-previews-2026.condensed.json";
const VL_0601_PREVIEW: SpecSource = SpecSource::CondensedDiff {
    key: "voicelive-2026-07-15.condensed.json + voicelive-previews-2026.condensed.json#2026-06-01-preview",
    base: VL_0715_FILE,
    layout: VL_0715_LAYOUT,
    diff_file: VL_PRE_FILE,
    version: "2026-06-01-preview",
};
const VL_0731_PREVIEW: SpecSource = SpecSource::CondensedDiff {
    key: "voicelive-2026-07-15.condensed.json + voicelive-previews-2026.condensed.json#2026-07-31-preview",
    base: VL_0715_FILE,
    layout: VL_0715_LAYOUT,
    diff_file: VL_PRE_FILE,
    version: "2026-07-31-preview",
};

/// The spec sources a dialect's client frames are validated against.
pub fn sources(dialect: Dialect) -> &'static [SpecSource] {
    match dialect.name() {
        // VL v1 imports the OpenAI GA models (VL-V1); the GA schemas are open
        // objects, so Azure extensions such as `voice_type` pass.
        "openai-ga" | "azure-openai-ga-v1" | "voicelive-v1" => &[GA],
        "openai-beta" => &[BETA],
        "azure-openai-preview" => &[AZ_2410, AZ_REF],
        "voicelive-2025-10-01" => &[VL_25],
        "voicelive-2026-04-10" => &[VL_26],
        "voicelive-2026-06-01-preview" => &[VL_0601_PREVIEW],
        "voicelive-2026-07-15" => &[VL_0715],
        "voicelive-2026-07-31-preview" => &[VL_0731_PREVIEW],
        // A registered dialect with no spec here yet (the registry test fails).
        _ => &[],
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Loaded {
    OpenApi(OpenApi),
    Condensed(Condensed),
}

/// The loaded specs, by file name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpecSet {
    loaded: BTreeMap<&'static str, Loaded>,
    /// Specs that could not be loaded.
    pub errors: Vec<SpecError>,
}

impl SpecSet {
    /// Loads the specs `dialects` need, searching `dirs` recursively by file name.
    pub fn load(dirs: &[PathBuf], dialects: &[Dialect]) -> Self {
        let mut set = Self::default();
        for source in dialects.iter().flat_map(|dialect| sources(*dialect)) {
            if set.loaded.contains_key(source.file())
                || set.errors.iter().any(|e| names(e, source.file()))
            {
                continue;
            }
            match load_source(dirs, *source) {
                Ok(loaded) => {
                    set.loaded.insert(source.file(), loaded);
                }
                Err(error) => set.errors.push(error),
            }
        }
        set
    }

    /// Whether every spec of `dialect` is loaded.
    pub fn available(&self, dialect: Dialect) -> bool {
        sources(dialect)
            .iter()
            .all(|source| self.loaded.contains_key(source.file()))
    }

    /// Violations of a client frame against the dialect's specs (those loaded).
    pub fn check_schema(&self, dialect: Dialect, frame: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        for source in sources(dialect) {
            match (source, self.loaded.get(source.file())) {
                (SpecSource::OpenApi { events, .. }, Some(Loaded::OpenApi(spec))) => {
                    out.extend(spec.validate_client(*events, frame));
                }
                (
                    SpecSource::Condensed { .. } | SpecSource::CondensedDiff { .. },
                    Some(Loaded::Condensed(spec)),
                ) => {
                    out.extend(spec.check_client(frame));
                }
                _ => {}
            }
        }
        out
    }
}

fn names(error: &SpecError, file: &str) -> bool {
    match error {
        SpecError::Missing { file: f, .. }
        | SpecError::Io { file: f, .. }
        | SpecError::Parse { file: f, .. }
        | SpecError::Shape { file: f, .. } => f.ends_with(file),
    }
}

/// Reads the file named `file` found under `dirs`.
fn read_spec(dirs: &[PathBuf], file: &str) -> Result<String, SpecError> {
    let Some(path) = dirs.iter().find_map(|dir| find(dir, file)) else {
        let searched: Vec<String> = dirs.iter().map(|dir| dir.display().to_string()).collect();
        return Err(SpecError::Missing {
            file: file.to_owned(),
            searched: searched.join(", "),
        });
    };
    std::fs::read_to_string(&path).map_err(|error| SpecError::Io {
        file: path.display().to_string(),
        message: error.to_string(),
    })
}

fn load_source(dirs: &[PathBuf], source: SpecSource) -> Result<Loaded, SpecError> {
    match source {
        SpecSource::OpenApi { file, .. } => {
            OpenApi::from_yaml(file, &read_spec(dirs, file)?).map(Loaded::OpenApi)
        }
        SpecSource::Condensed { file, layout } => {
            Condensed::from_json(file, &read_spec(dirs, file)?, layout).map(Loaded::Condensed)
        }
        SpecSource::CondensedDiff {
            key,
            base,
            layout,
            diff_file,
            version,
        } => {
            let mut spec = Condensed::from_json(base, &read_spec(dirs, base)?, layout)?;
            let diffs: Value =
                serde_json::from_str(&read_spec(dirs, diff_file)?).map_err(|error| {
                    SpecError::Parse {
                        file: diff_file.to_owned(),
                        message: error.to_string(),
                    }
                })?;
            let Some(diff) = diffs.get(version) else {
                return Err(SpecError::Shape {
                    file: diff_file.to_owned(),
                    expected: "an entry for the preview version",
                    got: "nothing".to_owned(),
                });
            };
            spec.apply_preview_diff(diff);
            spec.file = key.to_owned();
            Ok(Loaded::Condensed(spec))
        }
    }
}

/// The first file named `name` under `dir` (sorted walk, `broken/` included only
/// when it is `dir` itself).
fn find(dir: &Path, name: &str) -> Option<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    entries.sort();
    if let Some(found) = entries
        .iter()
        .find(|path| path.is_file() && path.file_name().is_some_and(|n| n == name))
    {
        return Some(found.clone());
    }
    entries
        .iter()
        .filter(|path| path.is_dir() && path.file_name().is_some_and(|n| n != "broken"))
        .find_map(|path| find(path, name))
}

#[cfg(test)]
mod tests;
