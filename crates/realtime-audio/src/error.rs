//! The errors of audio conversion and playback.

use realtime_core::protocol::AudioFormat;

/// What went wrong converting or queueing audio.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AudioError {
    /// A sample rate or channel count that cannot be used.
    #[error("invalid audio format: {0}")]
    InvalidFormat(String),
    /// A session audio format this crate does not encode or decode.
    #[error("unsupported session audio format {format:?}: expected pcm16, G.711 μ-law or A-law")]
    UnsupportedFormat {
        /// The format.
        format: AudioFormat,
    },
    /// The resampler refused to be built or to process.
    #[error("resampling from {from} Hz to {to} Hz: {message}")]
    Resample {
        /// The input rate.
        from: u32,
        /// The output rate.
        to: u32,
        /// What rubato said.
        message: String,
    },
    /// The player's queue is full: the audio was not queued.
    #[error(
        "the player's queue is full ({buffered_ms} ms buffered, at most {limit_ms} ms): \
         {rejected_ms} ms of item {item_id} were not queued"
    )]
    QueueFull {
        /// The assistant item whose audio was refused.
        item_id: String,
        /// What was buffered.
        buffered_ms: u64,
        /// The limit.
        limit_ms: u64,
        /// How much audio was refused.
        rejected_ms: u64,
    },
    /// An audio device could not be found, configured or started.
    #[error("audio device: {0}")]
    Device(String),
}
