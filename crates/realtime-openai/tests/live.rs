//! The `openai-live` dialect on the recorded GPT-Live sessions in
//! `fixtures/openai-live/examples.jsonl` (real frames, pydantic-ai cassettes): every
//! server frame decodes and re-encodes to the same JSON, the provider-neutral ones
//! into canonical events; the client frames of both sessions are what the encoder
//! writes from canonical events; what GPT-Live lacks is refused.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use realtime_core::dialect::Dialect;
use realtime_core::error::EncodeError;
use realtime_core::protocol::{
    AudioFormat, ClientEvent, Item, ResponseStatus, ServerEvent, SessionConfig, Tool,
};
use realtime_core::transport::Connector;
use realtime_core::wire::WireShape;
use realtime_openai::live::{
    CloseReason, Delegation, LiveClientEvent, LiveConfig, LiveDialect, LiveEvent, LiveSession,
};
use serde_json::{Value, json};

struct Row {
    line: usize,
    direction: String,
    source: String,
    payload: Value,
}

fn rows() -> Vec<Row> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/openai-live/examples.jsonl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .enumerate()
        .map(|(n, line)| {
            let row: Value = serde_json::from_str(line).unwrap();
            assert_eq!(row["dialect"], "openai-live");
            Row {
                line: n + 1,
                direction: row["direction"].as_str().unwrap().to_owned(),
                source: row["source"].as_str().unwrap().to_owned(),
                payload: row["payload"].clone(),
            }
        })
        .collect()
}

fn decode_one(payload: &Value) -> ServerEvent {
    let mut events = LiveDialect::openai().decode(&payload.to_string()).unwrap();
    assert_eq!(events.len(), 1);
    events.remove(0)
}

#[test]
fn every_recorded_server_frame_decodes_losslessly() {
    let dialect = LiveDialect::openai();
    let mut canonical = 0;
    let mut server = 0;
    for row in rows().iter().filter(|row| row.direction == "server") {
        server += 1;
        let event = decode_one(&row.payload);
        if !event.is_unknown() {
            canonical += 1;
        }
        let back = Value::Object(dialect.encode_server(&event).unwrap());
        assert_eq!(back, row.payload, "line {}", row.line);
    }
    assert_eq!(server, 97);
    // session.started x2, 51 audio deltas, 10 input transcripts, 1 function call,
    // and the delegated runs' lifecycle: 2 response.created, 1 response.completed.
    assert_eq!(canonical, 67);
}

