//! The emulator process of the load test: the testkit's sans-IO emulator
//! [`Engine`], one per connection, served on 127.0.0.1 without recording.
//!
//! `realtime_testkit::emulator::Emulator` records every client frame of every
//! connection (at 1,000 sessions streaming audio that is ~65 MB/s of retained
//! memory), so the load test drives the same `Engine` over its own minimal
//! WebSocket loop. It paces assistant audio in real time (one 100 ms chunk per
//! 100 ms), writes the send time into each event id just before the write, and
//! measures barge-in from its side: `speech_started` written → `truncate` read.

use std::collections::VecDeque;
use std::io::{BufRead, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use realtime_core::protocol::ServerEvent;
use realtime_testkit::emulator::{Engine, Profile, Script};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::stats::{Histogram, STAMP_PLACEHOLDER, now_ns};

/// What the emulator process counts.
#[derive(Debug)]
struct EmulatorStats {
    connections: AtomicU64,
    frames_in: AtomicU64,
    frames_out: AtomicU64,
    bytes_out: AtomicU64,
    truncate: Histogram,
}

/// Runs the emulator until its standard input closes, then prints one `stats` line.
///
/// # Errors
/// The listener cannot bind, or the runtime cannot start.
pub(crate) fn serve(profile: Profile, script: Script, user_turn_ms: u64) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let stats = Arc::new(EmulatorStats {
        connections: AtomicU64::new(0),
        frames_in: AtomicU64::new(0),
        frames_out: AtomicU64::new(0),
        bytes_out: AtomicU64::new(0),
        truncate: Histogram::new(),
    });
    let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening {addr}")?;
        out.flush()?;
    }
    let script = Arc::new(script);
    let accept_stats = Arc::clone(&stats);
    runtime.spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let _ = tcp.set_nodelay(true);
            let stats = Arc::clone(&accept_stats);
            let engine = Engine::new(profile.clone(), script.as_ref().clone())
                .with_user_turn_ms(user_turn_ms);
            tokio::spawn(connection(tcp, engine, stats));
        }
    });
    // The parent closes our stdin to stop us.
    let mut line = String::new();
    let stdin = std::io::stdin();
    while stdin.lock().read_line(&mut line).is_ok_and(|read| read > 0) {
        line.clear();
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "stats connections={} frames_in={} frames_out={} bytes_out={} truncate[speech_started written -> truncate read] {}",
        stats.connections.load(Ordering::Relaxed),
        stats.frames_in.load(Ordering::Relaxed),
        stats.frames_out.load(Ordering::Relaxed),
        stats.bytes_out.load(Ordering::Relaxed),
        stats.truncate.summary(),
    )?;
    out.flush()?;
    runtime.shutdown_timeout(Duration::from_millis(100));
    Ok(())
}

/// Real-time pacing of assistant audio: one 100 ms chunk per 100 ms.
const CHUNK: Duration = Duration::from_millis(100);

#[derive(Debug, Default)]
struct Outbox {
    queue: VecDeque<(Instant, ServerEvent)>,
    /// When the next audio chunk may go out.
    audio_clock: Option<Instant>,
}

impl Outbox {
    fn schedule(&mut self, events: Vec<ServerEvent>) {
        let now = Instant::now();
        let mut due = self.queue.back().map_or(now, |(due, _)| (*due).max(now));
        let mut responding = false;
        for event in events {
            match &event {
                ServerEvent::ResponseAudioDelta(_) => {
                    let clock = self.audio_clock.map_or(due, |clock| clock.max(due));
                    due = clock;
                    self.audio_clock = Some(clock + CHUNK);
                }
                // A user who barges in heard the last chunk first.
                ServerEvent::SpeechStarted(_) if responding => due += CHUNK,
                ServerEvent::ResponseCreated(_) => responding = true,
                _ => {}
            }
            self.queue.push_back((due, event));
        }
    }
}

