//! G.711 μ-law and A-law conversions to and from 16-bit PCM (ITU-T G.711).

const BIAS: i32 = 0x84;
const CLIP: i32 = 32_635;

/// Encodes one PCM16 sample as μ-law.
fn ulaw_encode(sample: i16) -> u8 {
    let mut pcm = i32::from(sample);
    let sign = if pcm < 0 {
        pcm = -pcm;
        0x80
    } else {
        0
    };
    pcm = pcm.min(CLIP) + BIAS;
    let mut exponent = 7;
    let mut mask = 0x4000;
    while exponent > 0 && pcm & mask == 0 {
        exponent -= 1;
        mask >>= 1;
    }
    let mantissa = (pcm >> (exponent + 3)) & 0x0F;
    !((sign | (exponent << 4) | mantissa) as u8)
}

/// Decodes one μ-law byte to PCM16.
fn ulaw_decode(byte: u8) -> i16 {
    let byte = !byte;
    let sign = byte & 0x80;
    let exponent = i32::from((byte >> 4) & 0x07);
    let mantissa = i32::from(byte & 0x0F);
    let magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS;
    let value = if sign != 0 { -magnitude } else { magnitude };
    value as i16
}

/// Encodes one PCM16 sample as A-law.
fn alaw_encode(sample: i16) -> u8 {
    let pcm = i32::from(sample) >> 3;
    let (sign, magnitude) = if pcm >= 0 {
        (0xD5, pcm)
    } else {
        (0x55, -pcm - 1)
    };
    let magnitude = magnitude.min(0x0FFF);
    let segment = (0..8)
        .find(|&seg| magnitude <= (0x1F << seg) | ((1 << seg) - 1))
        .unwrap_or(7);
    let mantissa = if segment == 0 {
        magnitude >> 1
    } else {
        magnitude >> segment
    };
    ((segment << 4) as u8 | (mantissa & 0x0F) as u8) ^ sign
}

/// Decodes one A-law byte to PCM16.
fn alaw_decode(byte: u8) -> i16 {
    let byte = byte ^ 0x55;
    let segment = i32::from((byte & 0x70) >> 4);
    let mut value = i32::from(byte & 0x0F) << 4;
    value += 8;
    if segment != 0 {
        value += 0x100;
    }
    if segment > 1 {
        value <<= segment - 1;
    }
    (if byte & 0x80 != 0 { value } else { -value }) as i16
}

/// Converts little-endian PCM16 bytes to μ-law (one byte per sample).
pub fn pcm16_to_ulaw(pcm: &[u8]) -> Vec<u8> {
    pcm.chunks_exact(2)
        .map(|pair| ulaw_encode(i16::from_le_bytes([pair[0], pair[1]])))
        .collect()
}

/// Converts μ-law bytes to little-endian PCM16.
pub fn ulaw_to_pcm16(ulaw: &[u8]) -> Vec<u8> {
    ulaw.iter()
        .flat_map(|&byte| ulaw_decode(byte).to_le_bytes())
        .collect()
}

/// Converts little-endian PCM16 bytes to A-law (one byte per sample).
pub fn pcm16_to_alaw(pcm: &[u8]) -> Vec<u8> {
    pcm.chunks_exact(2)
        .map(|pair| alaw_encode(i16::from_le_bytes([pair[0], pair[1]])))
        .collect()
}

/// Converts A-law bytes to little-endian PCM16.
pub fn alaw_to_pcm16(alaw: &[u8]) -> Vec<u8> {
    alaw.iter()
        .flat_map(|&byte| alaw_decode(byte).to_le_bytes())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{alaw_decode, alaw_encode, ulaw_decode, ulaw_encode};

    #[test]
    fn round_trips_stay_within_quantisation_error() {
        for sample in (i16::MIN..=i16::MAX).step_by(97) {
            let tolerance = (i32::from(sample).abs() / 16).max(40);
            let u = i32::from(ulaw_decode(ulaw_encode(sample)));
            let a = i32::from(alaw_decode(alaw_encode(sample)));
            assert!(
                (u - i32::from(sample)).abs() <= tolerance,
                "ulaw {sample} -> {u}"
            );
            assert!(
                (a - i32::from(sample)).abs() <= tolerance,
                "alaw {sample} -> {a}"
            );
        }
    }

    #[test]
    fn silence_codes_are_standard() {
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(alaw_encode(0), 0xD5);
    }
}
