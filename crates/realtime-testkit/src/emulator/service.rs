//! [`Service`]: every dialect at once on one port, as the `realtime-emulator`
//! binary runs it. The handshake picks the dialect ([`handshake::route`], and
//! [`handshake::route_live`] for GPT-Live's paths, served by a
//! [`LiveEngine`](super::LiveEngine)); each connection gets its own engine, and all
//! share one script.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};

use super::call::{CallHandle, CallInput, party_channel};
use super::engine::{Engine, Pace};
use super::handshake;
use super::live_server::serve_live;
use super::rest::Rest;
use super::script::Script;
use super::server::serve_engine;
use crate::{Handler, ServerConn, TestServer, TestServerOptions, TestkitError};

/// How to run a [`Service`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ServiceOptions {
    addr: SocketAddr,
    key: Option<String>,
    script: Script,
    pace: Pace,
    record: Option<PathBuf>,
}

impl Default for ServiceOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl ServiceOptions {
    /// `127.0.0.1:8765`, any non-empty key, an empty script, realtime pace, no recording.
    pub fn new() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8765)),
            key: None,
            script: Script::new(),
            pace: Pace::Realtime,
            record: None,
        }
    }

    /// The address to listen on.
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Accepts only this key (without it, any non-empty key).
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// The script all connections share.
    pub fn script(mut self, script: Script) -> Self {
        self.script = script;
        self
    }

    /// How fast responses are streamed.
    pub fn pace(mut self, pace: Pace) -> Self {
        self.pace = pace;
        self
    }

    /// Writes each connection to `dir` as a JSONL file in the conformance fixture
    /// format (`{"dialect", "direction", "payload"}` a line).
    pub fn record(mut self, dir: impl Into<PathBuf>) -> Self {
        self.record = Some(dir.into());
        self
    }
}

/// Every dialect on one port: the emulator as a process serves it.
#[derive(Debug)]
pub struct Service {
    server: TestServer,
}

#[derive(Debug)]
struct RoutingHandler {
    rest: Arc<Rest>,
    script: Arc<Mutex<Script>>,
    pace: Pace,
    record: Option<PathBuf>,
    connections: AtomicUsize,
}

#[async_trait]
impl Handler for RoutingHandler {
    async fn handle(&self, mut conn: ServerConn) {
        // The handshake already refused what `route` refuses.
        let accepts = |candidate: &str| self.rest.accepts(candidate);
        let live = handshake::route_live(conn.request(), &accepts);
        let profile = match live {
            Some(_) => None,
            None => match handshake::route_with(conn.request(), &accepts) {
                Ok(profile) => Some(profile),
                Err(_) => return,
            },
        };
        let dialect = match (&live, &profile) {
            (Some(Ok(dialect)), _) => *dialect,
            (None, Some(profile)) => profile.dialect,
            _ => return,
        };
        if live.is_none()
            && let Some(call_id) = conn.request().query_param("call_id").map(str::to_owned)
        {
            // The handshake refused unknown calls with 404; one may have ended since.
            if let Some(call) = self.rest.call_named(&call_id) {
                attach(&call, &mut conn).await;
            }
            return;
        }
        let number = self.connections.fetch_add(1, Ordering::Relaxed);
        let mut recorder = self
            .record
            .as_ref()
            .and_then(|dir| Recorder::create(dir, number, dialect));
        let mut write = |client: bool, payload: Value| {
            if let Some(recorder) = recorder.as_mut() {
                recorder.row(client, &payload);
            }
        };
        let log: Option<&mut (dyn FnMut(bool, Value) + Send)> = if self.record.is_some() {
            Some(&mut write)
        } else {
            None
        };
        match profile {
            // GPT-Live plays at instant pace: its engine has no clock.
            None => serve_live(&mut conn, &self.script, log).await,
            Some(profile) => {
                let engine = Engine::new(profile, Script::new()).with_pace(self.pace);
                serve_engine(engine, &mut conn, &self.script, BARGE_IN_DELAY, log).await;
            }
        }
    }
}

/// A sideband socket attached to a live call: its frames go into the call's
/// session, the session's events come back, until either side ends.
async fn attach(call: &CallHandle, conn: &mut ServerConn) {
    let (party, mut frames) = party_channel();
    if !call.send(CallInput::Attach(party)).await {
        return;
    }
    loop {
        tokio::select! {
            frame = frames.recv() => match frame {
                Some(frame) => {
                    if conn.send_text(frame).await.is_err() {
                        return;
                    }
                }
                None => return,
            },
            frame = conn.recv() => match frame {
                Some(frame) => {
                    if let Some(text) = frame.as_text()
                        && !call.send(CallInput::Frame(text.to_owned())).await
                    {
                        return;
                    }
                }
                None => return,
            },
        }
    }
}

/// One connection's fixture file, written a row at a time.
struct Recorder {
    file: std::io::BufWriter<std::fs::File>,
    dialect: &'static str,
}

