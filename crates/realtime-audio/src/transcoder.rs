//! [`StreamTranscoder`]: session audio from one encoding and rate to another, as a
//! stream (a phone line's G.711 to a provider's pcm16 and back).

use realtime_core::protocol::AudioFormat;

use crate::{AudioError, StreamResampler, convert};

/// Re-encodes a mono stream from one session format to another (pcm16 at any rate,
/// G.711 μ-law, A-law), resampling through `rubato` when the rates differ. Equal
/// formats pass through untouched.
///
/// ```
/// use realtime_audio::StreamTranscoder;
/// use realtime_core::protocol::AudioFormat;
///
/// let mut phone_to_model = StreamTranscoder::new(AudioFormat::G711Ulaw, AudioFormat::PCM16_24K)?;
/// let mut pcm = phone_to_model.push(&[0xFF; 160])?; // 20 ms of μ-law silence
/// pcm.extend(phone_to_model.flush()?);
/// assert_eq!(pcm.len(), 480 * 2); // 20 ms of 24 kHz pcm16
/// # Ok::<(), realtime_audio::AudioError>(())
/// ```
#[derive(Debug)]
pub struct StreamTranscoder {
    from: AudioFormat,
    to: AudioFormat,
    resampler: StreamResampler,
}

impl StreamTranscoder {
    /// A transcoder from `from` to `to`.
    ///
    /// # Errors
    /// A format this crate does not know, or a rate pair the resampler refuses.
    pub fn new(from: AudioFormat, to: AudioFormat) -> Result<Self, AudioError> {
        convert::decode(from, &[])?;
        convert::encode(to, &[])?;
        Ok(Self {
            from,
            to,
            resampler: StreamResampler::new(from.sample_rate(), to.sample_rate())?,
        })
    }

    /// Whether the two formats are the same (bytes pass through untouched).
    pub fn is_passthrough(&self) -> bool {
        self.from == self.to
    }

    /// Bytes in `from` in; bytes in `to` out (possibly empty until a whole resampler
    /// chunk, about 10 ms, is in).
    ///
    /// # Errors
    /// A resampler error.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<u8>, AudioError> {
        if self.is_passthrough() {
            return Ok(bytes.to_vec());
        }
        let mono = convert::decode(self.from, bytes)?;
        let out = self.resampler.push(&mono)?;
        convert::encode(self.to, &out)
    }

    /// Ends the stream: the rest, so that the output lasts as long as the input.
    ///
    /// # Errors
    /// A resampler error.
    pub fn flush(&mut self) -> Result<Vec<u8>, AudioError> {
        if self.is_passthrough() {
            return Ok(Vec::new());
        }
        let out = self.resampler.flush()?;
        convert::encode(self.to, &out)
    }

    /// Drops what is buffered (after an interruption).
    pub fn reset(&mut self) {
        self.resampler.reset();
    }
}
