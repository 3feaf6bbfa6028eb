//! The client side of the load test: agent sessions streaming audio.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use realtime_core::agent::{Agent, AgentEvent, AgentRunner, AgentSession, AgentTool, ToolError};
use realtime_core::client::RealtimeClient;
use realtime_core::dialect::GenericDialect;
use realtime_core::protocol::ServerEvent;
use realtime_core::transport::{ConnectRequest, StaticConnector};
use realtime_core::wire::WireShape;
use tokio::time::{Instant, MissedTickBehavior};

use super::stats::{Histogram, now_ns, parse_stamp};

/// Counters and histograms shared by every session.
#[derive(Debug)]
pub(crate) struct ClientStats {
    pub(crate) frames_sent: AtomicU64,
    pub(crate) events: AtomicU64,
    pub(crate) audio_bytes: AtomicU64,
    pub(crate) errors: AtomicU64,
    pub(crate) tool_calls: AtomicU64,
    pub(crate) interruptions: AtomicU64,
    /// Every server event: emulator write → its last `AgentEvent` (`Raw`) delivered.
    pub(crate) event_latency: Histogram,
    /// Audio deltas only.
    pub(crate) audio_latency: Histogram,
    /// `speech_started` written by the emulator → `AgentEvent::Interrupted` delivered.
    pub(crate) barge_in: Histogram,
    pub(crate) first_error: std::sync::Mutex<Option<String>>,
}

impl ClientStats {
    pub(crate) fn new() -> Self {
        Self {
            frames_sent: AtomicU64::new(0),
            events: AtomicU64::new(0),
            audio_bytes: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            tool_calls: AtomicU64::new(0),
            interruptions: AtomicU64::new(0),
            event_latency: Histogram::new(),
            audio_latency: Histogram::new(),
            barge_in: Histogram::new(),
            first_error: std::sync::Mutex::new(None),
        }
    }

    fn error(&self, message: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut first = self
            .first_error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        first.get_or_insert(message);
    }
}

/// Connects one agent session to the emulator at `url` and waits for `session.created`.
pub(crate) async fn connect(url: &str, shape: WireShape) -> Result<AgentSession, String> {
    let connector = StaticConnector::new("emulator", ConnectRequest::new(url));
    let client = RealtimeClient::new(GenericDialect::new(shape), connector);
    let tool = AgentTool::new(
        "lookup_order",
        "Looks an order up.",
        |_args: serde_json::Value, _context| async move {
            Ok::<_, ToolError>(serde_json::json!({"status": "shipped"}))
        },
    );
    let agent = Agent::new("load")
        .instructions("Answer briefly.")
        .tool(tool);
    let mut session = AgentRunner::new(client, agent)
        .raw_events(true)
        .start()
        .await
        .map_err(|error| error.to_string())?;
    let created = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(event) = session.next_event().await {
            if let AgentEvent::Raw(event) = &event
                && matches!(**event, ServerEvent::SessionCreated(_))
            {
                return true;
            }
        }
        false
    })
    .await;
    match created {
        Ok(true) => Ok(session),
        Ok(false) => Err("the session ended before session.created".to_owned()),
        Err(_) => Err("no session.created within 30 s".to_owned()),
    }
}

/// Streams 20 ms frames of 24 kHz pcm16 in real time from `start` until `until`,
/// handling events all along.
pub(crate) async fn stream(
    mut session: AgentSession,
    start: Instant,
    until: Instant,
    stats: Arc<ClientStats>,
) {
    let frame = vec![0x10u8; 960];
    let mut tick = tokio::time::interval_at(start, Duration::from_millis(20));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut interrupted_at: Option<u64> = None;
    // Events written before streaming began waited in the queue while the run set up.
    let since_ns = now_ns();
    let deadline = tokio::time::sleep_until(until);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            () = &mut deadline => break,
            _ = tick.tick() => {
                if let Err(error) = session.send_audio(&frame).await {
                    stats.error(format!("send_audio: {error}"));
                    break;
                }
                stats.frames_sent.fetch_add(1, Ordering::Relaxed);
            }
            event = session.next_event() => match event {
                None => {
                    stats.error("the session ended early".to_owned());
                    break;
                }
                Some(event) => on_event(since_ns, event, &stats, &mut interrupted_at),
            },
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), session.close()).await;
}

fn on_event(
    since_ns: u64,
    event: AgentEvent,
    stats: &ClientStats,
    interrupted_at: &mut Option<u64>,
) {
    match event {
        // The app reports no playback: the tracker estimates it from arrival times.
        AgentEvent::Audio { audio, .. } => {
            stats
                .audio_bytes
                .fetch_add(audio.len() as u64, Ordering::Relaxed);
        }
        AgentEvent::Interrupted { .. } => {
            stats.interruptions.fetch_add(1, Ordering::Relaxed);
            interrupted_at.get_or_insert(now_ns());
        }
        AgentEvent::ToolFinished { .. } => {
            stats.tool_calls.fetch_add(1, Ordering::Relaxed);
        }
        AgentEvent::Error(error) => stats.error(error.to_string()),
        AgentEvent::Raw(event) => {
            let now = now_ns();
            stats.events.fetch_add(1, Ordering::Relaxed);
            let Some(sent) = event.event_id().and_then(parse_stamp) else {
                return;
            };
            if sent < since_ns {
                return;
            }
            let micros = now.saturating_sub(sent) / 1_000;
            stats.event_latency.record(micros);
            match *event {
                ServerEvent::ResponseAudioDelta(_) => stats.audio_latency.record(micros),
                // The agent emits `Interrupted` before the raw `speech_started`.
                ServerEvent::SpeechStarted(_) => {
                    if let Some(at) = interrupted_at.take() {
                        stats.barge_in.record(at.saturating_sub(sent) / 1_000);
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
}
