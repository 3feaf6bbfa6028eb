//! The one WebSocket transport shared by every provider.
//!
//! This layer moves WebSocket *text frames* (`String`s) between the application and a
//! realtime endpoint. It knows nothing about JSON events: the dialect layer turns
//! frames into canonical events and back.
//!
//! ```text
//!  Connector ──request()──▶ ConnectRequest (URL, headers, subprotocols)
//!                                 │
//!                     connect(&connector, &config)
//!                                 │
//!            ┌────────────────────┴────────────────────┐
//!       FrameSink (Clone)   ──bounded mpsc──▶  socket task  ──bounded mpsc──▶  FrameStream
//!       send / try_send / close              (owns the socket, pings,          Stream<Item =
//!                                             pongs, size limits, close)       Result<Incoming, _>>
//! ```
//!
//! What the transport guarantees:
//!
//! - `wss://` uses rustls with the `ring` provider passed explicitly (never the
//!   process-wide default) and the webpki root store, plus any root added with
//!   [`TransportConfig::add_root_certificate`].
//! - Both channels are bounded; the outgoing side follows [`Backpressure`].
//! - Pings are sent at [`TransportConfig::ping_interval`]; when nothing arrives within
//!   the pong timeout the stream yields [`TransportError::PongTimeout`].
//! - An incoming message larger than the configured maximum yields
//!   [`TransportError::FrameTooLarge`], a close with a code other than 1000 yields
//!   [`TransportError::Closed`], a connection dropped without a close frame yields
//!   [`TransportError::ConnectionLost`]; after such an item the stream ends.
//! - Secrets ([`Secret`]) never appear in `Debug`, `Display` or logs, and URLs are
//!   logged through [`redact_url`].
//!
//! # Example
//!
//! ```no_run
//! use realtime_core::transport::{
//!     connect, ConnectRequest, Incoming, Secret, StaticConnector, TransportConfig,
//! };
//!
//! # async fn run() -> Result<(), realtime_core::transport::TransportError> {
//! let request = ConnectRequest::new("wss://example.invalid/v1/realtime?model=m")
//!     .secret_header("Authorization", Secret::new("Bearer sk-..."));
//! let connector = StaticConnector::new("example", request);
//! let (sink, mut stream) = connect(&connector, &TransportConfig::default()).await?;
//! sink.send(r#"{"type":"session.update"}"#.to_owned()).await?;
//! while let Some(frame) = stream.next_frame().await {
//!     match frame? {
//!         Incoming::Text(text) => { let _ = text; }
//!         Incoming::Binary(bytes) => { let _ = bytes; }
//!     }
//! }
//! sink.close(1000, "bye").await?;
//! # Ok(())
//! # }
//! ```

mod config;
mod connect;
mod connector;
mod error;
mod handshake;
mod request;
mod retry_after;
mod scrub;
mod secret;
mod sink;
mod socket;
mod stream;
mod tls;

pub use config::{Backpressure, TransportConfig};
pub use connect::connect;
pub use connector::{ConnectError, Connector, StaticConnector};
pub use error::{CloseKind, TransportError};
pub use request::{ConnectRequest, HeaderValue, redact_url};
pub use secret::Secret;
pub use sink::FrameSink;
pub use stream::{FrameStream, Incoming};
