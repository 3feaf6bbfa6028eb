//! REST helpers: client secrets and SIP call control, as pure request builders and
//! response parsers checked against S-GA and a recorded exchange, then once over a
//! real loopback socket.
#![allow(clippy::unwrap_used)]

use realtime_core::dialect::UnsupportedPolicy;
use realtime_core::protocol::{
    AudioFormat, Modality, ServerVad, SessionConfig, SessionKind, Transcription, TurnDetection,
};
use realtime_openai::{
    Calls, ClientSecretRequest, ClientSecrets, OpenAiConfig, OpenAiDialect, RestError,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const KEY: &str = "sk-test-rest-0123456789";

fn config() -> OpenAiConfig {
    OpenAiConfig::builder(KEY).build().unwrap()
}

/// The session of the recorded client-secret exchange (REC-AZ
/// `azure-openai/recorded/pydantic-ai/test_azure_ws/test_webrtc_sideband_text_turn.yaml`,
/// Azure's GA v1 endpoint, which speaks OpenAI's GA shape; `parsed_body` of the
/// request, transcribed from YAML).
fn recorded_session() -> SessionConfig {
    let vad = ServerVad {
        create_response: Some(true),
        interrupt_response: Some(true),
        ..ServerVad::default()
    };
    SessionConfig::new()
        .model("gpt-realtime")
        .instructions("Answer in two words.")
        .output_modalities([Modality::Text])
        .input_audio_format(AudioFormat::PCM16_24K)
        .output_audio_format(AudioFormat::PCM16_24K)
        .turn_detection(TurnDetection::ServerVad(vad))
        .transcription(Transcription::model("gpt-realtime-whisper"))
}

fn recorded_request_session() -> Value {
    json!({
        "audio": {
            "input": {
                "format": {"rate": 24000, "type": "audio/pcm"},
                "transcription": {"model": "gpt-realtime-whisper"},
                "turn_detection": {"create_response": true, "interrupt_response": true, "type": "server_vad"}
            },
            "output": {"format": {"rate": 24000, "type": "audio/pcm"}}
        },
        "instructions": "Answer in two words.",
        "model": "gpt-realtime",
        "output_modalities": ["text"],
        "type": "realtime"
    })
}

/// The recorded answer (`parsed_body` of the response, transcribed from YAML).
fn recorded_response() -> Value {
    json!({
        "expires_at": 1784873582,
        "session": {
            "audio": {
                "input": {
                    "format": {"rate": 24000, "type": "audio/pcm"},
                    "noise_reduction": null,
                    "transcription": {"language": null, "model": "gpt-realtime-whisper", "prompt": null},
                    "turn_detection": {
                        "create_response": true, "idle_timeout_ms": null, "interrupt_response": true,
                        "prefix_padding_ms": 300, "silence_duration_ms": 200, "threshold": 0.5,
                        "type": "server_vad"
                    }
                },
                "output": {"format": {"rate": 24000, "type": "audio/pcm"}, "speed": 1.0, "voice": "alloy"}
            },
            "expires_at": 0,
            "id": "sess_E51ZOec7cu0PSkJyWYvTW",
            "include": null,
            "instructions": "Answer in two words.",
            "max_output_tokens": "inf",
            "model": "gpt-realtime",
            "object": "realtime.session",
            "output_modalities": ["text"],
            "prompt": null,
            "tool_choice": "auto",
            "tools": [],
            "tracing": null,
            "truncation": "auto",
            "type": "realtime"
        },
        "value": "ek_scrubbed"
    })
}

#[test]
fn client_secret_request_matches_the_recorded_one() {
    let secrets = ClientSecrets::new(config()).unwrap();
    let request = secrets
        .request(&ClientSecretRequest::new(recorded_session()))
        .unwrap();
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.url,
        "https://api.openai.com/v1/realtime/client_secrets"
    );
    assert_eq!(
        request.body,
        Some(json!({"session": recorded_request_session()}))
    );
}

#[test]
fn client_secret_request_matches_the_spec_example() {
    let secrets = ClientSecrets::new(config()).unwrap();
    let request = secrets
        .request(
            &ClientSecretRequest::new(
                SessionConfig::new()
                    .model("gpt-realtime")
                    .instructions("You are a friendly assistant."),
            )
            .expires_after_seconds(600),
        )
        .unwrap();
    // S-GA `/realtime/client_secrets` curl example.
    assert_eq!(
        request.body,
        Some(json!({
            "expires_after": {"anchor": "created_at", "seconds": 600},
            "session": {
                "type": "realtime",
                "model": "gpt-realtime",
                "instructions": "You are a friendly assistant."
            }
        }))
    );
}

