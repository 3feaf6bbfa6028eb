//! Time: outputs are released when due (audio at playback rate under
//! [`Pace::Realtime`]), and `response.cancel` stops the response still being streamed.
//!
//! The engine holds no clock: the caller passes the time since the connection opened.

use std::collections::VecDeque;
use std::time::Duration;

use serde_json::{Value, json};

use realtime_core::protocol::{Nullable, ResponseStatus, ServerEvent};

use super::{Engine, Output};

/// How fast responses are streamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Pace {
    /// As the services stream: each audio chunk is due when the previous one has
    /// played (audio at playback rate).
    #[default]
    Realtime,
    /// Everything at once (tests).
    Instant,
}

/// An output and when it is due.
#[derive(Debug)]
pub(super) struct Timed {
    due: Duration,
    output: Output,
}

/// The outputs waiting for their time, in order.
#[derive(Debug, Default)]
pub(super) struct Queue {
    pending: VecDeque<Timed>,
    /// When the last queued output is due.
    cursor: Duration,
}

impl Engine {
    /// Streams responses at `pace` (see [`receive`](Self::receive)).
    #[must_use]
    pub fn with_pace(mut self, pace: Pace) -> Self {
        self.pace = pace;
        self
    }

    /// Takes one client frame received `now` (time since the connection opened).
    /// What the service does in answer is released by [`poll`](Self::poll) when due.
    pub fn receive(&mut self, frame: &str, now: Duration) {
        if let Some(cancelled) = self.cancel_streaming(frame) {
            self.queue.pending.push_front(Timed {
                due: now,
                output: cancelled,
            });
            return;
        }
        let outputs = self.on_frame_outputs(frame);
        self.schedule(outputs, now);
    }

    /// The outputs due at `now`, in order.
    pub fn poll(&mut self, now: Duration) -> Vec<Output> {
        let mut due = Vec::new();
        while self
            .queue
            .pending
            .front()
            .is_some_and(|timed| timed.due <= now)
        {
            if let Some(timed) = self.queue.pending.pop_front() {
                due.push(timed.output);
            }
        }
        due
    }

    /// When the next output is due, if any is waiting.
    pub fn next_due(&self) -> Option<Duration> {
        self.queue.pending.front().map(|timed| timed.due)
    }

    /// Queues outputs (the opening events) to be released from `now` on.
    pub(crate) fn schedule_now(&mut self, outputs: Vec<Output>, now: Duration) {
        self.schedule(outputs, now);
    }

    /// Queues the outputs of one frame after those still waiting.
    pub(super) fn schedule(&mut self, outputs: Vec<Output>, now: Duration) {
        let mut cursor = self.queue.cursor.max(now);
        for output in outputs {
            let played = match (&output, self.pace) {
                (Output::Event(ServerEvent::ResponseAudioDelta(delta)), Pace::Realtime) => {
                    Duration::from_millis(
                        self.settings
                            .output_format
                            .duration_ms(delta.delta.decoded_len() as u64),
                    )
                }
                _ => Duration::ZERO,
            };
            self.queue.pending.push_back(Timed {
                due: cursor,
                output,
            });
            cursor += played;
        }
        self.queue.cursor = cursor;
    }

    /// A `response.cancel` while a response is still being streamed: the rest of
    /// that response is dropped and its `response.done` says `cancelled`.
    fn cancel_streaming(&mut self, frame: &str) -> Option<Output> {
        let raw: Value = serde_json::from_str(frame).ok()?;
        if raw.get("type").and_then(Value::as_str) != Some("response.cancel") {
            return None;
        }
        let done_at = self.queue.pending.iter().position(|timed| {
            matches!(timed.output, Output::Event(ServerEvent::ResponseDone(_)))
        })?;
        let Output::Event(ServerEvent::ResponseDone(mut done)) =
            self.queue.pending.remove(done_at)?.output
        else {
            return None;
        };
        let response_id = done.response.id.clone();
        // What the response had not yet sent is never sent.
        let before: Vec<Timed> = self.queue.pending.drain(..done_at).collect();
        let kept: Vec<Timed> = before
            .into_iter()
            .filter(|timed| match &timed.output {
                Output::Event(event) => {
                    response_of(event).is_none() && !is_output_item_event(event)
                }
                _ => true,
            })
            .collect();
        for timed in kept.into_iter().rev() {
            self.queue.pending.push_front(timed);
        }
        done.response.status = Some(ResponseStatus::Cancelled);
        done.response.status_details =
            Nullable::Value(json!({"type": "cancelled", "reason": "client_cancelled"}));
        if let Some(output) = done.response.output.as_mut() {
            output.clear();
        }
        tracing::debug!(response = ?response_id, "emulated response cancelled");
        Some(Output::Event(ServerEvent::ResponseDone(done)))
    }
}

/// The response an event belongs to, for events inside a response.
fn response_of(event: &ServerEvent) -> Option<&str> {
    Some(match event {
        ServerEvent::ResponseCreated(event) => event.response.id.as_deref()?,
        ServerEvent::ResponseOutputItemAdded(event)
        | ServerEvent::ResponseOutputItemDone(event) => &event.response_id,
        ServerEvent::ResponseContentPartAdded(event)
        | ServerEvent::ResponseContentPartDone(event) => &event.response_id,
        ServerEvent::ResponseAudioDelta(event) => &event.response_id,
        ServerEvent::ResponseAudioDone(event) => &event.response_id,
        ServerEvent::ResponseAudioTranscriptDelta(event)
        | ServerEvent::ResponseTextDelta(event) => &event.response_id,
        ServerEvent::ResponseAudioTranscriptDone(event) => &event.response_id,
        ServerEvent::ResponseTextDone(event) => &event.response_id,
        ServerEvent::FunctionCallArgumentsDelta(event) => &event.response_id,
        ServerEvent::FunctionCallArgumentsDone(event) => &event.response_id,
        _ => return None,
    })
}

/// Conversation events of the response's own items (added or done while streaming).
fn is_output_item_event(event: &ServerEvent) -> bool {
    match event {
        ServerEvent::ConversationItemDone(event) => event.item.as_ref().is_some_and(|item| {
            !matches!(item, realtime_core::protocol::Item::FunctionCallOutput(_))
                && item_is_assistant(item)
        }),
        _ => false,
    }
}

fn item_is_assistant(item: &realtime_core::protocol::Item) -> bool {
    match item {
        realtime_core::protocol::Item::Message(message) => {
            message.role == Some(realtime_core::protocol::Role::Assistant)
        }
        realtime_core::protocol::Item::FunctionCall(_) => true,
        _ => false,
    }
}
