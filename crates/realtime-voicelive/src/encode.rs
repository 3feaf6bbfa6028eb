//! Encoding client events for a Voice Live version: core's preparation and wire
//! shape, then what only Voice Live has.

use std::borrow::Cow;

use realtime_core::dialect::{Dialect, prepare_event, unsupported};
use realtime_core::error::EncodeError;
use realtime_core::protocol::{
    AudioFormat, ClientEvent, Extensions, Modality, ResponseConfig, SessionConfig, Tool, Voice,
};
use realtime_core::wire::WireShape;
use serde_json::{Map, Value};

use crate::audio_wire;
use crate::capabilities::{
    EXTRA_MODALITIES, REALTIME_NATIVE_MODEL, TOOL_TYPES_2026, client_events, has_echo_reference,
    has_realtime_native_voice, output_pcm_rates,
};
use crate::dialect::VoiceLiveDialect;
use crate::extensions::{self, Animation, Avatar, EchoCancellation, OutputTimestamps};

pub(crate) fn encode(
    dialect: &VoiceLiveDialect,
    event: &ClientEvent,
) -> Result<String, EncodeError> {
    let name = dialect.name();
    let shape = dialect.shape();
    let object = match event {
        ClientEvent::InputAudioBufferAppend { .. } => {
            return shape
                .encode_client(event)
                .map_err(|error| error.with_dialect(name));
        }
        ClientEvent::SessionUpdate { event_id, session } => {
            session_update(dialect, event_id.as_deref(), session)?
        }
        ClientEvent::ResponseCreate {
            event_id,
            response: Some(response),
        } => response_create(dialect, event_id.as_deref(), response)?,
        ClientEvent::Other { event_type, raw } => other_event(dialect, event_type, raw)?,
        _ => {
            let prepared = prepare(dialect, event)?;
            shape
                .client_to_object(&prepared)
                .map_err(|error| error.with_dialect(name))?
        }
    };
    serde_json::to_string(&object).map_err(|error| EncodeError::Json {
        dialect: name.into(),
        event_type: event.event_type().to_owned().into(),
        message: error.to_string(),
    })
}

fn prepare<'a>(
    dialect: &VoiceLiveDialect,
    event: &'a ClientEvent,
) -> Result<Cow<'a, ClientEvent>, EncodeError> {
    prepare_event(
        dialect.name(),
        dialect.capabilities(),
        dialect.policy(),
        event,
        &extensions::owns,
    )
}

fn policy(
    dialect: &VoiceLiveDialect,
    field: &'static str,
    reason: &'static str,
) -> Result<(), EncodeError> {
    unsupported(dialect.name(), dialect.policy(), field, reason)
}

/// Takes Voice Live's own modalities (`animation`, `avatar`) out of `modalities`
/// before core normalises the list (core knows only `text` and `audio`). Dated
/// versions keep them; unknown ones, and any on `v1`, meet the policy.
fn take_extra_modalities(
    dialect: &VoiceLiveDialect,
    field: &'static str,
    modalities: &mut Option<Vec<Modality>>,
) -> Result<ExtraModalities, EncodeError> {
    let Some(list) = modalities else {
        return Ok(ExtraModalities {
            extra: Vec::new(),
            text_asked: false,
        });
    };
    let text_asked = list.contains(&Modality::Text);
    let mut extra = Vec::new();
    let mut kept = Vec::with_capacity(list.len());
    for modality in list.drain(..) {
        match modality {
            Modality::Other(other) => {
                if dialect.shape() == WireShape::Beta && EXTRA_MODALITIES.contains(&other.as_str())
                {
                    extra.push(other);
                } else {
                    policy(dialect, field, "this endpoint does not offer that modality")?;
                }
            }
            known => kept.push(known),
        }
    }
    *modalities = (!kept.is_empty()).then_some(kept);
    Ok(ExtraModalities { extra, text_asked })
}

/// Voice Live's own modalities taken out of a list, and whether the client asked
/// for `text` itself.
struct ExtraModalities {
    extra: Vec<String>,
    text_asked: bool,
}

