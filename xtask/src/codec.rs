//! The codec under test, as seen by the conformance driver.
//!
//! The driver only talks to [`Codec`], so the checks can run against the JSON
//! stand-in ([`crate::codec_standin`]) or the real `realtime_core::wire` codecs
//! (`codec_core`, feature `core`).

use std::fmt;

use crate::dialect::Dialect;

/// An error reported by the codec under test, kept as its display text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecError(pub String);

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CodecError {}

/// A client frame the codec produced from a canonical scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// What the scenario exercises, e.g. `session.update/audio-in-server-vad`.
    pub name: String,
    /// The encoded frame, or the codec's error while encoding it.
    pub frame: Result<String, CodecError>,
}

/// The sans-IO codec the conformance checks.
pub trait Codec {
    /// The codec's decoded server event.
    type ServerEvent;
    /// The codec's decoded client event.
    type ClientEvent;

    /// A short name for the report header.
    fn name(&self) -> &str;

    /// Decodes one server frame.
    ///
    /// # Errors
    /// The codec's decode error.
    fn decode_server(
        &self,
        dialect: Dialect,
        frame: &str,
    ) -> Result<Vec<Self::ServerEvent>, CodecError>;

    /// Writes a decoded server event back as a frame of `dialect`.
    ///
    /// # Errors
    /// The codec's encode error.
    fn encode_server(
        &self,
        dialect: Dialect,
        event: &Self::ServerEvent,
    ) -> Result<String, CodecError>;

    /// Whether the event is the codec's catch-all for event types it does not model.
    fn is_unknown(&self, event: &Self::ServerEvent) -> bool;

    /// Whether the codec claims to model server events of this wire type.
    fn knows_server_type(&self, event_type: &str) -> bool;

    /// Decodes one client frame.
    ///
    /// # Errors
    /// The codec's decode error.
    fn decode_client(&self, dialect: Dialect, frame: &str)
    -> Result<Self::ClientEvent, CodecError>;

    /// Writes a client event as a frame of `dialect`.
    ///
    /// # Errors
    /// The codec's encode error.
    fn encode_client(
        &self,
        dialect: Dialect,
        event: &Self::ClientEvent,
    ) -> Result<String, CodecError>;

    /// Canonical client events encoded for `dialect`, to validate against the
    /// dialect's schema and reject list.
    fn scenario_frames(&self, dialect: Dialect) -> Vec<Scenario>;
}
