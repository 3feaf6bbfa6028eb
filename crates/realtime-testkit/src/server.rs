//! [`TestServer`]: the listening emulator.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use realtime_core::transport::TransportConfig;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{self, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::conn;
use crate::error::TestkitError;
use crate::handler::Handler;
use crate::http::{self as plain_http, HttpFn};
use crate::options::{RejectFn, Rejection, TestServerOptions};
use crate::record::{Recorded, RecordedRequest};
use crate::tls;

/// A WebSocket server on `127.0.0.1:<free port>` that records every connection.
///
/// Shut down with [`TestServer::shutdown`]; dropping it also stops it (open
/// connections get a 1001 close frame).
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    certificate: Option<Vec<u8>>,
    connections: watch::Sender<Vec<Recorded>>,
    shutdown: watch::Sender<bool>,
    accept_task: Option<JoinHandle<()>>,
}

/// What every accepted connection needs.
struct Shared {
    handler: Arc<dyn Handler>,
    reject: Option<Arc<RejectFn>>,
    http: Option<Arc<HttpFn>>,
    keep_frames: bool,
    tls: Option<TlsAcceptor>,
    connections: watch::Sender<Vec<Recorded>>,
    shutdown: watch::Receiver<bool>,
}

impl TestServer {
    /// Binds `127.0.0.1:0` (or the address of [`TestServerOptions::bind`]) and
    /// starts accepting connections.
    ///
    /// # Errors
    ///
    /// [`TestkitError::Bind`] when the port cannot be opened, [`TestkitError::Tls`]
    /// when the certificate cannot be made.
    pub async fn start(options: TestServerOptions) -> Result<Self, TestkitError> {
        let listener = TcpListener::bind(options.addr)
            .await
            .map_err(TestkitError::Bind)?;
        let addr = listener.local_addr().map_err(TestkitError::Bind)?;
        let (acceptor, certificate) = if options.tls {
            let (acceptor, certificate) = tls::self_signed_acceptor()?;
            (Some(acceptor), Some(certificate))
        } else {
            (None, None)
        };
        let (connections, _) = watch::channel(Vec::new());
        let (shutdown, shutdown_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            handler: options.handler,
            reject: options.reject,
            http: options.http,
            keep_frames: options.keep_frames,
            tls: acceptor,
            connections: connections.clone(),
            shutdown: shutdown_rx,
        });
        let accept_task = tokio::spawn(accept_loop(listener, shared));
        tracing::debug!(%addr, tls = certificate.is_some(), "test server listening");
        Ok(Self {
            addr,
            certificate,
            connections,
            shutdown,
            accept_task: Some(accept_task),
        })
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `ws://127.0.0.1:<port><path_and_query>` (or `wss://` with TLS). A missing
    /// leading `/` is added.
    pub fn ws_url(&self, path_and_query: &str) -> String {
        let scheme = if self.certificate.is_some() {
            "wss"
        } else {
            "ws"
        };
        let slash = if path_and_query.starts_with('/') {
            ""
        } else {
            "/"
        };
        format!("{scheme}://{}{slash}{path_and_query}", self.addr)
    }

    /// The self-signed certificate (DER) of a TLS server, for clients to trust.
    pub fn certificate_der(&self) -> Option<&[u8]> {
        self.certificate.as_deref()
    }

    /// `config` with this server's certificate added as a trusted root (unchanged
    /// for a plain server).
    pub fn trust(&self, config: TransportConfig) -> TransportConfig {
        match &self.certificate {
            Some(der) => config.add_root_certificate(der.clone()),
            None => config,
        }
    }

    /// Snapshot of every connection attempt so far, in arrival order (rejected
    /// handshakes included).
    pub fn connections(&self) -> Vec<Recorded> {
        self.connections.borrow().clone()
    }

    /// Waits for connection attempt number `index` (0-based).
    ///
    /// # Errors
    ///
    /// [`TestkitError::Timeout`] when fewer connections arrived within `timeout`.
    pub async fn wait_for_connection(
        &self,
        index: usize,
        timeout: Duration,
    ) -> Result<Recorded, TestkitError> {
        let mut connections = self.connections.subscribe();
        let waited =
            tokio::time::timeout(timeout, connections.wait_for(|list| list.len() > index)).await;
        match waited {
            Ok(Ok(list)) => Ok(list[index].clone()),
            Ok(Err(_)) | Err(_) => Err(TestkitError::Timeout {
                expected: format!("connection #{index}"),
                got: format!("{} connections", self.connections.borrow().len()),
                after: timeout,
            }),
        }
    }

