//! Wire equality of what the `openai-ga` dialect sends, against hand-written GA JSON
//! (S-GA `RealtimeSessionCreateRequestGA`, `RealtimeResponseCreateParams`), and the
//! refusals that keep OpenAI from answering `Unknown parameter`.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use realtime_core::dialect::{Dialect, UnsupportedPolicy};
use realtime_core::error::EncodeError;
use realtime_core::impl_session_extension;
use realtime_core::protocol::{
    AudioFormat, ClientEvent, ConversationMode, Eagerness, Item, MaxTokens, Modality,
    NoiseReduction, NoiseReductionKind, Nullable, Prompt, ResponseConfig, SemanticVad, ServerVad,
    SessionConfig, SessionKind, Tool, ToolChoice, Tracing, Transcription, Truncation,
    TurnDetection, Voice,
};
use realtime_openai::OpenAiDialect;
use serde_json::{Value, json};

fn encode(dialect: &OpenAiDialect, event: &ClientEvent) -> Result<Value, EncodeError> {
    dialect
        .encode(event)
        .map(|frame| serde_json::from_str(&frame).unwrap())
}

fn session(config: SessionConfig) -> ClientEvent {
    ClientEvent::session_update(config)
}

fn lookup_tool() -> Tool {
    Tool::function(
        "lookup_order",
        "Find an order by number.",
        json!({"type": "object", "properties": {"number": {"type": "string"}}, "required": ["number"]}),
    )
}

#[test]
fn full_server_vad_session_update_matches_the_ga_wire() {
    let mut vad = ServerVad::default();
    vad.threshold = Some(0.6);
    vad.prefix_padding_ms = Some(300);
    vad.silence_duration_ms = Some(500);
    vad.idle_timeout_ms = Nullable::Value(6000);
    vad.create_response = Some(true);
    vad.interrupt_response = Some(false);
    let mut transcription = Transcription::model("gpt-4o-transcribe").language("en");
    transcription.prompt = Some("Order numbers, product names.".to_owned());
    let mut tracing = serde_json::Map::new();
    tracing.insert("workflow_name".to_owned(), json!("desk"));
    tracing.insert("group_id".to_owned(), json!("g1"));
    tracing.insert("metadata".to_owned(), json!({"team": "support"}));
    let prompt: Prompt = serde_json::from_value(
        json!({"id": "pmpt_1", "version": "2", "variables": {"city": "Paris"}}),
    )
    .unwrap();
    let mut truncation = serde_json::Map::new();
    truncation.insert("type".to_owned(), json!("retention_ratio"));
    truncation.insert("retention_ratio".to_owned(), json!(0.8));

    let mut config = SessionConfig::new()
        .model("gpt-realtime")
        .instructions("You are a helpful desk agent.")
        .output_modalities([Modality::Audio])
        .input_audio_format(AudioFormat::PCM16_24K)
        .output_audio_format(AudioFormat::G711Ulaw)
        .voice("marin")
        .transcription(transcription)
        .turn_detection(TurnDetection::ServerVad(vad))
        .tools([lookup_tool()])
        .tool_choice(ToolChoice::Function("lookup_order".to_owned()))
        .max_output_tokens(MaxTokens::Limit(4096));
    config.speed = Some(1.1);
    config.input_audio_noise_reduction =
        Nullable::Value(NoiseReduction::new(NoiseReductionKind::NearField));
    config.tracing = Nullable::Value(Tracing::Config(tracing));
    config.prompt = Nullable::Value(prompt);
    config.truncation = Some(Truncation::Config(truncation));
    config.include = Nullable::Value(vec!["item.input_audio_transcription.logprobs".to_owned()]);

    let mut event = session(config);
    if let ClientEvent::SessionUpdate { event_id, .. } = &mut event {
        *event_id = Some("evt_1".to_owned());
    }
    let expected = json!({
        "type": "session.update",
        "event_id": "evt_1",
        "session": {
            "type": "realtime",
            "model": "gpt-realtime",
            "instructions": "You are a helpful desk agent.",
            "output_modalities": ["audio"],
            "audio": {
                "input": {
                    "format": {"type": "audio/pcm", "rate": 24000},
                    "transcription": {
                        "model": "gpt-4o-transcribe",
                        "language": "en",
                        "prompt": "Order numbers, product names."
                    },
                    "noise_reduction": {"type": "near_field"},
                    "turn_detection": {
                        "type": "server_vad",
                        "threshold": 0.6,
                        "prefix_padding_ms": 300,
                        "silence_duration_ms": 500,
                        "idle_timeout_ms": 6000,
                        "create_response": true,
                        "interrupt_response": false
                    }
                },
                "output": {
                    "format": {"type": "audio/pcmu"},
                    "voice": "marin",
                    "speed": 1.1
                }
            },
            "include": ["item.input_audio_transcription.logprobs"],
            "tracing": {"workflow_name": "desk", "group_id": "g1", "metadata": {"team": "support"}},
            "tools": [{
                "type": "function",
                "name": "lookup_order",
                "description": "Find an order by number.",
                "parameters": {
                    "type": "object",
                    "properties": {"number": {"type": "string"}},
                    "required": ["number"]
                }
            }],
            "tool_choice": {"type": "function", "name": "lookup_order"},
            "max_output_tokens": 4096,
            "truncation": {"type": "retention_ratio", "retention_ratio": 0.8},
            "prompt": {"id": "pmpt_1", "version": "2", "variables": {"city": "Paris"}}
        }
    });
    assert_eq!(encode(&OpenAiDialect::new(), &event).unwrap(), expected);
}

