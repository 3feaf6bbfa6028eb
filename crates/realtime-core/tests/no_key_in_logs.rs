//! No key in any log, whatever logger the application installs.
//!
//! This binary installs both a `log` logger and a `tracing` subscriber, each at
//! TRACE and capturing everything (tungstenite logs through `log`, this crate
//! through `tracing`). It then connects with an API key in the `Authorization`
//! header, the `api-key` header, the query string and a subprotocol:
//!
//! - to echoing proxies that return the whole upgrade request in a 400, 401 and
//!   429 body (one pads the body so the 512-byte cut falls inside the key);
//! - to a real WebSocket server, exchanging frames and closing.
//!
//! Every error's `Display` and `Debug` is logged too. Then every captured line is
//! scanned for every 4-character piece of the key, of its base64 form and of its
//! percent-encoded form. Each connection first proves the key went over the wire,
//! and the scan proves the logger saw tungstenite's trace output, so a scan that
//! finds nothing means something.
//!
//! One test only: the loggers are process-wide.
#![allow(clippy::unwrap_used, clippy::result_large_err)]

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use realtime_core::client::RealtimeClient;
use realtime_core::dialect::GenericDialect;
use realtime_core::protocol::{AudioBase64, ClientEvent};
use realtime_core::transport::{
    ConnectRequest, Incoming, Secret, StaticConnector, TransportConfig, TransportError, connect,
};
use realtime_core::wire::WireShape;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

/// Random-looking, with characters that percent-encoding changes.
const KEY: &str = "ZQ7X+K9VW/3JRT=8YPB5HNC4MKD";
const WAIT: Duration = Duration::from_secs(10);

/// Everything both loggers printed.
fn captured() -> &'static Mutex<String> {
    static CAPTURED: OnceLock<Arc<Mutex<String>>> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(String::new()));
        log::set_logger(Box::leak(Box::new(LogCapture(Arc::clone(&buffer))))).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
        let sink = Arc::clone(&buffer);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || TracingCapture(Arc::clone(&sink)))
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        buffer
    })
}

struct LogCapture(Arc<Mutex<String>>);

impl log::Log for LogCapture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = format!(
            "log {} {}: {}\n",
            record.level(),
            record.target(),
            record.args()
        );
        self.0.lock().unwrap().push_str(&line);
    }

    fn flush(&self) {}
}

struct TracingCapture(Arc<Mutex<String>>);

impl Write for TracingCapture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap()
            .push_str(&String::from_utf8_lossy(bytes));
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn percent_encoded(value: &str) -> String {
    value
        .bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

/// The key in every form a leak could take, with the piece length that counts as
/// a leak: 4 characters of the key itself or of its percent-encoding; 12 of its
/// base64 (shorter runs of base64 turn up by chance in any random base64, such as
/// the `Sec-WebSocket-Key` of every upgrade, which always ends in `==`).
fn forms() -> Vec<(String, usize)> {
    vec![
        (KEY.to_owned(), 4),
        (AudioBase64::from_pcm(KEY.as_bytes()).into_string(), 12),
        (
            AudioBase64::from_pcm(format!("Bearer {KEY}").as_bytes()).into_string(),
            12,
        ),
        (percent_encoded(KEY), 4),
    ]
}

/// Lines of `text` that hold a piece of any form of the key.
fn leaking_lines(text: &str) -> Vec<String> {
    let pieces: Vec<String> = forms()
        .iter()
        .flat_map(|(form, piece)| {
            form.as_bytes()
                .windows(*piece)
                .map(|w| String::from_utf8(w.to_vec()).unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    text.lines()
        .filter(|line| pieces.iter().any(|piece| line.contains(piece.as_str())))
        .map(|line| line.chars().take(300).collect())
        .collect()
}

fn request(url: &str) -> ConnectRequest {
    ConnectRequest::new(format!(
        "{url}/v1/realtime?model=m&api-key={}",
        percent_encoded(KEY)
    ))
    .secret_header("Authorization", Secret::new(format!("Bearer {KEY}")))
    .secret_header("api-key", Secret::new(KEY))
}

/// A proxy that answers the upgrade with `status` and the request as the body.
/// With `cut_key`, pads the body so the 512-byte cut falls inside the key.
/// Returns the URL and the request it got.
async fn echoing_proxy(
    status: &'static str,
    extra_headers: &'static str,
    cut_key: bool,
) -> (String, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut chunk = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let read = tcp.read(&mut chunk).await.unwrap();
            assert!(read > 0, "client closed before its request ended");
            head.extend_from_slice(&chunk[..read]);
        }
        let request = String::from_utf8(head).unwrap();
        let mut body = String::new();
        if cut_key {
            let at = request.find(&format!("Bearer {KEY}")).unwrap() + "Bearer ".len();
            body.push_str(&"x".repeat(512 - at - 6));
        }
        body.push_str(&request);
        let answer = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\n{extra_headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        tcp.write_all(answer.as_bytes()).await.unwrap();
        request
    });
    (url, task)
}

/// A WebSocket server that records the upgrade headers, echoes frames and closes
/// normally when the client does.
async fn echo_server() -> (String, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let seen = Arc::new(Mutex::new(String::new()));
        let record = Arc::clone(&seen);
        let callback = move |request: &Request, response: Response| {
            for (name, value) in request.headers() {
                let line = format!("{name}: {}\n", value.to_str().unwrap_or_default());
                record.lock().unwrap().push_str(&line);
            }
            Ok(response)
        };
        let mut ws = tokio_tungstenite::accept_hdr_async(tcp, callback)
            .await
            .unwrap();
        while let Some(Ok(message)) = ws.next().await {
            if message.is_text() && ws.send(message).await.is_err() {
                break;
            }
        }
        seen.lock().unwrap().clone()
    });
    (url, task)
}

