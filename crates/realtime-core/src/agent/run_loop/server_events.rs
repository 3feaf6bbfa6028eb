//! The loop's handling of server events: transcripts, guardrails, barge-in.

use tokio::task::JoinSet;

use super::{LoopState, ToolOutcome};
use crate::agent::decide::{AssistantAudio, plan_barge_in};
use crate::agent::event::{AgentError, AgentEvent};
use crate::agent::guardrail::Verdict;
use crate::agent::history::HistoryEntry;
use crate::agent::reconnect::classify_server_code;
use crate::agent::runner::{MAX_TRACKED_ITEMS, MAX_TRANSCRIPT_BYTES, RECENT_AUDIO_ITEMS};
use crate::protocol::{ClientEvent, ErrorEvent, Item, Role, ServerEvent};

impl LoopState {
    pub(super) async fn on_server_event(
        &mut self,
        event: ServerEvent,
        tools: &mut JoinSet<ToolOutcome>,
    ) {
        match &event {
            ServerEvent::ResponseCreated(_) => self.gate.on_created(),
            ServerEvent::SessionCreated(created) => self.on_session_created(created),
            ServerEvent::SpeechStopped(_) | ServerEvent::InputAudioBufferCommitted(_) => {
                self.user_speaking = false;
            }
            ServerEvent::ResponseOutputItemAdded(added) => {
                if let Some(Item::Message(message)) = &added.item
                    && message.role == Some(Role::Assistant)
                {
                    self.pending_assistant_item = message.id.clone();
                }
            }
            ServerEvent::ResponseAudioDelta(delta)
                if !self.silenced_items.contains(&delta.item_id) =>
            {
                match delta.delta.decode() {
                    Ok(audio) => {
                        self.playback.received(&delta.item_id, audio.len() as u64);
                        self.track_audio_item(&delta.item_id);
                        self.audio_item = Some((delta.item_id.clone(), delta.content_index));
                        self.pending_assistant_item = None;
                        self.assistant_audio_seen = true;
                        self.emit(AgentEvent::Audio {
                            item_id: delta.item_id.clone(),
                            audio,
                        })
                        .await;
                    }
                    Err(error) => {
                        self.emit(AgentEvent::Error(AgentError::Server {
                            provider: self.provider,
                            code: "invalid_audio".to_owned(),
                            message: format!(
                                "audio delta for {} is not valid base64: {error}",
                                delta.item_id
                            ),
                            param: None,
                        }))
                        .await;
                    }
                }
            }
            ServerEvent::ResponseAudioTranscriptDelta(delta)
            | ServerEvent::ResponseTextDelta(delta)
                if !self.silenced_items.contains(&delta.item_id) =>
            {
                self.emit(AgentEvent::TranscriptDelta {
                    role: Role::Assistant,
                    item_id: delta.item_id.clone(),
                    delta: delta.delta.clone(),
                })
                .await;
                if !self.transcripts.contains_key(&delta.item_id)
                    && self.transcripts.len() >= MAX_TRACKED_ITEMS
                {
                    // Deltas for many items that never finish: forget them.
                    self.transcripts.clear();
                }
                let entry = self.transcripts.entry(delta.item_id.clone()).or_default();
                if entry.0.len() + delta.delta.len() <= MAX_TRANSCRIPT_BYTES {
                    entry.0.push_str(&delta.delta);
                }
                self.run_guardrails(&delta.item_id.clone(), false).await;
            }
            ServerEvent::ResponseAudioTranscriptDone(done)
                if !self.silenced_items.contains(&done.item_id) =>
            {
                self.finish_assistant_transcript(&done.item_id, &done.transcript)
                    .await;
            }
            ServerEvent::ResponseTextDone(done) if !self.silenced_items.contains(&done.item_id) => {
                self.finish_assistant_transcript(&done.item_id, &done.text)
                    .await;
            }
            ServerEvent::InputTranscriptionDelta(delta) => {
                self.emit(AgentEvent::TranscriptDelta {
                    role: Role::User,
                    item_id: delta.item_id.clone(),
                    delta: delta.delta.clone(),
                })
                .await;
            }
            ServerEvent::InputTranscriptionFailed(failed) => {
                self.emit(AgentEvent::TranscriptionFailed {
                    item_id: failed.item_id.clone(),
                    code: failed.error.code.as_option().cloned(),
                    message: failed.error.message.clone(),
                })
                .await;
            }
            ServerEvent::InputTranscriptionCompleted(done) => {
                self.history
                    .upsert_message(&done.item_id, Role::User, &done.transcript, None);
                self.emit(AgentEvent::Transcript {
                    role: Role::User,
                    item_id: done.item_id.clone(),
                    text: done.transcript.clone(),
                    agent: None,
                })
                .await;
            }
            ServerEvent::SpeechStarted(_) => {
                self.user_speaking = true;
                self.on_barge_in().await;
            }
            ServerEvent::FunctionCallArgumentsDone(done) => {
                let name = done
                    .name
                    .clone()
                    .or_else(|| self.call_name_from_history(&done.call_id))
                    .unwrap_or_default();
                self.on_function_call(done.call_id.clone(), name, done.arguments.clone(), tools)
                    .await;
            }
            ServerEvent::ResponseOutputItemDone(done) => {
                // Some servers announce calls only here; calls seen before are skipped.
                if let Some(Item::FunctionCall(call)) = &done.item {
                    self.on_function_call_item(call, tools).await;
                }
            }
            ServerEvent::ResponseDone(done) => {
                for item in done.response.output.iter().flatten() {
                    if let Item::FunctionCall(call) = item {
                        self.on_function_call_item(call, tools).await;
                    }
                }
                self.pending_assistant_item = None;
                // The response's items are finished: their transcripts are not needed.
                self.transcripts.clear();
                if self.gate.on_done() {
                    self.request_response().await;
                }
                self.maybe_follow_up().await;
                self.emit(AgentEvent::ResponseDone {
                    response_id: done.response.id.clone(),
                })
                .await;
            }
            ServerEvent::Error(ErrorEvent { error, .. }) => {
                if self
                    .gate
                    .on_error(error.event_id.as_option().map(String::as_str))
                {
                    self.request_response().await;
                }
                let code = error
                    .code
                    .as_option()
                    .cloned()
                    .unwrap_or_else(|| error.kind.clone());
                let reported = match classify_server_code(&code) {
                    Some(kind) => {
                        tracing::error!(code, %kind, "fatal server error; the session will not reconnect");
                        self.fatal = true;
                        AgentError::Fatal {
                            provider: self.provider,
                            kind,
                            detail: format!("{code}: {}", error.message),
                        }
                    }
                    None => AgentError::Server {
                        provider: self.provider,
                        code,
                        message: error.message.clone(),
                        param: error.param.as_option().cloned(),
                    },
                };
                self.emit(AgentEvent::Error(reported)).await;
            }
            _ => {}
        }
        if self.raw_events {
            self.emit(AgentEvent::Raw(Box::new(event))).await;
        }
    }

