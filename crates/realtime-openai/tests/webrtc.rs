//! Browser-direct WebRTC on OpenAI, server side: the SDP request against the recorded
//! HTTP cassette (`fixtures/openai-ga/recorded/pydantic-ai/test_openai_ws/
//! test_webrtc_sideband_text_turn.yaml`, the SDK's multipart form), and the whole
//! flow against the emulator's REST endpoints: an agent's session minted into an
//! ephemeral key, the browser's SDP offer with that key, and the agent attached to
//! the call over the sideband by `call_id`, running a tool.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::Duration;

use realtime_core::agent::{Agent, AgentEvent, AgentRunner, AgentTool, ToolError};
use realtime_core::client::RealtimeClient;
use realtime_core::protocol::{Modality, Role, SessionConfig, SessionResource};
use realtime_openai::{
    ClientSecretRequest, ClientSecrets, OpenAiConfig, Secret, WebRtcCalls, WebRtcError, WebRtcStep,
};
use realtime_testkit::emulator::{Pace, Script, Service, ServiceOptions};
use serde_json::{Value, json};

const KEY: &str = "sk-emulator-key";

fn cassette() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/openai-ga/recorded/pydantic-ai/test_openai_ws/test_webrtc_sideband_text_turn.yaml"
    );
    serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The parts of a multipart body: (name, content type, content).
fn parts(content_type: &str, body: &str) -> Vec<(String, String, String)> {
    let boundary = content_type
        .split_once("boundary=")
        .map(|(_, b)| b.to_owned())
        .unwrap();
    body.split(&format!("--{boundary}"))
        .filter_map(|part| {
            let part = part.strip_prefix("\r\n")?;
            let (head, content) = part.split_once("\r\n\r\n")?;
            let name = head.split("name=\"").nth(1)?.split('"').next()?.to_owned();
            let kind = head.split("Content-Type: ").nth(1)?.trim().to_owned();
            Some((name, kind, content.trim_end_matches("\r\n").to_owned()))
        })
        .collect()
}

fn calls(config: OpenAiConfig) -> WebRtcCalls {
    WebRtcCalls::new(config).unwrap()
}

#[test]
fn the_sdk_form_writes_the_recorded_multipart_shape() {
    let cassette = cassette();
    let request = &cassette["interactions"][0]["request"];
    let content_type = request["headers"]["content-type"][0].as_str().unwrap();
    let recorded = parts(content_type, request["body"].as_str().unwrap());
    let (_, _, sdp) = recorded.iter().find(|(name, ..)| name == "sdp").unwrap();
    let (_, _, session) = recorded
        .iter()
        .find(|(name, ..)| name == "session")
        .unwrap();
    let session: Value = serde_json::from_str(session).unwrap();

    // The recorded session, read as canonical settings and written back.
    let config = OpenAiConfig::builder(KEY).build().unwrap();
    let canonical = config
        .dialect()
        .session_config(&SessionResource::new(session.as_object().unwrap().clone()))
        .unwrap();
    let ours = calls(config).offer_request(sdp, Some(&canonical)).unwrap();
    assert_eq!(ours.url, request["uri"].as_str().unwrap());
    assert!(!format!("{ours:?}").contains(KEY), "Debug shows no key");
    assert!(
        ours.content_type
            .starts_with("multipart/form-data; boundary=")
    );
    let written = parts(&ours.content_type, &ours.body);
    let names: Vec<_> = written
        .iter()
        .map(|(name, kind, _)| (name.as_str(), kind.as_str()))
        .collect();
    let recorded_names: Vec<_> = recorded
        .iter()
        .map(|(name, kind, _)| (name.as_str(), kind.as_str()))
        .collect();
    assert_eq!(names, recorded_names);
    assert_eq!(&written[0].2, sdp);
    assert_eq!(
        serde_json::from_str::<Value>(&written[1].2).unwrap(),
        session
    );
}

#[test]
fn the_recorded_answer_gives_the_sdp_and_the_call_id() {
    let cassette = cassette();
    let response = &cassette["interactions"][0]["response"];
    let status = u16::try_from(response["status"]["code"].as_u64().unwrap()).unwrap();
    let location = response["headers"]["location"][0].as_str().unwrap();
    let body = response["body"]["string"].as_str().unwrap();
    let answer = calls(OpenAiConfig::builder(KEY).build().unwrap())
        .parse_answer(status, Some(location), body)
        .unwrap();
    assert_eq!(answer.call_id, "rtc_u0_E4TeWIkEAnw5DOa1vyO18");
    assert_eq!(answer.sdp, body);
}

