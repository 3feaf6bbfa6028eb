//! Audio I/O for realtime voice agents.
//!
//! The sessions of `realtime` speak one audio format (24 kHz mono pcm16 by default,
//! G.711 on phone lines); microphones and speakers speak whatever their hardware
//! does. This crate sits between the two:
//!
//! - [`convert`]: sample format conversion (i16 and f32, channel mixing, the
//!   session's encodings including G.711 through [`realtime_core::audio`]);
//! - [`StreamResampler`]: streaming resampling through `rubato` (band-limited, no
//!   hand-written interpolation);
//! - [`StreamTranscoder`]: one session encoding to another as a stream (a phone
//!   line's G.711 μ-law at 8 kHz to a model's pcm16 at 24 kHz, and back);
//! - [`CapturePipeline`]: microphone frames at any rate and channel count to the
//!   session's input format, ready for `AgentSession::send_audio`;
//! - [`Player`] and [`PlayerOutput`]: assistant audio to the device format, with
//!   what was actually played reported to the session's
//!   [`PlaybackTracker`](realtime_core::audio::PlaybackTracker), so a barge-in
//!   truncates the assistant's item where the user stopped hearing it, without app
//!   code; the queue is flushed on `AgentEvent::Interrupted`;
//! - `devices` (feature `devices`): the default microphone and speaker through `cpal`.
//!
//! Everything but `devices` is plain computation on buffers: it runs without a sound
//! card, on files or in tests.

pub mod convert;
#[cfg(feature = "devices")]
pub mod devices;
mod error;
mod pipeline;
mod player;
mod resample;
mod transcoder;

pub use convert::DeviceFormat;
pub use error::AudioError;
pub use pipeline::CapturePipeline;
pub use player::{DEFAULT_LIMIT_MS, Player, PlayerOutput};
pub use resample::StreamResampler;
pub use transcoder::StreamTranscoder;
