//! Sample format conversion: integer and float samples, channel mixing, and the
//! session's encodings (pcm16 little-endian, G.711 μ-law and A-law).

use realtime_core::audio::{alaw_to_pcm16, pcm16_to_alaw, pcm16_to_ulaw, ulaw_to_pcm16};
use realtime_core::protocol::AudioFormat;

use crate::AudioError;

/// The format of a device (or file): sample rate and interleaved channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeviceFormat {
    /// Frames per second.
    pub rate: u32,
    /// Interleaved channels per frame.
    pub channels: u16,
}

impl DeviceFormat {
    /// `rate` Hz with `channels` channels.
    pub fn new(rate: u32, channels: u16) -> Self {
        Self { rate, channels }
    }

    /// Checks that the rate and channel count are usable.
    ///
    /// # Errors
    /// [`AudioError::InvalidFormat`] for a zero rate or zero channels.
    pub fn validate(self) -> Result<Self, AudioError> {
        if self.rate == 0 || self.channels == 0 {
            return Err(AudioError::InvalidFormat(format!(
                "expected a rate and channel count above zero, got {} Hz with {} channel(s)",
                self.rate, self.channels
            )));
        }
        Ok(self)
    }
}

/// A 16-bit sample as a float in -1..1.
pub fn i16_to_f32(sample: i16) -> f32 {
    f32::from(sample) / 32_768.0
}

/// A float sample as 16 bits (the inverse of [`i16_to_f32`]; beyond -1..1 it clips).
pub fn f32_to_i16(sample: f32) -> i16 {
    // In range after the clamp: the cast cannot wrap.
    (sample * 32_768.0).round().clamp(-32_768.0, 32_767.0) as i16
}

/// An unsigned 16-bit sample (silence at 32768) as a float in -1..1.
pub fn u16_to_f32(sample: u16) -> f32 {
    (f32::from(sample) - 32_768.0) / 32_768.0
}

/// pcm16 little-endian bytes to floats (a trailing odd byte is ignored).
pub fn pcm16_to_f32(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(2)
        .map(|pair| i16_to_f32(i16::from_le_bytes([pair[0], pair[1]])))
        .collect()
}

/// Floats to pcm16 little-endian bytes.
pub fn f32_to_pcm16(samples: &[f32]) -> Vec<u8> {
    samples
        .iter()
        .flat_map(|&sample| f32_to_i16(sample).to_le_bytes())
        .collect()
}

/// Interleaved frames of `channels` channels mixed down to mono (the mean of each
/// frame; a trailing partial frame is ignored).
pub fn mix_to_mono(interleaved: &[f32], channels: u16) -> Vec<f32> {
    let channels = usize::from(channels.max(1));
    if channels == 1 {
        return interleaved.to_vec();
    }
    interleaved
        .chunks_exact(channels)
        .map(|frame| frame.iter().sum::<f32>() / channels as f32)
        .collect()
}

/// Mono samples copied to every one of `channels` interleaved channels.
pub fn spread_to_channels(mono: &[f32], channels: u16) -> Vec<f32> {
    let channels = usize::from(channels.max(1));
    mono.iter()
        .flat_map(|&sample| std::iter::repeat_n(sample, channels))
        .collect()
}

/// Session audio bytes in `format` decoded to mono floats.
///
/// # Errors
/// [`AudioError::UnsupportedFormat`] for a format this crate does not know.
pub fn decode(format: AudioFormat, bytes: &[u8]) -> Result<Vec<f32>, AudioError> {
    match format {
        AudioFormat::Pcm16 { .. } => Ok(pcm16_to_f32(bytes)),
        AudioFormat::G711Ulaw => Ok(pcm16_to_f32(&ulaw_to_pcm16(bytes))),
        AudioFormat::G711Alaw => Ok(pcm16_to_f32(&alaw_to_pcm16(bytes))),
        format => Err(AudioError::UnsupportedFormat { format }),
    }
}

/// Mono floats encoded as session audio in `format`.
///
/// # Errors
/// [`AudioError::UnsupportedFormat`] for a format this crate does not know.
pub fn encode(format: AudioFormat, mono: &[f32]) -> Result<Vec<u8>, AudioError> {
    match format {
        AudioFormat::Pcm16 { .. } => Ok(f32_to_pcm16(mono)),
        AudioFormat::G711Ulaw => Ok(pcm16_to_ulaw(&f32_to_pcm16(mono))),
        AudioFormat::G711Alaw => Ok(pcm16_to_alaw(&f32_to_pcm16(mono))),
        format => Err(AudioError::UnsupportedFormat { format }),
    }
}

/// Session audio in `from` re-encoded as `to`, resampled when their rates differ.
/// For a whole clip; streams go through a [`StreamTranscoder`](crate::StreamTranscoder).
///
/// # Errors
/// An unsupported format, or a resampler error.
pub fn transcode(from: AudioFormat, to: AudioFormat, bytes: &[u8]) -> Result<Vec<u8>, AudioError> {
    if from == to {
        return Ok(bytes.to_vec());
    }
    let mut transcoder = crate::StreamTranscoder::new(from, to)?;
    let mut out = transcoder.push(bytes)?;
    out.extend(transcoder.flush()?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_and_float_samples_round_trip() {
        for sample in [i16::MIN + 1, -1000, 0, 1000, i16::MAX] {
            assert_eq!(f32_to_i16(i16_to_f32(sample)), sample);
        }
        assert_eq!(f32_to_i16(2.0), i16::MAX);
        assert_eq!(u16_to_f32(32_768), 0.0);
    }

    #[test]
    fn stereo_mixes_to_the_mean_and_spreads_back() {
        assert_eq!(
            mix_to_mono(&[0.5, 0.25, -1.0, 1.0, 0.7], 2),
            vec![0.375, 0.0]
        );
        assert_eq!(
            spread_to_channels(&[0.5, -0.5], 2),
            vec![0.5, 0.5, -0.5, -0.5]
        );
    }

    #[test]
    fn g711_goes_through_the_core_codec() -> Result<(), AudioError> {
        let tone: Vec<f32> = (0..80).map(|n| (n as f32 / 8.0).sin() * 0.5).collect();
        let ulaw = encode(AudioFormat::G711Ulaw, &tone)?;
        assert_eq!(ulaw.len(), 80);
        assert_eq!(ulaw, pcm16_to_ulaw(&f32_to_pcm16(&tone)));
        let back = decode(AudioFormat::G711Ulaw, &ulaw)?;
        let error = tone
            .iter()
            .zip(&back)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(error < 0.02, "μ-law error {error}");
        Ok(())
    }

    #[test]
    fn transcoding_ulaw_to_pcm24k_triples_the_samples() -> Result<(), AudioError> {
        let ulaw = encode(AudioFormat::G711Ulaw, &vec![0.25; 800])?;
        let pcm = transcode(AudioFormat::G711Ulaw, AudioFormat::PCM16_24K, &ulaw)?;
        assert_eq!(pcm.len(), 2_400 * 2);
        Ok(())
    }
}
