//! The transport and client against hostile loopback servers (plain
//! tokio-tungstenite or raw TCP, started in each test):
//!
//! - a peer that accepts the upgrade and never reads (tiny socket buffers, large
//!   frames): a typed `WriteTimeout` within the bound while reads go on, `send`
//!   never blocks forever, send after the end is an error, `close()` is bounded even
//!   with unread events;
//! - a server that sends 100 frames of 5 MB the application does not read: the
//!   incoming queue stays within its byte bound, and nothing is lost;
//! - refused upgrades (401/403 fatal, 429 with `Retry-After`), server close codes;
//! - odd-length PCM16 refused before anything is sent.
//!
//! The client-level tests run on every provider's client (OpenAI, Azure OpenAI,
//! Voice Live); the transport is the same for all.
//!
//! Every wait in a test has a guard ([`GUARD`]) so a regression fails instead of
//! hanging; no test asserts on how fast something happened.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use realtime::azure_openai::{Auth, AzureOpenAiConfig};
use realtime::client::{ClientError, RealtimeClient, Session};
use realtime::openai::OpenAiConfig;
use realtime::protocol::ClientEvent;
use realtime::transport::{
    Backpressure, CloseKind, ConnectRequest, FrameSink, FrameStream, Incoming, StaticConnector,
    TransportConfig, TransportError, connect,
};
use realtime::voicelive::{ApiVersion, VoiceLiveConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::time::{Instant, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// Hang guard for every wait: far above every configured bound.
const GUARD: Duration = Duration::from_secs(60);

/// Starts a one-connection WebSocket server and hands the accepted socket to
/// `behaviour`. With `tiny_buffers`, the accepted socket's kernel buffers are 4 KiB,
/// so a peer that does not read stalls the client's writes quickly.
async fn peer<F, Fut>(tiny_buffers: bool, behaviour: F) -> String
where
    F: FnOnce(WebSocketStream<TcpStream>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let socket = TcpSocket::new_v4().unwrap();
    if tiny_buffers {
        socket.set_recv_buffer_size(4096).unwrap();
        socket.set_send_buffer_size(4096).unwrap();
    }
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(8).unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        behaviour(ws).await;
    });
    url
}

fn connector(url: &str) -> StaticConnector {
    StaticConnector::new(
        "hostile",
        ConnectRequest::new(format!("{url}/v1/realtime?model=m"))
            .secret_header("Authorization", "Bearer sk-hostile-test"),
    )
}

async fn open(url: &str, config: &TransportConfig) -> (FrameSink, FrameStream) {
    timeout(GUARD, connect(&connector(url), config))
        .await
        .unwrap()
        .unwrap()
}

