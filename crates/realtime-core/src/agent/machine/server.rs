//! Server events: responses, transcripts, audio, calls, errors.

use std::time::Instant;

use super::AgentMachine;
use super::MAX_TRACKED_ITEMS;
use super::MAX_TRANSCRIPT_BYTES;
use crate::agent::event::{AgentError, AgentEvent};
use crate::protocol::{ErrorEvent, Item, Role, ServerEvent};

/// Server error codes that mean the session is over on the server's side.
const SESSION_EXPIRED: &str = "session_expired";

impl AgentMachine {
    pub(super) fn on_server_event(&mut self, now: Instant, event: ServerEvent) {
        self.gate.heard(now);
        match &event {
            ServerEvent::SessionCreated(created) => self.on_session_created(now, created),
            ServerEvent::ResponseCreated(created) => {
                self.metrics
                    .response_started(created.response.id.as_deref());
                self.spans
                    .response_started(created.response.id.as_deref(), &self.current);
                self.on_response_started();
                self.gate.on_created(created.response.id.as_deref());
                self.calls.new_response();
                self.turn.response_agent = Some(self.current.clone());
                self.turn.announced.clear();
            }
            ServerEvent::SpeechStopped(_) | ServerEvent::InputAudioBufferCommitted(_) => {
                match &event {
                    ServerEvent::SpeechStopped(_) => self.metrics.speech_stopped(now),
                    ServerEvent::InputAudioBufferCommitted(committed) if self.transcribes => {
                        self.hold_for_transcript(&committed.item_id, now);
                    }
                    _ => {}
                }
                self.turn.user_speaking = false;
            }
            ServerEvent::ResponseOutputItemAdded(added) if self.turn.suppressing => {
                if let Some(item) = &added.item {
                    self.suppress_item(item);
                }
            }
            ServerEvent::ResponseOutputItemAdded(added) => {
                if let Some(Item::Message(message)) = &added.item
                    && message.role == Some(Role::Assistant)
                    && let Some(id) = &message.id
                {
                    if let Some(phase) = message
                        .extra
                        .get("phase")
                        .and_then(serde_json::Value::as_str)
                    {
                        self.remember_phase(id, phase);
                    }
                    if !self.turn.announced.contains(id)
                        && self.turn.announced.len() < MAX_TRACKED_ITEMS
                    {
                        self.turn.announced.push(id.clone());
                    }
                }
            }
            ServerEvent::ResponseAudioDelta(delta) if self.playback.is_complete(&delta.item_id) => {
                let provider = self.provider;
                self.emit(AgentEvent::Error(AgentError::Protocol {
                    provider,
                    detail: format!(
                        "audio for {} after its audio was done; dropped",
                        delta.item_id
                    ),
                }));
            }
            ServerEvent::ResponseAudioDelta(delta)
                if !self.turn.silenced.contains(&delta.item_id) =>
            {
                match delta.delta.decode() {
                    Ok(audio) => {
                        self.playback.received(
                            &delta.item_id,
                            delta.content_index,
                            audio.len() as u64,
                            now,
                        );
                        self.turn.announced.retain(|id| id != &delta.item_id);
                        self.turn.assistant_audio_seen = true;
                        self.metrics.audio(now);
                        self.emit(AgentEvent::Audio {
                            item_id: delta.item_id.clone(),
                            audio,
                        });
                    }
                    Err(error) => {
                        let provider = self.provider;
                        self.emit(AgentEvent::Error(AgentError::Server {
                            provider,
                            code: "invalid_audio".to_owned(),
                            message: format!(
                                "audio delta for {} is not valid base64: {error}",
                                delta.item_id
                            ),
                            param: None,
                        }));
                    }
                }
            }
            ServerEvent::ResponseAudioDone(done) => {
                // Audio that went over WebRTC media never shows as deltas here.
                self.turn.assistant_audio_seen = true;
                self.playback.complete(&done.item_id);
            }
            // WebRTC: the call began playing the model's audio to the browser; the
            // sideband sees this, not the audio.
            ServerEvent::OutputAudioBufferStarted(_) => self.turn.assistant_audio_seen = true,
            ServerEvent::ResponseAudioTranscriptDelta(delta)
            | ServerEvent::ResponseTextDelta(delta)
                if !self.turn.silenced.contains(&delta.item_id) =>
            {
                self.metrics.text(now);
                self.emit(AgentEvent::TranscriptDelta {
                    role: Role::Assistant,
                    item_id: delta.item_id.clone(),
                    delta: delta.delta.clone(),
                });
                if !self.turn.transcripts.contains_key(&delta.item_id)
                    && self.turn.transcripts.len() >= MAX_TRACKED_ITEMS
                {
                    self.turn.transcripts.clear();
                }
                let entry = self
                    .turn
                    .transcripts
                    .entry(delta.item_id.clone())
                    .or_default();
                if entry.0.len() + delta.delta.len() <= MAX_TRANSCRIPT_BYTES {
                    entry.0.push_str(&delta.delta);
                }
                self.run_guardrails(now, &delta.item_id, false);
            }
            ServerEvent::ResponseAudioTranscriptDone(done)
                if !self.turn.silenced.contains(&done.item_id) =>
            {
                self.finish_assistant_transcript(now, &done.item_id, &done.transcript);
            }
            ServerEvent::ResponseTextDone(done) if !self.turn.silenced.contains(&done.item_id) => {
                self.finish_assistant_transcript(now, &done.item_id, &done.text);
            }
            ServerEvent::InputTranscriptionDelta(delta) => {
                self.emit(AgentEvent::TranscriptDelta {
                    role: Role::User,
                    item_id: delta.item_id.clone(),
                    delta: delta.delta.clone(),
                });
            }
            ServerEvent::InputTranscriptionFailed(failed) => {
                self.transcript_checked(&failed.item_id, false);
                self.emit(AgentEvent::TranscriptionFailed {
                    item_id: failed.item_id.clone(),
                    code: failed.error.code.as_option().cloned(),
                    message: failed.error.message.clone(),
                });
            }
            ServerEvent::InputTranscriptionCompleted(done)
                if self.input_tripped(now, &done.item_id, &done.transcript) =>
            {
                self.transcript_checked(&done.item_id, true);
            }
            ServerEvent::InputTranscriptionCompleted(done) => {
                self.transcript_checked(&done.item_id, false);
                self.history
                    .upsert_message(&done.item_id, Role::User, &done.transcript, None);
                self.emit(AgentEvent::Transcript {
                    role: Role::User,
                    item_id: done.item_id.clone(),
                    text: done.transcript.clone(),
                    agent: None,
                    phase: None,
                });
            }
            ServerEvent::SpeechStarted(_) => {
                self.turn.user_speaking = true;
                self.spans.turn();
                // A new turn: a stopped one's response did not come.
                self.turn.suppress_next = false;
                self.turn.suppress_own = false;
                self.barge_in(now);
            }
            ServerEvent::InputAudioBufferTimeoutTriggered(timeout) => {
                self.emit(AgentEvent::IdleTimeout {
                    item_id: timeout.item_id.clone(),
                    audio_start_ms: timeout.audio_start_ms,
                    audio_end_ms: timeout.audio_end_ms,
                });
            }
            ServerEvent::FunctionCallArgumentsDone(done) => {
                let name = done
                    .name
                    .clone()
                    .or_else(|| self.call_name_from_history(&done.call_id))
                    .unwrap_or_default();
                self.on_function_call(now, &done.call_id, &name, &done.arguments);
            }
            ServerEvent::ResponseOutputItemDone(done) => match &done.item {
                Some(Item::FunctionCall(call)) => {
                    self.on_function_call(now, &call.call_id, &call.name, &call.arguments);
                }
                Some(Item::Message(message)) => {
                    if let (Some(id), Some(phase)) = (
                        &message.id,
                        message
                            .extra
                            .get("phase")
                            .and_then(serde_json::Value::as_str),
                    ) {
                        self.remember_phase(id, phase);
                    }
                }
                _ => {}
            },
            ServerEvent::ResponseDone(done) => {
                for item in done.response.output.iter().flatten() {
                    if let Item::FunctionCall(call) = item {
                        self.on_function_call(now, &call.call_id, &call.name, &call.arguments);
                    }
                }
                let ended = self.gate.ends_active(done.response.id.as_deref());
                self.on_response_done(now, done.response.id.as_deref(), false);
                self.emit(AgentEvent::ResponseDone {
                    response_id: done.response.id.clone(),
                });
                if ended {
                    let metrics = self
                        .metrics
                        .finish(done.response.id.as_deref(), done.response.usage.as_option());
                    self.spans
                        .response_done(&metrics.usage, &metrics.session_usage);
                    if !self.wants_response() && !self.gate.busy() && self.calls.live_count() == 0 {
                        self.spans.end_turn();
                    }
                    self.emit(AgentEvent::Metrics(Box::new(metrics)));
                }
            }
            ServerEvent::Error(ErrorEvent { error, .. }) => {
                if self
                    .gate
                    .on_error(error.event_id.as_option().map(String::as_str))
                {
                    self.request_response(now);
                }
                let code = error
                    .code
                    .as_option()
                    .cloned()
                    .unwrap_or_else(|| error.kind.clone());
                let provider = self.provider;
                let reported = match self.dialect.classify_error(&code) {
                    Some(kind) => {
                        tracing::error!(code, %kind, "fatal server error; the session ends");
                        AgentError::Fatal {
                            provider,
                            kind,
                            detail: format!("{code}: {}", error.message),
                        }
                    }
                    None => AgentError::Server {
                        provider,
                        code: code.clone(),
                        message: error.message.clone(),
                        param: error.param.as_option().cloned(),
                    },
                };
                let fatal = reported.is_fatal();
                self.emit(AgentEvent::Error(reported));
                if fatal {
                    self.end(super::EndReason::Fatal);
                } else if code.eq_ignore_ascii_case(SESSION_EXPIRED) {
                    // The server ends this session: move to a new one with the history.
                    self.on_connection_lost(now, super::Disconnect::retryable());
                }
            }
            _ => {}
        }
        let ended = self.dialect.session_ended(&event);
        if self.raw_events {
            self.emit(AgentEvent::Raw(Box::new(event)));
        }
        if let Some(reason) = ended {
            tracing::info!(%reason, "the provider ended the session");
            self.emit(AgentEvent::SessionEnded {
                reason: reason.clone(),
            });
            self.end(super::EndReason::ServerEnded { reason });
        }
    }

