//! [`CapturePipeline`]: microphone frames to the session's input format.

use realtime_core::protocol::AudioFormat;

use crate::convert::{self, DeviceFormat};
use crate::{AudioError, StreamResampler};

/// Takes interleaved frames at any rate and channel count (a microphone, a file) to
/// the session's input format: mixed to mono, resampled through `rubato`, encoded
/// (pcm16 little-endian or G.711). The bytes it returns go to
/// `AgentSession::send_audio` as they are.
///
/// ```
/// use realtime_audio::{CapturePipeline, DeviceFormat};
/// use realtime_core::protocol::AudioFormat;
///
/// let mut pipeline = CapturePipeline::new(DeviceFormat::new(48_000, 2), AudioFormat::PCM16_24K)?;
/// let mut pcm = pipeline.push_f32(&vec![0.0; 2 * 4_800])?; // 100 ms of stereo
/// pcm.extend(pipeline.finish()?);
/// assert_eq!(pcm.len(), 2_400 * 2); // 100 ms of 24 kHz mono pcm16
/// # Ok::<(), realtime_audio::AudioError>(())
/// ```
#[derive(Debug)]
pub struct CapturePipeline {
    device: DeviceFormat,
    session: AudioFormat,
    resampler: StreamResampler,
    /// Samples of a frame split across two pushes.
    partial_frame: Vec<f32>,
}

impl CapturePipeline {
    /// A pipeline from frames in `device` format to `session` audio.
    ///
    /// # Errors
    /// A zero rate or channel count, a session format this crate does not encode, or
    /// a rate pair the resampler refuses.
    pub fn new(device: DeviceFormat, session: AudioFormat) -> Result<Self, AudioError> {
        let device = device.validate()?;
        // Refuse an unknown session format now rather than at the first frame.
        convert::encode(session, &[])?;
        Ok(Self {
            device,
            session,
            resampler: StreamResampler::new(device.rate, session.sample_rate())?,
            partial_frame: Vec::new(),
        })
    }

    /// The device side.
    pub fn device(&self) -> DeviceFormat {
        self.device
    }

    /// The session side.
    pub fn session_format(&self) -> AudioFormat {
        self.session
    }

    /// Interleaved float frames in; session audio out (possibly empty until a whole
    /// resampler chunk, about 10 ms, is in).
    ///
    /// # Errors
    /// [`AudioError::Resample`] when the resampler fails.
    pub fn push_f32(&mut self, interleaved: &[f32]) -> Result<Vec<u8>, AudioError> {
        let channels = usize::from(self.device.channels);
        let mono = if self.partial_frame.is_empty() && interleaved.len().is_multiple_of(channels) {
            convert::mix_to_mono(interleaved, self.device.channels)
        } else {
            self.partial_frame.extend_from_slice(interleaved);
            let whole = self.partial_frame.len() - self.partial_frame.len() % channels;
            let frames: Vec<f32> = self.partial_frame.drain(..whole).collect();
            convert::mix_to_mono(&frames, self.device.channels)
        };
        let resampled = self.resampler.push(&mono)?;
        convert::encode(self.session, &resampled)
    }

    /// Interleaved 16-bit frames in; session audio out.
    ///
    /// # Errors
    /// As [`push_f32`](Self::push_f32).
    pub fn push_i16(&mut self, interleaved: &[i16]) -> Result<Vec<u8>, AudioError> {
        let floats: Vec<f32> = interleaved
            .iter()
            .map(|&s| convert::i16_to_f32(s))
            .collect();
        self.push_f32(&floats)
    }

    /// Ends the stream (the microphone stopped, the file ended): the rest of the
    /// audio, so that the output lasts exactly as long as the input.
    ///
    /// # Errors
    /// [`AudioError::Resample`] when the resampler fails.
    pub fn finish(&mut self) -> Result<Vec<u8>, AudioError> {
        self.partial_frame.clear();
        let tail = self.resampler.flush()?;
        convert::encode(self.session, &tail)
    }
}
