//! Barge-in (invariant 2) and output guardrails (invariant 6) of the
//! [agent machine](super): both stop the assistant and remove from the model's
//! context what the user did not hear or must not keep.

use std::time::Instant;

use super::AgentMachine;
use crate::agent::event::{AgentEvent, GuardrailRemedy};
use crate::agent::guardrail::Verdict;
use crate::protocol::ClientEvent;

impl AgentMachine {
    /// The user started speaking (or the app interrupted).
    pub(super) fn barge_in(&mut self, now: Instant) {
        let active = self.gate.active();
        if active && !self.server_auto_cancels {
            self.send(ClientEvent::cancel_response());
        }
        let mut deleted: Vec<String> = Vec::new();
        let mut interrupted = None;
        if let Some((heard, later)) = self.playback.hearing(now) {
            self.send(ClientEvent::ConversationItemTruncate {
                event_id: None,
                item_id: heard.item_id.clone(),
                content_index: heard.content_index,
                audio_end_ms: heard.heard_ms,
            });
            self.turn.silenced.insert(&heard.item_id);
            self.playback.forget(&heard.item_id);
            interrupted = Some((heard.item_id, Some(heard.heard_ms)));
            deleted.extend(later);
        }
        if active {
            deleted.append(&mut self.turn.announced);
        }
        deleted.dedup();
        for item_id in &deleted {
            self.send(ClientEvent::delete_item(item_id.clone()));
            self.turn.silenced.insert(item_id);
            self.playback.forget(item_id);
        }
        let interrupted =
            interrupted.or_else(|| deleted.first().map(|first| (first.clone(), None)));
        if let Some((item_id, audio_end_ms)) = interrupted {
            self.emit(AgentEvent::Interrupted {
                item_id,
                audio_end_ms,
            });
        }
    }

    pub(super) fn run_guardrails(&mut self, now: Instant, item_id: &str, is_final: bool) {
        let Some(agent) = self.agent(&self.current) else {
            return;
        };
        let Some((text, checked)) = self.turn.transcripts.get(item_id) else {
            return;
        };
        let len = text.chars().count();
        let mut tripped = None;
        let mut due_any = false;
        for guardrail in agent.guardrails() {
            if guardrail.due(*checked, len, is_final) {
                due_any = true;
                if let Verdict::Trip { reason } = guardrail.check_with(text, &self.state) {
                    tripped = Some((guardrail.name().to_owned(), reason));
                    break;
                }
            }
        }
        if due_any && let Some(entry) = self.turn.transcripts.get_mut(item_id) {
            entry.1 = len;
        }
        let Some((guardrail, reason)) = tripped else {
            return;
        };
        tracing::info!(guardrail, item_id, "output guardrail tripped");
        self.turn.silenced.insert(item_id);
        if self.gate.active() {
            self.send(ClientEvent::cancel_response());
        }
        let remedy = match self.playback.heard(item_id, now) {
            Some(at) if self.playback.has_audio(item_id) => {
                self.send(ClientEvent::truncate(item_id, at));
                GuardrailRemedy::Truncated { audio_end_ms: at }
            }
            _ => {
                // No audio: the offending text would stay in the model's context.
                self.send(ClientEvent::delete_item(item_id));
                GuardrailRemedy::Deleted
            }
        };
        self.playback.forget(item_id);
        self.turn.announced.retain(|id| id != item_id);
        self.emit(AgentEvent::GuardrailTripped {
            guardrail,
            reason,
            item_id: item_id.to_owned(),
            remedy: remedy.clone(),
        });
        self.emit(AgentEvent::Interrupted {
            item_id: item_id.to_owned(),
            audio_end_ms: match remedy {
                GuardrailRemedy::Truncated { audio_end_ms } => Some(audio_end_ms),
                GuardrailRemedy::Deleted => None,
            },
        });
    }
}
