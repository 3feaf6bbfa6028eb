//! Audio formats and base64 audio payloads.

use base64_simd::STANDARD;
use serde::{Deserialize, Serialize};

/// An audio encoding on the wire.
///
/// Each dialect writes it its own way: GA as `{"type":"audio/pcm","rate":24000}`,
/// `{"type":"audio/pcmu"}`, `{"type":"audio/pcma"}`; beta as `"pcm16"`, `"g711_ulaw"`,
/// `"g711_alaw"`; Voice Live adds PCM at 8 and 16 kHz.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AudioFormat {
    /// 16-bit signed little-endian mono PCM at `rate` Hz.
    Pcm16 {
        /// Sample rate in Hz (24000 on OpenAI).
        rate: u32,
    },
    /// G.711 μ-law, 8 kHz mono.
    G711Ulaw,
    /// G.711 A-law, 8 kHz mono.
    G711Alaw,
}

impl AudioFormat {
    /// 24 kHz PCM16, the default of every provider.
    pub const PCM16_24K: Self = Self::Pcm16 { rate: 24_000 };

    /// The sample rate in Hz.
    pub fn sample_rate(self) -> u32 {
        match self {
            Self::Pcm16 { rate } => rate,
            Self::G711Ulaw | Self::G711Alaw => 8_000,
        }
    }

    /// Bytes of encoded audio per second (mono).
    pub fn bytes_per_second(self) -> u64 {
        match self {
            Self::Pcm16 { rate } => u64::from(rate) * 2,
            Self::G711Ulaw | Self::G711Alaw => 8_000,
        }
    }

    /// How many milliseconds `bytes` of audio in this format last.
    pub fn duration_ms(self, bytes: u64) -> u64 {
        bytes.saturating_mul(1000) / self.bytes_per_second().max(1)
    }

    /// How many bytes `ms` milliseconds of audio take, rounded down to whole samples.
    pub fn bytes_for_ms(self, ms: u64) -> u64 {
        let bytes = self.bytes_per_second().saturating_mul(ms) / 1000;
        match self {
            Self::Pcm16 { .. } => bytes & !1,
            Self::G711Ulaw | Self::G711Alaw => bytes,
        }
    }
}

impl Default for AudioFormat {
    fn default() -> Self {
        Self::PCM16_24K
    }
}

/// Base64-encoded audio as it travels in `input_audio_buffer.append` and audio deltas.
///
/// The text is kept as received, so decoding is lazy (an app that only forwards
/// audio never decodes it) and re-encoding a frame reproduces it exactly.
///
/// ```
/// use realtime_core::protocol::AudioBase64;
///
/// let chunk = AudioBase64::from_pcm(&[0, 1, 2, 3]);
/// assert_eq!(chunk.as_str(), "AAECAw==");
/// assert_eq!(chunk.decode()?, vec![0, 1, 2, 3]);
/// # Ok::<(), realtime_core::protocol::AudioDecodeError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AudioBase64(String);

impl AudioBase64 {
    /// Encodes raw audio bytes.
    pub fn from_pcm(bytes: &[u8]) -> Self {
        Self(STANDARD.encode_to_string(bytes))
    }

    /// Wraps text that is already base64 (it is not checked until decoded).
    pub fn from_base64(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The base64 text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Length of the decoded audio in bytes, computed from the text without decoding.
    pub fn decoded_len(&self) -> usize {
        let text = self.0.as_bytes();
        let padding = text.iter().rev().take(2).filter(|&&b| b == b'=').count();
        (text.len() / 4 * 3).saturating_sub(padding)
    }

    /// Decodes into a new buffer.
    ///
    /// # Errors
    /// The text is not valid base64.
    pub fn decode(&self) -> Result<Vec<u8>, AudioDecodeError> {
        let mut out = Vec::new();
        self.decode_into(&mut out)?;
        Ok(out)
    }

    /// Decodes, appending to `out` (reuse one buffer across deltas to avoid allocation).
    ///
    /// # Errors
    /// The text is not valid base64; `out` keeps what it had.
    pub fn decode_into(&self, out: &mut Vec<u8>) -> Result<(), AudioDecodeError> {
        STANDARD
            .decode_append(self.0.as_bytes(), out)
            .map_err(|_| AudioDecodeError {
                text_len: self.0.len(),
            })
    }

    /// Consumes the value, giving the base64 text.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// The text of an [`AudioBase64`] is not valid padded standard base64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("expected padded standard base64 audio, got {text_len} characters that are not")]
pub struct AudioDecodeError {
    /// Length of the text that failed to decode.
    pub text_len: usize,
}

impl std::fmt::Debug for AudioBase64 {
    /// Audio is large and meaningless as text: show its size, not its content.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AudioBase64({} chars)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::{AudioBase64, AudioFormat};

    #[test]
    fn durations_follow_the_format() {
        assert_eq!(AudioFormat::PCM16_24K.duration_ms(48_000), 1000);
        assert_eq!(AudioFormat::G711Ulaw.duration_ms(800), 100);
        assert_eq!(AudioFormat::PCM16_24K.bytes_for_ms(20), 960);
        assert_eq!(AudioFormat::Pcm16 { rate: 16_000 }.bytes_for_ms(1), 32);
    }

    #[test]
    fn decoded_len_matches_decode() -> Result<(), super::AudioDecodeError> {
        for n in 0..=255u8 {
            let bytes: Vec<u8> = (0..n).collect();
            let chunk = AudioBase64::from_pcm(&bytes);
            assert_eq!(chunk.decoded_len(), bytes.len());
            assert_eq!(chunk.decode()?, bytes);
        }
        Ok(())
    }

    #[test]
    fn decode_into_appends_and_keeps_on_error() -> Result<(), super::AudioDecodeError> {
        let mut out = vec![9];
        AudioBase64::from_pcm(&[1, 2, 3]).decode_into(&mut out)?;
        assert_eq!(out, [9, 1, 2, 3]);
        assert!(
            AudioBase64::from_base64("A===")
                .decode_into(&mut out)
                .is_err()
        );
        assert!(
            AudioBase64::from_base64("AAE")
                .decode_into(&mut out)
                .is_err()
        );
        assert_eq!(out, [9, 1, 2, 3]);
        // Large enough for the SIMD paths.
        let pcm: Vec<u8> = (0..4800u32).map(|n| (n * 7 % 251) as u8).collect();
        assert_eq!(AudioBase64::from_pcm(&pcm).decode()?, pcm);
        Ok(())
    }

    #[test]
    fn invalid_base64_is_an_error_not_a_panic() {
        assert!(
            AudioBase64::from_base64("Base64EncodedAudioDelta")
                .decode()
                .is_err()
        );
    }
}
