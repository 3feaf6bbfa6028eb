//! Fields a dialect's server rejects (or that have no place in the dialect), as one
//! data table. Each rule cites where the rejection is documented; keys refer to the
//! Sources table of `docs/providers.md`.

use serde_json::Value;

use super::validate::Violation;
use crate::dialect::Dialect;
use crate::json_eq::{json_eq, show};

/// When a rule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The field is present (any value, `null` included).
    Present,
    /// The field equals this JSON literal (compared with numeric equality).
    Equals(&'static str),
}

/// One rejected field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RejectRule {
    /// Dialects whose server rejects it.
    pub dialects: &'static [Dialect],
    /// The client event type it applies to.
    pub event: &'static str,
    /// JSON pointer into the frame, e.g. `/session/type`.
    pub pointer: &'static str,
    /// When it fires.
    pub trigger: Trigger,
    /// Where the rejection is documented.
    pub citation: &'static str,
}

const AZ_PREVIEW: &[Dialect] = &[Dialect::AzureOpenAiPreview];
/// GA-shaped dialects: OpenAI GA; Azure GA v1 "behaves like OpenAI GA" (DIALECTS.md §6);
/// Voice Live v1 "expects the GA shape" (DIALECTS.md §6, VL-V1).
const GA_SHAPED: &[Dialect] = &[
    Dialect::OpenAiGa,
    Dialect::AzureOpenAiGaV1,
    Dialect::VoiceLiveV1,
];

