//! A scripted, provider-faithful emulator of the realtime services.
//!
//! [`Engine`] is the sans-IO brain: client frames in, server events out, shaped like
//! the real service of a [`Profile`] (event names, item announcements, the `error`
//! frames it sends for fields it rejects). [`Emulator`] serves it on a loopback
//! [`TestServer`](crate::TestServer), one engine per connection, every client frame recorded.
//! [`Service`] serves every dialect on one port, picked at the handshake as the
//! services pick it ([`handshake`]), with their REST endpoints beside it: the
//! `realtime-emulator` binary runs it for any SDK (`cargo run -p realtime-testkit
//! --bin realtime-emulator -- --help`). Responses stream at a [`Pace`]: audio at
//! playback rate by default, so `response.cancel` can stop one.

mod call;
mod engine;
pub mod handshake;
mod live;
mod live_server;
mod profile;
mod rest;
mod script;
mod server;
mod service;
#[cfg(feature = "webrtc")]
mod webrtc;

pub use engine::{Engine, Output, Pace};

/// A real SDP offer from Chromium (a microphone track and the `oai-events` data
/// channel; `assets/README.md` says how it was made), for tests that post an offer
/// to the `calls` endpoints: with the `webrtc` feature the emulator answers only
/// offers its peer can read.
pub const CHROMIUM_OFFER: &str = include_str!("../../assets/chromium-offer.sdp");
pub use live::LiveEngine;
pub use live_server::LiveEmulator;
pub use profile::{AZURE_TRANSCRIPTION_DEPLOYMENT, ItemEvents, Profile, Reject, RejectWhen};
pub use script::{Fault, Script, ScriptError, ScriptedCall, Turn};
pub use server::Emulator;
pub use service::{Service, ServiceOptions};
