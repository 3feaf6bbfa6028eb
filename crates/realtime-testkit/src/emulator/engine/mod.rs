//! The emulator's brain: client frames in, server events out. Pure: no socket, no clock.
//!
//! One job per file: [`session`] (settings, normalisation and the rejections the
//! services make), [`conversation`] (items and user audio turns), [`response`]
//! (response synthesis), [`faults`] (faults below and inside the protocol).

mod conversation;
mod faults;
mod pacing;
mod response;
mod session;

pub use pacing::Pace;

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::profile::{ItemEvents, Profile};
use super::script::Script;
use realtime_core::protocol::{
    AudioFormat, Bare, ClientEvent, Item, ItemDeleted, ItemEvent, ItemStatus, ItemTruncated,
    ServerEvent, SessionEvent, SessionResource,
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
    /// Whether the model has answered with audio (the voice is fixed from then on
    /// where [`Profile::voice_locked_after_audio`]).
    assistant_audio: bool,
    /// The conversation's id (`conversation_id` of every response).
    conversation_id: String,
    /// Each item's predecessor in the conversation (`previous_item_id`).
    predecessors: HashMap<String, Option<String>>,
    /// How fast responses are streamed.
    pace: Pace,
    /// How long the last user audio turn was.
    last_turn_ms: u64,
    /// Outputs waiting for their time.
    queue: pacing::Queue,
    /// The `tools` of the `response.create` being answered.
    response_tools: Option<Value>,
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
            assistant_audio: false,
            conversation_id: "conv_emu000000".to_owned(),
            response_tools: None,
            predecessors: HashMap::new(),
            pace: Pace::default(),
            last_turn_ms: 0,
            queue: pacing::Queue::default(),
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

    pub(super) fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}_emu{:06}", self.next_id)
    }

    pub(crate) fn event_id(&mut self) -> Option<String> {
        Some(self.id("event"))
    }

    /// The events the service sends when a client connects.
    pub fn open(&mut self) -> Vec<ServerEvent> {
        let mut events = vec![ServerEvent::SessionCreated(SessionEvent {
            event_id: self.event_id(),
            session: SessionResource::new(self.session.clone()),
            ..SessionEvent::default()
        })];
        if self.profile.item_events == ItemEvents::Created {
            let conversation =
                json!({"id": self.conversation_id, "object": "realtime.conversation"});
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
    /// faults of [`Turn::Fault`](crate::emulator::Turn::Fault) turns.
    pub fn on_frame_outputs(&mut self, frame: &str) -> Vec<Output> {
        let mut events = self.handle(frame);
        events.iter_mut().for_each(|event| self.dress(event));
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
            Err(_) => {
                return vec![self.error(
                    None,
                    "invalid_request_error",
                    "invalid_json",
                    "We could not parse the JSON body of your request.",
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
                // Said as the services say it, without the decoder's own words.
                let text = error.to_string();
                let missing = text
                    .split("missing field `")
                    .nth(1)
                    .and_then(|rest| rest.split('`').next());
                let kind = raw.get("type").and_then(Value::as_str).unwrap_or_default();
                return vec![match missing {
                    Some(field) => self.error(
                        client_event_id,
                        "invalid_request_error",
                        "missing_required_parameter",
                        &format!("Missing required parameter: '{field}'."),
                        Some(field),
                    ),
                    None => self.error(
                        client_event_id,
                        "invalid_request_error",
                        "invalid_value",
                        &format!("Invalid value in the '{kind}' event."),
                        None,
                    ),
                }];
            }
        };
        match event {
            ClientEvent::SessionUpdate { session, .. } => {
                let update = match raw.get("session") {
                    Some(Value::Object(update)) => update.clone(),
                    _ => Map::new(),
                };
                self.session_update(&session, update, client_event_id)
            }
            ClientEvent::InputAudioBufferAppend { audio, .. } => {
                let voiced = self
                    .profile
                    .speech_rms_threshold
                    .is_none_or(|threshold| voiced(&audio.decode().unwrap_or_default(), threshold));
                self.appended(audio.decoded_len() as u64, voiced)
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
                self.announce_whole(item, false)
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
                self.response_tools = raw
                    .get("response")
                    .and_then(|response| response.get("tools"))
                    .cloned();
                let turn = self.script.next_turn();
                let events = self.respond(turn);
                self.response_tools = None;
                events
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
}

impl Engine {
    /// Input audio heard on a media path rather than in frames (a WebRTC call):
    /// `ms` of it, speech or not as the caller judged it. The server-VAD turn it
    /// completes is released by [`poll`](Self::poll), as for a frame.
    pub fn hear(&mut self, ms: u64, speech: bool, now: std::time::Duration) {
        let bytes = self.settings.input_format.bytes_for_ms(ms);
        let mut events = self.appended(bytes, speech);
        events.iter_mut().for_each(|event| self.dress(event));
        self.schedule(events.into_iter().map(Output::Event).collect(), now);
    }

    /// Counts `bytes` of input audio; silence moves the turn's start on with it.
    fn appended(&mut self, bytes: u64, voiced: bool) -> Vec<ServerEvent> {
        self.appended_bytes += bytes;
        if !voiced {
            self.turn_start_bytes += bytes;
        }
        if self.settings.server_vad
            && self.appended_bytes - self.turn_start_bytes >= self.turn_bytes
        {
            self.user_audio_turn(true)
        } else {
            Vec::new()
        }
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

/// Whether pcm16 little-endian `audio` is louder than `threshold` (RMS).
fn voiced(audio: &[u8], threshold: u16) -> bool {
    let samples = audio.len() / 2;
    if samples == 0 {
        return false;
    }
    let energy: f64 = audio
        .chunks_exact(2)
        .map(|pair| f64::from(i16::from_le_bytes([pair[0], pair[1]])).powi(2))
        .sum();
    (energy / samples as f64).sqrt() >= f64::from(threshold)
}
