//! What the user has heard of each assistant audio item, judged at a `now` passed in:
//! the basis of barge-in truncation (invariant 2 of the [agent machine](super)).
//!
//! Items play one after another, in the order their audio arrived. The app reports
//! what its speaker played ([`Command::Played`](super::Command::Played)); for items
//! it reports nothing about, playback is estimated in real time from when the item's
//! audio first arrived and the previous item's end.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::protocol::AudioFormat;

/// Assistant audio items remembered at once; older, finished ones are forgotten.
const MAX_ITEMS: usize = 16;

#[derive(Debug, Clone)]
struct AudioItem {
    item_id: String,
    content_index: u32,
    received_bytes: u64,
    played_ms: Option<u64>,
    first_audio_at: Instant,
    /// The server sent all of this item's audio.
    complete: bool,
}

/// Where one item stands at a given time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Heard {
    pub(crate) item_id: String,
    pub(crate) content_index: u32,
    /// Milliseconds heard, never more than received.
    pub(crate) heard_ms: u64,
}

/// The playback ledger.
#[derive(Debug, Clone)]
pub(crate) struct PlaybackLedger {
    format: AudioFormat,
    items: VecDeque<AudioItem>,
}

impl PlaybackLedger {
    pub(crate) fn new(format: AudioFormat) -> Self {
        Self {
            format,
            items: VecDeque::new(),
        }
    }

    /// Whether `item_id`'s audio was complete: more audio for it is out of place.
    pub(crate) fn is_complete(&self, item_id: &str) -> bool {
        self.items
            .iter()
            .any(|item| item.item_id == item_id && item.complete)
    }

    /// `bytes` of audio for `item_id` arrived at `now`.
    pub(crate) fn received(&mut self, item_id: &str, content_index: u32, bytes: u64, now: Instant) {
        if let Some(item) = self.items.iter_mut().find(|item| item.item_id == item_id) {
            item.received_bytes += bytes;
            return;
        }
        self.prune(now);
        self.items.push_back(AudioItem {
            item_id: item_id.to_owned(),
            content_index,
            received_bytes: bytes,
            played_ms: None,
            first_audio_at: now,
            complete: false,
        });
    }

    /// The app played `played_ms` of `item_id` in total; every item before it was
    /// played to its end.
    pub(crate) fn played(&mut self, item_id: &str, played_ms: u64) {
        let Some(index) = self.items.iter().position(|item| item.item_id == item_id) else {
            return;
        };
        let format = self.format;
        for item in self.items.iter_mut().take(index) {
            item.played_ms = Some(format.duration_ms(item.received_bytes));
        }
        self.items[index].played_ms = Some(played_ms);
    }

    /// The server sent all of `item_id`'s audio.
    pub(crate) fn complete(&mut self, item_id: &str) {
        if let Some(item) = self.items.iter_mut().find(|item| item.item_id == item_id) {
            item.complete = true;
        }
    }

    /// Every item's audio is complete (the response ended). Audio without an item id
    /// (GPT-Live's one output timeline) belongs to no response, so it never ends here.
    pub(crate) fn complete_all(&mut self) {
        for item in &mut self.items {
            item.complete |= !item.item_id.is_empty();
        }
    }

    /// Whether any audio of `item_id` arrived.
    pub(crate) fn has_audio(&self, item_id: &str) -> bool {
        self.items
            .iter()
            .any(|item| item.item_id == item_id && item.received_bytes > 0)
    }

    /// The items in playback order with what was heard of each at `now`, and whether
    /// each finished playing.
    fn positions(&self, now: Instant) -> Vec<(Heard, bool)> {
        let mut free_at: Option<Instant> = None;
        self.items
            .iter()
            .map(|item| {
                let received_ms = self.format.duration_ms(item.received_bytes);
                let heard_ms = match item.played_ms {
                    Some(played) => {
                        free_at = Some(now);
                        played
                    }
                    None => {
                        let start = free_at
                            .map_or(item.first_audio_at, |free| free.max(item.first_audio_at));
                        free_at = Some(start + Duration::from_millis(received_ms));
                        u64::try_from(now.saturating_duration_since(start).as_millis())
                            .unwrap_or(u64::MAX)
                    }
                }
                .min(received_ms);
                let finished = item.complete && heard_ms >= received_ms;
                (
                    Heard {
                        item_id: item.item_id.clone(),
                        content_index: item.content_index,
                        heard_ms,
                    },
                    finished,
                )
            })
            .collect()
    }

