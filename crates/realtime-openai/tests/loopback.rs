//! The OpenAI GA dialect and connector over a real loopback WebSocket against the
//! testkit's GA emulator: auth header, exact `session.update`, a text turn, an audio
//! turn, a function-call round trip, a rejected field as a typed `error` event, SIP
//! call attach, and the key absent from every log line of a whole session.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use realtime_core::client::Session;
use realtime_core::protocol::{
    AudioFormat, ClientEvent, Item, MaxTokens, Modality, ServerEvent, ServerVad, SessionConfig,
    Tool, ToolChoice, Transcription, TurnDetection,
};
use realtime_openai::OpenAiConfig;
use realtime_testkit::emulator::{Emulator, Profile, Script};
use serde_json::{Value, json};

const KEY: &str = "sk-proj-LOOPBACK-never-logged";
const WAIT: Duration = Duration::from_secs(5);

/// Every log line of this test binary, at every level.
fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&logs);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || LogWriter(Arc::clone(&sink)))
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        logs
    })
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn config(emulator: &Emulator) -> OpenAiConfig {
    let base = emulator
        .url()
        .replace("/realtime", "")
        .replace("ws://", "http://");
    OpenAiConfig::builder(KEY).base_url(base).build().unwrap()
}

async fn next(session: &mut Session) -> ServerEvent {
    match tokio::time::timeout(WAIT, session.next_event())
        .await
        .unwrap()
        .unwrap()
    {
        Ok(event) => event,
        Err(error) => panic!("unexpected error: {error}"),
    }
}

async fn until_done(session: &mut Session) -> Vec<ServerEvent> {
    let mut events = Vec::new();
    loop {
        let event = next(session).await;
        let done = matches!(event, ServerEvent::ResponseDone(_));
        events.push(event);
        if done {
            return events;
        }
    }
}

fn sent(emulator: &Emulator) -> Vec<Value> {
    emulator.connections()[0]
        .texts()
        .iter()
        .map(|text| serde_json::from_str(text).unwrap())
        .collect()
}

#[tokio::test]
async fn auth_header_and_exact_session_update() {
    let _ = logs();
    let emulator = Emulator::start(Profile::openai_ga(), Script::new())
        .await
        .unwrap();
    let mut session = config(&emulator).client().connect().await.unwrap();
    let vad = ServerVad {
        threshold: Some(0.6),
        prefix_padding_ms: Some(300),
        silence_duration_ms: Some(500),
        create_response: Some(true),
        interrupt_response: Some(true),
        ..ServerVad::default()
    };
    let full = SessionConfig::new()
        .instructions("You are a desk agent.")
        .output_modalities([Modality::Audio])
        .voice("marin")
        .input_audio_format(AudioFormat::G711Ulaw)
        .output_audio_format(AudioFormat::PCM16_24K)
        .turn_detection(TurnDetection::ServerVad(vad))
        .transcription(Transcription::model("gpt-4o-transcribe").language("en"))
        .tools([Tool::function(
            "lookup",
            "Looks up.",
            json!({"type": "object", "properties": {}}),
        )])
        .tool_choice(ToolChoice::Auto)
        .max_output_tokens(MaxTokens::Infinite);
    session
        .send(&ClientEvent::session_update(full))
        .await
        .unwrap();
    loop {
        if let ServerEvent::SessionUpdated(updated) = next(&mut session).await {
            assert_eq!(
                updated.session.instructions(),
                Some("You are a desk agent.")
            );
            break;
        }
    }
    let request = emulator.connections()[0].request().clone();
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(request.header("openai-beta"), None, "no beta header on GA");
    assert_eq!(request.query_param("model"), Some("gpt-realtime"));
    assert_eq!(
        sent(&emulator)[0],
        json!({"type": "session.update", "session": {
            "type": "realtime",
            "instructions": "You are a desk agent.",
            "output_modalities": ["audio"],
            "audio": {
                "input": {
                    "format": {"type": "audio/pcmu"},
                    "transcription": {"model": "gpt-4o-transcribe", "language": "en"},
                    "turn_detection": {"type": "server_vad", "threshold": 0.6, "prefix_padding_ms": 300, "silence_duration_ms": 500, "create_response": true, "interrupt_response": true}
                },
                "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin"}
            },
            "tools": [{"type": "function", "name": "lookup", "description": "Looks up.", "parameters": {"type": "object", "properties": {}}}],
            "tool_choice": "auto",
            "max_output_tokens": "inf"
        }})
    );
    session.close().await.unwrap();
}