#[test]
fn refusals_are_typed_by_step() {
    let calls = calls(OpenAiConfig::builder(KEY).build().unwrap());
    let refused = calls.parse_answer(
        400,
        None,
        r#"{"error":{"message":"Invalid SDP offer.","type":"invalid_request_error"}}"#,
    );
    assert!(
        matches!(&refused, Err(WebRtcError::SdpRejected { provider: "OpenAI", step: WebRtcStep::SdpExchange, status: 400, message: Some(m) }) if m == "Invalid SDP offer."),
        "{refused:?}"
    );
    let not_sdp = calls.parse_answer(201, Some("/v1/realtime/calls/rtc_1"), "{}");
    assert!(matches!(not_sdp, Err(WebRtcError::InvalidResponse { .. })));
    let no_call = calls.parse_answer(201, None, "v=0\r\n");
    assert!(matches!(no_call, Err(WebRtcError::InvalidResponse { .. })));
    assert!(matches!(
        calls.offer_request("", None),
        Err(WebRtcError::InvalidRequest { .. })
    ));
    assert!(matches!(
        calls.sideband_config(""),
        Err(WebRtcError::InvalidRequest {
            step: WebRtcStep::Sideband,
            ..
        })
    ));
}

async fn service(script: Script) -> (Service, OpenAiConfig) {
    let service = Service::start(
        ServiceOptions::new()
            .addr(SocketAddr::from(([127, 0, 0, 1], 0)))
            .key(KEY)
            .script(script)
            .pace(Pace::Instant),
    )
    .await
    .unwrap();
    let config = OpenAiConfig::builder(KEY)
        .base_url(format!("http://{}/v1", service.addr()))
        .build()
        .unwrap();
    (service, config)
}

fn lookup_tool() -> AgentTool {
    AgentTool::new(
        "lookup_order",
        "Finds an order.",
        |args: Value, _| async move {
            Ok::<_, ToolError>(format!("{} shipped", args["order"].as_str().unwrap_or("?")))
        },
    )
}

#[tokio::test]
async fn mint_offer_and_sideband_against_the_emulator() {
    let script = Script::new()
        .call("lookup_order", json!({"order": "S-1"}))
        .say("S-1 shipped.");
    let (service, config) = service(script).await;
    let agent = Agent::new("desk")
        .instructions("You are the desk.")
        .tool(lookup_tool());
    let base = SessionConfig::new().output_modalities([Modality::Text]);

    // 1. The server mints a key holding the agent's session.
    let secret = ClientSecrets::new(config.clone())
        .unwrap()
        .create(&ClientSecretRequest::for_agent(&agent, &base))
        .await
        .unwrap();
    assert_eq!(secret.session.object()["instructions"], "You are the desk.");
    assert_eq!(secret.session.object()["tools"][0]["name"], "lookup_order");

    // 2. The browser posts its offer with the key (done here in its place).
    let calls = calls(config);
    let offer = realtime_testkit::emulator::CHROMIUM_OFFER;
    let request = calls.ephemeral_offer_request(&secret.value, offer).unwrap();
    let answer = calls.exchange(&request).await.unwrap();
    assert!(answer.sdp.starts_with("v=0"));
    assert!(answer.call_id.starts_with("rtc_"));

    // 3. The server attaches the agent to the call by `call_id`.
    let sideband = calls.sideband_config(&answer.call_id).unwrap();
    let mut session = AgentRunner::new(sideband.client(), agent)
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
    let attached = service
        .server()
        .connections()
        .iter()
        .any(|c| c.request().query_param("call_id") == Some(answer.call_id.as_str()));
    assert!(attached, "the sideband socket named the call");
}

