//! Over a real loopback WebSocket (`realtime-testkit`'s recording server): the
//! handshake the Azure connector makes (path, query, `api-key`, no `OpenAI-Beta`,
//! no `api-version` on GA v1), and the exact `session.update` frame a preview
//! dialect puts on the wire.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{REJECTED, every_field, json, update};
use realtime_azure_openai::{ApiVersion, Auth, AzureOpenAiConfig, AzureOpenAiConnector, Endpoint};
use realtime_core::dialect::{Dialect as _, UnsupportedPolicy};
use realtime_core::transport::{TransportConfig, connect};
use realtime_testkit::{Echo, TestServer, TestServerOptions};

const KEY: &str = "sk-LOOPBACK-SECRET";
const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn preview_handshake_and_frame_on_the_wire() {
    let server = TestServer::start(TestServerOptions::new().handler(Echo))
        .await
        .unwrap();
    let endpoint = format!("http://{}", server.addr()).parse().unwrap();
    let config = AzureOpenAiConfig::new(endpoint, "gpt-4o-realtime", Auth::api_key(KEY))
        .unwrap()
        .with_endpoint_kind(Endpoint::Preview(ApiVersion::V2024_12_17))
        .with_policy(UnsupportedPolicy::Warn);
    let dialect = config.dialect();
    let connector = AzureOpenAiConnector::new(config);
    let (sink, _stream) = connect(&connector, &TransportConfig::default())
        .await
        .unwrap();
    sink.send(dialect.encode(&update(every_field())).unwrap())
        .await
        .unwrap();

    let recorded = server.wait_for_connection(0, WAIT).await.unwrap();
    let request = recorded.request();
    assert!(
        request.path_and_query.starts_with("/openai/realtime?"),
        "{}",
        request.path_and_query
    );
    assert_eq!(request.query_param("api-version"), Some("2024-12-17"));
    assert_eq!(request.query_param("deployment"), Some("gpt-4o-realtime"));
    assert_eq!(request.header("api-key"), Some(KEY));
    assert_eq!(request.header("openai-beta"), None);
    assert_eq!(request.header("authorization"), None);

    let texts = recorded.wait_for_frames(1, WAIT).await.unwrap();
    let frame = json(texts[0].as_text().unwrap());
    let session = frame["session"].as_object().unwrap();
    for key in REJECTED {
        assert!(!session.contains_key(key), "`{key}` on the wire: {frame}");
    }
    assert_eq!(session["modalities"], serde_json::json!(["audio", "text"]));
    sink.close(1000, "done").await.unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn ga_v1_handshake_on_the_wire() {
    let server = TestServer::start(TestServerOptions::new().handler(Echo))
        .await
        .unwrap();
    let endpoint = format!("http://{}/openai/v1/", server.addr())
        .parse()
        .unwrap();
    let config = AzureOpenAiConfig::new(endpoint, "gpt-realtime", Auth::api_key(KEY)).unwrap();
    let connector = AzureOpenAiConnector::new(config);
    let (sink, _stream) = connect(&connector, &TransportConfig::default())
        .await
        .unwrap();
    let recorded = server.wait_for_connection(0, WAIT).await.unwrap();
    let request = recorded.request();
    assert_eq!(
        request.path_and_query,
        "/openai/v1/realtime?model=gpt-realtime"
    );
    assert_eq!(request.header("api-key"), Some(KEY));
    assert_eq!(request.header("openai-beta"), None);
    sink.close(1000, "done").await.unwrap();
    server.shutdown().await;
}
