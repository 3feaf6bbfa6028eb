//! The HTTP/1.1 WebSocket upgrade (RFC 6455, section 4), done here rather than by
//! tungstenite.
//!
//! tungstenite logs the whole upgrade request, credentials included, through the
//! `log` crate at trace level. Writing the request ourselves means the request
//! bytes (and so the `Authorization` or `api-key` value) never reach any logger,
//! whatever logger the application installs. tungstenite only gets the socket after
//! the upgrade ([`WebSocketStream::from_partially_read`]).
//!
//! [`WebSocketStream::from_partially_read`]: tokio_tungstenite::WebSocketStream::from_partially_read

use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::MaybeTlsStream;
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::http::{self, HeaderName, Uri};

use super::config::TransportConfig;
use super::error::{TransportError, truncate_body};
use super::request::ConnectRequest;
use super::retry_after::parse_retry_after;
use super::scrub::Scrubber;
use super::tls;

/// Largest response head (status line and headers) read, in bytes.
const MAX_RESPONSE_HEAD: usize = 16 * 1024;

/// Most of an error body read, in bytes; it is scrubbed whole, then cut to 512.
const MAX_ERROR_BODY: usize = 8 * 1024;

/// How long to wait for the body of a refused upgrade once its head has come.
const ERROR_BODY_WAIT: Duration = Duration::from_secs(1);

/// An upgraded socket, and the bytes read past the response head (the first
/// WebSocket frames, if the server sent them at once).
pub(crate) struct Upgraded {
    pub(crate) stream: MaybeTlsStream<TcpStream>,
    pub(crate) leftover: Vec<u8>,
}

/// What to connect to, parsed and checked, with the request bytes ready to write.
struct Target {
    host: String,
    port: u16,
    tls: bool,
    request: Vec<u8>,
    accept_key: String,
}

/// Opens TCP (and TLS for `wss://`), sends the upgrade request and checks the
/// answer. Not bounded here: the caller bounds the whole with the connect timeout.
pub(crate) async fn upgrade(
    provider: &'static str,
    request: &ConnectRequest,
    config: &TransportConfig,
    scrubber: &Scrubber,
) -> Result<Upgraded, TransportError> {
    let url = request.redacted_url();
    let target = build(provider, request)?;
    let connect_error = |message: String| TransportError::Connect {
        provider,
        url: url.clone(),
        message,
    };
    // Configuration errors (an unusable root certificate) come before any I/O.
    let tls_config = if target.tls {
        Some(tls::client_config(provider, config)?)
    } else {
        None
    };
    let tcp = TcpStream::connect((target.host.as_str(), target.port))
        .await
        .map_err(|error| connect_error(format!("TCP connect failed: {error}")))?;
    if let Err(error) = tcp.set_nodelay(true) {
        tracing::debug!(provider, %error, "could not disable Nagle's algorithm");
    }
    let mut stream = if let Some(tls_config) = tls_config {
        let connector = tokio_rustls::TlsConnector::from(tls_config);
        let name = ServerName::try_from(target.host.clone()).map_err(|_| {
            TransportError::InvalidRequest {
                provider,
                url: url.clone(),
                message: "expected a DNS name or IP address as host, got neither".to_owned(),
            }
        })?;
        let tls = connector
            .connect(name, tcp)
            .await
            .map_err(|error| map_io_error(provider, &url, &error))?;
        MaybeTlsStream::Rustls(tls)
    } else {
        MaybeTlsStream::Plain(tcp)
    };
    stream
        .write_all(&target.request)
        .await
        .map_err(|error| map_io_error(provider, &url, &error))?;
    stream
        .flush()
        .await
        .map_err(|error| map_io_error(provider, &url, &error))?;
    let (head, mut rest) = read_head(&mut stream).await.map_err(connect_error)?;
    let response =
        parse_head(&head).map_err(|message| TransportError::Protocol { provider, message })?;
    if response.status != 101 {
        return Err(refused(provider, &response, &mut stream, rest, scrubber).await);
    }
    check_upgrade(&response, &target, request)
        .map_err(|message| TransportError::Protocol { provider, message })?;
    rest.shrink_to_fit();
    Ok(Upgraded {
        stream,
        leftover: rest,
    })
}

