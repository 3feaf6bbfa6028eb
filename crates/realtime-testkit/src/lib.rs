//! A local realtime provider emulator for tests: a real WebSocket server on
//! `127.0.0.1`, with recording and fault injection.
//!
//! This crate does not mock any trait of `realtime-core`: clients under test open a
//! real TCP (optionally TLS) connection to [`TestServer`], which
//!
//! - records every connection attempt: the upgrade request's path, query and
//!   headers ([`RecordedRequest`]) and every client frame in order ([`Recorded`],
//!   with [`Recorded::wait_for_frames`]);
//! - runs a [`Handler`] per accepted connection, given a [`ServerConn`] to receive
//!   and send frames and to inject faults: [`ServerConn::drop_connection`],
//!   [`ServerConn::send_raw_malformed`], [`ServerConn::stall`],
//!   [`ServerConn::send_oversized`];
//! - can refuse the upgrade with an HTTP status and body ([`Rejection`]), e.g. a
//!   401 for a wrong key;
//! - can serve `wss://` with a fresh self-signed certificate
//!   ([`TestServer::certificate_der`], [`TestServer::trust`]).
//!
//! This is the raw layer: it moves frames and knows no realtime event. Protocol-aware
//! scripting (dialect-faithful answers and rejections) is built on top of
//! [`Handler`] and [`ServerConn`].
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use realtime_core::transport::{connect, ConnectRequest, Incoming, StaticConnector, TransportConfig};
//! use realtime_testkit::{ClientFrame, Echo, TestServer, TestServerOptions};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let server = TestServer::start(TestServerOptions::new().tls(true).handler(Echo)).await?;
//! let request = ConnectRequest::new(server.ws_url("/v1/realtime?model=m"))
//!     .secret_header("Authorization", "Bearer test-key");
//! let connector = StaticConnector::new("emulator", request);
//! let config = server.trust(TransportConfig::default());
//! let (sink, mut stream) = connect(&connector, &config).await?;
//!
//! sink.send(r#"{"type":"session.update"}"#.to_owned()).await?;
//! assert_eq!(
//!     stream.next_frame().await.transpose()?,
//!     Some(Incoming::Text(r#"{"type":"session.update"}"#.to_owned())),
//! );
//!
//! let recorded = server.wait_for_connection(0, Duration::from_secs(5)).await?;
//! assert_eq!(recorded.request().header("authorization"), Some("Bearer test-key"));
//! assert_eq!(recorded.request().query_param("model"), Some("m"));
//! let frames = recorded.wait_for_frames(1, Duration::from_secs(5)).await?;
//! assert_eq!(frames[0], ClientFrame::Text(r#"{"type":"session.update"}"#.to_owned()));
//!
//! sink.close(1000, "done").await?;
//! server.shutdown().await;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })
//! # }
//! ```

#![warn(missing_docs)]

mod conn;
mod error;
mod handler;
mod http;
mod options;
mod record;
mod server;
mod tls;

pub mod emulator;

pub use conn::ServerConn;
pub use error::TestkitError;
pub use handler::{Echo, Handler, Idle};
pub use http::{HttpRequest, HttpResponse};
pub use options::{Rejection, TestServerOptions};
pub use record::{ClientFrame, Recorded, RecordedRequest};
pub use server::TestServer;
