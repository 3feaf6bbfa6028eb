//! Provider-neutral core of the realtime workspace.
//!
//! `realtime-core` holds what every provider shares:
//!
//! - [`protocol`]: canonical, provider-neutral types ([`protocol::SessionConfig`],
//!   [`protocol::Item`], [`protocol::ClientEvent`], [`protocol::ServerEvent`], ...).
//! - [`wire`]: the two wire shapes spoken by the providers (the OpenAI GA shape and the
//!   beta shape) as pure, sans-IO codecs: no socket, no clock.
//! - [`dialect`]: the [`Dialect`](dialect::Dialect) trait a provider implements on top
//!   of a wire shape, with its capability table and the unsupported-field policy.
//! - [`agent`]: agents, tools, handoffs, guardrails, and
//!   [`AgentMachine`](agent::AgentMachine), the sans-IO state machine that makes
//!   every decision of an agent session (inputs with `now` in, actions out).
//! - `transport`: the one WebSocket implementation (tokio-tungstenite and rustls).
//! - `client`: `RealtimeClient`, a dialect plus a connector, giving a session handle
//!   with `send` and a stream of server events; and `AgentRunner`, the tokio driver
//!   of the agent machine.
//!
//! # Features
//!
//! - `runtime` (default): the transport, the client and the tokio driver. Without
//!   it (`default-features = false`) the crate is sans-IO: protocol, wire, dialects
//!   and the agent machine, with no tokio and no socket, to embed in any runtime.
//!
//! This crate never names a provider: provider crates (`realtime-openai`,
//! `realtime-azure-openai`, `realtime-voicelive`) implement [`dialect::Dialect`] and
//! [`transport::Connector`].
//!
//! # Example: decoding a frame without any I/O
//!
//! ```
//! use realtime_core::protocol::ServerEvent;
//! use realtime_core::wire::WireShape;
//!
//! let frame = r#"{"type":"response.output_audio_transcript.delta","event_id":"e1",
//!     "response_id":"r1","item_id":"i1","output_index":0,"content_index":0,"delta":"Hel"}"#;
//! let events = WireShape::Ga.decode_server(frame)?;
//! match &events[0] {
//!     ServerEvent::ResponseAudioTranscriptDelta(delta) => assert_eq!(delta.delta, "Hel"),
//!     other => panic!("unexpected {other:?}"),
//! }
//! // The same canonical event, written in the beta shape, uses the beta name.
//! let beta = WireShape::Beta.encode_server(&events[0])?;
//! assert!(beta.contains(r#""type":"response.audio_transcript.delta""#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod agent;
pub mod audio;
#[cfg(feature = "runtime")]
pub mod client;
pub mod dialect;
pub mod error;
pub mod protocol;
#[cfg(feature = "runtime")]
pub mod transport;
#[cfg(feature = "runtime")]
pub mod webrtc;
pub mod wire;

/// What the `#[tool]` attribute (`realtime-macros`) expands to refers to: serde and
/// schemars, so an app needs neither as a direct dependency for it. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use schemars;
    pub use serde;
}
