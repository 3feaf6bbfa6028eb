//! GPT-Live on Azure: the `azure-openai-live` dialect (the GPT-Live codec under
//! Azure's name) and its connector (both path spellings, Bearer auth, sideband, no
//! ephemeral keys). Facts: `fixtures/openai-live/live.condensed.json` `transport.azure`.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use realtime_azure_openai::{
    Auth, AzureLiveConnector, AzureLiveError, AzureLivePath, azure_live_dialect,
};
use realtime_core::dialect::Dialect;
use realtime_core::error::EncodeError;
use realtime_core::protocol::{ClientEvent, ServerEvent, SessionConfig};
use realtime_core::transport::Connector;
use serde_json::Value;

fn connector() -> AzureLiveConnector {
    AzureLiveConnector::new(
        "https://my-resource.openai.azure.com".parse().unwrap(),
        Auth::api_key("not-a-real-key"),
    )
}

#[test]
fn documented_path_is_the_default_and_the_sdk_spelling_is_configurable() {
    assert_eq!(
        connector().url(),
        "wss://my-resource.openai.azure.com/openai/v1/live"
    );
    assert_eq!(
        connector().path(AzureLivePath::Sessions).url(),
        "wss://my-resource.openai.azure.com/openai/v1/live/sessions"
    );
    assert_eq!(
        connector().attach("live_1").url(),
        "wss://my-resource.openai.azure.com/openai/v1/live/sessions/live_1/attach"
    );
    let local =
        AzureLiveConnector::new("http://127.0.0.1:9000".parse().unwrap(), Auth::api_key("k"));
    assert_eq!(local.url(), "ws://127.0.0.1:9000/openai/v1/live");
}

#[test]
fn the_api_key_goes_in_a_bearer_header_and_never_in_debug() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let request = runtime.block_on(connector().request()).unwrap();
    assert_eq!(request.headers.len(), 1);
    assert_eq!(request.headers[0].0, "Authorization");
    assert_eq!(request.headers[0].1.expose(), "Bearer not-a-real-key");
    assert!(!format!("{request:?}").contains("not-a-real-key"));
    assert!(!format!("{:?}", connector()).contains("not-a-real-key"));
}

#[test]
fn ephemeral_keys_are_a_typed_refusal() {
    let error = connector().ephemeral_client_key().unwrap_err();
    assert_eq!(error, AzureLiveError::EphemeralKeysUnsupported);
    assert!(error.to_string().contains("does not support"));
}

#[test]
fn the_dialect_speaks_gpt_live_and_names_azure_in_refusals() {
    let dialect = azure_live_dialect();
    assert_eq!(dialect.name(), "azure-openai-live");
    let start = dialect
        .encode(&ClientEvent::session_update(
            SessionConfig::new().model("gpt-live-1"),
        ))
        .unwrap();
    assert_eq!(
        start,
        r#"{"type":"session.start","session":{"model":"gpt-live-1"}}"#
    );
    match dialect.encode(&ClientEvent::cancel_response()).unwrap_err() {
        EncodeError::Unsupported { dialect, .. } => assert_eq!(dialect, "azure-openai-live"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    // The recorded frames are the same protocol: they decode losslessly here too.
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/openai-live/examples.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let mut typed = 0;
    for line in text.lines() {
        let row: Value = serde_json::from_str(line).unwrap();
        if row["direction"] != "server" {
            continue;
        }
        let events = dialect.decode(&row["payload"].to_string()).unwrap();
        typed += usize::from(!matches!(events[0], ServerEvent::Unknown { .. }));
        assert_eq!(
            Value::Object(dialect.encode_server(&events[0]).unwrap()),
            row["payload"]
        );
    }
    // As on `openai-live`: started, audio, transcripts, the call, and the delegated
    // runs' start (2) and end (1).
    assert_eq!(typed, 67);
}
