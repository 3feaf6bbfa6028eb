//! The authentication hook of `realtime_examples::guard`, on a real socket: the app's
//! own check runs after the Host and Origin checks and refuses with 401.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::post;
use realtime_examples::guard::Guard;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_authentication_hook_refuses_unknown_users() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let guard = Guard::new(address, 100).authenticate(Arc::new(|parts| {
        match parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
        {
            Some("Bearer user-session-1") => Ok(()),
            _ => Err("log in first".to_owned()),
        }
    }));
    let app = guard
        .protect(Router::new().route("/session", guard.limit_minting(post(|| async { "minted" }))));
    tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        let _ = axum::serve(listener, service).await;
    });

    let answers = tokio::task::spawn_blocking(move || {
        let json = "Content-Type: application/json".to_owned();
        let anonymous = common::http(
            address,
            "POST",
            "/session",
            std::slice::from_ref(&json),
            "{}",
        );
        let user = common::http(
            address,
            "POST",
            "/session",
            &[
                json.clone(),
                "Authorization: Bearer user-session-1".to_owned(),
            ],
            "{}",
        );
        // The hook never sees what Origin already refused.
        let cross_site = common::http(
            address,
            "POST",
            "/session",
            &[
                json,
                "Authorization: Bearer user-session-1".to_owned(),
                "Origin: https://evil.example".to_owned(),
            ],
            "{}",
        );
        (anonymous, user, cross_site)
    })
    .await
    .unwrap();
    let (anonymous, user, cross_site) = answers;
    assert_eq!(anonymous.0, 401, "{}", anonymous.1);
    assert!(anonymous.1.contains("log in first"), "{}", anonymous.1);
    assert_eq!(user, (200, "minted".to_owned()));
    assert_eq!(cross_site.0, 403, "{}", cross_site.1);
}

#[test]
fn an_allowed_origin_must_be_an_origin() {
    let address: SocketAddr = "127.0.0.1:8080".parse().unwrap();
    let guard = Guard::new(address, 1);
    assert!(
        guard
            .clone()
            .allow_origin("https://app.example.com")
            .is_ok()
    );
    assert!(guard.clone().allow_origin("app.example.com").is_err());
    assert!(guard.allow_origin("https://app.example.com/path").is_err());
}