/// Appends Voice Live modalities after the ones core wrote. With one of them next to
/// `audio`, the client's list is already a documented combination (VL-26 example
/// `["audio","animation"]`), so the `text` core adds to a lone `audio` is taken back
/// out unless the client asked for it.
fn put_extra_modalities(object: &mut Map<String, Value>, extra: ExtraModalities) {
    if extra.extra.is_empty() {
        return;
    }
    let entry = object
        .entry("modalities")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = entry {
        if !extra.text_asked {
            list.retain(|modality| modality.as_str() != Some("text"));
        }
        list.extend(extra.extra.into_iter().map(Value::String));
    }
}

/// Refuses (or drops) voices this version lacks, and `azure-realtime-native` voices
/// with a model other than `azure-realtime` (VL-0715 `Voice`) when the model is known
/// (from the session, else from the connection's `model=`).
fn check_voice(
    dialect: &VoiceLiveDialect,
    field: &'static str,
    voice: &mut Option<Voice>,
    session_model: Option<&str>,
) -> Result<(), EncodeError> {
    let native = matches!(voice, Some(Voice::Object(map))
        if map.get("type").and_then(Value::as_str) == Some("azure-realtime-native"));
    if !native {
        return Ok(());
    }
    if !has_realtime_native_voice(dialect.version()) {
        policy(
            dialect,
            field,
            "azure-realtime-native voices need api-version 2026-01-01-preview or later",
        )?;
        *voice = None;
        return Ok(());
    }
    let model = session_model.or(dialect.model());
    if model.is_some_and(|model| model != REALTIME_NATIVE_MODEL) {
        policy(
            dialect,
            field,
            "azure-realtime-native voices work only with the azure-realtime model",
        )?;
        *voice = None;
    }
    Ok(())
}

/// Refuses (or drops) tool types the 2026 SDK generation's swagger dropped
/// (`foundry_agent`, `end_conversation`; VL-0715 `tools`).
fn check_tools(
    dialect: &VoiceLiveDialect,
    field: &'static str,
    tools: &mut Option<Vec<Tool>>,
) -> Result<(), EncodeError> {
    if !dialect.version().is_2026_sdk_generation() {
        return Ok(());
    }
    let Some(list) = tools else {
        return Ok(());
    };
    let offered = |tool: &Tool| {
        tool.kind()
            .is_some_and(|kind| TOOL_TYPES_2026.contains(&kind))
    };
    if list.iter().all(offered) {
        return Ok(());
    }
    policy(
        dialect,
        field,
        "this api-version offers function and mcp tools only",
    )?;
    list.retain(offered);
    Ok(())
}

/// Writes `create_response` and `interrupt_response` explicitly on the 2026 SDK
/// generation: its swagger says they default to `false`, which contradicts the
/// service and the docs (`true`), so an unset value is sent as `true`.
fn explicit_response_flags(dialect: &VoiceLiveDialect, session: &mut Map<String, Value>) {
    if !dialect.version().is_2026_sdk_generation() {
        return;
    }
    let Some(Value::Object(detection)) = session.get_mut("turn_detection") else {
        return;
    };
    let has_flags = detection
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|kind| kind == "server_vad" || kind.starts_with("azure_semantic_vad"));
    if has_flags {
        for key in ["create_response", "interrupt_response"] {
            detection.entry(key.to_owned()).or_insert(Value::Bool(true));
        }
    }
}

/// Refuses (or drops) an output rate this version does not document.
fn check_output(
    dialect: &VoiceLiveDialect,
    field: &'static str,
    format: Option<AudioFormat>,
) -> Result<Option<AudioFormat>, EncodeError> {
    match format {
        Some(AudioFormat::Pcm16 { rate })
            if !output_pcm_rates(dialect.version()).contains(&rate) =>
        {
            policy(
                dialect,
                field,
                "this api-version documents no pcm16 output at that rate",
            )?;
            Ok(None)
        }
        other => Ok(other),
    }
}