    /// A frame that did not decode. A `response.done` among them still ends the
    /// response, so the gate cannot wedge.
    pub(super) fn on_undecodable(&mut self, now: Instant, event_type: Option<&str>) {
        if event_type == Some("response.done") {
            self.on_response_done(now, None, true);
        }
    }

    fn on_response_done(&mut self, now: Instant, response_id: Option<&str>, undecodable: bool) {
        let ends = if undecodable {
            self.gate.active()
        } else {
            self.gate.ends_active(response_id)
        };
        if !ends {
            // A duplicate, or a response that never started: only a request of ours
            // it may answer matters (an undecodable one), handled below.
            if undecodable && self.gate.on_undecodable_done() {
                self.request_response(now);
            }
            return;
        }
        self.playback.complete_all();
        self.turn.announced.clear();
        self.turn.transcripts.clear();
        self.turn.response_agent = None;
        self.turn.suppressing = false;
        let release = if undecodable {
            self.gate.on_undecodable_done()
        } else {
            self.gate.on_done(response_id)
        };
        // The response's calls are dispatched: its handoff takes effect now.
        self.apply_pending_handoff(now);
        if let Some(target) = self.requested_handoff.take() {
            self.switch_now(&target);
        }
        if release {
            self.request_response(now);
        }
        self.maybe_follow_up(now);
    }

