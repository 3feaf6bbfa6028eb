//! Recorded and documented server frames of both Azure dialects decode through this
//! crate's dialects (failure 1: a `session.created` without `session.type`), the
//! recorded `DeploymentNotFound` is classified (failure 6), and the dialect detector
//! decides on the recorded frames.
#![allow(clippy::unwrap_used)]

mod common;

use realtime_core::dialect::Dialect as _;

use common::{fixture, fixture_rows, previews};
use realtime_azure_openai::{
    AzureOpenAiDialect, DialectDecision, DialectDetector, SwitchReason, TranscriptionFailure,
    transcription_failure,
};
use realtime_core::protocol::ServerEvent;
use serde_json::json;

fn decode_one(dialect: &AzureOpenAiDialect, frame: &str) -> ServerEvent {
    let mut events = dialect.decode(frame).unwrap();
    assert_eq!(events.len(), 1);
    events.remove(0)
}

#[test]
fn every_azure_server_row_decodes_typed() {
    let mut checked = 0;
    for row in fixture_rows("azure-openai")
        .into_iter()
        .filter(|row| row.direction == "server")
    {
        let dialects = match row.dialect.as_str() {
            "azure-openai-ga-v1" => vec![AzureOpenAiDialect::ga_v1()],
            "azure-openai-preview" => previews(),
            other => panic!("{}: unexpected dialect {other}", row.line),
        };
        for dialect in dialects {
            assert_eq!(dialect.name(), row.dialect);
            let event = decode_one(&dialect, &row.payload.to_string());
            assert!(
                !event.is_unknown(),
                "{}: `{}` not typed",
                row.line,
                row.payload["type"]
            );
            let again = dialect.shape().encode_server(&event).unwrap();
            let again = common::json(&again);
            assert!(
                common::json_eq(&again, &row.payload),
                "{}: re-encode differs\n  want {}\n  got  {again}",
                row.line,
                row.payload
            );
            checked += 1;
        }
    }
    assert!(checked > 280, "only {checked} rows");
}

#[test]
fn session_created_without_type_decodes() {
    // Azure's documented preview `session.created` (no `session.type`, no session at all).
    let row = fixture("azure-openai", |row| {
        row.dialect == "azure-openai-preview" && row.payload["type"] == json!("session.created")
    });
    // A full beta-shaped session as the preview sends it: the recorded beta frame
    // (REC-B, `openai-beta/examples.jsonl`), which has no `type` either.
    let beta = fixture("openai-beta", |row| {
        row.payload["type"] == json!("session.created") && row.payload["session"]["id"].is_string()
    });
    assert!(beta.payload["session"].get("type").is_none());
    for dialect in previews().into_iter().chain([AzureOpenAiDialect::ga_v1()]) {
        for frame in [&row.payload, &beta.payload] {
            let ServerEvent::SessionCreated(created) = decode_one(&dialect, &frame.to_string())
            else {
                panic!("{}: not a session.created", dialect.name());
            };
            assert_eq!(created.session.session_type(), None);
        }
    }
    let ServerEvent::SessionCreated(created) = decode_one(
        &AzureOpenAiDialect::preview(realtime_azure_openai::ApiVersion::LATEST),
        &beta.payload.to_string(),
    ) else {
        unreachable!()
    };
    assert_eq!(created.session.id(), beta.payload["session"]["id"].as_str());
    assert!(!created.session.is_ga_shape());
}

#[test]
fn decode_errors_name_the_dialect() {
    for dialect in previews().into_iter().chain([AzureOpenAiDialect::ga_v1()]) {
        for frame in ["[1]", "{\"no\":\"type\"}", "{oops"] {
            let error = dialect.decode(frame).unwrap_err();
            assert_eq!(error.dialect, dialect.name());
            assert!(error.to_string().starts_with(dialect.name()));
        }
    }
}

#[test]
fn recorded_deployment_not_found_is_classified() {
    let row = fixture("azure-openai", |row| {
        row.dialect == "azure-openai-ga-v1"
            && row.payload["type"] == json!("conversation.item.input_audio_transcription.failed")
    });
    assert!(row.source.contains("transcription_requires_deployment"));
    let ServerEvent::InputTranscriptionFailed(failed) =
        decode_one(&AzureOpenAiDialect::ga_v1(), &row.payload.to_string())
    else {
        panic!("not a transcription failure");
    };
    let failure = transcription_failure(&failed);
    assert_eq!(
        failure,
        TranscriptionFailure::DeploymentNotFound {
            deployment: None,
            item_id: "item_E4GEZV6Pux1f4VnDEzVPh".into(),
            message: "Input transcription failed for item 'item_E4GEZV6Pux1f4VnDEzVPh'.".into(),
        }
    );
    assert!(failure.to_string().contains("must be a deployment name"));
    let named = failure.for_deployment("gpt-realtime-whisper").to_string();
    assert!(
        named.contains("`gpt-realtime-whisper` is not a deployment"),
        "{named}"
    );
    assert!(named.contains("must be a deployment name"), "{named}");

    // The documented preview skeleton has a placeholder code: another failure.
    let skeleton = fixture("azure-openai", |row| {
        row.dialect == "azure-openai-preview"
            && row.payload["type"] == json!("conversation.item.input_audio_transcription.failed")
    });
    let ServerEvent::InputTranscriptionFailed(failed) = decode_one(
        &AzureOpenAiDialect::preview(realtime_azure_openai::ApiVersion::LATEST),
        &skeleton.payload.to_string(),
    ) else {
        panic!("not a transcription failure");
    };
    let other = transcription_failure(&failed);
    assert!(!other.is_deployment_not_found());
    assert!(other.to_string().contains("<code>"));
}