#[test]
fn semantic_vad_session_update_matches_the_ga_wire() {
    let mut vad = SemanticVad::default();
    vad.eagerness = Some(Eagerness::High);
    vad.create_response = Some(false);
    vad.interrupt_response = Some(true);
    let mut config = SessionConfig::new()
        .output_modalities([Modality::Text])
        .input_audio_format(AudioFormat::G711Alaw)
        .output_audio_format(AudioFormat::G711Alaw)
        .voice(Voice::Id("voice_1234".to_owned()))
        .turn_detection(TurnDetection::SemanticVad(vad))
        .tool_choice(ToolChoice::Required)
        .max_output_tokens(MaxTokens::Infinite);
    config.input_audio_transcription = Nullable::Null;
    config.input_audio_noise_reduction = Nullable::Null;
    config.tracing = Nullable::Value(Tracing::Mode("auto".to_owned()));
    config.truncation = Some(Truncation::Mode("disabled".to_owned()));
    config.prompt = Nullable::Null;
    let expected = json!({
        "type": "session.update",
        "session": {
            "type": "realtime",
            "output_modalities": ["text"],
            "audio": {
                "input": {
                    "format": {"type": "audio/pcma"},
                    "transcription": null,
                    "noise_reduction": null,
                    "turn_detection": {
                        "type": "semantic_vad",
                        "eagerness": "high",
                        "create_response": false,
                        "interrupt_response": true
                    }
                },
                "output": {"format": {"type": "audio/pcma"}, "voice": {"id": "voice_1234"}}
            },
            "tracing": "auto",
            "tool_choice": "required",
            "max_output_tokens": "inf",
            "truncation": "disabled",
            "prompt": null
        }
    });
    assert_eq!(
        encode(&OpenAiDialect::new(), &session(config)).unwrap(),
        expected
    );
}

#[test]
fn push_to_talk_sends_null_turn_detection() {
    let event = session(SessionConfig::new().without_turn_detection());
    assert_eq!(
        encode(&OpenAiDialect::new(), &event).unwrap(),
        json!({"type": "session.update", "session": {"type": "realtime", "audio": {"input": {"turn_detection": null}}}})
    );
}

#[test]
fn response_create_overrides_match_the_ga_wire() {
    let mut config = ResponseConfig::new()
        .instructions("Answer in one sentence.")
        .output_modalities([Modality::Audio])
        .conversation(ConversationMode::None);
    config.voice = Some(Voice::from("cedar"));
    config.output_audio_format = Some(AudioFormat::G711Ulaw);
    config.tools = Some(vec![lookup_tool()]);
    config.tool_choice = Some(ToolChoice::Auto);
    config.max_output_tokens = Some(MaxTokens::Limit(200));
    let mut metadata = serde_json::Map::new();
    metadata.insert("topic".to_owned(), json!("classification"));
    config.metadata = Some(metadata);
    config.input = Some(vec![Item::user_text("Is this a refund request?")]);
    let expected = json!({
        "type": "response.create",
        "response": {
            "output_modalities": ["audio"],
            "instructions": "Answer in one sentence.",
            "audio": {"output": {"format": {"type": "audio/pcmu"}, "voice": "cedar"}},
            "tools": [{
                "type": "function",
                "name": "lookup_order",
                "description": "Find an order by number.",
                "parameters": {
                    "type": "object",
                    "properties": {"number": {"type": "string"}},
                    "required": ["number"]
                }
            }],
            "tool_choice": "auto",
            "max_output_tokens": 200,
            "conversation": "none",
            "metadata": {"topic": "classification"},
            "input": [{
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "Is this a refund request?"}]
            }]
        }
    });
    assert_eq!(
        encode(
            &OpenAiDialect::new(),
            &ClientEvent::create_response_with(config)
        )
        .unwrap(),
        expected
    );
    assert_eq!(
        encode(&OpenAiDialect::new(), &ClientEvent::create_response()).unwrap(),
        json!({"type": "response.create"})
    );
}

