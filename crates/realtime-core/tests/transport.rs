//! Transport tests against plain tokio-tungstenite loopback servers started in each
//! test (not the testkit: it depends on this crate).
// Server callbacks have tungstenite's `Result<Response, ErrorResponse>` signature.
#![allow(clippy::unwrap_used, clippy::result_large_err)]

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::{SinkExt, StreamExt};
use realtime_core::transport::{
    Backpressure, ConnectError, ConnectRequest, Connector, FrameSink, FrameStream, Incoming,
    Secret, StaticConnector, TransportConfig, TransportError, connect,
};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::timeout;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{self, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

const WAIT: Duration = Duration::from_secs(5);

/// What the server saw in the upgrade request.
#[derive(Debug)]
struct SeenRequest {
    path_and_query: String,
    headers: http::HeaderMap,
}

/// Starts a one-connection plain WebSocket server; `handler` gets the socket.
async fn serve<F, Fut>(handler: F) -> (String, oneshot::Receiver<SeenRequest>, JoinHandle<()>)
where
    F: FnOnce(WebSocketStream<TcpStream>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let (seen_tx, seen_rx) = oneshot::channel();
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let ws = accept_recording(tcp, seen_tx).await;
        handler(ws).await;
    });
    (url, seen_rx, task)
}

/// Accepts the upgrade, records the request and echoes the first subprotocol.
async fn accept_recording<S>(stream: S, seen: oneshot::Sender<SeenRequest>) -> WebSocketStream<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let callback = move |request: &Request, mut response: Response| {
        if let Some(protocols) = request.headers().get("sec-websocket-protocol") {
            let first = protocols
                .to_str()
                .unwrap()
                .split(',')
                .next()
                .unwrap()
                .trim();
            response.headers_mut().insert(
                "sec-websocket-protocol",
                HeaderValue::from_str(first).unwrap(),
            );
        }
        let _ = seen.send(SeenRequest {
            path_and_query: request.uri().path_and_query().unwrap().to_string(),
            headers: request.headers().clone(),
        });
        Ok::<_, ErrorResponse>(response)
    };
    tokio_tungstenite::accept_hdr_async(stream, callback)
        .await
        .unwrap()
}

fn connector(url: &str) -> StaticConnector {
    StaticConnector::new("test-provider", ConnectRequest::new(url))
}

async fn open(url: &str, config: &TransportConfig) -> (FrameSink, FrameStream) {
    connect(&connector(url), config).await.unwrap()
}

async fn next(stream: &mut FrameStream) -> Option<Result<Incoming, TransportError>> {
    timeout(WAIT, stream.next_frame()).await.unwrap()
}

/// Reads until the client's close frame (answering pings on the way).
async fn read_until_close<S: AsyncRead + AsyncWrite + Unpin>(
    ws: &mut WebSocketStream<S>,
) -> Vec<Message> {
    let mut seen = Vec::new();
    while let Some(Ok(message)) = ws.next().await {
        let is_close = message.is_close();
        seen.push(message);
        if is_close {
            break;
        }
    }
    seen
}

#[tokio::test]
async fn echo_and_clean_close() {
    let (close_tx, close_rx) = oneshot::channel();
    let (url, _, _server) = serve(|mut ws| async move {
        while let Some(Ok(message)) = ws.next().await {
            match message {
                Message::Text(_) => ws.send(message).await.unwrap(),
                Message::Close(frame) => {
                    let _ = close_tx.send(frame);
                    // Let tungstenite send the close reply, then end.
                    while ws.next().await.is_some() {}
                    break;
                }
                _ => {}
            }
        }
    })
    .await;
    let (sink, mut stream) = open(&url, &TransportConfig::default()).await;
    sink.send("hello".to_owned()).await.unwrap();
    sink.try_send("again".to_owned()).unwrap();
    assert_eq!(
        next(&mut stream).await.unwrap().unwrap(),
        Incoming::Text("hello".into())
    );
    assert_eq!(
        next(&mut stream).await.unwrap().unwrap(),
        Incoming::Text("again".into())
    );

    timeout(WAIT, sink.close(1000, "bye"))
        .await
        .unwrap()
        .unwrap();
    let frame = close_rx.await.unwrap().unwrap();
    assert_eq!(u16::from(frame.code), 1000);
    assert_eq!(frame.reason.as_str(), "bye");
    assert!(
        next(&mut stream).await.is_none(),
        "stream ends after our close"
    );
    assert!(matches!(
        sink.send("late".into()).await,
        Err(TransportError::SessionClosed {
            provider: "test-provider"
        })
    ));
    // Closing twice is fine.
    sink.close(1000, "again").await.unwrap();
}

