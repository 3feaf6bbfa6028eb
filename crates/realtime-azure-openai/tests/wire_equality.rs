//! Exact frames: a full configuration on GA v1 and on the preview, the recorded GA v1
//! client frames re-encoded through the GA v1 dialect, and failure 4 (assistant parts
//! are `text`/`audio` on the preview).
#![allow(clippy::unwrap_used)]

mod common;

use realtime_core::dialect::Dialect as _;

use common::{every_field, fixture_rows, json, previews, update};
use realtime_azure_openai::{ApiVersion, AzureOpenAiDialect};
use realtime_core::dialect::UnsupportedPolicy;
use realtime_core::protocol::{ClientEvent, ContentPart, Item, ResponseConfig, Role};
use realtime_core::wire::WireShape;
use serde_json::json;

fn tool() -> serde_json::Value {
    json!({"type": "function", "name": "get_weather", "description": "Look up the weather for a city.",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}})
}

#[test]
fn full_config_on_ga_v1() {
    let dialect = AzureOpenAiDialect::ga_v1().with_policy(UnsupportedPolicy::Warn);
    let frame = json(&dialect.encode(&update(every_field())).unwrap());
    let want = json!({"type": "session.update", "session": {
        "type": "realtime",
        "model": "gpt-realtime",
        "instructions": "Be brief.",
        "output_modalities": ["audio"],
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "transcription": {"model": "my-whisper-deployment", "language": "en"},
                "noise_reduction": {"type": "near_field"},
                "turn_detection": {"type": "server_vad", "idle_timeout_ms": 5000}
            },
            "output": {"format": {"type": "audio/pcmu"}, "voice": "alloy", "speed": 1.1}
        },
        "include": ["item.input_audio_transcription.logprobs"],
        "tracing": "auto",
        "tools": [tool()],
        "tool_choice": {"type": "function", "name": "get_weather"},
        "max_output_tokens": 1024,
        "truncation": "auto",
        "prompt": {"id": "pmpt_1"},
        "parallel_tool_calls": true,
        "reasoning": {"effort": "medium"}
    }});
    assert_eq!(frame, want);
}

#[test]
fn full_config_on_each_preview() {
    for dialect in previews() {
        let version = dialect.api_version().unwrap();
        let dialect = dialect.with_policy(UnsupportedPolicy::Warn);
        let frame = json(&dialect.encode(&update(every_field())).unwrap());
        let mut want = json!({"type": "session.update", "session": {
            "instructions": "Be brief.",
            "modalities": ["audio", "text"],
            "voice": "alloy",
            "input_audio_format": "pcm16",
            "output_audio_format": "g711_ulaw",
            "input_audio_transcription": {"model": "my-whisper-deployment", "language": "en"},
            "input_audio_noise_reduction": {"type": "near_field"},
            "turn_detection": {"type": "server_vad"},
            "tools": [tool()],
            "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
            "temperature": 0.8,
            "max_response_output_tokens": 1024
        }});
        if version != ApiVersion::V2025_04_01Preview {
            want["session"]
                .as_object_mut()
                .unwrap()
                .remove("input_audio_noise_reduction");
        }
        assert_eq!(frame, want, "{version}");
    }
}

#[test]
fn recorded_ga_v1_client_frames_re_encode_identically() {
    let dialect = AzureOpenAiDialect::ga_v1();
    let mut checked = 0;
    for row in fixture_rows("azure-openai")
        .into_iter()
        .filter(|row| row.dialect == "azure-openai-ga-v1" && row.direction == "client")
    {
        let event = WireShape::Ga
            .decode_client(&row.payload.to_string())
            .unwrap();
        assert!(
            !matches!(event, ClientEvent::Other { .. }),
            "{}: not canonical",
            row.line
        );
        let frame = dialect
            .encode(&event)
            .unwrap_or_else(|error| panic!("{}: {error}", row.line));
        assert_eq!(json(&frame), row.payload, "{}", row.line);
        checked += 1;
    }
    assert!(checked >= 100, "only {checked} client rows");
}

