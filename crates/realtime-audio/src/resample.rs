//! [`StreamResampler`]: mono audio resampled chunk by chunk through `rubato`.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler};

use crate::AudioError;

/// Milliseconds of input the resampler works on at a time (rounded by rubato to
/// what the two rates allow).
const CHUNK_MS: u32 = 10;

/// Chunks of silence [`StreamResampler::flush`] feeds at most to push the tail out.
const MAX_FLUSH_ROUNDS: usize = 64;

/// Resamples a mono stream from one rate to another through `rubato`'s synchronous
/// FFT resampler (band-limited, with an anti-aliasing filter).
///
/// Input comes in pieces of any length ([`push`](Self::push)); output comes out as
/// soon as a whole chunk (about 10 ms) is in, with the resampler's start-up delay
/// removed, so the output lines up with the input sample for sample.
/// [`flush`](Self::flush) ends the stream: it returns the tail, and the total output
/// is then exactly `ceil(input × to / from)` samples. Equal rates pass through.
pub struct StreamResampler {
    from: u32,
    to: u32,
    inner: Option<Box<Fft<f32>>>,
    /// Input waiting for a whole chunk.
    pending: Vec<f32>,
    /// Output scratch of `output_frames_max` samples.
    scratch: Vec<f32>,
    /// Start-up delay still to drop from the output.
    to_trim: usize,
    consumed: u64,
    produced: u64,
}

impl std::fmt::Debug for StreamResampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamResampler")
            .field("from", &self.from)
            .field("to", &self.to)
            .field("pending", &self.pending.len())
            .field("consumed", &self.consumed)
            .field("produced", &self.produced)
            .finish_non_exhaustive()
    }
}

impl StreamResampler {
    /// A resampler from `from` Hz to `to` Hz.
    ///
    /// # Errors
    /// [`AudioError::InvalidFormat`] for a zero rate, [`AudioError::Resample`] when
    /// rubato refuses the pair.
    pub fn new(from: u32, to: u32) -> Result<Self, AudioError> {
        if from == 0 || to == 0 {
            return Err(AudioError::InvalidFormat(format!(
                "expected sample rates above zero, got {from} Hz to {to} Hz"
            )));
        }
        let mut resampler = Self {
            from,
            to,
            inner: None,
            pending: Vec::new(),
            scratch: Vec::new(),
            to_trim: 0,
            consumed: 0,
            produced: 0,
        };
        if from != to {
            let chunk = (from / (1000 / CHUNK_MS)).max(1) as usize;
            let fft = Fft::<f32>::new(from as usize, to as usize, chunk, 1, FixedSync::Input)
                .map_err(|e| resampler.error(&e))?;
            resampler.scratch = vec![0.0; fft.output_frames_max()];
            resampler.to_trim = fft.output_delay();
            resampler.inner = Some(Box::new(fft));
        }
        Ok(resampler)
    }

    /// The input rate.
    pub fn from_rate(&self) -> u32 {
        self.from
    }

    /// The output rate.
    pub fn to_rate(&self) -> u32 {
        self.to
    }

    fn error(&self, error: &dyn std::fmt::Display) -> AudioError {
        AudioError::Resample {
            from: self.from,
            to: self.to,
            message: error.to_string(),
        }
    }

    /// Samples of output due for `input` samples of input.
    fn expected_output(&self, input: u64) -> u64 {
        (input * u64::from(self.to)).div_ceil(u64::from(self.from))
    }

    /// Feeds `input`; returns the output ready so far.
    ///
    /// # Errors
    /// [`AudioError::Resample`] when rubato fails (it does not with the buffers this
    /// type sizes itself).
    pub fn push(&mut self, input: &[f32]) -> Result<Vec<f32>, AudioError> {
        self.consumed += input.len() as u64;
        if self.inner.is_none() {
            self.produced += input.len() as u64;
            return Ok(input.to_vec());
        }
        self.pending.extend_from_slice(input);
        let mut out = Vec::new();
        loop {
            let needed = self.inner.as_ref().map_or(0, |r| r.input_frames_next());
            if needed == 0 || self.pending.len() < needed {
                break;
            }
            let chunk: Vec<f32> = self.pending.drain(..needed).collect();
            self.process_slice(&chunk, needed, &mut out)?;
        }
        Ok(out)
    }

