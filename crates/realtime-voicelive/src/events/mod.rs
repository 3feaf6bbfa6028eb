//! Voice Live-only events: typed server events decoded from core's
//! [`ServerEvent::Unknown`], and the client events core has no variant for.

mod client;
mod payloads;

use realtime_core::error::DecodeError;
use realtime_core::protocol::{ServerEvent, decode_extension, extension_object};
use serde_json::{Map, Value};

pub use client::VoiceLiveClientEvent;
pub use payloads::{
    AnnotationAdded, AudioTimestampDelta, AvatarConnecting, AvatarSwitch, BlendshapesDelta,
    BlendshapesDone, Fields, FoundryAgentArgumentsDelta, FoundryAgentArgumentsDone,
    FoundryAgentCall, InvocationDelta, PartDone, RtcCallError, RtcCallSdpCreated, SearchCall,
    SipCall, SipCallState, SipCallTerminalReason, SipTransfer, SipTransferState, VideoDelta,
    VisemeDelta, Warning, WarningDetails,
};

/// The label of errors raised while typing Voice Live events.
const LABEL: &str = "voicelive";

macro_rules! voicelive_events {
    ( $( $(#[$doc:meta])* $variant:ident($payload:ty) = $wire:literal; )* ) => {
        /// A Voice Live-only server event (VL-25, VL-26 and VL-V1 event lists).
        ///
        /// Core decodes these as [`ServerEvent::Unknown`]; [`VoiceLiveEvent::from_unknown`]
        /// types them, and [`VoiceLiveEvent::to_raw`] gives back the same JSON object.
        ///
        /// ```
        /// use realtime_core::dialect::Dialect;
        /// use realtime_voicelive::{VoiceLiveDialect, VoiceLiveEvent};
        ///
        /// let frame = r#"{"type":"response.animation_viseme.delta","response_id":"r","item_id":"i",
        ///     "output_index":0,"content_index":0,"audio_offset_ms":455,"viseme_id":20}"#;
        /// let events = VoiceLiveDialect::default().decode(frame)?;
        /// match VoiceLiveEvent::from_unknown(&events[0]) {
        ///     Some(Ok(VoiceLiveEvent::VisemeDelta(viseme))) => assert_eq!(viseme.viseme_id, 20),
        ///     other => panic!("unexpected {other:?}"),
        /// }
        /// # Ok::<(), realtime_core::error::DecodeError>(())
        /// ```
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum VoiceLiveEvent {
            $( $(#[$doc])* $variant($payload), )*
        }

        impl VoiceLiveEvent {
            /// Every event type typed here.
            pub const EVENT_TYPES: &'static [&'static str] = &[$($wire,)*];

            /// The wire name.
            pub fn event_type(&self) -> &'static str {
                match self {
                    $( Self::$variant(_) => $wire, )*
                }
            }

            /// Types a raw event object whose `type` is `event_type`: `None` for a type
            /// that is not a Voice Live-only event, `Some(Err)` for one whose fields do
            /// not have the documented types.
            pub fn from_raw(
                event_type: &str,
                raw: &Map<String, Value>,
            ) -> Option<Result<Self, DecodeError>> {
                match event_type {
                    $( $wire => Some(decode_extension::<$payload>(LABEL, event_type, raw).map(Self::$variant)), )*
                    _ => None,
                }
            }

            /// The event as its wire object, `type` included.
            pub fn to_raw(&self) -> Map<String, Value> {
                match self {
                    $( Self::$variant(payload) => extension_object($wire, payload), )*
                }
            }
        }
    };
}

voicelive_events! {
    /// `warning`.
    Warning(Warning) = "warning";
    /// `session.avatar.connecting`.
    AvatarConnecting(AvatarConnecting) = "session.avatar.connecting";
    /// `session.avatar.switch_to_speaking`.
    AvatarSwitchToSpeaking(AvatarSwitch) = "session.avatar.switch_to_speaking";
    /// `session.avatar.switch_to_idle`.
    AvatarSwitchToIdle(AvatarSwitch) = "session.avatar.switch_to_idle";
    /// `response.video.delta`.
    VideoDelta(VideoDelta) = "response.video.delta";
    /// `response.animation_blendshapes.delta`.
    BlendshapesDelta(BlendshapesDelta) = "response.animation_blendshapes.delta";
    /// `response.animation_blendshapes.done`.
    BlendshapesDone(BlendshapesDone) = "response.animation_blendshapes.done";
    /// `response.audio_timestamp.delta`.
    AudioTimestampDelta(AudioTimestampDelta) = "response.audio_timestamp.delta";
    /// `response.audio_timestamp.done`.
    AudioTimestampDone(PartDone) = "response.audio_timestamp.done";
    /// `response.animation_viseme.delta`.
    VisemeDelta(VisemeDelta) = "response.animation_viseme.delta";
    /// `response.animation_viseme.done`.
    VisemeDone(PartDone) = "response.animation_viseme.done";
    /// `response.foundry_agent_call_arguments.delta`.
    FoundryAgentArgumentsDelta(FoundryAgentArgumentsDelta) = "response.foundry_agent_call_arguments.delta";
    /// `response.foundry_agent_call_arguments.done`.
    FoundryAgentArgumentsDone(FoundryAgentArgumentsDone) = "response.foundry_agent_call_arguments.done";
    /// `response.foundry_agent_call.in_progress`.
    FoundryAgentCallInProgress(FoundryAgentCall) = "response.foundry_agent_call.in_progress";
    /// `response.foundry_agent_call.completed`.
    FoundryAgentCallCompleted(FoundryAgentCall) = "response.foundry_agent_call.completed";
    /// `response.foundry_agent_call.failed`.
    FoundryAgentCallFailed(FoundryAgentCall) = "response.foundry_agent_call.failed";
    /// `response.web_search_call.searching`.
    WebSearchSearching(SearchCall) = "response.web_search_call.searching";
    /// `response.web_search_call.in_progress`.
    WebSearchInProgress(SearchCall) = "response.web_search_call.in_progress";
    /// `response.web_search_call.completed`.
    WebSearchCompleted(SearchCall) = "response.web_search_call.completed";
    /// `response.file_search_call.searching`.
    FileSearchSearching(SearchCall) = "response.file_search_call.searching";
    /// `response.file_search_call.in_progress`.
    FileSearchInProgress(SearchCall) = "response.file_search_call.in_progress";
    /// `response.file_search_call.completed`.
    FileSearchCompleted(SearchCall) = "response.file_search_call.completed";
    /// `response.audio_transcript.annotation.added`.
    AnnotationAdded(AnnotationAdded) = "response.audio_transcript.annotation.added";
    /// `response.invocation.delta`: a hosted agent's raw event (v1, 2026-07-15).
    InvocationDelta(InvocationDelta) = "response.invocation.delta";
    /// `rtc.call.sdp.created` (2026-06-01-preview).
    RtcCallSdpCreated(RtcCallSdpCreated) = "rtc.call.sdp.created";
    /// `rtc.call.error` (2026-06-01-preview).
    RtcCallError(RtcCallError) = "rtc.call.error";
    /// `realtime.call.incoming` (2026-07-31-preview).
    SipCallIncoming(SipCall) = "realtime.call.incoming";
    /// `realtime.call.connected` (2026-07-31-preview).
    SipCallConnected(SipCall) = "realtime.call.connected";
    /// `realtime.call.disconnected` (2026-07-31-preview).
    SipCallDisconnected(SipCall) = "realtime.call.disconnected";
    /// `realtime.call.failed` (2026-07-31-preview).
    SipCallFailed(SipCall) = "realtime.call.failed";
    /// `realtime.call.transfer.succeeded` (2026-07-31-preview).
    SipTransferSucceeded(SipTransfer) = "realtime.call.transfer.succeeded";
    /// `realtime.call.transfer.failed` (2026-07-31-preview).
    SipTransferFailed(SipTransfer) = "realtime.call.transfer.failed";
    /// `byom_credential.updated` (v1; no documented fields).
    ByomCredentialUpdated(Fields) = "byom_credential.updated";
}

impl VoiceLiveEvent {
    /// Types a core event: `None` unless it is [`ServerEvent::Unknown`] with a Voice
    /// Live-only type (anything else stays as it is), `Some(Err)` for such an event
    /// whose fields do not have the documented types.
    pub fn from_unknown(event: &ServerEvent) -> Option<Result<Self, DecodeError>> {
        match event {
            ServerEvent::Unknown { event_type, raw } => Self::from_raw(event_type, raw),
            _ => None,
        }
    }

    /// The event as core's [`ServerEvent::Unknown`] (what core decodes it to).
    pub fn into_server_event(self) -> ServerEvent {
        ServerEvent::Unknown {
            event_type: self.event_type().to_owned(),
            raw: self.to_raw(),
        }
    }
}
