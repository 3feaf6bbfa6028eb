//! A scripted, provider-faithful emulator of the realtime services.
//!
//! [`Engine`] is the sans-IO brain: client frames in, server events out, shaped like
//! the real service of a [`Profile`] (event names, item announcements, the `error`
//! frames it sends for fields it rejects). [`Emulator`] serves it on a loopback
//! [`TestServer`](crate::TestServer), one engine per connection, every client frame recorded.

mod engine;
pub mod handshake;
mod profile;
mod rest;
mod script;
mod server;
mod service;

pub use engine::{Engine, Output, Pace};
pub use profile::{AZURE_TRANSCRIPTION_DEPLOYMENT, ItemEvents, Profile, Reject, RejectWhen};
pub use script::{Fault, Script, ScriptError, ScriptedCall, Turn};
pub use server::Emulator;
pub use service::{Service, ServiceOptions};
