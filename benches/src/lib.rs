//! Shared inputs of the benchmarks: the recorded server frames of `fixtures/`,
//! grouped by wire shape, and synthetic audio.
//!
//! Run with: `cargo bench -p realtime-benches` (release mode; `--bench wire` or
//! `--bench agent` for one file).

use std::path::PathBuf;

use realtime_core::wire::WireShape;
use xtask::dialect::{Dialect, Shape};
use xtask::fixtures::{self, Direction};

/// A family of recorded server frames.
#[derive(Debug, Clone)]
pub struct FrameSet {
    /// The wire shape that decodes them.
    pub shape: WireShape,
    /// The frames as text (the recorded JSON, written back in its key order).
    pub frames: Vec<String>,
}

impl FrameSet {
    /// Total bytes of all frames.
    pub fn bytes(&self) -> usize {
        self.frames.iter().map(String::len).sum()
    }
}

/// The workspace's `fixtures/` folder.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("fixtures")
}

/// Which family a dialect belongs to: `ga`, `beta` or `voicelive` (every Voice Live
/// dialect, whatever its shape, is its own family).
fn family(dialect: Dialect) -> &'static str {
    if dialect.name().starts_with("voicelive") {
        "voicelive"
    } else {
        match dialect.shape() {
            Shape::Ga => "ga",
            Shape::Beta => "beta",
        }
    }
}

/// The recorded server frames of `family` (`ga`, `beta` or `voicelive`) that `shape`
/// decodes: examples and cassettes, deduplicated by the xtask loader.
pub fn server_frames(family_name: &str, shape: WireShape) -> FrameSet {
    let set = fixtures::load(&[fixtures_dir()]);
    let frames = set
        .frames
        .iter()
        .filter(|frame| frame.direction == Direction::Server)
        .filter(|frame| family(frame.dialect) == family_name)
        .filter(|frame| {
            matches!(
                (frame.dialect.shape(), shape),
                (Shape::Ga, WireShape::Ga) | (Shape::Beta, WireShape::Beta)
            )
        })
        .filter_map(|frame| serde_json::to_string(&frame.payload).ok())
        .collect();
    FrameSet { shape, frames }
}

/// `ms` milliseconds of 24 kHz mono pcm16: a deterministic, non-constant signal.
pub fn pcm_24k(ms: usize) -> Vec<u8> {
    (0..ms * 24)
        .flat_map(|n| {
            let sample = ((n * 2_654_435_761) >> 16) as i16;
            sample.to_le_bytes()
        })
        .collect()
}

/// A GA `response.output_audio.delta` frame carrying `pcm`, as the service writes it.
pub fn audio_delta_frame(pcm: &[u8]) -> String {
    let audio = realtime_core::protocol::AudioBase64::from_pcm(pcm);
    format!(
        r#"{{"type":"response.output_audio.delta","event_id":"event_CTsJ1uM5","response_id":"resp_CTsJ0ajX","item_id":"item_CTsJ0dBy","output_index":0,"content_index":0,"delta":"{}"}}"#,
        audio.as_str()
    )
}
