//! The emulator engine refuses what the services refuse, streams responses over
//! time and cancels them, with the recorded fields.
#![allow(clippy::unwrap_used, clippy::needless_pass_by_value)]

use std::time::Duration;

use realtime_core::wire::WireShape;
use realtime_testkit::emulator::{Engine, Output, Pace, Profile, Script};
use serde_json::{Value, json};

/// The frames an engine sends for `frame`, as JSON.
fn answer(engine: &mut Engine, frame: Value) -> Vec<Value> {
    let shape = engine.shape();
    engine
        .on_frame(&frame.to_string())
        .iter()
        .map(|event| serde_json::from_str(&shape.encode_server(event).unwrap()).unwrap())
        .collect()
}

fn types(frames: &[Value]) -> Vec<&str> {
    frames
        .iter()
        .map(|frame| frame["type"].as_str().unwrap())
        .collect()
}

fn opened(profile: Profile, script: Script) -> Engine {
    let mut engine = Engine::new(profile, script);
    let _ = engine.open();
    engine
}

#[test]
fn ga_session_update_without_type_is_refused_and_changes_nothing() {
    for profile in [Profile::openai_ga(), Profile::azure_openai_ga_v1()] {
        let mut engine = opened(profile, Script::new());
        let frames = answer(
            &mut engine,
            json!({"type": "session.update", "event_id": "c1", "session": {"instructions": "Be brief."}}),
        );
        assert_eq!(types(&frames), ["error"]);
        assert_eq!(frames[0]["error"]["code"], "missing_required_parameter");
        assert_eq!(frames[0]["error"]["param"], "session.type");
        assert_eq!(frames[0]["error"]["event_id"], "c1");
        let with_type = answer(
            &mut engine,
            json!({"type": "session.update", "session": {"type": "realtime", "instructions": "Be brief."}}),
        );
        assert_eq!(types(&with_type), ["session.updated"]);
    }
}

#[test]
fn voice_change_after_assistant_audio_is_refused_where_the_services_refuse_it() {
    let cases = [
        (
            Profile::openai_ga(),
            json!({"type": "realtime", "audio": {"output": {"voice": "cedar"}}}),
            true,
        ),
        (
            Profile::azure_openai_preview(),
            json!({"voice": "echo"}),
            true,
        ),
        (Profile::voicelive_dated(), json!({"voice": "echo"}), false),
    ];
    for (profile, update, refused) in cases {
        let dialect = profile.dialect;
        let mut engine = opened(profile, Script::new().say("Hello there."));
        // Before any audio, the voice may change.
        let before = answer(
            &mut engine,
            json!({"type": "session.update", "session": update}),
        );
        assert_eq!(types(&before), ["session.updated"], "{dialect}");
        let _ = answer(&mut engine, json!({"type": "response.create"}));
        let mut changed = update.clone();
        match engine.shape() {
            WireShape::Ga => changed["audio"]["output"]["voice"] = json!("ash"),
            WireShape::Beta => changed["voice"] = json!("shimmer"),
        }
        let after = answer(
            &mut engine,
            json!({"type": "session.update", "session": changed}),
        );
        let expected: &[&str] = if refused {
            &["error"]
        } else {
            &["session.updated"]
        };
        assert_eq!(types(&after), expected, "{dialect}");
        if refused {
            assert!(
                !after[0]["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("emu"),
                "{dialect}: {after:?}"
            );
        }
    }
}

#[test]
fn a_scripted_call_fires_only_for_a_registered_tool() {
    let script = || Script::new().call("lookup", json!({"order": "A-1"}));
    let mut bare = opened(Profile::openai_ga(), script());
    let unregistered = answer(&mut bare, json!({"type": "response.create"}));
    assert!(!types(&unregistered).contains(&"response.function_call_arguments.done"));
    assert!(types(&unregistered).contains(&"response.output_audio_transcript.done"));

    let mut with_tool = opened(Profile::openai_ga(), script());
    let tools = json!([{"type": "function", "name": "lookup", "parameters": {"type": "object"}}]);
    let _ = answer(
        &mut with_tool,
        json!({"type": "session.update", "session": {"type": "realtime", "tools": tools}}),
    );
    let registered = answer(&mut with_tool, json!({"type": "response.create"}));
    assert!(types(&registered).contains(&"response.function_call_arguments.done"));
}

#[test]
fn turn_detection_is_replaced_with_the_new_type_defaults() {
    let mut engine = opened(Profile::openai_ga(), Script::new());
    let frames = answer(
        &mut engine,
        json!({"type": "session.update", "session": {"type": "realtime", "audio": {"input": {
            "turn_detection": {"type": "semantic_vad"},
            "transcription": {"model": "gpt-4o-transcribe"}
        }}}}),
    );
    let input = &frames[0]["session"]["audio"]["input"];
    assert_eq!(
        input["turn_detection"],
        json!({"type": "semantic_vad", "eagerness": "auto", "create_response": true, "interrupt_response": true})
    );
    assert_eq!(
        input["transcription"],
        json!({"model": "gpt-4o-transcribe", "language": null, "prompt": null})
    );
}

#[test]
fn responses_carry_the_recorded_fields() {
    let mut ga = opened(Profile::openai_ga(), Script::new().say("Hi there."));
    let frames = answer(&mut ga, json!({"type": "response.create"}));
    let done = frames
        .iter()
        .find(|f| f["type"] == "response.done")
        .unwrap();
    assert!(done["response"]["conversation_id"].is_string());
    assert_eq!(done["response"]["output_modalities"], json!(["audio"]));
    assert!(done["response"]["usage"]["input_token_details"].is_object());
    // Transcript deltas run ahead of the audio.
    let order = types(&frames);
    let first_transcript = order
        .iter()
        .position(|t| *t == "response.output_audio_transcript.delta");
    let first_audio = order
        .iter()
        .position(|t| *t == "response.output_audio.delta");
    assert!(first_transcript < first_audio, "{order:?}");

    let mut vl = opened(Profile::voicelive_dated(), Script::new().say("Hi there."));
    let _ = answer(
        &mut vl,
        json!({"type": "conversation.item.create", "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hi"}]}}),
    );
    let frames = answer(&mut vl, json!({"type": "response.create"}));
    let added = frames
        .iter()
        .find(|f| f["type"] == "response.output_item.added")
        .unwrap();
    assert_eq!(added["item"]["object"], "realtime.item");
    assert!(
        frames
            .iter()
            .find(|f| f["type"] == "response.created")
            .unwrap()["response"]["modalities"]
            .is_array()
    );

    let mut first = opened(Profile::openai_ga(), Script::new());
    let frames = answer(
        &mut first,
        json!({"type": "conversation.item.create", "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hi"}]}}),
    );
    assert_eq!(frames[0]["previous_item_id"], Value::Null);
    assert!(
        frames[0]
            .as_object()
            .unwrap()
            .contains_key("previous_item_id")
    );
}

