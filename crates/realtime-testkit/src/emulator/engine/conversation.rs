//! Conversation items and user audio turns.

use crate::emulator::profile::ItemEvents;
use realtime_core::protocol::{
    AudioBase64, AudioBufferCommitted, ContentPart, ErrorDetails, InputTranscriptionCompleted,
    InputTranscriptionDelta, InputTranscriptionFailed, Item, ItemEvent, ItemStatus, MessageItem,
    Nullable, Role, ServerEvent, SpeechStarted, SpeechStopped,
};

use super::Engine;

/// The `object` of a conversation item (DIALECTS.md §5).
const REALTIME_ITEM: &str = "realtime.item";

impl Engine {
    /// GA: the transcription's `usage` (REC-OAI, REC-AZ: `{type: "duration", seconds}`).
    fn transcription_usage(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut extra = serde_json::Map::new();
        if self.profile.transcription_usage {
            // Milliseconds to seconds, for display only.
            #[allow(clippy::cast_precision_loss)]
            let seconds = self.last_turn_ms as f64 / 1000.0;
            extra.insert(
                "usage".to_owned(),
                serde_json::json!({"type": "duration", "seconds": seconds}),
            );
        }
        extra
    }

    /// Adds what the profile's service writes on every event of a kind: the
    /// `obfuscation` of GA deltas, Azure's `content` echo of content parts, and the
    /// items' `object` (recorded frames).
    pub(super) fn dress(&self, event: &mut ServerEvent) {
        if self.profile.delta_obfuscation {
            let extra = match event {
                ServerEvent::ResponseAudioTranscriptDelta(delta)
                | ServerEvent::ResponseTextDelta(delta) => Some(&mut delta.extra),
                ServerEvent::FunctionCallArgumentsDelta(delta) => Some(&mut delta.extra),
                ServerEvent::InputTranscriptionDelta(delta) => Some(&mut delta.extra),
                _ => None,
            };
            if let Some(extra) = extra {
                extra.insert("obfuscation".to_owned(), "pAd".into());
            }
        }
        if self.profile.content_part_echo
            && let ServerEvent::ResponseContentPartAdded(part)
            | ServerEvent::ResponseContentPartDone(part) = event
            && let Some(content) = part
                .part
                .as_ref()
                .and_then(|p| serde_json::to_value(p).ok())
        {
            part.extra.insert("content".to_owned(), content);
        }
        if self.profile.item_object {
            self.stamp_items(event);
        }
    }

    /// Gives the items of `event` the `object` the profile's service writes on them.
    fn stamp_items(&self, event: &mut ServerEvent) {
        let stamp = |item: &mut Item| match item {
            Item::Message(item) => item.object = Some(REALTIME_ITEM.to_owned()),
            Item::FunctionCall(item) => item.object = Some(REALTIME_ITEM.to_owned()),
            Item::FunctionCallOutput(item) => item.object = Some(REALTIME_ITEM.to_owned()),
            Item::Other(map) => {
                map.insert("object".to_owned(), REALTIME_ITEM.into());
            }
            _ => {}
        };
        match event {
            ServerEvent::ConversationItemAdded(event)
            | ServerEvent::ConversationItemCreated(event)
            | ServerEvent::ConversationItemDone(event)
            | ServerEvent::ConversationItemRetrieved(event) => {
                event.item.iter_mut().for_each(stamp);
            }
            ServerEvent::ResponseOutputItemAdded(event)
            | ServerEvent::ResponseOutputItemDone(event) => event.item.iter_mut().for_each(stamp),
            ServerEvent::ResponseCreated(event) | ServerEvent::ResponseDone(event) => {
                event.response.output.iter_mut().flatten().for_each(stamp);
            }
            _ => {}
        }
    }

    pub(super) fn remember(&mut self, item: &Item) {
        if let Some(id) = item.id() {
            if !self.items.contains_key(id) {
                self.predecessors
                    .insert(id.to_owned(), self.last_item.clone());
            }
            self.items.insert(id.to_owned(), item.clone());
            self.last_item = Some(id.to_owned());
        }
    }