#[tokio::test]
async fn text_turn_audio_turn_and_function_call_round_trip() {
    let _ = logs();
    let script = Script::new()
        .say("Hello!")
        .user_says("Where is A-1?")
        .call("lookup", json!({"order": "A-1"}))
        .say("It shipped.");
    let emulator = Emulator::start(Profile::openai_ga(), script).await.unwrap();
    let mut session = config(&emulator).client().connect().await.unwrap();
    session
        .send(&ClientEvent::session_update(
            // The model calls only the tools the session registers.
            SessionConfig::new()
                .transcription(Transcription::model("whisper-1"))
                .tools([Tool::function(
                    "lookup",
                    "Looks up an order.",
                    json!({"type": "object", "properties": {"order": {"type": "string"}}}),
                )]),
        ))
        .await
        .unwrap();

    // Text turn.
    session
        .send(&ClientEvent::create_item(Item::user_text("Hi")))
        .await
        .unwrap();
    session.send(&ClientEvent::create_response()).await.unwrap();
    let events = until_done(&mut session).await;
    assert!(events.iter().any(|e| matches!(e, ServerEvent::ResponseAudioTranscriptDone(done) if done.transcript == "Hello!")));

    // Audio turn: one second of audio is a user turn; the model answers with a call.
    for _ in 0..50 {
        session
            .send(&ClientEvent::append_audio(&[0; 960]))
            .await
            .unwrap();
    }
    let events = until_done(&mut session).await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ServerEvent::SpeechStarted(_)))
    );
    assert!(events.iter().any(|e| matches!(e, ServerEvent::InputTranscriptionCompleted(done) if done.transcript == "Where is A-1?")));
    let call = events
        .iter()
        .find_map(|e| match e {
            ServerEvent::FunctionCallArgumentsDone(done) => Some(done.clone()),
            _ => None,
        })
        .expect("a function call");
    assert_eq!(call.name.as_deref(), Some("lookup"));
    assert_eq!(
        serde_json::from_str::<Value>(&call.arguments).unwrap(),
        json!({"order": "A-1"})
    );

    // Round trip: the output, then the answer.
    session
        .send(&ClientEvent::create_item(Item::function_call_output(
            call.call_id.clone(),
            r#"{"status":"shipped"}"#,
        )))
        .await
        .unwrap();
    session.send(&ClientEvent::create_response()).await.unwrap();
    let events = until_done(&mut session).await;
    assert!(events.iter().any(|e| matches!(e, ServerEvent::ResponseAudioTranscriptDone(done) if done.transcript == "It shipped.")));
    let frames = sent(&emulator);
    let output = frames
        .iter()
        .find(|f| f["item"]["type"] == "function_call_output")
        .unwrap();
    assert_eq!(output["item"]["call_id"], call.call_id.as_str());
    session.close().await.unwrap();
}

#[tokio::test]
async fn a_rejected_field_comes_back_as_a_typed_error_event() {
    let _ = logs();
    let emulator = Emulator::start(Profile::openai_ga(), Script::new())
        .await
        .unwrap();
    let mut session = config(&emulator).client().connect().await.unwrap();
    // What a beta-era client sends; our dialect would refuse to write it, so send it raw.
    session.sender().send_frame(r#"{"type":"session.update","event_id":"evt_beta","session":{"modalities":["text","audio"]}}"#.to_owned()).await.unwrap();
    let error = loop {
        if let ServerEvent::Error(error) = next(&mut session).await {
            break error.error;
        }
    };
    assert_eq!(error.kind, "invalid_request_error");
    assert_eq!(
        error.code.as_option().map(String::as_str),
        Some("unknown_parameter")
    );
    assert_eq!(
        error.param.as_option().map(String::as_str),
        Some("session.modalities")
    );
    assert_eq!(
        error.event_id.as_option().map(String::as_str),
        Some("evt_beta")
    );
}

#[tokio::test]
async fn call_id_attaches_instead_of_model() {
    let _ = logs();
    let emulator = Emulator::start(Profile::openai_ga(), Script::new())
        .await
        .unwrap();
    let base = emulator
        .url()
        .replace("/realtime", "")
        .replace("ws://", "http://");
    let config = OpenAiConfig::builder(KEY)
        .base_url(base)
        .call_id("rtc_u1_9c6574da8b8a41a18da9308f4ad974ce")
        .build()
        .unwrap();
    let mut session = config.client().connect().await.unwrap();
    assert!(matches!(
        next(&mut session).await,
        ServerEvent::SessionCreated(_)
    ));
    let request = emulator.connections()[0].request().clone();
    assert_eq!(
        request.query_param("call_id"),
        Some("rtc_u1_9c6574da8b8a41a18da9308f4ad974ce")
    );
    assert_eq!(request.query_param("model"), None);
}

#[tokio::test]
async fn the_key_never_reaches_a_log_line_or_a_debug_string() {
    let logs = logs();
    let emulator = Emulator::start(Profile::openai_ga(), Script::new().say("Hi."))
        .await
        .unwrap();
    let config = config(&emulator);
    let client = config.client();
    let mut session = client.connect().await.unwrap();
    session
        .send(&ClientEvent::session_update(
            SessionConfig::new().instructions("Hi"),
        ))
        .await
        .unwrap();
    session.send(&ClientEvent::create_response()).await.unwrap();
    let _ = until_done(&mut session).await;
    session.close().await.unwrap();
    // A failing connect logs too.
    let bad = OpenAiConfig::builder(KEY)
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let error = bad.client().connect().await.unwrap_err();

    let text = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("session connected"),
        "the session logged: {text}"
    );
    for haystack in [
        text,
        format!("{config:?}"),
        format!("{client:?}"),
        format!("{error} {error:?}"),
    ] {
        assert!(!haystack.contains(KEY), "the key leaked: {haystack}");
        assert!(
            !haystack.contains("LOOPBACK-never"),
            "part of the key leaked: {haystack}"
        );
    }
}
