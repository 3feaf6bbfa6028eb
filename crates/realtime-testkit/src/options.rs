//! [`TestServerOptions`]: TLS, handler and handshake rejection.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::handler::{Handler, Idle};
use crate::http::{HttpFn, HttpRequest, HttpResponse};
use crate::record::RecordedRequest;

/// An HTTP answer that refuses the WebSocket upgrade (e.g. 401 for a bad key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// HTTP status code, e.g. 401.
    pub status: u16,
    /// Response body.
    pub body: String,
    /// `Content-Type` of the body.
    pub content_type: String,
}

impl Rejection {
    /// A rejection with a JSON body.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            body: body.into(),
            content_type: "application/json".to_owned(),
        }
    }
}

/// Decides per upgrade request whether to refuse it.
pub(crate) type RejectFn = dyn Fn(&RecordedRequest) -> Option<Rejection> + Send + Sync;

/// How to run a [`TestServer`](crate::TestServer).
#[derive(Clone)]
#[must_use]
pub struct TestServerOptions {
    pub(crate) tls: bool,
    pub(crate) handler: Arc<dyn Handler>,
    pub(crate) reject: Option<Arc<RejectFn>>,
    pub(crate) addr: SocketAddr,
    pub(crate) http: Option<Arc<HttpFn>>,
    pub(crate) keep_frames: bool,
}

impl Default for TestServerOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for TestServerOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestServerOptions")
            .field("tls", &self.tls)
            .field("reject", &self.reject.is_some())
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl TestServerOptions {
    /// Plain `ws://`, the [`Idle`] handler, no rejection.
    pub fn new() -> Self {
        Self {
            tls: false,
            handler: Arc::new(Idle),
            reject: None,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            http: None,
            keep_frames: true,
        }
    }

    /// Serves `wss://` with a fresh self-signed certificate for `127.0.0.1` and
    /// `localhost` (see [`TestServer::certificate_der`](crate::TestServer::certificate_der)).
    pub fn tls(mut self, enabled: bool) -> Self {
        self.tls = enabled;
        self
    }

    /// Listens on `addr` instead of `127.0.0.1:<free port>` (a fixed port for a
    /// long-running emulator).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Answers plain HTTP requests (not WebSocket upgrades) with `answer`: the REST
    /// endpoints of an emulated service. Plain `ws://` servers only.
    pub fn http(
        mut self,
        answer: impl Fn(&HttpRequest) -> HttpResponse + Send + Sync + 'static,
    ) -> Self {
        self.http = Some(Arc::new(answer));
        self
    }

    /// Whether each connection's client frames are kept for
    /// [`Recorded::frames`](crate::Recorded::frames) (default: yes). A long-running
    /// server turns this off so its memory does not grow with every frame.
    pub fn keep_frames(mut self, keep: bool) -> Self {
        self.keep_frames = keep;
        self
    }

    /// Sets the handler run for each accepted connection.
    pub fn handler(mut self, handler: impl Handler) -> Self {
        self.handler = Arc::new(handler);
        self
    }

    /// Refuses every upgrade with `rejection`.
    pub fn reject_all(self, rejection: Rejection) -> Self {
        self.reject_when(move |_| Some(rejection.clone()))
    }

    /// Refuses the upgrades for which `decide` returns a rejection, e.g. those
    /// without the expected `api-key` header.
    pub fn reject_when(
        mut self,
        decide: impl Fn(&RecordedRequest) -> Option<Rejection> + Send + Sync + 'static,
    ) -> Self {
        self.reject = Some(Arc::new(decide));
        self
    }
}