    /// Announces an item that is complete from the start (user and tool-output items).
    pub(super) fn announce_whole(&mut self, item: Item, committed_audio: bool) -> Vec<ServerEvent> {
        let previous = self.last_item.clone();
        self.remember(&item);
        let added = |engine: &mut Self, item: Item| ItemEvent {
            event_id: engine.event_id(),
            previous_item_id: previous.clone().map_or(Nullable::Null, Nullable::Value),
            item: Some(item),
            ..ItemEvent::default()
        };
        match self.profile.item_events {
            ItemEvents::AddedAndDone => vec![
                ServerEvent::ConversationItemAdded(added(self, item.clone())),
                ServerEvent::ConversationItemDone(added(self, item)),
            ],
            ItemEvents::Created => vec![ServerEvent::ConversationItemCreated(added(self, item))],
            // Voice Live: `.done` follows only for committed user audio (REC-VL).
            ItemEvents::CreatedAndDone if committed_audio => vec![
                ServerEvent::ConversationItemCreated(added(self, item.clone())),
                ServerEvent::ConversationItemDone(added(self, item)),
            ],
            ItemEvents::CreatedAndDone => {
                vec![ServerEvent::ConversationItemCreated(added(self, item))]
            }
        }
    }

    pub(super) fn announce_started(&mut self, item: &Item) -> Option<ServerEvent> {
        let previous = self.last_item.clone();
        self.remember(item);
        let event = ItemEvent {
            event_id: self.event_id(),
            previous_item_id: previous.map_or(Nullable::Null, Nullable::Value),
            item: Some(item.clone()),
            ..ItemEvent::default()
        };
        Some(match self.profile.item_events {
            ItemEvents::AddedAndDone => ServerEvent::ConversationItemAdded(event),
            ItemEvents::Created | ItemEvents::CreatedAndDone => {
                ServerEvent::ConversationItemCreated(event)
            }
        })
    }

    pub(super) fn announce_finished(&mut self, item: &Item) -> Option<ServerEvent> {
        self.remember(item);
        if matches!(item, Item::FunctionCall(_)) && !self.profile.function_call_item_done {
            return None;
        }
        let previous = item
            .id()
            .and_then(|id| self.predecessors.get(id).cloned().flatten());
        match self.profile.item_events {
            // Voice Live sends no `.done` for the response's own items (REC-VL).
            ItemEvents::AddedAndDone => Some(ServerEvent::ConversationItemDone(ItemEvent {
                event_id: self.event_id(),
                previous_item_id: previous.map_or(Nullable::Null, Nullable::Value),
                item: Some(item.clone()),
                ..ItemEvent::default()
            })),
            ItemEvents::Created | ItemEvents::CreatedAndDone => None,
        }
    }

    pub(super) fn user_audio_turn(&mut self, detected: bool) -> Vec<ServerEvent> {
        let input = self.settings.input_format;
        let start_ms = input.duration_ms(self.turn_start_bytes);
        let end_ms = input.duration_ms(self.appended_bytes);
        self.turn_start_bytes = self.appended_bytes;
        self.last_turn_ms = end_ms.saturating_sub(start_ms);
        let item_id = self.id("item");
        let mut events = Vec::new();
        if detected {
            events.push(ServerEvent::SpeechStarted(SpeechStarted {
                event_id: self.event_id(),
                audio_start_ms: start_ms,
                item_id: item_id.clone(),
                ..SpeechStarted::default()
            }));
            events.push(ServerEvent::SpeechStopped(SpeechStopped {
                event_id: self.event_id(),
                audio_end_ms: end_ms,
                item_id: item_id.clone(),
                ..SpeechStopped::default()
            }));
        }
        let committed = self.commit_user_audio(item_id);
        if detected && self.settings.create_response {
            // The transcription runs beside the response: its events come after
            // `response.created`, among the response's (REC-OAI, REC-VL).
            let (now, transcription): (Vec<_>, Vec<_>) = committed
                .into_iter()
                .partition(|event| !is_transcription(event));
            events.extend(now);
            let turn = self.script.next_turn();
            let mut response = self.respond(turn);
            // Deltas (and a failure) right after `response.created`; the transcript
            // after the first audio (or text) of the answer (REC-OAI, REC-AZ).
            let (deltas, results): (Vec<_>, Vec<_>) = transcription
                .into_iter()
                .partition(|event| !matches!(event, ServerEvent::InputTranscriptionCompleted(_)));
            let created = response
                .iter()
                .position(|event| matches!(event, ServerEvent::ResponseCreated(_)))
                .map_or(0, |at| at + 1);
            response.splice(created..created, deltas);
            let spoken = response
                .iter()
                .position(|event| {
                    matches!(
                        event,
                        ServerEvent::ResponseAudioDelta(_) | ServerEvent::ResponseTextDelta(_)
                    )
                })
                .map(|at| at + 1)
                .or_else(|| {
                    // No audio or text (a function call): before `response.done`.
                    response
                        .iter()
                        .position(|event| matches!(event, ServerEvent::ResponseDone(_)))
                })
                .unwrap_or(response.len())
                .max(created);
            response.splice(spoken..spoken, results);
            events.extend(response);
        } else {
            events.extend(committed);
        }
        events
    }