impl Recorder {
    fn create(dir: &std::path::Path, number: usize, dialect: &'static str) -> Option<Self> {
        let path = dir.join(format!("{number:04}-{dialect}.jsonl"));
        let file = std::fs::create_dir_all(dir).and_then(|()| std::fs::File::create(&path));
        match file {
            Ok(file) => Some(Self {
                file: std::io::BufWriter::new(file),
                dialect,
            }),
            Err(error) => {
                tracing::warn!(%error, path = %path.display(), "emulator could not write a recording");
                None
            }
        }
    }

    fn row(&mut self, client: bool, payload: &Value) {
        use std::io::Write as _;
        let direction = if client { "client" } else { "server" };
        let row = json!({"dialect": self.dialect, "direction": direction, "payload": payload});
        let written = writeln!(self.file, "{row}").and_then(|()| self.file.flush());
        if let Err(error) = written {
            tracing::warn!(%error, "emulator could not write a recording row");
        }
    }
}

/// Under instant pace, how long a user who barges in has heard the answer.
const BARGE_IN_DELAY: Duration = Duration::from_millis(300);

impl Service {
    /// Starts listening.
    ///
    /// # Errors
    /// The address cannot be bound.
    pub async fn start(options: ServiceOptions) -> Result<Self, TestkitError> {
        let script = Arc::new(Mutex::new(options.script));
        let rest = Arc::new(Rest::new(options.key, Arc::clone(&script), options.pace));
        let handler = RoutingHandler {
            rest: Arc::clone(&rest),
            script,
            pace: options.pace,
            record: options.record,
            connections: AtomicUsize::new(0),
        };
        let server = TestServer::start(
            TestServerOptions::new()
                .bind(options.addr)
                // A process may run for days: the frames go to `--record`, not memory.
                .keep_frames(false)
                .reject_when({
                    let rest = Arc::clone(&rest);
                    move |request| {
                        let accepts = |candidate: &str| rest.accepts(candidate);
                        if let Some(live) = handshake::route_live(request, &accepts) {
                            return live.err();
                        }
                        if let Err(refused) = handshake::route_with(request, &accepts) {
                            return Some(refused);
                        }
                        // A sideband attach names a live call (RTC `sideband_ws`).
                        let call_id = request.query_param("call_id")?;
                        rest.call_named(call_id).is_none().then(|| {
                            handshake::refusal(
                                404,
                                "call_not_found",
                                &format!("No call with id '{call_id}'."),
                            )
                        })
                    }
                })
                .http(move |request| rest.answer(request))
                .handler(handler),
        )
        .await?;
        Ok(Self { server })
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The underlying server (connection records).
    pub fn server(&self) -> &TestServer {
        &self.server
    }

    /// What to tell a user on start: each dialect's URL, and the environment
    /// variables that point the official SDKs and this project's examples here.
    pub fn banner(&self, key: &str) -> String {
        let base = format!("{}", self.addr());
        format!(
            "realtime-emulator listening on ws://{base} (every dialect; the path picks it)\n\
             \n\
             OpenAI GA          ws://{base}/v1/realtime?model=gpt-realtime   (Authorization: Bearer <key>)\n\
             OpenAI beta        the same, with header OpenAI-Beta: realtime=v1\n\
             Azure OpenAI v1    ws://{base}/openai/v1/realtime?model=gpt-realtime   (api-key: <key>)\n\
             Azure preview      ws://{base}/openai/realtime?api-version=2025-04-01-preview&deployment=gpt-4o-realtime-preview\n\
             Voice Live         ws://{base}/voice-live/realtime?api-version=2026-04-10&model=gpt-realtime   (also 2025-10-01, v1, ...)\n\
             GPT-Live (OpenAI)  ws://{base}/v1/live/sessions   (Authorization: Bearer <key>; send session.start first)\n\
             GPT-Live (Azure)   ws://{base}/openai/v1/live   (or /openai/v1/live/sessions; Authorization: Bearer <key>)\n\
             REST (POST)        http://{base}/v1/realtime/client_secrets, /openai/v1/realtime/client_secrets,\n  \
                                /openai/realtimeapi/sessions?api-version=2025-04-01-preview, {{/v1,/openai/v1}}/realtime/calls\n\
             \n\
             Official Python SDK (openai; openai-agents takes the GA URL as model_config[\"url\"]):\n  \
               export OPENAI_API_KEY={key}\n  \
               export OPENAI_BASE_URL=http://{base}/v1\n\
             Official JS SDK (openai, @openai/agents-realtime): the same two variables, or\n  \
               the GA URL above as the WebSocket URL\n\
             Azure OpenAI (AzureOpenAI): azure_endpoint=\"http://{base}\",\n  \
               websocket_base_url=\"ws://{base}/openai\", api_key, api_version=\"2025-04-01-preview\"\n\
             Voice Live (azure-ai-voicelive): endpoint \"http://{base}\", AzureKeyCredential(key)\n\
             This project's examples: OPENAI_API_KEY={key} OPENAI_BASE_URL=http://{base}/v1,\n  \
               AZURE_OPENAI_ENDPOINT / AZURE_VOICELIVE_ENDPOINT=http://{base} with their *_API_KEY\n"
        )
    }
}