#[tokio::test]
async fn headers_path_and_subprotocol_reach_the_server() {
    let (url, seen, _server) = serve(|mut ws| async move {
        read_until_close(&mut ws).await;
    })
    .await;
    let request = ConnectRequest::new(format!(
        "{url}/openai/realtime?api-version=2025-04-01&deployment=d"
    ))
    .secret_header("api-key", Secret::new("key-123"))
    .secret_header("Authorization", "Bearer tok-456")
    .header("OpenAI-Beta", "realtime=v1")
    .subprotocol("realtime");
    let connector = StaticConnector::new("azure-openai", request);
    let (sink, _stream) = connect(&connector, &TransportConfig::default())
        .await
        .unwrap();
    let seen = timeout(WAIT, seen).await.unwrap().unwrap();
    assert_eq!(
        seen.path_and_query,
        "/openai/realtime?api-version=2025-04-01&deployment=d"
    );
    assert_eq!(seen.headers["api-key"], "key-123");
    assert_eq!(seen.headers["authorization"], "Bearer tok-456");
    assert_eq!(seen.headers["openai-beta"], "realtime=v1");
    assert_eq!(seen.headers["sec-websocket-protocol"], "realtime");
    sink.close(1000, "").await.unwrap();
}

#[tokio::test]
async fn binary_frames_are_surfaced() {
    let (url, _, _server) = serve(|mut ws| async move {
        ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
        read_until_close(&mut ws).await;
    })
    .await;
    let (sink, mut stream) = open(&url, &TransportConfig::default()).await;
    assert_eq!(
        next(&mut stream).await.unwrap().unwrap(),
        Incoming::Binary(vec![1, 2, 3])
    );
    sink.close(1000, "").await.unwrap();
}

#[tokio::test]
async fn oversized_message_is_a_typed_error() {
    let (url, _, _server) = serve(|mut ws| async move {
        ws.send(Message::text("small")).await.unwrap();
        ws.send(Message::text("x".repeat(4096))).await.unwrap();
        read_until_close(&mut ws).await;
    })
    .await;
    let config = TransportConfig::default()
        .max_message_size(1024)
        .max_frame_size(1024);
    let (sink, mut stream) = open(&url, &config).await;
    assert_eq!(
        next(&mut stream).await.unwrap().unwrap(),
        Incoming::Text("small".into())
    );
    match next(&mut stream).await.unwrap() {
        Err(TransportError::FrameTooLarge {
            provider,
            size,
            max,
        }) => {
            assert_eq!(provider, "test-provider");
            assert_eq!(max, 1024);
            assert!(size > 1024, "size {size}");
        }
        other => panic!("expected FrameTooLarge, got {other:?}"),
    }
    assert!(next(&mut stream).await.is_none());
    // Sticky: the sink reports what ended the connection.
    assert!(matches!(
        sink.send("x".into()).await,
        Err(TransportError::FrameTooLarge { .. })
    ));
}

#[tokio::test]
async fn oversized_outgoing_message_is_refused_before_sending() {
    let (url, _, _server) = serve(|mut ws| async move {
        read_until_close(&mut ws).await;
    })
    .await;
    let config = TransportConfig::default().max_message_size(8);
    let (sink, _stream) = open(&url, &config).await;
    assert!(matches!(
        sink.send("123456789".into()).await,
        Err(TransportError::FrameTooLarge {
            size: 9,
            max: 8,
            ..
        })
    ));
    sink.send("12345678".into()).await.unwrap();
    sink.close(1000, "").await.unwrap();
}

