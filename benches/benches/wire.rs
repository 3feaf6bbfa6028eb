//! Wire codecs and audio base64, on the recorded frames.
//!
//! Run with: `cargo bench -p realtime-benches --bench wire`
//!
//! - `decode/*`: every recorded server frame of a family through
//!   `WireShape::decode_server`, next to `serde_json::from_str::<Value>` of the same
//!   bytes (the practical floor). Throughput is of frame bytes; divide the time by the
//!   frame count printed on the first line to get ns per frame.
//! - `audio_delta/*`: one `response.output_audio.delta` frame of 100 ms.
//! - `append/*`: `ClientEvent::append_audio` + `WireShape::Ga.encode_client`.
//! - `base64_decode/*`: `AudioBase64::decode_into` into a reused buffer, next to the
//!   `base64` crate and a `memcpy` of the same bytes.

#![allow(missing_docs, clippy::print_stdout, clippy::print_stderr)]

use std::hint::black_box;
use std::sync::LazyLock;

use base64::Engine as _;
use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};
use realtime_benches::{FrameSet, audio_delta_frame, pcm_24k, server_frames};
use realtime_core::protocol::{AudioBase64, ClientEvent};
use realtime_core::wire::WireShape;

static GA: LazyLock<FrameSet> = LazyLock::new(|| server_frames("ga", WireShape::Ga));
static BETA: LazyLock<FrameSet> = LazyLock::new(|| server_frames("beta", WireShape::Beta));
static VOICELIVE: LazyLock<FrameSet> =
    LazyLock::new(|| server_frames("voicelive", WireShape::Beta));

fn set(name: &str) -> &'static FrameSet {
    match name {
        "ga" => &GA,
        "beta" => &BETA,
        _ => &VOICELIVE,
    }
}

fn main() {
    for name in ["ga", "beta", "voicelive"] {
        let set = set(name);
        let failed = set
            .frames
            .iter()
            .filter(|frame| set.shape.decode_server(frame).is_err())
            .count();
        println!(
            "{name}: {} server frames, {} bytes, {failed} failing to decode",
            set.frames.len(),
            set.bytes()
        );
    }
    divan::main();
}

mod decode {
    use super::*;

    const FAMILIES: [&str; 3] = ["ga", "beta", "voicelive"];

    #[divan::bench(args = FAMILIES)]
    fn typed(bencher: Bencher<'_, '_>, family: &str) {
        let set = set(family);
        bencher
            .counter(BytesCount::new(set.bytes()))
            .counter(ItemsCount::new(set.frames.len()))
            .bench(|| {
                for frame in &set.frames {
                    let _ = black_box(set.shape.decode_server(black_box(frame)));
                }
            });
    }

    #[divan::bench(args = FAMILIES)]
    fn value(bencher: Bencher<'_, '_>, family: &str) {
        let set = set(family);
        bencher
            .counter(BytesCount::new(set.bytes()))
            .counter(ItemsCount::new(set.frames.len()))
            .bench(|| {
                for frame in &set.frames {
                    let _ = black_box(serde_json::from_str::<serde_json::Value>(black_box(frame)));
                }
            });
    }
}

mod audio_delta {
    use super::*;

    static FRAME: LazyLock<String> = LazyLock::new(|| audio_delta_frame(&pcm_24k(100)));

    #[divan::bench]
    fn typed(bencher: Bencher<'_, '_>) {
        let frame: &str = &FRAME;
        bencher
            .counter(BytesCount::new(frame.len()))
            .bench(|| black_box(WireShape::Ga.decode_server(black_box(frame))));
    }

    #[divan::bench]
    fn value(bencher: Bencher<'_, '_>) {
        let frame: &str = &FRAME;
        bencher
            .counter(BytesCount::new(frame.len()))
            .bench(|| black_box(serde_json::from_str::<serde_json::Value>(black_box(frame))));
    }
}

mod append {
    use super::*;

    #[divan::bench(args = [20, 100])]
    fn encode(bencher: Bencher<'_, '_>, ms: usize) {
        let pcm = pcm_24k(ms);
        bencher.counter(BytesCount::new(pcm.len())).bench(|| {
            let event = ClientEvent::append_audio(black_box(&pcm));
            black_box(WireShape::Ga.encode_client(&event))
        });
    }

    #[divan::bench(args = [20, 100])]
    fn memcpy(bencher: Bencher<'_, '_>, ms: usize) {
        let pcm = pcm_24k(ms);
        bencher
            .counter(BytesCount::new(pcm.len()))
            .bench(|| black_box(black_box(&pcm).clone()));
    }
}

mod base64_decode {
    use super::*;

    const MS: [usize; 2] = [20, 100];

    #[divan::bench(args = MS)]
    fn audio_base64(bencher: Bencher<'_, '_>, ms: usize) {
        let pcm = pcm_24k(ms);
        let audio = AudioBase64::from_pcm(&pcm);
        let mut out = Vec::with_capacity(pcm.len());
        bencher.counter(BytesCount::new(pcm.len())).bench_local(|| {
            out.clear();
            let _ = black_box(&audio).decode_into(&mut out);
            black_box(out.len())
        });
    }

    #[divan::bench(args = MS)]
    fn base64_crate(bencher: Bencher<'_, '_>, ms: usize) {
        let pcm = pcm_24k(ms);
        let audio = AudioBase64::from_pcm(&pcm);
        let mut out = Vec::with_capacity(pcm.len());
        bencher.counter(BytesCount::new(pcm.len())).bench_local(|| {
            out.clear();
            let _ = base64::engine::general_purpose::STANDARD
                .decode_vec(black_box(audio.as_str()), &mut out);
            black_box(out.len())
        });
    }

    #[divan::bench(args = MS)]
    fn memcpy(bencher: Bencher<'_, '_>, ms: usize) {
        let pcm = pcm_24k(ms);
        let mut out = Vec::with_capacity(pcm.len());
        bencher.counter(BytesCount::new(pcm.len())).bench_local(|| {
            out.clear();
            out.extend_from_slice(black_box(&pcm));
            black_box(out.len())
        });
    }

    #[divan::bench(args = MS)]
    fn encode(bencher: Bencher<'_, '_>, ms: usize) {
        let pcm = pcm_24k(ms);
        bencher
            .counter(BytesCount::new(pcm.len()))
            .bench(|| black_box(AudioBase64::from_pcm(black_box(&pcm))));
    }
}
