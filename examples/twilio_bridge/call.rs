//! One phone call: a Twilio media stream bridged to an agent session.
//!
//! - Caller audio (`media`, μ-law 8 kHz) goes to the session: untouched when the
//!   provider's dialect accepts G.711 μ-law (`audio/pcmu`, `g711_ulaw`), transcoded to
//!   24 kHz pcm16 through `realtime::audio_io` when it does not (or with `--transcode`).
//! - Assistant audio goes back as `media`, each piece followed by a `mark` named after
//!   the item and the position its audio reaches. Twilio echoes a mark once the audio
//!   before it has played to the caller: that position is reported to the session's
//!   `PlaybackTracker`, so a barge-in truncates the assistant's item exactly where the
//!   caller stopped hearing it.
//! - On `AgentEvent::Interrupted`, `clear` tells Twilio to drop the audio it still
//!   holds; marks it echoes for the dropped audio are ignored.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use realtime::agent::{
    Agent, AgentEvent, AgentRunner, AgentSession, AgentTool, ToolContext, ToolError,
};
use realtime::audio_io::StreamTranscoder;
use realtime::client::RealtimeClient;
use realtime::protocol::{AudioFormat, SessionConfig};
use realtime_examples::ExampleError;
use realtime_examples::guard::Guard;
use realtime_examples::provider::{Connection, Provider};
use realtime_testkit::emulator::Script;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;

use crate::twilio::{self, Inbound};

/// The WebSocket path Twilio's `<Connect><Stream url="wss://HOST/media">` opens.
pub(crate) const MEDIA_PATH: &str = "/media";

/// How long the stream may stay silent (Twilio sends media every 20 ms, silence
/// included) before the call is taken as lost.
const IDLE: Duration = Duration::from_secs(30);

/// Items whose audio was cleared, remembered to ignore their late marks.
const CLEARED_ITEMS: usize = 16;

/// Where each call's agent session goes.
#[derive(Debug)]
pub(crate) enum Upstream {
    /// One client for every call (a real provider, or one emulator).
    Client(Box<SharedClient>),
    /// Offline: each call gets its own embedded emulator of this provider, playing
    /// [`offline_script`].
    EmulatorPerCall(Provider),
}

/// The client every call uses, and the session settings they share (transcription, ...).
#[derive(Debug)]
pub(crate) struct SharedClient {
    /// The client.
    pub(crate) client: RealtimeClient,
    /// The session settings.
    pub(crate) base: SessionConfig,
}

/// What every call of the bridge shares.
#[derive(Debug)]
pub(crate) struct Bridge {
    /// The provider.
    pub(crate) upstream: Upstream,
    /// Transcode even when the dialect takes μ-law.
    pub(crate) transcode: bool,
    /// Where each finished call's report goes, if anywhere.
    pub(crate) reports: Option<mpsc::Sender<CallReport>>,
}

/// What happened in one call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CallReport {
    /// Twilio's stream id.
    pub(crate) stream_sid: String,
    /// Whether caller and agent audio passed through as μ-law, untouched.
    pub(crate) passthrough: bool,
    /// The tools that ran.
    pub(crate) tools: Vec<String>,
    /// Marks echoed by Twilio and reported as played.
    pub(crate) marks_echoed: u64,
    /// The last of them: `(item_id, ms)`.
    pub(crate) last_played: Option<(String, u64)>,
    /// Barge-ins: the item and where it was truncated.
    pub(crate) interruptions: Vec<(String, Option<u64>)>,
    /// `clear` messages sent to Twilio.
    pub(crate) clears: usize,
}

/// The bridge's routes: the media stream WebSocket, behind the request checks.
pub(crate) fn router(bridge: Arc<Bridge>, guard: &Guard) -> axum::Router {
    // Every call spends the provider key: calls count against the per-client limit.
    let media = guard.limit_minting(get(upgrade));
    guard.protect(
        axum::Router::new()
            .route(MEDIA_PATH, media)
            .with_state(bridge),
    )
}

async fn upgrade(State(bridge): State<Arc<Bridge>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| async move {
        match run(socket, &bridge).await {
            Ok(report) => {
                tracing::info!(?report, "call ended");
                if let Some(reports) = &bridge.reports
                    && reports.try_send(report).is_err()
                {
                    tracing::warn!("call report dropped: nobody reads them");
                }
            }
            Err(error) => tracing::warn!(%error, "call failed"),
        }
    })
}

/// The agent that answers the phone.
pub(crate) fn agent() -> Agent {
    Agent::new("phone")
        .instructions(
            "You answer the phone for an online shop. Be brief: callers hear you over a \
             phone line. Look orders up with lookup_order before saying anything about them.",
        )
        .tool(AgentTool::new(
            "lookup_order",
            "The status of an order, by its number.",
            |args: Order, _ctx: ToolContext| async move {
                let status = if args.order_id == "1042" {
                    "shipped"
                } else {
                    "packing"
                };
                Ok::<_, ToolError>(json!({"order_id": args.order_id, "status": status}))
            },
        ))
}

/// The arguments of `lookup_order`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct Order {
    /// The order number.
    pub(crate) order_id: String,
}

