//! One agent API for realtime voice agents on OpenAI Realtime, Azure OpenAI Realtime
//! and Azure AI Voice Live.
//!
//! This facade re-exports [`realtime_core`] (protocol, dialects, transport, client,
//! agent loop) and, behind features, each provider crate. Write the agent once; switch
//! provider by changing the client.
//!
//! # Feature flags
//!
//! | feature | enables | default |
//! |---|---|---|
//! | `openai` | `realtime::openai`: OpenAI Realtime GA (`realtime-openai`) | yes |
//! | `azure-openai` | `realtime::azure_openai`: Azure OpenAI Realtime, preview and GA v1 (`realtime-azure-openai`) | no |
//! | `voicelive` | `realtime::voicelive`: Azure AI Voice Live, dated versions and v1 (`realtime-voicelive`) | no |
//! | `full` | every provider | no |
//! | `macros` | [`tool`]: the `#[tool]` attribute, an agent tool from an `async fn` (`realtime-macros`) | yes |
//! | `audio-io` | `realtime::audio_io`: resampling (rubato), sample format conversion, a capture pipeline, a player that reports what was heard to the playback tracker (`realtime-audio`) | no |
//! | `audio-devices` | `audio-io` plus the default microphone and speaker through cpal (`libasound2-dev` on Linux) | no |
//! | `otel` | `realtime::otel`: the agent's spans exported through OpenTelemetry (any exporter, or OTLP over HTTP) | no |
//!
//! Applications enable the providers they talk to. Libraries built on this crate
//! should depend on `realtime-core` (or this crate with `default-features = false`)
//! and leave the choice of provider to the application.
//!
//! # Example
//!
//! ```no_run
//! # #[cfg(feature = "openai")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use realtime::agent::{Agent, AgentEvent, AgentRunner};
//! use realtime::openai::OpenAiConfig;
//!
//! let desk = Agent::new("desk").instructions("You are a friendly help desk.");
//! let mut session = AgentRunner::new(OpenAiConfig::from_env()?.client(), desk).start().await?;
//! session.send_text("Hello!").await?;
//! while let Some(event) = session.next_event().await {
//!     if let AgentEvent::Transcript { text, .. } = event {
//!         println!("{text}");
//!     }
//! }
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

pub use realtime_core::{agent, audio, client, dialect, error, protocol, transport, wire};

/// What `#[tool]` expands to refers to (serde and schemars); not a public API.
#[doc(hidden)]
pub use realtime_core::__private;

#[cfg(feature = "macros")]
#[doc = include_str!("tool_macro.md")]
pub use realtime_macros::tool;

/// OpenAI Realtime (GA): see [`realtime_openai`].
#[cfg(feature = "openai")]
pub use realtime_openai as openai;

/// Azure OpenAI Realtime (preview and GA v1): see [`realtime_azure_openai`].
#[cfg(feature = "azure-openai")]
pub use realtime_azure_openai as azure_openai;

/// Azure AI Voice Live (dated versions and v1): see [`realtime_voicelive`].
#[cfg(feature = "voicelive")]
pub use realtime_voicelive as voicelive;

/// Library audio I/O (resampling, format conversion, capture and playback): see
/// [`realtime_audio`].
#[cfg(feature = "audio-io")]
pub use realtime_audio as audio_io;

#[cfg(feature = "otel")]
pub mod otel;

pub mod registry;