/// The object under `path`, created as needed (a non-object in the way is replaced:
/// only this crate's own writes reach here).
fn nested<'a>(object: &'a mut Map<String, Value>, path: &[&str]) -> &'a mut Map<String, Value> {
    let mut current = object;
    for key in path {
        let entry = current
            .entry((*key).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(next) = entry else {
            unreachable!("replaced by an object just above")
        };
        current = next;
    }
    current
}

fn session_update(
    dialect: &VoiceLiveDialect,
    event_id: Option<&str>,
    session: &SessionConfig,
) -> Result<Map<String, Value>, EncodeError> {
    let name = dialect.name();
    let mut session = session.clone();
    let extra_modalities = take_extra_modalities(
        dialect,
        "session.output_modalities",
        &mut session.output_modalities,
    )?;
    let event = ClientEvent::SessionUpdate {
        event_id: event_id.map(str::to_owned),
        session: Box::new(session),
    };
    let mut session = match prepare(dialect, &event)?.into_owned() {
        ClientEvent::SessionUpdate { session, .. } => *session,
        // `prepare_event` returns the kind of event it was given.
        _ => return Err(internal(name, "session.update")),
    };
    let model = session.model.clone();
    check_voice(
        dialect,
        "session.voice",
        &mut session.voice,
        model.as_deref(),
    )?;
    check_tools(dialect, "session.tools", &mut session.tools)?;
    let input = session.input_audio_format.take();
    let output = check_output(
        dialect,
        "session.output_audio_format",
        session.output_audio_format.take(),
    )?;
    let extensions = std::mem::take(&mut session.extensions);
    let mut object = dialect
        .shape()
        .client_to_object(&ClientEvent::SessionUpdate {
            event_id: event_id.map(str::to_owned),
            session: Box::new(session),
        })
        .map_err(|error| error.with_dialect(name))?;
    let wire = nested(&mut object, &["session"]);
    match dialect.shape() {
        WireShape::Beta => {
            explicit_response_flags(dialect, wire);
            write_dated_formats(wire, input, output);
            write_dated_extensions(dialect, wire, &extensions)?;
            put_extra_modalities(wire, extra_modalities);
        }
        WireShape::Ga => {
            write_v1_formats(wire, input, output);
            write_v1_extensions(dialect, wire, &extensions)?;
        }
    }
    Ok(object)
}

fn write_dated_formats(
    session: &mut Map<String, Value>,
    input: Option<AudioFormat>,
    output: Option<AudioFormat>,
) {
    if let Some(format) = input {
        let (name, rate) = audio_wire::dated_input(format);
        session.insert("input_audio_format".to_owned(), name);
        if let Some(rate) = rate {
            session.insert("input_audio_sampling_rate".to_owned(), Value::from(rate));
        }
    }
    if let Some(format) = output {
        session.insert(
            "output_audio_format".to_owned(),
            audio_wire::dated_output(format),
        );
    }
}

fn write_v1_formats(
    session: &mut Map<String, Value>,
    input: Option<AudioFormat>,
    output: Option<AudioFormat>,
) {
    if let Some(format) = input {
        let (format, rate) = audio_wire::v1_input(format);
        let audio_input = nested(session, &["audio", "input"]);
        audio_input.insert("format".to_owned(), format);
        if let Some(rate) = rate {
            audio_input.insert("sampling_rate".to_owned(), Value::from(rate));
        }
    }
    if let Some(format) = output {
        nested(session, &["audio", "output"])
            .insert("format".to_owned(), audio_wire::v1_format(format));
    }
}

fn write_dated_extensions(
    dialect: &VoiceLiveDialect,
    session: &mut Map<String, Value>,
    extensions: &Extensions,
) -> Result<(), EncodeError> {
    if let Some(echo) = extensions.get::<EchoCancellation>() {
        let value = if echo.uses_v1_fields() && !has_echo_reference(dialect.version()) {
            policy(
                dialect,
                "session.input_audio_echo_cancellation",
                "reference_source and channels exist in api-version v1 and the 2026 previews only",
            )?;
            EchoCancellation::server().to_value()
        } else {
            echo.to_value()
        };
        session.insert("input_audio_echo_cancellation".to_owned(), value);
    }
    if let Some(timestamps) = extensions.get::<OutputTimestamps>() {
        session.insert(
            "output_audio_timestamp_types".to_owned(),
            timestamps.to_value(),
        );
    }
    if let Some(animation) = extensions.get::<Animation>() {
        session.insert("animation".to_owned(), animation.to_value());
    }
    if let Some(avatar) = extensions.get::<Avatar>() {
        session.insert("avatar".to_owned(), avatar.to_value());
    }
    Ok(())
}