fn log_error(error: &dyn std::error::Error) {
    tracing::error!(%error, debug = ?error, "connection error");
    log::error!("connection error: {error} / {error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::print_stderr)]
async fn no_piece_of_the_key_reaches_any_log_at_trace_level() {
    let capture = captured();
    let config = TransportConfig::default();

    // 1. Echoing proxies: 400, 401 with the key cut at 512 bytes, 429 with Retry-After.
    let proxies = [
        ("400 Bad Request", "", false),
        ("401 Unauthorized", "", true),
        ("429 Too Many Requests", "Retry-After: 3\r\n", false),
    ];
    for (status, extra, cut) in proxies {
        let (url, proxy) = echoing_proxy(status, extra, cut).await;
        let connector = StaticConnector::new(
            "test-provider",
            request(&url).subprotocol(format!(
                "openai-insecure-api-key.{}",
                KEY.replace(['+', '/', '='], "")
            )),
        );
        let error = tokio::time::timeout(WAIT, connect(&connector, &config))
            .await
            .unwrap()
            .unwrap_err();
        let got = proxy.await.unwrap();
        assert!(
            got.contains(&format!("Bearer {KEY}")),
            "the key went over the wire"
        );
        match &error {
            TransportError::Handshake {
                status: 400, body, ..
            } => {
                assert!(body.contains("GET /v1/realtime"), "{body}");
            }
            TransportError::Handshake {
                status: 401, body, ..
            } => {
                assert!(error.is_fatal() && body.len() <= 512, "{body}");
            }
            TransportError::Throttled {
                status: 429,
                retry_after,
                ..
            } => {
                assert_eq!(*retry_after, Duration::from_secs(3));
            }
            other => panic!("unexpected {other:?}"),
        }
        log_error(&error);
    }

    // 2. A real server: connect, exchange a frame, close.
    let (url, server) = echo_server().await;
    let connector = StaticConnector::new("test-provider", request(&url));
    let (sink, mut stream) = connect(&connector, &config).await.unwrap();
    sink.send(r#"{"type":"input_audio_buffer.clear"}"#.to_owned())
        .await
        .unwrap();
    let echoed = tokio::time::timeout(WAIT, stream.next_frame())
        .await
        .unwrap();
    assert!(matches!(echoed, Some(Ok(Incoming::Text(_)))), "{echoed:?}");
    sink.close(1000, "done").await.unwrap();
    let seen = server.await.unwrap();
    assert!(
        seen.contains(&format!("Bearer {KEY}")),
        "the key went over the wire"
    );

    // 3. The same through a client session.
    let (url, server) = echo_server().await;
    let connector = StaticConnector::new("test-provider", request(&url));
    let client = RealtimeClient::new(GenericDialect::new(WireShape::Ga), connector);
    let session = client.connect().await.unwrap();
    session
        .send(&ClientEvent::append_audio(&[0; 64]))
        .await
        .unwrap();
    session.close().await.unwrap();
    assert!(
        server.await.unwrap().contains(KEY),
        "the key went over the wire"
    );

    let text = capture.lock().unwrap().clone();
    // The scan means something: the `log` bridge saw tungstenite at trace level,
    // and tracing saw the errors.
    assert!(
        text.lines()
            .any(|line| line.starts_with("log TRACE tungstenite")),
        "no tungstenite trace output captured"
    );
    assert!(text.contains("connection error"), "errors were not logged");
    let leaks = leaking_lines(&text);
    eprintln!(
        "captured {} log lines at trace level; {} hold a piece of the key",
        text.lines().count(),
        leaks.len()
    );
    assert_eq!(
        leaks.len(),
        0,
        "lines holding a piece of the key: {leaks:#?}"
    );
}
