//! The emulator's brain: client frames in, server events out. Pure: no socket, no clock.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::profile::{ItemEvents, Profile, RejectWhen};
use super::script::{Fault, Script, ScriptedCall, Turn};
use realtime_core::protocol::{
    AudioBase64, AudioBufferCommitted, AudioDelta, AudioDone, AudioFormat, Bare, ClientEvent,
    ContentPart, ContentPartEvent, ErrorDetails, ErrorEvent, FunctionArgumentsDelta,
    FunctionArgumentsDone, FunctionCallItem, InputTranscriptionCompleted, InputTranscriptionDelta,
    InputTranscriptionFailed, Item, ItemDeleted, ItemEvent, ItemStatus, ItemTruncated, MessageItem,
    Modality, Nullable, OutputItemEvent, PartKind, RateLimit, RateLimitsUpdated, Response,
    ResponseEvent, ResponseStatus, Role, ServerEvent, SessionEvent, SessionResource, SpeechStarted,
    SpeechStopped, TextDelta, TextDone, TranscriptDone, TurnDetection, Usage,
};
use realtime_core::wire::WireShape;

/// What the service does next: an event, or a fault below the protocol.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
// Outputs are short-lived and few per frame; boxing the event would only add noise.
#[allow(clippy::large_enum_variant)]
pub enum Output {
    /// Sends this event.
    Event(ServerEvent),
    /// Sends this text frame as it is (not necessarily JSON).
    Text(String),
    /// Sends a binary frame.
    Binary(Vec<u8>),
    /// Neither reads nor writes for this long.
    Stall(std::time::Duration),
    /// Ends the TCP connection without a close frame; the connection is over.
    Drop,
    /// The connection is over for the emulator (the client is expected to leave).
    End,
}

impl Output {
    /// The event, if this output is one.
    pub fn into_event(self) -> Option<ServerEvent> {
        match self {
            Self::Event(event) => Some(event),
            _ => None,
        }
    }

    /// Whether this output ends the connection.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Drop | Self::End)
    }
}

/// Session settings the emulator acts on.
#[derive(Debug, Clone)]
struct Settings {
    output_format: AudioFormat,
    input_format: AudioFormat,
    server_vad: bool,
    create_response: bool,
    interrupt_response: bool,
    transcription: bool,
    transcription_model: Option<String>,
    text_only: bool,
}

/// A scripted, provider-faithful realtime service.
#[derive(Debug)]
pub struct Engine {
    profile: Profile,
    session: Map<String, Value>,
    settings: Settings,
    script: Script,
    next_id: u64,
    last_item: Option<String>,
    appended_bytes: u64,
    turn_start_bytes: u64,
    /// Bytes of input audio that make one user turn under server VAD.
    turn_bytes: u64,
    /// Assistant audio items and their duration in ms.
    audio_items: HashMap<String, u64>,
    items: HashMap<String, Item>,
    /// Outputs of a fault turn, sent after the events of the current frame.
    fault_outputs: Vec<Output>,
    /// The client `event_id` of the frame being answered.
    answering: Option<String>,
}

impl Engine {
    /// An emulator of `profile` playing `script`.
    pub fn new(profile: Profile, script: Script) -> Self {
        let session = profile.initial_session.clone();
        let text_only = false;
        Self {
            session,
            settings: Settings {
                output_format: AudioFormat::PCM16_24K,
                input_format: AudioFormat::PCM16_24K,
                server_vad: true,
                create_response: true,
                interrupt_response: true,
                transcription: false,
                transcription_model: None,
                text_only,
            },
            profile,
            script,
            next_id: 0,
            last_item: None,
            appended_bytes: 0,
            turn_start_bytes: 0,
            turn_bytes: 48_000,
            audio_items: HashMap::new(),
            items: HashMap::new(),
            fault_outputs: Vec::new(),
            answering: None,
        }
    }

    /// How much input audio (in ms) makes one user turn under server VAD (default 1 s).
    #[must_use]
    pub fn with_user_turn_ms(mut self, ms: u64) -> Self {
        self.turn_bytes = self.settings.input_format.bytes_for_ms(ms).max(1);
        self
    }

