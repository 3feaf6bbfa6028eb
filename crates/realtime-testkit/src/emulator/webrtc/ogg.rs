//! The emulator's voice: Opus packets read out of an Ogg Opus file (RFC 7845), so
//! the WebRTC peer sends real speech without an encoder.
//!
//! Only what the peer needs is read: the pages of the first logical stream, their
//! packets joined across lacing values, the `OpusHead` and `OpusTags` headers
//! skipped. Bounded: at most [`MAX_PACKETS`] packets of at most [`MAX_PACKET`] bytes.

/// The committed voice: "Hello, this is the emulated assistant speaking." (see
/// `assets/README.md` for how it was made): mono, 20 ms packets.
pub(crate) const VOICE: &[u8] = include_bytes!("../../../assets/emulator-voice.opus");

/// At most this many packets are kept (about 3 minutes of 20 ms packets).
const MAX_PACKETS: usize = 10_000;
/// An Opus packet is at most 1275 bytes per frame, up to 6 frames (RFC 6716 3.2.5).
const MAX_PACKET: usize = 1275 * 6;

/// What is wrong with an Ogg Opus file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum OggError {
    /// A page does not start with `OggS` where one should.
    #[error("Ogg: expected a page (`OggS`) at byte {0}")]
    NoPage(usize),
    /// The file ends inside a page.
    #[error("Ogg: the file ends inside the page at byte {0}")]
    Truncated(usize),
    /// The first packet is not `OpusHead`.
    #[error("Ogg: expected an `OpusHead` packet first, found another")]
    NotOpus,
    /// A packet, or the file, is larger than the bounds.
    #[error("Ogg: more than {MAX_PACKETS} packets or a packet over {MAX_PACKET} bytes")]
    TooLarge,
}

/// The audio packets of an Ogg Opus file, in order (headers left out).
pub(crate) fn opus_packets(file: &[u8]) -> Result<Vec<Vec<u8>>, OggError> {
    let mut packets: Vec<Vec<u8>> = Vec::new();
    let mut partial: Vec<u8> = Vec::new();
    let mut serial = None;
    let mut at = 0;
    while at < file.len() {
        let header = file.get(at..at + 27).ok_or(OggError::Truncated(at))?;
        if &header[..4] != b"OggS" {
            return Err(OggError::NoPage(at));
        }
        let page_serial = u32::from_le_bytes([header[14], header[15], header[16], header[17]]);
        let segments = usize::from(header[26]);
        let table = file
            .get(at + 27..at + 27 + segments)
            .ok_or(OggError::Truncated(at))?;
        let body_len: usize = table.iter().map(|&lacing| usize::from(lacing)).sum();
        let body_start = at + 27 + segments;
        let body = file
            .get(body_start..body_start + body_len)
            .ok_or(OggError::Truncated(at))?;
        let ours = *serial.get_or_insert(page_serial) == page_serial;
        let mut offset = 0;
        for &lacing in table {
            let lacing = usize::from(lacing);
            if ours {
                partial.extend_from_slice(&body[offset..offset + lacing]);
                if partial.len() > MAX_PACKET {
                    return Err(OggError::TooLarge);
                }
                if lacing < 255 {
                    packets.push(std::mem::take(&mut partial));
                    if packets.len() > MAX_PACKETS + 2 {
                        return Err(OggError::TooLarge);
                    }
                }
            }
            offset += lacing;
        }
        at = body_start + body_len;
    }
    if !packets
        .first()
        .is_some_and(|head| head.starts_with(b"OpusHead"))
    {
        return Err(OggError::NotOpus);
    }
    // `OpusHead`, then `OpusTags`; the audio follows.
    Ok(packets
        .into_iter()
        .skip(2)
        .filter(|packet| !packet.is_empty())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_voice_is_about_three_seconds_of_20_ms_packets() {
        let packets = opus_packets(VOICE).expect("the committed voice parses");
        // opusinfo: playback length 3.235 s, 20 ms packets.
        assert!((150..=170).contains(&packets.len()), "{}", packets.len());
        // TOC byte (RFC 6716 3.1): every packet one frame (code 0) of 20 ms.
        let twenty_ms = packets.iter().filter(|packet| {
            let config = packet[0] >> 3;
            let one_frame = packet[0] & 0b11 == 0;
            let twenty = match config {
                0..=11 => config % 4 == 1,
                12..=15 => config % 2 == 1,
                _ => config % 4 == 3,
            };
            one_frame && twenty
        });
        assert_eq!(twenty_ms.count(), packets.len());
    }

    #[test]
    fn a_file_that_is_not_ogg_is_refused_with_where() {
        assert_eq!(
            opus_packets(b"RIFF0000WAVEfmt ......................"),
            Err(OggError::NoPage(0))
        );
        assert!(matches!(
            opus_packets(&VOICE[..100]),
            Err(OggError::Truncated(_))
        ));
    }
}