    /// The item the user is hearing at `now` (the first one not finished), and the
    /// items after it, which the user has not heard at all.
    pub(crate) fn hearing(&self, now: Instant) -> Option<(Heard, Vec<String>)> {
        let positions = self.positions(now);
        let index = positions.iter().position(|(_, finished)| !finished)?;
        let mut rest = positions.into_iter().skip(index);
        let (heard, _) = rest.next()?;
        Some((heard, rest.map(|(later, _)| later.item_id).collect()))
    }

    /// What was heard of `item_id` at `now`, if its audio arrived.
    pub(crate) fn heard(&self, item_id: &str, now: Instant) -> Option<u64> {
        self.positions(now)
            .into_iter()
            .find(|(heard, _)| heard.item_id == item_id)
            .map(|(heard, _)| heard.heard_ms)
    }

    /// Forgets `item_id` (truncated, deleted).
    pub(crate) fn forget(&mut self, item_id: &str) {
        self.items.retain(|item| item.item_id != item_id);
    }

    /// Forgets everything (a new connection).
    pub(crate) fn clear(&mut self) {
        self.items.clear();
    }

    /// Drops finished items beyond the bound.
    fn prune(&mut self, now: Instant) {
        if self.items.len() < MAX_ITEMS {
            return;
        }
        let finished: Vec<String> = self
            .positions(now)
            .into_iter()
            .filter(|(_, finished)| *finished)
            .map(|(heard, _)| heard.item_id)
            .collect();
        self.items.retain(|item| !finished.contains(&item.item_id));
        while self.items.len() >= MAX_ITEMS {
            self.items.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::PlaybackLedger;
    use crate::protocol::AudioFormat;

    const SECOND: u64 = 48_000; // PCM16 24 kHz

    #[test]
    fn reported_playback_wins_and_is_clamped() {
        let t0 = crate::agent::test_epoch();
        let mut ledger = PlaybackLedger::new(AudioFormat::PCM16_24K);
        ledger.received("a", 0, SECOND, t0);
        ledger.played("a", 5_000);
        let (heard, later) = ledger.hearing(t0).expect("a is playing");
        assert_eq!((heard.item_id.as_str(), heard.heard_ms), ("a", 1_000));
        assert!(later.is_empty());
    }

    #[test]
    fn a_finished_item_is_not_the_one_heard() {
        let t0 = crate::agent::test_epoch();
        let mut ledger = PlaybackLedger::new(AudioFormat::PCM16_24K);
        ledger.received("a", 0, SECOND, t0);
        ledger.complete("a");
        ledger.received("b", 0, SECOND, t0 + Duration::from_secs(3));
        let (heard, _) = ledger
            .hearing(t0 + Duration::from_millis(3_400))
            .expect("b is playing");
        assert_eq!((heard.item_id.as_str(), heard.heard_ms), ("b", 400));
    }

    #[test]
    fn items_play_one_after_another() {
        let t0 = crate::agent::test_epoch();
        let mut ledger = PlaybackLedger::new(AudioFormat::PCM16_24K);
        ledger.received("a", 0, 2 * SECOND, t0);
        ledger.complete("a");
        ledger.received("b", 0, SECOND, t0 + Duration::from_millis(100));
        let (heard, later) = ledger
            .hearing(t0 + Duration::from_millis(1_500))
            .expect("a");
        assert_eq!((heard.item_id.as_str(), heard.heard_ms), ("a", 1_500));
        assert_eq!(later, vec!["b".to_owned()]);
        let (heard, _) = ledger
            .hearing(t0 + Duration::from_millis(2_250))
            .expect("b");
        assert_eq!((heard.item_id.as_str(), heard.heard_ms), ("b", 250));
    }
}
