//! Audio for the examples: WAV files in and out (converted through
//! `realtime::audio_io`), synthetic speech.
//!
//! The sessions of the examples use 24 kHz mono pcm16 (little-endian), the default
//! format of every provider.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use realtime::audio_io::{CapturePipeline, DeviceFormat};
use realtime::protocol::AudioFormat;

use crate::ExampleError;

/// The sample rate of the sessions.
pub const RATE: u32 = 24_000;

/// Bytes of 24 kHz mono pcm16 per millisecond.
pub const BYTES_PER_MS: usize = (RATE as usize / 1000) * 2;

/// Audio read from a WAV file, converted to 24 kHz mono pcm16.
#[derive(Debug, Clone)]
pub struct LoadedWav {
    /// 24 kHz mono pcm16 little-endian.
    pub pcm: Vec<u8>,
    /// What was converted (e.g. "resampled from 44100 Hz, mixed down from 2 channels"),
    /// `None` when the file was already 24 kHz mono pcm16.
    pub converted: Option<String>,
}

impl LoadedWav {
    /// Duration in milliseconds.
    pub fn duration_ms(&self) -> u64 {
        (self.pcm.len() / BYTES_PER_MS) as u64
    }
}

/// Reads a WAV file of any rate with 1 or 2 channels, integer (8 to 32 bit) or
/// 32-bit float samples, and converts it to 24 kHz mono pcm16.
///
/// # Errors
/// The file cannot be opened or is not such a WAV file; the message says what was
/// found and what is accepted.
pub fn read_wav(path: &Path) -> Result<LoadedWav, ExampleError> {
    let shown = path.display();
    let mut reader = hound::WavReader::open(path).map_err(|error| {
        ExampleError::new(format!(
            "--input {shown}: cannot read it as a WAV file ({error}); expected a RIFF/WAVE \
             file, ideally 24 kHz mono 16-bit PCM"
        ))
    })?;
    let spec = reader.spec();
    if spec.channels == 0 || spec.channels > 2 {
        return Err(ExampleError::new(format!(
            "--input {shown}: {} channels; expected mono or stereo",
            spec.channels
        )));
    }
    let samples: Vec<f32> = match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Float, 32) => reader
            .samples::<f32>()
            .collect::<Result<_, _>>()
            .map_err(|e| ExampleError::new(format!("--input {shown}: {e}")))?,
        (hound::SampleFormat::Int, bits @ 8..=32) => {
            let scale = (1_i64 << (bits - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|sample| sample.map(|s| s as f32 / scale))
                .collect::<Result<_, _>>()
                .map_err(|e| ExampleError::new(format!("--input {shown}: {e}")))?
        }
        (format, bits) => {
            return Err(ExampleError::new(format!(
                "--input {shown}: {bits}-bit {format:?} samples; expected integer PCM (8 to \
                 32 bit) or 32-bit float"
            )));
        }
    };
    // Mixed to mono and resampled through rubato (realtime-audio's capture pipeline).
    let channels = usize::from(spec.channels);
    let converted = (|| {
        let mut pipeline = CapturePipeline::new(
            DeviceFormat::new(spec.sample_rate, spec.channels),
            AudioFormat::Pcm16 { rate: RATE },
        )?;
        let mut pcm = pipeline.push_f32(&samples)?;
        pcm.extend(pipeline.finish()?);
        Ok::<_, realtime::audio_io::AudioError>(pcm)
    })()
    .map_err(|e| ExampleError::new(format!("--input {shown}: {e}")))?;
    let mut notes = Vec::new();
    if spec.sample_rate != RATE {
        notes.push(format!("resampled from {} Hz", spec.sample_rate));
    }
    if channels != 1 {
        notes.push(format!("mixed down from {channels} channels"));
    }
    if spec.sample_format != hound::SampleFormat::Int || spec.bits_per_sample != 16 {
        notes.push(format!(
            "converted from {}-bit samples",
            spec.bits_per_sample
        ));
    }
    Ok(LoadedWav {
        pcm: converted,
        converted: (!notes.is_empty()).then(|| notes.join(", ")),
    })
}

