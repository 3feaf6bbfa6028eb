//! Audio helpers: where playback stands, and G.711 conversions.

mod g711;
mod playback;

pub use g711::{alaw_to_pcm16, pcm16_to_alaw, pcm16_to_ulaw, ulaw_to_pcm16};
pub use playback::{PlaybackPosition, PlaybackTracker};