    /// Stops accepting, sends a 1001 close to open connections, and waits for the
    /// accept loop to end.
    pub async fn shutdown(mut self) {
        self.shutdown.send_replace(true);
        if let Some(task) = self.accept_task.take() {
            // The loop only ends by the signal; a join error means it panicked,
            // which the test will see in its own assertions.
            let _ = task.await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.clone();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    tracing::debug!(%peer, "test server accepted a TCP connection");
                    tokio::spawn(serve_connection(tcp, Arc::clone(&shared)));
                }
                Err(error) => tracing::debug!(%error, "test server accept failed"),
            },
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
        }
    }
}

async fn serve_connection(tcp: TcpStream, shared: Arc<Shared>) {
    // Low latency for small frames, as a real service would have.
    let _ = tcp.set_nodelay(true);
    match &shared.tls {
        Some(acceptor) => match acceptor.accept(tcp).await {
            Ok(stream) => upgrade(stream, &shared).await,
            Err(error) => tracing::debug!(%error, "test server TLS handshake failed"),
        },
        None => match &shared.http {
            Some(handler) => match plain_http::open(tcp, handler.as_ref()).await {
                plain_http::Opening::Upgrade(stream) => upgrade(stream, &shared).await,
                plain_http::Opening::Done => {}
            },
            None => upgrade(tcp, &shared).await,
        },
    }
}

/// Runs the WebSocket handshake, records it, and hands the connection to the handler.
async fn upgrade<S>(stream: S, shared: &Arc<Shared>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut seen: Option<(RecordedRequest, Option<u16>)> = None;
    // The `Result<Response, ErrorResponse>` shape is tungstenite's callback signature.
    #[allow(clippy::result_large_err)]
    let callback = |request: &Request, response: Response| {
        let recorded = record_request(request);
        let rejection = shared.reject.as_ref().and_then(|decide| decide(&recorded));
        seen = Some((
            recorded,
            rejection.as_ref().map(|rejection| rejection.status),
        ));
        match rejection {
            Some(rejection) => Err(error_response(&rejection)),
            None => Ok(accept_subprotocol(request, response)),
        }
    };
    // No limits: the emulator must be able to receive whatever a client sends.
    let config = WebSocketConfig::default()
        .max_message_size(None)
        .max_frame_size(None);
    let handshake =
        tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config)).await;
    let Some((request, rejected_with)) = seen else {
        tracing::debug!("test server: handshake failed before the request was read");
        return;
    };
    let mut slot = None;
    shared.connections.send_modify(|list| {
        let recorded = Recorded::new(list.len(), request, rejected_with, shared.keep_frames);
        list.push(recorded.clone());
        slot = Some(recorded);
    });
    // `send_modify` always runs its closure, so the slot is filled.
    let Some(recorded) = slot else { return };
    match handshake {
        Ok(ws) if rejected_with.is_none() => {
            let conn = conn::spawn(ws, recorded, shared.shutdown.clone());
            shared.handler.handle(conn).await;
        }
        Ok(_) => {}
        Err(error) => {
            recorded.mark_ended();
            if rejected_with.is_none() {
                tracing::debug!(%error, "test server handshake failed");
            }
        }
    }
}

fn record_request(request: &Request) -> RecordedRequest {
    RecordedRequest {
        path_and_query: request
            .uri()
            .path_and_query()
            .map_or_else(|| request.uri().path().to_owned(), ToString::to_string),
        headers: request
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
    }
}

/// Answers with the first subprotocol the client offered, as servers commonly do
/// (a client that offers some fails the handshake when none is chosen).
fn accept_subprotocol(request: &Request, mut response: Response) -> Response {
    let first = request
        .headers()
        .get(http::header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(',').next())
        .map(str::trim)
        .and_then(|first| HeaderValue::from_str(first).ok());
    if let Some(first) = first {
        response
            .headers_mut()
            .insert(http::header::SEC_WEBSOCKET_PROTOCOL, first);
    }
    response
}

fn error_response(rejection: &Rejection) -> ErrorResponse {
    let mut response = ErrorResponse::new(Some(rejection.body.clone()));
    *response.status_mut() =
        http::StatusCode::from_u16(rejection.status).unwrap_or(http::StatusCode::BAD_REQUEST);
    if let Ok(content_type) = HeaderValue::from_str(&rejection.content_type) {
        response
            .headers_mut()
            .insert(http::header::CONTENT_TYPE, content_type);
    }
    response
}