/// What the embedded emulator plays offline: the caller asks about an order (a tool
/// call and an answer of five 100 ms audio chunks), then speaks over the answer.
pub(crate) fn offline_script() -> Script {
    Script::new()
        .audio_chunks(5)
        .user_says("Where is my order 1042?")
        .call("lookup_order", json!({"order_id": "1042"}))
        .say("Order 1042 shipped yesterday and should reach you on Friday. Anything else I can do?")
        .user_says("Sorry, I meant order 1043.")
        .say("No problem: which order should I look up?")
}

/// Whether the client's dialect takes μ-law both ways.
fn dialect_takes_ulaw(client: &RealtimeClient) -> bool {
    let capabilities = client.dialect().capabilities();
    let output = capabilities
        .output_audio_formats
        .as_deref()
        .unwrap_or(&capabilities.audio_formats);
    capabilities.audio_formats.contains(&AudioFormat::G711Ulaw)
        && output.contains(&AudioFormat::G711Ulaw)
}

async fn send(socket: &mut WebSocket, message: serde_json::Value) -> Result<(), ExampleError> {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .map_err(failed("writing to Twilio"))
}

/// Waits for `start`, skipping `connected`.
async fn wait_for_start(socket: &mut WebSocket) -> Result<String, ExampleError> {
    loop {
        let message = tokio::time::timeout(IDLE, socket.recv())
            .await
            .map_err(|_| ExampleError::new(format!("no `start` from Twilio within {IDLE:?}")))?;
        let Some(Ok(Message::Text(text))) = message else {
            return Err(ExampleError::new(
                "the stream ended before Twilio's `start`",
            ));
        };
        match serde_json::from_str::<Inbound>(&text) {
            Ok(Inbound::Start { stream_sid, start }) => {
                if let Some(format) = start.media_format.filter(|f| !f.is_mulaw_8k()) {
                    return Err(ExampleError::new(format!(
                        "Twilio announced {} at {} Hz; expected audio/x-mulaw at 8000 Hz mono",
                        format.encoding, format.sample_rate
                    )));
                }
                tracing::info!(%stream_sid, call_sid = ?start.call_sid, "stream started");
                return Ok(stream_sid);
            }
            Ok(Inbound::Connected { protocol, version }) => {
                tracing::debug!(?protocol, ?version, "Twilio connected");
            }
            Ok(other) => tracing::debug!(?other, "before `start`: ignored"),
            Err(error) => tracing::warn!(%error, "unreadable Twilio message ignored"),
        }
    }
}

/// The agent's audio on its way to the caller: one item at a time.
struct Outbound {
    transcoder: StreamTranscoder,
    /// The item being sent and the μ-law bytes of it sent so far.
    item: Option<(String, u64)>,
}

impl Outbound {
    /// Sends `ulaw` of `item_id` and a mark at the position it reaches.
    async fn send(
        &mut self,
        socket: &mut WebSocket,
        stream_sid: &str,
        item_id: &str,
        ulaw: &[u8],
    ) -> Result<(), ExampleError> {
        if ulaw.is_empty() {
            return Ok(());
        }
        let sent = match &mut self.item {
            Some((item, sent)) if item == item_id => sent,
            item => &mut item.insert((item_id.to_owned(), 0)).1,
        };
        *sent += ulaw.len() as u64;
        // μ-law at 8 kHz: 8 bytes per millisecond.
        let end_ms = *sent / 8;
        send(socket, twilio::media(stream_sid, ulaw)).await?;
        send(
            socket,
            twilio::mark(stream_sid, &twilio::mark_name(item_id, end_ms)),
        )
        .await
    }

    /// Sends the transcoder's tail for the current item.
    async fn finish(
        &mut self,
        socket: &mut WebSocket,
        stream_sid: &str,
    ) -> Result<(), ExampleError> {
        let tail = self.transcoder.flush().map_err(failed("transcoding"))?;
        if let Some((item_id, _)) = self.item.clone() {
            self.send(socket, stream_sid, &item_id, &tail).await?;
        }
        Ok(())
    }
}

