//! [`connect`]: open a connection from a [`Connector`].

use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use super::config::TransportConfig;
use super::connector::Connector;
use super::error::TransportError;
use super::handshake;
use super::scrub::Scrubber;
use super::sink::FrameSink;
use super::socket;
use super::stream::FrameStream;

/// Opens a WebSocket connection described by `connector` and starts its socket task.
///
/// Asks the connector for a [`ConnectRequest`](super::ConnectRequest), sends its
/// headers and its subprotocols as `Sec-WebSocket-Protocol`, and connects to `ws://`
/// or `wss://` (rustls, `ring` provider, webpki roots plus
/// [`TransportConfig::add_root_certificate`]), all within the connect timeout.
///
/// The upgrade request is written by this crate, not by tungstenite, so its headers
/// (and the credentials in them) never reach any logger. Text the server sends back
/// in a refused upgrade is scrubbed of the request's secrets before it goes into an
/// error.
///
/// # Errors
///
/// [`TransportError::Connector`] when the connector fails,
/// [`TransportError::InvalidRequest`] for an unusable URL or header,
/// [`TransportError::Handshake`] when the server answers with an HTTP error
/// ([`TransportError::Throttled`] when it also says when to retry),
/// [`TransportError::Protocol`] for an answer that is not a valid upgrade,
/// [`TransportError::Tls`] for certificate and TLS failures, and
/// [`TransportError::Connect`] for everything else (refused, timed out, ...).
pub async fn connect(
    connector: &dyn Connector,
    config: &TransportConfig,
) -> Result<(FrameSink, FrameStream), TransportError> {
    let provider = connector.provider();
    let request = connector.request().await?;
    let url = request.redacted_url();
    tracing::debug!(
        provider,
        url = %url,
        headers = request.headers.len(),
        subprotocols = request.subprotocols.len(),
        "connecting"
    );
    let scrubber = Scrubber::for_request(&request);
    let upgrade = handshake::upgrade(provider, &request, config, &scrubber);
    let upgraded = match tokio::time::timeout(config.get_connect_timeout(), upgrade).await {
        Ok(result) => result?,
        Err(_) => {
            return Err(TransportError::Connect {
                provider,
                url,
                message: format!(
                    "expected the connection to open within {:?}, it did not",
                    config.get_connect_timeout()
                ),
            });
        }
    };
    let ws_config = WebSocketConfig::default()
        .read_buffer_size(config.get_read_buffer_size())
        .max_message_size(Some(config.get_max_message_size()))
        .max_frame_size(Some(config.get_max_frame_size()));
    let ws = WebSocketStream::from_partially_read(
        upgraded.stream,
        upgraded.leftover,
        Role::Client,
        Some(ws_config),
    )
    .await;
    tracing::debug!(provider, url = %url, "connected");
    Ok(socket::spawn(ws, provider, config))
}
