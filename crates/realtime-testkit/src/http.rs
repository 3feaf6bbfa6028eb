//! Plain HTTP requests on the WebSocket port (the REST endpoints an emulated
//! service answers beside its socket): [`HttpRequest`] in, [`HttpResponse`] out.
//!
//! Only plain `ws://` servers with an HTTP handler read requests this way: the head
//! is read first; an upgrade request is handed on to the WebSocket handshake with the
//! bytes already read, any other request to the handler.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

use crate::record::RecordedRequest;

/// Largest request head read, in bytes.
const MAX_HEAD: usize = 16 * 1024;
/// Largest request body read, in bytes.
const MAX_BODY: usize = 1024 * 1024;
/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A plain HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// Path, query and headers (names lower-case).
    pub head: RecordedRequest,
    /// The body (at most 1 MiB).
    pub body: Vec<u8>,
}

/// The answer to an [`HttpRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers besides `Content-Length` and `Connection`.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A JSON answer.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
            body: body.to_string().into_bytes(),
        }
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// Decides the answer to a plain HTTP request.
pub(crate) type HttpFn = dyn Fn(&HttpRequest) -> HttpResponse + Send + Sync;

/// What the first bytes of a connection were.
pub(crate) enum Opening {
    /// A WebSocket upgrade: the stream, with the bytes already read put back.
    Upgrade(Prefixed<TcpStream>),
    /// Another request, answered (or the client sent nothing usable).
    Done,
}

/// Reads the request head; answers a plain request with `handler`.
pub(crate) async fn open(mut tcp: TcpStream, handler: &HttpFn) -> Opening {
    let mut buffer = Vec::with_capacity(1024);
    let read = tokio::time::timeout(READ_TIMEOUT, read_head(&mut tcp, &mut buffer)).await;
    let Ok(Ok(Some(head_end))) = read else {
        return Opening::Done;
    };
    let Some((method, head)) = parse_head(&buffer[..head_end]) else {
        let _ = write_response(
            &mut tcp,
            &HttpResponse::json(
                400,
                &serde_json::json!({"error": {"message": "Bad request."}}),
            ),
        )
        .await;
        return Opening::Done;
    };
    let upgrade = head
        .header("upgrade")
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"));
    if upgrade {
        return Opening::Upgrade(Prefixed {
            prefix: buffer,
            offset: 0,
            inner: tcp,
        });
    }
    let length: usize = head
        .header("content-length")
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0);
    if length > MAX_BODY {
        let _ = write_response(
            &mut tcp,
            &HttpResponse::json(
                413,
                &serde_json::json!({"error": {"message": "Request body too large."}}),
            ),
        )
        .await;
        return Opening::Done;
    }
    let mut body = buffer[head_end..].to_vec();
    let rest = length.saturating_sub(body.len());
    if rest > 0 {
        let mut more = vec![0; rest];
        if tokio::time::timeout(READ_TIMEOUT, tcp.read_exact(&mut more))
            .await
            .map_or(true, |read| read.is_err())
        {
            return Opening::Done;
        }
        body.extend(more);
    }
    body.truncate(length);
    let response = handler(&HttpRequest { method, head, body });
    let _ = write_response(&mut tcp, &response).await;
    Opening::Done
}

/// Reads until the end of the head; its length (with the blank line), or `None`.
async fn read_head(tcp: &mut TcpStream, buffer: &mut Vec<u8>) -> io::Result<Option<usize>> {
    let mut chunk = [0u8; 2048];
    loop {
        if let Some(at) = find(buffer, b"\r\n\r\n") {
            return Ok(Some(at + 4));
        }
        if buffer.len() >= MAX_HEAD {
            return Ok(None);
        }
        let read = tcp.read(&mut chunk).await?;
        if read == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn parse_head(head: &[u8]) -> Option<(String, RecordedRequest)> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let path_and_query = request_line.next()?.to_owned();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    Some((
        method,
        RecordedRequest {
            path_and_query,
            headers,
        },
    ))
}

async fn write_response(tcp: &mut TcpStream, response: &HttpResponse) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        response.body.len()
    ));
    tcp.write_all(head.as_bytes()).await?;
    tcp.write_all(&response.body).await?;
    tcp.shutdown().await
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        _ => "",
    }
}

/// A stream whose first bytes were already read: they are read again first.
#[derive(Debug)]
pub(crate) struct Prefixed<S> {
    prefix: Vec<u8>,
    offset: usize,
    inner: S,
}

impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.offset < self.prefix.len() {
            let available = &self.prefix[self.offset..];
            let taken = available.len().min(buf.remaining());
            buf.put_slice(&available[..taken]);
            self.offset += taken;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