#[test]
fn provider_neutral_frames_become_canonical_events() {
    let rows = rows();
    let first = |predicate: &dyn Fn(&Value) -> bool| {
        decode_one(
            &rows
                .iter()
                .find(|row| predicate(&row.payload))
                .unwrap()
                .payload,
        )
    };
    match first(&|p| p["type"] == "session.started") {
        ServerEvent::SessionCreated(created) => {
            assert_eq!(created.session.model(), Some("gpt-live-1"));
        }
        other => panic!("expected session.created, got {other:?}"),
    }
    match first(&|p| p["type"] == "session.output_audio.delta") {
        ServerEvent::ResponseAudioDelta(delta) => assert!(!delta.delta.as_str().is_empty()),
        other => panic!("expected an audio delta, got {other:?}"),
    }
    match first(&|p| p["type"] == "session.input_transcript.delta") {
        ServerEvent::InputTranscriptionDelta(delta) => {
            assert_eq!(delta.delta, "What");
            assert_eq!(delta.extra["start_ms"], 600);
        }
        other => panic!("expected a transcript delta, got {other:?}"),
    }
    match first(&|p| {
        p["event"]["type"] == "response.output_item.done"
            && p["event"]["item"]["type"] == "function_call"
    }) {
        ServerEvent::FunctionCallArgumentsDone(call) => {
            assert_eq!(call.call_id, "call_CCC0srOHT63TGmkUS5dX9Abe");
            assert_eq!(call.name.as_deref(), Some("lookup_forecast"));
            assert_eq!(call.arguments, r#"{"city":"Amsterdam"}"#);
            assert_eq!(call.extra["delegation_id"], "item_EOYFJJKHU0YImhq4qo1Qw");
        }
        other => panic!("expected a function call, got {other:?}"),
    }
}

#[test]
fn the_delegated_runs_start_and_end_are_canonical_lifecycle_events() {
    let lifecycle: Vec<ServerEvent> = rows()
        .iter()
        .filter(|row| row.direction == "server" && row.payload["type"] == "response.event")
        .map(|row| decode_one(&row.payload))
        .filter(|event| {
            !event.is_unknown() && !matches!(event, ServerEvent::FunctionCallArgumentsDone(_))
        })
        .collect();
    let [
        ServerEvent::ResponseCreated(first),
        ServerEvent::ResponseDone(done),
        ServerEvent::ResponseCreated(second),
    ] = &lifecycle[..]
    else {
        panic!("expected created, done, created; got {lifecycle:?}");
    };
    let first_id = "resp_08dbb8c53a98c603006aa9e95d5b1887d1b8fe12dabe44db44";
    assert_eq!(first.response.id.as_deref(), Some(first_id));
    assert_eq!(done.response.id.as_deref(), Some(first_id));
    assert_eq!(done.response.status, Some(ResponseStatus::Completed));
    let usage = done.response.usage.as_option().unwrap();
    assert_eq!(
        (usage.input_tokens, usage.output_tokens),
        (Some(805), Some(19))
    );
    assert_eq!(
        usage.input_token_details.as_ref().unwrap()["cached_tokens"],
        0
    );
    assert_eq!(
        second.response.id.as_deref(),
        Some("resp_08dbb8c53a98c603006aa9e95eaa4087d19d1873eac663fe11")
    );
    // `response.in_progress` stays an extension event.
    let in_progress = rows()
        .into_iter()
        .find(|row| row.payload["event"]["type"] == "response.in_progress")
        .unwrap();
    assert!(decode_one(&in_progress.payload).is_unknown());
}

#[test]
fn live_only_frames_are_typed_extension_events() {
    let rows = rows();
    let delegation = rows
        .iter()
        .find(|row| row.payload["type"] == "session.delegation.created")
        .unwrap();
    let event = decode_one(&delegation.payload);
    match LiveEvent::from_unknown(&event) {
        Some(Ok(LiveEvent::DelegationCreated(created))) => {
            assert_eq!(created.delegation.target, "responses");
            assert_eq!(created.offset_ms, 4000);
            assert_eq!(
                Value::Object(LiveEvent::DelegationCreated(created).to_raw()),
                delegation.payload
            );
        }
        other => panic!("expected a delegation, got {other:?}"),
    }
    let text = rows
        .iter()
        .find(|row| row.payload["event"]["type"] == "response.output_text.delta")
        .unwrap();
    match LiveEvent::from_unknown(&decode_one(&text.payload)) {
        Some(Ok(LiveEvent::ResponseEvent(event))) => {
            assert_eq!(event.inner_type(), Some("response.output_text.delta"));
        }
        other => panic!("expected a response event, got {other:?}"),
    }
    let closed = json!({"type": "session.closed", "event_id": "e", "reason": "expired",
        "session": {"id": "live_1"}, "usage": {"seconds": 1.5}});
    match LiveEvent::from_unknown(&decode_one(&closed)) {
        Some(Ok(LiveEvent::SessionClosed(event))) => {
            assert_eq!(event.reason, CloseReason::Expired);
            assert_eq!(
                Value::Object(LiveEvent::SessionClosed(event).to_raw()),
                closed
            );
        }
        other => panic!("expected session.closed, got {other:?}"),
    }
    let error = json!({"type": "error", "event_id": "e", "client_event_id": "c1",
        "error": {"type": "invalid_request_error", "code": "unknown_parameter", "message": "no"}});
    let event = decode_one(&error);
    assert!(matches!(&event, ServerEvent::Error(e) if e.error.message == "no"));
    assert_eq!(
        Value::Object(LiveDialect::openai().encode_server(&event).unwrap()),
        error
    );
}

/// The canonical events an agent would send for the recorded client frames.
fn canonical_client_event(row: &Row) -> ClientEvent {
    let payload = &row.payload;
    match payload["type"].as_str().unwrap() {
        "session.start" => {
            let session = &payload["session"];
            let responses = &session["delegation"]["responses"];
            let mut delegation = Delegation::responses(responses["model"].as_str().unwrap());
            if let Delegation::Responses { instructions, .. } = &mut delegation {
                *instructions = responses["instructions"].as_str().map(str::to_owned);
            }
            let mut live = LiveSession::new().delegation(delegation);
            if row.source.contains("history_seeding") {
                live = live
                    .history(&[
                        Item::user_text("My favorite color is orange."),
                        Item::assistant_text("Good to know!"),
                    ])
                    .unwrap();
            }
            let mut config = SessionConfig::new()
                .model(session["model"].as_str().unwrap())
                .instructions(session["instructions"].as_str().unwrap())
                .input_audio_format(AudioFormat::PCM16_24K)
                .extension(live);
            if let Some(tools) = responses.get("tools") {
                config = config.tools(
                    tools
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|tool| serde_json::from_value::<Tool>(tool.clone()).unwrap()),
                );
            }
            ClientEvent::session_update(config)
        }
        "session.input_audio.append" => {
            let ga = json!({"type": "input_audio_buffer.append", "audio": payload["audio"]});
            WireShape::Ga.decode_client(&ga.to_string()).unwrap()
        }
        "response.item.create" => ClientEvent::create_item(Item::function_call_output(
            payload["item"]["call_id"].as_str().unwrap(),
            payload["item"]["output"].as_str().unwrap(),
        )),
        "response.create" => ClientEvent::create_response(),
        other => panic!("no canonical event for {other}"),
    }
}

#[test]
fn recorded_client_frames_are_what_the_encoder_writes() {
    let dialect = LiveDialect::openai();
    let mut checked = 0;
    for row in rows().iter().filter(|row| row.direction == "client") {
        let frame = dialect.encode(&canonical_client_event(row)).unwrap();
        let written: Value = serde_json::from_str(&frame).unwrap();
        assert_eq!(written, row.payload, "line {}", row.line);
        checked += 1;
    }
    assert_eq!(checked, 338);
}