    /// Gives back the turns not yet played.
    pub fn into_script(self) -> Script {
        self.script
    }

    /// Gives the engine the turns to play from now on.
    pub fn set_script(&mut self, script: Script) {
        self.script = script;
    }

    /// Takes the turns not yet played, leaving none (before a terminal fault, so the
    /// next connection continues the script).
    pub fn take_script(&mut self) -> Script {
        self.script.take()
    }

    /// The profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The wire shape.
    pub fn shape(&self) -> WireShape {
        self.profile.shape
    }

    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}_emu{:06}", self.next_id)
    }

    fn event_id(&mut self) -> Option<String> {
        Some(self.id("event"))
    }

    /// The events the service sends when a client connects.
    pub fn open(&mut self) -> Vec<ServerEvent> {
        let mut events = vec![ServerEvent::SessionCreated(SessionEvent {
            event_id: self.event_id(),
            session: SessionResource(self.session.clone()),
            ..SessionEvent::default()
        })];
        if self.profile.item_events == ItemEvents::Created {
            let conversation = json!({"id": self.id("conv"), "object": "realtime.conversation"});
            events.push(ServerEvent::ConversationCreated(
                realtime_core::protocol::ConversationCreated {
                    event_id: self.event_id(),
                    conversation: match conversation {
                        Value::Object(map) => map,
                        _ => Map::new(),
                    },
                    ..Default::default()
                },
            ));
        }
        events
    }

    /// The events the service sends in answer to one client frame (faults below the
    /// protocol are left out; see [`on_frame_outputs`](Self::on_frame_outputs)).
    pub fn on_frame(&mut self, frame: &str) -> Vec<ServerEvent> {
        self.on_frame_outputs(frame)
            .into_iter()
            .filter_map(Output::into_event)
            .collect()
    }

    /// Everything the service does in answer to one client frame: events, and the
    /// faults of [`Turn::Fault`] turns.
    pub fn on_frame_outputs(&mut self, frame: &str) -> Vec<Output> {
        let events = self.handle(frame);
        self.answering = None;
        let faults = std::mem::take(&mut self.fault_outputs);
        events
            .into_iter()
            .map(Output::Event)
            .chain(faults)
            .collect()
    }

    fn handle(&mut self, frame: &str) -> Vec<ServerEvent> {
        let raw: Map<String, Value> = match serde_json::from_str(frame) {
            Ok(raw) => raw,
            Err(error) => {
                return vec![self.error(
                    None,
                    "invalid_request_error",
                    "invalid_json",
                    &format!("We could not parse the JSON body of your request: {error}"),
                    None,
                )];
            }
        };
        let client_event_id = raw
            .get("event_id")
            .and_then(Value::as_str)
            .map(str::to_owned);
        self.answering.clone_from(&client_event_id);
        for (member, prefix) in [("session", "session"), ("response", "response")] {
            if let Some(Value::Object(body)) = raw.get(member)
                && let Some(error) = self.check_rejects(prefix, body, client_event_id.clone())
            {
                return vec![error];
            }
        }
        let event = match self.profile.shape.decode_client(frame) {
            Ok(event) => event,
            Err(error) => {
                return vec![self.error(
                    client_event_id,
                    "invalid_request_error",
                    "invalid_value",
                    &error.to_string(),
                    None,
                )];
            }
        };
        match event {
            ClientEvent::SessionUpdate { session, .. } => {
                self.apply_settings(&session);
                if let Some(Value::Object(update)) = raw.get("session") {
                    merge(&mut self.session, update);
                }
                vec![ServerEvent::SessionUpdated(SessionEvent {
                    event_id: self.event_id(),
                    session: SessionResource(self.session.clone()),
                    ..SessionEvent::default()
                })]
            }
            ClientEvent::InputAudioBufferAppend { audio, .. } => {
                self.appended_bytes += audio.decoded_len() as u64;
                if self.settings.server_vad
                    && self.appended_bytes - self.turn_start_bytes >= self.turn_bytes
                {
                    self.user_audio_turn(true)
                } else {
                    Vec::new()
                }
            }
            ClientEvent::InputAudioBufferCommit { .. } => self.user_audio_turn(false),
            ClientEvent::InputAudioBufferClear { .. } => {
                self.turn_start_bytes = self.appended_bytes;
                vec![ServerEvent::InputAudioBufferCleared(Bare {
                    event_id: self.event_id(),
                    ..Bare::default()
                })]
            }
            ClientEvent::ConversationItemCreate { item, .. } => {
                let id = item.id().map_or_else(|| self.id("item"), str::to_owned);
                let item = completed(item.as_ref().clone().with_id(id));
                self.announce_whole(item)
            }
            ClientEvent::ConversationItemTruncate {
                item_id,
                content_index,
                audio_end_ms,
                ..
            } => match self.audio_items.get(&item_id).copied() {
                Some(duration) if audio_end_ms <= duration => {
                    self.audio_items.insert(item_id.clone(), audio_end_ms);
                    vec![ServerEvent::ConversationItemTruncated(ItemTruncated {
                        event_id: self.event_id(),
                        item_id,
                        content_index,
                        audio_end_ms,
                        ..ItemTruncated::default()
                    })]
                }
                Some(duration) => vec![self.error(
                    client_event_id,
                    "invalid_request_error",
                    "invalid_value",
                    &format!(
                        "Audio content of {duration}ms is already shorter than {audio_end_ms}ms"
                    ),
                    Some("audio_end_ms"),
                )],
                None => vec![self.error(
                    client_event_id,
                    "invalid_request_error",
                    "item_not_found",
                    &format!("Item with item_id '{item_id}' not found."),
                    Some("item_id"),
                )],
            },
            ClientEvent::ConversationItemDelete { item_id, .. } => {
                if self.items.remove(&item_id).is_some() {
                    self.audio_items.remove(&item_id);
                    vec![ServerEvent::ConversationItemDeleted(ItemDeleted {
                        event_id: self.event_id(),
                        item_id,
                        ..ItemDeleted::default()
                    })]
                } else {
                    vec![self.error(
                        client_event_id,
                        "invalid_request_error",
                        "item_not_found",
                        &format!("Item with item_id '{item_id}' not found."),
                        Some("item_id"),
                    )]
                }
            }
            ClientEvent::ConversationItemRetrieve { item_id, .. } => {
                match self.items.get(&item_id).cloned() {
                    Some(item) => vec![ServerEvent::ConversationItemRetrieved(ItemEvent {
                        event_id: self.event_id(),
                        item: Some(item),
                        ..ItemEvent::default()
                    })],
                    None => vec![self.error(
                        client_event_id,
                        "invalid_request_error",
                        "item_not_found",
                        &format!("Item with item_id '{item_id}' not found."),
                        Some("item_id"),
                    )],
                }
            }
            ClientEvent::ResponseCreate { .. } => {
                let turn = self.script.next_turn();
                self.respond(turn)
            }
            ClientEvent::ResponseCancel { .. } => {
                vec![self.error(
                    client_event_id,
                    "invalid_request_error",
                    "response_cancel_not_active",
                    "Cancellation failed: no active response found",
                    None,
                )]
            }
            other => vec![self.error(
                client_event_id,
                "invalid_request_error",
                "invalid_value",
                &format!("Invalid value: '{}'.", other.event_type()),
                Some("type"),
            )],
        }
    }

    fn check_rejects(
        &mut self,
        prefix: &str,
        body: &Map<String, Value>,
        client_event_id: Option<String>,
    ) -> Option<ServerEvent> {
        let rule =
            self.profile
                .rejects
                .iter()
                .find(|rule| match (&rule.when, body.get(rule.field)) {
                    (RejectWhen::Present, Some(_)) => true,
                    (RejectWhen::Equals(expected), Some(value)) => value == expected,
                    _ => false,
                })?;
        let param = format!("{prefix}.{}", rule.field);
        let message = rule.message.replace("{param}", &param);
        let code = rule.code;
        Some(self.error(
            client_event_id,
            "invalid_request_error",
            code,
            &message,
            Some(&param),
        ))
    }

    fn error(
        &mut self,
        client_event_id: Option<String>,
        kind: &str,
        code: &str,
        message: &str,
        param: Option<&str>,
    ) -> ServerEvent {
        ServerEvent::Error(ErrorEvent {
            event_id: self.event_id(),
            error: ErrorDetails {
                kind: kind.to_owned(),
                code: Nullable::Value(code.to_owned()),
                message: message.to_owned(),
                param: param.map(str::to_owned).into(),
                event_id: client_event_id.into(),
                ..ErrorDetails::default()
            },
            ..ErrorEvent::default()
        })
    }

    fn apply_settings(&mut self, config: &realtime_core::protocol::SessionConfig) {
        if let Some(format) = config.output_audio_format {
            self.settings.output_format = format;
        }
        if let Some(format) = config.input_audio_format {
            self.settings.input_format = format;
        }
        match &config.turn_detection {
            Nullable::Null => self.settings.server_vad = false,
            Nullable::Value(detection) => {
                self.settings.server_vad = true;
                let (create, interrupt) = match detection {
                    TurnDetection::ServerVad(vad) => (vad.create_response, vad.interrupt_response),
                    TurnDetection::SemanticVad(vad) => {
                        (vad.create_response, vad.interrupt_response)
                    }
                    TurnDetection::Other(map) => (
                        map.get("create_response").and_then(Value::as_bool),
                        map.get("interrupt_response").and_then(Value::as_bool),
                    ),
                    _ => (None, None),
                };
                self.settings.create_response = create.unwrap_or(true);
                self.settings.interrupt_response = interrupt.unwrap_or(true);
            }
            Nullable::Absent => {}
        }
        match &config.input_audio_transcription {
            Nullable::Null => self.settings.transcription = false,
            Nullable::Value(transcription) => {
                self.settings.transcription = true;
                self.settings.transcription_model = transcription.model.clone();
            }
            Nullable::Absent => {}
        }
        if let Some(modalities) = &config.output_modalities {
            self.settings.text_only = !modalities.contains(&Modality::Audio);
        }
    }

    fn remember(&mut self, item: &Item) {
        if let Some(id) = item.id() {
            self.items.insert(id.to_owned(), item.clone());
            self.last_item = Some(id.to_owned());
        }
    }

    /// Announces an item that is complete from the start (user and tool-output items).
    fn announce_whole(&mut self, item: Item) -> Vec<ServerEvent> {
        let previous = self.last_item.clone();
        self.remember(&item);
        let added = |engine: &mut Self, item: Item| ItemEvent {
            event_id: engine.event_id(),
            previous_item_id: previous.clone().into(),
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

    fn announce_started(&mut self, item: &Item) -> Option<ServerEvent> {
        let previous = self.last_item.clone();
        self.remember(item);
        let event = ItemEvent {
            event_id: self.event_id(),
            previous_item_id: previous.into(),
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

    fn announce_finished(&mut self, item: &Item) -> Option<ServerEvent> {
        self.remember(item);
        match self.profile.item_events {
            ItemEvents::AddedAndDone | ItemEvents::CreatedAndDone => {
                Some(ServerEvent::ConversationItemDone(ItemEvent {
                    event_id: self.event_id(),
                    item: Some(item.clone()),
                    ..ItemEvent::default()
                }))
            }
            ItemEvents::Created => None,
        }
    }

    fn user_audio_turn(&mut self, detected: bool) -> Vec<ServerEvent> {
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
        events.extend(self.commit_user_audio(item_id));
        if detected && self.settings.create_response {
            let turn = self.script.next_turn();
            events.extend(self.respond(turn));
        }
        events
    }

    fn commit_user_audio(&mut self, item_id: String) -> Vec<ServerEvent> {
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

    fn response_resource(
        &self,
        id: &str,
        status: ResponseStatus,
        output: Vec<Item>,
        done: bool,
    ) -> Response {
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
                    ..Usage::default()
                })
            } else {
                Nullable::Null
            },
            metadata: Nullable::Null,
            ..Response::default()
        }
    }

    /// Runs one scripted turn as a complete response (a fault turn's outputs go to
    /// `fault_outputs`).
    fn respond(&mut self, turn: Turn) -> Vec<ServerEvent> {
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
            response: self.response_resource(
                &response_id,
                ResponseStatus::InProgress,
                Vec::new(),
                false,
            ),
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
            response: done,
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
    fn then_next_turn(&mut self) -> Vec<Output> {
        let turn = self.script.next_turn();
        let events = self.respond(turn);
        let faults = std::mem::take(&mut self.fault_outputs);
        events
            .into_iter()
            .map(Output::Event)
            .chain(faults)
            .collect()
    }

    fn response_started(&mut self) -> (String, ServerEvent) {
        let response_id = self.id("resp");
        let event = ServerEvent::ResponseCreated(ResponseEvent {
            event_id: self.event_id(),
            response: self.response_resource(
                &response_id,
                ResponseStatus::InProgress,
                Vec::new(),
                false,
            ),
            ..ResponseEvent::default()
        });
        (response_id, event)
    }

    fn response_finished(&mut self, response_id: &str, status: &ResponseStatus) -> ServerEvent {
        let mut response = self.response_resource(response_id, status.clone(), Vec::new(), true);
        if *status == ResponseStatus::Failed {
            response.status_details = Nullable::Value(
                json!({"type": "failed", "error": {"type": "server_error", "code": "server_error"}}),
            );
        }
        ServerEvent::ResponseDone(ResponseEvent {
            event_id: self.event_id(),
            response,
            ..ResponseEvent::default()
        })
    }

    /// The outputs of one fault turn.
    fn fault(&mut self, fault: Fault) -> Vec<Output> {
        match fault {
            Fault::DropMidResponse(text) => {
                let events = self.respond(Turn::Say(text));
                let cut = events
                    .iter()
                    .position(|event| {
                        matches!(
                            event,
                            ServerEvent::ResponseAudioTranscriptDelta(_)
                                | ServerEvent::ResponseTextDelta(_)
                        )
                    })
                    .map_or(events.len(), |at| at + 1);
                events
                    .into_iter()
                    .take(cut)
                    .map(Output::Event)
                    .chain([Output::Drop])
                    .collect()
            }
            Fault::MalformedJson => {
                let mut outputs = vec![Output::Text(
                    r#"{"type": "response.created", "response": {"id": "#.to_owned(),
                )];
                outputs.extend(self.then_next_turn());
                outputs
            }
            Fault::NonObject => {
                let mut outputs = vec![Output::Text(r#"["response.created", 42]"#.to_owned())];
                outputs.extend(self.then_next_turn());
                outputs
            }
            Fault::BinaryFrame => {
                let mut outputs = vec![Output::Binary(vec![0x00, 0x9f, 0x92, 0x96, 0xff])];
                outputs.extend(self.then_next_turn());
                outputs
            }
            Fault::Oversized(bytes) => {
                let (response_id, created) = self.response_started();
                let event_type = match self.profile.shape {
                    WireShape::Ga => "response.output_audio.delta",
                    WireShape::Beta => "response.audio.delta",
                };
                let frame = format!(
                    r#"{{"type":"{event_type}","response_id":"{response_id}","item_id":"item_big","output_index":0,"content_index":0,"delta":"{}"}}"#,
                    "A".repeat(bytes)
                );
                vec![Output::Event(created), Output::Text(frame), Output::End]
            }
            Fault::Stall(duration) => {
                let (_, created) = self.response_started();
                vec![Output::Event(created), Output::Stall(duration), Output::End]
            }
            Fault::ServerError => {
                let (response_id, created) = self.response_started();
                let error = self.error(
                    None,
                    "server_error",
                    "server_error",
                    "The server had an error while processing your request. Sorry about that!",
                    None,
                );
                let done = self.response_finished(&response_id, &ResponseStatus::Failed);
                vec![
                    Output::Event(created),
                    Output::Event(error),
                    Output::Event(done),
                ]
            }
            Fault::RateLimited => {
                let answering = self.answering.clone();
                vec![Output::Event(self.error(
                    answering,
                    "rate_limit_error",
                    "rate_limit_exceeded",
                    "Rate limit reached for requests. Please try again in 20ms.",
                    None,
                ))]
            }
            Fault::OrphanFunctionCallDone { name, arguments } => {
                let (response_id, created) = self.response_started();
                let call_id = self.id("call");
                let item_id = self.id("item");
                let orphan = ServerEvent::FunctionCallArgumentsDone(FunctionArgumentsDone {
                    event_id: self.event_id(),
                    response_id: response_id.clone(),
                    item_id,
                    output_index: 0,
                    call_id,
                    name: Some(name),
                    arguments,
                    ..FunctionArgumentsDone::default()
                });
                let done = self.response_finished(&response_id, &ResponseStatus::Completed);
                vec![
                    Output::Event(created),
                    Output::Event(orphan),
                    Output::Event(done),
                ]
            }
            Fault::UnknownItemDelta => {
                let text_delta = TextDelta {
                    event_id: self.event_id(),
                    response_id: "resp_unknown".to_owned(),
                    item_id: "item_unknown".to_owned(),
                    delta: "ghost ".to_owned(),
                    ..TextDelta::default()
                };
                let audio_delta = ServerEvent::ResponseAudioDelta(AudioDelta {
                    event_id: self.event_id(),
                    response_id: "resp_unknown".to_owned(),
                    item_id: "item_unknown".to_owned(),
                    delta: AudioBase64::from_pcm(&tone(480, 0)),
                    ..AudioDelta::default()
                });
                let mut outputs = vec![
                    Output::Event(ServerEvent::ResponseAudioTranscriptDelta(
                        text_delta.clone(),
                    )),
                    Output::Event(ServerEvent::ResponseTextDelta(text_delta)),
                    Output::Event(audio_delta),
                ];
                outputs.extend(self.then_next_turn());
                outputs
            }
            Fault::Duplicate => self
                .then_next_turn()
                .into_iter()
                .flat_map(|output| [output.clone(), output])
                .collect(),
            Fault::FatalError(code) => {
                let answering = self.answering.clone();
                vec![
                    Output::Event(self.error(
                        answering,
                        "invalid_request_error",
                        &code,
                        "You exceeded your current quota, please check your plan and billing details.",
                        None,
                    )),
                    Output::Drop,
                ]
            }
        }
    }

    /// An assistant message: audio with transcript, or text. `stop_after` cuts it
    /// after that many audio chunks (a barge-in).
    fn message(
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
        for (index, piece) in words.chunks(chunk_words).enumerate().take(chunks) {
            if stop_after.is_some_and(|stop| index >= stop) {
                break;
            }
            let delta = piece.concat();
            said.push_str(&delta);
            let text_delta = TextDelta {
                event_id: self.event_id(),
                response_id: response_id.to_owned(),
                item_id: item_id.clone(),
                delta,
                ..TextDelta::default()
            };
            if audio {
                let pcm = tone(chunk_bytes, index);
                events.push(ServerEvent::ResponseAudioDelta(AudioDelta {
                    event_id: self.event_id(),
                    response_id: response_id.to_owned(),
                    item_id: item_id.clone(),
                    delta: AudioBase64::from_pcm(&pcm),
                    ..AudioDelta::default()
                }));
                events.push(ServerEvent::ResponseAudioTranscriptDelta(text_delta));
                sent_chunks += 1;
            } else {
                events.push(ServerEvent::ResponseTextDelta(text_delta));
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

    fn function_call(
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

/// Marks a client-created item as completed, as the service reports it.
fn completed(mut item: Item) -> Item {
    match &mut item {
        Item::Message(message) => message.status = Some(ItemStatus::Completed),
        Item::FunctionCall(call) => call.status = Some(ItemStatus::Completed),
        _ => {}
    }
    item
}

/// Merges a session update into the session object (objects merge, the rest replaces).
fn merge(target: &mut Map<String, Value>, update: &Map<String, Value>) {
    for (key, value) in update {
        match (target.get_mut(key), value) {
            (Some(Value::Object(mine)), Value::Object(theirs)) => merge(mine, theirs),
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

/// A quiet, deterministic tone: audible in a WAV, recognisable in tests.
fn tone(bytes: usize, seed: usize) -> Vec<u8> {
    (0..bytes / 2)
        .flat_map(|n| {
            let phase = (n + seed * 7) % 48;
            let sample: i16 = if phase < 24 { 1200 } else { -1200 };
            sample.to_le_bytes()
        })
        .collect()
}
