//! The gpt-realtime-2 / 2.1 additions on the GA wire
//! (`fixtures/openai-ga/ga-2026-additions.condensed.json`): reasoning effort,
//! parallel tool calls, item references, transcription and noise-reduction fields,
//! DTMF, the idle timeout and the `phase` of assistant messages.

use realtime_core::dialect::Dialect;
use realtime_core::error::EncodeError;
use realtime_core::protocol::{
    ClientEvent, Item, McpTool, MessagePhase, NoiseReduction, NoiseReductionKind, Nullable,
    Reasoning, ReasoningEffort, ResponseConfig, ServerEvent, ServerVad, SessionConfig, Tool,
    Transcription, TranscriptionDelay, TurnDetection,
};
use realtime_openai::OpenAiDialect;
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn frame(event: &ClientEvent) -> Result<Value, Box<dyn std::error::Error>> {
    Ok(serde_json::from_str(&OpenAiDialect::new().encode(event)?)?)
}

#[test]
fn reasoning_and_parallel_tool_calls_on_session_and_response() -> TestResult {
    let update = ClientEvent::session_update(
        SessionConfig::new()
            .parallel_tool_calls(true)
            .reasoning_effort(ReasoningEffort::XHigh),
    );
    let sent = frame(&update)?;
    assert_eq!(sent["session"]["parallel_tool_calls"], true);
    assert_eq!(sent["session"]["reasoning"], json!({"effort": "xhigh"}));

    let mut response = ResponseConfig::new();
    response.parallel_tool_calls = Some(false);
    response.reasoning = Some(Reasoning::effort(ReasoningEffort::Minimal));
    response.input = Some(vec![Item::reference("item_7")]);
    let sent = frame(&ClientEvent::create_response_with(response))?;
    assert_eq!(
        sent["response"],
        json!({
            "input": [{"type": "item_reference", "id": "item_7"}],
            "parallel_tool_calls": false,
            "reasoning": {"effort": "minimal"}
        })
    );
    Ok(())
}

#[test]
fn efforts_outside_the_table_are_refused() {
    // `none` is Voice Live's; OpenAI's effort enum has no such value.
    let update =
        ClientEvent::session_update(SessionConfig::new().reasoning_effort(ReasoningEffort::None));
    assert!(matches!(
        OpenAiDialect::new().encode(&update),
        Err(EncodeError::Unsupported { field, .. }) if field == "session.reasoning.effort"
    ));
}

#[test]
fn transcription_noise_reduction_and_idle_timeout_fields() -> TestResult {
    let mut transcription = Transcription::model("gpt-transcribe");
    transcription.languages = Some(vec!["en".to_owned(), "de".to_owned()]);
    transcription.keywords = Some(vec!["Contoso".to_owned()]);
    transcription.delay = Some(TranscriptionDelay::Low);
    let mut noise = NoiseReduction::new(NoiseReductionKind::FarField);
    noise.strength = Some(0.5);
    let mut config = SessionConfig::new()
        .transcription(transcription)
        .turn_detection(TurnDetection::ServerVad(ServerVad {
            idle_timeout_ms: Nullable::Value(6000),
            ..ServerVad::default()
        }));
    config.input_audio_noise_reduction = Nullable::Value(noise);
    let update = ClientEvent::session_update(config);
    let sent = frame(&update)?;
    let input = &sent["session"]["audio"]["input"];
    assert_eq!(
        input["transcription"],
        json!({"model": "gpt-transcribe", "languages": ["en", "de"], "keywords": ["Contoso"], "delay": "low"})
    );
    assert_eq!(
        input["noise_reduction"],
        json!({"type": "far_field", "strength": 0.5})
    );
    assert_eq!(input["turn_detection"]["idle_timeout_ms"], 6000);
    Ok(())
}

#[test]
fn phase_dtmf_and_timeout_events_decode() -> TestResult {
    let dialect = OpenAiDialect::new();
    let added = json!({"type": "response.output_item.added", "event_id": "e1", "response_id": "r1",
        "output_index": 0, "item": {"id": "item_1", "type": "message", "role": "assistant",
        "status": "in_progress", "phase": "commentary", "content": []}});
    let events = dialect.decode(&added.to_string())?;
    let ServerEvent::ResponseOutputItemAdded(event) = &events[0] else {
        return Err(format!("expected output_item.added, got {:?}", events[0]).into());
    };
    let Some(Item::Message(message)) = &event.item else {
        return Err("expected a message item".into());
    };
    assert_eq!(message.phase(), Some(MessagePhase::Commentary));

    let updated = json!({"type": "session.updated", "event_id": "e0", "session": {
        "type": "realtime", "id": "sess_1", "reasoning": {"effort": "high"}}});
    let events = dialect.decode(&updated.to_string())?;
    let ServerEvent::SessionUpdated(updated) = &events[0] else {
        return Err(format!("expected session.updated, got {:?}", events[0]).into());
    };
    assert_eq!(
        updated.session.reasoning_effort(),
        Some(ReasoningEffort::High)
    );

    let dtmf = json!({"type": "input_audio_buffer.dtmf_event_received", "event": "5", "received_at": 1_700_000_000});
    let events = dialect.decode(&dtmf.to_string())?;
    assert!(matches!(events[0], ServerEvent::DtmfEventReceived(_)));
    let timeout = json!({"type": "input_audio_buffer.timeout_triggered", "event_id": "e2",
        "item_id": "item_2", "audio_start_ms": 0, "audio_end_ms": 6000});
    let events = dialect.decode(&timeout.to_string())?;
    assert!(matches!(
        events[0],
        ServerEvent::InputAudioBufferTimeoutTriggered(_)
    ));
    Ok(())
}

#[test]
fn mcp_tools_are_typed_with_the_new_fields_and_nulls_are_kept() -> TestResult {
    let wire = json!({"type": "mcp", "server_label": "crm", "server_url": "https://crm.example/mcp",
        "allowed_callers": ["direct"], "defer_loading": true, "tunnel_id": "tun_1",
        "server_description": "Customer records", "require_approval": "never"});
    let tool: Tool = serde_json::from_value(wire.clone())?;
    let Tool::Mcp(mcp) = &tool else {
        return Err(format!("expected a typed MCP tool, got {tool:?}").into());
    };
    assert_eq!(
        mcp.allowed_callers.as_deref(),
        Some(&["direct".to_owned()][..])
    );
    assert_eq!(mcp.defer_loading, Some(true));
    assert_eq!(serde_json::to_value(&tool)?, wire);
    let sent =
        frame(&ClientEvent::session_update(SessionConfig::new().tools([
            McpTool::new("crm", "https://crm.example/mcp").into(),
        ])))?;
    assert_eq!(
        sent["session"]["tools"][0],
        json!({"type": "mcp", "server_label": "crm", "server_url": "https://crm.example/mcp"})
    );
    // An explicit null the sender chose is written back as it came.
    let with_null = json!({"type": "mcp", "server_label": "crm", "authorization": null});
    let tool: Tool = serde_json::from_value(with_null.clone())?;
    assert_eq!(serde_json::to_value(&tool)?, with_null);
    Ok(())
}