#[test]
fn both_output_modalities_are_invalid_before_anything_is_sent() {
    for policy in [UnsupportedPolicy::Error, UnsupportedPolicy::Warn] {
        let dialect = OpenAiDialect::new().with_policy(policy);
        let both = SessionConfig::new().output_modalities([Modality::Audio, Modality::Text]);
        let error = dialect.encode(&session(both)).unwrap_err();
        assert!(
            matches!(&error, EncodeError::Invalid { dialect, field, .. }
                if dialect == "openai-ga" && field == "session.output_modalities"),
            "{error:?}"
        );
        let response = ResponseConfig::new().output_modalities([Modality::Text, Modality::Audio]);
        let error = dialect
            .encode(&ClientEvent::create_response_with(response))
            .unwrap_err();
        assert!(matches!(error, EncodeError::Invalid { .. }), "{error:?}");
    }
}

/// Captures what `tracing` writes while `f` runs.
fn capture_logs<T>(f: impl FnOnce() -> T) -> (T, String) {
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let out = tracing::subscriber::with_default(subscriber, || {
        // Other tests may have cached "no interest" for the callsites before this
        // subscriber existed.
        tracing::callsite::rebuild_interest_cache();
        f()
    });
    let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    (out, text)
}

#[test]
fn temperature_is_refused_under_error() {
    let config = SessionConfig::new().instructions("Hi").temperature(0.7);
    let error = OpenAiDialect::new().encode(&session(config)).unwrap_err();
    assert_eq!(
        error,
        EncodeError::Unsupported {
            dialect: "openai-ga".into(),
            field: "session.temperature".into(),
            reason: "this endpoint has no such session field".into(),
        }
    );
    let mut response = ResponseConfig::new();
    response.temperature = Some(0.9);
    let error = OpenAiDialect::new()
        .encode(&ClientEvent::create_response_with(response))
        .unwrap_err();
    assert!(
        matches!(&error, EncodeError::Unsupported { field, .. } if field == "response.temperature"),
        "{error:?}"
    );
}

#[test]
fn temperature_is_dropped_with_a_warning_under_warn() {
    let dialect = OpenAiDialect::new().with_policy(UnsupportedPolicy::Warn);
    let config = SessionConfig::new().instructions("Hi").temperature(0.7);
    let (wire, logs) = capture_logs(|| encode(&dialect, &session(config)));
    assert_eq!(
        wire.unwrap(),
        json!({"type": "session.update", "session": {"type": "realtime", "instructions": "Hi"}})
    );
    assert!(logs.contains("WARN"), "{logs}");
    assert!(logs.contains("session.temperature"), "{logs}");
}

