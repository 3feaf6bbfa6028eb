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
    /// Gives the items of `event` the `object` the profile's service writes on them.
    pub(super) fn stamp_items(&self, event: &mut ServerEvent) {
        if !self.profile.item_object {
            return;
        }
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
    pub(super) fn announce_whole(&mut self, item: Item) -> Vec<ServerEvent> {
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
            ItemEvents::CreatedAndDone => vec![
                ServerEvent::ConversationItemCreated(added(self, item.clone())),
                ServerEvent::ConversationItemDone(added(self, item)),
            ],
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
            ItemEvents::AddedAndDone | ItemEvents::CreatedAndDone => {
                Some(ServerEvent::ConversationItemDone(ItemEvent {
                    event_id: self.event_id(),
                    previous_item_id: previous.map_or(Nullable::Null, Nullable::Value),
                    item: Some(item.clone()),
                    ..ItemEvent::default()
                }))
            }
            ItemEvents::Created => None,
        }
    }

    pub(super) fn user_audio_turn(&mut self, detected: bool) -> Vec<ServerEvent> {
        let input = self.settings.input_format;
        let start_ms = input.duration_ms(self.turn_start_bytes);
        let end_ms = input.duration_ms(self.appended_bytes);
        self.turn_start_bytes = self.appended_bytes;
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
            let at = response
                .iter()
                .position(|event| matches!(event, ServerEvent::ResponseCreated(_)))
                .map_or(0, |at| at + 1);
            response.splice(at..at, transcription);
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
                previous_item_id: self.last_item.clone().into(),
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
        events.extend(self.announce_whole(item));
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
                    ..Default::default()
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