#[test]
fn capabilities_say_transcription_model_is_a_deployment_and_voice_is_fixed() {
    for dialect in previews().into_iter().chain([AzureOpenAiDialect::ga_v1()]) {
        assert!(dialect.transcription_model_is_deployment());
        assert!(dialect.capabilities().transcription_model_is_deployment);
        assert!(!dialect.voice_change_after_audio());
        assert!(!dialect.capabilities().voice_change_after_audio);
    }
}

#[test]
fn detector_switches_on_the_recorded_unknown_parameter_error() {
    let row = fixture("azure-openai", |row| {
        row.payload["type"] == json!("error") && row.source.contains("pipecat")
    });
    let ga = AzureOpenAiDialect::ga_v1();
    let mut detector = DialectDetector::for_dialect(&ga, true);
    let decision = detector.handle_event(&decode_one(&ga, &row.payload.to_string()));
    assert_eq!(
        decision,
        Some(DialectDecision::SwitchToBeta {
            reason: SwitchReason::UnknownParameter {
                param: "session.type".into(),
                message: "Unknown parameter: 'session.type'.".into(),
            }
        })
    );
    assert!(detector.is_settled());
    // Once settled it says nothing more.
    assert_eq!(
        detector.handle_event(&decode_one(&ga, &row.payload.to_string())),
        None
    );
    let fallback = ga.beta_fallback();
    assert_eq!(fallback.name(), "azure-openai-preview");
    assert_eq!(fallback.policy(), ga.policy());
}

#[test]
fn detector_switches_on_a_beta_session_and_keeps_ga_on_a_ga_session() {
    let ga = AzureOpenAiDialect::ga_v1();
    let beta = fixture("openai-beta", |row| {
        row.payload["type"] == json!("session.created") && row.payload["session"]["id"].is_string()
    });
    let mut detector = DialectDetector::new();
    assert_eq!(
        detector.handle_event(&decode_one(&ga, &beta.payload.to_string())),
        Some(DialectDecision::SwitchToBeta {
            reason: SwitchReason::BetaSession {
                event_type: "session.created"
            }
        })
    );

    let recorded_ga = fixture("azure-openai", |row| {
        row.dialect == "azure-openai-ga-v1" && row.payload["type"] == json!("session.created")
    });
    let mut detector = DialectDetector::new();
    assert_eq!(
        detector.handle_event(&decode_one(&ga, &recorded_ga.payload.to_string())),
        Some(DialectDecision::KeepGa)
    );
    assert_eq!(detector.decision(), Some(&DialectDecision::KeepGa));

    // An empty (skeleton) session and unrelated events decide nothing.
    let skeleton = fixture("azure-openai", |row| {
        row.dialect == "azure-openai-preview" && row.payload["type"] == json!("session.created")
    });
    let mut detector = DialectDetector::new();
    assert_eq!(
        detector.handle_event(&decode_one(&ga, &skeleton.payload.to_string())),
        None
    );
    let other_error = r#"{"type":"error","error":{"type":"invalid_request_error","code":"unknown_parameter","message":"Unknown parameter: 'session.foo'.","param":"session.foo"}}"#;
    assert_eq!(detector.handle_event(&decode_one(&ga, other_error)), None);
    assert!(!detector.is_settled());
    let output_modalities = r#"{"type":"error","error":{"type":"invalid_request_error","code":"unknown_parameter","message":"Unknown parameter: 'session.output_modalities'.","param":"session.output_modalities"}}"#;
    assert!(matches!(
        detector.handle_event(&decode_one(&ga, output_modalities)),
        Some(DialectDecision::SwitchToBeta { .. })
    ));
}

#[test]
fn detector_opt_out_and_preview_never_decide() {
    let row = fixture("azure-openai", |row| {
        row.payload["type"] == json!("error") && row.source.contains("pipecat")
    });
    let ga = AzureOpenAiDialect::ga_v1();
    let event = decode_one(&ga, &row.payload.to_string());
    for mut detector in [
        DialectDetector::for_dialect(&ga, false),
        DialectDetector::for_dialect(&previews()[0], true),
        DialectDetector::disabled(),
    ] {
        assert!(detector.is_settled());
        assert_eq!(detector.handle_event(&event), None);
        assert_eq!(detector.decision(), None);
    }
}
