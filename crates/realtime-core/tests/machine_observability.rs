//! The agent machine's metrics, driven through a scripted conversation in simulated
//! time (the span tree is in `machine_spans.rs`): the metrics events (usage per
//! response and per session, surviving a reconnect; latencies measured on the
//! virtual clock, so exact).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod scripted_conversation;

use std::time::Duration;

use scripted_conversation::run;

#[test]
fn metrics_per_response_and_per_session_survive_a_reconnect() {
    let run = run();
    let [first, second, third] = &run.metrics[..] else {
        panic!("three responses, three metrics: {:?}", run.metrics);
    };
    assert_eq!(first.response_id.as_deref(), Some("r1"));
    assert_eq!(
        (first.usage.input_tokens, first.usage.output_tokens),
        (100, 20)
    );
    assert_eq!(first.usage.cached_input_tokens, 10);
    assert_eq!(first.usage.output_audio_tokens, 15);
    assert_eq!(second.session_usage.total_tokens, 120 + 240);
    assert_eq!(
        third.session_usage.total_tokens,
        120 + 240 + 360,
        "usage survives the reconnect"
    );
    // Latencies, on the virtual clock: exact.
    assert_eq!(
        second.speech_end_to_first_audio,
        Some(Duration::from_millis(50 + 100 + 2_000 + 150))
    );
    assert_eq!(
        second.request_to_first_text,
        Some(Duration::from_millis(120))
    );
    assert_eq!(second.tools.len(), 1);
    assert_eq!(second.tools[0].tool, "weather");
    assert_eq!(second.tools[0].duration, Duration::from_millis(2_000));
    assert_eq!(first.speech_end_to_first_audio, None, "r1 had no audio");
}
