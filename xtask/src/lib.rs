//! Workspace tasks. `cargo xtask conformance` runs every recorded and documented
//! frame in `fixtures/` through the wire codecs and checks that they decode, that
//! re-encoding loses nothing, and that client frames are valid for their dialect.
//!
//! The dialects checked are the provider crates' registered ones ([`registry`]).
//! Without the `core` feature the checks run against a `serde_json` stand-in codec
//! ([`codec_standin`]); with it, against the provider dialects (`codec_core`).

#![warn(missing_docs)]

#[cfg(feature = "core")]
pub mod bench;
pub mod check;
pub mod cli;
pub mod codec;
#[cfg(feature = "core")]
pub mod codec_core;
pub mod codec_standin;
pub mod conformance;
pub mod dialect;
#[cfg(feature = "core")]
pub mod fidelity;
pub mod fixtures;
#[cfg(feature = "core")]
pub mod gpt_live;
pub mod json_eq;
#[cfg(feature = "core")]
pub mod load;
pub mod registry;
pub mod report;
#[cfg(feature = "core")]
pub mod scenarios;
pub mod schema;
pub mod subcommand;