#[test]
fn assistant_parts_are_text_and_audio_on_preview() {
    // The recorded GA v1 history seed: an assistant message with an `output_text` part.
    let row = common::fixture("azure-openai", |row| {
        row.dialect == "azure-openai-ga-v1"
            && row.direction == "client"
            && row.payload["item"]["role"] == json!("assistant")
    });
    assert_eq!(
        row.payload["item"]["content"][0]["type"],
        json!("output_text")
    );
    let event = WireShape::Ga
        .decode_client(&row.payload.to_string())
        .unwrap();
    for dialect in previews() {
        let frame = json(&dialect.encode(&event).unwrap());
        assert_eq!(frame["item"]["content"][0]["type"], json!("text"));
        assert_eq!(
            frame["item"]["content"][0]["text"],
            json!("Nice to meet you, Alice!")
        );
    }
    assert_eq!(
        json(&AzureOpenAiDialect::ga_v1().encode(&event).unwrap()),
        row.payload
    );

    // Hand-built history: assistant text and audio (by transcript), user text.
    let item = Item::message(
        Role::Assistant,
        vec![
            ContentPart::output_text("Hello"),
            ContentPart::output_audio_transcript("Hello there"),
        ],
    );
    let create = ClientEvent::ConversationItemCreate {
        event_id: None,
        previous_item_id: Default::default(),
        item: Box::new(item.clone()),
    };
    let preview = AzureOpenAiDialect::preview(ApiVersion::V2024_10_01Preview);
    let frame = json(&preview.encode(&create).unwrap());
    assert_eq!(frame["item"]["content"][0]["type"], json!("text"));
    assert_eq!(frame["item"]["content"][1]["type"], json!("audio"));
    assert_eq!(
        frame["item"]["content"][1]["transcript"],
        json!("Hello there")
    );
    let frame = json(&AzureOpenAiDialect::ga_v1().encode(&create).unwrap());
    assert_eq!(frame["item"]["content"][0]["type"], json!("output_text"));
    assert_eq!(frame["item"]["content"][1]["type"], json!("output_audio"));

    // The same in `response.create` input items.
    let mut response = ResponseConfig::new();
    response.input = Some(vec![item, Item::user_text("Hi")]);
    let event = ClientEvent::ResponseCreate {
        event_id: None,
        response: Some(Box::new(response)),
    };
    let frame = json(&preview.encode(&event).unwrap());
    assert_eq!(
        frame["response"]["input"][0]["content"][0]["type"],
        json!("text")
    );
    assert_eq!(
        frame["response"]["input"][0]["content"][1]["type"],
        json!("audio")
    );
    assert_eq!(
        frame["response"]["input"][1]["content"][0]["type"],
        json!("input_text")
    );
}

#[test]
fn response_overrides_on_preview() {
    let mut response = ResponseConfig::new().instructions("Short.");
    response.voice = Some("echo".into());
    response.temperature = Some(0.7);
    response.tool_choice = Some(realtime_core::protocol::ToolChoice::Function("f".into()));
    let event = ClientEvent::ResponseCreate {
        event_id: Some("evt_1".into()),
        response: Some(Box::new(response)),
    };
    let frame = json(
        &AzureOpenAiDialect::preview(ApiVersion::V2024_10_01Preview)
            .encode(&event)
            .unwrap(),
    );
    assert_eq!(
        frame,
        json!({"type": "response.create", "event_id": "evt_1", "response": {
            "commit": true, "cancel_previous": true,
            "instructions": "Short.", "voice": "echo", "temperature": 0.7,
            "tool_choice": {"type": "function", "function": {"name": "f"}}
        }})
    );
}

#[test]
fn plain_events_are_the_same_in_both_dialects() {
    let events = [
        ClientEvent::InputAudioBufferCommit { event_id: None },
        ClientEvent::ResponseCancel {
            event_id: None,
            response_id: Some("resp_1".into()),
        },
        ClientEvent::ConversationItemTruncate {
            event_id: None,
            item_id: "item_1".into(),
            content_index: 0,
            audio_end_ms: 1500,
        },
    ];
    for event in &events {
        let ga = AzureOpenAiDialect::ga_v1().encode(event).unwrap();
        for dialect in previews() {
            assert_eq!(dialect.encode(event).unwrap(), ga);
        }
    }
}