#[test]
fn voices_formats_and_turn_detection_follow_the_ga_tables() {
    let dialect = OpenAiDialect::new();
    for voice in realtime_openai::VOICES {
        assert!(
            dialect
                .encode(&session(SessionConfig::new().voice(voice)))
                .is_ok()
        );
    }
    let refused = [
        (
            "session.voice",
            SessionConfig::new().voice("en-US-AvaNeural"),
        ),
        (
            "session.input_audio_format",
            SessionConfig::new().input_audio_format(AudioFormat::Pcm16 { rate: 16_000 }),
        ),
        (
            "session.output_audio_format",
            SessionConfig::new().output_audio_format(AudioFormat::Pcm16 { rate: 8_000 }),
        ),
        (
            "session.turn_detection",
            SessionConfig::new().turn_detection(TurnDetection::Other(
                json!({"type": "azure_semantic_vad"})
                    .as_object()
                    .unwrap()
                    .clone(),
            )),
        ),
        (
            "session.voice",
            SessionConfig::new().voice(Voice::Object(
                json!({"type": "azure-standard", "name": "en-US-AvaNeural"})
                    .as_object()
                    .unwrap()
                    .clone(),
            )),
        ),
    ];
    for (field, config) in refused {
        let error = dialect.encode(&session(config)).unwrap_err();
        assert!(
            matches!(&error, EncodeError::Unsupported { field: f, .. } if f == field),
            "{field}: {error:?}"
        );
    }
    let mut fast = SessionConfig::new();
    fast.speed = Some(2.0);
    assert!(matches!(
        dialect.encode(&session(fast)),
        Err(EncodeError::Invalid { .. })
    ));
    let mut response = ResponseConfig::new();
    response.voice = Some(Voice::from("nova-unknown"));
    assert!(matches!(
        dialect.encode(&ClientEvent::create_response_with(response)),
        Err(EncodeError::Unsupported { .. })
    ));
}

#[test]
fn beta_fields_in_extra_are_refused_or_dropped() {
    let mut config = SessionConfig::new().instructions("Hi");
    config
        .extra
        .insert("modalities".to_owned(), json!(["text"]));
    config
        .extra
        .insert("parallel_tool_calls".to_owned(), json!(true));
    let error = OpenAiDialect::new()
        .encode(&session(config.clone()))
        .unwrap_err();
    assert!(
        matches!(&error, EncodeError::Unsupported { field, .. } if field == "session.modalities"),
        "{error:?}"
    );
    let (wire, logs) = capture_logs(|| {
        encode(
            &OpenAiDialect::new().with_policy(UnsupportedPolicy::Warn),
            &session(config),
        )
    });
    assert_eq!(
        wire.unwrap(),
        json!({"type": "session.update", "session": {"type": "realtime", "instructions": "Hi", "parallel_tool_calls": true}})
    );
    assert!(logs.contains("session.modalities"), "{logs}");
}

#[derive(Debug, Clone, PartialEq)]
struct EchoCancellation;
impl_session_extension!(
    EchoCancellation,
    provider = "Azure AI Voice Live",
    field = "session.input_audio_echo_cancellation"
);

#[test]
fn other_providers_extensions_follow_the_policy() {
    let config = SessionConfig::new()
        .instructions("Hi")
        .extension(EchoCancellation);
    let error = OpenAiDialect::new()
        .encode(&session(config.clone()))
        .unwrap_err();
    assert!(
        matches!(&error, EncodeError::Unsupported { field, .. } if field == "session.input_audio_echo_cancellation"),
        "{error:?}"
    );
    let (wire, logs) = capture_logs(|| {
        encode(
            &OpenAiDialect::new().with_policy(UnsupportedPolicy::Warn),
            &session(config),
        )
    });
    assert_eq!(
        wire.unwrap(),
        json!({"type": "session.update", "session": {"type": "realtime", "instructions": "Hi"}})
    );
    assert!(
        logs.contains("session.input_audio_echo_cancellation"),
        "{logs}"
    );
}

