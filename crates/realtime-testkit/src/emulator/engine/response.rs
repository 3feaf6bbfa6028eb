//! Response synthesis: scripted turns as the events of a response.

use serde_json::{Value, json};

use crate::emulator::script::{ScriptedCall, Turn};
use realtime_core::protocol::{
    AudioBase64, AudioDelta, AudioDone, ContentPart, ContentPartEvent, FunctionArgumentsDelta,
    FunctionArgumentsDone, FunctionCallItem, Item, ItemStatus, MessageItem, Nullable,
    OutputItemEvent, PartKind, RateLimit, RateLimitsUpdated, Response, ResponseEvent,
    ResponseStatus, Role, ServerEvent, SpeechStarted, SpeechStopped, TextDelta, TextDone,
    TranscriptDone, Usage,
};
use realtime_core::wire::WireShape;

use super::{Engine, Output};

/// Audio chunks sent back to back after their transcript.
const AUDIO_BURST: usize = 2;

impl Engine {
    /// A response object as the services send it: the session's output settings
    /// (recorded `response.created`: GA `output_modalities`, `max_output_tokens`,
    /// `audio.output`; beta and Voice Live `modalities`, `voice`, `output_audio_format`,
    /// `temperature`, `max_output_tokens`), the conversation, and usage once done.
    pub(super) fn response_resource(
        &self,
        id: &str,
        status: ResponseStatus,
        output: Vec<Item>,
        done: bool,
    ) -> Response {
        let setting = |key: &str| self.session.get(key).cloned().unwrap_or(Value::Null);
        let mut extra = serde_json::Map::new();
        match self.profile.shape {
            WireShape::Ga => {
                extra.insert("output_modalities".to_owned(), setting("output_modalities"));
                extra.insert("max_output_tokens".to_owned(), setting("max_output_tokens"));
                let output = self
                    .session
                    .get("audio")
                    .and_then(|audio| audio.get("output"));
                let field = |key: &str| {
                    output
                        .and_then(|output| output.get(key))
                        .cloned()
                        .unwrap_or(Value::Null)
                };
                extra.insert(
                    "audio".to_owned(),
                    json!({"output": {"format": field("format"), "voice": field("voice")}}),
                );
            }
            WireShape::Beta => {
                extra.insert("modalities".to_owned(), setting("modalities"));
                extra.insert("voice".to_owned(), setting("voice"));
                let format = match setting("output_audio_format") {
                    Value::Null => Value::from("pcm16"),
                    format => format,
                };
                extra.insert("output_audio_format".to_owned(), format);
                extra.insert("temperature".to_owned(), setting("temperature"));
                extra.insert(
                    "max_output_tokens".to_owned(),
                    setting("max_response_output_tokens"),
                );
            }
        }
        Response {
            id: Some(id.to_owned()),
            object: Some("realtime.response".to_owned()),
            status: Some(status),
            status_details: Nullable::Null,
            output: Some(output),
            usage: if done {
                Nullable::Value(Usage {
                    total_tokens: Some(42),
                    input_tokens: Some(30),
                    output_tokens: Some(12),
                    // The recorded usage breaks the counts down (REC-OAI, REC-VL).
                    input_token_details: Some(json!({
                        "text_tokens": 30, "audio_tokens": 0, "image_tokens": 0, "cached_tokens": 0,
                        "cached_tokens_details": {"text_tokens": 0, "audio_tokens": 0, "image_tokens": 0}
                    })),
                    output_token_details: Some(if self.profile.usage_reasoning_tokens {
                        json!({"text_tokens": 4, "audio_tokens": 8, "reasoning_tokens": 0})
                    } else {
                        json!({"text_tokens": 4, "audio_tokens": 8})
                    }),
                    ..Usage::default()
                })
            } else {
                Nullable::Null
            },
            metadata: Nullable::Null,
            conversation_id: Some(self.conversation_id.clone()),
            extra,
        }
    }

