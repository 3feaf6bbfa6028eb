//! [`Player`]: assistant audio to a speaker, with what was heard reported to the
//! session's [`PlaybackTracker`].

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use realtime_core::agent::AgentEvent;
use realtime_core::audio::PlaybackTracker;
use realtime_core::protocol::AudioFormat;

use crate::convert::{self, DeviceFormat};
use crate::{AudioError, StreamResampler};

/// Assistant audio the player holds at most by default, in milliseconds: providers
/// send audio faster than real time, a long answer fits.
pub const DEFAULT_LIMIT_MS: u64 = 120_000;

/// The feeding side of a speaker: takes the session's [`AgentEvent`]s, converts
/// assistant audio to the device's rate and channels, and queues it for the
/// [`PlayerOutput`] that the device's callback drains.
///
/// The output reports every item's played position to the session's
/// [`PlaybackTracker`] as it plays, so a barge-in truncates the assistant's item
/// where the user stopped hearing it. On [`AgentEvent::Interrupted`] the queue is
/// emptied at once.
///
/// ```
/// use realtime_audio::{DeviceFormat, Player};
/// use realtime_core::agent::AgentEvent;
/// use realtime_core::audio::PlaybackTracker;
/// use realtime_core::protocol::AudioFormat;
///
/// let tracker = PlaybackTracker::new(AudioFormat::PCM16_24K); // session.playback().clone()
/// let mut player = Player::new(AudioFormat::PCM16_24K, DeviceFormat::new(48_000, 2), tracker.clone())?;
/// let mut output = player.output(); // moved into the device callback
/// player.handle(&AgentEvent::Audio { item_id: "item_1".into(), audio: vec![0; 9_600] })?; // 200 ms
/// let mut buffer = vec![0.0_f32; 2 * 4_800]; // the device asks for 100 ms of stereo
/// output.fill_f32(&mut buffer);
/// assert_eq!(tracker.position("item_1").played_ms, Some(100));
/// # Ok::<(), realtime_audio::AudioError>(())
/// ```
#[derive(Debug)]
pub struct Player {
    session: AudioFormat,
    device: DeviceFormat,
    resampler: StreamResampler,
    /// The item whose audio the resampler holds.
    feeding: Option<String>,
    limit_frames: u64,
    queue: Arc<Mutex<Queue>>,
}

/// The draining side of a [`Player`], for the device callback: cheap to clone, all
/// clones share the queue.
#[derive(Debug, Clone)]
pub struct PlayerOutput {
    device: DeviceFormat,
    queue: Arc<Mutex<Queue>>,
    scratch: Vec<f32>,
}

#[derive(Debug)]
struct Queue {
    segments: VecDeque<Segment>,
    /// Mono device frames queued and not yet played.
    buffered: u64,
    /// The item last played and its device frames played so far.
    playing: Option<(String, u64)>,
    tracker: PlaybackTracker,
}

#[derive(Debug)]
struct Segment {
    item_id: String,
    /// Mono samples at the device rate.
    samples: Vec<f32>,
    next: usize,
}