    /// Remembers an assistant audio item; the tracker forgets the older ones.
    pub(super) fn track_audio_item(&mut self, item_id: &str) {
        if self.recent_audio_items.back().map(String::as_str) == Some(item_id) {
            return;
        }
        self.recent_audio_items.push_back(item_id.to_owned());
        while self.recent_audio_items.len() > RECENT_AUDIO_ITEMS {
            if let Some(old) = self.recent_audio_items.pop_front() {
                self.playback.forget(&old);
            }
        }
    }

    pub(super) fn call_name_from_history(&self, call_id: &str) -> Option<String> {
        self.history.entries().iter().find_map(|entry| match entry {
            HistoryEntry::ToolCall {
                call_id: id, name, ..
            } if id == call_id => Some(name.clone()),
            _ => None,
        })
    }

    pub(super) async fn finish_assistant_transcript(&mut self, item_id: &str, text: &str) {
        self.transcripts.entry(item_id.to_owned()).or_default().0 = text.to_owned();
        self.run_guardrails(item_id, true).await;
        if self.silenced_items.contains(item_id) {
            return;
        }
        let agent = self.current.clone();
        self.history
            .upsert_message(item_id, Role::Assistant, text, Some(&agent));
        self.emit(AgentEvent::Transcript {
            role: Role::Assistant,
            item_id: item_id.to_owned(),
            text: text.to_owned(),
            agent: Some(agent),
        })
        .await;
    }

