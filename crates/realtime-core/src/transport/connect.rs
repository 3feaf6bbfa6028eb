//! [`connect`]: open a connection from a [`Connector`].

use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::{self, HeaderName};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{self as tt, tungstenite};

use super::config::TransportConfig;
use super::connector::Connector;
use super::error::{TransportError, truncate_body};
use super::request::ConnectRequest;
use super::sink::FrameSink;
use super::socket;
use super::stream::FrameStream;
use super::tls;

/// Opens a WebSocket connection described by `connector` and starts its socket task.
///
/// Asks the connector for a [`ConnectRequest`], sends its headers (secret values
/// marked sensitive) and its subprotocols as `Sec-WebSocket-Protocol`, and connects
/// to `ws://` or `wss://` (rustls, `ring` provider, webpki roots plus
/// [`TransportConfig::add_root_certificate`]), all within the connect timeout.
///
/// # Errors
///
/// [`TransportError::Connector`] when the connector fails,
/// [`TransportError::InvalidRequest`] for an unusable URL or header,
/// [`TransportError::Handshake`] when the server answers with an HTTP error,
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
    let http_request = build_request(provider, &request)?;
    let tls_connector = if http_request.uri().scheme_str() == Some("wss") {
        tt::Connector::Rustls(tls::client_config(provider, config)?)
    } else {
        tt::Connector::Plain
    };
    let ws_config = WebSocketConfig::default()
        .read_buffer_size(config.get_read_buffer_size())
        .max_message_size(Some(config.get_max_message_size()))
        .max_frame_size(Some(config.get_max_frame_size()));
    let handshake =
        tt::connect_async_tls_with_config(http_request, Some(ws_config), true, Some(tls_connector));
    let (ws, response) = match tokio::time::timeout(config.get_connect_timeout(), handshake).await {
        Ok(Ok(connected)) => connected,
        Ok(Err(error)) => return Err(map_handshake_error(provider, &url, error)),
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
    tracing::debug!(provider, url = %url, status = response.status().as_u16(), "connected");
    Ok(socket::spawn(ws, provider, config))
}

/// Builds the HTTP upgrade request: URL, headers, subprotocols.
fn build_request(
    provider: &'static str,
    request: &ConnectRequest,
) -> Result<Request, TransportError> {
    let invalid = |message: String| TransportError::InvalidRequest {
        provider,
        url: request.redacted_url(),
        message,
    };
    let mut http_request = request
        .url
        .as_str()
        .into_client_request()
        .map_err(|error| invalid(format!("expected a ws:// or wss:// URL: {error}")))?;
    let uri = http_request.uri();
    if !matches!(uri.scheme_str(), Some("ws" | "wss")) || uri.host().is_none() {
        return Err(invalid(format!(
            "expected a ws:// or wss:// URL with a host, got scheme {:?}",
            uri.scheme_str().unwrap_or("")
        )));
    }
    let headers = http_request.headers_mut();
    for (name, value) in &request.headers {
        let header_name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| invalid(format!("expected a valid header name, got {name:?}")))?;
        let mut header_value = http::HeaderValue::from_str(value.expose()).map_err(|_| {
            invalid(format!(
                "expected visible ASCII in the value of header {name:?}, got other bytes"
            ))
        })?;
        header_value.set_sensitive(value.is_secret());
        headers.append(header_name, header_value);
    }
    if !request.subprotocols.is_empty() {
        let joined = request.subprotocols.join(", ");
        let value = http::HeaderValue::from_str(&joined).map_err(|_| {
            invalid("expected visible ASCII in the subprotocols, got other bytes".to_owned())
        })?;
        headers.insert(http::header::SEC_WEBSOCKET_PROTOCOL, value);
    }
    Ok(http_request)
}

/// Maps a failed connection attempt.
fn map_handshake_error(
    provider: &'static str,
    url: &str,
    error: tungstenite::Error,
) -> TransportError {
    match error {
        tungstenite::Error::Http(response) => {
            let body = response
                .body()
                .as_deref()
                .map(truncate_body)
                .unwrap_or_default();
            TransportError::Handshake {
                provider,
                status: response.status().as_u16(),
                body,
            }
        }
        tungstenite::Error::Tls(error) => TransportError::Tls {
            provider,
            message: error.to_string(),
        },
        tungstenite::Error::Io(error) => {
            // tokio-rustls reports certificate and handshake failures as I/O errors
            // wrapping a rustls error.
            if let Some(tls_error) = error
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            {
                TransportError::Tls {
                    provider,
                    message: tls_error.to_string(),
                }
            } else {
                TransportError::Connect {
                    provider,
                    url: url.to_owned(),
                    message: error.to_string(),
                }
            }
        }
        tungstenite::Error::Url(error) => TransportError::InvalidRequest {
            provider,
            url: url.to_owned(),
            message: format!("expected a ws:// or wss:// URL with a host: {error}"),
        },
        other => TransportError::Connect {
            provider,
            url: url.to_owned(),
            message: other.to_string(),
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::transport::Secret;

    #[test]
    fn secret_headers_are_sensitive_and_subprotocols_joined() {
        let request = ConnectRequest::new("wss://h.example/r")
            .secret_header("api-key", Secret::new("k"))
            .header("x-trace", "1")
            .subprotocol("realtime")
            .subprotocol("v2");
        let built = build_request("test", &request).unwrap();
        let headers = built.headers();
        assert!(headers.get("api-key").unwrap().is_sensitive());
        assert!(!headers.get("x-trace").unwrap().is_sensitive());
        assert_eq!(
            headers.get("sec-websocket-protocol").unwrap(),
            "realtime, v2"
        );
    }

    #[test]
    fn invalid_header_value_never_echoes_it() {
        let request = ConnectRequest::new("ws://h/").secret_header("api-key", "bad\nsecret");
        let error = build_request("test", &request).unwrap_err();
        assert!(matches!(error, TransportError::InvalidRequest { .. }));
        assert!(!error.to_string().contains("secret"), "{error}");
    }

    #[test]
    fn non_websocket_url_is_rejected() {
        let request = ConnectRequest::new("https://h/?api-key=abc");
        let error = build_request("test", &request).unwrap_err();
        let text = error.to_string();
        assert!(
            matches!(error, TransportError::InvalidRequest { .. }),
            "{error:?}"
        );
        assert!(text.starts_with("test:") && !text.contains("abc"), "{text}");
    }
}