    /// Whether the session (or the `response.create` being answered) registered a
    /// function tool of this name: the model calls no other.
    fn registered(&self, name: &str) -> bool {
        let named = |tools: Option<&Value>| {
            tools.and_then(Value::as_array).is_some_and(|tools| {
                tools
                    .iter()
                    .any(|tool| tool.get("name").and_then(Value::as_str) == Some(name))
            })
        };
        named(self.session.get("tools")) || named(self.response_tools.as_ref())
    }

    /// Runs one scripted turn as a complete response (a fault turn's outputs go to
    /// `fault_outputs`).
    pub(super) fn respond(&mut self, turn: Turn) -> Vec<ServerEvent> {
        let turn = match turn {
            Turn::Fault(fault) => {
                let outputs = self.fault(fault);
                self.fault_outputs.extend(outputs);
                return Vec::new();
            }
            turn => turn,
        };
        if let Turn::Emit(raw) = turn {
            let event = match self
                .profile
                .shape
                .decode_server(&Value::Object(raw.clone()).to_string())
            {
                Ok(mut events) if !events.is_empty() => events.remove(0),
                _ => ServerEvent::Unknown {
                    event_type: raw
                        .get("type")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    raw,
                },
            };
            let next = self.script.next_turn();
            let mut events = vec![event];
            events.extend(self.respond(next));
            return events;
        }
        let response_id = self.id("resp");
        let mut events = vec![ServerEvent::ResponseCreated(ResponseEvent {
            event_id: self.event_id(),
            response: self
                .response_resource(&response_id, ResponseStatus::InProgress, Vec::new(), false)
                .into(),
            ..ResponseEvent::default()
        })];
        let (output, status, after) = match turn {
            Turn::Say(text) => {
                let chunks = self.script.chunks();
                let (item, body) = self.message(&response_id, &text, chunks, None);
                events.extend(body);
                (vec![item], ResponseStatus::Completed, Vec::new())
            }
            Turn::SayInterrupted {
                text,
                chunks_before,
            } => {
                let chunks = self.script.chunks().max(chunks_before + 1);
                let (item, body) = self.message(&response_id, &text, chunks, Some(chunks_before));
                events.extend(body);
                // The user speaks over the assistant: speech starts, and the rest of the turn follows the response's end.
                let item_id = self.id("item");
                let start_ms = self.settings.input_format.duration_ms(self.appended_bytes);
                events.push(ServerEvent::SpeechStarted(SpeechStarted {
                    event_id: self.event_id(),
                    audio_start_ms: start_ms,
                    item_id: item_id.clone(),
                    ..SpeechStarted::default()
                }));
                let status = if self.settings.interrupt_response {
                    ResponseStatus::Cancelled
                } else {
                    ResponseStatus::Completed
                };
                let mut after = vec![ServerEvent::SpeechStopped(SpeechStopped {
                    event_id: self.event_id(),
                    audio_end_ms: start_ms + 600,
                    item_id: item_id.clone(),
                    ..SpeechStopped::default()
                })];
                after.extend(self.commit_user_audio(item_id));
                (vec![item], status, after)
            }
            Turn::Call(calls) if !calls.iter().all(|call| self.registered(&call.name)) => {
                // A model only calls the tools it was given; without them it answers.
                let chunks = self.script.chunks();
                let text = "I have no tool for that.";
                let (item, body) = self.message(&response_id, text, chunks, None);
                events.extend(body);
                (vec![item], ResponseStatus::Completed, Vec::new())
            }
            Turn::Call(calls) => {
                let mut output = Vec::new();
                for (index, call) in calls.into_iter().enumerate() {
                    let (item, body) = self.function_call(&response_id, index, call);
                    events.extend(body);
                    output.push(item);
                }
                (output, ResponseStatus::Completed, Vec::new())
            }
            // Handled above.
            Turn::Fault(_) | Turn::Emit(_) => (Vec::new(), ResponseStatus::Completed, Vec::new()),
        };
        let mut done = self.response_resource(&response_id, status.clone(), output, true);
        if status == ResponseStatus::Cancelled {
            done.status_details =
                Nullable::Value(json!({"type": "cancelled", "reason": "turn_detected"}));
        }
        events.push(ServerEvent::ResponseDone(ResponseEvent {
            event_id: self.event_id(),
            response: done.into(),
            ..ResponseEvent::default()
        }));
        if self.profile.sends_rate_limits {
            events.push(ServerEvent::RateLimitsUpdated(RateLimitsUpdated {
                event_id: self.event_id(),
                rate_limits: vec![
                    RateLimit {
                        name: "requests".to_owned(),
                        limit: Some(5000),
                        remaining: Some(4999),
                        reset_seconds: Some(0.012),
                        ..RateLimit::default()
                    },
                    RateLimit {
                        name: "tokens".to_owned(),
                        limit: Some(40000),
                        remaining: Some(39958),
                        reset_seconds: Some(0.063),
                        ..RateLimit::default()
                    },
                ],
                ..RateLimitsUpdated::default()
            }));
        }
        if !after.is_empty() && self.settings.create_response {
            events.extend(after);
            let turn = self.script.next_turn();
            events.extend(self.respond(turn));
        } else {
            events.extend(after);
        }
        events
    }