fn write_v1_extensions(
    dialect: &VoiceLiveDialect,
    session: &mut Map<String, Value>,
    extensions: &Extensions,
) -> Result<(), EncodeError> {
    if let Some(echo) = extensions.get::<EchoCancellation>() {
        nested(session, &["audio", "input"])
            .insert("echo_cancellation".to_owned(), echo.to_value());
    }
    if let Some(timestamps) = extensions.get::<OutputTimestamps>() {
        nested(session, &["audio", "output"])
            .insert("timestamp_types".to_owned(), timestamps.to_value());
    }
    if extensions.get::<Animation>().is_some() {
        policy(
            dialect,
            "session.animation",
            "the v1 spec (partially read) documents no place for animation",
        )?;
    }
    if let Some(avatar) = extensions.get::<Avatar>() {
        session.insert("avatar".to_owned(), avatar.to_value());
    }
    Ok(())
}

fn response_create(
    dialect: &VoiceLiveDialect,
    event_id: Option<&str>,
    response: &ResponseConfig,
) -> Result<Map<String, Value>, EncodeError> {
    let name = dialect.name();
    let mut response = response.clone();
    let extra_modalities = take_extra_modalities(
        dialect,
        "response.output_modalities",
        &mut response.output_modalities,
    )?;
    check_voice(dialect, "response.voice", &mut response.voice, None)?;
    check_tools(dialect, "response.tools", &mut response.tools)?;
    if response.extra.contains_key(crate::response::INVOKE_INPUT)
        && !dialect.version().is_2026_sdk_generation()
    {
        policy(
            dialect,
            "response.invoke_input",
            "hosted-agent invocation input needs api-version 2026-06-01-preview or later",
        )?;
        response.extra.remove(crate::response::INVOKE_INPUT);
    }
    let output = check_output(
        dialect,
        "response.output_audio_format",
        response.output_audio_format.take(),
    )?;
    let event = ClientEvent::ResponseCreate {
        event_id: event_id.map(str::to_owned),
        response: Some(Box::new(response)),
    };
    let prepared = prepare(dialect, &event)?;
    let mut object = dialect
        .shape()
        .client_to_object(&prepared)
        .map_err(|error| error.with_dialect(name))?;
    let wire = nested(&mut object, &["response"]);
    match dialect.shape() {
        WireShape::Beta => {
            if let Some(format) = output {
                wire.insert(
                    "output_audio_format".to_owned(),
                    audio_wire::dated_output(format),
                );
            }
            put_extra_modalities(wire, extra_modalities);
        }
        WireShape::Ga => {
            if let Some(format) = output {
                nested(wire, &["audio", "output"])
                    .insert("format".to_owned(), audio_wire::v1_format(format));
            }
        }
    }
    Ok(object)
}

fn other_event(
    dialect: &VoiceLiveDialect,
    event_type: &str,
    raw: &Map<String, Value>,
) -> Result<Map<String, Value>, EncodeError> {
    if client_events(dialect.version()).contains(&event_type) {
        let mut object = raw.clone();
        object.insert("type".to_owned(), Value::String(event_type.to_owned()));
        Ok(object)
    } else {
        Err(EncodeError::Unsupported {
            dialect: dialect.name().into(),
            field: event_type.to_owned().into(),
            reason: "this api-version has no such client event".into(),
        })
    }
}

fn internal(dialect: &'static str, event_type: &'static str) -> EncodeError {
    EncodeError::Invalid {
        dialect: dialect.into(),
        field: event_type.into(),
        expected: "the same event kind back from preparation".into(),
        found: "another kind".into(),
    }
}
