//! Twilio Media Streams messages, as Twilio documents them in "Media Streams -
//! WebSocket Messages": <https://www.twilio.com/docs/voice/media-streams/websocket-messages>.
//!
//! From Twilio: `connected` (first), `start` (stream and call metadata, media format
//! `audio/x-mulaw` at 8000 Hz mono), `media` (base64 μ-law, 20 ms per message on the
//! `inbound` track), `mark` (a mark this server sent, echoed once the audio queued
//! before it has played, or when a `clear` dropped it), `dtmf`, `stop` (last).
//!
//! To Twilio, on a bidirectional stream (`<Connect><Stream>`): `media` (base64
//! μ-law 8 kHz), `mark` (a label after some media), `clear` (drop the queued audio:
//! the caller spoke over the agent).
//!
//! Tolerant reader: unknown fields are ignored, unknown events kept as `Other`.
//! Strict writer: exactly the documented fields.

use realtime::protocol::AudioBase64;
use serde::Deserialize;
use serde_json::{Value, json};

/// A message from Twilio.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub(crate) enum Inbound {
    /// The WebSocket is up; the protocol follows.
    Connected {
        /// `Call`.
        #[serde(default)]
        protocol: Option<String>,
        /// `1.0.0`.
        #[serde(default)]
        version: Option<String>,
    },
    /// The stream started.
    Start {
        /// The stream, named in every message sent back.
        #[serde(rename = "streamSid")]
        stream_sid: String,
        /// Its metadata.
        start: StartInfo,
    },
    /// Caller audio.
    Media {
        /// The audio.
        media: Media,
    },
    /// A mark this server sent: the audio queued before it has played (or was cleared).
    Mark {
        /// The mark.
        mark: Mark,
    },
    /// The stream ended (the call hung up, or the stream was stopped).
    Stop,
    /// Anything else (`dtmf`, future events).
    #[serde(other)]
    Other,
}

/// The metadata of `start`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StartInfo {
    /// The call.
    #[serde(default)]
    pub(crate) call_sid: Option<String>,
    /// The encoding of the audio to come.
    #[serde(default)]
    pub(crate) media_format: Option<MediaFormat>,
}

/// `start.mediaFormat`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MediaFormat {
    /// `audio/x-mulaw`.
    pub(crate) encoding: String,
    /// `8000`.
    pub(crate) sample_rate: u32,
    /// `1`.
    #[serde(default)]
    pub(crate) channels: Option<u32>,
}

impl MediaFormat {
    /// Whether this is the format Twilio documents: μ-law, 8 kHz, mono.
    pub(crate) fn is_mulaw_8k(&self) -> bool {
        self.encoding.eq_ignore_ascii_case("audio/x-mulaw")
            && self.sample_rate == 8_000
            && self.channels.unwrap_or(1) == 1
    }
}

/// `media` from Twilio.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Media {
    /// `inbound` (the caller) or `outbound`.
    #[serde(default)]
    pub(crate) track: Option<String>,
    /// Base64 μ-law, 8 kHz mono.
    pub(crate) payload: AudioBase64,
}

/// `mark` from Twilio.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Mark {
    /// The name this server gave it.
    pub(crate) name: String,
}

/// `media` to Twilio: μ-law 8 kHz bytes to play to the caller.
pub(crate) fn media(stream_sid: &str, ulaw: &[u8]) -> Value {
    json!({
        "event": "media",
        "streamSid": stream_sid,
        "media": { "payload": AudioBase64::from_pcm(ulaw).as_str() },
    })
}

/// `mark` to Twilio: echoed back once the audio sent before it has played.
pub(crate) fn mark(stream_sid: &str, name: &str) -> Value {
    json!({
        "event": "mark",
        "streamSid": stream_sid,
        "mark": { "name": name },
    })
}

/// `clear` to Twilio: drop the audio queued for the caller (barge-in).
pub(crate) fn clear(stream_sid: &str) -> Value {
    json!({ "event": "clear", "streamSid": stream_sid })
}

/// The name of the mark sent after `item_id`'s audio up to `end_ms`.
pub(crate) fn mark_name(item_id: &str, end_ms: u64) -> String {
    format!("{item_id}@{end_ms}")
}

/// The item and position a mark name carries, if this server made it.
pub(crate) fn parse_mark_name(name: &str) -> Option<(&str, u64)> {
    let (item_id, ms) = name.rsplit_once('@')?;
    Some((item_id, ms.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_messages_parse() -> Result<(), serde_json::Error> {
        let start: Inbound = serde_json::from_str(
            r#"{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","streamSid":"MZ1",
            "callSid":"CA1","tracks":["inbound"],"customParameters":{},
            "mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}},"streamSid":"MZ1"}"#,
        )?;
        let Inbound::Start { stream_sid, start } = start else {
            panic!("not a start");
        };
        assert_eq!(stream_sid, "MZ1");
        assert!(start.media_format.is_some_and(|f| f.is_mulaw_8k()));
        let dtmf: Inbound = serde_json::from_str(r#"{"event":"dtmf","dtmf":{"digit":"1"}}"#)?;
        assert!(matches!(dtmf, Inbound::Other));
        assert_eq!(
            parse_mark_name(&mark_name("item@1", 240)),
            Some(("item@1", 240))
        );
        Ok(())
    }
}
