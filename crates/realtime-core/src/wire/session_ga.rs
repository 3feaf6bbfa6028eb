//! Session and response settings in the GA shape: `type`, `output_modalities`, and
//! audio settings nested under `audio.input` / `audio.output`.

use serde_json::{Map, Value, json};

use super::WireShape;
use super::tree::{
    self, merge_under, put, put_items, put_nullable, take, take_nullable, take_object, take_present,
};
use crate::error::EncodeError;
use crate::protocol::{AudioFormat, ResponseConfig, SessionConfig, SessionKind};

const SHAPE: WireShape = WireShape::Ga;

fn unsupported(field: &'static str, reason: &'static str) -> EncodeError {
    tree::unsupported(SHAPE, field, reason)
}

fn json_error(event_type: &'static str) -> impl Fn(serde_json::Error) -> EncodeError {
    tree::json_error(SHAPE, event_type)
}

/// Writes an audio format as GA's format object.
pub(super) fn format_to_wire(
    format: AudioFormat,
    field: &'static str,
) -> Result<Value, EncodeError> {
    match format {
        AudioFormat::Pcm16 { rate } => Ok(json!({"type": "audio/pcm", "rate": rate})),
        AudioFormat::G711Ulaw => Ok(json!({"type": "audio/pcmu"})),
        AudioFormat::G711Alaw => Ok(json!({"type": "audio/pcma"})),
        #[allow(unreachable_patterns)]
        _ => Err(unsupported(field, "the GA shape has no such audio format")),
    }
}

/// Reads GA's format object; unknown formats are `None` (and stay in `extra`).
fn format_from_wire(value: &Value) -> Option<AudioFormat> {
    let object = value.as_object()?;
    if object.keys().any(|key| key != "type" && key != "rate") {
        return None;
    }
    match object.get("type")?.as_str()? {
        "audio/pcm" => {
            let rate = object.get("rate").map_or(Some(24_000), |rate| {
                rate.as_u64().and_then(|rate| u32::try_from(rate).ok())
            })?;
            object
                .contains_key("rate")
                .then_some(AudioFormat::Pcm16 { rate })
        }
        "audio/pcmu" => Some(AudioFormat::G711Ulaw),
        "audio/pcma" => Some(AudioFormat::G711Alaw),
        _ => None,
    }
}

/// Writes `config` as the GA `session` object.
pub(super) fn encode_session(config: &SessionConfig) -> Result<Map<String, Value>, EncodeError> {
    let err = json_error("session.update");
    if config.temperature.is_some() {
        return Err(unsupported("session.temperature", "GA has no temperature"));
    }
    let mut session = Map::new();
    let kind = config.kind.clone().unwrap_or(SessionKind::Realtime);
    session.insert("type".to_owned(), Value::String(kind.as_str().to_owned()));
    put(&mut session, "model", config.model.as_ref()).map_err(&err)?;
    put(&mut session, "instructions", config.instructions.as_ref()).map_err(&err)?;
    put(
        &mut session,
        "output_modalities",
        config.output_modalities.as_ref(),
    )
    .map_err(&err)?;

    let mut input = Map::new();
    if let Some(format) = config.input_audio_format {
        input.insert(
            "format".to_owned(),
            format_to_wire(format, "session.input_audio_format")?,
        );
    }
    put_nullable(
        &mut input,
        "transcription",
        &config.input_audio_transcription,
    )
    .map_err(&err)?;
    put_nullable(
        &mut input,
        "noise_reduction",
        &config.input_audio_noise_reduction,
    )
    .map_err(&err)?;
    put_nullable(&mut input, "turn_detection", &config.turn_detection).map_err(&err)?;
    let mut output = Map::new();
    if let Some(format) = config.output_audio_format {
        output.insert(
            "format".to_owned(),
            format_to_wire(format, "session.output_audio_format")?,
        );
    }
    put(&mut output, "voice", config.voice.as_ref()).map_err(&err)?;
    put(&mut output, "speed", config.speed.as_ref()).map_err(&err)?;
    let mut audio = Map::new();
    if !input.is_empty() {
        audio.insert("input".to_owned(), Value::Object(input));
    }
    if !output.is_empty() {
        audio.insert("output".to_owned(), Value::Object(output));
    }
    if !audio.is_empty() {
        session.insert("audio".to_owned(), Value::Object(audio));
    }

    put_nullable(&mut session, "include", &config.include).map_err(&err)?;
    put_nullable(&mut session, "tracing", &config.tracing).map_err(&err)?;
    put(&mut session, "tools", config.tools.as_ref()).map_err(&err)?;
    put(&mut session, "tool_choice", config.tool_choice.as_ref()).map_err(&err)?;
    put(
        &mut session,
        "max_output_tokens",
        config.max_output_tokens.as_ref(),
    )
    .map_err(&err)?;
    put(&mut session, "truncation", config.truncation.as_ref()).map_err(&err)?;
    put_nullable(&mut session, "prompt", &config.prompt).map_err(&err)?;
    put(
        &mut session,
        "parallel_tool_calls",
        config.parallel_tool_calls.as_ref(),
    )
    .map_err(&err)?;
    put(&mut session, "reasoning", config.reasoning.as_ref()).map_err(&err)?;
    merge_under(&mut session, &config.extra);
    Ok(session)
}