#[test]
fn client_secret_lifetime_and_session_are_checked() {
    let secrets = ClientSecrets::new(config()).unwrap();
    for seconds in [9, 7201] {
        let error = secrets
            .request(&ClientSecretRequest::new(SessionConfig::new()).expires_after_seconds(seconds))
            .unwrap_err();
        assert!(matches!(error, RestError::Encode(_)), "{error:?}");
    }
    let error = secrets
        .request(&ClientSecretRequest::new(
            SessionConfig::new().temperature(0.8),
        ))
        .unwrap_err();
    assert!(error.to_string().contains("session.temperature"), "{error}");
    let lenient = ClientSecrets::new(
        OpenAiConfig::builder(KEY)
            .policy(UnsupportedPolicy::Warn)
            .build()
            .unwrap(),
    )
    .unwrap();
    let request = lenient
        .request(&ClientSecretRequest::new(
            SessionConfig::new().temperature(0.8),
        ))
        .unwrap();
    assert_eq!(request.body, Some(json!({"session": {"type": "realtime"}})));
}

#[test]
fn transcription_client_secret_sends_a_transcription_session() {
    let mut session = SessionConfig::new().transcription(Transcription::model("gpt-4o-transcribe"));
    session.kind = Some(SessionKind::Transcription);
    let request = ClientSecrets::new(config())
        .unwrap()
        .request(&ClientSecretRequest::new(session))
        .unwrap();
    assert_eq!(
        request.body,
        Some(json!({"session": {
            "type": "transcription",
            "audio": {"input": {"transcription": {"model": "gpt-4o-transcribe"}}}
        }}))
    );
}

#[test]
fn recorded_client_secret_answer_parses() {
    let secrets = ClientSecrets::new(config()).unwrap();
    let secret = secrets
        .parse(200, &recorded_response().to_string())
        .unwrap();
    assert_eq!(secret.value.expose(), "ek_scrubbed");
    assert_eq!(secret.expires_at, 1_784_873_582);
    assert_eq!(secret.session.id(), Some("sess_E51ZOec7cu0PSkJyWYvTW"));
    assert!(!format!("{secret:?}").contains("ek_scrubbed"));
    let settings = OpenAiDialect::new()
        .session_config(&secret.session)
        .unwrap();
    assert_eq!(settings.output_modalities, Some(vec![Modality::Text]));
    assert_eq!(
        settings.voice.as_ref().and_then(|v| v.name()),
        Some("alloy")
    );
}

#[test]
fn client_secret_errors_are_typed() {
    let secrets = ClientSecrets::new(config()).unwrap();
    let error = secrets
        .parse(
            400,
            r#"{"error":{"message":"Invalid value: 'nova'.","type":"invalid_request_error","param":"session.audio.output.voice","code":"invalid_value"}}"#,
        )
        .unwrap_err();
    assert!(
        matches!(&error, RestError::Status { status: 400, code: Some(code), .. } if code == "invalid_value"),
        "{error:?}"
    );
    assert!(error.to_string().contains("Invalid value: 'nova'."));
    for body in [
        "[]",
        r#"{"expires_at": 1, "session": {}}"#,
        r#"{"value": "ek_1", "session": {}}"#,
        r#"{"value": "ek_1", "expires_at": 1}"#,
        r#"{"value": 5, "expires_at": 1, "session": {}}"#,
    ] {
        let error = secrets.parse(200, body).unwrap_err();
        assert!(
            matches!(error, RestError::InvalidResponse { .. }),
            "{body}: {error:?}"
        );
        assert!(!error.to_string().contains("ek_1"), "{error}");
    }
}

#[test]
fn call_control_requests_follow_the_spec_paths() {
    let calls = Calls::new(config()).unwrap();
    let accept = calls
        .accept_request(
            "rtc_u0_E4TeWIkEAnw5DOa1vyO18",
            &SessionConfig::new()
                .model("gpt-realtime")
                .instructions("You are Alex, a friendly concierge for Example Corp."),
        )
        .unwrap();
    assert_eq!(
        accept.url,
        "https://api.openai.com/v1/realtime/calls/rtc_u0_E4TeWIkEAnw5DOa1vyO18/accept"
    );
    // S-GA `/realtime/calls/{call_id}/accept` curl example.
    assert_eq!(
        accept.body,
        Some(json!({
            "type": "realtime",
            "model": "gpt-realtime",
            "instructions": "You are Alex, a friendly concierge for Example Corp."
        }))
    );
    let reject = calls.reject_request("rtc_1", Some(486)).unwrap();
    assert_eq!(
        reject.url,
        "https://api.openai.com/v1/realtime/calls/rtc_1/reject"
    );
    assert_eq!(reject.body, Some(json!({"status_code": 486})));
    assert_eq!(calls.reject_request("rtc_1", None).unwrap().body, None);
    let refer = calls.refer_request("rtc_1", "tel:+14155550123").unwrap();
    assert_eq!(
        refer.url,
        "https://api.openai.com/v1/realtime/calls/rtc_1/refer"
    );
    assert_eq!(refer.body, Some(json!({"target_uri": "tel:+14155550123"})));
    let hangup = calls.hangup_request("a/b c").unwrap();
    assert_eq!(
        hangup.url,
        "https://api.openai.com/v1/realtime/calls/a%2Fb%20c/hangup"
    );
    assert_eq!(hangup.body, None);
    for request in [&accept, &reject, &refer, &hangup] {
        assert_eq!(request.method, "POST");
        assert_eq!(request.headers.len(), 1);
        assert_eq!(request.headers[0].1.expose(), format!("Bearer {KEY}"));
    }
}