/// Every reject rule.
pub const REJECT_RULES: &[RejectRule] = &[
    // --- Azure OpenAI preview (beta wire) ---
    RejectRule {
        dialects: AZ_PREVIEW,
        event: "session.update",
        pointer: "/session/type",
        trigger: Trigger::Present,
        citation: "ISS-PC1324: error unknown_parameter, param session.type (DIALECTS.md §6; azure-openai/examples.jsonl pipecat row)",
    },
    RejectRule {
        dialects: AZ_PREVIEW,
        event: "session.update",
        pointer: "/session/output_modalities",
        trigger: Trigger::Present,
        citation: "ISS-PC4106: output_modalities rejected by the preview endpoint (DIALECTS.md §2, §6)",
    },
    RejectRule {
        dialects: AZ_PREVIEW,
        event: "session.update",
        pointer: "/session/audio",
        trigger: Trigger::Present,
        citation: "GA nested audio config; AZ-REF RealtimeRequestSession is flat (DIALECTS.md §2 audio rows)",
    },
    RejectRule {
        dialects: AZ_PREVIEW,
        event: "session.update",
        pointer: "/session/tracing",
        trigger: Trigger::Present,
        citation: "GA-only field, absent from AZ-REF RealtimeRequestSession (DIALECTS.md §2 GA-only row)",
    },
    RejectRule {
        dialects: AZ_PREVIEW,
        event: "session.update",
        pointer: "/session/include",
        trigger: Trigger::Present,
        citation: "GA-only field, absent from AZ-REF RealtimeRequestSession (DIALECTS.md §2 GA-only row)",
    },
    RejectRule {
        dialects: AZ_PREVIEW,
        event: "session.update",
        pointer: "/session/truncation",
        trigger: Trigger::Present,
        citation: "GA-only field, absent from AZ-REF RealtimeRequestSession (DIALECTS.md §2 GA-only row)",
    },
    RejectRule {
        dialects: AZ_PREVIEW,
        event: "session.update",
        pointer: "/session/modalities",
        trigger: Trigger::Equals(r#"["audio"]"#),
        citation: "AZ-REF: \"You can't enable only audio\" (DIALECTS.md §2 output modality, §6)",
    },
    RejectRule {
        dialects: AZ_PREVIEW,
        event: "response.create",
        pointer: "/response/modalities",
        trigger: Trigger::Equals(r#"["audio"]"#),
        citation: "AZ-REF RealtimeResponseOptions.modalities: \"same rule\" as the session",
    },
    RejectRule {
        dialects: AZ_PREVIEW,
        event: "session.update",
        pointer: "/session/turn_detection/type",
        trigger: Trigger::Equals(r#""semantic_vad""#),
        citation: "semantic_vad errored on Azure preview in April 2025, livekit/agents#2041 (DIALECTS.md §6)",
    },
    // --- GA-shaped dialects: beta-only flat session fields ---
    RejectRule {
        dialects: GA_SHAPED,
        event: "session.update",
        pointer: "/session/modalities",
        trigger: Trigger::Present,
        citation: "beta-only; GA uses output_modalities (S-GA RealtimeSessionCreateRequestGA, DIALECTS.md §2)",
    },
    RejectRule {
        dialects: GA_SHAPED,
        event: "session.update",
        pointer: "/session/input_audio_format",
        trigger: Trigger::Present,
        citation: "beta-only; GA uses audio.input.format (S-GA RealtimeAudioFormats, DIALECTS.md §2)",
    },
    RejectRule {
        dialects: GA_SHAPED,
        event: "session.update",
        pointer: "/session/output_audio_format",
        trigger: Trigger::Present,
        citation: "beta-only; GA uses audio.output.format (DIALECTS.md §2 audio out)",
    },
    RejectRule {
        dialects: GA_SHAPED,
        event: "session.update",
        pointer: "/session/voice",
        trigger: Trigger::Present,
        citation: "beta-only; GA uses audio.output.voice (DIALECTS.md §2 voice)",
    },
    RejectRule {
        dialects: GA_SHAPED,
        event: "session.update",
        pointer: "/session/input_audio_transcription",
        trigger: Trigger::Present,
        citation: "beta-only; GA uses audio.input.transcription (DIALECTS.md §2 transcription)",
    },
    RejectRule {
        dialects: GA_SHAPED,
        event: "session.update",
        pointer: "/session/turn_detection",
        trigger: Trigger::Present,
        citation: "beta-only; GA uses audio.input.turn_detection (DIALECTS.md §2 turn detection)",
    },
    RejectRule {
        dialects: GA_SHAPED,
        event: "session.update",
        pointer: "/session/input_audio_noise_reduction",
        trigger: Trigger::Present,
        citation: "beta-only; GA uses audio.input.noise_reduction (DIALECTS.md §2 noise reduction)",
    },
    RejectRule {
        dialects: GA_SHAPED,
        event: "session.update",
        pointer: "/session/temperature",
        trigger: Trigger::Present,
        citation: "no temperature in GA (DIALECTS.md §2 sampling row, S-GA)",
    },
    RejectRule {
        dialects: GA_SHAPED,
        event: "session.update",
        pointer: "/session/max_response_output_tokens",
        trigger: Trigger::Present,
        citation: "beta name; GA uses max_output_tokens (DIALECTS.md §2 token cap)",
    },
    RejectRule {
        dialects: GA_SHAPED,
        event: "session.update",
        pointer: "/session/output_modalities",
        trigger: Trigger::Equals(r#"["audio","text"]"#),
        citation: "S-GA output_modalities: \"not possible to request both\" (DIALECTS.md §2)",
    },
    RejectRule {
        dialects: GA_SHAPED,
        event: "session.update",
        pointer: "/session/output_modalities",
        trigger: Trigger::Equals(r#"["text","audio"]"#),
        citation: "S-GA output_modalities: \"not possible to request both\" (DIALECTS.md §2)",
    },
    RejectRule {
        dialects: GA_SHAPED,
        event: "response.create",
        pointer: "/response/modalities",
        trigger: Trigger::Present,
        citation: "beta name; GA RealtimeResponseCreateParams uses output_modalities (DIALECTS.md §2 response.create)",
    },
    RejectRule {
        dialects: GA_SHAPED,
        event: "response.create",
        pointer: "/response/temperature",
        trigger: Trigger::Present,
        citation: "no temperature in GA RealtimeResponseCreateParams (DIALECTS.md §2 response.create)",
    },
];

/// Every reject rule of `dialect` that `frame` hits, as violations naming the rule's citation.
pub fn check(dialect: Dialect, frame: &Value) -> Vec<Violation> {
    let event_type = frame.get("type").and_then(Value::as_str).unwrap_or("");
    REJECT_RULES
        .iter()
        .filter(|rule| rule.event == event_type && rule.dialects.contains(&dialect))
        .filter_map(|rule| {
            let value = frame.pointer(rule.pointer)?;
            let hit = match rule.trigger {
                Trigger::Present => true,
                Trigger::Equals(literal) => serde_json::from_str::<Value>(literal)
                    .is_ok_and(|expected| json_eq(&expected, value)),
            };
            hit.then(|| Violation {
                path: format!("${}", rule.pointer.replace('/', ".")),
                message: format!("rejected by {dialect} ({}): {}", show(value), rule.citation),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_literal_parses() {
        for rule in REJECT_RULES {
            if let Trigger::Equals(literal) = rule.trigger {
                assert!(serde_json::from_str::<Value>(literal).is_ok(), "{literal}");
            }
            assert!(rule.pointer.starts_with('/'), "{}", rule.pointer);
            assert!(!rule.citation.is_empty());
        }
    }

    #[test]
    fn azure_preview_rejects_ga_session_fields() {
        let frame = json!({"type": "session.update", "session": {
            "type": "realtime", "output_modalities": ["audio"], "modalities": ["audio"], "instructions": "x"
        }});
        let paths: Vec<String> = check(Dialect::AzureOpenAiPreview, &frame)
            .into_iter()
            .map(|v| v.path)
            .collect();
        assert_eq!(
            paths,
            [
                "$.session.type",
                "$.session.output_modalities",
                "$.session.modalities"
            ]
        );
        let fine = json!({"type": "session.update", "session": {"modalities": ["text", "audio"]}});
        assert_eq!(check(Dialect::AzureOpenAiPreview, &fine), vec![]);
        assert_eq!(
            check(Dialect::OpenAiBeta, &frame),
            vec![],
            "no rules for OpenAI beta"
        );
    }

    #[test]
    fn ga_rejects_beta_only_fields() {
        let frame = json!({"type": "session.update", "session": {"type": "realtime", "temperature": 0.8, "modalities": ["text"]}});
        let hits = check(Dialect::OpenAiGa, &frame);
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].path, "$.session.modalities");
        assert!(
            hits[1]
                .message
                .starts_with("rejected by openai-ga (0.8): no temperature in GA"),
            "{}",
            hits[1].message
        );
        let both =
            json!({"type": "session.update", "session": {"output_modalities": ["text", "audio"]}});
        assert_eq!(check(Dialect::AzureOpenAiGaV1, &both).len(), 1);
    }
}
