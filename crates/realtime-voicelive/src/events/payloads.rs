//! Payloads of the Voice Live-only server events.
//!
//! Field lists from VL-25 `server_events`, VL-26 `server_events` / `warning_event`
//! and the documented examples in `voicelive/examples.jsonl`. Fields the examples
//! sometimes omit (the indexes of `*.done` events, e.g.) are optional; every payload
//! keeps fields it does not model in `extra`, so re-encoding gives back the frame.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::extensions::TimestampType;

macro_rules! payload {
    (
        $(#[$meta:meta])*
        pub struct $name:ident { $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty, )* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[non_exhaustive]
        pub struct $name {
            /// The server's event id.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub event_id: Option<String>,
            $( $(#[$fmeta])* pub $field: $ty, )*
            /// Fields this crate does not model.
            #[serde(flatten)]
            pub extra: Map<String, Value>,
        }
    };
}

/// The body of a `warning` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WarningDetails {
    /// What happened.
    pub message: String,
    /// A machine-readable code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The parameter concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

payload! {
    /// `warning`: a non-fatal problem (VL-26, v1).
    pub struct Warning {
        /// The warning.
        pub warning: WarningDetails,
    }
}

payload! {
    /// `session.avatar.connecting`: the server's SDP answer.
    pub struct AvatarConnecting {
        /// The server's SDP.
        pub server_sdp: String,
    }
}

payload! {
    /// `session.avatar.switch_to_speaking` / `switch_to_idle`.
    pub struct AvatarSwitch {
        /// The turn.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub turn_id: Option<String>,
    }
}

payload! {
    /// `response.video.delta`: avatar video over WebSocket.
    pub struct VideoDelta {
        /// The output item index.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub output_index: Option<u32>,
        /// The codec, e.g. `h264`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub codec: Option<String>,
        /// Base64 video data.
        pub delta: String,
    }
}

payload! {
    /// `response.animation_blendshapes.delta`.
    pub struct BlendshapesDelta {
        /// The response.
        pub response_id: String,
        /// The item.
        pub item_id: String,
        /// The output item index.
        pub output_index: u32,
        /// The content part index.
        pub content_index: u32,
        /// Blendshape frames (untyped in the spec).
        pub frames: Value,
        /// Index of the first frame.
        pub frame_index: u32,
    }
}

payload! {
    /// `response.animation_blendshapes.done`.
    pub struct BlendshapesDone {
        /// The response.
        pub response_id: String,
        /// The item.
        pub item_id: String,
        /// The output item index.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub output_index: Option<u32>,
    }
}

payload! {
    /// `response.audio_timestamp.delta`: when a word is spoken in the output audio.
    pub struct AudioTimestampDelta {
        /// The response.
        pub response_id: String,
        /// The item.
        pub item_id: String,
        /// The output item index.
        pub output_index: u32,
        /// The content part index.
        pub content_index: u32,
        /// Start of the word in the output audio, in ms.
        pub audio_offset_ms: u64,
        /// Duration of the word, in ms.
        pub audio_duration_ms: u64,
        /// The word.
        pub text: String,
        /// The granularity (`word`).
        pub timestamp_type: TimestampType,
    }
}

payload! {
    /// `response.audio_timestamp.done` and `response.animation_viseme.done`.
    pub struct PartDone {
        /// The response.
        pub response_id: String,
        /// The item.
        pub item_id: String,
        /// The output item index (documentation examples omit it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub output_index: Option<u32>,
        /// The content part index (documentation examples omit it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub content_index: Option<u32>,
    }
}

payload! {
    /// `response.animation_viseme.delta`.
    pub struct VisemeDelta {
        /// The response.
        pub response_id: String,
        /// The item.
        pub item_id: String,
        /// The output item index.
        pub output_index: u32,
        /// The content part index.
        pub content_index: u32,
        /// When the viseme starts in the output audio, in ms.
        pub audio_offset_ms: u64,
        /// The viseme id.
        pub viseme_id: u32,
    }
}

payload! {
    /// `response.foundry_agent_call_arguments.delta`.
    pub struct FoundryAgentArgumentsDelta {
        /// The response.
        pub response_id: String,
        /// The item.
        pub item_id: String,
        /// The output item index.
        pub output_index: u32,
        /// The arguments so far.
        pub delta: String,
    }
}

payload! {
    /// `response.foundry_agent_call_arguments.done`.
    pub struct FoundryAgentArgumentsDone {
        /// The response.
        pub response_id: String,
        /// The item.
        pub item_id: String,
        /// The output item index.
        pub output_index: u32,
        /// The complete arguments.
        pub arguments: String,
    }
}

payload! {
    /// `response.foundry_agent_call.in_progress` / `.completed` / `.failed`.
    pub struct FoundryAgentCall {
        /// The item.
        pub item_id: String,
        /// The output item index.
        pub output_index: u32,
        /// The agent's response id (on `completed`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub agent_response_id: Option<String>,
    }
}

payload! {
    /// `response.web_search_call.*` and `response.file_search_call.*`.
    pub struct SearchCall {
        /// The response.
        pub response_id: String,
        /// The item.
        pub item_id: String,
        /// The output item index.
        pub output_index: u32,
        /// Event sequence number.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub sequence_number: Option<u64>,
    }
}

payload! {
    /// `response.audio_transcript.annotation.added`.
    pub struct AnnotationAdded {
        /// The response.
        pub response_id: String,
        /// The item.
        pub item_id: String,
        /// The output item index.
        pub output_index: u32,
        /// The content part index.
        pub content_index: u32,
        /// The annotation's index.
        pub annotation_index: u32,
        /// The annotation (untyped in the docs).
        pub annotation: Value,
    }
}

payload! {
    /// `response.invocation.delta`: a hosted agent's raw event (v1).
    pub struct InvocationDelta {
        /// The passed-through event.
        pub delta: Value,
    }
}

payload! {
    /// An event with no documented fields (`byom_credential.updated`, v1).
    pub struct Fields {}
}

payload! {
    /// `rtc.call.sdp.created`: the server's SDP answer to `rtc.call.sdp.create`
    /// (2026-06-01-preview, VL-PRE).
    pub struct RtcCallSdpCreated {
        /// The WebRTC call.
        pub rtc_call_id: String,
        /// The server's SDP answer.
        pub sdp_answer: String,
    }
}

payload! {
    /// `rtc.call.error`: a WebRTC call could not be set up (2026-06-01-preview, VL-PRE).
    pub struct RtcCallError {
        /// The operation that failed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub operation: Option<String>,
        /// The WebRTC call.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub rtc_call_id: Option<String>,
        /// `{type, code?, message}`.
        pub error: Value,
    }
}

crate::wire_enum::wire_enum! {
    /// The state of a SIP call (VL-PRE `SipCallState`, 2026-07-31-preview).
    pub enum SipCallState {
        /// `WaitingForCustomer`.
        WaitingForCustomer = "WaitingForCustomer",
        /// `Accepting`.
        Accepting = "Accepting",
        /// `Accepted`.
        Accepted = "Accepted",
        /// `Connected`.
        Connected = "Connected",
        /// `Rejecting`.
        Rejecting = "Rejecting",
        /// `Transferring`.
        Transferring = "Transferring",
        /// `Terminating`.
        Terminating = "Terminating",
        /// `Disconnected`.
        Disconnected = "Disconnected",
        /// `Failed`.
        Failed = "Failed",
        /// `Expired`.
        Expired = "Expired",
    }
}

crate::wire_enum::wire_enum! {
    /// Why a SIP call ended (VL-PRE `SipCallTerminalReason`).
    pub enum SipCallTerminalReason {
        /// `Rejected`.
        Rejected = "Rejected",
        /// `CustomerHangup`.
        CustomerHangup = "CustomerHangup",
        /// `SipProxyTerminate`.
        SipProxyTerminate = "SipProxyTerminate",
        /// `DecisionTimeout`.
        DecisionTimeout = "DecisionTimeout",
        /// `SetupFailure`.
        SetupFailure = "SetupFailure",
        /// `TransferSucceeded`.
        TransferSucceeded = "TransferSucceeded",
        /// `RuntimeError`.
        RuntimeError = "RuntimeError",
    }
}

crate::wire_enum::wire_enum! {
    /// The state of a SIP transfer (VL-PRE `SipTransferState`).
    pub enum SipTransferState {
        /// `trying`.
        Trying = "trying",
        /// `succeeded`.
        Succeeded = "succeeded",
        /// `failed`.
        Failed = "failed",
    }
}

payload! {
    /// `realtime.call.incoming|connected|disconnected|failed`: SIP call lifecycle
    /// (2026-07-31-preview, VL-PRE; the `connected` body was not read and is assumed
    /// to match its siblings).
    pub struct SipCall {
        /// The call.
        pub call_id: String,
        /// The SIP chain id, for routing and correlation.
        pub chain_id: String,
        /// The call's state.
        pub state: SipCallState,
        /// Why the call ended, when it has.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub terminal_reason: Option<SipCallTerminalReason>,
        /// The error code, when it failed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub error_code: Option<String>,
    }
}

payload! {
    /// `realtime.call.transfer.succeeded|failed` (2026-07-31-preview, VL-PRE).
    pub struct SipTransfer {
        /// The call.
        pub call_id: String,
        /// The transfer.
        pub transfer_id: String,
        /// The transfer's state.
        pub state: SipTransferState,
        /// The SIP status code.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub sip_code: Option<i32>,
        /// The SIP reason phrase.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub reason: Option<String>,
    }
}
