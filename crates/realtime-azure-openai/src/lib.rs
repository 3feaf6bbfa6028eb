//! Azure OpenAI Realtime for the realtime workspace: the two Azure OpenAI dialects,
//! their capability tables, and the connector.
//!
//! What this crate does **not** do: it opens no socket and reads no clock in its
//! dialects. [`AzureOpenAiDialect`] turns canonical events into frames and back,
//! [`DialectDetector`] reads decoded events, [`TokenCache`] takes the time as an
//! argument; only the [`Connector`](realtime_core::transport::Connector) impl of
//! [`AzureOpenAiConnector`] calls the Entra ID credential and the system clock. The
//! socket belongs to `realtime_core::transport`; use both through
//! `realtime_core::client::RealtimeClient::new(config.dialect(), AzureOpenAiConnector::new(config))`.
//!
//! | endpoint | URL | wire shape | dialect name |
//! |---|---|---|---|
//! | GA v1 ([`Endpoint::GaV1`], default) | `wss://R.openai.azure.com/openai/v1/realtime?model=D` | OpenAI GA | `azure-openai-ga-v1` |
//! | dated preview ([`Endpoint::Preview`]) | `wss://R.openai.azure.com/openai/realtime?api-version=V&deployment=D` | OpenAI beta | `azure-openai-preview` |
//! | GPT-Live ([`AzureLiveConnector`], [`azure_live_dialect`]) | `wss://R.openai.azure.com/openai/v1/live` ([`AzureLivePath`]) | GPT-Live (not Realtime) | `azure-openai-live` |
//!
//! ```text
//!  SessionConfig ──► capability table + policy ──► GA / beta wire shape ──► frame
//!  (canonical)       (Capabilities, reject list)    (realtime-core)
//!  frame ──► wire shape decode ──► ServerEvent ──► DialectDetector / transcription_failure
//! ```
//!
//! The failures this crate makes impossible (facts cited in the Sources table of `docs/providers.md`):
//!
//! - a preview `session.created` without `session.type` decodes like any other;
//! - GA-only fields (`session.type`, `output_modalities`, nested `audio`, `tracing`,
//!   `prompt`, `truncation`, `include`) never reach the preview endpoint, not even
//!   through passthrough `extra` fields;
//! - audio-only output is sent as `["audio","text"]` to the preview, which rejects
//!   `["audio"]`;
//! - assistant content parts are spelled `text`/`audio` on the preview;
//! - a voice change after assistant audio is known to be refused
//!   ([`AzureOpenAiDialect::voice_change_after_audio`]);
//! - a transcription `model` that is not a deployment is reported as such
//!   ([`transcription_failure`]).
//!
//! # Example
//!
//! ```
//! use realtime_azure_openai::{ApiVersion, AzureOpenAiDialect};
//! use realtime_core::dialect::{Dialect, UnsupportedPolicy};
//! use realtime_core::protocol::{ClientEvent, Modality, Nullable, SessionConfig, Tracing};
//! use realtime_core::error::EncodeError;
//!
//! let mut session = SessionConfig::new()
//!     .instructions("You are a helpful desk agent.")
//!     .output_modalities([Modality::Audio])
//!     .voice("alloy");
//! session.tracing = Nullable::Value(Tracing::Mode("auto".into()));
//! let update = ClientEvent::SessionUpdate { event_id: None, session: Box::new(session) };
//!
//! // GA v1 speaks the GA shape and takes tracing.
//! let ga = AzureOpenAiDialect::ga_v1().encode(&update)?;
//! assert!(ga.contains(r#""type":"realtime""#) && ga.contains(r#""tracing":"auto""#));
//!
//! // The preview refuses tracing by default...
//! let preview = AzureOpenAiDialect::preview(ApiVersion::V2025_04_01Preview);
//! assert!(matches!(preview.encode(&update), Err(EncodeError::Unsupported { .. })));
//!
//! // ...or drops it with a warning, and sends audio-only as audio plus text.
//! let frame = preview.with_policy(UnsupportedPolicy::Warn).encode(&update)?;
//! assert_eq!(
//!     frame,
//!     r#"{"type":"session.update","session":{"instructions":"You are a helpful desk agent.","modalities":["audio","text"],"voice":"alloy"}}"#
//! );
//! # Ok::<(), EncodeError>(())
//! ```
//!
//! # Authentication
//!
//! [`Auth::ApiKey`] sends the `api-key` header. [`Auth::Entra`] takes any
//! `azure_core::credentials::TokenCredential` (the `azure_identity` crate offers
//! `DeveloperToolsCredential`, `ManagedIdentityCredential`, `ClientSecretCredential`,
//! ...) and sends `Authorization: Bearer <token>` for scope
//! `https://ai.azure.com/.default` (GA v1) or
//! `https://cognitiveservices.azure.com/.default` (previews); tokens are cached and
//! refreshed 5 minutes before they expire.

//! # WebRTC
//!
//! For a browser on WebRTC with the agent on the server: [`EphemeralKeys`] mints a
//! key whose session is the agent's, written by the endpoint's dialect
//! ([`EphemeralKeyRequest::for_agent`]); [`WebRtcCalls`] exchanges the SDP;
//! [`SidebandConnector`] (or [`AzureOpenAiConfig::sideband_client`]) attaches the
//! agent runner to the call by `call_id` (GA v1).

#![warn(missing_docs)]

mod api_version;
mod apply;
mod capabilities;
mod config;
mod connector;
mod dialect;
mod endpoint;
mod ephemeral;
mod error;
mod live;
pub mod registry;
mod sideband;
mod token;
mod transcription;
mod webrtc;
mod webrtc_http;

pub use api_version::ApiVersion;
pub use capabilities::{
    GA_V1_REJECTED_KEYS, PREVIEW_REJECTED_KEYS, ga_v1_capabilities, preview_capabilities,
};
pub use config::{
    Auth, AzureOpenAiConfig, ENV_API_KEY, ENV_API_VERSION, ENV_DEPLOYMENT, ENV_DEPLOYMENT_FALLBACK,
    ENV_ENDPOINT,
};
pub use connector::{AzureOpenAiConnector, CONNECTOR_PROVIDER};
pub use dialect::{AzureOpenAiDialect, GA_V1_NAME, PREVIEW_NAME, PROVIDER};
pub use endpoint::{Endpoint, ResourceEndpoint};
pub use ephemeral::{
    EphemeralKey, EphemeralKeyRequest, EphemeralKeys, GA_V1_EXPIRES_AFTER_SECONDS,
};
pub use error::ConfigError;
pub use live::{
    AZURE_LIVE_CONNECTOR, AZURE_LIVE_DIALECT_NAME, AZURE_LIVE_PROVIDER, AzureLiveConnector,
    AzureLiveError, AzureLivePath, azure_live_dialect,
};
pub use realtime_core::dialect::{DialectDecision, DialectDetector, SwitchReason};
pub use realtime_core::webrtc::{WebRtcError, WebRtcStep};
pub use registry::DIALECTS;
pub use sideband::SidebandConnector;
pub use token::{GA_V1_SCOPE, PREVIEW_SCOPE, TokenCache};
pub use transcription::{DEPLOYMENT_NOT_FOUND, TranscriptionFailure, transcription_failure};
pub use webrtc::{PreviewRtcHost, SdpAnswer, WebRtcCalls};
pub use webrtc_http::{WEBRTC_TIMEOUT, WebRtcRequest};
