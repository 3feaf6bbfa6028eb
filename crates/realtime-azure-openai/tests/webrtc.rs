//! Browser-direct WebRTC on Azure OpenAI, server side.
//!
//! - The mint and SDP requests against the recorded HTTP cassette
//!   (`fixtures/azure-openai/recorded/pydantic-ai/test_azure_ws/test_webrtc_sideband_text_turn.yaml`:
//!   `client_secrets` without `api-version`, then the raw SDP offer to
//!   `calls?webrtcfilter=on`, answered 201 with `Location: /v1/realtime/calls/rtc_…`).
//! - The seed scenario made impossible: the minted session already holds the agent's
//!   instructions and tools, and none of the fields the endpoint rejects (on the
//!   preview: `type`, `output_modalities`, nested `audio`, audio-only modalities).
//! - The whole flow against the emulator: mint (API key or Entra ID), the browser's
//!   offer with the ephemeral key, the agent on the sideband by `call_id` running a
//!   tool; a wrong key refused at the SDP step.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::time::OffsetDateTime;
use realtime_azure_openai::{
    ApiVersion, Auth, AzureOpenAiConfig, Endpoint, EphemeralKeyRequest, EphemeralKeys,
    GA_V1_REJECTED_KEYS, PREVIEW_REJECTED_KEYS, PreviewRtcHost, SidebandConnector, WebRtcCalls,
    WebRtcError, WebRtcStep,
};
use realtime_core::agent::{Agent, AgentEvent, AgentRunner, AgentTool, ToolError};
use realtime_core::client::RealtimeClient;
use realtime_core::protocol::{
    AudioFormat, Modality, Role, ServerVad, SessionConfig, Transcription, TurnDetection,
};
use realtime_core::transport::{Connector, Secret};
use realtime_testkit::emulator::{Pace, Script, Service, ServiceOptions};
use serde_json::{Value, json};

const KEY: &str = "azure-emulator-key";
const RECORDED_RESOURCE: &str = "https://pydantic-ai-realtime-dev.openai.azure.com";

fn cassette() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/azure-openai/recorded/pydantic-ai/test_azure_ws/test_webrtc_sideband_text_turn.yaml"
    );
    serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn config(endpoint: &str, auth: Auth) -> AzureOpenAiConfig {
    AzureOpenAiConfig::new(endpoint.parse().unwrap(), "gpt-realtime", auth).unwrap()
}

fn preview(config: AzureOpenAiConfig) -> AzureOpenAiConfig {
    config.with_endpoint_kind(Endpoint::Preview(ApiVersion::V2025_04_01Preview))
}

/// The session pydantic-ai minted in the recorded run.
fn recorded_session() -> SessionConfig {
    let mut vad = ServerVad::default();
    vad.create_response = Some(true);
    vad.interrupt_response = Some(true);
    SessionConfig::new()
        .instructions("Answer in two words.")
        .output_modalities([Modality::Text])
        .input_audio_format(AudioFormat::PCM16_24K)
        .output_audio_format(AudioFormat::PCM16_24K)
        .turn_detection(TurnDetection::ServerVad(vad))
        .transcription(Transcription::model("gpt-realtime-whisper"))
}

#[test]
fn the_mint_request_is_the_recorded_ga_v1_request() {
    let cassette = cassette();
    let recorded = &cassette["interactions"][0]["request"];
    let keys = EphemeralKeys::new(config(RECORDED_RESOURCE, Auth::api_key(KEY))).unwrap();
    let (url, body) = keys
        .request_body(&EphemeralKeyRequest::new(recorded_session()))
        .unwrap();
    assert_eq!(url, recorded["uri"].as_str().unwrap());
    assert_eq!(body, recorded["parsed_body"]);
}

