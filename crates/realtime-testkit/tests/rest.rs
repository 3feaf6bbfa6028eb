//! The emulator's REST endpoints: client secrets, the Azure preview sessions
//! endpoint and WebRTC calls, and the minted key opening a socket.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;

use realtime_core::transport::{ConnectRequest, Incoming, StaticConnector, connect};
use realtime_testkit::emulator::{Service, ServiceOptions};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn start() -> Service {
    Service::start(
        ServiceOptions::new()
            .addr(SocketAddr::from(([127, 0, 0, 1], 0)))
            .key("k"),
    )
    .await
    .unwrap()
}

/// Sends one HTTP request; the status, the head and the body.
async fn post(
    service: &Service,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let mut tcp = TcpStream::connect(service.addr()).await.unwrap();
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).await.unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_owned(), body.to_owned())
}

/// Opens a socket on `query` of `/v1/realtime` with `bearer`, and reads its first
/// frame (`session.created`).
async fn first_frame(service: &Service, query: &str, bearer: &str) -> Value {
    let connector = StaticConnector::new(
        "emulator",
        ConnectRequest::new(format!("ws://{}/v1/realtime?{query}", service.addr()))
            .secret_header("Authorization", format!("Bearer {bearer}")),
    );
    let (_sink, mut stream) = connect(&connector, &Default::default()).await.unwrap();
    let Some(Ok(Incoming::Text(created))) = stream.next_frame().await else {
        panic!("no session.created");
    };
    serde_json::from_str(&created).unwrap()
}

#[tokio::test]
async fn a_client_secret_opens_a_socket_like_the_key() {
    let service = start().await;
    let request = json!({"session": {"type": "realtime", "model": "gpt-realtime", "instructions": "Be brief."}});
    let (status, _, body) = post(
        &service,
        "/v1/realtime/client_secrets",
        &[
            ("Authorization", "Bearer k"),
            ("Content-Type", "application/json"),
        ],
        &request.to_string(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    let secret = body["value"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("ek_"));
    assert!(body["expires_at"].as_u64().unwrap() > 0);
    assert_eq!(body["session"]["type"], "realtime");
    assert_eq!(body["session"]["instructions"], "Be brief.");

    let created = first_frame(&service, "model=gpt-realtime", &secret).await;
    assert_eq!(created["type"], "session.created");
}

#[tokio::test]
async fn client_secrets_need_the_key_and_a_session_type() {
    let service = start().await;
    let (status, _, _) = post(
        &service,
        "/v1/realtime/client_secrets",
        &[("Authorization", "Bearer wrong")],
        "{}",
    )
    .await;
    assert_eq!(status, 401);
    let (status, _, body) = post(
        &service,
        "/v1/realtime/client_secrets",
        &[("Authorization", "Bearer k")],
        &json!({"session": {"model": "gpt-realtime"}}).to_string(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("session.type"), "{body}");
}

#[tokio::test]
async fn azure_ga_client_secrets_take_the_api_key() {
    let service = start().await;
    let (status, _, body) = post(
        &service,
        "/openai/v1/realtime/client_secrets",
        &[("api-key", "k")],
        &json!({"session": {"type": "realtime", "model": "gpt-realtime"}}).to_string(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"value\":\"ek_"));
}

#[tokio::test]
async fn the_azure_preview_sessions_endpoint_answers_a_beta_session() {
    let service = start().await;
    let path = "/openai/realtimeapi/sessions?api-version=2025-04-01-preview";
    let (status, _, body) = post(
        &service,
        path,
        &[("api-key", "k")],
        &json!({"model": "gpt-4o-realtime-preview", "voice": "verse"}).to_string(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert!(
        body["client_secret"]["value"]
            .as_str()
            .unwrap()
            .starts_with("ek_")
    );
    assert_eq!(body["voice"], "verse");
    assert!(body.get("type").is_none(), "beta sessions have no type");
    let (status, _, _) = post(
        &service,
        "/openai/realtimeapi/sessions",
        &[("api-key", "k")],
        "{}",
    )
    .await;
    assert_eq!(status, 400, "no api-version");
}

#[tokio::test]
async fn a_webrtc_call_is_created_and_hung_up() {
    let service = start().await;
    let (status, head, body) = post(
        &service,
        "/v1/realtime/calls",
        &[
            ("Authorization", "Bearer k"),
            ("Content-Type", "application/sdp"),
        ],
        realtime_testkit::emulator::CHROMIUM_OFFER,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert!(body.starts_with("v=0"));
    let location = head
        .lines()
        .find_map(|line| line.strip_prefix("Location: "))
        .unwrap();
    assert!(
        location.starts_with("/v1/realtime/calls/rtc_"),
        "{location}"
    );
    let (status, _, _) = post(
        &service,
        &format!("{location}/hangup"),
        &[("Authorization", "Bearer k")],
        "",
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn unknown_rest_paths_are_404() {
    let service = start().await;
    let (status, _, _) = post(
        &service,
        "/v1/nothing",
        &[("Authorization", "Bearer k")],
        "",
    )
    .await;
    assert_eq!(status, 404);
}

/// The SDKs' form of `calls` (multipart: the `sdp` part and a `session` part): the
/// call's session is the one posted, and a sideband socket attached by `call_id`
/// joins that session (its `session.created` holds the posted instructions), not a
/// fresh one.
#[tokio::test]
async fn a_multipart_offer_starts_a_call_whose_session_the_sideband_joins() {
    let service = start().await;
    let boundary = "b0undary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"sdp\"\r\nContent-Type: application/sdp\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"session\"\r\nContent-Type: application/json\r\n\r\n{}\r\n--{boundary}--\r\n",
        realtime_testkit::emulator::CHROMIUM_OFFER,
        json!({"type": "realtime", "instructions": "You are the call's own session."}),
    );
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let (status, head, answer) = post(
        &service,
        "/v1/realtime/calls",
        &[
            ("Authorization", "Bearer k"),
            ("Content-Type", &content_type),
        ],
        &body,
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    assert!(
        head.contains("Content-Type: text/plain; charset=utf-8"),
        "{head}"
    );
    let call_id = head
        .lines()
        .find_map(|line| line.strip_prefix("Location: /v1/realtime/calls/"))
        .unwrap();

    let created = first_frame(&service, &format!("call_id={call_id}"), "k").await;
    assert_eq!(created["type"], "session.created");
    assert_eq!(
        created["session"]["instructions"],
        "You are the call's own session."
    );

    // A socket that names no call gets the profile's own session.
    let created = first_frame(&service, "model=gpt-realtime", "k").await;
    assert_ne!(
        created["session"]["instructions"],
        "You are the call's own session."
    );
}
