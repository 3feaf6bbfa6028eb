//! [`PlaybackTracker`]: how much of the assistant's audio the user has heard.
//!
//! On barge-in the assistant item must be truncated where the user stopped hearing
//! it, not where the server stopped sending it. The app reports what it played; the
//! tracker also counts what was received, so the truncation point is clamped to
//! audio that exists.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use crate::protocol::AudioFormat;

/// What is known of one assistant audio item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlaybackPosition {
    /// Milliseconds of audio received from the server.
    pub received_ms: u64,
    /// Milliseconds the app reported as played, if it reported anything.
    pub played_ms: Option<u64>,
    /// Milliseconds since the item's first audio arrived, for the item audio is
    /// arriving for: the estimate used when the app reports nothing.
    pub elapsed_ms: Option<u64>,
}

impl PlaybackPosition {
    /// Where to truncate: what was played (when the app reports nothing, the time
    /// since the first audio arrived; failing that, all that was received), never
    /// beyond what was received.
    pub fn truncate_at(&self) -> u64 {
        self.played_ms
            .or(self.elapsed_ms)
            .unwrap_or(self.received_ms)
            .min(self.received_ms)
    }

    /// Whether the user is probably still hearing the item.
    pub fn still_playing(&self) -> bool {
        self.has_audio() && self.truncate_at() < self.received_ms
    }

    /// Whether any audio of the item arrived.
    pub fn has_audio(&self) -> bool {
        self.received_ms > 0
    }
}

#[derive(Debug, Default)]
struct Inner {
    format: AudioFormat,
    received_bytes: HashMap<String, u64>,
    played_ms: HashMap<String, u64>,
    current: Option<String>,
    started: Option<Instant>,
    /// Played positions reported since the last [`PlaybackTracker::take_reports`].
    reports: Vec<(String, u64)>,
}

/// Played positions waiting to be taken; older reports beyond are dropped (only the
/// latest per item matters, and few items play at once).
const MAX_PENDING_REPORTS: usize = 32;

impl Inner {
    fn report(&mut self, item_id: &str, played_ms: u64) {
        if let Some(pending) = self.reports.iter_mut().find(|(id, _)| id == item_id) {
            pending.1 = played_ms;
            return;
        }
        if self.reports.len() >= MAX_PENDING_REPORTS {
            self.reports.remove(0);
        }
        self.reports.push((item_id.to_owned(), played_ms));
    }
}

/// Shared between the app (which plays audio) and the agent loop (which truncates).
/// Cloning gives another handle to the same tracker.
///
/// ```
/// use realtime_core::audio::PlaybackTracker;
/// use realtime_core::protocol::AudioFormat;
///
/// let tracker = PlaybackTracker::new(AudioFormat::PCM16_24K);
/// tracker.received("item_1", 48_000); // one second arrived
/// tracker.played("item_1", 250);       // the speaker played a quarter of it
/// assert_eq!(tracker.position("item_1").truncate_at(), 250);
/// ```
#[derive(Debug, Clone, Default)]
pub struct PlaybackTracker {
    inner: Arc<Mutex<Inner>>,
}

impl PlaybackTracker {
    /// A tracker for audio in `format`.
    pub fn new(format: AudioFormat) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                format,
                ..Inner::default()
            })),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        // A poisoned lock only means another thread panicked mid-update of plain counters.
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut inner)
    }

    /// Changes the audio format (after a `session.update` that changed it).
    pub fn set_format(&self, format: AudioFormat) {
        self.with(|inner| inner.format = format);
    }

    /// Records `bytes` of audio received for `item_id` (called by the agent loop).
    pub fn received(&self, item_id: &str, bytes: u64) {
        self.with(|inner| {
            if inner.current.as_deref() != Some(item_id) {
                inner.current = Some(item_id.to_owned());
                inner.started = Some(Instant::now());
            }
            *inner.received_bytes.entry(item_id.to_owned()).or_default() += bytes;
        });
    }

    /// Records that the app has played `played_ms` of `item_id` in total.
    pub fn played(&self, item_id: &str, played_ms: u64) {
        self.with(|inner| {
            inner.played_ms.insert(item_id.to_owned(), played_ms);
            inner.report(item_id, played_ms);
        });
    }

    /// Records that the app played `bytes` more of `item_id`.
    pub fn played_bytes(&self, item_id: &str, bytes: u64) {
        self.with(|inner| {
            let ms = inner.format.duration_ms(bytes);
            let total = {
                let played = inner.played_ms.entry(item_id.to_owned()).or_default();
                *played += ms;
                *played
            };
            inner.report(item_id, total);
        });
    }

    /// Takes the played positions reported since the last call, `(item_id,
    /// played_ms)`, oldest first: the agent runner hands them to the agent machine.
    pub fn take_reports(&self) -> Vec<(String, u64)> {
        self.with(|inner| std::mem::take(&mut inner.reports))
    }

    /// The item whose audio arrived last.
    pub fn current_item(&self) -> Option<String> {
        self.with(|inner| inner.current.clone())
    }

    /// What is known of `item_id`.
    pub fn position(&self, item_id: &str) -> PlaybackPosition {
        self.with(|inner| PlaybackPosition {
            received_ms: inner
                .format
                .duration_ms(inner.received_bytes.get(item_id).copied().unwrap_or(0)),
            played_ms: inner.played_ms.get(item_id).copied(),
            elapsed_ms: match (&inner.current, inner.started) {
                (Some(current), Some(started)) if current == item_id => {
                    Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX))
                }
                _ => None,
            },
        })
    }

    /// Forgets an item (after it was truncated or completed and heard).
    pub fn forget(&self, item_id: &str) {
        self.with(|inner| {
            inner.received_bytes.remove(item_id);
            inner.played_ms.remove(item_id);
            if inner.current.as_deref() == Some(item_id) {
                inner.current = None;
                inner.started = None;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::PlaybackTracker;
    use crate::protocol::AudioFormat;

    #[test]
    fn truncation_is_clamped_to_received_audio() {
        let tracker = PlaybackTracker::new(AudioFormat::PCM16_24K);
        tracker.received("a", 4_800); // 100 ms
        tracker.played("a", 900);
        assert_eq!(tracker.position("a").truncate_at(), 100);
    }

    #[test]
    fn without_reports_truncation_follows_elapsed_time() {
        let tracker = PlaybackTracker::new(AudioFormat::G711Ulaw);
        tracker.received("a", 80_000); // ten seconds arrive at once
        let position = tracker.position("a");
        assert!(position.truncate_at() < 10_000, "{position:?}");
        assert!(position.still_playing());
        assert!(!tracker.position("b").has_audio());
    }

    #[test]
    fn played_bytes_accumulate() {
        let tracker = PlaybackTracker::new(AudioFormat::PCM16_24K);
        tracker.received("a", 96_000);
        tracker.played_bytes("a", 960);
        tracker.played_bytes("a", 960);
        assert_eq!(tracker.position("a").truncate_at(), 40);
        tracker.forget("a");
        assert_eq!(tracker.position("a").received_ms, 0);
    }
}
