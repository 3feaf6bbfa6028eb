//! [`LiveEmulator`]: a [`LiveEngine`] per connection on a loopback [`TestServer`].

use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;

use super::live::LiveEngine;
use super::script::Script;
use crate::{
    ClientFrame, Handler, Recorded, ServerConn, TestServer, TestServerOptions, TestkitError,
};

/// Plays a [`Script`] as GPT-Live over a real WebSocket: each connection gets a
/// [`LiveEngine`] with what is left of the script; the socket closes (1000) after
/// `session.closed`.
#[derive(Debug)]
pub struct LiveEmulator {
    server: TestServer,
}

#[derive(Debug)]
struct LiveHandler {
    script: Arc<Mutex<Script>>,
}

#[async_trait]
impl Handler for LiveHandler {
    async fn handle(&self, mut conn: ServerConn) {
        serve_live(&mut conn, &self.script, None).await;
    }
}

/// Runs a [`LiveEngine`] on one connection until either side ends it; the socket
/// closes (1000) after `session.closed`. The script lives in the shared slot between
/// frames, so overlapping connections share it. `log` sees every frame, `true` for
/// the client's.
pub(crate) async fn serve_live(
    conn: &mut ServerConn,
    script: &Mutex<Script>,
    mut log: Option<&mut (dyn FnMut(bool, serde_json::Value) + Send)>,
) {
    let mut engine = LiveEngine::new(Script::new());
    while let Some(frame) = conn.recv().await {
        let ClientFrame::Text(text) = frame else {
            break;
        };
        if let (Some(log), Ok(payload)) = (log.as_deref_mut(), serde_json::from_str(&text)) {
            log(true, payload);
        }
        engine.set_script(script.lock().unwrap_or_else(PoisonError::into_inner).take());
        let events = engine.handle(&text);
        *script.lock().unwrap_or_else(PoisonError::into_inner) = engine.take_script();
        for event in events {
            if let Some(log) = log.as_deref_mut() {
                log(false, event.clone());
            }
            if conn.send_text(event.to_string()).await.is_err() {
                return;
            }
        }
        if engine.is_closed() {
            let _ = conn.close(1000, "session closed").await;
            return;
        }
    }
}

impl LiveEmulator {
    /// Starts the emulator on a loopback port.
    ///
    /// # Errors
    /// The listener cannot bind.
    pub async fn start(script: Script) -> Result<Self, TestkitError> {
        let handler = LiveHandler {
            script: Arc::new(Mutex::new(script)),
        };
        let server = TestServer::start(TestServerOptions::new().handler(handler)).await?;
        Ok(Self { server })
    }

    /// The WebSocket URL, on the OpenAI path `/v1/live/sessions`.
    pub fn url(&self) -> String {
        self.server.ws_url("/v1/live/sessions")
    }

    /// The listening address (Azure's paths are served too: the path is recorded,
    /// not interpreted).
    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.addr()
    }

    /// What every connection sent, in order.
    pub fn connections(&self) -> Vec<Recorded> {
        self.server.connections()
    }
}