#[tokio::test]
async fn server_close_1011_is_an_error_then_the_end() {
    let (url, _, _server) = serve(|mut ws| async move {
        let frame = CloseFrame {
            code: CloseCode::Error,
            reason: "internal".into(),
        };
        ws.close(Some(frame)).await.unwrap();
        while ws.next().await.is_some() {}
    })
    .await;
    let (sink, mut stream) = open(&url, &TransportConfig::default()).await;
    match next(&mut stream).await.unwrap() {
        Err(TransportError::Closed {
            provider,
            code,
            reason,
        }) => {
            assert_eq!(
                (provider, code, reason.as_str()),
                ("test-provider", 1011, "internal")
            );
        }
        other => panic!("expected Closed, got {other:?}"),
    }
    assert!(next(&mut stream).await.is_none());
    assert!(matches!(
        sink.send("x".into()).await,
        Err(TransportError::Closed { code: 1011, .. })
    ));
}

#[tokio::test]
async fn normal_server_close_just_ends_the_stream() {
    let (url, _, _server) = serve(|mut ws| async move {
        ws.send(Message::text("last")).await.unwrap();
        ws.close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "done".into(),
        }))
        .await
        .unwrap();
        while ws.next().await.is_some() {}
    })
    .await;
    let (_sink, mut stream) = open(&url, &TransportConfig::default()).await;
    assert_eq!(
        next(&mut stream).await.unwrap().unwrap(),
        Incoming::Text("last".into())
    );
    assert!(next(&mut stream).await.is_none());
}

#[tokio::test]
async fn abrupt_tcp_drop_is_connection_lost() {
    let (url, _, _server) = serve(|ws| async move {
        drop(ws.into_inner());
    })
    .await;
    let (sink, mut stream) = open(&url, &TransportConfig::default()).await;
    match next(&mut stream).await.unwrap() {
        Err(TransportError::ConnectionLost { provider, .. }) => {
            assert_eq!(provider, "test-provider");
        }
        other => panic!("expected ConnectionLost, got {other:?}"),
    }
    assert!(next(&mut stream).await.is_none());
    assert!(matches!(
        sink.send("x".into()).await,
        Err(TransportError::ConnectionLost { .. })
    ));
}

/// A server that accepts and then never reads, so the client's writes back up.
async fn stalled_server() -> (String, JoinHandle<()>) {
    let (url, _, server) = serve(|ws| async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(ws);
    })
    .await;
    (url, server)
}

#[tokio::test]
async fn backpressure_error_policy_fails_when_full() {
    let (url, server) = stalled_server().await;
    let config = TransportConfig::default()
        .outgoing_capacity(1)
        .backpressure(Backpressure::Error)
        .ping_interval(None);
    let (sink, _stream) = open(&url, &config).await;
    let frame = "a".repeat(1024 * 1024);
    let mut result = Ok(());
    for _ in 0..1000 {
        result = sink.send(frame.clone()).await;
        if result.is_err() {
            break;
        }
        tokio::task::yield_now().await;
    }
    match result {
        Err(TransportError::Backpressure { provider, capacity }) => {
            assert_eq!((provider, capacity), ("test-provider", 1));
        }
        other => panic!("expected Backpressure, got {other:?}"),
    }
    server.abort();
}

#[tokio::test]
async fn backpressure_wait_policy_waits_for_room() {
    let (url, server) = stalled_server().await;
    let config = TransportConfig::default()
        .outgoing_capacity(1)
        .ping_interval(None);
    let (sink, _stream) = open(&url, &config).await;
    let frame = "a".repeat(1024 * 1024);
    let mut waited = false;
    for _ in 0..1000 {
        if timeout(Duration::from_millis(300), sink.send(frame.clone()))
            .await
            .is_err()
        {
            waited = true;
            break;
        }
    }
    assert!(
        waited,
        "send never waited although the server reads nothing"
    );
    // try_send never waits, whatever the policy.
    assert!(matches!(
        sink.try_send("x".into()),
        Err(TransportError::Backpressure { .. })
    ));
    server.abort();
}

#[tokio::test]
async fn silent_server_is_a_pong_timeout() {
    let (url, server) = stalled_server().await;
    let config = TransportConfig::default()
        .ping_interval(Some(Duration::from_millis(100)))
        .pong_timeout(Duration::from_millis(200));
    let (_sink, mut stream) = open(&url, &config).await;
    match next(&mut stream).await.unwrap() {
        Err(TransportError::PongTimeout { after, .. }) => {
            assert_eq!(after, Duration::from_millis(200));
        }
        other => panic!("expected PongTimeout, got {other:?}"),
    }
    assert!(next(&mut stream).await.is_none());
    server.abort();
}