#[test]
fn the_recorded_mint_answer_gives_the_key_and_the_session() {
    let cassette = cassette();
    let response = &cassette["interactions"][0]["response"];
    let keys = EphemeralKeys::new(config(RECORDED_RESOURCE, Auth::api_key(KEY))).unwrap();
    let key = keys
        .parse(200, &response["parsed_body"].to_string())
        .unwrap();
    assert_eq!(key.value.expose(), "ek_scrubbed");
    assert_eq!(key.expires_at, Some(1_784_873_582));
    assert_eq!(key.session["instructions"], "Answer in two words.");
    assert!(!format!("{key:?}").contains("ek_scrubbed"));
    assert!(matches!(
        keys.parse(200, r#"{"session":{}}"#),
        Err(WebRtcError::InvalidResponse {
            step: WebRtcStep::Mint,
            ..
        })
    ));
}

#[test]
fn the_offer_is_the_recorded_sdp_request_and_the_answer_names_the_call() {
    let cassette = cassette();
    let interaction = &cassette["interactions"][1];
    let recorded = &interaction["request"];
    let calls = WebRtcCalls::new(config(RECORDED_RESOURCE, Auth::api_key(KEY))).unwrap();
    let offer = recorded["body"].as_str().unwrap();
    let request = calls.offer_request(&Secret::new("ek_1"), offer).unwrap();
    assert_eq!(request.url, recorded["uri"].as_str().unwrap());
    assert_eq!(
        request.content_type,
        recorded["headers"]["content-type"][0].as_str().unwrap()
    );
    assert_eq!(request.body, offer);
    assert_eq!(request.credential.0, "Authorization");
    assert_eq!(request.credential.1.expose(), "Bearer ek_1");
    assert!(
        !format!("{request:?}").contains("ek_1"),
        "Debug shows no key"
    );

    let response = &interaction["response"];
    let status = u16::try_from(response["status"]["code"].as_u64().unwrap()).unwrap();
    let location = response["headers"]["location"][0].as_str().unwrap();
    let body = response["body"]["string"].as_str().unwrap();
    let answer = calls.parse_answer(status, Some(location), body).unwrap();
    assert_eq!(
        answer.call_id.as_deref(),
        Some("rtc_674c95ac084a4128a91c2fd1f7ff30f4")
    );
    assert_eq!(answer.sdp, body);
}

#[test]
fn the_preview_exchange_is_regional_and_has_no_sideband() {
    let config = preview(config(RECORDED_RESOURCE, Auth::api_key(KEY)));
    let calls = WebRtcCalls::new(config.clone()).unwrap();
    assert!(matches!(
        calls.offer_request(&Secret::new("ek_1"), "v=0\r\n"),
        Err(WebRtcError::InvalidRequest {
            step: WebRtcStep::SdpExchange,
            ..
        })
    ));
    let calls = calls.with_preview_host(PreviewRtcHost::Region("eastus2".to_owned()));
    let request = calls
        .offer_request(&Secret::new("ek_1"), "v=0\r\n")
        .unwrap();
    assert_eq!(
        request.url,
        "https://eastus2.realtimeapi-preview.ai.azure.com/v1/realtimertc?model=gpt-realtime"
    );
    let answer = calls.parse_answer(200, None, "v=0\r\n").unwrap();
    assert_eq!(answer.call_id, None);
    assert!(matches!(
        SidebandConnector::new(config, "rtc_1"),
        Err(WebRtcError::InvalidRequest {
            step: WebRtcStep::Sideband,
            ..
        })
    ));
}

fn desk() -> Agent {
    let lookup = AgentTool::new(
        "lookup_order",
        "Finds an order.",
        |args: Value, _| async move {
            Ok::<_, ToolError>(format!("{} shipped", args["order"].as_str().unwrap_or("?")))
        },
    );
    Agent::new("desk")
        .instructions("You are the desk.")
        .tool(lookup)
}

/// What the browser's SDK would have sent later over the data channel: audio-only
/// output.
fn audio_only() -> SessionConfig {
    SessionConfig::new().output_modalities([Modality::Audio])
}

/// The seed scenario: instructions and tools missing until the data channel opens,
/// then a follow-up `session.update` refused for `session.type`, `output_modalities`
/// or audio-only modalities. Minted through the dialect, the session holds the agent
/// from the start and nothing the endpoint rejects.
#[test]
fn the_seed_scenario_cannot_happen_on_either_azure_dialect() {
    let request = EphemeralKeyRequest::for_agent(&desk(), &audio_only());

    let keys = EphemeralKeys::new(preview(config(RECORDED_RESOURCE, Auth::api_key(KEY)))).unwrap();
    let (url, session) = keys.request_body(&request).unwrap();
    assert_eq!(
        url,
        format!("{RECORDED_RESOURCE}/openai/realtimeapi/sessions?api-version=2025-04-01-preview")
    );
    assert_eq!(session["instructions"], "You are the desk.");
    assert_eq!(session["tools"][0]["name"], "lookup_order");
    assert_eq!(session["model"], "gpt-realtime");
    assert_eq!(session["modalities"], json!(["audio", "text"]));
    for rejected in PREVIEW_REJECTED_KEYS {
        assert!(
            session.get(rejected).is_none(),
            "preview: `{rejected}` in {session}"
        );
    }

    let keys = EphemeralKeys::new(config(RECORDED_RESOURCE, Auth::api_key(KEY))).unwrap();
    assert!(!format!("{keys:?}").contains(KEY), "Debug shows no key");
    let (_, body) = keys.request_body(&request).unwrap();
    let session = &body["session"];
    assert_eq!(session["type"], "realtime");
    assert_eq!(session["instructions"], "You are the desk.");
    assert_eq!(session["tools"][0]["name"], "lookup_order");
    assert_eq!(session["output_modalities"], json!(["audio"]));
    for rejected in GA_V1_REJECTED_KEYS {
        assert!(
            session.get(rejected).is_none(),
            "GA v1: `{rejected}` in {session}"
        );
    }

    // A setting the endpoint refuses fails the mint, never reaches the wire.
    let mut refused = audio_only();
    refused.temperature = Some(0.7);
    assert!(matches!(
        keys.request_body(&EphemeralKeyRequest::for_agent(&desk(), &refused)),
        Err(WebRtcError::InvalidRequest {
            step: WebRtcStep::Mint,
            ..
        })
    ));
}

async fn service(script: Script) -> (Service, String) {
    let service = Service::start(
        ServiceOptions::new()
            .addr(SocketAddr::from(([127, 0, 0, 1], 0)))
            .key(KEY)
            .script(script)
            .pace(Pace::Instant),
    )
    .await
    .unwrap();
    let endpoint = format!("http://{}", service.addr());
    (service, endpoint)
}

#[tokio::test]
async fn the_preview_mints_a_one_minute_key_with_the_agent_in_it() {
    let (_service, endpoint) = service(Script::new()).await;
    let keys = EphemeralKeys::new(preview(config(&endpoint, Auth::api_key(KEY)))).unwrap();
    let key = keys
        .mint(&EphemeralKeyRequest::for_agent(&desk(), &audio_only()))
        .await
        .unwrap();
    assert!(key.value.expose().starts_with("ek_"));
    assert_eq!(key.session["instructions"], "You are the desk.");
    assert_eq!(key.session["tools"][0]["name"], "lookup_order");
    assert!(key.session.get("type").is_none());
    assert!(key.session.get("client_secret").is_none());
    assert!(
        key.expires_at.is_some(),
        "the preview says when its key expires"
    );
    assert!(matches!(
        keys.request_body(
            &EphemeralKeyRequest::for_agent(&desk(), &audio_only()).expires_after_seconds(600)
        ),
        Err(WebRtcError::InvalidRequest { .. })
    ));
}

#[derive(Debug)]
struct FakeCredential;

#[async_trait::async_trait]
impl TokenCredential for FakeCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Ok(AccessToken::new(
            KEY.to_owned(),
            OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

#[tokio::test]
async fn mint_offer_and_sideband_against_the_emulator() {
    let script = Script::new()
        .call("lookup_order", json!({"order": "S-1"}))
        .say("S-1 shipped.");
    let (service, endpoint) = service(script).await;
    let base = SessionConfig::new().output_modalities([Modality::Text]);

    // 1. The server mints a key holding the agent's session (Entra ID here).
    let entra = config(&endpoint, Auth::entra(Arc::new(FakeCredential)));
    let key = EphemeralKeys::new(entra)
        .unwrap()
        .mint(&EphemeralKeyRequest::for_agent(&desk(), &base))
        .await
        .unwrap();
    assert_eq!(key.session["instructions"], "You are the desk.");
    assert_eq!(key.session["tools"][0]["name"], "lookup_order");

    // 2. The browser posts its offer with the key (done here in its place).
    let config = config(&endpoint, Auth::api_key(KEY));
    let calls = WebRtcCalls::new(config.clone()).unwrap();
    let offer = realtime_testkit::emulator::CHROMIUM_OFFER;
    let answer = calls.exchange(&key.value, offer).await.unwrap();
    assert!(answer.sdp.starts_with("v=0"));
    let call_id = answer.call_id.unwrap();

    // 3. The server attaches the agent to the call by `call_id`, with its API key.
    let sideband = SidebandConnector::new(config.clone(), &call_id).unwrap();
    assert_eq!(
        sideband.request().await.unwrap().url,
        format!(
            "ws://{}/openai/v1/realtime?call_id={call_id}",
            service.addr()
        )
    );
    let mut session = AgentRunner::new(config.sideband_client(&call_id).unwrap(), desk())
        .session_config(base)
        .start()
        .await
        .unwrap();
    session.send_text("Where is S-1?").await.unwrap();
    let mut tool_ran = false;
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), session.next_event())
            .await
            .expect("an event within 10 s")
            .expect("the session runs");
        match event {
            AgentEvent::ToolFinished {
                tool,
                output,
                failed,
                ..
            } => {
                assert_eq!(
                    (tool.as_str(), output.as_str(), failed),
                    ("lookup_order", "S-1 shipped", false)
                );
                tool_ran = true;
            }
            AgentEvent::Transcript {
                role: Role::Assistant,
                text,
                ..
            } => {
                assert_eq!(text, "S-1 shipped.");
                break;
            }
            AgentEvent::Error(error) => panic!("{error}"),
            _ => {}
        }
    }
    assert!(tool_ran, "the agent ran its tool on the sideband");
    session.close().await.unwrap();
    let connections = service.server().connections();
    let attached = connections
        .iter()
        .find(|c| c.request().query_param("call_id") == Some(call_id.as_str()));
    let attached = attached.expect("the sideband socket named the call");
    assert_eq!(attached.request().header("api-key"), Some(KEY));
    assert_eq!(attached.request().query_param("model"), None);
}

