//! The default microphone and speaker through `cpal` (feature `devices`).
//!
//! [`Microphone`] runs a [`CapturePipeline`] in the device callback and hands the
//! session-format bytes over a bounded channel; [`Speaker`] drains a [`Player`]'s
//! output, which reports what was played to the session's tracker.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{SampleFormat, Stream, StreamConfig};
use realtime_core::audio::PlaybackTracker;
use realtime_core::protocol::AudioFormat;
use tokio::sync::mpsc;

use crate::convert::{self, DeviceFormat};
use crate::{AudioError, CapturePipeline, Player, PlayerOutput};

/// Captured chunks (one per device callback, typically 10 to 20 ms) waiting for the
/// app; beyond, chunks are dropped and counted in [`Microphone::dropped_chunks`].
const CAPTURE_QUEUE: usize = 256;

fn device_error(doing: &str) -> impl FnOnce(&dyn std::fmt::Display) -> AudioError + '_ {
    move |error| AudioError::Device(format!("{doing}: {error}"))
}

/// The default input device, capturing in the session's input format.
pub struct Microphone {
    _stream: Stream,
    format: DeviceFormat,
    chunks: mpsc::Receiver<Vec<u8>>,
    dropped: Arc<AtomicU64>,
}

impl std::fmt::Debug for Microphone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Microphone")
            .field("format", &self.format)
            .field("dropped", &self.dropped.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Microphone {
    /// Opens and starts the default microphone; its frames come out of
    /// [`next_chunk`](Self::next_chunk) as `session` audio.
    ///
    /// # Errors
    /// [`AudioError::Device`] when there is no microphone or it cannot start; a
    /// sample format other than f32, i16 or u16.
    pub fn start(session: AudioFormat) -> Result<Self, AudioError> {
        let device = cpal::default_host()
            .default_input_device()
            .ok_or_else(|| AudioError::Device("no default input device (microphone)".into()))?;
        let supported = device
            .default_input_config()
            .map_err(|e| device_error("microphone configuration")(&e))?;
        let format = DeviceFormat::new(supported.sample_rate().0, supported.channels());
        let config: StreamConfig = supported.config();
        let (tx, chunks) = mpsc::channel(CAPTURE_QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let mut pipeline = CapturePipeline::new(format, session)?;
        let counter = Arc::clone(&dropped);
        let forward = move |result: Result<Vec<u8>, AudioError>| match result {
            Ok(bytes) if bytes.is_empty() => {}
            Ok(bytes) => {
                if tx.try_send(bytes).is_err() {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            }
            Err(error) => tracing::warn!(%error, "microphone conversion failed"),
        };
        let on_error = |e: cpal::StreamError| tracing::warn!(error = %e, "microphone stream error");
        let stream = match supported.sample_format() {
            SampleFormat::F32 => device.build_input_stream(
                &config,
                move |data: &[f32], _: &cpal::InputCallbackInfo| forward(pipeline.push_f32(data)),
                on_error,
                None,
            ),
            SampleFormat::I16 => device.build_input_stream(
                &config,
                move |data: &[i16], _: &cpal::InputCallbackInfo| forward(pipeline.push_i16(data)),
                on_error,
                None,
            ),
            SampleFormat::U16 => device.build_input_stream(
                &config,
                move |data: &[u16], _: &cpal::InputCallbackInfo| {
                    let floats: Vec<f32> = data.iter().map(|&s| convert::u16_to_f32(s)).collect();
                    forward(pipeline.push_f32(&floats));
                },
                on_error,
                None,
            ),
            other => {
                return Err(AudioError::Device(format!(
                    "the microphone delivers {other:?} samples; expected f32, i16 or u16"
                )));
            }
        }
        .map_err(|e| device_error("opening the microphone")(&e))?;
        stream
            .play()
            .map_err(|e| device_error("starting the microphone")(&e))?;
        Ok(Self {
            _stream: stream,
            format,
            chunks,
            dropped,
        })
    }

    /// The device's own format (before conversion).
    pub fn format(&self) -> DeviceFormat {
        self.format
    }

    /// The next chunk of session audio, for `AgentSession::send_audio`; `None` when
    /// the stream ended.
    pub async fn next_chunk(&mut self) -> Option<Vec<u8>> {
        self.chunks.recv().await
    }

    /// Chunks dropped because the app did not take them in time.
    pub fn dropped_chunks(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// The default output device, playing a [`Player`]'s queue.
pub struct Speaker {
    _stream: Stream,
    format: DeviceFormat,
}

impl std::fmt::Debug for Speaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Speaker")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl Speaker {
    /// Opens and starts the default speaker playing `session` audio; returns it with
    /// the [`Player`] to feed (hand it every `AgentEvent`). What the speaker plays is
    /// reported to `tracker` (the session's `AgentSession::playback()`).
    ///
    /// # Errors
    /// [`AudioError::Device`] when there is no speaker or it cannot start.
    pub fn start(
        session: AudioFormat,
        tracker: PlaybackTracker,
    ) -> Result<(Self, Player), AudioError> {
        let device = cpal::default_host()
            .default_output_device()
            .ok_or_else(|| AudioError::Device("no default output device (speaker)".into()))?;
        let supported = device
            .default_output_config()
            .map_err(|e| device_error("speaker configuration")(&e))?;
        let format = DeviceFormat::new(supported.sample_rate().0, supported.channels());
        let config: StreamConfig = supported.config();
        let player = Player::new(session, format, tracker)?;
        let on_error = |e: cpal::StreamError| tracing::warn!(error = %e, "speaker stream error");
        let stream = match supported.sample_format() {
            SampleFormat::F32 => {
                let mut output: PlayerOutput = player.output();
                device.build_output_stream(
                    &config,
                    move |data: &mut [f32], _: &cpal::OutputCallbackInfo| {
                        output.fill_f32(data);
                    },
                    on_error,
                    None,
                )
            }
            SampleFormat::I16 => {
                let mut output = player.output();
                device.build_output_stream(
                    &config,
                    move |data: &mut [i16], _: &cpal::OutputCallbackInfo| {
                        output.fill_i16(data);
                    },
                    on_error,
                    None,
                )
            }
            other => {
                return Err(AudioError::Device(format!(
                    "the speaker takes {other:?} samples; expected f32 or i16"
                )));
            }
        }
        .map_err(|e| device_error("opening the speaker")(&e))?;
        stream
            .play()
            .map_err(|e| device_error("starting the speaker")(&e))?;
        Ok((
            Self {
                _stream: stream,
                format,
            },
            player,
        ))
    }

    /// The device's own format.
    pub fn format(&self) -> DeviceFormat {
        self.format
    }
}
