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
//! - The HTTP upgrade is written and read by this crate, not by tungstenite (which
//!   logs the whole request at trace level through the `log` crate): handshake
//!   headers, and so credentials, reach no logger. The body of a refused upgrade is
//!   scrubbed of the request's secrets (whole, cut, base64 or percent-encoded) before
//!   it goes into [`TransportError::Handshake`] or [`TransportError::Throttled`].
//! - Every wait has a bound: the connect timeout, the write timeout (a peer that
//!   stops reading ends the connection with [`TransportError::WriteTimeout`], while
//!   reads and the pong timeout go on), the pong timeout, and the close timeout
//!   ([`FrameSink::close`] returns within it whether or not the application reads
//!   its frames). [`FrameSink::send`] waits at most the write timeout for room.
//! - Both queues are bounded in frames and in bytes
//!   ([`TransportConfig::outgoing_max_bytes`], [`TransportConfig::incoming_max_bytes`]);
//!   the outgoing side follows [`Backpressure`] and reports a full queue as
//!   [`TransportError::Backpressure`] or [`TransportError::BackpressureBytes`]; the
//!   incoming side stops reading (TCP flow control), dropping nothing.
//! - Pings are sent at [`TransportConfig::ping_interval`]; when nothing arrives within
//!   the pong timeout the stream yields [`TransportError::PongTimeout`].
//! - An incoming message larger than the configured maximum yields
//!   [`TransportError::FrameTooLarge`], a close with a code other than 1000 yields
//!   [`TransportError::Closed`] (see [`CloseKind`]), a connection dropped without a
//!   close frame yields [`TransportError::ConnectionLost`]; after such an item the
//!   stream ends. [`TransportError::is_fatal`] says when retrying cannot help, and
//!   [`TransportError::retry_after`] how long the server asked to wait.
//! - Sending after the connection ended is an error, never `Ok`.
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
pub use scrub::percent_encode;
pub use secret::Secret;
pub use sink::FrameSink;
pub use stream::{FrameStream, Incoming};