#[tokio::test]
async fn pings_are_sent_and_answered_pongs_keep_the_connection() {
    let (pings_tx, pings_rx) = oneshot::channel();
    let (url, _, _server) = serve(|mut ws| async move {
        // tungstenite answers each ping while reading.
        let seen = read_until_close(&mut ws).await;
        let pings = seen.iter().filter(|message| message.is_ping()).count();
        let _ = pings_tx.send(pings);
    })
    .await;
    let config = TransportConfig::default()
        .ping_interval(Some(Duration::from_millis(50)))
        .pong_timeout(Duration::from_millis(150));
    let (sink, mut stream) = open(&url, &config).await;
    assert!(
        timeout(Duration::from_millis(600), stream.next_frame())
            .await
            .is_err(),
        "no frame and no error expected while pongs arrive"
    );
    sink.close(1000, "").await.unwrap();
    let pings = pings_rx.await.unwrap();
    assert!(pings >= 3, "only {pings} pings");
}

#[tokio::test]
async fn server_pings_are_answered_while_the_client_is_idle() {
    let (pong_tx, pong_rx) = oneshot::channel();
    let (url, _, _server) = serve(|mut ws| async move {
        ws.send(Message::Ping(b"are you there".to_vec().into()))
            .await
            .unwrap();
        while let Some(Ok(message)) = ws.next().await {
            if let Message::Pong(payload) = message {
                let _ = pong_tx.send(payload.to_vec());
                break;
            }
        }
        read_until_close(&mut ws).await;
    })
    .await;
    let config = TransportConfig::default().ping_interval(None);
    let (sink, _stream) = open(&url, &config).await;
    let payload = timeout(WAIT, pong_rx).await.unwrap().unwrap();
    assert_eq!(payload, b"are you there");
    sink.close(1000, "").await.unwrap();
}

#[tokio::test]
async fn http_401_is_a_handshake_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "ws://{}/v1/realtime?api-key=SECRET-IN-URL",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let reject = |_: &Request, _: Response| {
            let body =
                r#"{"error":{"code":"invalid_api_key","message":"Incorrect API key provided"}}"#;
            let mut response = ErrorResponse::new(Some(body.to_owned()));
            *response.status_mut() = http::StatusCode::UNAUTHORIZED;
            Err(response)
        };
        let _ = tokio_tungstenite::accept_hdr_async(tcp, reject).await;
    });
    let connector = StaticConnector::new(
        "openai",
        ConnectRequest::new(url).secret_header("Authorization", "Bearer SECRET-HEADER"),
    );
    let error = connect(&connector, &TransportConfig::default())
        .await
        .unwrap_err();
    match &error {
        TransportError::Handshake {
            provider,
            status,
            body,
        } => {
            assert_eq!((*provider, *status), ("openai", 401));
            assert!(body.contains("invalid_api_key"), "{body}");
        }
        other => panic!("expected Handshake, got {other:?}"),
    }
    let text = format!("{error} {error:?}");
    assert!(
        text.starts_with("openai:") && !text.contains("SECRET"),
        "{text}"
    );
}

#[tokio::test]
async fn refused_connection_names_provider_and_hides_url_secrets() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let connector = connector(&format!("ws://{addr}/r?api-key=SECRET&model=m"));
    let error = connect(&connector, &TransportConfig::default())
        .await
        .unwrap_err();
    match &error {
        TransportError::Connect { provider, url, .. } => {
            assert_eq!(*provider, "test-provider");
            assert!(url.ends_with("/r?api-key=[redacted]&model=m"), "{url}");
        }
        other => panic!("expected Connect, got {other:?}"),
    }
    assert!(!format!("{error} {error:?}").contains("SECRET"));
}

#[derive(Debug)]
struct FailingConnector;

#[async_trait]
impl Connector for FailingConnector {
    fn provider(&self) -> &'static str {
        "azure-openai"
    }

    async fn request(&self) -> Result<ConnectRequest, ConnectError> {
        Err(ConnectError::new(
            "azure-openai",
            "expected an Entra ID token, got HTTP 400",
        ))
    }
}