/// A peer that never reads and sends a small `tick` frame every 20 ms, so reads on
/// the client have something to do while its writes are stalled.
async fn never_reads_ticks(ws: WebSocketStream<TcpStream>) {
    let (mut tx, _never_read) = ws.split();
    loop {
        if tx.send(Message::text("tick")).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_peer_gives_write_timeout_while_reads_and_keep_alive_go_on() {
    let url = peer(true, never_reads_ticks).await;
    let config = TransportConfig::default()
        .write_timeout(Duration::from_secs(1))
        .ping_interval(Some(Duration::from_millis(100)))
        .pong_timeout(Duration::from_secs(30))
        .outgoing_max_bytes(1024 * 1024)
        .backpressure(Backpressure::Error);
    let max_bytes = config.get_outgoing_max_bytes();
    let (sink, mut stream) = open(&url, &config).await;

    // Reads in their own task, counting ticks that arrive once writes are stuck.
    let stuck = Arc::new(AtomicBool::new(false));
    let ticks_while_stuck = Arc::new(AtomicUsize::new(0));
    let reader = {
        let (stuck, ticks) = (Arc::clone(&stuck), Arc::clone(&ticks_while_stuck));
        tokio::spawn(async move {
            loop {
                match stream.next_frame().await {
                    Some(Ok(Incoming::Text(_))) => {
                        if stuck.load(Ordering::SeqCst) {
                            ticks.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    Some(Ok(Incoming::Binary(_))) => {}
                    Some(Err(error)) => return Some(error),
                    None => return None,
                }
            }
        })
    };

    // Writes 256 KiB frames until the queue is full (the socket stopped taking
    // them), then until the connection fails.
    let frame = "a".repeat(256 * 1024);
    let send_error = timeout(GUARD, async {
        loop {
            assert!(
                sink.queued_bytes() <= max_bytes,
                "outgoing queue over its byte bound"
            );
            match sink.try_send(frame.clone()) {
                Ok(()) => {}
                Err(
                    TransportError::BackpressureBytes { .. } | TransportError::Backpressure { .. },
                ) => {
                    stuck.store(true, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err(other) => return other,
            }
        }
    })
    .await
    .expect("a stalled peer must end the connection within the write timeout");
    assert!(
        matches!(send_error, TransportError::WriteTimeout { .. }),
        "{send_error:?}"
    );

    let stream_error = timeout(GUARD, reader).await.unwrap().unwrap();
    assert!(
        matches!(stream_error, Some(TransportError::WriteTimeout { .. })),
        "{stream_error:?}"
    );
    assert!(
        ticks_while_stuck.load(Ordering::SeqCst) > 0,
        "reads must go on while writes are stalled"
    );
    // Send after the end: the error that ended it, never Ok.
    assert!(matches!(
        sink.send("late".to_owned()).await,
        Err(TransportError::WriteTimeout { .. })
    ));
    // Closing an ended connection is bounded and Ok.
    timeout(GUARD, sink.close(1000, "bye"))
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_waits_are_bounded_against_a_stalled_peer() {
    let url = peer(true, never_reads_ticks).await;
    let config = TransportConfig::default()
        .write_timeout(Duration::from_millis(500))
        .outgoing_max_bytes(512 * 1024);
    let (sink, _stream) = open(&url, &config).await;
    let frame = "b".repeat(128 * 1024);
    let error = timeout(GUARD, async {
        loop {
            if let Err(error) = sink.send(frame.clone()).await {
                return error;
            }
        }
    })
    .await
    .expect("send must not block forever");
    assert!(
        matches!(
            error,
            TransportError::WriteTimeout { .. } | TransportError::BackpressureBytes { .. }
        ),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_is_bounded_with_a_stalled_peer_and_unread_events() {
    let url = peer(true, |ws| async move {
        let (mut tx, _never_read) = ws.split();
        for index in 0..50 {
            if tx
                .send(Message::text(format!("event {index}")))
                .await
                .is_err()
            {
                return;
            }
        }
        std::future::pending::<()>().await;
    })
    .await;
    let config = TransportConfig::default()
        .incoming_capacity(4)
        .close_timeout(Duration::from_millis(500))
        .write_timeout(Duration::from_secs(30));
    let (sink, mut stream) = open(&url, &config).await;
    // The application reads nothing; the incoming queue fills up.
    timeout(GUARD, async {
        while stream.queued_frames() < 4 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap();
    // Writes pile up behind the stalled peer.
    let frame = "c".repeat(1024 * 1024);
    for _ in 0..8 {
        sink.send(frame.clone()).await.unwrap();
    }
    let closed = timeout(GUARD, sink.close(1000, "bye"))
        .await
        .expect("close must return whatever the peer and the application do");
    assert!(
        matches!(closed, Err(TransportError::WriteTimeout { .. })),
        "{closed:?}"
    );
    assert!(sink.send("after close".to_owned()).await.is_err());
    // The events queued before the close are still readable, then the stream ends.
    let mut events = 0;
    while let Some(item) = timeout(GUARD, stream.next_frame()).await.unwrap() {
        if item.is_ok() {
            events += 1;
        }
    }
    assert_eq!(events, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_while_the_application_is_not_reading_loses_no_frame() {
    let url = peer(true, |ws| async move {
        let (mut tx, _never_read) = ws.split();
        for index in 0..50 {
            if tx
                .send(Message::text(format!("event {index}")))
                .await
                .is_err()
            {
                return;
            }
        }
        std::future::pending::<()>().await;
    })
    .await;
    let config = TransportConfig::default()
        .incoming_capacity(4)
        .write_timeout(Duration::from_millis(500));
    let (sink, mut stream) = open(&url, &config).await;
    timeout(GUARD, async {
        while stream.queued_frames() < 4 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap();
    // Writes stall (the queue fills, then the connection fails), the application
    // still not reading.
    let frame = "e".repeat(1024 * 1024);
    let refused = timeout(GUARD, async {
        loop {
            if let Err(error) = sink.send(frame.clone()).await {
                return error;
            }
        }
    })
    .await
    .unwrap();
    assert!(
        matches!(
            refused,
            TransportError::WriteTimeout { .. } | TransportError::BackpressureBytes { .. }
        ),
        "{refused:?}"
    );
    // The connection ends (within the write timeout) before the application reads.
    timeout(GUARD, async {
        while !sink.is_closed() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap();
    // Every frame read before the failure comes, in order, then the error.
    let mut items = Vec::new();
    while let Some(item) = timeout(GUARD, stream.next_frame()).await.unwrap() {
        items.push(item);
    }
    let (last, frames) = items.split_last().unwrap();
    assert!(
        matches!(last, Err(TransportError::WriteTimeout { .. })),
        "{last:?}"
    );
    // Four were queued; the fifth was read and held for want of room.
    assert_eq!(frames.len(), 5, "{frames:?}");
    for (index, item) in frames.iter().enumerate() {
        assert_eq!(item, &Ok(Incoming::Text(format!("event {index}"))));
    }
}

/// 100 text frames of 5 MB, numbered, then a normal close.
async fn hundred_big_frames(mut ws: WebSocketStream<TcpStream>) {
    for index in 0..100 {
        let mut frame = format!("{index:03}");
        frame.push_str(&"x".repeat(FIVE_MB - 3));
        if ws.send(Message::text(frame)).await.is_err() {
            return;
        }
    }
    let _ = ws.close(None).await;
    while ws.next().await.is_some() {}
}

const FIVE_MB: usize = 5_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unread_big_frames_stay_within_the_incoming_byte_bound() {
    let url = peer(false, hundred_big_frames).await;
    let config = TransportConfig::default().max_message_size(8 * 1024 * 1024);
    let max_bytes = config.get_incoming_max_bytes();
    let fit = max_bytes / FIVE_MB;
    let (_sink, mut stream) = open(&url, &config).await;

    // Nobody reads: the queue fills to its byte bound and no further.
    timeout(GUARD, async {
        while stream.queued_frames() < fit {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(stream.queued_frames(), fit);
    assert!(
        stream.queued_bytes() <= max_bytes,
        "{}",
        stream.queued_bytes()
    );
    assert_eq!(stream.queued_bytes(), fit * FIVE_MB);

    // Reading drains it: every frame arrives, in order, none lost.
    let mut next = 0;
    while let Some(item) = timeout(GUARD, stream.next_frame()).await.unwrap() {
        let Incoming::Text(text) = item.unwrap() else {
            panic!("expected text");
        };
        assert_eq!(text.len(), FIVE_MB);
        assert_eq!(text[..3].parse::<usize>().unwrap(), next);
        assert!(stream.queued_bytes() <= max_bytes);
        next += 1;
    }
    assert_eq!(next, 100);
}

/// Peak RSS of this process with 100 unread 5 MB frames (server in-process too).
/// Run: `cargo test -p realtime --test hostile_transport -- --ignored --nocapture peak_rss`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement: prints peak RSS"]
#[allow(clippy::print_stderr)]
async fn peak_rss_with_unread_big_frames() {
    let before = vm_kib("VmHWM");
    let url = peer(false, hundred_big_frames).await;
    let config = TransportConfig::default().max_message_size(8 * 1024 * 1024);
    let (_sink, mut stream) = open(&url, &config).await;
    let fit = config.get_incoming_max_bytes() / FIVE_MB;
    while stream.queued_frames() < fit {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Unread for a while: nothing more is taken in.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let unread_peak = vm_kib("VmHWM");
    let mut frames = 0;
    while let Some(item) = stream.next_frame().await {
        item.unwrap();
        frames += 1;
    }
    let peak = vm_kib("VmHWM");
    eprintln!(
        "frames read: {frames}; peak RSS before: {before} KiB, while unread: {unread_peak} KiB, after reading all: {peak} KiB; queue bound {} bytes",
        config.get_incoming_max_bytes()
    );
}

fn vm_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| {
            line.strip_prefix(field)?
                .trim_start_matches(':')
                .trim()
                .strip_suffix(" kB")?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

/// Time from the moment the socket stops taking frames to the typed error, with the
/// default write timeout.
/// Run: `cargo test -p realtime --test hostile_transport -- --ignored --nocapture stalled_writer`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement: prints the time to the typed error"]
#[allow(clippy::print_stderr)]
async fn time_from_stalled_writer_to_typed_error() {
    let url = peer(true, never_reads_ticks).await;
    let config = TransportConfig::default()
        .outgoing_max_bytes(1024 * 1024)
        .backpressure(Backpressure::Error);
    let (sink, mut stream) = open(&url, &config).await;
    tokio::spawn(async move { while stream.next_frame().await.is_some() {} });
    let frame = "d".repeat(256 * 1024);
    // The stall begins when the socket last took a frame from the queue.
    let mut last_progress = Instant::now();
    let mut queued_after_send = 0;
    let error = loop {
        let queued = sink.queued_bytes();
        if queued < queued_after_send && !sink.is_closed() {
            last_progress = Instant::now();
        }
        match sink.try_send(frame.clone()) {
            Ok(()) => {}
            Err(TransportError::BackpressureBytes { .. } | TransportError::Backpressure { .. }) => {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            Err(other) => break other,
        }
        queued_after_send = sink.queued_bytes();
    };
    eprintln!(
        "write timeout {:?}: {error}; {:?} after the socket last took a frame",
        config.get_write_timeout(),
        last_progress.elapsed()
    );
}

/// A raw TCP server that answers the upgrade with `answer`.
async fn refusing(answer: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut chunk = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match tcp.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(read) => head.extend_from_slice(&chunk[..read]),
            }
        }
        let _ = tcp.write_all(answer.as_bytes()).await;
    });
    url
}

/// Every provider's client, pointed at `url`.
fn clients(url: &str) -> Vec<(&'static str, RealtimeClient)> {
    let openai = OpenAiConfig::builder("sk-hostile-test")
        .base_url(format!("{url}/v1/realtime"))
        .model("gpt-realtime")
        .build()
        .unwrap();
    let azure = AzureOpenAiConfig::new(
        url.parse().unwrap(),
        "gpt-realtime",
        Auth::api_key("azure-hostile-test"),
    )
    .unwrap();
    let voicelive = VoiceLiveConfig::builder()
        .endpoint(url)
        .model("gpt-realtime")
        .api_version(ApiVersion::V2026_04_10)
        .api_key("voicelive-hostile-test")
        .build()
        .unwrap();
    vec![
        ("openai", openai.client()),
        ("azure-openai", azure.client()),
        ("voicelive", voicelive.client()),
    ]
}

/// Connects the client of `provider` to `url`.
async fn connect_client(provider: &str, url: &str) -> Result<Session, ClientError> {
    let (_, client) = clients(url)
        .into_iter()
        .find(|(name, _)| *name == provider)
        .unwrap();
    timeout(GUARD, client.connect()).await.unwrap()
}

const PROVIDERS: [&str; 3] = ["openai", "azure-openai", "voicelive"];

#[tokio::test]
async fn refused_upgrades_are_classified() {
    let cases: [(&'static str, bool, Option<Duration>); 5] = [
        (
            "HTTP/1.1 401 Unauthorized\r\nContent-Length: 19\r\n\r\n{\"error\":\"bad key\"}",
            true,
            None,
        ),
        (
            "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
            true,
            None,
        ),
        (
            "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 0\r\n\r\n",
            false,
            Some(Duration::from_secs(7)),
        ),
        (
            "HTTP/1.1 503 Service Unavailable\r\nRetry-After: Thu, 01 Jan 1970 00:00:00 GMT\r\nContent-Length: 0\r\n\r\n",
            false,
            Some(Duration::ZERO),
        ),
        (
            "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n",
            false,
            None,
        ),
    ];
    for (provider, (answer, fatal, retry_after)) in PROVIDERS
        .iter()
        .flat_map(|provider| cases.iter().map(move |case| (*provider, *case)))
    {
        let url = refusing(answer).await;
        let error = connect_client(provider, &url).await.unwrap_err();
        assert_eq!(error.is_fatal(), fatal, "{provider} {answer}: {error:?}");
        assert_eq!(
            error.retry_after(),
            retry_after,
            "{provider} {answer}: {error:?}"
        );
        let ClientError::Transport(transport) = &error else {
            panic!("{error:?}");
        };
        let status: u16 = answer[9..12].parse().unwrap();
        assert_eq!(transport.status(), Some(status), "{error:?}");
    }
}

#[tokio::test]
async fn server_close_codes_are_mapped() {
    let cases = [
        (1008, CloseKind::PolicyViolation, true),
        (1011, CloseKind::ServerError, false),
        (1013, CloseKind::TryAgainLater, false),
        (1001, CloseKind::GoingAway, false),
        (4000, CloseKind::Application(4000), false),
    ];
    for (code, kind, fatal) in cases {
        let url = peer(false, move |mut ws| async move {
            let frame = CloseFrame {
                code: CloseCode::from(code),
                reason: "bye".into(),
            };
            let _ = ws.close(Some(frame)).await;
            while ws.next().await.is_some() {}
        })
        .await;
        let (_sink, mut stream) = open(&url, &TransportConfig::default()).await;
        let item = timeout(GUARD, stream.next_frame()).await.unwrap();
        let Some(Err(error)) = item else {
            panic!("expected the close as an error, got {item:?}");
        };
        assert_eq!(error.close_kind(), Some(kind), "{error:?}");
        assert_eq!(error.is_fatal(), fatal, "{error:?}");
        assert!(timeout(GUARD, stream.next_frame()).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn send_after_a_normal_end_is_an_error() {
    for provider in PROVIDERS {
        let url = peer(false, |mut ws| async move {
            let _ = ws.close(None).await;
            while ws.next().await.is_some() {}
        })
        .await;
        let session = connect_client(provider, &url).await.unwrap();
        let (sender, mut events) = session.split();
        assert!(timeout(GUARD, events.next_event()).await.unwrap().is_none());
        let sent = sender.send(&ClientEvent::append_audio(&[0; 480])).await;
        assert!(
            matches!(
                sent,
                Err(ClientError::Transport(TransportError::SessionClosed { .. }))
            ),
            "{provider}: {sent:?}"
        );
    }
}

#[tokio::test]
async fn odd_length_pcm16_is_refused_before_sending() {
    for provider in PROVIDERS {
        let (frames_tx, mut frames) = tokio::sync::mpsc::unbounded_channel();
        let url = peer(false, move |mut ws| async move {
            while let Some(Ok(message)) = ws.next().await {
                if let Message::Text(text) = message {
                    let _ = frames_tx.send(text.as_str().to_owned());
                }
            }
        })
        .await;
        let session = connect_client(provider, &url).await.unwrap();
        let odd = session.send(&ClientEvent::append_audio(&[1, 2, 3])).await;
        assert!(
            matches!(&odd, Err(ClientError::InvalidAudio { found, .. }) if found == "3 bytes"),
            "{provider}: {odd:?}"
        );
        assert!(odd.unwrap_err().is_recoverable());
        // The session goes on, and only the valid chunk goes over the wire.
        session
            .send(&ClientEvent::append_audio(&[1, 2, 3, 4]))
            .await
            .unwrap();
        session.close().await.unwrap();
        let mut received = Vec::new();
        while let Some(frame) = timeout(GUARD, frames.recv()).await.unwrap() {
            received.push(frame);
        }
        assert_eq!(received.len(), 1, "{provider}: {received:?}");
        assert!(received[0].contains("AQIDBA=="), "{provider}: {received:?}");
    }
}

/// A raw TCP server that reads the upgrade request and lets `answer` write the
/// reply (given the `Sec-WebSocket-Key`), then keeps the socket open.
async fn raw_upgrade<F>(answer: F) -> String
where
    F: FnOnce(&str) -> Vec<u8> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut chunk = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match tcp.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(read) => head.extend_from_slice(&chunk[..read]),
            }
        }
        let head = String::from_utf8(head).unwrap();
        let key = head
            .lines()
            .find_map(|line| line.strip_prefix("Sec-WebSocket-Key: "))
            .unwrap()
            .trim()
            .to_owned();
        let _ = tcp.write_all(&answer(&key)).await;
        std::future::pending::<()>().await;
    });
    url
}

fn switching(key: &str) -> String {
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    )
}

#[tokio::test]
async fn frames_sent_with_the_101_answer_are_not_lost() {
    let url = raw_upgrade(|key| {
        // The answer and a first text frame ("hello", unmasked) in one write.
        let mut bytes = switching(key).into_bytes();
        bytes.extend_from_slice(&[0x81, 5]);
        bytes.extend_from_slice(b"hello");
        bytes
    })
    .await;
    let (_sink, mut stream) = open(&url, &TransportConfig::default()).await;
    let first = timeout(GUARD, stream.next_frame()).await.unwrap();
    assert_eq!(first, Some(Ok(Incoming::Text("hello".to_owned()))));
}

#[tokio::test]
async fn invalid_upgrade_answers_are_protocol_errors() {
    let answers: [fn(&str) -> Vec<u8>; 3] = [
        // Wrong accept key.
        |_| switching("AAAAAAAAAAAAAAAAAAAAAA==").into_bytes(),
        // A subprotocol nobody offered.
        |key| {
            switching(key)
                .replace("\r\n\r\n", "\r\nSec-WebSocket-Protocol: other\r\n\r\n")
                .into_bytes()
        },
        // Not HTTP at all.
        |_| b"SSH-2.0-OpenSSH_9.6\r\n\r\n".to_vec(),
    ];
    for answer in answers {
        let url = raw_upgrade(answer).await;
        let error = timeout(
            GUARD,
            connect(&connector(&url), &TransportConfig::default()),
        )
        .await
        .unwrap()
        .unwrap_err();
        assert!(
            matches!(error, TransportError::Protocol { .. }),
            "{error:?}"
        );
    }
}

#[tokio::test]
async fn an_upgrade_answer_that_never_ends_is_bounded_by_the_connect_timeout() {
    let url =
        raw_upgrade(|_| b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n".to_vec())
            .await;
    let config = TransportConfig::default().connect_timeout(Duration::from_millis(300));
    let error = timeout(GUARD, connect(&connector(&url), &config))
        .await
        .expect("the connect timeout bounds the handshake")
        .unwrap_err();
    assert!(matches!(error, TransportError::Connect { .. }), "{error:?}");
}

#[tokio::test]
async fn an_oversized_upgrade_answer_is_refused() {
    let url = raw_upgrade(|_| {
        let mut bytes = b"HTTP/1.1 101 Switching Protocols\r\n".to_vec();
        for index in 0..2000 {
            bytes.extend_from_slice(format!("X-Padding-{index}: yyyyyyyyyyyy\r\n").as_bytes());
        }
        bytes
    })
    .await;
    let error = timeout(
        GUARD,
        connect(&connector(&url), &TransportConfig::default()),
    )
    .await
    .unwrap()
    .unwrap_err();
    assert!(matches!(error, TransportError::Connect { .. }), "{error:?}");
    assert!(error.to_string().contains("at most"), "{error}");
}
