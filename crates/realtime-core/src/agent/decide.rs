//! The agent loop's decisions as pure functions and small state machines: no I/O, no
//! clock, tested without tokio.

use crate::audio::PlaybackPosition;

/// Keeps exactly one `response.create` in flight.
///
/// Call [`request`](Self::request) when a response is wanted; it says whether to
/// send `response.create` now or later (when the current response is done).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseGate {
    /// A response exists (created by us or by the server's turn detection).
    active: bool,
    /// We sent `response.create` and wait for `response.created` (with its event id).
    awaiting: Option<String>,
    /// A response was asked for while another was active.
    pending: bool,
}

impl ResponseGate {
    /// A response is wanted. Returns `true` if `response.create` (with `event_id`)
    /// must be sent now; otherwise it is sent when the current one is done.
    pub fn request(&mut self, event_id: &str) -> bool {
        if self.active || self.awaiting.is_some() {
            self.pending = true;
            false
        } else {
            self.awaiting = Some(event_id.to_owned());
            true
        }
    }

    /// `response.created` arrived.
    pub fn on_created(&mut self) {
        self.active = true;
        self.awaiting = None;
    }

    /// `response.done` arrived. Returns `true` if a pending `response.create` must be
    /// sent now (call [`request`](Self::request) to register it).
    pub fn on_done(&mut self) -> bool {
        self.active = false;
        std::mem::take(&mut self.pending)
    }

    /// An `error` arrived. If it answers our `response.create` (same event id), or
    /// has no event id while we wait for a response to start, the create failed: the
    /// gate reopens so the loop cannot wedge. Returns `true` if a pending request
    /// should be sent now.
    pub fn on_error(&mut self, error_event_id: Option<&str>) -> bool {
        let ours = match (&self.awaiting, error_event_id) {
            (Some(awaiting), Some(id)) => awaiting == id,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if ours {
            self.awaiting = None;
            return !self.active && std::mem::take(&mut self.pending);
        }
        false
    }

    /// Whether a response exists or was asked for.
    pub fn busy(&self) -> bool {
        self.active || self.awaiting.is_some()
    }

    /// Whether a response is in progress on the server.
    pub fn active(&self) -> bool {
        self.active
    }
}

/// The assistant audio item the user may be hearing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssistantAudio {
    /// The assistant item.
    pub item_id: String,
    /// Its audio content part.
    pub content_index: u32,
    /// What is known of its playback.
    pub position: PlaybackPosition,
}

/// What to do when the user starts speaking over the assistant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BargeInPlan {
    /// Tell the app to stop playback now.
    pub interrupt: bool,
    /// Truncate `(item_id, content_index, audio_end_ms)`.
    pub truncate: Option<(String, u32, u64)>,
    /// Delete this item (interrupted before its first audio frame).
    pub delete: Option<String>,
    /// Send `response.cancel` (the server does not auto-cancel).
    pub cancel: bool,
}

/// Decides what a barge-in does.
///
/// - An item whose audio is still playing is truncated at the played position,
///   clamped to audio received.
/// - An item interrupted before its first audio frame is deleted, not truncated.
/// - The response is cancelled only while one is active and the server does not
///   cancel it itself (`interrupt_response: false`, or no server turn detection).
pub fn plan_barge_in(
    audio: Option<&AssistantAudio>,
    pending_item: Option<&str>,
    response_active: bool,
    server_auto_cancels: bool,
) -> BargeInPlan {
    let mut plan = BargeInPlan {
        cancel: response_active && !server_auto_cancels,
        ..BargeInPlan::default()
    };
    match audio {
        Some(audio)
            if audio.position.has_audio()
                && (audio.position.still_playing() || response_active) =>
        {
            plan.interrupt = true;
            plan.truncate = Some((
                audio.item_id.clone(),
                audio.content_index,
                audio.position.truncate_at(),
            ));
        }
        _ => {
            if let (Some(item_id), true) = (pending_item, response_active) {
                plan.interrupt = true;
                plan.delete = Some(item_id.to_owned());
            }
        }
    }
    plan.interrupt |= plan.cancel;
    plan
}

#[cfg(test)]
mod tests {
    use super::{AssistantAudio, BargeInPlan, ResponseGate, plan_barge_in};
    use crate::audio::PlaybackPosition;

    #[test]
    fn one_response_in_flight() {
        let mut gate = ResponseGate::default();
        assert!(gate.request("e1"));
        assert!(!gate.request("e2"), "second request waits");
        gate.on_created();
        assert!(gate.on_done(), "the pending request goes after done");
        assert!(gate.request("e3"));
        gate.on_created();
        assert!(!gate.on_done(), "nothing pending");
        assert!(!gate.busy());
    }

    #[test]
    fn an_error_without_event_id_does_not_wedge() {
        let mut gate = ResponseGate::default();
        assert!(gate.request("e1"));
        assert!(!gate.request("e2"));
        assert!(
            gate.on_error(None),
            "the failed create reopens the gate and the pending one goes"
        );
        assert!(gate.request("e2"));
    }

    #[test]
    fn an_unrelated_error_keeps_the_gate() {
        let mut gate = ResponseGate::default();
        assert!(gate.request("e1"));
        assert!(!gate.on_error(Some("other")));
        assert!(gate.busy());
    }

    #[test]
    fn server_started_responses_count() {
        let mut gate = ResponseGate::default();
        gate.on_created();
        assert!(!gate.request("e1"));
        assert!(gate.on_done());
    }

    fn audio(received_ms: u64, played_ms: Option<u64>) -> AssistantAudio {
        AssistantAudio {
            item_id: "item".into(),
            content_index: 0,
            position: PlaybackPosition {
                received_ms,
                played_ms,
                elapsed_ms: None,
            },
        }
    }

    #[test]
    fn barge_in_truncates_at_the_played_position() {
        let plan = plan_barge_in(Some(&audio(2_000, Some(700))), None, true, true);
        assert_eq!(
            plan,
            BargeInPlan {
                interrupt: true,
                truncate: Some(("item".into(), 0, 700)),
                delete: None,
                cancel: false
            }
        );
    }

    #[test]
    fn barge_in_clamps_to_received_audio() {
        let plan = plan_barge_in(Some(&audio(300, Some(5_000))), None, true, true);
        assert_eq!(plan.truncate, Some(("item".into(), 0, 300)));
    }

    #[test]
    fn barge_in_before_the_first_frame_deletes() {
        let plan = plan_barge_in(None, Some("item"), true, true);
        assert_eq!(
            plan,
            BargeInPlan {
                interrupt: true,
                truncate: None,
                delete: Some("item".into()),
                cancel: false
            }
        );
    }

    #[test]
    fn barge_in_cancels_only_without_server_auto_cancel() {
        assert!(plan_barge_in(Some(&audio(2_000, Some(700))), None, true, false).cancel);
        assert!(!plan_barge_in(Some(&audio(2_000, Some(700))), None, false, false).cancel);
    }

    #[test]
    fn speech_after_playback_finished_is_no_interruption() {
        let plan = plan_barge_in(Some(&audio(1_000, Some(1_000))), None, false, true);
        assert_eq!(plan, BargeInPlan::default());
    }
}
