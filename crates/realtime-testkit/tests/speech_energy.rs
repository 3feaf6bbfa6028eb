//! An emulator profile with a speech threshold hears speech, not silence: the
//! browser test's guard against a microphone that delivers nothing.

#![allow(clippy::unwrap_used)]

use realtime_core::protocol::{AudioBase64, ServerEvent};
use realtime_testkit::emulator::{Engine, Profile, Script};

fn append(engine: &mut Engine, pcm: &[u8]) -> Vec<ServerEvent> {
    let frame = serde_json::json!({
        "type": "input_audio_buffer.append",
        "audio": AudioBase64::from_pcm(pcm).as_str(),
    });
    engine.on_frame(&frame.to_string())
}

/// One second of 24 kHz pcm16, 20 ms at a time: a 440 Hz tone at `amplitude`.
fn second_of(amplitude: f64) -> Vec<Vec<u8>> {
    (0..50)
        .map(|chunk| {
            (0..480)
                .flat_map(|n| {
                    let t = f64::from(chunk * 480 + n) / 24_000.0;
                    #[allow(clippy::cast_possible_truncation)]
                    let sample =
                        (amplitude * (2.0 * std::f64::consts::PI * 440.0 * t).sin()) as i16;
                    sample.to_le_bytes()
                })
                .collect()
        })
        .collect()
}

fn speech_started(events: &[ServerEvent]) -> bool {
    events
        .iter()
        .any(|event| matches!(event, ServerEvent::SpeechStarted(_)))
}

#[test]
fn silence_makes_no_turn_and_speech_does() {
    let mut profile = Profile::openai_ga();
    profile.speech_rms_threshold = Some(300);
    let mut engine = Engine::new(profile, Script::new().user_says("hello").say("Hi."));
    let _ = engine.open();
    let mut heard = false;
    for _ in 0..3 {
        for chunk in second_of(0.0) {
            heard |= speech_started(&append(&mut engine, &chunk));
        }
    }
    assert!(!heard, "three seconds of silence are no turn");
    for chunk in second_of(8_000.0) {
        heard |= speech_started(&append(&mut engine, &chunk));
    }
    assert!(heard, "a second of audible audio is a turn");
}

#[test]
fn without_a_threshold_every_byte_counts() {
    let mut engine = Engine::new(
        Profile::openai_ga(),
        Script::new().user_says("hello").say("Hi."),
    );
    let _ = engine.open();
    let mut heard = false;
    for chunk in second_of(0.0) {
        heard |= speech_started(&append(&mut engine, &chunk));
    }
    assert!(heard, "the tests' zeros still speak");
}
