//! Azure AI Voice Live for the realtime workspace: the wire dialects of each API
//! version, Voice Live's own settings and events as typed values, and the connector
//! configuration (endpoint, model or agent, API key or Entra ID token).
//!
//! This crate does no network I/O of its own: dialects are pure translations, and
//! [`VoiceLiveConfig`] is the
//! [`Connector`](realtime_core::transport::Connector) that gives the transport its URL
//! and credential header.
//!
//! - [`VoiceLiveDialect`]: `2025-10-01`, `2026-04-10`, `2026-06-01-preview`,
//!   `2026-07-15` (GA, the default) and `2026-07-31-preview` (beta-style flat
//!   session) and `v1` (OpenAI GA shape), each plus the Azure extensions; what each
//!   accepts is in [`capabilities`](mod@capabilities). [`DIALECTS`] lists them for
//!   tools that iterate over every provider. Settings a version has no place for
//!   (e.g. GA `tracing` on a dated version) follow the
//!   [`UnsupportedPolicy`](realtime_core::dialect::UnsupportedPolicy).
//! - Typed settings that produce core values: [`AzureSemanticVad`],
//!   [`VoiceLiveServerVad`] and [`EndOfUtterance`] (turn detection), [`AzureVoice`]
//!   (voices), [`AzureSpeechTranscription`], [`azure_deep_noise_suppression`].
//! - Typed settings core has no slot for, as session extensions
//!   ([`extensions`]): [`EchoCancellation`], [`OutputTimestamps`], [`Animation`],
//!   [`Avatar`].
//! - [`VoiceLiveEvent`]: Voice Live-only server events (word timestamps, visemes,
//!   blendshapes, avatar, warnings, Foundry agent and search calls), typed from core's
//!   `ServerEvent::Unknown` without loss; [`VoiceLiveClientEvent`]: Voice
//!   Live-only client events.
//!
//! Every provider fact here comes from the specs copied under `fixtures/voicelive/`
//! (VL-25 = `VoiceLive-2025-10-01.condensed.json`, VL-26 =
//! `voicelive-2026-04-10.condensed.json`, VL-0715 =
//! `voicelive-2026-07-15.condensed.json`, VL-PRE = `voicelive-previews-2026.condensed.json`,
//! VL-V1 = `voicelive-v1.partial.condensed.json`), whose `SOURCE.md` names their origin.
//!
//! # Example
//!
//! ```
//! use realtime_core::dialect::Dialect;
//! use realtime_core::protocol::{AudioFormat, ClientEvent, Nullable, SessionConfig};
//! use realtime_voicelive::{
//!     ApiVersion, AzureSemanticVad, AzureVoice, EchoCancellation, EndOfUtterance, EouModel,
//!     VoiceLiveDialect, azure_deep_noise_suppression,
//! };
//!
//! let session = SessionConfig::new()
//!     .instructions("You are a helpful assistant.")
//!     .voice(AzureVoice::standard("en-US-Ava:DragonHDLatestNeural").temperature(0.8))
//!     .input_audio_format(AudioFormat::Pcm16 { rate: 16_000 })
//!     .turn_detection(
//!         AzureSemanticVad::new()
//!             .end_of_utterance(EndOfUtterance::new(EouModel::SemanticDetectionV1))
//!             .into(),
//!     )
//!     .extension(EchoCancellation::server());
//! let mut session = session;
//! session.input_audio_noise_reduction = Nullable::Value(azure_deep_noise_suppression());
//!
//! let dated = VoiceLiveDialect::new(ApiVersion::V2026_04_10);
//! let frame: serde_json::Value = serde_json::from_str(&dated.encode(&ClientEvent::session_update(session.clone()))?)?;
//! assert_eq!(frame["session"]["input_audio_sampling_rate"], 16000);
//! assert_eq!(frame["session"]["input_audio_echo_cancellation"]["type"], "server_echo_cancellation");
//!
//! let v1 = VoiceLiveDialect::new(ApiVersion::V1);
//! let frame: serde_json::Value = serde_json::from_str(&v1.encode(&ClientEvent::session_update(session))?)?;
//! assert_eq!(frame["session"]["audio"]["input"]["echo_cancellation"]["type"], "server_echo_cancellation");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod audio_wire;
pub mod capabilities;
mod connect;
mod dialect;
mod encode;
mod error;
mod events;
pub mod extensions;
mod lift;
pub mod registry;
mod response;
mod transcription;
mod turn_detection;
mod version;
mod voice;
mod wire_enum;

pub use connect::{
    LEGACY_SCOPE, REFRESH_MARGIN, SCOPE, VoiceLiveAuth, VoiceLiveConfig, VoiceLiveConfigBuilder,
    env,
};
pub use dialect::VoiceLiveDialect;
pub use error::{ConfigError, PROVIDER};
pub use events::{
    AnnotationAdded, AudioTimestampDelta, AvatarConnecting, AvatarSwitch, BlendshapesDelta,
    BlendshapesDone, Fields, FoundryAgentArgumentsDelta, FoundryAgentArgumentsDone,
    FoundryAgentCall, InvocationDelta, PartDone, RtcCallError, RtcCallSdpCreated, SearchCall,
    SipCall, SipCallState, SipCallTerminalReason, SipTransfer, SipTransferState, VideoDelta,
    VisemeDelta, VoiceLiveClientEvent, VoiceLiveEvent, Warning, WarningDetails,
};
pub use extensions::{
    Animation, AnimationOutput, Avatar, AvatarKind, EchoCancellation, OutputTimestamps,
    ReferenceSource, TimestampType,
};
pub use registry::DIALECTS;
pub use response::VoiceLiveResponse;
pub use transcription::{
    AZURE_DEEP_NOISE_SUPPRESSION, AzureSpeechTranscription, azure_deep_noise_suppression, models,
};
pub use turn_detection::{
    AzureSemanticVad, AzureSemanticVadKind, EndOfUtterance, EouModel, ThresholdLevel,
    VoiceLiveServerVad,
};
pub use version::ApiVersion;
pub use voice::{
    AzureCustomVoice, AzurePersonalVoice, AzureStandardVoice, AzureVoice, AzureVoiceOptions,
    OPENAI_VOICES_2025_10_01, OPENAI_VOICES_2026_04_10, OpenAiVoice, PersonalVoiceModel,
    RealtimeNativeVoice,
};
