//! OpenAI Realtime (GA) for the realtime workspace.
//!
//! This crate adds OpenAI to [`realtime_core`]:
//!
//! - [`OpenAiDialect`]: the `openai-ga` [`Dialect`](realtime_core::dialect::Dialect),
//!   realtime-core's GA wire shape plus OpenAI's capability tables. It refuses, before
//!   anything is sent, what OpenAI would answer with `Unknown parameter` or
//!   `invalid_request_error` (`temperature`, text and audio output together, unknown
//!   voices, 16 kHz PCM, beta-shape fields, other providers' settings), or drops it with
//!   a `tracing` warning under [`UnsupportedPolicy::Warn`](realtime_core::dialect::UnsupportedPolicy::Warn).
//! - [`OpenAiConfig`]: API key, endpoint, model, or a `call_id` to attach to a SIP or
//!   WebRTC call, or the transcription intent; [`OpenAiConfig::connect_request`] gives
//!   the handshake URL and `Authorization` header without I/O.
//! - [`ClientSecrets`]: ephemeral `ek_…` secrets for browsers and phones.
//! - [`Calls`]: accept, reject, refer and hang up SIP calls.
//! - [`WebRtcCalls`]: browser-direct WebRTC with the agent on the server: the SDP
//!   exchange, the sideband attach by `call_id`, and [`agent_session`] to mint a
//!   key holding the agent ([`ClientSecretRequest::for_agent`]).
//! - [`live`]: GPT-Live (`/v1/live/sessions`), a separate protocol with delegated
//!   reasoning and tools: the `openai-live` dialect, its extension events and connector.
//!
//! It does no WebSocket I/O of its own: realtime-core's transport does. Dialect and
//! request builders are pure functions, tested without sockets; the REST helpers are a
//! thin `reqwest` call around them.
//!
//! Provider facts come from `fixtures/openai-ga/` (the GA OpenAPI extract, S-GA,
//! and recorded sessions) and the Sources table of `docs/providers.md`; each module cites its
//! source.
//!
//! # From zero to a session
//!
//! ```no_run
//! use realtime_core::protocol::{ClientEvent, SessionConfig};
//! use realtime_openai::OpenAiConfig;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = OpenAiConfig::from_env()?.client();             // OPENAI_API_KEY, gpt-realtime
//! let mut session = client.connect().await?;                   // wss://api.openai.com/v1/realtime
//! let config = SessionConfig::new().instructions("You are a helpful desk agent.").voice("marin");
//! session.send(&ClientEvent::session_update(config)).await?;   // written in the GA dialect
//! while let Some(event) = session.next_event().await { println!("{:?}", event?); }
//! # Ok(())
//! # }
//! ```
//!
//! Without I/O, [`OpenAiConfig::connect_request`] gives the handshake URL and header
//! and [`OpenAiDialect`] the frames.
//!
//! # Ephemeral client secrets
//!
//! ```no_run
//! use realtime_core::protocol::SessionConfig;
//! use realtime_openai::{ClientSecretRequest, ClientSecrets, OpenAiConfig};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let secrets = ClientSecrets::new(OpenAiConfig::from_env()?)?;
//! let secret = secrets
//!     .create(&ClientSecretRequest::new(SessionConfig::new().model("gpt-realtime")).expires_after_seconds(600))
//!     .await?;
//! // Hand `secret.value.expose()` to the client, which connects with it as its key.
//! # let _ = secret;
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod calls;
mod capabilities;
mod client_secrets;
mod config;
mod connector;
mod dialect;
mod error;
pub mod live;
pub mod registry;
mod rest;
mod secret;
mod url;
mod webrtc;

pub use calls::Calls;
pub use capabilities::{
    AUDIO_FORMATS, REALTIME_FIELDS, TRANSCRIPTION_FIELDS, TURN_DETECTION, VOICES,
};
pub use client_secrets::{ClientSecret, ClientSecretRequest, ClientSecrets, EXPIRES_AFTER_SECONDS};
pub use config::{
    API_KEY_VAR, BASE_URL_VAR, ConnectParts, DEFAULT_BASE_URL, DEFAULT_MODEL, Intent, OpenAiConfig,
    OpenAiConfigBuilder,
};
pub use dialect::{DIALECT_NAME, OpenAiDialect, PROVIDER};
pub use error::{ConfigError, RestError};
pub use realtime_core::webrtc::{WebRtcError, WebRtcStep};
pub use registry::DIALECTS;
pub use rest::{DEFAULT_TIMEOUT, RestRequest};
pub use secret::Secret;
pub use webrtc::{SDP_TIMEOUT, SdpAnswer, SdpRequest, WebRtcCalls, agent_session};
