//! Barge-in truncation is exact with no app code but the player: an agent session
//! against the provider emulator, its audio fed to a [`Player`], a simulated
//! speaker that plays 200 ms of it, then the user speaks. The session truncates the
//! assistant's item at what the speaker played, and the player stops at once.

use std::time::Duration;

use realtime_audio::{DeviceFormat, Player};
use realtime_core::agent::{Agent, AgentEvent, AgentRunner, AgentSession};
use realtime_core::client::RealtimeClient;
use realtime_core::protocol::AudioFormat;
use realtime_core::transport::{ConnectRequest, StaticConnector};
use realtime_openai::OpenAiDialect;
use realtime_testkit::emulator::{Emulator, Profile, Script};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Every wait of this test: a session that has not answered by then has hung.
const BOUND: Duration = Duration::from_secs(30);

/// Feeds session events to the player until `stop` says so; returns that event.
async fn feed_until(
    session: &mut AgentSession,
    player: &mut Player,
    stop: impl Fn(&AgentEvent) -> bool,
) -> Result<AgentEvent, Box<dyn std::error::Error>> {
    loop {
        let event = tokio::time::timeout(BOUND, session.next_event())
            .await?
            .ok_or("the session ended")?;
        player.handle(&event)?;
        if stop(&event) {
            return Ok(event);
        }
    }
}

#[tokio::test]
async fn the_speaker_position_is_where_a_barge_in_truncates() -> TestResult {
    // The answer: five 100 ms chunks of audio.
    let script = Script::new()
        .audio_chunks(5)
        .say("One, two, three, four, five, six, seven, eight, nine, ten.")
        .say("Yes?");
    let emulator = Emulator::start(Profile::openai_ga(), script).await?;
    let connector = StaticConnector::new("emulator", ConnectRequest::new(emulator.url()));
    let client = RealtimeClient::new(OpenAiDialect::new(), connector);
    let mut session = AgentRunner::new(client, Agent::new("counter"))
        .start()
        .await?;

    // A 48 kHz stereo speaker; the player reports to the session's tracker.
    let speaker = DeviceFormat::new(48_000, 2);
    let mut player = Player::new(AudioFormat::PCM16_24K, speaker, session.playback().clone())?;
    let mut output = player.output();

    session.send_text("Count to ten.").await?;
    feed_until(&mut session, &mut player, |event| {
        matches!(event, AgentEvent::ResponseDone { .. })
    })
    .await?;
    assert_eq!(player.buffered_ms(), 500);

    // The speaker's callback plays 200 ms (two 100 ms callbacks).
    let mut buffer = vec![0.0_f32; 2 * 4_800];
    let played = output.fill_f32(&mut buffer) + output.fill_f32(&mut buffer);
    assert_eq!(played, 9_600);

    // The user speaks over the rest: a second of audio is one turn to the emulator.
    session.send_audio(&vec![0x10; 48_000]).await?;
    let interrupted = feed_until(&mut session, &mut player, |event| {
        matches!(event, AgentEvent::Interrupted { .. })
    })
    .await?;
    let AgentEvent::Interrupted {
        item_id,
        audio_end_ms,
    } = interrupted
    else {
        return Err("not an interruption".into());
    };
    assert_eq!(audio_end_ms, Some(200));
    // The player stopped at once: nothing more reaches the speaker.
    assert_eq!(player.buffered_ms(), 0);
    assert_eq!(output.fill_f32(&mut buffer), 0);

    // The provider was told the same position (read once the session is closed, so
    // every frame it sent was received).
    session.close().await?;
    let truncates: Vec<serde_json::Value> = emulator
        .connections()
        .iter()
        .flat_map(|connection| connection.texts())
        .filter_map(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .filter(|frame| frame["type"] == "conversation.item.truncate")
        .collect();
    assert_eq!(truncates.len(), 1, "{truncates:?}");
    assert_eq!(truncates[0]["item_id"], item_id.as_str());
    assert_eq!(truncates[0]["audio_end_ms"], 200);
    Ok(())
}