/// Reads a GA `session` object; fields not modelled stay in `extra`, nested ones in
/// the same place under `extra` (e.g. `extra.audio.input.echo_cancellation`).
pub(super) fn decode_session(mut session: Map<String, Value>) -> Result<SessionConfig, String> {
    let mut config = SessionConfig::new();
    config.kind = take(&mut session, "type")?;
    config.model = take(&mut session, "model")?;
    config.instructions = take(&mut session, "instructions")?;
    config.output_modalities = take(&mut session, "output_modalities")?;
    if let Some(mut audio) = take_object(&mut session, "audio") {
        if let Some(mut input) = take_object(&mut audio, "input") {
            if let Some(format) = input.get("format").and_then(format_from_wire) {
                input.remove("format");
                config.input_audio_format = Some(format);
            }
            config.input_audio_transcription = take_nullable(&mut input, "transcription")?;
            config.input_audio_noise_reduction = take_nullable(&mut input, "noise_reduction")?;
            config.turn_detection = take_nullable(&mut input, "turn_detection")?;
            keep_rest(&mut audio, "input", input);
        }
        if let Some(mut output) = take_object(&mut audio, "output") {
            if let Some(format) = output.get("format").and_then(format_from_wire) {
                output.remove("format");
                config.output_audio_format = Some(format);
            }
            config.voice = take(&mut output, "voice")?;
            config.speed = take(&mut output, "speed")?;
            keep_rest(&mut audio, "output", output);
        }
        keep_rest(&mut session, "audio", audio);
    }
    config.include = take_nullable(&mut session, "include")?;
    config.tracing = take_nullable(&mut session, "tracing")?;
    config.tools = take(&mut session, "tools")?;
    config.tool_choice = take(&mut session, "tool_choice")?;
    config.max_output_tokens = take(&mut session, "max_output_tokens")?;
    config.truncation = take(&mut session, "truncation")?;
    config.prompt = take_nullable(&mut session, "prompt")?;
    config.parallel_tool_calls = take_present(&mut session, "parallel_tool_calls")?;
    config.reasoning = take_present(&mut session, "reasoning")?;
    config.extra = session;
    Ok(config)
}

/// Puts what is left of a nested object back, if anything is left.
pub(super) fn keep_rest(parent: &mut Map<String, Value>, key: &str, rest: Map<String, Value>) {
    if !rest.is_empty() {
        parent.insert(key.to_owned(), Value::Object(rest));
    }
}

/// Writes `config` as the GA `response` object of `response.create`.
pub(super) fn encode_response(config: &ResponseConfig) -> Result<Map<String, Value>, EncodeError> {
    let err = json_error("response.create");
    if config.temperature.is_some() {
        return Err(unsupported("response.temperature", "GA has no temperature"));
    }
    let mut response = Map::new();
    put(
        &mut response,
        "output_modalities",
        config.output_modalities.as_ref(),
    )
    .map_err(&err)?;
    put(&mut response, "instructions", config.instructions.as_ref()).map_err(&err)?;
    let mut output = Map::new();
    if let Some(format) = config.output_audio_format {
        output.insert(
            "format".to_owned(),
            format_to_wire(format, "response.output_audio_format")?,
        );
    }
    put(&mut output, "voice", config.voice.as_ref()).map_err(&err)?;
    if !output.is_empty() {
        response.insert("audio".to_owned(), json!({ "output": output }));
    }
    put(&mut response, "tools", config.tools.as_ref()).map_err(&err)?;
    put(&mut response, "tool_choice", config.tool_choice.as_ref()).map_err(&err)?;
    put(
        &mut response,
        "max_output_tokens",
        config.max_output_tokens.as_ref(),
    )
    .map_err(&err)?;
    put(&mut response, "conversation", config.conversation.as_ref()).map_err(&err)?;
    put(&mut response, "metadata", config.metadata.as_ref()).map_err(&err)?;
    put_items(&mut response, "input", config.input.as_ref(), false).map_err(&err)?;
    put(
        &mut response,
        "parallel_tool_calls",
        config.parallel_tool_calls.as_ref(),
    )
    .map_err(&err)?;
    put(&mut response, "reasoning", config.reasoning.as_ref()).map_err(&err)?;
    merge_under(&mut response, &config.extra);
    Ok(response)
}

/// Reads a GA `response` object of `response.create`.
pub(super) fn decode_response(mut response: Map<String, Value>) -> Result<ResponseConfig, String> {
    let mut config = ResponseConfig::new();
    config.output_modalities = take(&mut response, "output_modalities")?;
    config.instructions = take(&mut response, "instructions")?;
    if let Some(mut audio) = take_object(&mut response, "audio") {
        if let Some(mut output) = take_object(&mut audio, "output") {
            if let Some(format) = output.get("format").and_then(format_from_wire) {
                output.remove("format");
                config.output_audio_format = Some(format);
            }
            config.voice = take(&mut output, "voice")?;
            keep_rest(&mut audio, "output", output);
        }
        keep_rest(&mut response, "audio", audio);
    }
    config.tools = take(&mut response, "tools")?;
    config.tool_choice = take(&mut response, "tool_choice")?;
    config.max_output_tokens = take(&mut response, "max_output_tokens")?;
    config.conversation = take(&mut response, "conversation")?;
    config.metadata = take(&mut response, "metadata")?;
    config.input = take(&mut response, "input")?;
    config.parallel_tool_calls = take_present(&mut response, "parallel_tool_calls")?;
    config.reasoning = take_present(&mut response, "reasoning")?;
    config.extra = response;
    Ok(config)
}