#[tokio::test]
async fn a_wrong_ephemeral_key_is_refused_at_the_sdp_step() {
    let (_service, config) = service(Script::new()).await;
    let calls = calls(config);
    let request = calls
        .ephemeral_offer_request(&Secret::new("ek_never_minted"), "v=0\r\n")
        .unwrap();
    let error = calls.exchange(&request).await.unwrap_err();
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
    assert!(text.starts_with("OpenAI: the SDP exchange"), "{text}");
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
    let typed = WebRtcError::from_sideband(realtime_openai::PROVIDER, &error, "rtc_gone");
    assert!(
        matches!(&typed, Some(WebRtcError::UnknownCall { provider: "OpenAI", step: WebRtcStep::Sideband, call_id, status: 404, message: Some(m) }) if call_id == "rtc_gone" && m == message),
        "{error:?} -> {typed:?}"
    );
    let text = typed.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        text.starts_with(
            "OpenAI: the sideband attach (?call_id=): call `rtc_gone` does not exist (HTTP 404)"
        ),
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
    let config = OpenAiConfig::builder(KEY)
        .base_url(server.ws_url("/v1/realtime"))
        .build()
        .unwrap();
    let sideband = calls(config).sideband_config("rtc_gone").unwrap();
    assert_unknown_call_refused(sideband.client(), Agent::new("desk"), "No such call.").await;
}

/// The emulator knows the calls its `calls` endpoint made: a `call_id` it never
/// made is refused with 404 at the attach, a fatal typed error (no reconnect loop).
#[tokio::test]
async fn the_emulator_refuses_an_unknown_call_id_with_a_typed_error() {
    let (_service, config) = service(Script::new()).await;
    let sideband = calls(config).sideband_config("rtc_gone").unwrap();
    assert_unknown_call_refused(
        sideband.client(),
        Agent::new("desk"),
        "No call with id 'rtc_gone'.",
    )
    .await;
}

/// On a WebRTC call the model's audio goes to the browser over media: the sideband
/// sees `output_audio_buffer.started` and `response.output_audio.done`, never a delta.
/// The agent still knows the model has spoken, so a handoff to an agent with another
/// voice keeps the voice (OpenAI refuses a voice change after audio) instead of
/// sending a `session.update` the service rejects.
#[tokio::test]
async fn a_handoff_on_the_sideband_keeps_the_voice_after_audio_it_never_saw() {
    let script = Script::new()
        .say("Hello, who am I speaking with?")
        .call("transfer_to_returns", json!({}))
        .say("Returns here.");
    let (_service, config) = service(script).await;
    let calls = calls(config.clone());
    let key = ClientSecrets::new(config)
        .unwrap()
        .create(&ClientSecretRequest::new(SessionConfig::new()))
        .await
        .unwrap();
    let request = calls
        .ephemeral_offer_request(&key.value, realtime_testkit::emulator::CHROMIUM_OFFER)
        .unwrap();
    let answer = calls.exchange(&request).await.unwrap();
    let auth = Agent::new("auth")
        .instructions("Verify the caller.")
        .voice("alloy")
        .handoff("returns", "Returns and refunds.");
    let returns = Agent::new("returns")
        .instructions("Handle returns.")
        .voice("coral");
    let mut session = AgentRunner::new(
        calls.sideband_config(&answer.call_id).unwrap().client(),
        auth,
    )
    .agent(returns)
    .raw_events(true)
    .start()
    .await
    .unwrap();
    session.send_text("Hi").await.unwrap();
    let mut seen = Vec::new();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), session.next_event())
            .await
            .expect("an event within 10 s")
            .expect("the session runs");
        if let AgentEvent::Transcript {
            role: Role::Assistant,
            text,
            ..
        } = &event
            && text == "Hello, who am I speaking with?"
        {
            session.send_text("I want to return a lamp").await.unwrap();
        }
        let done = matches!(&event, AgentEvent::Transcript { text, .. } if text == "Returns here.");
        seen.push(event);
        if done {
            break;
        }
    }
    let raw: Vec<String> = seen
        .iter()
        .filter_map(|event| match event {
            AgentEvent::Raw(raw) => Some(
                raw.event_type(realtime_core::wire::WireShape::Ga)
                    .to_owned(),
            ),
            _ => None,
        })
        .collect();
    assert!(
        raw.iter().any(|kind| kind == "output_audio_buffer.started"),
        "{raw:?}"
    );
    assert!(
        !raw.iter().any(|kind| kind == "response.output_audio.delta"),
        "{raw:?}"
    );
    assert!(
        seen.iter()
            .any(|event| matches!(event, AgentEvent::VoiceKept { agent } if agent == "returns")),
        "{:?}",
        seen.iter()
            .filter(|event| !matches!(event, AgentEvent::Raw(_)))
            .collect::<Vec<_>>()
    );
    let errors: Vec<&AgentEvent> = seen
        .iter()
        .filter(|event| matches!(event, AgentEvent::Error(_)))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    session.close().await.unwrap();
}