/// Float samples in -1..1 to pcm16 little-endian bytes.
pub fn pcm16_bytes(samples: &[f32]) -> Vec<u8> {
    realtime::audio_io::convert::f32_to_pcm16(samples)
}

/// pcm16 little-endian bytes to samples (a trailing odd byte is ignored).
pub fn pcm16_samples(bytes: &[u8]) -> impl Iterator<Item = i16> + '_ {
    bytes
        .chunks_exact(2)
        .map(|pair| i16::from_le_bytes([pair[0], pair[1]]))
}

/// `ms` of a voiced, speech-like sound (a 140 Hz buzz in syllables): stands in for a
/// user speaking when no `--input` is given. The emulator's server VAD hears any
/// audio; a real model would not understand it, so live runs send text instead.
pub fn synthetic_speech(ms: u64, seed: u32) -> Vec<u8> {
    let count = (u64::from(RATE) * ms / 1000) as usize;
    let pitch = 140.0 + 15.0 * (seed % 5) as f32;
    let samples: Vec<f32> = (0..count)
        .map(|n| {
            let t = n as f32 / RATE as f32;
            let syllables = (std::f32::consts::PI * 4.0 * t).sin().abs();
            let voice: f32 = (1..=5)
                .map(|harmonic| {
                    let h = harmonic as f32;
                    (2.0 * std::f32::consts::PI * pitch * h * t).sin() / h
                })
                .sum();
            0.15 * syllables * voice
        })
        .collect();
    pcm16_bytes(&samples)
}

/// `ms` of silence.
pub fn silence(ms: u64) -> Vec<u8> {
    vec![0; ms as usize * BYTES_PER_MS]
}

/// Writes 24 kHz mono pcm16 to a WAV file.
pub struct WavOut {
    writer: hound::WavWriter<BufWriter<File>>,
    bytes: u64,
}

impl std::fmt::Debug for WavOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavOut")
            .field("bytes", &self.bytes)
            .finish_non_exhaustive()
    }
}

impl WavOut {
    /// Creates `path`.
    ///
    /// # Errors
    /// The file cannot be created.
    pub fn create(path: &Path) -> Result<Self, ExampleError> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let writer = hound::WavWriter::create(path, spec)
            .map_err(|error| ExampleError::new(format!("--output {}: {error}", path.display())))?;
        Ok(Self { writer, bytes: 0 })
    }

    /// Appends pcm16 bytes.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn write(&mut self, pcm: &[u8]) -> Result<(), ExampleError> {
        for sample in pcm16_samples(pcm) {
            self.writer
                .write_sample(sample)
                .map_err(|error| ExampleError::new(format!("writing --output: {error}")))?;
        }
        self.bytes += pcm.len() as u64;
        Ok(())
    }

    /// Finishes the header; returns the milliseconds written.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn finish(self) -> Result<u64, ExampleError> {
        self.writer
            .finalize()
            .map_err(|error| ExampleError::new(format!("finishing --output: {error}")))?;
        Ok(self.bytes / BYTES_PER_MS as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_speech_has_the_asked_length_and_is_not_silent() {
        let pcm = synthetic_speech(1000, 0);
        assert_eq!(pcm.len(), 48_000);
        assert!(pcm16_samples(&pcm).any(|s| s.unsigned_abs() > 1000));
    }

    #[test]
    fn wav_round_trip_at_another_rate_is_resampled() -> Result<(), Box<dyn std::error::Error>> {
        let dir = std::env::temp_dir().join(format!("rt-examples-wav-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("in.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 48_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(&path, spec)?;
        for n in 0..48_000 {
            writer.write_sample((n % 100) as i16)?;
            writer.write_sample((n % 100) as i16)?;
        }
        writer.finalize()?;
        let loaded = read_wav(&path)?;
        assert_eq!(loaded.duration_ms(), 1000);
        assert!(loaded.converted.is_some_and(|note| note.contains("48000")));
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }
}
