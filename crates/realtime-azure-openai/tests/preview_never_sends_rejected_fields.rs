//! Failures 2 and 3: the preview endpoint never receives a GA-only field, and never
//! `modalities: ["audio"]`. Every canonical session field (`SessionField::ALL`), plus
//! `kind`, typed extensions and passthrough `extra`, either reaches the wire in a form
//! the endpoint accepts or meets the unsupported-field policy.
#![allow(clippy::unwrap_used)]

mod common;

use realtime_core::dialect::Dialect as _;

use common::{ForeignEcho, REJECTED, every_field, json, only, previews, update};
use realtime_azure_openai::{AzureOpenAiDialect, PREVIEW_REJECTED_KEYS};
use realtime_core::dialect::{SessionField, UnsupportedPolicy};
use realtime_core::error::EncodeError;
use realtime_core::protocol::{
    ClientEvent, Modality, ResponseConfig, SessionConfig, SessionKind, Voice,
};
use serde_json::json;

/// `every_field()` plus a kind, a foreign extension, and every rejected key smuggled
/// through `extra`, next to one harmless passthrough key.
fn everything() -> SessionConfig {
    let mut config = every_field().extension(ForeignEcho(true));
    for key in REJECTED {
        config
            .extra
            .insert(key.to_owned(), json!({"smuggled": true}));
    }
    config.extra.insert("x_vendor_hint".to_owned(), json!(true));
    config
}

#[test]
fn reject_list_matches_the_dialects() {
    assert_eq!(PREVIEW_REJECTED_KEYS, REJECTED);
    for dialect in previews() {
        assert_eq!(dialect.rejected_keys(), REJECTED);
    }
}

#[test]
fn under_warn_no_rejected_key_reaches_the_preview_wire() {
    for dialect in previews() {
        let dialect = dialect.with_policy(UnsupportedPolicy::Warn);
        let frame = json(&dialect.encode(&update(everything())).unwrap());
        let session = frame["session"].as_object().unwrap();
        for key in REJECTED {
            assert!(
                !session.contains_key(key),
                "{:?}: `{key}` reached the wire: {frame}",
                dialect.api_version()
            );
        }
        assert!(!session.contains_key("input_audio_echo_cancellation"));
        assert!(!session.contains_key("speed") && !session.contains_key("model"));
        assert_eq!(session["modalities"], json!(["audio", "text"]));
        assert_eq!(
            session["x_vendor_hint"],
            json!(true),
            "harmless passthrough kept"
        );
        assert_eq!(session["instructions"], json!("Be brief."));
        assert_eq!(frame["type"], json!("session.update"));
    }
}

#[test]
fn every_field_alone_is_sent_or_refused_by_name() {
    let mut dialects = previews();
    dialects.push(AzureOpenAiDialect::ga_v1());
    for dialect in dialects {
        let version = dialect.api_version();
        for field in SessionField::ALL {
            let result = dialect.encode(&update(only(field)));
            if dialect.capabilities().accepts(field) {
                let frame = json(&result.unwrap_or_else(|error| {
                    panic!("{version:?} {field:?} is accepted but failed: {error}")
                }));
                assert!(
                    frame.pointer(wire_pointer(&dialect, field)).is_some(),
                    "{version:?} {field:?} missing from {frame}"
                );
                if dialect.api_version().is_some() {
                    let session = frame["session"].as_object().unwrap();
                    assert!(REJECTED.iter().all(|key| !session.contains_key(*key)));
                }
            } else {
                assert_eq!(
                    unsupported_field(result),
                    field.path(),
                    "{version:?} {field:?}"
                );
                // Under Warn the field is dropped and the rest is sent.
                let warned = dialect.clone().with_policy(UnsupportedPolicy::Warn);
                let frame = json(&warned.encode(&update(only(field))).unwrap());
                // GA keeps `type`; an idle timeout's server VAD stays without it.
                let kept = usize::from(dialect.api_version().is_none())
                    + usize::from(field == SessionField::IdleTimeout);
                assert_eq!(
                    frame["session"].as_object().map(|s| s.len()),
                    Some(kept),
                    "{version:?} {field:?}: {frame}"
                );
            }
        }
    }
}