    pub(super) fn commit_user_audio(&mut self, item_id: String) -> Vec<ServerEvent> {
        let mut events = vec![ServerEvent::InputAudioBufferCommitted(
            AudioBufferCommitted {
                event_id: self.event_id(),
                previous_item_id: self
                    .last_item
                    .clone()
                    .map_or(Nullable::Null, Nullable::Value),
                item_id: item_id.clone(),
                ..AudioBufferCommitted::default()
            },
        )];
        let part = ContentPart {
            transcript: Nullable::Null,
            ..ContentPart::input_audio(AudioBase64::default())
        };
        let part = ContentPart {
            audio: Nullable::Absent,
            ..part
        };
        let item = Item::Message(MessageItem {
            id: Some(item_id.clone()),
            status: Some(ItemStatus::Completed),
            role: Some(Role::User),
            content: vec![part],
            ..MessageItem::default()
        });
        events.extend(self.announce_whole(item, true));
        let deployment_missing = match (
            &self.profile.transcription_deployments,
            &self.settings.transcription_model,
        ) {
            (Some(deployments), Some(model)) => !deployments.contains(&model.as_str()),
            _ => false,
        };
        if self.settings.transcription && deployment_missing {
            // Azure: the transcription model must name a deployment of the resource
            // (the recorded frame in azure-openai/recorded: DeploymentNotFound).
            events.push(ServerEvent::InputTranscriptionFailed(
                InputTranscriptionFailed {
                    event_id: self.event_id(),
                    item_id: item_id.clone(),
                    content_index: Some(0),
                    error: ErrorDetails {
                        kind: "server_error".to_owned(),
                        code: Nullable::Value("DeploymentNotFound".to_owned()),
                        message: format!("Input transcription failed for item '{item_id}'."),
                        param: Nullable::Null,
                        ..ErrorDetails::default()
                    },
                    ..Default::default()
                },
            ));
        } else if self.settings.transcription {
            let transcript = self.script.next_user_transcript();
            events.push(ServerEvent::InputTranscriptionDelta(
                InputTranscriptionDelta {
                    event_id: self.event_id(),
                    item_id: item_id.clone(),
                    content_index: Some(0),
                    delta: transcript.clone(),
                    ..Default::default()
                },
            ));
            events.push(ServerEvent::InputTranscriptionCompleted(
                InputTranscriptionCompleted {
                    event_id: self.event_id(),
                    item_id,
                    content_index: Some(0),
                    transcript,
                    extra: self.transcription_usage(),
                },
            ));
        }
        events
    }
}

/// Whether the event reports on the transcription of user audio.
fn is_transcription(event: &ServerEvent) -> bool {
    matches!(
        event,
        ServerEvent::InputTranscriptionDelta(_)
            | ServerEvent::InputTranscriptionCompleted(_)
            | ServerEvent::InputTranscriptionFailed(_)
    )
}