/// Runs one call to its end.
async fn run(mut socket: WebSocket, bridge: &Bridge) -> Result<CallReport, ExampleError> {
    let stream_sid = wait_for_start(&mut socket).await?;
    // Offline, the emulator lives as long as the call.
    let (client, base, _emulator) = match &bridge.upstream {
        Upstream::Client(shared) => (shared.client.clone(), shared.base.clone(), None),
        Upstream::EmulatorPerCall(provider) => {
            let connection =
                Connection::offline(*provider, offline_script(), "offline call").await?;
            tracing::info!(banner = %connection.banner, "call");
            (
                connection.client.clone(),
                connection.base_session(),
                Some(connection),
            )
        }
    };
    let passthrough = !bridge.transcode && dialect_takes_ulaw(&client);
    let format = if passthrough {
        AudioFormat::G711Ulaw
    } else {
        AudioFormat::PCM16_24K
    };
    let config = base.input_audio_format(format).output_audio_format(format);
    let mut session = AgentRunner::new(client, agent())
        .session_config(config)
        .start()
        .await
        .map_err(failed("starting the agent session"))?;
    let mut report = CallReport {
        stream_sid: stream_sid.clone(),
        passthrough,
        ..CallReport::default()
    };
    let transcode = |from, to| StreamTranscoder::new(from, to).map_err(failed("transcoder"));
    let mut inbound = transcode(AudioFormat::G711Ulaw, format)?;
    let mut outbound = Outbound {
        transcoder: transcode(format, AudioFormat::G711Ulaw)?,
        item: None,
    };
    let mut cleared: VecDeque<String> = VecDeque::new();
    let result = loop {
        tokio::select! {
            message = tokio::time::timeout(IDLE, socket.recv()) => {
                let Ok(message) = message else {
                    break Err(ExampleError::new(format!("Twilio sent nothing for {IDLE:?}")));
                };
                let text = match message {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | None => break Ok(()),
                    Some(Ok(_)) => continue,
                    Some(Err(error)) => break Err(ExampleError::new(format!("reading from Twilio: {error}"))),
                };
                match serde_json::from_str::<Inbound>(&text) {
                    Ok(Inbound::Media { media }) if media.track.as_deref().is_none_or(|t| t == "inbound") => {
                        if let Err(error) = forward_caller_audio(&media, &mut inbound, &session).await {
                            break Err(error);
                        }
                    }
                    Ok(Inbound::Mark { mark }) => {
                        match twilio::parse_mark_name(&mark.name) {
                            Some((item_id, ms)) if !cleared.iter().any(|c| c == item_id) => {
                                session.playback().played(item_id, ms);
                                report.marks_echoed += 1;
                                report.last_played = Some((item_id.to_owned(), ms));
                            }
                            Some(_) => tracing::debug!(mark = %mark.name, "mark of cleared audio ignored"),
                            None => tracing::debug!(mark = %mark.name, "a mark this bridge did not send"),
                        }
                    }
                    Ok(Inbound::Stop) => break Ok(()),
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "unreadable Twilio message ignored"),
                }
            }
            event = session.next_event() => {
                let Some(event) = event else { break Ok(()) };
                if let Err(error) = on_event(&event, &mut socket, &stream_sid, &mut outbound, &mut cleared, &mut report).await {
                    break Err(error);
                }
                if let AgentEvent::Error(error) = &event
                    && error.is_fatal()
                {
                    break Err(ExampleError::new(format!("the agent session ended: {error}")));
                }
            }
        }
    };
    close(session).await;
    result.map(|()| report)
}

/// Caller audio to the session: μ-law as it came, or transcoded.
async fn forward_caller_audio(
    media: &twilio::Media,
    inbound: &mut StreamTranscoder,
    session: &AgentSession,
) -> Result<(), ExampleError> {
    let ulaw = match media.payload.decode() {
        Ok(ulaw) => ulaw,
        Err(error) => {
            tracing::warn!(%error, "undecodable media payload ignored");
            return Ok(());
        }
    };
    let audio = inbound.push(&ulaw).map_err(failed("transcoding"))?;
    if !audio.is_empty() {
        session
            .send_audio(&audio)
            .await
            .map_err(failed("sending caller audio"))?;
    }
    Ok(())
}

async fn close(session: AgentSession) {
    if let Err(error) = session.close().await {
        tracing::debug!(%error, "closing the agent session");
    }
}

async fn on_event(
    event: &AgentEvent,
    socket: &mut WebSocket,
    stream_sid: &str,
    outbound: &mut Outbound,
    cleared: &mut VecDeque<String>,
    report: &mut CallReport,
) -> Result<(), ExampleError> {
    match event {
        AgentEvent::Audio { item_id, audio } => {
            if outbound
                .item
                .as_ref()
                .is_some_and(|(item, _)| item != item_id)
            {
                outbound.finish(socket, stream_sid).await?;
            }
            let ulaw = outbound
                .transcoder
                .push(audio)
                .map_err(failed("transcoding"))?;
            outbound.send(socket, stream_sid, item_id, &ulaw).await?;
        }
        AgentEvent::ResponseDone { .. } => outbound.finish(socket, stream_sid).await?,
        AgentEvent::Interrupted {
            item_id,
            audio_end_ms,
        } => {
            send(socket, twilio::clear(stream_sid)).await?;
            report.clears += 1;
            outbound.transcoder.reset();
            outbound.item = None;
            if cleared.len() >= CLEARED_ITEMS {
                cleared.pop_front();
            }
            cleared.push_back(item_id.clone());
            report.interruptions.push((item_id.clone(), *audio_end_ms));
        }
        AgentEvent::ToolStarted { tool, .. } => report.tools.push(tool.clone()),
        AgentEvent::Transcript { role, text, .. } => tracing::info!(?role, %text, "transcript"),
        AgentEvent::Error(error) => tracing::warn!(%error, "agent session error"),
        _ => {}
    }
    Ok(())
}

/// Wraps an error with what was being done.
pub(crate) fn failed<E: std::fmt::Display>(doing: &str) -> impl FnOnce(E) -> ExampleError + '_ {
    move |error| ExampleError::new(format!("{doing}: {error}"))
}