fn refused(event: &ClientEvent) -> EncodeError {
    LiveDialect::openai().encode(event).unwrap_err()
}

#[test]
fn what_gpt_live_lacks_is_refused_with_the_reason() {
    let after_start = refused(&ClientEvent::session_update(
        SessionConfig::new().instructions("Be nicer."),
    ));
    assert!(
        after_start
            .to_string()
            .contains("session.instructions.append"),
        "{after_start}"
    );
    let tools_without_runner = refused(&ClientEvent::session_update(
        SessionConfig::new()
            .model("gpt-live-1")
            .tools([Tool::function(
                "lookup",
                "Look up.",
                json!({"type": "object"}),
            )]),
    ));
    assert!(
        matches!(tools_without_runner, EncodeError::Invalid { ref field, .. } if field == "session.tools")
    );
    let temperature = refused(&ClientEvent::session_update(
        SessionConfig::new().model("gpt-live-1").temperature(0.7),
    ));
    assert!(
        matches!(temperature, EncodeError::Unsupported { ref field, .. } if field == "session.temperature")
    );
    for event in [
        ClientEvent::cancel_response(),
        ClientEvent::truncate("item_1", 100),
        ClientEvent::create_item(Item::user_text("hi")),
    ] {
        assert!(
            matches!(refused(&event), EncodeError::Unsupported { .. }),
            "{event:?}"
        );
    }
    let empty = refused(&ClientEvent::session_update(SessionConfig::new()));
    assert!(matches!(empty, EncodeError::Invalid { .. }));
}

#[test]
fn delegation_changes_after_start_are_a_session_update() {
    let dialect = LiveDialect::openai();
    let update = dialect
        .encode(&ClientEvent::session_update(
            SessionConfig::new().extension(LiveSession::new().delegation(Delegation::Client)),
        ))
        .unwrap();
    assert_eq!(
        update,
        r#"{"type":"session.update","session":{"delegation":{"type":"client"}}}"#
    );
    let append = dialect
        .encode(&LiveClientEvent::append_instructions(
            "You are now the billing agent.",
        ))
        .unwrap();
    let append: Value = serde_json::from_str(&append).unwrap();
    assert_eq!(
        append,
        json!({"type": "session.instructions.append", "content": "You are now the billing agent.", "delegation_id": null})
    );
    assert_eq!(
        dialect.encode(&LiveClientEvent::close()).unwrap(),
        r#"{"type":"session.close"}"#
    );
}

#[test]
fn connector_opens_sessions_and_sidebands_with_a_bearer_key() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let config = LiveConfig::new("sk-test-key");
    let request = runtime.block_on(config.request()).unwrap();
    assert_eq!(request.url, "wss://api.openai.com/v1/live/sessions");
    assert_eq!(request.headers[0].0, "Authorization");
    assert!(!format!("{request:?}").contains("sk-test-key"));
    let sideband = config.attach("live_1", None);
    assert_eq!(
        sideband.url(),
        "wss://api.openai.com/v1/live/sessions/live_1/attach"
    );
}

#[test]
fn recorded_client_frames_read_back_into_canonical_events_and_round_trip() {
    let dialect = LiveDialect::openai();
    for row in rows().iter().filter(|row| row.direction == "client") {
        let event = dialect
            .decode_client(row.payload.as_object().unwrap())
            .unwrap();
        assert!(
            !matches!(event, ClientEvent::Other { .. }),
            "line {}",
            row.line
        );
        assert_eq!(event, canonical_client_event(row), "line {}", row.line);
        let written: Value = serde_json::from_str(&dialect.encode(&event).unwrap()).unwrap();
        assert_eq!(written, row.payload, "line {}", row.line);
    }
    let close = json!({"type": "session.close"});
    assert!(matches!(
        dialect.decode_client(close.as_object().unwrap()).unwrap(),
        ClientEvent::Other { .. }
    ));
}

#[test]
fn tool_choice_rides_in_the_responses_delegation() {
    let dialect = LiveDialect::openai();
    let config = SessionConfig::new()
        .model("gpt-live-1")
        .tools([Tool::function(
            "lookup",
            "Look up.",
            json!({"type": "object"}),
        )])
        .tool_choice(realtime_core::protocol::ToolChoice::Required)
        .extension(LiveSession::new().delegation(Delegation::responses("gpt-5.6-sol")));
    let frame: Value = serde_json::from_str(
        &dialect
            .encode(&ClientEvent::session_update(config))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        frame["session"]["delegation"]["responses"]["tool_choice"],
        "required"
    );
    assert_eq!(
        frame["session"]["delegation"]["responses"]["tools"][0]["name"],
        "lookup"
    );
    let back = dialect.decode_client(frame.as_object().unwrap()).unwrap();
    let again: Value = serde_json::from_str(&dialect.encode(&back).unwrap()).unwrap();
    assert_eq!(again, frame);
}
