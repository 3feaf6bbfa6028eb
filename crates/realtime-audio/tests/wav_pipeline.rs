//! The audio pipeline end to end on WAV files (CI has no sound card): a 48 kHz
//! stereo recording through the capture pipeline to the session's 24 kHz mono pcm16,
//! and that audio back through the player to a 48 kHz stereo "speaker" file, with the
//! played positions the session's tracker receives.

use std::path::{Path, PathBuf};

use realtime_audio::convert::{i16_to_f32, pcm16_to_f32};
use realtime_audio::{CapturePipeline, DeviceFormat, Player};
use realtime_core::agent::AgentEvent;
use realtime_core::audio::PlaybackTracker;
use realtime_core::protocol::AudioFormat;

type TestResult = Result<(), Box<dyn std::error::Error>>;

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> std::io::Result<Self> {
        let path =
            std::env::temp_dir().join(format!("realtime-audio-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(Self(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn rms(samples: &[f32]) -> f32 {
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len().max(1) as f32).sqrt()
}

/// One second of a 440 Hz tone at 0.5 on the left, 0.25 on the right.
fn write_stereo_48k(path: &Path) -> TestResult {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec)?;
    for n in 0..48_000 {
        let tone = (2.0 * std::f32::consts::PI * 440.0 * n as f32 / 48_000.0).sin();
        writer.write_sample((tone * 0.5 * 32_767.0) as i16)?;
        writer.write_sample((tone * 0.25 * 32_767.0) as i16)?;
    }
    writer.finalize()?;
    Ok(())
}

#[test]
fn a_48k_stereo_wav_becomes_24k_mono_pcm16_of_the_same_length_and_energy() -> TestResult {
    let dir = TempDir::new("capture")?;
    let input = dir.0.join("in.wav");
    write_stereo_48k(&input)?;

    let mut reader = hound::WavReader::open(&input)?;
    let spec = reader.spec();
    let samples: Vec<i16> = reader.samples::<i16>().collect::<Result<_, _>>()?;
    let mut pipeline = CapturePipeline::new(
        DeviceFormat::new(spec.sample_rate, spec.channels),
        AudioFormat::PCM16_24K,
    )?;
    // As a device delivers it: 10 ms callbacks (and one odd split mid-frame).
    let mut pcm = Vec::new();
    let (head, rest) = samples.split_at(961);
    pcm.extend(pipeline.push_i16(head)?);
    for callback in rest.chunks(960) {
        pcm.extend(pipeline.push_i16(callback)?);
    }
    pcm.extend(pipeline.finish()?);

    // Written out as the session would hear it, and read back.
    let output = dir.0.join("out.wav");
    let mut writer = hound::WavWriter::create(
        &output,
        hound::WavSpec {
            channels: 1,
            sample_rate: 24_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        },
    )?;
    for pair in pcm.chunks_exact(2) {
        writer.write_sample(i16::from_le_bytes([pair[0], pair[1]]))?;
    }
    writer.finalize()?;
    let mut reader = hound::WavReader::open(&output)?;
    assert_eq!(reader.spec().sample_rate, 24_000);
    let heard: Vec<f32> = reader
        .samples::<i16>()
        .map(|s| s.map(i16_to_f32))
        .collect::<Result<_, _>>()?;

    assert_eq!(heard.len(), 24_000, "one second at 24 kHz");
    // The mix of 0.5 and 0.25 is a 0.375 tone: RMS 0.375 / √2.
    let expected = 0.375 / std::f32::consts::SQRT_2;
    let measured = rms(&heard[240..23_760]);
    assert!(
        (measured - expected).abs() < 0.01,
        "RMS {measured}, expected {expected}"
    );
    Ok(())
}

#[test]
fn the_player_reports_what_the_speaker_consumed_and_stops_on_interrupted() -> TestResult {
    let dir = TempDir::new("player")?;
    let input = dir.0.join("in.wav");
    write_stereo_48k(&input)?;
    // The assistant's audio: the recording as the session's 24 kHz pcm16.
    let mut reader = hound::WavReader::open(&input)?;
    let samples: Vec<i16> = reader.samples::<i16>().collect::<Result<_, _>>()?;
    let mut capture = CapturePipeline::new(DeviceFormat::new(48_000, 2), AudioFormat::PCM16_24K)?;
    let mut assistant = capture.push_i16(&samples)?;
    assistant.extend(capture.finish()?);

    let tracker = PlaybackTracker::new(AudioFormat::PCM16_24K);
    let speaker = DeviceFormat::new(48_000, 2);
    let mut player = Player::new(AudioFormat::PCM16_24K, speaker, tracker.clone())?;
    let mut output = player.output();
    // The provider sends 100 ms deltas faster than real time.
    for delta in assistant.chunks(4_800) {
        tracker.received("item_1", delta.len() as u64);
        player.handle(&AgentEvent::Audio {
            item_id: "item_1".into(),
            audio: delta.to_vec(),
        })?;
    }
    player.handle(&AgentEvent::ResponseDone { response_id: None })?;
    assert_eq!(player.buffered_ms(), 1_000);

    // The speaker's callback takes 20 ms (960 frames) at a time, 30 times: 600 ms.
    let mut written = hound::WavWriter::create(
        dir.0.join("speaker.wav"),
        hound::WavSpec {
            channels: 2,
            sample_rate: 48_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        },
    )?;
    let mut consumed = 0_u64;
    let mut buffer = vec![0_i16; 960 * 2];
    for _ in 0..30 {
        consumed += output.fill_i16(&mut buffer) as u64;
        for sample in &buffer {
            written.write_sample(*sample)?;
        }
        assert_eq!(
            tracker.position("item_1").played_ms,
            Some(consumed * 1000 / 48_000)
        );
    }
    written.finalize()?;
    assert_eq!(consumed, 28_800);
    assert_eq!(tracker.position("item_1").truncate_at(), 600);

    // What the speaker played is the assistant's audio at 48 kHz on both channels.
    let mut played = hound::WavReader::open(dir.0.join("speaker.wav"))?;
    let frames: Vec<i16> = played.samples::<i16>().collect::<Result<_, _>>()?;
    assert_eq!(frames.len(), 28_800 * 2);
    let left: Vec<f32> = frames.iter().step_by(2).map(|&s| i16_to_f32(s)).collect();
    let reference = rms(&pcm16_to_f32(&assistant[480..28_800]));
    assert!((rms(&left[960..]) - reference).abs() < 0.01);

    // Barge-in: the session says stop; nothing more is played or reported.
    player.handle(&AgentEvent::Interrupted {
        item_id: "item_1".into(),
        audio_end_ms: Some(600),
    })?;
    assert_eq!(player.buffered_ms(), 0);
    assert_eq!(output.fill_i16(&mut buffer), 0);
    assert!(buffer.iter().all(|&s| s == 0));
    assert_eq!(tracker.position("item_1").played_ms, Some(600));
    Ok(())
}
