//! The canonical scenarios: client events every dialect must write as frames its
//! provider accepts (feature `core`). Each dialect gets the scenarios its capability
//! table says it supports; what it does not support must be refused before sending,
//! which the provider crates' own tests prove.

use realtime_core::dialect::{Capabilities, SessionField};
use realtime_core::protocol::{
    AudioFormat, ClientEvent, ContentPart, ConversationMode, Eagerness, Item, MaxTokens,
    MessageItem, Modality, NoiseReduction, NoiseReductionKind, Nullable, ReasoningEffort,
    ResponseConfig, Role, SemanticVad, ServerVad, SessionConfig, Tool, ToolChoice, Tracing,
    Transcription, TurnDetection, Voice,
};
use realtime_voicelive::{
    ApiVersion, AzureSemanticVad, EndOfUtterance, EouModel, ThresholdLevel, VoiceLiveClientEvent,
};
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
    if accepts(SessionField::ParallelToolCalls) {
        config = config.parallel_tool_calls(true);
    }
    if accepts(SessionField::Reasoning) {
        config = config.reasoning_effort(ReasoningEffort::Low);
    }
    config
}

/// A user message with text and an image (a 1x1 PNG as a data URL).
fn user_image() -> Item {
    let mut message = MessageItem::default();
    message.role = Some(Role::User);
    message.content = vec![
        ContentPart::input_text("What is in this picture?"),
        ContentPart::input_image(
            "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
        ),
    ];
    Item::Message(message)
}

/// Scenarios of Voice Live's own client events and settings for `version`.
pub fn for_voicelive(version: ApiVersion) -> Vec<(String, ClientEvent)> {
    let mut scenarios = Vec::new();
    if version.is_dated() {
        let eou = AzureSemanticVad::multilingual().end_of_utterance(
            EndOfUtterance::new(EouModel::SemanticDetectionV1Multilingual)
                .threshold_level(ThresholdLevel::Medium)
                .timeout_ms(1000),
        );
        scenarios.push((
            "session.update/end-of-utterance/semantic_detection_v1_multilingual".to_owned(),
            ClientEvent::session_update(SessionConfig::new().turn_detection(eou.into())),
        ));
    }
    if matches!(
        version,
        ApiVersion::V2026_07_15 | ApiVersion::V2026_07_31Preview
    ) {
        scenarios.push((
            "input_text.delta".to_owned(),
            VoiceLiveClientEvent::input_text_delta("item_1", "Where is ").into(),
        ));
        scenarios.push((
            "input_text.done".to_owned(),
            VoiceLiveClientEvent::input_text_done("item_1").into(),
        ));
    }
    scenarios
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
    ]);
    if capabilities.image_input {
        scenarios.push((
            "conversation.item.create/user-image".to_owned(),
            ClientEvent::create_item(user_image()),
        ));
    }
    if capabilities.response_parallel_tool_calls && capabilities.accepts(SessionField::Reasoning) {
        let mut reasoning = ResponseConfig::new().instructions("Check the order first.");
        reasoning.parallel_tool_calls = Some(false);
        reasoning.reasoning = Some(realtime_core::protocol::Reasoning::effort(
            ReasoningEffort::Medium,
        ));
        // `item_reference` entries (openai==3.57.0) are not in the GA OpenAPI file
        // these frames are validated against; the openai crate's tests cover them.
        reasoning.input = Some(vec![Item::user_text("And now?")]);
        scenarios.push((
            "response.create/reasoning".to_owned(),
            ClientEvent::create_response_with(reasoning),
        ));
    }
    scenarios.extend([
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