/// Parses the URL and writes the request bytes.
fn build(provider: &'static str, request: &ConnectRequest) -> Result<Target, TransportError> {
    let invalid = |message: String| TransportError::InvalidRequest {
        provider,
        url: request.redacted_url(),
        message,
    };
    let uri: Uri = request
        .url
        .parse()
        .map_err(|_| invalid("expected a ws:// or wss:// URL, got an unparsable one".to_owned()))?;
    let tls = match uri.scheme_str() {
        Some("wss") => true,
        Some("ws") => false,
        other => {
            return Err(invalid(format!(
                "expected a ws:// or wss:// URL with a host, got scheme {:?}",
                other.unwrap_or("")
            )));
        }
    };
    let Some(host) = uri.host().filter(|host| !host.is_empty()) else {
        return Err(invalid(
            "expected a ws:// or wss:// URL with a host, got none".to_owned(),
        ));
    };
    let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
    let host_header = match uri.port_u16() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let path = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let key = generate_key();
    let mut head = String::with_capacity(256);
    // Writing to a String cannot fail.
    let _ = write!(
        head,
        "GET {path} HTTP/1.1\r\nHost: {host_header}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n"
    );
    if !request.subprotocols.is_empty() {
        let joined = request.subprotocols.join(", ");
        if http::HeaderValue::from_str(&joined).is_err() {
            return Err(invalid(
                "expected visible ASCII in the subprotocols, got other bytes".to_owned(),
            ));
        }
        let _ = write!(head, "Sec-WebSocket-Protocol: {joined}\r\n");
    }
    let mut bytes = head.into_bytes();
    for (name, value) in &request.headers {
        HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| invalid(format!("expected a valid header name, got {name:?}")))?;
        if http::HeaderValue::from_str(value.expose()).is_err() {
            return Err(invalid(format!(
                "expected visible ASCII in the value of header {name:?}, got other bytes"
            )));
        }
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(b": ");
        bytes.extend_from_slice(value.expose().as_bytes());
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"\r\n");
    Ok(Target {
        host: host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
        port,
        tls,
        request: bytes,
        accept_key: derive_accept_key(key.as_bytes()),
    })
}

/// Reads until the end of the response head; returns the head and what came after.
async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> Result<(Vec<u8>, Vec<u8>), String> {
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        if let Some(end) = find(&buffer, b"\r\n\r\n") {
            let rest = buffer.split_off(end + 4);
            return Ok((buffer, rest));
        }
        if buffer.len() > MAX_RESPONSE_HEAD {
            return Err(format!(
                "expected an HTTP response head of at most {MAX_RESPONSE_HEAD} bytes, got more"
            ));
        }
        let read = stream
            .read(&mut chunk)
            .await
            .map_err(|error| format!("reading the upgrade response failed: {error}"))?;
        if read == 0 {
            return Err(format!(
                "expected an HTTP response to the upgrade, the server closed the connection after {} bytes",
                buffer.len()
            ));
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
}

/// A parsed response head. Header names are lowercase.
struct ResponseHead {
    status: u16,
    headers: Vec<(String, String)>,
}

impl ResponseHead {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

fn parse_head(head: &[u8]) -> Result<ResponseHead, String> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let status = parts.next().and_then(|code| code.parse::<u16>().ok());
    let Some(status) = status.filter(|_| version.starts_with("HTTP/1.")) else {
        return Err(
            "expected an HTTP/1.1 status line in the upgrade response, got something else"
                .to_owned(),
        );
    };
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    Ok(ResponseHead { status, headers })
}

/// The checks of RFC 6455, section 4.1, on a 101 answer.
fn check_upgrade(
    response: &ResponseHead,
    target: &Target,
    request: &ConnectRequest,
) -> Result<(), String> {
    if !response
        .header("upgrade")
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"))
    {
        return Err("expected `Upgrade: websocket` in the 101 answer, got none".to_owned());
    }
    if !response.header("connection").is_some_and(|value| {
        value
            .split(',')
            .any(|token| token.trim().eq_ignore_ascii_case("upgrade"))
    }) {
        return Err("expected `Connection: Upgrade` in the 101 answer, got none".to_owned());
    }
    if response.header("sec-websocket-accept") != Some(target.accept_key.as_str()) {
        return Err(
            "expected a Sec-WebSocket-Accept matching our key in the 101 answer, got another"
                .to_owned(),
        );
    }
    // Subprotocols can carry a key: never echo them.
    match (
        response.header("sec-websocket-protocol"),
        request.subprotocols.is_empty(),
    ) {
        (None, false) => {
            Err("expected the server to accept one of our subprotocols, it named none".to_owned())
        }
        (Some(_), true) => {
            Err("expected no subprotocol (none was offered), the server named one".to_owned())
        }
        (Some(chosen), false) if !request.subprotocols.iter().any(|p| p == chosen) => {
            Err("expected one of the offered subprotocols, the server named another".to_owned())
        }
        _ => Ok(()),
    }
}

/// The error for a refused upgrade: status, scrubbed body, `Retry-After`.
async fn refused<S: AsyncRead + Unpin>(
    provider: &'static str,
    response: &ResponseHead,
    stream: &mut S,
    mut body: Vec<u8>,
    scrubber: &Scrubber,
) -> TransportError {
    let wanted = response
        .header("content-length")
        .and_then(|length| length.parse::<usize>().ok())
        .unwrap_or(MAX_ERROR_BODY)
        .min(MAX_ERROR_BODY);
    let read_rest = async {
        let mut chunk = [0u8; 2048];
        while body.len() < wanted {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(read) => body.extend_from_slice(&chunk[..read]),
            }
        }
    };
    // A server that sends no length and keeps the connection open: take what came.
    let _ = tokio::time::timeout(ERROR_BODY_WAIT, read_rest).await;
    body.truncate(MAX_ERROR_BODY);
    // Scrub the whole body before cutting it, so no cut key survives the cut.
    let scrubbed = scrubber.scrub(&String::from_utf8_lossy(&body));
    let body = scrubber.scrub(&truncate_body(scrubbed.as_bytes()));
    let status = response.status;
    let retry_after = response
        .header("retry-after")
        .and_then(|value| parse_retry_after(value, SystemTime::now()));
    tracing::debug!(provider, status, ?retry_after, "upgrade refused");
    match retry_after {
        Some(retry_after) if !matches!(status, 401 | 403 | 404) => TransportError::Throttled {
            provider,
            status,
            retry_after,
            body,
        },
        _ => TransportError::Handshake {
            provider,
            status,
            body,
        },
    }
}

