//! Voice Live `2026-07-15` (GA, the default version) and the 2026 previews on the
//! wire: what `fixtures/voicelive/voicelive-2026-07-15.condensed.json` and
//! `voicelive-previews-2026.condensed.json` add, drop and leave open.

use realtime_core::dialect::{
    Dialect, DialectDecision, DialectDetector, SessionField, SwitchReason, UnsupportedPolicy,
};
use realtime_core::error::EncodeError;
use realtime_core::protocol::{
    ClientEvent, ContentPart, Item, MessageItem, ReasoningEffort, ResponseConfig, Role,
    SemanticVad, SessionConfig, Tool, TurnDetection,
};
use realtime_voicelive::{
    ApiVersion, AzureSemanticVad, AzureVoice, EchoCancellation, ReferenceSource, SipCallState,
    SipCallTerminalReason, VoiceLiveClientEvent, VoiceLiveDialect, VoiceLiveEvent,
    VoiceLiveResponse,
};
use serde_json::{Map, Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn frame(
    dialect: &VoiceLiveDialect,
    event: &ClientEvent,
) -> Result<Value, Box<dyn std::error::Error>> {
    Ok(serde_json::from_str(&dialect.encode(event)?)?)
}

fn ga() -> VoiceLiveDialect {
    VoiceLiveDialect::new(ApiVersion::V2026_07_15)
}

fn unsupported_field(result: Result<String, EncodeError>) -> Option<String> {
    match result {
        Err(EncodeError::Unsupported { field, .. }) => Some(field.into_owned()),
        _ => None,
    }
}

#[test]
fn the_default_version_is_2026_07_15() {
    assert_eq!(ApiVersion::default(), ApiVersion::V2026_07_15);
    assert_eq!(VoiceLiveDialect::default().name(), "voicelive-2026-07-15");
    assert_eq!(
        "2026-07-15".parse::<ApiVersion>().ok(),
        Some(ApiVersion::V2026_07_15)
    );
    let refused = "2026-01-01-preview"
        .parse::<ApiVersion>()
        .err()
        .map(|e| e.to_string());
    assert!(
        refused.is_some_and(
            |message| message.contains("2026-07-15") && message.contains("2026-07-31-preview")
        ),
        "the error lists the versions"
    );
}

#[test]
fn response_flags_are_always_explicit_on_the_2026_generation() -> TestResult {
    let update = ClientEvent::session_update(
        SessionConfig::new().turn_detection(AzureSemanticVad::new().into()),
    );
    let sent = frame(&ga(), &update)?;
    assert_eq!(sent["session"]["turn_detection"]["create_response"], true);
    assert_eq!(
        sent["session"]["turn_detection"]["interrupt_response"],
        true
    );
    let chosen = ClientEvent::session_update(
        SessionConfig::new().turn_detection(AzureSemanticVad::new().create_response(false).into()),
    );
    let sent = frame(&ga(), &chosen)?;
    assert_eq!(sent["session"]["turn_detection"]["create_response"], false);
    // 2026-04-10 documents `true` as the default and is sent as set.
    let older = frame(&VoiceLiveDialect::new(ApiVersion::V2026_04_10), &update)?;
    assert_eq!(
        older["session"]["turn_detection"].get("create_response"),
        None
    );
    Ok(())
}

#[test]
fn semantic_vad_and_foundry_agent_tools_are_gone() -> TestResult {
    let semantic = ClientEvent::session_update(
        SessionConfig::new().turn_detection(TurnDetection::SemanticVad(SemanticVad::default())),
    );
    assert_eq!(
        unsupported_field(ga().encode(&semantic)).as_deref(),
        Some("session.turn_detection")
    );
    assert!(
        VoiceLiveDialect::new(ApiVersion::V2026_04_10)
            .encode(&semantic)
            .is_ok()
    );

    let mut foundry = Map::new();
    foundry.insert("type".to_owned(), json!("foundry_agent"));
    foundry.insert("agent_name".to_owned(), json!("support"));
    let tools = ClientEvent::session_update(SessionConfig::new().tools([
        Tool::function("lookup", "Looks up.", json!({"type": "object"})),
        Tool::Other(foundry),
    ]));
    assert_eq!(
        unsupported_field(ga().encode(&tools)).as_deref(),
        Some("session.tools")
    );
    let warned = ga().with_policy(UnsupportedPolicy::Warn);
    let sent = frame(&warned, &tools)?;
    assert_eq!(sent["session"]["tools"].as_array().map(Vec::len), Some(1));
    Ok(())
}

#[test]
fn realtime_native_voices_need_the_azure_realtime_model() -> TestResult {
    let update = ClientEvent::session_update(
        SessionConfig::new().voice(AzureVoice::realtime_native("diya")),
    );
    let sent = frame(&ga().with_model("azure-realtime"), &update)?;
    assert_eq!(
        sent["session"]["voice"],
        json!({"type": "azure-realtime-native", "name": "diya"})
    );
    assert_eq!(
        unsupported_field(ga().with_model("gpt-realtime").encode(&update)).as_deref(),
        Some("session.voice")
    );
    let named_in_session = ClientEvent::session_update(
        SessionConfig::new()
            .model("gpt-realtime")
            .voice(AzureVoice::realtime_native("ava")),
    );
    assert!(ga().encode(&named_in_session).is_err());
    // Unknown model: nothing to check against.
    assert!(ga().encode(&update).is_ok());
    Ok(())
}

#[test]
fn parallel_tool_calls_and_reasoning_effort_are_flat_session_fields() -> TestResult {
    let update = ClientEvent::session_update(
        SessionConfig::new()
            .parallel_tool_calls(false)
            .reasoning_effort(ReasoningEffort::None),
    );
    let sent = frame(&ga(), &update)?;
    assert_eq!(sent["session"]["parallel_tool_calls"], false);
    assert_eq!(sent["session"]["reasoning_effort"], "none");
    // Decoding gives the same settings back.
    let decoded = ga().decode_client(&ga().encode(&update)?)?;
    assert_eq!(decoded, update);
    // 2026-04-10 has reasoning_effort but no parallel_tool_calls.
    let older = VoiceLiveDialect::new(ApiVersion::V2026_04_10);
    assert_eq!(
        unsupported_field(older.encode(&update)).as_deref(),
        Some("session.parallel_tool_calls")
    );
    // parallel_tool_calls is a session setting only on Voice Live.
    let mut response = ResponseConfig::new();
    response.parallel_tool_calls = Some(true);
    assert_eq!(
        unsupported_field(ga().encode(&ClientEvent::create_response_with(response))).as_deref(),
        Some("response.parallel_tool_calls")
    );
    Ok(())
}

#[test]
fn invoke_input_is_sent_from_2026_06_01_preview_on() -> TestResult {
    let mut input = Map::new();
    input.insert("order".to_owned(), json!("A-17"));
    let event = ClientEvent::create_response_with(ResponseConfig::new().invoke_input(input));
    let sent = frame(&ga(), &event)?;
    assert_eq!(sent["response"]["invoke_input"], json!({"order": "A-17"}));
    assert_eq!(
        unsupported_field(VoiceLiveDialect::new(ApiVersion::V2026_04_10).encode(&event)).as_deref(),
        Some("response.invoke_input")
    );
    Ok(())
}

#[test]
fn input_text_streaming_events_per_version() -> TestResult {
    let delta: ClientEvent = VoiceLiveClientEvent::input_text_delta("item_1", "Hel").into();
    let done: ClientEvent = VoiceLiveClientEvent::input_text_done("item_1").into();
    assert_eq!(
        frame(&ga(), &delta)?,
        json!({"type": "input_text.delta", "id": "item_1", "delta": "Hel"})
    );
    assert_eq!(
        frame(&ga(), &done)?,
        json!({"type": "input_text.done", "id": "item_1"})
    );
    assert_eq!(
        VoiceLiveClientEvent::from_client_event(&delta),
        Some(VoiceLiveClientEvent::input_text_delta("item_1", "Hel"))
    );
    let preview = VoiceLiveDialect::new(ApiVersion::V2026_06_01Preview);
    assert_eq!(
        unsupported_field(preview.encode(&delta)).as_deref(),
        Some("input_text.delta")
    );
    assert!(
        VoiceLiveDialect::new(ApiVersion::V2026_07_31Preview)
            .encode(&delta)
            .is_ok()
    );
    assert!(
        VoiceLiveDialect::new(ApiVersion::V2026_04_10)
            .encode(&done)
            .is_err()
    );
    let sdp: ClientEvent = VoiceLiveClientEvent::RtcCallSdpCreate {
        sdp_offer: "v=0".to_owned(),
        session: None,
    }
    .into();
    assert!(preview.encode(&sdp).is_ok());
    assert!(ga().encode(&sdp).is_err(), "removed for GA");
    Ok(())
}

#[test]
fn image_parts_use_image_url_on_the_2026_generation() -> TestResult {
    let mut message = MessageItem::default();
    message.role = Some(Role::User);
    message.content = vec![ContentPart::input_image("data:image/png;base64,AAAA")];
    let event = ClientEvent::create_item(Item::Message(message));
    let sent = frame(&ga(), &event)?;
    assert_eq!(
        sent["item"]["content"][0],
        json!({"type": "input_image", "image_url": "data:image/png;base64,AAAA"})
    );
    assert!(
        VoiceLiveDialect::new(ApiVersion::V2026_04_10)
            .encode(&event)
            .is_err()
    );
    Ok(())
}

#[test]
fn echo_reference_fields_only_where_documented() -> TestResult {
    let update = ClientEvent::session_update(
        SessionConfig::new().extension(EchoCancellation::server_with(ReferenceSource::Client, 2)),
    );
    assert_eq!(
        unsupported_field(ga().encode(&update)).as_deref(),
        Some("session.input_audio_echo_cancellation")
    );
    let sent = frame(
        &VoiceLiveDialect::new(ApiVersion::V2026_07_31Preview),
        &update,
    )?;
    assert_eq!(
        sent["session"]["input_audio_echo_cancellation"],
        json!({"type": "server_echo_cancellation", "reference_source": "client", "channels": 2})
    );
    Ok(())
}

#[test]
fn new_server_events_are_typed_and_open_enums_stay_lenient() -> TestResult {
    let dialect = VoiceLiveDialect::new(ApiVersion::V2026_07_31Preview);
    let frames = [
        json!({"type": "response.invocation.delta", "event_id": "e1", "delta": {"type": "agent.step", "n": 1}}),
        json!({"type": "realtime.call.incoming", "call_id": "c1", "chain_id": "ch1", "state": "WaitingForCustomer"}),
        json!({"type": "realtime.call.disconnected", "call_id": "c1", "chain_id": "ch1", "state": "Disconnected", "terminal_reason": "CustomerHangup"}),
        json!({"type": "realtime.call.failed", "call_id": "c1", "chain_id": "ch1", "state": "SomethingNew", "error_code": "486"}),
        json!({"type": "realtime.call.transfer.failed", "call_id": "c1", "transfer_id": "t1", "state": "failed", "sip_code": 486, "reason": "Busy Here"}),
        json!({"type": "rtc.call.sdp.created", "rtc_call_id": "r1", "sdp_answer": "v=0"}),
    ];
    for raw in frames {
        let events = dialect.decode(&raw.to_string())?;
        let typed = VoiceLiveEvent::from_unknown(&events[0]).ok_or("not a Voice Live event")??;
        assert_eq!(Value::Object(typed.to_raw()), raw, "round trip");
        match typed {
            VoiceLiveEvent::SipCallDisconnected(call) => {
                assert_eq!(call.state, SipCallState::Disconnected);
                assert_eq!(
                    call.terminal_reason,
                    Some(SipCallTerminalReason::CustomerHangup)
                );
            }
            VoiceLiveEvent::SipCallFailed(call) => {
                assert_eq!(call.state, SipCallState::Other("SomethingNew".to_owned()));
            }
            _ => {}
        }
    }
    // A session echo with the server-set expiry and an unknown turn-detection type.
    let created = json!({"type": "session.created", "event_id": "e2", "session": {
        "id": "sess_1", "expires_at": 1_900_000_000_i64, "parallel_tool_calls": true,
        "turn_detection": {"type": "azure_semantic_vad_v2", "threshold": 0.5}}});
    let events = ga().decode(&created.to_string())?;
    let realtime_core::protocol::ServerEvent::SessionCreated(created) = &events[0] else {
        return Err(format!("expected session.created, got {:?}", events[0]).into());
    };
    assert_eq!(created.session.expires_at(), Some(1_900_000_000));
    assert_eq!(created.session.parallel_tool_calls(), Some(true));
    Ok(())
}

#[test]
fn a_v1_endpoint_answering_flat_switches_to_the_flat_shape() -> TestResult {
    let v1 = VoiceLiveDialect::new(ApiVersion::V1);
    let flat_created = json!({"type": "session.created", "event_id": "e1", "session": {
        "id": "sess_1", "model": "gpt-realtime", "modalities": ["text", "audio"],
        "input_audio_format": "pcm16", "voice": {"type": "openai", "name": "alloy"}}});
    // What the client does (core's one detector, fed until it settles).
    let decide = |dialect: &dyn Dialect, event: &realtime_core::protocol::ServerEvent| {
        let mut detector = DialectDetector::for_dialect(dialect, dialect.wire_fallback().is_some());
        detector.handle_event(event)
    };
    let events = v1.decode(&flat_created.to_string())?;
    let Some(DialectDecision::SwitchToBeta { reason }) = decide(&v1, &events[0]) else {
        return Err("no switch on a flat session".into());
    };
    assert_eq!(
        reason,
        SwitchReason::BetaSession {
            event_type: "session.created"
        }
    );
    let to = v1.wire_fallback().ok_or("v1 has a flat fallback")?;
    assert_eq!(to.name(), "voicelive-v1");
    let update = ClientEvent::session_update(
        SessionConfig::new().output_modalities([realtime_core::protocol::Modality::Text]),
    );
    let sent: Value = serde_json::from_str(&to.encode(&update)?)?;
    assert_eq!(sent["session"], json!({"modalities": ["text"]}));
    assert!(
        to.wire_fallback().is_none(),
        "the flat fallback never switches again"
    );
    assert_eq!(decide(to.as_ref(), &events[0]), None);

    let ga_created = json!({"type": "session.created", "event_id": "e2", "session": {
        "type": "realtime", "id": "sess_2", "output_modalities": ["audio"]}});
    let events = v1.decode(&ga_created.to_string())?;
    assert_eq!(
        decide(&v1, &events[0]),
        Some(DialectDecision::KeepGa),
        "a GA answer keeps v1 GA-shaped"
    );
    assert!(
        ga().wire_fallback().is_none(),
        "dated versions never switch"
    );
    Ok(())
}

/// A session update with a server VAD idle timeout of 5 s.
fn idle_timeout_update() -> ClientEvent {
    let mut vad = realtime_core::protocol::ServerVad::default();
    vad.idle_timeout_ms = realtime_core::protocol::Nullable::Value(5_000);
    ClientEvent::session_update(SessionConfig::new().turn_detection(TurnDetection::ServerVad(vad)))
}

#[test]
fn idle_timeout_is_refused_by_the_2026_07_15_table_and_kept_where_recorded() -> TestResult {
    // VL-0715's server_vad has no idle_timeout_ms: refused by name, nothing sent.
    for version in [ApiVersion::V2026_07_15, ApiVersion::V2026_07_31Preview] {
        let dialect = VoiceLiveDialect::new(version);
        assert!(!dialect.capabilities().accepts(SessionField::IdleTimeout));
        match dialect.encode(&idle_timeout_update()) {
            Err(EncodeError::Unsupported { dialect, field, .. }) => {
                assert_eq!(dialect, version.dialect_name());
                assert_eq!(field, "session.turn_detection.idle_timeout_ms");
            }
            other => return Err(format!("{version:?}: expected Unsupported, got {other:?}").into()),
        }
        // Under Warn the timeout goes and the server VAD stays.
        let warned = VoiceLiveDialect::new(version).with_policy(UnsupportedPolicy::Warn);
        let sent: Value = serde_json::from_str(&warned.encode(&idle_timeout_update())?)?;
        let detection = &sent["session"]["turn_detection"];
        assert_eq!(detection["type"], json!("server_vad"), "{sent}");
        assert!(detection.get("idle_timeout_ms").is_none(), "{sent}");
    }
    // The recorded 2026-04-10 service echoes it (REC-VL): written as set.
    let sent = frame(
        &VoiceLiveDialect::new(ApiVersion::V2026_04_10),
        &idle_timeout_update(),
    )?;
    assert_eq!(
        sent["session"]["turn_detection"]["idle_timeout_ms"],
        json!(5000)
    );
    Ok(())
}