#[tokio::test]
async fn a_wrong_ephemeral_key_is_refused_at_the_sdp_step() {
    let (_service, endpoint) = service(Script::new()).await;
    let calls = WebRtcCalls::new(config(&endpoint, Auth::api_key(KEY))).unwrap();
    let error = calls
        .exchange(&Secret::new("ek_never_minted"), "v=0\r\n")
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            WebRtcError::KeyRefused {
                step: WebRtcStep::SdpExchange,
                status: 401,
                ..
            }
        ),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.starts_with("Azure OpenAI: the SDP exchange"), "{text}");
    assert!(!text.contains("ek_never_minted"), "{text}");
}

/// Starts an agent on the sideband of the call `rtc_gone`, which the server does not
/// know, and checks the refusal's typed reading: `UnknownCall` at the sideband step,
/// HTTP 404 with the server's `message`, and what it says.
async fn assert_unknown_call_refused(client: RealtimeClient, agent: Agent, message: &str) {
    let started = tokio::time::timeout(
        Duration::from_secs(30),
        AgentRunner::new(client, agent).start(),
    )
    .await
    .expect("the attach gives up");
    let Err(error) = started else {
        panic!("no session on an unknown call");
    };
    let typed = WebRtcError::from_sideband(realtime_azure_openai::PROVIDER, &error, "rtc_gone");
    assert!(
        matches!(&typed, Some(WebRtcError::UnknownCall { provider: "Azure OpenAI", step: WebRtcStep::Sideband, call_id, status: 404, message: Some(m) }) if call_id == "rtc_gone" && m == message),
        "{error:?} -> {typed:?}"
    );
    let text = typed.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        text.starts_with("Azure OpenAI: the sideband attach (?call_id=): call `rtc_gone` does not exist (HTTP 404)"),
        "{text}"
    );
}

