//! Holding the assistant's output until the user's transcript passed the input
//! guardrails.
//!
//! The services transcribe the user's speech while they already answer it: the
//! transcript can come after the answer's first words. With input guardrails on the
//! active agent, the answer's audio and text wait here (bounded in bytes and in
//! time) until the transcript is checked: released if it passes, dropped if a
//! guardrail trips, so the app never plays an answer to a stopped turn.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::{Action, AgentMachine};
use crate::agent::event::AgentEvent;
use crate::protocol::Role;

/// Longest wait for the user's transcript; then the output is released unchecked.
pub const HOLD_TIMEOUT: Duration = Duration::from_secs(3);
/// Most output held, in bytes of audio and text; beyond, it is released unchecked.
pub const MAX_HELD_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug)]
pub(super) struct Hold {
    /// The user item whose transcript is awaited.
    item_id: String,
    until: Instant,
    events: VecDeque<AgentEvent>,
    bytes: usize,
}

/// Whether `event` is the assistant's output (what a stopped turn must not reach the
/// app as).
fn is_output(event: &AgentEvent) -> bool {
    matches!(
        event,
        AgentEvent::Audio { .. }
            | AgentEvent::TranscriptDelta {
                role: Role::Assistant,
                ..
            }
            | AgentEvent::Transcript {
                role: Role::Assistant,
                ..
            }
    )
}

fn size(event: &AgentEvent) -> usize {
    match event {
        AgentEvent::Audio { audio, .. } => audio.len(),
        AgentEvent::TranscriptDelta { delta, .. } => delta.len(),
        AgentEvent::Transcript { text, .. } => text.len(),
        _ => 0,
    }
}

impl AgentMachine {
    /// The user's audio `item_id` was committed: with input guardrails, its answer
    /// waits for its transcript.
    pub(super) fn hold_for_transcript(&mut self, item_id: &str, now: Instant) {
        let guarded = self
            .agent(&self.current)
            .is_some_and(|agent| !agent.input_guardrails().is_empty());
        if guarded && self.hold.is_none() {
            self.hold = Some(Hold {
                item_id: item_id.to_owned(),
                until: now + HOLD_TIMEOUT,
                events: VecDeque::new(),
                bytes: 0,
            });
        }
    }

    /// Holds `event` if it is output and a transcript is awaited; `false` otherwise.
    pub(super) fn held(&mut self, event: AgentEvent) -> Option<AgentEvent> {
        let Some(hold) = self.hold.as_mut() else {
            return Some(event);
        };
        if !is_output(&event) {
            return Some(event);
        }
        hold.bytes += size(&event);
        hold.events.push_back(event);
        if hold.bytes > MAX_HELD_BYTES {
            tracing::warn!(
                "the answer outgrew the hold before the transcript came; released unchecked"
            );
            self.release_hold();
        }
        None
    }

    /// The transcript of `item_id` passed (or failed to come): the answer goes on.
    pub(super) fn transcript_checked(&mut self, item_id: &str, tripped: bool) {
        if self
            .hold
            .as_ref()
            .is_some_and(|hold| hold.item_id == item_id)
        {
            if tripped {
                self.unhear_held();
            } else {
                self.release_hold();
            }
        }
    }

    /// Drops the held output of a stopped turn: the app never heard its items, so
    /// a barge-in deletes them rather than truncating.
    pub(super) fn unhear_held(&mut self) {
        let Some(hold) = self.hold.take() else {
            return;
        };
        for event in hold.events {
            if let AgentEvent::Audio { item_id, .. } = event {
                self.playback.forget(&item_id);
                if !self.turn.announced.contains(&item_id) {
                    self.turn.announced.push(item_id);
                }
            }
        }
    }

    pub(super) fn release_hold(&mut self) {
        if let Some(hold) = self.hold.take() {
            self.actions
                .extend(hold.events.into_iter().map(Action::Emit));
        }
    }

    pub(super) fn hold_deadline(&self) -> Option<Instant> {
        self.hold.as_ref().map(|hold| hold.until)
    }

    pub(super) fn hold_timers(&mut self, now: Instant) {
        if self.hold.as_ref().is_some_and(|hold| now >= hold.until) {
            tracing::warn!(
                "the user's transcript did not come in time; the answer is released unchecked"
            );
            self.release_hold();
        }
    }
}
