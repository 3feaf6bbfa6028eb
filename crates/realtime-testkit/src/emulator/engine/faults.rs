//! Faults a scripted turn injects instead of a normal response.

use crate::emulator::script::{Fault, Turn};
use realtime_core::protocol::{
    AudioBase64, AudioDelta, FunctionArgumentsDone, ResponseStatus, ServerEvent, TextDelta,
};
use realtime_core::wire::WireShape;

use super::response::tone;
use super::{Engine, Output};

impl Engine {
    /// The outputs of one fault turn.
    pub(super) fn fault(&mut self, fault: Fault) -> Vec<Output> {
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
}