    /// Ends the stream: returns the remaining output, so that all the output equals
    /// `ceil(input × to / from)` samples, and makes the resampler ready for a new
    /// stream.
    ///
    /// # Errors
    /// [`AudioError::Resample`] when rubato fails.
    pub fn flush(&mut self) -> Result<Vec<f32>, AudioError> {
        let mut out = Vec::new();
        if self.inner.is_some() {
            let expected = self.expected_output(self.consumed);
            let pending = std::mem::take(&mut self.pending);
            let mut partial = Some(pending.len());
            // Each chunk yields output; the delay spans a few chunks at most.
            let mut rounds = 0;
            while self.produced < expected {
                rounds += 1;
                if rounds > MAX_FLUSH_ROUNDS {
                    let message = format!(
                        "flushing produced {} of {expected} samples in {MAX_FLUSH_ROUNDS} rounds",
                        self.produced
                    );
                    self.reset();
                    return Err(AudioError::Resample {
                        from: self.from,
                        to: self.to,
                        message,
                    });
                }
                let input = if partial.is_some() {
                    pending.as_slice()
                } else {
                    &[]
                };
                self.process_slice(input, partial.unwrap_or(0), &mut out)?;
                partial = None;
            }
            let excess = self.produced.saturating_sub(expected) as usize;
            out.truncate(out.len().saturating_sub(excess));
        }
        self.reset();
        Ok(out)
    }

    /// Drops what is buffered and starts a new stream (after an interruption).
    pub fn reset(&mut self) {
        self.pending.clear();
        self.consumed = 0;
        self.produced = 0;
        if let Some(inner) = self.inner.as_mut() {
            inner.reset();
            self.to_trim = inner.output_delay();
        }
    }

    /// Runs one chunk of which `valid` samples of `input` are real (the rest silence).
    fn process_slice(
        &mut self,
        input: &[f32],
        valid: usize,
        out: &mut Vec<f32>,
    ) -> Result<(), AudioError> {
        let Some(inner) = self.inner.as_mut() else {
            return Ok(());
        };
        let needed = inner.input_frames_next();
        let indexing = Indexing::new().partial_len(valid.min(needed));
        // rubato reads `needed` frames from the buffer; pad a short one with silence.
        let padded;
        let input = if input.len() >= needed {
            input
        } else {
            padded = {
                let mut v = input.to_vec();
                v.resize(needed, 0.0);
                v
            };
            padded.as_slice()
        };
        let frames_out = self.scratch.len();
        let adapter_in = InterleavedSlice::new(input, 1, needed);
        let adapter_out = InterleavedSlice::new_mut(&mut self.scratch, 1, frames_out);
        let (adapter_in, mut adapter_out) = match (adapter_in, adapter_out) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => {
                let message = e.to_string();
                return Err(AudioError::Resample {
                    from: self.from,
                    to: self.to,
                    message,
                });
            }
        };
        let (_, written) = inner
            .process_into_buffer(&adapter_in, &mut adapter_out, Some(&indexing))
            .map_err(|e| AudioError::Resample {
                from: self.from,
                to: self.to,
                message: e.to_string(),
            })?;
        let trim = self.to_trim.min(written);
        self.to_trim -= trim;
        let kept = &self.scratch[trim..written];
        self.produced += kept.len() as u64;
        out.extend_from_slice(kept);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::StreamResampler;
    use crate::AudioError;

    fn tone(rate: u32, hz: f32, samples: usize) -> Vec<f32> {
        (0..samples)
            .map(|n| (2.0 * std::f32::consts::PI * hz * n as f32 / rate as f32).sin() * 0.5)
            .collect()
    }

    #[test]
    fn streamed_output_has_the_exact_length() -> Result<(), AudioError> {
        for (from, to, len) in [
            (48_000, 24_000, 48_000),
            (8_000, 24_000, 8_123),
            (44_100, 24_000, 44_100),
            (24_000, 8_000, 2_401),
        ] {
            let mut resampler = StreamResampler::new(from, to)?;
            let input = tone(from, 440.0, len);
            let mut out = Vec::new();
            for piece in input.chunks(333) {
                out.extend(resampler.push(piece)?);
            }
            out.extend(resampler.flush()?);
            let expected = (len as u64 * u64::from(to)).div_ceil(u64::from(from)) as usize;
            assert_eq!(out.len(), expected, "{from} -> {to}");
        }
        Ok(())
    }

    #[test]
    fn a_tone_keeps_its_level_and_phase() -> Result<(), AudioError> {
        let mut resampler = StreamResampler::new(48_000, 24_000)?;
        let mut out = resampler.push(&tone(48_000, 440.0, 48_000))?;
        out.extend(resampler.flush()?);
        let reference = tone(24_000, 440.0, 24_000);
        // Away from the edges the output is the same tone at the new rate.
        let error = out[1_000..23_000]
            .iter()
            .zip(&reference[1_000..23_000])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(error < 0.01, "max error {error}");
        Ok(())
    }

    #[test]
    fn equal_rates_pass_through_and_zero_is_refused() -> Result<(), AudioError> {
        let mut resampler = StreamResampler::new(24_000, 24_000)?;
        assert_eq!(resampler.push(&[0.5, -0.5])?, vec![0.5, -0.5]);
        assert!(resampler.flush()?.is_empty());
        assert!(matches!(
            StreamResampler::new(0, 24_000),
            Err(AudioError::InvalidFormat(_))
        ));
        Ok(())
    }
}
