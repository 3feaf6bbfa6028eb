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
use tokio::time::Instant;

use super::stats::{Histogram, now_ns, parse_stamp};

/// Counters and histograms shared by every session.
#[derive(Debug)]
pub(crate) struct ClientStats {
    pub(crate) frames_sent: AtomicU64,
    /// Frames a real-time source would have sent in each session's window.
    pub(crate) frames_due: AtomicU64,
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
    /// How late the generator woke for a due audio frame (scheduler delay).
    pub(crate) pacing_late: Histogram,
    /// How long `AgentSession::send_audio` took (the library's share of pacing).
    pub(crate) send_wait: Histogram,
    pub(crate) first_error: std::sync::Mutex<Option<String>>,
}

impl ClientStats {
    pub(crate) fn new() -> Self {
        Self {
            frames_sent: AtomicU64::new(0),
            frames_due: AtomicU64::new(0),
            events: AtomicU64::new(0),
            audio_bytes: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            tool_calls: AtomicU64::new(0),
            interruptions: AtomicU64::new(0),
            event_latency: Histogram::new(),
            audio_latency: Histogram::new(),
            barge_in: Histogram::new(),
            pacing_late: Histogram::new(),
            send_wait: Histogram::new(),
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

/// The length of one audio frame.
pub(crate) const FRAME: Duration = Duration::from_millis(20);

/// Streams 20 ms frames of 24 kHz pcm16 in real time from `start` until `until`,
/// handling events all along.
///
/// Pacing has no drift: frame `n` is due at `start + n × 20 ms`, an absolute
/// deadline. A wake-up that comes late sends every frame due by then, as a
/// microphone's buffer would hand them over, so a late tick never shifts the ones
/// after it (tokio's `interval` with `MissedTickBehavior::Delay`, used before, moved
/// every later tick back by each delay and lost those frames for good).
pub(crate) async fn stream(
    mut session: AgentSession,
    start: Instant,
    until: Instant,
    stats: Arc<ClientStats>,
) {
    let frame = vec![0x10u8; 960];
    let mut sent = 0u64;
    let mut interrupted_at: Option<u64> = None;
    // Events written before streaming began waited in the queue while the run set up.
    let since_ns = now_ns();
    let deadline = tokio::time::sleep_until(until);
    tokio::pin!(deadline);
    let due = |n: u64| start + FRAME * u32::try_from(n).unwrap_or(u32::MAX);
    let next_frame = tokio::time::sleep_until(start);
    tokio::pin!(next_frame);
    'session: loop {
        tokio::select! {
            () = &mut deadline => break,
            () = &mut next_frame => {
                let woke = Instant::now();
                stats.pacing_late.record(woke.saturating_duration_since(due(sent)).as_micros() as u64);
                while due(sent) <= woke && due(sent) < until {
                    let before = Instant::now();
                    if let Err(error) = session.send_audio(&frame).await {
                        stats.error(format!("send_audio: {error}"));
                        break 'session;
                    }
                    stats.send_wait.record(before.elapsed().as_micros() as u64);
                    stats.frames_sent.fetch_add(1, Ordering::Relaxed);
                    sent += 1;
                }
                next_frame.as_mut().reset(due(sent));
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
    // Frames due in [start, until): what a real-time source would have sent.
    let window = until.saturating_duration_since(start);
    let frames_due = window.as_nanos().div_ceil(FRAME.as_nanos());
    stats.frames_due.fetch_add(
        u64::try_from(frames_due).unwrap_or(u64::MAX),
        Ordering::Relaxed,
    );
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