#[tokio::test]
async fn connector_failure_is_typed() {
    let error = connect(&FailingConnector, &TransportConfig::default())
        .await
        .unwrap_err();
    assert_eq!(error.provider(), "azure-openai");
    assert!(
        matches!(error, TransportError::Connector(ConnectError { .. })),
        "{error:?}"
    );
}

#[test]
fn debug_never_contains_secrets() {
    let request = ConnectRequest::new("wss://h.example/r?api-key=TOPSECRET1&token=TOPSECRET2")
        .secret_header("api-key", "TOPSECRET3")
        .secret_header("Authorization", Secret::new("Bearer TOPSECRET4"));
    let connector = StaticConnector::new("p", request.clone());
    for text in [
        format!("{request:?}"),
        format!("{connector:?}"),
        format!("{:#?}", request.headers),
        format!("{}", Secret::new("TOPSECRET5")),
    ] {
        assert!(!text.contains("TOPSECRET"), "{text}");
    }
    assert_eq!(request.headers[0].1.expose(), "TOPSECRET3");
}

#[test]
fn handles_are_send_sync_and_clone() {
    fn send_sync<T: Send + Sync>() {}
    fn clone<T: Clone>() {}
    send_sync::<FrameSink>();
    clone::<FrameSink>();
    send_sync::<FrameStream>();
    send_sync::<TransportError>();
    send_sync::<Secret>();
    clone::<Secret>();
    send_sync::<StaticConnector>();
    send_sync::<TransportConfig>();
}

#[tokio::test]
async fn sinks_and_stream_dropped_closes_the_connection() {
    let (close_tx, close_rx) = oneshot::channel();
    let (url, _, _server) = serve(|mut ws| async move {
        let seen = read_until_close(&mut ws).await;
        let _ = close_tx.send(seen.last().cloned());
    })
    .await;
    let (sink, stream) = open(&url, &TransportConfig::default()).await;
    let clone = sink.clone();
    drop(sink);
    drop(stream);
    drop(clone);
    let last = timeout(WAIT, close_rx).await.unwrap().unwrap();
    assert!(matches!(last, Some(Message::Close(Some(frame))) if frame.code == CloseCode::Normal));
}

mod tls {
    use super::*;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

    /// Starts a one-connection `wss://` echo server with a fresh self-signed
    /// certificate for 127.0.0.1 and returns its URL and the certificate (DER).
    async fn tls_echo_server() -> (String, Vec<u8>) {
        let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
        let cert_der = certified.cert.der().to_vec();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            certified.signing_key.serialize_der(),
        ));
        let server_config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(cert_der.clone())], key)
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("wss://{}/tls", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let (seen_tx, _seen_rx) = oneshot::channel();
            let mut ws = accept_recording(tls, seen_tx).await;
            while let Some(Ok(message)) = ws.next().await {
                if message.is_text() {
                    ws.send(message).await.unwrap();
                }
            }
        });
        (url, cert_der)
    }

    #[tokio::test]
    async fn wss_with_trusted_self_signed_cert_works_without_a_process_provider() {
        // If the transport relied on the process-level provider, rustls would panic
        // ("Could not automatically determine the process-level CryptoProvider").
        assert!(rustls::crypto::CryptoProvider::get_default().is_none());
        let (url, cert) = tls_echo_server().await;
        let config = TransportConfig::default().add_root_certificate(cert);
        let (sink, mut stream) = open(&url, &config).await;
        sink.send("over tls".into()).await.unwrap();
        assert_eq!(
            next(&mut stream).await.unwrap().unwrap(),
            Incoming::Text("over tls".into())
        );
        sink.close(1000, "").await.unwrap();
        assert!(rustls::crypto::CryptoProvider::get_default().is_none());
    }

    #[tokio::test]
    async fn wss_with_untrusted_cert_is_a_tls_error() {
        let (url, _cert) = tls_echo_server().await;
        let error = connect(&connector(&url), &TransportConfig::default())
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                TransportError::Tls {
                    provider: "test-provider",
                    ..
                }
            ),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn garbage_root_certificate_is_a_tls_error() {
        let config = TransportConfig::default().add_root_certificate(b"not a certificate".to_vec());
        let error = connect(&connector("wss://127.0.0.1:9/"), &config)
            .await
            .unwrap_err();
        assert!(matches!(error, TransportError::Tls { .. }), "{error:?}");
    }
}