async fn connection(tcp: TcpStream, mut engine: Engine, stats: Arc<EmulatorStats>) {
    // Small buffers: 10,000 idle connections must fit (tungstenite's defaults are
    // 128 KiB each way per connection).
    let config = WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .write_buffer_size(0)
        .max_message_size(None)
        .max_frame_size(None);
    let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(tcp, Some(config)).await else {
        return;
    };
    stats.connections.fetch_add(1, Ordering::Relaxed);
    let shape = engine.shape();
    let mut outbox = Outbox::default();
    outbox.schedule(engine.open());
    let mut speech_started_at: Option<u64> = None;
    loop {
        let now = Instant::now();
        let mut wrote = false;
        while outbox.queue.front().is_some_and(|(due, _)| *due <= now) {
            let Some((_, mut event)) = outbox.queue.pop_front() else {
                break;
            };
            set_event_id(&mut event);
            let Ok(mut frame) = shape.encode_server(&event) else {
                continue;
            };
            let stamp = now_ns();
            if let Some(at) = frame.find(STAMP_PLACEHOLDER) {
                frame.replace_range(
                    at + 1..at + STAMP_PLACEHOLDER.len(),
                    &format!("{stamp:020}"),
                );
            }
            if matches!(event, ServerEvent::SpeechStarted(_)) {
                speech_started_at = Some(stamp);
            }
            stats.frames_out.fetch_add(1, Ordering::Relaxed);
            stats
                .bytes_out
                .fetch_add(frame.len() as u64, Ordering::Relaxed);
            if ws.feed(Message::text(frame)).await.is_err() {
                return;
            }
            wrote = true;
        }
        if wrote && ws.flush().await.is_err() {
            return;
        }
        let next_due = outbox.queue.front().map(|(due, _)| *due);
        tokio::select! {
            message = ws.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    stats.frames_in.fetch_add(1, Ordering::Relaxed);
                    if let Some(sent) = speech_started_at
                        && text.as_str().contains("\"conversation.item.truncate\"")
                    {
                        stats.truncate.record(now_ns().saturating_sub(sent) / 1_000);
                        speech_started_at = None;
                    }
                    outbox.schedule(engine.on_frame(text.as_str()));
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            () = sleep_until(next_due) => {}
        }
    }
    let _ = ws.close(None).await;
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(due) => tokio::time::sleep_until(due).await,
        None => std::future::pending().await,
    }
}

/// Replaces the event's id with the stamp placeholder (filled in just before the write).
fn set_event_id(event: &mut ServerEvent) {
    let id = Some(STAMP_PLACEHOLDER.to_owned());
    match event {
        ServerEvent::SessionCreated(e) | ServerEvent::SessionUpdated(e) => e.event_id = id,
        ServerEvent::ResponseAudioDelta(e) => e.event_id = id,
        ServerEvent::ResponseAudioTranscriptDelta(e) | ServerEvent::ResponseTextDelta(e) => {
            e.event_id = id;
        }
        ServerEvent::SpeechStarted(e) => e.event_id = id,
        ServerEvent::SpeechStopped(e) => e.event_id = id,
        ServerEvent::ResponseCreated(e) | ServerEvent::ResponseDone(e) => e.event_id = id,
        ServerEvent::ResponseOutputItemAdded(e) | ServerEvent::ResponseOutputItemDone(e) => {
            e.event_id = id;
        }
        ServerEvent::ResponseContentPartAdded(e) | ServerEvent::ResponseContentPartDone(e) => {
            e.event_id = id;
        }
        ServerEvent::ConversationItemAdded(e)
        | ServerEvent::ConversationItemDone(e)
        | ServerEvent::ConversationItemCreated(e) => e.event_id = id,
        ServerEvent::FunctionCallArgumentsDelta(e) => e.event_id = id,
        ServerEvent::FunctionCallArgumentsDone(e) => e.event_id = id,
        ServerEvent::ResponseAudioDone(e) => e.event_id = id,
        ServerEvent::ResponseAudioTranscriptDone(e) => e.event_id = id,
        ServerEvent::InputAudioBufferCommitted(e) => e.event_id = id,
        ServerEvent::ConversationItemTruncated(e) => e.event_id = id,
        ServerEvent::Error(e) => e.event_id = id,
        ServerEvent::RateLimitsUpdated(e) => e.event_id = id,
        _ => {}
    }
}
