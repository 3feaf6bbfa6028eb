//! The example servers hold the provider key: over real sockets, each rule of
//! `realtime_examples::guard` holds on both of them, and same-origin use still works.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;

use common::{http, start_server, websocket_upgrade};

const JSON: &str = "Content-Type: application/json";

/// The two servers: name, flags, the line that carries the address, the mint route.
const SERVERS: [(&str, &[&str], &str, &str); 2] = [
    (
        "client_secret_server",
        &["--mint-per-minute", "2"],
        "listening on ",
        "/session",
    ),
    (
        "browser_bridge",
        &["--offline", "--mint-per-minute", "2"],
        "open ",
        "/token",
    ),
];

fn own_origin(address: SocketAddr) -> String {
    format!("Origin: http://{address}")
}

#[test]
fn a_cross_site_origin_is_refused() {
    for (name, args, marker, mint) in SERVERS {
        let (_server, address) = start_server(name, args, marker);
        let evil = "Origin: https://evil.example".to_owned();
        let (status, body) = http(address, "POST", mint, &[evil.clone(), JSON.into()], "{}");
        assert_eq!(status, 403, "{name} POST {mint}: {body}");
        assert!(body.contains("evil.example"), "{body}");
        let (status, body) = http(address, "GET", "/", &[evil], "");
        assert_eq!(status, 403, "{name} GET /: {body}");
    }
}

#[test]
fn a_foreign_host_is_refused() {
    for (name, args, marker, mint) in SERVERS {
        let (_server, address) = start_server(name, args, marker);
        // DNS rebinding: the attacker's name, re-pointed at 127.0.0.1, arrives as Host.
        let host = format!("Host: rebind.evil.example:{}", address.port());
        let (status, body) = http(address, "GET", "/", std::slice::from_ref(&host), "");
        assert_eq!(status, 403, "{name} GET /: {body}");
        let (status, body) = http(address, "POST", mint, &[host, JSON.into()], "{}");
        assert_eq!(status, 403, "{name} POST {mint}: {body}");
    }
}

#[test]
fn a_text_plain_body_is_refused() {
    for (name, args, marker, mint) in SERVERS {
        let (_server, address) = start_server(name, args, marker);
        // What a cross-site form or `fetch(..., {mode: "no-cors"})` can send without a
        // preflight, with the server's own origin to isolate the content-type rule.
        let headers = [own_origin(address), "Content-Type: text/plain".to_owned()];
        let body = r#"{"instructions":"attacker's instructions"}"#;
        let (status, answer) = http(address, "POST", mint, &headers, body);
        assert_eq!(status, 415, "{name}: {answer}");
        let (status, answer) = http(address, "POST", mint, &[own_origin(address)], body);
        assert_eq!(status, 415, "{name} without a content type: {answer}");
    }
}

#[test]
fn minting_is_rate_limited_per_client() {
    for (name, args, marker, mint) in SERVERS {
        let (_server, address) = start_server(name, args, marker);
        let headers = [JSON.to_owned()];
        for attempt in 1..=2 {
            // No key in the environment: past the guard, the minter answers 503.
            let (status, body) = http(address, "POST", mint, &headers, "{}");
            assert_eq!(status, 503, "{name} attempt {attempt}: {body}");
        }
        let (status, body) = http(address, "POST", mint, &headers, "{}");
        assert_eq!(status, 429, "{name}: {body}");
        assert!(body.contains("at most 2"), "{body}");
    }
}

#[test]
fn same_origin_requests_work() {
    for (name, args, marker, mint) in SERVERS {
        let (_server, address) = start_server(name, args, marker);
        let (status, body) = http(address, "GET", "/", &[own_origin(address)], "");
        assert_eq!(status, 200, "{name} GET /: {body}");
        let localhost = [
            format!("Host: localhost:{}", address.port()),
            format!("Origin: http://localhost:{}", address.port()),
            JSON.to_owned(),
        ];
        let (status, body) = http(address, "POST", mint, &localhost, "{}");
        assert_eq!(status, 503, "{name} POST {mint} reached the minter: {body}");
        assert!(body.contains("OPENAI_API_KEY"), "{body}");
    }
}

#[test]
fn the_bridge_websocket_refuses_other_sites_and_serves_its_page() {
    let (name, args, marker, _) = SERVERS[1];
    let (_server, address) = start_server(name, args, marker);
    let mut cross_site = websocket_upgrade();
    cross_site.push("Origin: https://evil.example".to_owned());
    let (status, body) = http(address, "GET", "/ws", &cross_site, "");
    assert_eq!(status, 403, "cross-site WebSocket hijacking: {body}");

    let mut same_origin = websocket_upgrade();
    same_origin.push(own_origin(address));
    let (status, _) = http(address, "GET", "/ws", &same_origin, "");
    assert_eq!(status, 101, "the page's own WebSocket");

    // A session spends the key like a mint: it shares the minting budget (2 here).
    let (status, _) = http(address, "GET", "/ws", &same_origin, "");
    assert_eq!(status, 101, "the second session of the minute");
    let (status, body) = http(address, "GET", "/ws", &same_origin, "");
    assert_eq!(status, 429, "a third session within the minute: {body}");
}

/// The `webrtc` example: its one POST route (`/session`, which mints a key and spends
/// it on the provider) passes the same guard, and what it answers the page holds the
/// SDP answer and the call's id, never a key (not even the ephemeral one it minted).
#[test]
fn the_webrtc_session_route_is_guarded_and_answers_no_key() {
    let (_server, address) =
        start_server("webrtc", &["--offline", "--mint-per-minute", "2"], "open ");
    let evil = "Origin: https://evil.example".to_owned();
    let (status, body) = http(address, "POST", "/session", &[evil, JSON.into()], "{}");
    assert_eq!(status, 403, "cross-site: {body}");
    let headers = [own_origin(address), "Content-Type: text/plain".to_owned()];
    let (status, body) = http(address, "POST", "/session", &headers, "{}");
    assert_eq!(status, 415, "text/plain: {body}");

    let headers = [own_origin(address), JSON.to_owned()];
    let offer = serde_json::json!({"sdp": realtime_testkit::emulator::CHROMIUM_OFFER}).to_string();
    let (status, body) = http(address, "POST", "/session", &headers, &offer);
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    let keys: Vec<&String> = answer.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["sdp", "call_id"], "{body}");
    assert!(answer["sdp"].as_str().unwrap().starts_with("v=0"), "{body}");
    assert!(
        !body.contains("ek_") && !body.contains("sk-"),
        "a key in {body}"
    );

    let (status, body) = http(address, "POST", "/session", &headers, r#"{"offer": "v=0"}"#);
    assert_eq!(status, 400, "not an offer: {body}");
    let (status, body) = http(address, "POST", "/session", &headers, &offer);
    assert_eq!(status, 429, "a third call within the minute: {body}");
}