fn lock(queue: &Mutex<Queue>) -> MutexGuard<'_, Queue> {
    // A poisoned lock only means a callback panicked between two plain updates.
    queue.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Player {
    /// A player of `session` audio on a device in `device` format, reporting to
    /// `tracker` (the session's `AgentSession::playback()`).
    ///
    /// # Errors
    /// A zero rate or channel count, a session format this crate does not decode, or
    /// a rate pair the resampler refuses.
    pub fn new(
        session: AudioFormat,
        device: DeviceFormat,
        tracker: PlaybackTracker,
    ) -> Result<Self, AudioError> {
        let device = device.validate()?;
        convert::decode(session, &[])?;
        Ok(Self {
            session,
            device,
            resampler: StreamResampler::new(session.sample_rate(), device.rate)?,
            feeding: None,
            limit_frames: DEFAULT_LIMIT_MS * u64::from(device.rate) / 1000,
            queue: Arc::new(Mutex::new(Queue {
                segments: VecDeque::new(),
                buffered: 0,
                playing: None,
                tracker,
            })),
        })
    }

    /// Holds at most `ms` milliseconds of audio; beyond, [`push`](Self::push) refuses
    /// with [`AudioError::QueueFull`].
    #[must_use]
    pub fn limit_ms(mut self, ms: u64) -> Self {
        self.limit_frames = ms * u64::from(self.device.rate) / 1000;
        self
    }

    /// The draining side, for the device callback.
    pub fn output(&self) -> PlayerOutput {
        PlayerOutput {
            device: self.device,
            queue: Arc::clone(&self.queue),
            scratch: Vec::new(),
        }
    }

    /// Acts on a session event: queues [`AgentEvent::Audio`], empties the queue on
    /// [`AgentEvent::Interrupted`], ends the item on [`AgentEvent::ResponseDone`].
    /// Other events are ignored.
    ///
    /// # Errors
    /// [`AudioError::QueueFull`] when the audio does not fit; a resampler error.
    pub fn handle(&mut self, event: &AgentEvent) -> Result<(), AudioError> {
        match event {
            AgentEvent::Audio { item_id, audio } => self.push(item_id, audio),
            AgentEvent::Interrupted { .. } => {
                self.clear();
                Ok(())
            }
            AgentEvent::ResponseDone { .. } => self.finish_item(),
            _ => Ok(()),
        }
    }

    /// Queues `audio` (session format) of `item_id`.
    ///
    /// # Errors
    /// [`AudioError::QueueFull`] when it does not fit (nothing of it is queued); a
    /// resampler error.
    pub fn push(&mut self, item_id: &str, audio: &[u8]) -> Result<(), AudioError> {
        if self.feeding.as_deref() != Some(item_id) {
            self.finish_item()?;
            self.feeding = Some(item_id.to_owned());
        }
        let mono = convert::decode(self.session, audio)?;
        let incoming = (mono.len() as u64 * u64::from(self.device.rate))
            .div_ceil(u64::from(self.session.sample_rate()));
        let buffered = lock(&self.queue).buffered;
        if buffered + incoming > self.limit_frames {
            let ms = |frames: u64| frames * 1000 / u64::from(self.device.rate);
            return Err(AudioError::QueueFull {
                item_id: item_id.to_owned(),
                buffered_ms: ms(buffered),
                limit_ms: ms(self.limit_frames),
                rejected_ms: ms(incoming),
            });
        }
        let samples = self.resampler.push(&mono)?;
        self.enqueue(item_id, samples);
        Ok(())
    }

    /// Ends the item being fed: queues the resampler's tail, so that the item plays
    /// for exactly as long as the audio received.
    ///
    /// # Errors
    /// A resampler error.
    pub fn finish_item(&mut self) -> Result<(), AudioError> {
        if let Some(item_id) = self.feeding.take() {
            let tail = self.resampler.flush()?;
            self.enqueue(&item_id, tail);
        }
        Ok(())
    }

    /// Stops playback now: drops everything queued (after a barge-in).
    pub fn clear(&mut self) {
        self.resampler.reset();
        self.feeding = None;
        let mut queue = lock(&self.queue);
        queue.segments.clear();
        queue.buffered = 0;
        queue.playing = None;
    }

    /// Milliseconds of audio queued and not yet played.
    pub fn buffered_ms(&self) -> u64 {
        lock(&self.queue).buffered * 1000 / u64::from(self.device.rate)
    }

    fn enqueue(&self, item_id: &str, samples: Vec<f32>) {
        if samples.is_empty() {
            return;
        }
        let mut queue = lock(&self.queue);
        queue.buffered += samples.len() as u64;
        queue.segments.push_back(Segment {
            item_id: item_id.to_owned(),
            samples,
            next: 0,
        });
    }
}

impl PlayerOutput {
    /// The device format this output fills.
    pub fn device(&self) -> DeviceFormat {
        self.device
    }