/// Maps an I/O failure while connecting: TLS failures (rustls errors wrapped in
/// I/O errors by tokio-rustls) apart from the rest.
fn map_io_error(provider: &'static str, url: &str, error: &std::io::Error) -> TransportError {
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

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::transport::Secret;

    #[test]
    fn request_has_upgrade_headers_subprotocols_and_secrets() {
        let request = ConnectRequest::new("wss://h.example:8443/r?model=m")
            .secret_header("api-key", Secret::new("k"))
            .header("x-trace", "1")
            .subprotocol("realtime")
            .subprotocol("v2");
        let target = build("test", &request).unwrap();
        let text = String::from_utf8(target.request).unwrap();
        assert!(text.starts_with("GET /r?model=m HTTP/1.1\r\nHost: h.example:8443\r\n"));
        assert!(text.contains("\r\nUpgrade: websocket\r\n"), "{text}");
        assert!(text.contains("\r\nSec-WebSocket-Protocol: realtime, v2\r\n"));
        assert!(
            text.contains("\r\napi-key: k\r\nx-trace: 1\r\n\r\n"),
            "{text}"
        );
        assert_eq!((target.port, target.tls), (8443, true));
        assert_eq!(
            build("t", &ConnectRequest::new("ws://[::1]/"))
                .unwrap()
                .host,
            "::1"
        );
    }

    #[test]
    fn invalid_header_value_never_echoes_it() {
        let request = ConnectRequest::new("ws://h/").secret_header("api-key", "bad\nsecret");
        let error = build("test", &request).err().unwrap();
        assert!(matches!(error, TransportError::InvalidRequest { .. }));
        assert!(!error.to_string().contains("secret"), "{error}");
    }

    #[test]
    fn non_websocket_url_is_rejected() {
        let error = build("test", &ConnectRequest::new("https://h/?api-key=abc"))
            .err()
            .unwrap();
        let text = error.to_string();
        assert!(matches!(error, TransportError::InvalidRequest { .. }));
        assert!(text.starts_with("test:") && !text.contains("abc"), "{text}");
    }

    #[test]
    fn parses_heads() {
        let head = parse_head(b"HTTP/1.1 429 Too Many\r\nRetry-After: 3\r\nX: y\r\n\r\n").unwrap();
        assert_eq!(head.status, 429);
        assert_eq!(head.header("retry-after"), Some("3"));
        assert!(parse_head(b"SSH-2.0-OpenSSH\r\n\r\n").is_err());
    }
}
