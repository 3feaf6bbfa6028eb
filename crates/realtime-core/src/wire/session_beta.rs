//! Session and response settings in the beta shape: flat fields, `modalities`,
//! string audio formats, no `type`.

use serde_json::{Map, Value};

use super::WireShape;
use super::tree::{
    self, merge_under, put, put_items, put_nullable, take, take_nullable, take_present,
};
use crate::error::EncodeError;
use crate::protocol::{
    AudioFormat, Reasoning, ReasoningEffort, ResponseConfig, SessionConfig, SessionKind,
};

const SHAPE: WireShape = WireShape::Beta;

fn unsupported(field: &'static str, reason: &'static str) -> EncodeError {
    tree::unsupported(SHAPE, field, reason)
}

fn json_error(event_type: &'static str) -> impl Fn(serde_json::Error) -> EncodeError {
    tree::json_error(SHAPE, event_type)
}

/// Writes an audio format as a beta format name.
pub(super) fn format_to_wire(
    format: AudioFormat,
    field: &'static str,
) -> Result<Value, EncodeError> {
    match format {
        AudioFormat::Pcm16 { rate: 24_000 } => Ok(Value::String("pcm16".to_owned())),
        AudioFormat::G711Ulaw => Ok(Value::String("g711_ulaw".to_owned())),
        AudioFormat::G711Alaw => Ok(Value::String("g711_alaw".to_owned())),
        other => Err(EncodeError::Invalid {
            dialect: SHAPE.label().into(),
            field: field.into(),
            expected: "pcm16 (24 kHz), g711_ulaw or g711_alaw".into(),
            found: format!("{other:?}"),
        }),
    }
}

/// Reads a beta format name; unknown names are `None` (and stay in `extra`).
fn format_from_wire(value: &Value) -> Option<AudioFormat> {
    match value.as_str()? {
        "pcm16" => Some(AudioFormat::PCM16_24K),
        "g711_ulaw" => Some(AudioFormat::G711Ulaw),
        "g711_alaw" => Some(AudioFormat::G711Alaw),
        _ => None,
    }
}

fn reject_ga_only(config: &SessionConfig) -> Result<(), EncodeError> {
    if config.kind == Some(SessionKind::Transcription) {
        return Err(unsupported(
            "session.type",
            "beta configures transcription with `transcription_session.update`",
        ));
    }
    for (set, field) in [
        (!config.tracing.is_absent(), "session.tracing"),
        (!config.prompt.is_absent(), "session.prompt"),
        (config.truncation.is_some(), "session.truncation"),
        (!config.include.is_absent(), "session.include"),
    ] {
        if set {
            return Err(unsupported(
                field,
                "GA only: the beta shape has no such field",
            ));
        }
    }
    Ok(())
}

/// Writes reasoning the way the flat shape spells it (Voice Live's
/// `reasoning_effort` string); settings beyond the effort have no place there.
fn put_reasoning(
    object: &mut Map<String, Value>,
    reasoning: Option<&Reasoning>,
    field: &'static str,
) -> Result<(), EncodeError> {
    let Some(reasoning) = reasoning else {
        return Ok(());
    };
    if !reasoning.extra.is_empty() {
        return Err(unsupported(
            field,
            "the flat shape has only `reasoning_effort`",
        ));
    }
    if let Some(effort) = &reasoning.effort {
        object.insert(
            "reasoning_effort".to_owned(),
            Value::String(effort.as_str().to_owned()),
        );
    }
    Ok(())
}

/// Reads a flat `reasoning_effort` string; anything else stays in `extra`.
fn take_reasoning(object: &mut Map<String, Value>) -> Option<Reasoning> {
    let effort = object.get("reasoning_effort")?.as_str()?;
    let reasoning = Reasoning::effort(ReasoningEffort::from_wire(effort));
    object.remove("reasoning_effort");
    Some(reasoning)
}

/// Writes `config` as the beta `session` object.
pub(super) fn encode_session(config: &SessionConfig) -> Result<Map<String, Value>, EncodeError> {
    reject_ga_only(config)?;
    let err = json_error("session.update");
    let mut session = Map::new();
    put(&mut session, "model", config.model.as_ref()).map_err(&err)?;
    put(&mut session, "instructions", config.instructions.as_ref()).map_err(&err)?;
    put(
        &mut session,
        "modalities",
        config.output_modalities.as_ref(),
    )
    .map_err(&err)?;
    put(&mut session, "voice", config.voice.as_ref()).map_err(&err)?;
    put(&mut session, "speed", config.speed.as_ref()).map_err(&err)?;
    if let Some(format) = config.input_audio_format {
        session.insert(
            "input_audio_format".to_owned(),
            format_to_wire(format, "session.input_audio_format")?,
        );
    }
    if let Some(format) = config.output_audio_format {
        session.insert(
            "output_audio_format".to_owned(),
            format_to_wire(format, "session.output_audio_format")?,
        );
    }
    put_nullable(
        &mut session,
        "input_audio_transcription",
        &config.input_audio_transcription,
    )
    .map_err(&err)?;
    put_nullable(
        &mut session,
        "input_audio_noise_reduction",
        &config.input_audio_noise_reduction,
    )
    .map_err(&err)?;
    put_nullable(&mut session, "turn_detection", &config.turn_detection).map_err(&err)?;
    put(&mut session, "tools", config.tools.as_ref()).map_err(&err)?;
    put(&mut session, "tool_choice", config.tool_choice.as_ref()).map_err(&err)?;
    put(&mut session, "temperature", config.temperature.as_ref()).map_err(&err)?;
    put(
        &mut session,
        "max_response_output_tokens",
        config.max_output_tokens.as_ref(),
    )
    .map_err(&err)?;
    put(
        &mut session,
        "parallel_tool_calls",
        config.parallel_tool_calls.as_ref(),
    )
    .map_err(&err)?;
    put_reasoning(&mut session, config.reasoning.as_ref(), "session.reasoning")?;
    merge_under(&mut session, &config.extra);
    Ok(session)
}