#[test]
fn call_control_refuses_bad_input() {
    let calls = Calls::new(config()).unwrap();
    assert!(matches!(
        calls.hangup_request(" "),
        Err(RestError::Config(_))
    ));
    assert!(matches!(
        calls.reject_request("rtc_1", Some(42)),
        Err(RestError::Config(_))
    ));
    assert!(matches!(
        calls.refer_request("rtc_1", ""),
        Err(RestError::Config(_))
    ));
    let mut transcription = SessionConfig::new();
    transcription.kind = Some(SessionKind::Transcription);
    assert!(matches!(
        calls.accept_request("rtc_1", &transcription),
        Err(RestError::Encode(_))
    ));
    let hangup = calls.hangup_request("rtc_1").unwrap();
    let error = calls
        .parse(
            &hangup,
            404,
            r#"{"error":{"message":"Call not found","type":"invalid_request_error","code":null}}"#,
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "OpenAI: POST /realtime/calls/rtc_1/hangup failed with HTTP 404 (invalid_request_error): Call not found"
    );
    assert!(calls.parse(&hangup, 200, "").is_ok());
}

/// Accepts one connection on 127.0.0.1, reads one HTTP request, answers `response`,
/// and gives back the request's text.
async fn serve_once(response: String) -> (String, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            let n = socket.read(&mut buffer).await.unwrap();
            assert!(n > 0, "client closed before sending a whole request");
            request.extend_from_slice(&buffer[..n]);
            let text = String::from_utf8_lossy(&request).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if request.len() >= end + 4 + length {
                    break;
                }
            }
        }
        socket.write_all(response.as_bytes()).await.unwrap();
        socket.shutdown().await.unwrap();
        String::from_utf8(request).unwrap()
    });
    (base, task)
}

fn http_response(status: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn client_secret_over_a_loopback_socket() {
    let (base, server) =
        serve_once(http_response("200 OK", &recorded_response().to_string())).await;
    let secrets =
        ClientSecrets::new(OpenAiConfig::builder(KEY).base_url(base).build().unwrap()).unwrap();
    let secret = secrets
        .create(&ClientSecretRequest::new(recorded_session()))
        .await
        .unwrap();
    assert_eq!(secret.value.expose(), "ek_scrubbed");
    let request = server.await.unwrap();
    let (head, body) = request.split_once("\r\n\r\n").unwrap();
    assert!(
        head.starts_with("POST /v1/realtime/client_secrets HTTP/1.1\r\n"),
        "{head}"
    );
    let head = head.to_ascii_lowercase();
    assert!(head.contains(&format!(
        "authorization: bearer {}",
        KEY.to_ascii_lowercase()
    )));
    assert!(head.contains("content-type: application/json"));
    assert!(!head.contains("openai-beta"));
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(body, json!({"session": recorded_request_session()}));
}

#[tokio::test]
async fn call_error_over_a_loopback_socket() {
    let (base, server) = serve_once(http_response(
        "404 Not Found",
        r#"{"error":{"message":"Call rtc_9 not found","type":"invalid_request_error","code":"not_found"}}"#,
    ))
    .await;
    let calls = Calls::new(OpenAiConfig::builder(KEY).base_url(base).build().unwrap()).unwrap();
    let error = calls.hangup("rtc_9").await.unwrap_err();
    assert!(
        matches!(&error, RestError::Status { status: 404, message: Some(m), .. } if m == "Call rtc_9 not found"),
        "{error:?}"
    );
    let request = server.await.unwrap();
    assert!(
        request.starts_with("POST /v1/realtime/calls/rtc_9/hangup HTTP/1.1\r\n"),
        "{request}"
    );
}