    /// Fills `out` (interleaved frames of the device's channels) with queued audio,
    /// silence when the queue runs dry, and reports each item's played position to
    /// the tracker. Returns the frames of audio played (the rest is silence).
    pub fn fill_f32(&mut self, out: &mut [f32]) -> usize {
        let channels = usize::from(self.device.channels);
        let rate = u64::from(self.device.rate);
        let mut queue = lock(&self.queue);
        let queue = &mut *queue;
        let mut played = 0;
        let mut touched = false;
        for frame in out.chunks_mut(channels) {
            let sample = loop {
                let Some(segment) = queue.segments.front_mut() else {
                    break None;
                };
                if let Some(&sample) = segment.samples.get(segment.next) {
                    segment.next += 1;
                    match &mut queue.playing {
                        Some((item, frames)) if *item == segment.item_id => *frames += 1,
                        playing => {
                            if let Some((item, frames)) = playing.take()
                                && touched
                            {
                                queue.tracker.played(&item, frames * 1000 / rate);
                            }
                            *playing = Some((segment.item_id.clone(), 1));
                        }
                    }
                    touched = true;
                    break Some(sample);
                }
                queue.segments.pop_front();
            };
            match sample {
                Some(sample) => {
                    played += 1;
                    frame.fill(sample);
                }
                None => frame.fill(0.0),
            }
        }
        queue.buffered = queue.buffered.saturating_sub(played as u64);
        if touched && let Some((item, frames)) = &queue.playing {
            queue.tracker.played(item, frames * 1000 / rate);
        }
        played
    }

    /// As [`fill_f32`](Self::fill_f32), for a device of 16-bit samples.
    pub fn fill_i16(&mut self, out: &mut [i16]) -> usize {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        scratch.resize(out.len(), 0.0);
        let played = self.fill_f32(&mut scratch);
        for (target, &sample) in out.iter_mut().zip(&scratch) {
            *target = convert::f32_to_i16(sample);
        }
        self.scratch = scratch;
        played
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracker() -> PlaybackTracker {
        PlaybackTracker::new(AudioFormat::PCM16_24K)
    }

    #[test]
    fn interrupted_empties_the_queue() -> Result<(), AudioError> {
        let mut player = Player::new(
            AudioFormat::PCM16_24K,
            DeviceFormat::new(24_000, 1),
            tracker(),
        )?;
        player.push("a", &vec![1; 4_800])?;
        assert_eq!(player.buffered_ms(), 100);
        player.handle(&AgentEvent::Interrupted {
            item_id: "a".into(),
            audio_end_ms: Some(0),
        })?;
        assert_eq!(player.buffered_ms(), 0);
        let mut out = vec![1.0; 10];
        assert_eq!(player.output().fill_f32(&mut out), 0);
        assert!(out.iter().all(|&s| s == 0.0));
        Ok(())
    }

    #[test]
    fn overflow_is_refused_with_a_typed_error() -> Result<(), AudioError> {
        let mut player = Player::new(
            AudioFormat::PCM16_24K,
            DeviceFormat::new(24_000, 1),
            tracker(),
        )?
        .limit_ms(100);
        player.push("a", &vec![0; 4_800])?;
        let refused = player.push("a", &vec![0; 960]);
        assert!(
            matches!(
                refused,
                Err(AudioError::QueueFull {
                    buffered_ms: 100,
                    rejected_ms: 20,
                    ..
                })
            ),
            "{refused:?}"
        );
        assert_eq!(player.buffered_ms(), 100);
        Ok(())
    }

    #[test]
    fn each_item_reports_its_own_position() -> Result<(), AudioError> {
        let tracker = tracker();
        let mut player = Player::new(
            AudioFormat::PCM16_24K,
            DeviceFormat::new(24_000, 2),
            tracker.clone(),
        )?;
        let mut output = player.output();
        player.push("a", &vec![0; 2_400])?; // 50 ms
        player.push("b", &vec![0; 4_800])?; // 100 ms
        let mut buffer = vec![0.0; 2 * 2_400]; // 100 ms of stereo
        assert_eq!(output.fill_f32(&mut buffer), 2_400);
        assert_eq!(tracker.position("a").played_ms, Some(50));
        assert_eq!(tracker.position("b").played_ms, Some(50));
        Ok(())
    }
}