/// A server that refuses every upgrade with 404, as a service does for a call id it
/// does not know (the status is what the classifier reads; the body is ours).
#[tokio::test]
async fn an_unknown_call_id_is_a_typed_sideband_error() {
    use realtime_testkit::{Rejection, TestServer, TestServerOptions};

    let server = TestServer::start(TestServerOptions::new().reject_all(Rejection::json(
        404,
        r#"{"error":{"message":"No such call."}}"#,
    )))
    .await
    .unwrap();
    let config = config(&format!("http://{}", server.addr()), Auth::api_key(KEY));
    assert_unknown_call_refused(
        config.sideband_client("rtc_gone").unwrap(),
        desk(),
        "No such call.",
    )
    .await;
    let request = &server.connections()[0];
    assert_eq!(
        request.request().path_and_query,
        "/openai/v1/realtime?call_id=rtc_gone"
    );
}

/// The emulator knows the calls its `calls` endpoint made: a `call_id` it never
/// made is refused with 404 at the attach, a fatal typed error (no reconnect loop).
#[tokio::test]
async fn the_emulator_refuses_an_unknown_call_id_with_a_typed_error() {
    let (_service, endpoint) = service(Script::new()).await;
    let config = config(&endpoint, Auth::api_key(KEY));
    assert_unknown_call_refused(
        config.sideband_client("rtc_gone").unwrap(),
        desk(),
        "No call with id 'rtc_gone'.",
    )
    .await;
}