#[test]
fn ga_only_fields_are_refused_by_every_preview() {
    for dialect in previews() {
        for field in [
            SessionField::Tracing,
            SessionField::Prompt,
            SessionField::Truncation,
            SessionField::Include,
            SessionField::Speed,
            SessionField::Model,
        ] {
            assert_eq!(
                unsupported_field(dialect.encode(&update(only(field)))),
                field.path()
            );
        }
        // `session.type` for a transcription session.
        let mut transcription = SessionConfig::new();
        transcription.kind = Some(SessionKind::Transcription);
        assert_eq!(
            unsupported_field(dialect.encode(&update(transcription))),
            "session.type"
        );
        // A realtime `kind` is simply not written (the beta shape has no `type`).
        let mut realtime = SessionConfig::new().instructions("x");
        realtime.kind = Some(SessionKind::Realtime);
        assert_eq!(
            dialect.encode(&update(realtime)).unwrap(),
            r#"{"type":"session.update","session":{"instructions":"x"}}"#
        );
    }
}

#[test]
fn smuggled_extra_keys_are_refused_by_name() {
    for dialect in previews() {
        for key in REJECTED {
            let mut config = SessionConfig::new();
            config.extra.insert(key.to_owned(), json!("x"));
            assert_eq!(
                unsupported_field(dialect.encode(&update(config))),
                format!("session.{key}")
            );
        }
    }
}

#[test]
fn foreign_extensions_are_refused_by_name() {
    for dialect in previews().into_iter().chain([AzureOpenAiDialect::ga_v1()]) {
        let config = SessionConfig::new().extension(ForeignEcho(false));
        assert_eq!(
            unsupported_field(dialect.encode(&update(config))),
            "session.input_audio_echo_cancellation"
        );
    }
}

#[test]
fn audio_only_becomes_audio_and_text_on_preview_and_stays_on_ga() {
    let audio_only = || SessionConfig::new().output_modalities([Modality::Audio]);
    for dialect in previews() {
        let frame = json(&dialect.encode(&update(audio_only())).unwrap());
        assert_eq!(frame["session"]["modalities"], json!(["audio", "text"]));
        // The same in response.create overrides.
        let response = ClientEvent::ResponseCreate {
            event_id: None,
            response: Some(Box::new(
                ResponseConfig::new().output_modalities([Modality::Audio]),
            )),
        };
        let frame = json(&dialect.encode(&response).unwrap());
        assert_eq!(frame["response"]["modalities"], json!(["audio", "text"]));
        assert!(frame["response"].get("output_modalities").is_none());
        // Text only stays text only.
        let text = SessionConfig::new().output_modalities([Modality::Text]);
        let frame = json(&dialect.encode(&update(text)).unwrap());
        assert_eq!(frame["session"]["modalities"], json!(["text"]));
    }
    let frame = json(
        &AzureOpenAiDialect::ga_v1()
            .encode(&update(audio_only()))
            .unwrap(),
    );
    assert_eq!(frame["session"]["output_modalities"], json!(["audio"]));
    // GA cannot ask for both.
    let both = SessionConfig::new().output_modalities([Modality::Audio, Modality::Text]);
    assert!(matches!(
        AzureOpenAiDialect::ga_v1().encode(&update(both)),
        Err(EncodeError::Invalid { .. })
    ));
}

#[test]
fn version_differences_voices_vad_noise_reduction() {
    let [v2410, v2412, v2504] = previews().try_into().unwrap();
    // 2024-10-01-preview: alloy, shimmer, echo only.
    for (dialect, offered) in [(&v2410, false), (&v2412, true), (&v2504, true)] {
        let result = dialect.encode(&update(SessionConfig::new().voice("coral")));
        assert_eq!(result.is_ok(), offered, "{:?}", dialect.api_version());
    }
    assert!(
        v2410
            .encode(&update(SessionConfig::new().voice("shimmer")))
            .is_ok()
    );
    // marin is GA only.
    assert_eq!(
        unsupported_field(v2504.encode(&update(SessionConfig::new().voice("marin")))),
        "session.voice"
    );
    assert!(
        AzureOpenAiDialect::ga_v1()
            .encode(&update(SessionConfig::new().voice("marin")))
            .is_ok()
    );
    // A voice id object is GA only.
    let custom = SessionConfig::new().voice(Voice::Id("voice_123".into()));
    assert_eq!(
        unsupported_field(v2504.encode(&update(custom.clone()))),
        "session.voice"
    );
    assert!(AzureOpenAiDialect::ga_v1().encode(&update(custom)).is_ok());
    // semantic_vad: only 2025-04-01-preview among the previews.
    let semantic = || {
        SessionConfig::new().turn_detection(realtime_core::protocol::TurnDetection::semantic_vad())
    };
    assert_eq!(
        unsupported_field(v2410.encode(&update(semantic()))),
        "session.turn_detection"
    );
    assert_eq!(
        unsupported_field(v2412.encode(&update(semantic()))),
        "session.turn_detection"
    );
    assert!(v2504.encode(&update(semantic())).is_ok());
    // Noise reduction: not before 2025-04-01-preview.
    assert!(!v2410.capabilities().accepts(SessionField::NoiseReduction));
    assert!(!v2412.capabilities().accepts(SessionField::NoiseReduction));
    assert!(v2504.capabilities().accepts(SessionField::NoiseReduction));
}