    /// The next turn, answering the same request.
    pub(super) fn then_next_turn(&mut self) -> Vec<Output> {
        let turn = self.script.next_turn();
        let events = self.respond(turn);
        let faults = std::mem::take(&mut self.fault_outputs);
        events
            .into_iter()
            .map(Output::Event)
            .chain(faults)
            .collect()
    }

    pub(super) fn response_started(&mut self) -> (String, ServerEvent) {
        let response_id = self.id("resp");
        let event = ServerEvent::ResponseCreated(ResponseEvent {
            event_id: self.event_id(),
            response: self
                .response_resource(&response_id, ResponseStatus::InProgress, Vec::new(), false)
                .into(),
            ..ResponseEvent::default()
        });
        (response_id, event)
    }

    pub(super) fn response_finished(
        &mut self,
        response_id: &str,
        status: &ResponseStatus,
    ) -> ServerEvent {
        let mut response = self.response_resource(response_id, status.clone(), Vec::new(), true);
        if *status == ResponseStatus::Failed {
            response.status_details = Nullable::Value(
                json!({"type": "failed", "error": {"type": "server_error", "code": "server_error"}}),
            );
        }
        ServerEvent::ResponseDone(ResponseEvent {
            event_id: self.event_id(),
            response: response.into(),
            ..ResponseEvent::default()
        })
    }