/// The preview's regional SDP endpoint over a loopback socket (the emulator does not
/// serve it): what goes on the wire, and the answer read back.
#[tokio::test]
async fn the_preview_offer_goes_to_the_regional_endpoint() {
    use std::sync::Mutex;

    use realtime_testkit::{HttpRequest, HttpResponse, TestServer, TestServerOptions};

    let seen: Arc<Mutex<Vec<HttpRequest>>> = Arc::default();
    let server = TestServer::start(TestServerOptions::new().http({
        let seen = Arc::clone(&seen);
        move |request| {
            seen.lock().unwrap().push(request.clone());
            HttpResponse {
                status: 200,
                headers: vec![("Content-Type".to_owned(), "application/sdp".to_owned())],
                body: b"v=0\r\ns=answer\r\n".to_vec(),
            }
        }
    }))
    .await
    .unwrap();
    let calls = WebRtcCalls::new(preview(config(RECORDED_RESOURCE, Auth::api_key(KEY))))
        .unwrap()
        .with_preview_host(PreviewRtcHost::Url(format!("http://{}/", server.addr())));
    let answer = calls
        .exchange(&Secret::new("ek_preview"), "v=0\r\ns=offer\r\n")
        .await
        .unwrap();
    assert_eq!(answer.sdp, "v=0\r\ns=answer\r\n");
    assert_eq!(answer.call_id, None);
    let seen = seen.lock().unwrap();
    let request = &seen[0];
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.head.path_and_query,
        "/v1/realtimertc?model=gpt-realtime"
    );
    assert_eq!(
        request.head.header("authorization"),
        Some("Bearer ek_preview")
    );
    assert_eq!(request.head.header("content-type"), Some("application/sdp"));
    assert_eq!(request.body, b"v=0\r\ns=offer\r\n");
}
