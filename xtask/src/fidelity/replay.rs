//! Recorded sessions, and their replay against the emulator engine.

use std::collections::BTreeMap;

use realtime_testkit::emulator::{Engine, Output, Profile, Script};
use serde_json::Value;

use crate::dialect::Dialect;
use crate::fixtures::{Direction, FixtureSet, Location};

/// One recorded WebSocket session: a cassette.
#[derive(Debug, Clone)]
pub(super) struct Session {
    /// The cassette, `<directory>/<file>`.
    pub(super) name: String,
    /// The dialect it was recorded on.
    pub(super) dialect: Dialect,
    /// Every frame in recorded order, with who sent it.
    pub(super) frames: Vec<(Direction, Value)>,
    /// The server frames, in order.
    pub(super) server: Vec<Value>,
}

/// A frame with its place in the cassette.
type Numbered = (usize, Direction, Value);

/// The recorded sessions of `set` (cassette frames only), by cassette name.
pub(super) fn sessions(set: &FixtureSet) -> Vec<Session> {
    let mut grouped: BTreeMap<String, (Dialect, Vec<Numbered>)> = BTreeMap::new();
    for frame in &set.frames {
        let (Some(cassette), Location::Interaction(index)) = (&frame.cassette, frame.origin.at)
        else {
            continue;
        };
        if !frame.live {
            continue;
        }
        grouped
            .entry(cassette.path.clone())
            .or_insert_with(|| (frame.dialect, Vec::new()))
            .1
            .push((index, frame.direction, frame.payload.clone()));
    }
    grouped
        .into_iter()
        .map(|(name, (dialect, mut frames))| {
            frames.sort_by_key(|(index, _, _)| *index);
            let frames: Vec<(Direction, Value)> = frames
                .into_iter()
                .map(|(_, direction, frame)| (direction, frame))
                .collect();
            let server = frames
                .iter()
                .filter(|(direction, _)| *direction == Direction::Server)
                .map(|(_, frame)| frame.clone())
                .collect();
            Session {
                name,
                dialect,
                frames,
                server,
            }
        })
        .collect()
}

/// The server frames the emulator sends for the session's client frames.
pub(super) fn replay(session: &Session) -> Vec<Value> {
    let Some(mut profile) = Profile::for_dialect(session.dialect.name()) else {
        return Vec::new();
    };
    // The recorded resource had the transcription deployment the session named.
    if session
        .server
        .iter()
        .any(|frame| frame.get("type").and_then(Value::as_str) == Some(TRANSCRIBED))
    {
        profile.transcription_deployments = None;
    }
    let shape = profile.shape;
    let mut engine =
        Engine::new(profile, script_of(session)).with_user_turn_ms(user_turn_ms(session));
    let mut events = engine.open();
    for (direction, frame) in &session.frames {
        if *direction == Direction::Client {
            events.extend(
                engine
                    .on_frame_outputs(&frame.to_string())
                    .into_iter()
                    .filter_map(Output::into_event),
            );
        }
    }
    events
        .iter()
        .filter_map(|event| shape.encode_server(event).ok())
        .filter_map(|frame| serde_json::from_str(&frame).ok())
        .collect()
}

/// What the recorded model did, as a script: each response's function calls or
/// message, and the user's transcripts.
fn script_of(session: &Session) -> Script {
    let mut script = Script::new();
    for frame in &session.server {
        match frame.get("type").and_then(Value::as_str) {
            Some("response.done") => {
                let output = frame
                    .pointer("/response/output")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let calls: Vec<(String, String)> = output
                    .iter()
                    .filter(|item| {
                        item.get("type").and_then(Value::as_str) == Some("function_call")
                    })
                    .map(|item| {
                        let text = |key: &str| {
                            item.get(key)
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned()
                        };
                        (text("name"), text("arguments"))
                    })
                    .collect();
                if let [(name, arguments)] = &calls[..] {
                    script = script.call_raw(name.clone(), arguments.clone());
                } else if !calls.is_empty() {
                    script = script.calls(calls.into_iter().map(|(name, arguments)| {
                        let arguments = serde_json::from_str(&arguments).unwrap_or(Value::Null);
                        (name, arguments)
                    }));
                } else {
                    let said: String = output
                        .iter()
                        .flat_map(|item| {
                            item.get("content")
                                .and_then(Value::as_array)
                                .cloned()
                                .unwrap_or_default()
                        })
                        .filter_map(|part| {
                            part.get("transcript")
                                .or_else(|| part.get("text"))
                                .and_then(Value::as_str)
                                .map(str::to_owned)
                        })
                        .collect();
                    script = script.say(said);
                }
            }
            Some("conversation.item.input_audio_transcription.completed") => {
                if let Some(transcript) = frame.get("transcript").and_then(Value::as_str) {
                    script = script.user_says(transcript);
                }
            }
            _ => {}
        }
    }
    script
}

const TRANSCRIBED: &str = "conversation.item.input_audio_transcription.completed";

/// How much client audio the recorded service took as one user turn: all the
/// audio appended, shared among its `speech_stopped` events (1 s when it never
/// stopped).
fn user_turn_ms(session: &Session) -> u64 {
    let mut bytes: u64 = 0;
    let mut turns: u64 = 0;
    for (direction, frame) in &session.frames {
        let kind = frame.get("type").and_then(Value::as_str);
        match (direction, kind) {
            (Direction::Client, Some("input_audio_buffer.append")) => {
                let audio = frame
                    .get("audio")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                bytes += base64_decoded_len(audio);
            }
            (Direction::Server, Some("input_audio_buffer.speech_stopped")) => turns += 1,
            _ => {}
        }
    }
    if turns == 0 {
        return 1000;
    }
    // PCM16 at 24 kHz: 48 bytes a millisecond.
    (bytes / turns / 48).max(1)
}

fn base64_decoded_len(text: &str) -> u64 {
    let padding = text.bytes().rev().take_while(|byte| *byte == b'=').count();
    ((text.len() / 4 * 3).saturating_sub(padding)) as u64
}