    pub(super) async fn run_guardrails(&mut self, item_id: &str, is_final: bool) {
        let Some(agent) = self.agents.get(&self.current) else {
            return;
        };
        let Some((text, checked)) = self.transcripts.get(item_id) else {
            return;
        };
        let len = text.chars().count();
        let mut tripped = None;
        for guardrail in agent.guardrails() {
            if guardrail.due(*checked, len, is_final)
                && let Verdict::Trip { reason } = guardrail.check(text)
            {
                tripped = Some((guardrail.name().to_owned(), reason));
                break;
            }
        }
        let due_any = agent
            .guardrails()
            .iter()
            .any(|guardrail| guardrail.due(*checked, len, is_final));
        if due_any && let Some(entry) = self.transcripts.get_mut(item_id) {
            entry.1 = len;
        }
        let Some((guardrail, reason)) = tripped else {
            return;
        };
        tracing::info!(guardrail, item_id, "output guardrail tripped");
        self.silenced_items.insert(item_id);
        if self.gate.active() {
            self.send(ClientEvent::cancel_response()).await;
        }
        let position = self.playback.position(item_id);
        let audio_end_ms = if position.has_audio() {
            let at = position.truncate_at();
            self.send(ClientEvent::truncate(item_id, at)).await;
            Some(at)
        } else {
            None
        };
        self.playback.forget(item_id);
        self.emit(AgentEvent::GuardrailTripped {
            guardrail,
            reason,
            item_id: item_id.to_owned(),
        })
        .await;
        self.emit(AgentEvent::Interrupted {
            item_id: item_id.to_owned(),
            audio_end_ms,
        })
        .await;
    }

    pub(super) async fn on_barge_in(&mut self) {
        let audio = self
            .audio_item
            .as_ref()
            .map(|(item_id, content_index)| AssistantAudio {
                item_id: item_id.clone(),
                content_index: *content_index,
                position: self.playback.position(item_id),
            });
        let plan = plan_barge_in(
            audio.as_ref(),
            self.pending_assistant_item.as_deref(),
            self.gate.active(),
            self.server_auto_cancels,
        );
        if plan.cancel {
            self.send(ClientEvent::cancel_response()).await;
        }
        if let Some((item_id, content_index, audio_end_ms)) = &plan.truncate {
            self.send(ClientEvent::ConversationItemTruncate {
                event_id: None,
                item_id: item_id.clone(),
                content_index: *content_index,
                audio_end_ms: *audio_end_ms,
            })
            .await;
            self.silenced_items.insert(item_id);
            self.playback.forget(item_id);
            self.audio_item = None;
            self.emit(AgentEvent::Interrupted {
                item_id: item_id.clone(),
                audio_end_ms: Some(*audio_end_ms),
            })
            .await;
        }
        if let Some(item_id) = &plan.delete {
            self.send(ClientEvent::delete_item(item_id.clone())).await;
            self.silenced_items.insert(item_id);
            self.pending_assistant_item = None;
            self.emit(AgentEvent::Interrupted {
                item_id: item_id.clone(),
                audio_end_ms: None,
            })
            .await;
        }
    }
}