#[test]
fn ga_v1_has_no_temperature() {
    let ga = AzureOpenAiDialect::ga_v1();
    assert_eq!(
        unsupported_field(ga.encode(&update(SessionConfig::new().temperature(0.7)))),
        "session.temperature"
    );
    let mut response = ResponseConfig::new();
    response.temperature = Some(0.7);
    let event = ClientEvent::ResponseCreate {
        event_id: None,
        response: Some(Box::new(response)),
    };
    assert_eq!(unsupported_field(ga.encode(&event)), "response.temperature");
    let frame = json(
        &ga.with_policy(UnsupportedPolicy::Warn)
            .encode(&event)
            .unwrap(),
    );
    assert_eq!(frame, json!({"type": "response.create", "response": {}}));
}

/// Where `field` lands in a `session.update` frame of `dialect`.
fn wire_pointer(dialect: &AzureOpenAiDialect, field: SessionField) -> &'static str {
    let ga = dialect.api_version().is_none();
    match (field, ga) {
        (SessionField::Model, _) => "/session/model",
        (SessionField::Instructions, _) => "/session/instructions",
        (SessionField::OutputModalities, true) => "/session/output_modalities",
        (SessionField::OutputModalities, false) => "/session/modalities",
        (SessionField::InputAudioFormat, true) => "/session/audio/input/format",
        (SessionField::InputAudioFormat, false) => "/session/input_audio_format",
        (SessionField::OutputAudioFormat, true) => "/session/audio/output/format",
        (SessionField::OutputAudioFormat, false) => "/session/output_audio_format",
        (SessionField::Voice, true) => "/session/audio/output/voice",
        (SessionField::Voice, false) => "/session/voice",
        (SessionField::Speed, true) => "/session/audio/output/speed",
        (SessionField::Transcription, true) => "/session/audio/input/transcription",
        (SessionField::Transcription, false) => "/session/input_audio_transcription",
        (SessionField::NoiseReduction, true) => "/session/audio/input/noise_reduction",
        (SessionField::NoiseReduction, false) => "/session/input_audio_noise_reduction",
        (SessionField::TurnDetection, true) => "/session/audio/input/turn_detection",
        (SessionField::TurnDetection, false) => "/session/turn_detection",
        (SessionField::Tools, _) => "/session/tools",
        (SessionField::ToolChoice, _) => "/session/tool_choice",
        (SessionField::Temperature, false) => "/session/temperature",
        (SessionField::MaxOutputTokens, true) => "/session/max_output_tokens",
        (SessionField::MaxOutputTokens, false) => "/session/max_response_output_tokens",
        (SessionField::Tracing, true) => "/session/tracing",
        (SessionField::Prompt, true) => "/session/prompt",
        (SessionField::Truncation, true) => "/session/truncation",
        (SessionField::Include, true) => "/session/include",
        (SessionField::ParallelToolCalls, true) => "/session/parallel_tool_calls",
        (SessionField::Reasoning, true) => "/session/reasoning",
        (SessionField::IdleTimeout, true) => "/session/audio/input/turn_detection/idle_timeout_ms",
        (field, _) => panic!("{field:?} is not expected to be accepted (ga: {ga})"),
    }
}

/// The field named by an `Unsupported` error; panics on anything else.
fn unsupported_field(result: Result<String, EncodeError>) -> String {
    match result {
        Err(EncodeError::Unsupported { field, dialect, .. }) => {
            assert!(dialect.starts_with("azure-openai-"), "{dialect}");
            field.into_owned()
        }
        other => panic!("expected EncodeError::Unsupported, got {other:?}"),
    }
}
