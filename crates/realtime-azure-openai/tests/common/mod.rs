//! Shared test data: the fixture rows and a configuration with every field set.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::path::PathBuf;

use realtime_azure_openai::{ApiVersion, AzureOpenAiDialect};
use realtime_core::dialect::SessionField;
use realtime_core::protocol::{
    AudioFormat, ClientEvent, MaxTokens, Modality, NoiseReduction, NoiseReductionKind, Nullable,
    SessionConfig, SessionKind, Tool, ToolChoice, Tracing, Transcription, Truncation,
    TurnDetection,
};
use serde_json::{Value, json};

/// A setting of another provider, to prove foreign extensions never reach Azure.
#[derive(Debug, Clone, PartialEq)]
pub struct ForeignEcho(pub bool);
realtime_core::impl_session_extension!(
    ForeignEcho,
    provider = "Elsewhere",
    field = "session.input_audio_echo_cancellation"
);

/// One row of `fixtures/azure-openai/examples.jsonl`.
pub struct Row {
    pub line: String,
    pub dialect: String,
    pub direction: String,
    pub payload: Value,
    pub source: String,
}

pub fn fixture_rows(provider: &str) -> Vec<Row> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(provider)
        .join("examples.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines()
        .enumerate()
        .map(|(n, line)| {
            let row: Value = serde_json::from_str(line).unwrap();
            Row {
                line: format!("{provider}/examples.jsonl:{}", n + 1),
                dialect: row["dialect"].as_str().unwrap().to_owned(),
                direction: row["direction"].as_str().unwrap().to_owned(),
                payload: row["payload"].clone(),
                source: row["source"].as_str().unwrap_or_default().to_owned(),
            }
        })
        .collect()
}

/// The first row of `provider`'s fixtures matching `keep`.
pub fn fixture(provider: &str, keep: impl Fn(&Row) -> bool) -> Row {
    fixture_rows(provider).into_iter().find(keep).unwrap()
}

/// Every preview dialect.
pub fn previews() -> Vec<AzureOpenAiDialect> {
    ApiVersion::ALL
        .into_iter()
        .map(AzureOpenAiDialect::preview)
        .collect()
}

/// The wire keys the preview endpoint rejects (DIALECTS §2, §6).
pub const REJECTED: [&str; 7] = [
    "type",
    "output_modalities",
    "audio",
    "tracing",
    "prompt",
    "truncation",
    "include",
];

pub fn update(session: SessionConfig) -> ClientEvent {
    ClientEvent::SessionUpdate {
        event_id: None,
        session: Box::new(session),
    }
}

pub fn weather_tool() -> Tool {
    Tool::function(
        "get_weather",
        "Look up the weather for a city.",
        json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}),
    )
}

/// A configuration with only `field` set.
pub fn only(field: SessionField) -> SessionConfig {
    let mut config = SessionConfig::new();
    set(&mut config, field);
    config
}

/// Sets `field` to a value every endpoint that has the field accepts.
pub fn set(config: &mut SessionConfig, field: SessionField) {
    match field {
        SessionField::Model => config.model = Some("gpt-realtime".into()),
        SessionField::Instructions => config.instructions = Some("Be brief.".into()),
        SessionField::OutputModalities => config.output_modalities = Some(vec![Modality::Audio]),
        SessionField::InputAudioFormat => config.input_audio_format = Some(AudioFormat::PCM16_24K),
        SessionField::OutputAudioFormat => config.output_audio_format = Some(AudioFormat::G711Ulaw),
        SessionField::Voice => config.voice = Some("alloy".into()),
        SessionField::Speed => config.speed = Some(1.1),
        SessionField::Transcription => {
            config.input_audio_transcription =
                Nullable::Value(Transcription::model("my-whisper-deployment").language("en"));
        }
        SessionField::NoiseReduction => {
            config.input_audio_noise_reduction =
                Nullable::Value(NoiseReduction::new(NoiseReductionKind::NearField));
        }
        SessionField::TurnDetection => {
            config.turn_detection = Nullable::Value(TurnDetection::server_vad());
        }
        SessionField::Tools => config.tools = Some(vec![weather_tool()]),
        SessionField::ToolChoice => {
            config.tool_choice = Some(ToolChoice::Function("get_weather".into()));
        }
        SessionField::Temperature => config.temperature = Some(0.8),
        SessionField::MaxOutputTokens => config.max_output_tokens = Some(MaxTokens::Limit(1024)),
        SessionField::Tracing => config.tracing = Nullable::Value(Tracing::Mode("auto".into())),
        SessionField::Prompt => {
            config.prompt =
                Nullable::Value(serde_json::from_value(json!({"id": "pmpt_1"})).unwrap());
        }
        SessionField::Truncation => config.truncation = Some(Truncation::Mode("auto".into())),
        SessionField::Include => {
            config.include =
                Nullable::Value(vec!["item.input_audio_transcription.logprobs".into()]);
        }
        SessionField::ParallelToolCalls => config.parallel_tool_calls = Some(true),
        // `medium` is in every table that has reasoning (Azure: minimal..high).
        SessionField::Reasoning => {
            config.reasoning = Some(realtime_core::protocol::Reasoning::effort(
                realtime_core::protocol::ReasoningEffort::Medium,
            ));
        }
        // A server VAD with an idle timeout (the turn detection itself stays as set).
        SessionField::IdleTimeout => {
            if !matches!(
                config.turn_detection,
                Nullable::Value(TurnDetection::ServerVad(_))
            ) {
                config.turn_detection = Nullable::Value(TurnDetection::server_vad());
            }
            if let Nullable::Value(TurnDetection::ServerVad(vad)) = &mut config.turn_detection {
                vad.idle_timeout_ms = Nullable::Value(5_000);
            }
        }
        other => panic!("SessionField::{other:?} is new: teach these tests its value"),
    }
    assert!(field.is_set_in(config), "{field:?}");
}

/// Every canonical field set (each as in [`only`]), plus `kind`.
pub fn every_field() -> SessionConfig {
    let mut config = SessionConfig::new();
    for field in SessionField::ALL {
        set(&mut config, field);
    }
    config.kind = Some(SessionKind::Realtime);
    for field in SessionField::ALL {
        assert!(field.is_set_in(&config), "{field:?}");
    }
    config
}

/// Parses a frame.
pub fn json(frame: &str) -> Value {
    serde_json::from_str(frame).unwrap()
}

/// JSON equality modulo key order, numbers compared by value (`0` equals `0.0`).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}