/// Reads a beta `session` object; fields not modelled stay in `extra`.
pub(super) fn decode_session(mut session: Map<String, Value>) -> Result<SessionConfig, String> {
    let mut config = SessionConfig::new();
    config.model = take(&mut session, "model")?;
    config.instructions = take(&mut session, "instructions")?;
    config.output_modalities = take(&mut session, "modalities")?;
    config.voice = take(&mut session, "voice")?;
    config.speed = take(&mut session, "speed")?;
    for (key, slot) in [
        ("input_audio_format", &mut config.input_audio_format),
        ("output_audio_format", &mut config.output_audio_format),
    ] {
        if let Some(format) = session.get(key).and_then(format_from_wire) {
            session.remove(key);
            *slot = Some(format);
        }
    }
    config.input_audio_transcription = take_nullable(&mut session, "input_audio_transcription")?;
    config.input_audio_noise_reduction =
        take_nullable(&mut session, "input_audio_noise_reduction")?;
    config.turn_detection = take_nullable(&mut session, "turn_detection")?;
    config.tools = take(&mut session, "tools")?;
    config.tool_choice = take(&mut session, "tool_choice")?;
    config.temperature = take(&mut session, "temperature")?;
    config.max_output_tokens = take(&mut session, "max_response_output_tokens")?;
    config.parallel_tool_calls = take_present(&mut session, "parallel_tool_calls")?;
    config.reasoning = take_reasoning(&mut session);
    config.extra = session;
    Ok(config)
}

/// Writes `config` as the beta `response` object of `response.create`.
pub(super) fn encode_response(config: &ResponseConfig) -> Result<Map<String, Value>, EncodeError> {
    let err = json_error("response.create");
    let mut response = Map::new();
    put(
        &mut response,
        "modalities",
        config.output_modalities.as_ref(),
    )
    .map_err(&err)?;
    put(&mut response, "instructions", config.instructions.as_ref()).map_err(&err)?;
    put(&mut response, "voice", config.voice.as_ref()).map_err(&err)?;
    if let Some(format) = config.output_audio_format {
        response.insert(
            "output_audio_format".to_owned(),
            format_to_wire(format, "response.output_audio_format")?,
        );
    }
    put(&mut response, "tools", config.tools.as_ref()).map_err(&err)?;
    put(&mut response, "tool_choice", config.tool_choice.as_ref()).map_err(&err)?;
    put(&mut response, "temperature", config.temperature.as_ref()).map_err(&err)?;
    put(
        &mut response,
        "max_response_output_tokens",
        config.max_output_tokens.as_ref(),
    )
    .map_err(&err)?;
    put(&mut response, "conversation", config.conversation.as_ref()).map_err(&err)?;
    put(&mut response, "metadata", config.metadata.as_ref()).map_err(&err)?;
    put_items(&mut response, "input", config.input.as_ref(), true).map_err(&err)?;
    put(
        &mut response,
        "parallel_tool_calls",
        config.parallel_tool_calls.as_ref(),
    )
    .map_err(&err)?;
    put_reasoning(
        &mut response,
        config.reasoning.as_ref(),
        "response.reasoning",
    )?;
    merge_under(&mut response, &config.extra);
    Ok(response)
}

/// Reads a beta `response` object of `response.create`.
pub(super) fn decode_response(mut response: Map<String, Value>) -> Result<ResponseConfig, String> {
    let mut config = ResponseConfig::new();
    config.output_modalities = take(&mut response, "modalities")?;
    config.instructions = take(&mut response, "instructions")?;
    config.voice = take(&mut response, "voice")?;
    if let Some(format) = response
        .get("output_audio_format")
        .and_then(format_from_wire)
    {
        response.remove("output_audio_format");
        config.output_audio_format = Some(format);
    }
    config.tools = take(&mut response, "tools")?;
    config.tool_choice = take(&mut response, "tool_choice")?;
    config.temperature = take(&mut response, "temperature")?;
    config.max_output_tokens = take(&mut response, "max_response_output_tokens")?;
    config.conversation = take(&mut response, "conversation")?;
    config.metadata = take(&mut response, "metadata")?;
    config.input = take(&mut response, "input")?;
    config.parallel_tool_calls = take_present(&mut response, "parallel_tool_calls")?;
    config.reasoning = take_reasoning(&mut response);
    config.extra = response;
    Ok(config)
}