    /// An assistant message: audio with transcript, or text. `stop_after` cuts it
    /// after that many audio chunks (a barge-in).
    pub(super) fn message(
        &mut self,
        response_id: &str,
        text: &str,
        chunks: usize,
        stop_after: Option<usize>,
    ) -> (Item, Vec<ServerEvent>) {
        let ga = self.profile.shape == WireShape::Ga;
        let item_id = self.id("item");
        let mut events = Vec::new();
        let in_progress = Item::Message(MessageItem {
            id: Some(item_id.clone()),
            status: Some(ItemStatus::InProgress),
            role: Some(Role::Assistant),
            content: Vec::new(),
            ..MessageItem::default()
        });
        events.push(ServerEvent::ResponseOutputItemAdded(OutputItemEvent {
            event_id: self.event_id(),
            response_id: response_id.to_owned(),
            output_index: 0,
            item: Some(in_progress.clone()),
            ..OutputItemEvent::default()
        }));
        events.extend(self.announce_started(&in_progress));
        let audio = !self.settings.text_only;
        let event_part = if audio {
            ContentPart {
                kind: PartKind::Audio,
                transcript: Nullable::Value(String::new()),
                ..ContentPart::default()
            }
        } else {
            ContentPart {
                kind: PartKind::Text,
                text: Some(String::new()),
                ..ContentPart::default()
            }
        };
        let part_event = |engine: &mut Self, part: ContentPart| ContentPartEvent {
            event_id: engine.event_id(),
            response_id: response_id.to_owned(),
            item_id: item_id.clone(),
            output_index: 0,
            content_index: 0,
            part: Some(part),
            ..ContentPartEvent::default()
        };
        events.push(ServerEvent::ResponseContentPartAdded(part_event(
            self, event_part,
        )));

        let words: Vec<&str> = text.split_inclusive(' ').collect();
        let chunk_words = words.len().div_ceil(chunks).max(1);
        let mut said = String::new();
        let chunk_bytes = self.settings.output_format.bytes_for_ms(100) as usize;
        let mut sent_chunks = 0;
        let pieces: Vec<String> = words
            .chunks(chunk_words)
            .take(chunks)
            .take(stop_after.unwrap_or(usize::MAX))
            .map(<[&str]>::concat)
            .collect();
        // The services stream the transcript ahead of the audio, and the audio in
        // bursts (REC-OAI: transcript deltas, then a run of audio deltas).
        for (burst, group) in pieces.chunks(AUDIO_BURST).enumerate() {
            for delta in group {
                said.push_str(delta);
                let text_delta = TextDelta {
                    event_id: self.event_id(),
                    response_id: response_id.to_owned(),
                    item_id: item_id.clone(),
                    delta: delta.clone(),
                    ..TextDelta::default()
                };
                events.push(if audio {
                    ServerEvent::ResponseAudioTranscriptDelta(text_delta)
                } else {
                    ServerEvent::ResponseTextDelta(text_delta)
                });
            }
            if !audio {
                continue;
            }
            for offset in 0..group.len() {
                let pcm = tone(chunk_bytes, burst * AUDIO_BURST + offset);
                events.push(ServerEvent::ResponseAudioDelta(AudioDelta {
                    event_id: self.event_id(),
                    response_id: response_id.to_owned(),
                    item_id: item_id.clone(),
                    delta: AudioBase64::from_pcm(&pcm),
                    ..AudioDelta::default()
                }));
                sent_chunks += 1;
                self.assistant_audio = true;
            }
        }
        let interrupted = stop_after.is_some();
        let final_text = if interrupted { said } else { text.to_owned() };
        if audio {
            self.audio_items.insert(
                item_id.clone(),
                self.settings
                    .output_format
                    .duration_ms((sent_chunks * chunk_bytes) as u64),
            );
        }
        if !interrupted {
            if audio {
                events.push(ServerEvent::ResponseAudioDone(AudioDone {
                    event_id: self.event_id(),
                    response_id: response_id.to_owned(),
                    item_id: item_id.clone(),
                    ..AudioDone::default()
                }));
                events.push(ServerEvent::ResponseAudioTranscriptDone(TranscriptDone {
                    event_id: self.event_id(),
                    response_id: response_id.to_owned(),
                    item_id: item_id.clone(),
                    transcript: final_text.clone(),
                    ..TranscriptDone::default()
                }));
            } else {
                events.push(ServerEvent::ResponseTextDone(TextDone {
                    event_id: self.event_id(),
                    response_id: response_id.to_owned(),
                    item_id: item_id.clone(),
                    text: final_text.clone(),
                    ..TextDone::default()
                }));
            }
            let done_part = if audio {
                ContentPart {
                    kind: PartKind::Audio,
                    transcript: Nullable::Value(final_text.clone()),
                    ..ContentPart::default()
                }
            } else {
                ContentPart {
                    kind: PartKind::Text,
                    text: Some(final_text.clone()),
                    ..ContentPart::default()
                }
            };
            events.push(ServerEvent::ResponseContentPartDone(part_event(
                self, done_part,
            )));
        }
        let item_part = match (audio, ga) {
            (true, true) => ContentPart::output_audio_transcript(final_text),
            (true, false) => ContentPart {
                kind: PartKind::Audio,
                ..ContentPart::output_audio_transcript(final_text)
            },
            (false, true) => ContentPart::output_text(final_text),
            (false, false) => ContentPart {
                kind: PartKind::Text,
                ..ContentPart::output_text(final_text)
            },
        };
        let status = if interrupted {
            ItemStatus::Incomplete
        } else {
            ItemStatus::Completed
        };
        let item = Item::Message(MessageItem {
            id: Some(item_id),
            status: Some(status),
            role: Some(Role::Assistant),
            content: vec![item_part],
            ..MessageItem::default()
        });
        if !interrupted {
            events.extend(self.announce_finished(&item));
            events.push(ServerEvent::ResponseOutputItemDone(OutputItemEvent {
                event_id: self.event_id(),
                response_id: response_id.to_owned(),
                output_index: 0,
                item: Some(item.clone()),
                ..OutputItemEvent::default()
            }));
        } else {
            self.remember(&item);
        }
        (item, events)
    }