    fn remember_phase(&mut self, item_id: &str, phase: &str) {
        if self.turn.phases.len() >= MAX_TRACKED_ITEMS {
            self.turn.phases.clear();
        }
        self.turn
            .phases
            .insert(item_id.to_owned(), phase.to_owned());
    }

    fn call_name_from_history(&self, call_id: &str) -> Option<String> {
        self.history.entries().iter().find_map(|entry| match entry {
            crate::agent::history::HistoryEntry::ToolCall {
                call_id: id, name, ..
            } if id == call_id => Some(name.clone()),
            _ => None,
        })
    }

    fn finish_assistant_transcript(&mut self, now: Instant, item_id: &str, text: &str) {
        self.turn
            .transcripts
            .entry(item_id.to_owned())
            .or_default()
            .0 = text.to_owned();
        self.run_guardrails(now, item_id, true);
        if self.turn.silenced.contains(item_id) {
            return;
        }
        let agent = self.current.clone();
        let phase = self.turn.phases.get(item_id).cloned();
        self.history
            .upsert_message(item_id, Role::Assistant, text, Some(&agent));
        if let Some(phase) = &phase {
            self.history.set_message_phase(item_id, phase);
        }
        self.emit(AgentEvent::Transcript {
            role: Role::Assistant,
            item_id: item_id.to_owned(),
            text: text.to_owned(),
            agent: Some(agent),
            phase,
        });
    }
}
