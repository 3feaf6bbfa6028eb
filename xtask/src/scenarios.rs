//! The canonical scenarios: client events every dialect must write as frames its
//! provider accepts (feature `core`). Each dialect gets the scenarios its capability
//! table says it supports; what it does not support must be refused before sending,
//! which the provider crates' own tests prove.

use realtime_core::dialect::{Capabilities, SessionField};
use realtime_core::protocol::{
    AudioFormat, ClientEvent, ConversationMode, Eagerness, Item, MaxTokens, Modality,
    NoiseReduction, NoiseReductionKind, Nullable, ResponseConfig, SemanticVad, ServerVad,
    SessionConfig, Tool, ToolChoice, Tracing, Transcription, TurnDetection, Voice,
};
use realtime_voicelive::AzureSemanticVad;
use serde_json::json;

/// A turn-detection setting of `kind` with every field set, if this tool knows how to build it.
fn turn_detection(kind: &str) -> Option<TurnDetection> {
    Some(match kind {
        "server_vad" => TurnDetection::ServerVad(ServerVad {
            threshold: Some(0.6),
            prefix_padding_ms: Some(300),
            silence_duration_ms: Some(500),
            create_response: Some(true),
            interrupt_response: Some(true),
            ..ServerVad::default()
        }),
        "semantic_vad" => TurnDetection::SemanticVad(SemanticVad {
            eagerness: Some(Eagerness::High),
            create_response: Some(true),
            ..SemanticVad::default()
        }),
        "azure_semantic_vad" => AzureSemanticVad::new().into(),
        "azure_semantic_vad_en" => AzureSemanticVad::english().into(),
        "azure_semantic_vad_multilingual" => AzureSemanticVad::multilingual().into(),
        _ => return None,
    })
}

fn format_name(format: AudioFormat) -> String {
    match format {
        AudioFormat::Pcm16 { rate } => format!("pcm16-{rate}"),
        AudioFormat::G711Ulaw => "g711-ulaw".to_owned(),
        AudioFormat::G711Alaw => "g711-alaw".to_owned(),
        other => format!("{other:?}"),
    }
}

fn lookup_tool() -> Tool {
    Tool::function(
        "lookup_order",
        "Finds an order by number.",
        json!({"type": "object", "properties": {"order": {"type": "string", "description": "Order number."}}, "required": ["order"]}),
    )
}

/// A session config with every field `capabilities` accepts.
fn full_session(capabilities: &Capabilities) -> SessionConfig {
    let mut config = SessionConfig::new()
        .instructions("You are a helpful desk agent.")
        .tools([lookup_tool()])
        .tool_choice(ToolChoice::Auto);
    config.output_modalities = Some(vec![Modality::Audio]);
    let accepts = |field| capabilities.accepts(field);
    if accepts(SessionField::Voice) {
        let voice = capabilities
            .voices
            .as_ref()
            .and_then(|voices| voices.first().copied())
            .unwrap_or("alloy");
        config.voice = Some(Voice::Named(voice.to_owned()));
    }
    if accepts(SessionField::InputAudioFormat) {
        config.input_audio_format = Some(AudioFormat::PCM16_24K);
    }
    if accepts(SessionField::OutputAudioFormat) {
        config.output_audio_format = Some(AudioFormat::PCM16_24K);
    }
    if accepts(SessionField::Transcription) {
        config = config.transcription(Transcription::model("whisper-1").language("en"));
    }
    if accepts(SessionField::NoiseReduction) {
        config.input_audio_noise_reduction =
            Nullable::Value(NoiseReduction::new(NoiseReductionKind::NearField));
    }
    if accepts(SessionField::TurnDetection)
        && let Some(detection) = capabilities
            .turn_detection
            .first()
            .and_then(|kind| turn_detection(kind))
    {
        config = config.turn_detection(detection);
    }
    if accepts(SessionField::Temperature) {
        config = config.temperature(0.8);
    }
    if accepts(SessionField::MaxOutputTokens) {
        config = config.max_output_tokens(MaxTokens::Limit(4096));
    }
    if accepts(SessionField::Tracing) {
        config.tracing = Some(Tracing::Mode("auto".to_owned())).into();
    }
    if accepts(SessionField::Speed) {
        config.speed = Some(1.1);
    }
    config
}

/// Every scenario for a dialect with `capabilities`.
pub fn for_capabilities(capabilities: &Capabilities) -> Vec<(String, ClientEvent)> {
    let mut scenarios = vec![(
        "session.update/full".to_owned(),
        ClientEvent::session_update(full_session(capabilities)),
    )];
    if capabilities.accepts(SessionField::TurnDetection) {
        for kind in capabilities.turn_detection.iter() {
            if let Some(detection) = turn_detection(kind) {
                scenarios.push((
                    format!("session.update/turn-detection/{kind}"),
                    ClientEvent::session_update(SessionConfig::new().turn_detection(detection)),
                ));
            }
        }
        scenarios.push((
            "session.update/turn-detection/none".to_owned(),
            ClientEvent::session_update(SessionConfig::new().without_turn_detection()),
        ));
    }
    for format in capabilities.audio_formats.iter().copied() {
        let config = SessionConfig::new().input_audio_format(format);
        scenarios.push((
            format!("session.update/input-format/{}", format_name(format)),
            ClientEvent::session_update(config),
        ));
    }
    for format in capabilities.output_formats().iter().copied() {
        let config = SessionConfig::new().output_audio_format(format);
        scenarios.push((
            format!("session.update/output-format/{}", format_name(format)),
            ClientEvent::session_update(config),
        ));
    }
    scenarios.push((
        "session.update/text-only".to_owned(),
        ClientEvent::session_update(SessionConfig::new().output_modalities([Modality::Text])),
    ));
    let mut overrides = ResponseConfig::new()
        .instructions("Answer in one sentence.")
        .output_modalities([Modality::Text])
        .conversation(ConversationMode::None)
        .metadata(serde_json::Map::from_iter([(
            "topic".to_owned(),
            json!("returns"),
        )]));
    overrides.tool_choice = Some(ToolChoice::None);
    overrides.max_output_tokens = Some(MaxTokens::Limit(256));
    scenarios.extend([
        (
            "response.create/default".to_owned(),
            ClientEvent::create_response(),
        ),
        (
            "response.create/overrides".to_owned(),
            ClientEvent::create_response_with(overrides),
        ),
        (
            "response.cancel/current".to_owned(),
            ClientEvent::cancel_response(),
        ),
        (
            "input_audio_buffer.append/pcm".to_owned(),
            ClientEvent::append_audio(&[0_u8; 32]),
        ),
        (
            "input_audio_buffer.commit".to_owned(),
            ClientEvent::InputAudioBufferCommit { event_id: None },
        ),
        (
            "input_audio_buffer.clear".to_owned(),
            ClientEvent::InputAudioBufferClear { event_id: None },
        ),
        (
            "conversation.item.create/user-text".to_owned(),
            ClientEvent::create_item(Item::user_text("Where is my order?")),
        ),
        (
            "conversation.item.create/assistant-text".to_owned(),
            ClientEvent::create_item(Item::assistant_text("It shipped yesterday.")),
        ),
        (
            "conversation.item.create/function-call-output".to_owned(),
            ClientEvent::create_item(Item::function_call_output(
                "call_1",
                r#"{"status":"shipped"}"#,
            )),
        ),
        (
            "conversation.item.truncate/1500ms".to_owned(),
            ClientEvent::truncate("item_1", 1500),
        ),
        (
            "conversation.item.delete".to_owned(),
            ClientEvent::delete_item("item_1"),
        ),
    ]);
    scenarios
}
