//! [`Handler`]: what the emulator does with each accepted connection.

use std::future::Future;

use async_trait::async_trait;

use crate::conn::ServerConn;
use crate::record::ClientFrame;

/// Drives one accepted connection. Invoked once per connection, on its own task.
///
/// Returning does not close the connection: it stays open and keeps recording
/// client frames until the client leaves or the server shuts down. Call
/// [`ServerConn::close`] or [`ServerConn::drop_connection`] to end it.
///
/// Any `Fn(ServerConn) -> impl Future<Output = ()>` closure is a handler:
///
/// ```
/// use realtime_testkit::{ServerConn, TestServerOptions};
///
/// let options = TestServerOptions::new().handler(|conn: ServerConn| async move {
///     let _ = conn.send_text(r#"{"type":"session.created"}"#).await;
/// });
/// # let _ = options;
/// ```
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    /// Handles one connection.
    async fn handle(&self, conn: ServerConn);
}

#[async_trait]
impl<F, Fut> Handler for F
where
    F: Fn(ServerConn) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    async fn handle(&self, conn: ServerConn) {
        (self)(conn).await;
    }
}

/// Does nothing: the connection stays open and records what the client sends.
/// The default handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct Idle;

#[async_trait]
impl Handler for Idle {
    async fn handle(&self, _conn: ServerConn) {}
}

/// Sends every text and binary frame back to the client until the client closes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Echo;

#[async_trait]
impl Handler for Echo {
    async fn handle(&self, mut conn: ServerConn) {
        while let Some(frame) = conn.recv().await {
            let sent = match frame {
                ClientFrame::Text(text) => conn.send_text(text).await,
                ClientFrame::Binary(bytes) => conn.send_binary(bytes).await,
                ClientFrame::Close { .. } => break,
            };
            if sent.is_err() {
                break;
            }
        }
    }
}
