//! The recorded server frames of each decode family, with the dialect that decodes them.

use std::path::PathBuf;

use crate::dialect::Dialect;
use crate::fixtures::{self, Direction};

/// The families of the table, in report order.
pub const FAMILIES: [Family; 4] = [
    Family::Ga,
    Family::AzureGaV1,
    Family::BetaPreview,
    Family::VoiceLive,
];

/// A family of dialects whose frames are timed together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// OpenAI Realtime GA (`openai-ga`).
    Ga,
    /// Azure OpenAI `/openai/v1` (`azure-openai-ga-v1`).
    AzureGaV1,
    /// The beta shape: OpenAI beta and the Azure OpenAI dated previews.
    BetaPreview,
    /// Every Voice Live version.
    VoiceLive,
}

impl Family {
    /// The name in the report and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ga => "ga",
            Self::AzureGaV1 => "azure-ga-v1",
            Self::BetaPreview => "beta/preview",
            Self::VoiceLive => "voicelive",
        }
    }

    /// Whether frames of `dialect` belong to this family.
    pub fn holds(self, dialect: Dialect) -> bool {
        match self {
            Self::Ga => dialect == Dialect::OpenAiGa,
            Self::AzureGaV1 => dialect == Dialect::AzureOpenAiGaV1,
            Self::BetaPreview => {
                dialect == Dialect::OpenAiBeta || dialect == Dialect::AzureOpenAiPreview
            }
            Self::VoiceLive => dialect.name().starts_with("voicelive"),
        }
    }
}

/// One frame and the provider dialect the client would decode it with.
pub struct Sample {
    /// The dialect, built as [`RealtimeClient`](realtime_core::client::RealtimeClient)
    /// gets it from the provider crate.
    pub dialect: std::sync::Arc<dyn realtime_core::dialect::Dialect>,
    /// The frame text (the recorded JSON, in its key order).
    pub frame: String,
}

impl std::fmt::Debug for Sample {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sample")
            .field("dialect", &self.dialect.name())
            .field("frame", &self.frame)
            .finish()
    }
}

/// The server frames of one family that its dialects decode.
#[derive(Debug)]
pub struct FrameSet {
    /// The family.
    pub family: Family,
    /// Its frames.
    pub samples: Vec<Sample>,
    /// Frames left out because their dialect rejects them (the `broken` fixtures are
    /// not loaded at all; this counts the rest).
    pub rejected: usize,
}

impl FrameSet {
    /// Total frame bytes.
    pub fn bytes(&self) -> usize {
        self.samples.iter().map(|sample| sample.frame.len()).sum()
    }
}

/// Loads the server frames of every family from `fixtures`.
pub(super) fn load(fixtures: PathBuf) -> Vec<FrameSet> {
    let set = fixtures::load(&[fixtures]);
    let mut built: Vec<(Dialect, std::sync::Arc<dyn realtime_core::dialect::Dialect>)> = Vec::new();
    let mut sets: Vec<FrameSet> = FAMILIES
        .iter()
        .map(|&family| FrameSet {
            family,
            samples: Vec::new(),
            rejected: 0,
        })
        .collect();
    for frame in set
        .frames
        .iter()
        .filter(|f| f.direction == Direction::Server)
    {
        let Some(target) = sets.iter_mut().find(|s| s.family.holds(frame.dialect)) else {
            continue;
        };
        let dialect = match built.iter().find(|(name, _)| *name == frame.dialect) {
            Some((_, dialect)) => std::sync::Arc::clone(dialect),
            None => {
                let Some(entry) = crate::registry::find(frame.dialect.name()) else {
                    continue;
                };
                let dialect: std::sync::Arc<dyn realtime_core::dialect::Dialect> =
                    std::sync::Arc::from(entry.build());
                built.push((frame.dialect, std::sync::Arc::clone(&dialect)));
                dialect
            }
        };
        let Ok(text) = serde_json::to_string(&frame.payload) else {
            continue;
        };
        if dialect.decode(&text).is_err() {
            target.rejected += 1;
            continue;
        }
        target.samples.push(Sample {
            dialect,
            frame: text,
        });
    }
    sets
}