    pub(super) fn function_call(
        &mut self,
        response_id: &str,
        index: usize,
        call: ScriptedCall,
    ) -> (Item, Vec<ServerEvent>) {
        let item_id = self.id("item");
        let call_id = self.id("call");
        let output_index = u32::try_from(index).unwrap_or(u32::MAX);
        let started = Item::FunctionCall(FunctionCallItem {
            id: Some(item_id.clone()),
            status: Some(ItemStatus::InProgress),
            call_id: call_id.clone(),
            name: call.name.clone(),
            arguments: String::new(),
            ..FunctionCallItem::default()
        });
        let mut events = vec![ServerEvent::ResponseOutputItemAdded(OutputItemEvent {
            event_id: self.event_id(),
            response_id: response_id.to_owned(),
            output_index,
            item: Some(started.clone()),
            ..OutputItemEvent::default()
        })];
        events.extend(self.announce_started(&started));
        events.push(ServerEvent::FunctionCallArgumentsDelta(
            FunctionArgumentsDelta {
                event_id: self.event_id(),
                response_id: response_id.to_owned(),
                item_id: item_id.clone(),
                output_index,
                call_id: call_id.clone(),
                delta: call.arguments.clone(),
                ..FunctionArgumentsDelta::default()
            },
        ));
        events.push(ServerEvent::FunctionCallArgumentsDone(
            FunctionArgumentsDone {
                event_id: self.event_id(),
                response_id: response_id.to_owned(),
                item_id: item_id.clone(),
                output_index,
                call_id: call_id.clone(),
                name: Some(call.name.clone()),
                arguments: call.arguments.clone(),
                ..FunctionArgumentsDone::default()
            },
        ));
        let finished = Item::FunctionCall(FunctionCallItem {
            id: Some(item_id),
            status: Some(ItemStatus::Completed),
            call_id,
            name: call.name,
            arguments: call.arguments,
            ..FunctionCallItem::default()
        });
        events.extend(self.announce_finished(&finished));
        events.push(ServerEvent::ResponseOutputItemDone(OutputItemEvent {
            event_id: self.event_id(),
            response_id: response_id.to_owned(),
            output_index,
            item: Some(finished.clone()),
            ..OutputItemEvent::default()
        }));
        (finished, events)
    }
}

/// A quiet, deterministic tone: audible in a WAV, recognisable in tests.
pub(super) fn tone(bytes: usize, seed: usize) -> Vec<u8> {
    (0..bytes / 2)
        .flat_map(|n| {
            let phase = (n + seed * 7) % 48;
            let sample: i16 = if phase < 24 { 1200 } else { -1200 };
            sample.to_le_bytes()
        })
        .collect()
}
