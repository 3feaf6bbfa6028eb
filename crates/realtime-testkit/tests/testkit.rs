//! Tests of the emulator itself: raw tokio-tungstenite clients, and the core
//! transport against the fault injection.
#![allow(clippy::unwrap_used)]

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use realtime_core::transport::{
    ConnectRequest, FrameStream, Incoming, StaticConnector, TransportConfig, TransportError,
    connect,
};
use realtime_testkit::{
    ClientFrame, Echo, Rejection, ServerConn, TestServer, TestServerOptions, TestkitError,
};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn records_request_and_frames_in_order() {
    let server = TestServer::start(TestServerOptions::new()).await.unwrap();
    let mut request = server
        .ws_url("openai/realtime?api-version=2025-04-01-preview&deployment=gpt")
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("api-key", "azure-key".parse().unwrap());
    request
        .headers_mut()
        .insert("authorization", "Bearer t".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    ws.send(Message::text("one")).await.unwrap();
    ws.send(Message::binary(vec![7u8, 8])).await.unwrap();
    ws.send(Message::text("two")).await.unwrap();
    ws.close(Some(CloseFrame {
        code: CloseCode::Normal,
        reason: "bye".into(),
    }))
    .await
    .unwrap();

    let recorded = server.wait_for_connection(0, WAIT).await.unwrap();
    let request = recorded.request();
    assert_eq!(
        request.path_and_query,
        "/openai/realtime?api-version=2025-04-01-preview&deployment=gpt"
    );
    assert_eq!(request.header("API-KEY"), Some("azure-key"));
    assert_eq!(request.header("authorization"), Some("Bearer t"));
    assert_eq!(request.query_param("deployment"), Some("gpt"));
    let frames = recorded.wait_for_frames(4, WAIT).await.unwrap();
    assert_eq!(
        frames,
        vec![
            ClientFrame::Text("one".into()),
            ClientFrame::Binary(vec![7, 8]),
            ClientFrame::Text("two".into()),
            ClientFrame::Close {
                code: 1000,
                reason: "bye".into()
            },
        ]
    );
    assert_eq!(recorded.texts(), vec!["one".to_owned(), "two".to_owned()]);
    recorded.wait_for_end(WAIT).await.unwrap();
    assert_eq!(server.connections().len(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn wait_for_frames_times_out_with_what_it_got() {
    let server = TestServer::start(TestServerOptions::new()).await.unwrap();
    let (mut ws, _) = tokio_tungstenite::connect_async(server.ws_url("/"))
        .await
        .unwrap();
    ws.send(Message::text("only one")).await.unwrap();
    let recorded = server.wait_for_connection(0, WAIT).await.unwrap();
    let error = recorded
        .wait_for_frames(2, Duration::from_millis(200))
        .await
        .unwrap_err();
    match error {
        TestkitError::Timeout { got, .. } => assert_eq!(got, "1 frames"),
        other => panic!("expected Timeout, got {other:?}"),
    }
    assert!(
        server
            .wait_for_connection(1, Duration::from_millis(100))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn tls_with_the_exposed_certificate() {
    let server = TestServer::start(TestServerOptions::new().tls(true).handler(Echo))
        .await
        .unwrap();
    let url = server.ws_url("/tls");
    assert!(url.starts_with("wss://127.0.0.1:"), "{url}");
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(server.certificate_der().unwrap().to_vec().into())
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_tungstenite::Connector::Rustls(Arc::new(config));
    let (mut ws, _) =
        tokio_tungstenite::connect_async_tls_with_config(url, None, false, Some(connector))
            .await
            .unwrap();
    ws.send(Message::text("secure")).await.unwrap();
    let echoed = timeout(WAIT, ws.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(echoed, Message::text("secure"));
}

#[tokio::test]
async fn tls_certificate_is_not_trusted_by_default() {
    let server = TestServer::start(TestServerOptions::new().tls(true))
        .await
        .unwrap();
    let connector = StaticConnector::new("emulator", ConnectRequest::new(server.ws_url("/")));
    let error = connect(&connector, &TransportConfig::default())
        .await
        .unwrap_err();
    assert!(matches!(error, TransportError::Tls { .. }), "{error:?}");
    assert!(server.certificate_der().is_some());
}

#[tokio::test]
async fn rejected_handshake_answers_http_status_and_is_recorded() {
    let body =
        r#"{"error":{"code":"401","message":"Access denied due to invalid subscription key."}}"#;
    let server = TestServer::start(TestServerOptions::new().reject_all(Rejection::json(401, body)))
        .await
        .unwrap();
    let mut request = server.ws_url("/r").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("api-key", "wrong".parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Err(tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 401);
            assert_eq!(response.body().as_deref(), Some(body.as_bytes()));
            assert_eq!(response.headers()["content-type"], "application/json");
        }
        other => panic!("expected an HTTP 401, got {other:?}"),
    }
    let recorded = server.wait_for_connection(0, WAIT).await.unwrap();
    assert_eq!(recorded.rejected_with(), Some(401));
    assert_eq!(recorded.request().header("api-key"), Some("wrong"));
    assert!(recorded.is_ended());
}

#[tokio::test]
async fn reject_when_checks_the_key_through_the_core_transport() {
    let options = TestServerOptions::new()
        .handler(Echo)
        .reject_when(|request| {
            (request.header("api-key") != Some("right"))
                .then(|| Rejection::json(401, r#"{"error":"invalid key"}"#))
        });
    let server = TestServer::start(options).await.unwrap();
    let wrong = StaticConnector::new(
        "azure-openai",
        ConnectRequest::new(server.ws_url("/")).secret_header("api-key", "wrong"),
    );
    let error = connect(&wrong, &TransportConfig::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, TransportError::Handshake { status: 401, body, .. } if body.contains("invalid key")),
        "{error:?}"
    );
    let right = StaticConnector::new(
        "azure-openai",
        ConnectRequest::new(server.ws_url("/")).secret_header("api-key", "right"),
    );
    let (sink, mut stream) = connect(&right, &TransportConfig::default()).await.unwrap();
    sink.send("hi".into()).await.unwrap();
    assert_eq!(
        next(&mut stream).await,
        Some(Ok(Incoming::Text("hi".into())))
    );
    assert_eq!(server.connections().len(), 2);
}

#[tokio::test]
async fn subprotocol_is_answered() {
    let server = TestServer::start(TestServerOptions::new()).await.unwrap();
    let mut request = server.ws_url("/").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "realtime, other".parse().unwrap());
    let (_ws, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.headers()["sec-websocket-protocol"], "realtime");
}

#[tokio::test]
async fn closure_handler_talks_first() {
    let options = TestServerOptions::new().handler(|mut conn: ServerConn| async move {
        conn.send_text(r#"{"type":"session.created"}"#)
            .await
            .unwrap();
        if let Some(ClientFrame::Text(text)) = conn.recv().await {
            conn.send_text(format!("got {text}")).await.unwrap();
        }
    });
    let server = TestServer::start(options).await.unwrap();
    let (mut ws, _) = tokio_tungstenite::connect_async(server.ws_url("/"))
        .await
        .unwrap();
    let first = timeout(WAIT, ws.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(first, Message::text(r#"{"type":"session.created"}"#));
    ws.send(Message::text("x")).await.unwrap();
    let second = timeout(WAIT, ws.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(second, Message::text("got x"));
}

async fn next(stream: &mut FrameStream) -> Option<Result<Incoming, TransportError>> {
    timeout(WAIT, stream.next_frame()).await.unwrap()
}

/// Starts a server whose handler waits for one client frame, then runs `fault`,
/// and connects the core transport to it with `config`; sends the trigger frame.
async fn after_first_frame<F, Fut>(
    fault: F,
    config: TransportConfig,
) -> (TestServer, realtime_core::transport::FrameSink, FrameStream)
where
    F: Fn(ServerConn) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let fault = Arc::new(fault);
    let options = TestServerOptions::new().handler(move |mut conn: ServerConn| {
        let fault = Arc::clone(&fault);
        async move {
            if conn.recv().await.is_some() {
                fault(conn).await;
            }
        }
    });
    let server = TestServer::start(options).await.unwrap();
    let connector = StaticConnector::new("emulator", ConnectRequest::new(server.ws_url("/")));
    let (sink, stream) = connect(&connector, &config).await.unwrap();
    sink.send("trigger".into()).await.unwrap();
    (server, sink, stream)
}

#[tokio::test]
async fn fault_drop_connection_is_connection_lost() {
    let (_server, _sink, mut stream) = after_first_frame(
        |conn| async move { conn.drop_connection().await.unwrap() },
        TransportConfig::default(),
    )
    .await;
    assert!(matches!(
        next(&mut stream).await,
        Some(Err(TransportError::ConnectionLost { .. }))
    ));
    assert!(next(&mut stream).await.is_none());
}

#[tokio::test]
async fn fault_malformed_frame_is_a_protocol_error() {
    let (_server, _sink, mut stream) = after_first_frame(
        |conn| async move {
            conn.send_text("before").await.unwrap();
            conn.send_raw_malformed().await.unwrap();
        },
        TransportConfig::default(),
    )
    .await;
    assert_eq!(
        next(&mut stream).await,
        Some(Ok(Incoming::Text("before".into())))
    );
    assert!(
        matches!(
            next(&mut stream).await,
            Some(Err(TransportError::Protocol { .. }))
        ),
        "expected a protocol error"
    );
    assert!(next(&mut stream).await.is_none());
}

#[tokio::test]
async fn fault_oversized_frame_is_frame_too_large() {
    let (_server, _sink, mut stream) = after_first_frame(
        |conn| async move { conn.send_oversized(64 * 1024).await.unwrap() },
        TransportConfig::default()
            .max_message_size(1024)
            .max_frame_size(1024),
    )
    .await;
    assert!(matches!(
        next(&mut stream).await,
        Some(Err(TransportError::FrameTooLarge { max: 1024, .. }))
    ));
}

#[tokio::test]
async fn fault_stall_is_a_pong_timeout() {
    let (_server, _sink, mut stream) = after_first_frame(
        |conn| async move {
            let _ = conn.stall(Duration::from_secs(3)).await;
        },
        TransportConfig::default()
            .ping_interval(Some(Duration::from_millis(100)))
            .pong_timeout(Duration::from_millis(300)),
    )
    .await;
    assert!(matches!(
        next(&mut stream).await,
        Some(Err(TransportError::PongTimeout { .. }))
    ));
}

#[tokio::test]
async fn server_close_code_reaches_the_client() {
    let (server, _sink, mut stream) = after_first_frame(
        |conn| async move { conn.close(1011, "server error").await.unwrap() },
        TransportConfig::default(),
    )
    .await;
    match next(&mut stream).await {
        Some(Err(TransportError::Closed { code, reason, .. })) => {
            assert_eq!((code, reason.as_str()), (1011, "server error"));
        }
        other => panic!("expected Closed, got {other:?}"),
    }
    let recorded = server.wait_for_connection(0, WAIT).await.unwrap();
    recorded.wait_for_end(WAIT).await.unwrap();
}

#[tokio::test]
async fn shutdown_closes_open_connections_with_1001() {
    let server = TestServer::start(TestServerOptions::new()).await.unwrap();
    let connector = StaticConnector::new("emulator", ConnectRequest::new(server.ws_url("/")));
    let (_sink, mut stream) = connect(&connector, &TransportConfig::default())
        .await
        .unwrap();
    server.wait_for_connection(0, WAIT).await.unwrap();
    server.shutdown().await;
    assert!(matches!(
        next(&mut stream).await,
        Some(Err(TransportError::Closed { code: 1001, .. }))
    ));
}

#[tokio::test]
async fn server_conn_errors_once_the_client_is_gone() {
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let done_tx = std::sync::Mutex::new(Some(done_tx));
    let options = TestServerOptions::new().handler(move |mut conn: ServerConn| {
        let done_tx = done_tx.lock().unwrap().take();
        async move {
            while conn.recv().await.is_some() {}
            let result = conn.send_text("too late").await;
            if let Some(done_tx) = done_tx {
                let _ = done_tx.send(result);
            }
        }
    });
    let server = TestServer::start(options).await.unwrap();
    let (mut ws, _) = tokio_tungstenite::connect_async(server.ws_url("/"))
        .await
        .unwrap();
    ws.close(None).await.unwrap();
    while ws.next().await.is_some() {}
    let result = timeout(WAIT, done_rx).await.unwrap().unwrap();
    assert!(
        matches!(result, Err(TestkitError::ConnectionClosed { id: 0 })),
        "{result:?}"
    );
}
