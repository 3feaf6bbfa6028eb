//! One test per handshake rule of the emulator (`emulator::handshake::route`).
#![allow(clippy::unwrap_used)]

use realtime_testkit::RecordedRequest;
use realtime_testkit::emulator::handshake::route;

fn request(path_and_query: &str, headers: &[(&str, &str)]) -> RecordedRequest {
    RecordedRequest {
        path_and_query: path_and_query.to_owned(),
        headers: headers
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), (*value).to_owned()))
            .collect(),
    }
}

fn status(path_and_query: &str, headers: &[(&str, &str)], key: Option<&str>) -> u16 {
    route(&request(path_and_query, headers), key).map_or_else(|rejection| rejection.status, |_| 101)
}

fn dialect(path_and_query: &str, headers: &[(&str, &str)]) -> &'static str {
    route(&request(path_and_query, headers), None)
        .unwrap()
        .dialect
}

const BEARER: (&str, &str) = ("Authorization", "Bearer k");
const API_KEY: (&str, &str) = ("api-key", "k");

#[test]
fn each_path_selects_its_dialect() {
    assert_eq!(
        dialect("/v1/realtime?model=gpt-realtime", &[BEARER]),
        "openai-ga"
    );
    assert_eq!(
        dialect(
            "/v1/realtime?model=m",
            &[BEARER, ("OpenAI-Beta", "realtime=v1")]
        ),
        "openai-beta"
    );
    assert_eq!(
        dialect(
            "/openai/realtime?api-version=2025-04-01-preview&deployment=d",
            &[API_KEY]
        ),
        "azure-openai-preview"
    );
    assert_eq!(
        dialect(
            "/openai/realtime?api-version=2024-10-01-preview&deployment=d",
            &[API_KEY]
        ),
        "azure-openai-preview"
    );
    assert_eq!(
        dialect("/openai/v1/realtime?model=d", &[API_KEY]),
        "azure-openai-ga-v1"
    );
    assert_eq!(
        dialect(
            "/voice-live/realtime?api-version=2026-04-10&model=m",
            &[API_KEY]
        ),
        "voicelive-2026-04-10"
    );
    assert_eq!(
        dialect(
            "/voice-live/realtime?api-version=2025-10-01&model=m",
            &[API_KEY]
        ),
        "voicelive-2025-10-01"
    );
    assert_eq!(
        dialect("/voice-live/realtime?api-version=v1&model=m", &[API_KEY]),
        "voicelive-v1"
    );
}

#[test]
fn an_unknown_path_is_404_even_without_credentials() {
    assert_eq!(status("/realtime?model=m", &[BEARER], None), 404);
    assert_eq!(status("/v2/realtime?model=m", &[], None), 404);
}

#[test]
fn missing_credentials_are_401() {
    assert_eq!(status("/v1/realtime?model=m", &[], None), 401);
    assert_eq!(
        status("/openai/v1/realtime?model=d", &[("api-key", "")], None),
        401
    );
}

#[test]
fn a_wrong_key_is_401_when_the_key_is_fixed() {
    assert_eq!(
        status(
            "/v1/realtime?model=m",
            &[("Authorization", "Bearer other")],
            Some("k")
        ),
        401
    );
    assert_eq!(status("/v1/realtime?model=m", &[BEARER], Some("k")), 101);
}

#[test]
fn a_browser_offers_the_key_as_a_subprotocol() {
    let protocols = (
        "Sec-WebSocket-Protocol",
        "realtime, openai-insecure-api-key.k",
    );
    assert_eq!(status("/v1/realtime?model=m", &[protocols], Some("k")), 101);
    let wrong = (
        "Sec-WebSocket-Protocol",
        "realtime, openai-insecure-api-key.x",
    );
    assert_eq!(status("/v1/realtime?model=m", &[wrong], Some("k")), 401);
}

#[test]
fn openai_reads_only_the_bearer_header() {
    assert_eq!(status("/v1/realtime?model=m", &[API_KEY], None), 401);
}

#[test]
fn azure_preview_takes_the_key_from_header_query_or_bearer() {
    let path = "/openai/realtime?api-version=2025-04-01-preview&deployment=d";
    assert_eq!(status(path, &[API_KEY], Some("k")), 101);
    assert_eq!(status(&format!("{path}&api-key=k"), &[], Some("k")), 101);
    assert_eq!(status(path, &[BEARER], Some("k")), 101);
}

#[test]
fn a_missing_or_unknown_api_version_is_400() {
    assert_eq!(
        status("/openai/realtime?deployment=d", &[API_KEY], None),
        400
    );
    assert_eq!(
        status(
            "/openai/realtime?api-version=2023-01-01&deployment=d",
            &[API_KEY],
            None
        ),
        400
    );
    assert_eq!(
        status("/voice-live/realtime?model=m", &[API_KEY], None),
        400
    );
    assert_eq!(
        status(
            "/voice-live/realtime?api-version=2099-01-01&model=m",
            &[API_KEY],
            None
        ),
        400
    );
}

#[test]
fn a_missing_model_or_deployment_is_400() {
    assert_eq!(status("/v1/realtime", &[BEARER], None), 400);
    assert_eq!(
        status(
            "/openai/realtime?api-version=2025-04-01-preview",
            &[API_KEY],
            None
        ),
        400
    );
    assert_eq!(status("/openai/v1/realtime", &[API_KEY], None), 400);
    assert_eq!(
        status(
            "/voice-live/realtime?api-version=2026-04-10",
            &[API_KEY],
            None
        ),
        400
    );
}

#[test]
fn a_webrtc_call_id_stands_for_the_model() {
    assert_eq!(status("/v1/realtime?call_id=rtc_1", &[BEARER], None), 101);
    assert_eq!(
        status("/openai/v1/realtime?call_id=rtc_1", &[API_KEY], None),
        101
    );
}

#[test]
fn voice_live_agent_mode_needs_no_model() {
    let path = "/voice-live/realtime?api-version=2026-04-10&agent-name=a&agent-project-name=p";
    assert_eq!(status(path, &[API_KEY], None), 101);
}

#[test]
fn api_version_on_azure_ga_v1_is_401() {
    assert_eq!(
        status(
            "/openai/v1/realtime?model=d&api-version=2025-04-01-preview",
            &[API_KEY],
            None
        ),
        401
    );
}

#[test]
fn voice_live_v1_is_header_only_and_dated_versions_take_the_query() {
    assert_eq!(
        status(
            "/voice-live/realtime?api-version=v1&model=m&api-key=k",
            &[],
            None
        ),
        401
    );
    assert_eq!(
        status(
            "/voice-live/realtime?api-version=v1&model=m",
            &[API_KEY],
            None
        ),
        101
    );
    assert_eq!(
        status(
            "/voice-live/realtime?api-version=2026-04-10&model=m&api-key=k",
            &[],
            None
        ),
        101
    );
    assert_eq!(
        status(
            "/voice-live/realtime?api-version=2026-04-10&model=m&Authorization=Bearer%20k",
            &[],
            Some("k")
        ),
        101
    );
}

#[test]
fn refusals_carry_no_emulator_internals() {
    for path in [
        "/nope",
        "/v1/realtime",
        "/openai/v1/realtime?model=d&api-version=x",
    ] {
        let rejection = route(&request(path, &[BEARER]), None).unwrap_err();
        assert!(
            !rejection.body.to_lowercase().contains("emulat"),
            "{}",
            rejection.body
        );
        let body: serde_json::Value = serde_json::from_str(&rejection.body).unwrap();
        assert!(body["error"]["message"].is_string());
    }
}
