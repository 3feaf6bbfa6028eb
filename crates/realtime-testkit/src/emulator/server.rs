//! [`Emulator`]: an [`Engine`] per connection on a loopback [`TestServer`].

use std::sync::{Arc, Mutex, PoisonError};

use std::time::Duration;

use async_trait::async_trait;
use realtime_core::protocol::ServerEvent;

use super::engine::{Engine, Output, Pace};
use super::profile::Profile;
use super::script::Script;
use crate::{Handler, Recorded, ServerConn, TestServer, TestServerOptions, TestkitError};

/// Plays a [`Script`] as the service of a [`Profile`], over a real WebSocket.
///
/// All connections share one script (turns used by one connection are gone for the
/// next, so a reconnecting or rotating client continues the conversation). Faults
/// are scripted as turns: [`Script::fault`](super::Script::fault).
///
/// ```no_run
/// # async fn demo() -> Result<(), realtime_testkit::TestkitError> {
/// use realtime_testkit::emulator::{Emulator, Profile, Script};
///
/// let emulator = Emulator::start(Profile::azure_openai_preview(), Script::new().say("Hello!")).await?;
/// let url = emulator.url();
/// // ... connect a client to `url`, then inspect what it sent:
/// let frames = emulator.connections()[0].texts();
/// # let _ = (url, frames);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Emulator {
    server: TestServer,
    profile: Profile,
}

#[derive(Debug)]
struct EngineHandler {
    profile: Profile,
    script: Arc<Mutex<Script>>,
    user_turn_ms: u64,
    barge_in_delay: Duration,
    pace: Pace,
}

#[async_trait]
impl Handler for EngineHandler {
    async fn handle(&self, mut conn: ServerConn) {
        let engine = Engine::new(self.profile.clone(), Script::new())
            .with_user_turn_ms(self.user_turn_ms)
            .with_pace(self.pace);
        serve_engine(engine, &mut conn, &self.script, self.barge_in_delay, None).await;
    }
}

/// Runs `engine` on one connection until either side ends it: client frames in,
/// outputs out when due. The script lives in the shared slot between frames, so
/// connections that overlap (a client rotating to a fresh one) share one script.
pub(crate) async fn serve_engine(
    mut engine: Engine,
    conn: &mut ServerConn,
    script: &Mutex<Script>,
    barge_in_delay: Duration,
    mut log: Option<&mut (dyn FnMut(bool, serde_json::Value) + Send)>,
) {
    let started = tokio::time::Instant::now();
    let shape = engine.shape();
    let opening = engine.open().into_iter().map(Output::Event).collect();
    engine.schedule_now(opening, Duration::ZERO);
    let mut responding = false;
    loop {
        for output in engine.poll(started.elapsed()) {
            let sent = match output {
                Output::Event(event) => {
                    // A user who barges in has heard part of the answer: let the
                    // client receive and play the audio before the speech starts.
                    if responding && matches!(event, ServerEvent::SpeechStarted(_)) {
                        tokio::time::sleep(barge_in_delay).await;
                    }
                    responding |= matches!(event, ServerEvent::ResponseCreated(_));
                    match shape.encode_server(&event) {
                        Ok(frame) => {
                            if let (Some(log), Ok(payload)) =
                                (log.as_deref_mut(), serde_json::from_str(&frame))
                            {
                                log(false, payload);
                            }
                            conn.send_text(frame).await
                        }
                        Err(error) => {
                            tracing::error!(%error, "emulator could not encode its own event");
                            continue;
                        }
                    }
                }
                Output::Text(frame) => conn.send_text(frame).await,
                Output::Binary(bytes) => conn.send_binary(bytes).await,
                Output::Stall(duration) => conn.stall(duration).await,
                Output::Drop => {
                    let _ = conn.drop_connection().await;
                    return;
                }
                Output::End => return,
            };
            if sent.is_err() {
                return;
            }
        }
        let wake = engine
            .next_due()
            .map(|due| started + due)
            .unwrap_or_else(|| tokio::time::Instant::now() + IDLE_WAKE);
        let frame = tokio::select! {
            frame = conn.recv() => frame,
            () = tokio::time::sleep_until(wake) => continue,
        };
        let Some(frame) = frame else {
            return;
        };
        if let Some(text) = frame.as_text() {
            if let (Some(log), Ok(payload)) = (log.as_deref_mut(), serde_json::from_str(text)) {
                log(true, payload);
            }
            engine.set_script(script.lock().unwrap_or_else(PoisonError::into_inner).take());
            engine.receive(text, started.elapsed());
            *script.lock().unwrap_or_else(PoisonError::into_inner) = engine.take_script();
        }
    }
}

/// How long an idle connection waits for a frame before looking again (nothing is
/// due; the wait is bounded all the same).
const IDLE_WAKE: Duration = Duration::from_secs(3600);

impl Emulator {
    /// Starts an emulator of `profile` playing `script`, on `ws://127.0.0.1:<port>`.
    ///
    /// # Errors
    /// The listener cannot bind.
    pub async fn start(profile: Profile, script: Script) -> Result<Self, TestkitError> {
        Self::start_with(profile, script, TestServerOptions::new(), 1000).await
    }

    /// Starts with server options (TLS, handshake rejections) and the amount of user
    /// audio, in ms, that server VAD treats as one user turn.
    ///
    /// # Errors
    /// The listener cannot bind.
    pub async fn start_with(
        profile: Profile,
        script: Script,
        options: TestServerOptions,
        user_turn_ms: u64,
    ) -> Result<Self, TestkitError> {
        let handler = EngineHandler {
            profile: profile.clone(),
            script: Arc::new(Mutex::new(script)),
            user_turn_ms,
            barge_in_delay: Duration::from_millis(300),
            pace: Pace::Instant,
        };
        let server = TestServer::start(options.handler(handler)).await?;
        Ok(Self { server, profile })
    }

    /// The WebSocket URL (the path and query are recorded, not interpreted).
    pub fn url(&self) -> String {
        self.server.ws_url("/realtime")
    }

    /// The profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The underlying server (certificate, connection records).
    pub fn server(&self) -> &TestServer {
        &self.server
    }

    /// Every connection so far, with the frames each client sent.
    pub fn connections(&self) -> Vec<Recorded> {
        self.server.connections()
    }
}
