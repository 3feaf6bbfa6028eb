//! [`RealtimeClient`]: a [`Dialect`] plus a [`Connector`], giving a [`Session`].
//!
//! The session is a thin async wrapper around the sans-IO dialect: frames from the
//! transport are decoded by the dialect into [`ServerEvent`](crate::protocol::ServerEvent)s; [`ClientEvent`](crate::protocol::ClientEvent)s are
//! encoded by the dialect and handed to the transport. Nothing is parsed inside the
//! network task, so nothing is lost between reads, and every failure surfaces as a
//! [`ClientError`] item on the stream instead of being dropped.

mod error;
mod record;
mod session;

use std::path::Path;
use std::sync::Arc;

pub use error::ClientError;
pub use record::{Direction, Recorder};
pub use session::{EventStream, Session, SessionSender};

use crate::dialect::Dialect;
use crate::transport::{self, Connector, TransportConfig};

/// Connects sessions for one provider dialect.
///
/// ```no_run
/// # async fn demo(dialect: impl realtime_core::dialect::Dialect, connector: impl realtime_core::transport::Connector + 'static)
/// # -> Result<(), realtime_core::client::ClientError> {
/// use realtime_core::client::RealtimeClient;
/// use realtime_core::protocol::{ClientEvent, Item, ServerEvent};
///
/// let client = RealtimeClient::new(dialect, connector);
/// let mut session = client.connect().await?;
/// session.send(&ClientEvent::create_item(Item::user_text("Hello!"))).await?;
/// session.send(&ClientEvent::create_response()).await?;
/// while let Some(event) = session.next_event().await {
///     if let ServerEvent::ResponseDone(_) = event? {
///         break;
///     }
/// }
/// session.close().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RealtimeClient {
    dialect: Arc<dyn Dialect>,
    connector: Arc<dyn Connector>,
    transport: TransportConfig,
    recorder: Option<Recorder>,
}

impl RealtimeClient {
    /// A client speaking `dialect` over connections made by `connector`.
    pub fn new(dialect: impl Dialect, connector: impl Connector + 'static) -> Self {
        Self::from_parts(Arc::new(dialect), Arc::new(connector))
    }

    /// A client from shared parts.
    pub fn from_parts(dialect: Arc<dyn Dialect>, connector: Arc<dyn Connector>) -> Self {
        Self {
            dialect,
            connector,
            transport: TransportConfig::default(),
            recorder: None,
        }
    }

    /// Sets the transport settings (frame size, channel capacities, ping interval).
    #[must_use]
    pub fn transport_config(mut self, config: TransportConfig) -> Self {
        self.transport = config;
        self
    }

    /// Records every frame in and out of each session to `recorder`, in the JSONL
    /// fixture format that `cargo xtask conformance --fixtures` reads.
    #[must_use]
    pub fn recorder(mut self, recorder: Recorder) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// Records every frame to a new JSONL file at `path` (see [`Recorder`]).
    ///
    /// # Errors
    /// The file cannot be created.
    pub fn record_to(self, path: impl AsRef<Path>) -> std::io::Result<Self> {
        let recorder = Recorder::create(path, self.dialect.name())?;
        Ok(self.recorder(recorder))
    }

    /// The dialect.
    pub fn dialect(&self) -> &Arc<dyn Dialect> {
        &self.dialect
    }

    /// The connector.
    pub fn connector(&self) -> &Arc<dyn Connector> {
        &self.connector
    }

    /// Opens a session.
    ///
    /// # Errors
    /// [`ClientError::Transport`] when the connector or the WebSocket handshake fails
    /// (an HTTP 401 from the provider, say).
    pub async fn connect(&self) -> Result<Session, ClientError> {
        self.connect_with_dialect(Arc::clone(&self.dialect)).await
    }

    /// Opens a session speaking `dialect` instead of the configured one: a reconnect
    /// uses the dialect the previous session settled on (after a
    /// [`DialectSwitched`](crate::dialect::DialectSwitched)), so the replay is written in the server's
    /// dialect from the first frame. The connector is asked for a fresh request (and
    /// so a fresh token) each time.
    ///
    /// # Errors
    /// As [`connect`](Self::connect).
    pub async fn connect_with_dialect(
        &self,
        dialect: Arc<dyn Dialect>,
    ) -> Result<Session, ClientError> {
        let (sink, stream) = transport::connect(self.connector.as_ref(), &self.transport).await?;
        tracing::debug!(
            dialect = dialect.name(),
            provider = dialect.provider(),
            "session connected"
        );
        Ok(Session::new(dialect, sink, stream, self.recorder.clone()))
    }
}