#[test]
fn realtime_pace_releases_audio_at_playback_rate_and_cancel_stops_it() {
    let mut engine = Engine::new(
        Profile::openai_ga(),
        Script::new()
            .say("one two three four five six")
            .audio_chunks(6),
    )
    .with_pace(Pace::Realtime);
    let _ = engine.open();
    engine.receive(r#"{"type":"response.create"}"#, Duration::ZERO);
    let now = engine.poll(Duration::ZERO);
    let audio = |outputs: &[Output]| {
        outputs
            .iter()
            .filter(|output| {
                matches!(
                    output,
                    Output::Event(realtime_core::protocol::ServerEvent::ResponseAudioDelta(_))
                )
            })
            .count()
    };
    assert!(audio(&now) < 6, "all audio at once: {}", audio(&now));
    assert!(engine.next_due().is_some_and(|due| due > Duration::ZERO));

    engine.receive(r#"{"type":"response.cancel"}"#, Duration::from_millis(50));
    let after = engine.poll(Duration::from_secs(10));
    let done = after
        .iter()
        .find_map(|output| match output {
            Output::Event(realtime_core::protocol::ServerEvent::ResponseDone(done)) => Some(done),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        done.response.status,
        Some(realtime_core::protocol::ResponseStatus::Cancelled)
    );
    assert_eq!(audio(&after), 0);

    // Nothing is streaming now: the service says so.
    engine.receive(r#"{"type":"response.cancel"}"#, Duration::from_secs(11));
    let idle = engine.poll(Duration::from_secs(11));
    assert!(matches!(
        &idle[..],
        [Output::Event(realtime_core::protocol::ServerEvent::Error(
            _
        ))]
    ));
}

#[test]
fn instant_pace_releases_everything_at_once() {
    let mut engine = Engine::new(Profile::openai_ga(), Script::new().say("one two three"))
        .with_pace(Pace::Instant);
    let _ = engine.open();
    engine.receive(r#"{"type":"response.create"}"#, Duration::ZERO);
    let outputs = engine.poll(Duration::ZERO);
    assert!(outputs.iter().any(|output| matches!(
        output,
        Output::Event(realtime_core::protocol::ServerEvent::ResponseDone(_))
    )));
    assert_eq!(engine.next_due(), None);
}

#[test]
fn version_specific_enums_are_refused_per_api_version() {
    let semantic =
        json!({"type": "session.update", "session": {"turn_detection": {"type": "semantic_vad"}}});
    let cases = [
        (
            Profile::azure_openai_preview_at("2024-10-01-preview"),
            json!({"type": "session.update", "session": {"voice": "ash"}}),
            true,
        ),
        (
            Profile::azure_openai_preview_at("2024-10-01-preview"),
            semantic.clone(),
            true,
        ),
        (
            Profile::azure_openai_preview_at("2025-04-01-preview"),
            json!({"type": "session.update", "session": {"voice": "ash"}}),
            false,
        ),
        (
            Profile::azure_openai_preview_at("2025-04-01-preview"),
            json!({"type": "session.update", "session": {"voice": "marin"}}),
            true,
        ),
        (Profile::voicelive_at("2025-10-01"), semantic.clone(), true),
        (
            Profile::voicelive_at("2025-10-01"),
            json!({"type": "session.update", "session": {"output_audio_format": "pcm16_8000hz"}}),
            true,
        ),
        (Profile::voicelive_at("2026-04-10"), semantic, false),
    ];
    for (index, (profile, update, refused)) in cases.into_iter().enumerate() {
        let mut engine = opened(profile, Script::new());
        let frames = answer(&mut engine, update);
        let expected: &[&str] = if refused {
            &["error"]
        } else {
            &["session.updated"]
        };
        assert_eq!(types(&frames), expected, "case {index}: {frames:?}");
        if refused {
            assert_eq!(frames[0]["error"]["code"], "invalid_value", "case {index}");
        }
    }
}

#[test]
fn unreadable_frames_are_refused_without_library_internals() {
    let mut engine = opened(Profile::openai_ga(), Script::new());
    for frame in ["{not json", r#"{"type":"conversation.item.create"}"#] {
        let shape = engine.shape();
        let events = engine.on_frame(frame);
        let frame: Value = serde_json::from_str(&shape.encode_server(&events[0]).unwrap()).unwrap();
        let message = frame["error"]["message"].as_str().unwrap();
        assert!(
            !message.contains("line 1") && !message.contains('`') && !message.contains("emu"),
            "{message}"
        );
    }
}