#[test]
fn transcription_sessions_take_only_input_settings_and_include() {
    let mut vad = ServerVad::default();
    vad.threshold = Some(0.5);
    vad.silence_duration_ms = Some(500);
    let mut config = SessionConfig::new()
        .input_audio_format(AudioFormat::PCM16_24K)
        .transcription(Transcription::model("gpt-4o-transcribe").language("en"))
        .turn_detection(TurnDetection::ServerVad(vad));
    config.kind = Some(SessionKind::Transcription);
    config.input_audio_noise_reduction =
        Nullable::Value(NoiseReduction::new(NoiseReductionKind::FarField));
    config.include = Nullable::Value(vec!["item.input_audio_transcription.logprobs".to_owned()]);
    let expected = json!({
        "type": "session.update",
        "session": {
            "type": "transcription",
            "audio": {"input": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "transcription": {"model": "gpt-4o-transcribe", "language": "en"},
                "noise_reduction": {"type": "far_field"},
                "turn_detection": {"type": "server_vad", "threshold": 0.5, "silence_duration_ms": 500}
            }},
            "include": ["item.input_audio_transcription.logprobs"]
        }
    });
    let dialect = OpenAiDialect::new();
    assert_eq!(
        encode(&dialect, &session(config.clone())).unwrap(),
        expected
    );

    let realtime_only = [
        ("session.instructions", config.clone().instructions("Hi")),
        ("session.voice", config.clone().voice("alloy")),
        ("session.model", config.clone().model("gpt-realtime")),
        (
            "session.output_modalities",
            config.clone().output_modalities([Modality::Text]),
        ),
        ("session.tools", config.clone().tools([lookup_tool()])),
    ];
    for (field, config) in realtime_only {
        let error = dialect.encode(&session(config.clone())).unwrap_err();
        assert!(
            matches!(&error, EncodeError::Unsupported { field: f, .. } if f == field),
            "{field}: {error:?}"
        );
        let (wire, logs) = capture_logs(|| {
            encode(
                &OpenAiDialect::new().with_policy(UnsupportedPolicy::Warn),
                &session(config),
            )
        });
        assert_eq!(wire.unwrap(), expected, "{field}");
        assert!(logs.contains(field), "{field}: {logs}");
    }
    let mut output_audio = config;
    output_audio
        .extra
        .insert("audio".to_owned(), json!({"output": {"language": "fr"}}));
    assert!(matches!(
        dialect.encode(&session(output_audio)),
        Err(EncodeError::Unsupported { .. })
    ));
}

#[test]
fn client_events_openai_lacks_are_refused_whatever_the_policy() {
    let raw = json!({"type": "session.avatar.connect", "client_sdp": "v=0"});
    let event = ClientEvent::Other {
        event_type: "session.avatar.connect".to_owned(),
        raw: raw.as_object().unwrap().clone(),
    };
    for policy in [UnsupportedPolicy::Error, UnsupportedPolicy::Warn] {
        let error = OpenAiDialect::new()
            .with_policy(policy)
            .encode(&event)
            .unwrap_err();
        assert!(
            matches!(&error, EncodeError::Unsupported { field, .. } if field == "session.avatar.connect"),
            "{error:?}"
        );
    }
}

#[test]
fn audio_append_and_plain_events_pass_unchanged() {
    let dialect = OpenAiDialect::new();
    assert_eq!(
        dialect
            .encode(&ClientEvent::append_audio(&[0, 1, 2, 3]))
            .unwrap(),
        r#"{"type":"input_audio_buffer.append","audio":"AAECAw=="}"#
    );
    assert_eq!(
        encode(&dialect, &ClientEvent::truncate("item_1", 1500)).unwrap(),
        json!({"type": "conversation.item.truncate", "item_id": "item_1", "content_index": 0, "audio_end_ms": 1500})
    );
}

#[test]
fn capability_tables_follow_the_ga_spec() {
    use realtime_core::dialect::{AudioOnlyOutput, SessionField};
    use realtime_core::wire::WireShape;

    let dialect = OpenAiDialect::new();
    assert_eq!(dialect.name(), "openai-ga");
    assert_eq!(dialect.provider(), "OpenAI");
    let realtime = dialect.capabilities();
    assert_eq!(realtime.shape, WireShape::Ga);
    assert_eq!(realtime.audio_only_output, AudioOnlyOutput::Native);
    assert!(!realtime.voice_change_after_audio);
    assert!(!realtime.transcription_model_is_deployment);
    for field in SessionField::ALL {
        assert_eq!(
            realtime.accepts(field),
            field != SessionField::Temperature,
            "{field:?}"
        );
    }
    assert_eq!(
        realtime.voices.as_deref().map(<[&str]>::len),
        Some(10),
        "alloy ash ballad coral echo sage shimmer verse marin cedar"
    );
    assert_eq!(
        realtime.audio_formats.as_ref(),
        [
            AudioFormat::PCM16_24K,
            AudioFormat::G711Ulaw,
            AudioFormat::G711Alaw
        ]
    );
    assert_eq!(
        realtime.turn_detection.as_ref(),
        ["server_vad", "semantic_vad"]
    );
    let transcription = dialect.transcription_capabilities();
    let accepted: Vec<SessionField> = SessionField::ALL
        .into_iter()
        .filter(|field| transcription.accepts(*field))
        .collect();
    assert_eq!(
        accepted,
        [
            SessionField::InputAudioFormat,
            SessionField::Transcription,
            SessionField::NoiseReduction,
            SessionField::TurnDetection,
            SessionField::Include
        ]
    );
}
