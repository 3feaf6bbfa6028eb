//! One agent scenario suite, written once and run against every dialect's emulator.
//!
//! Each scenario drives an [`AgentSession`] over a real loopback WebSocket against the
//! testkit emulator of one provider profile, and asserts the exact client frames the
//! agent loop wrote.
#![allow(unreachable_pub, clippy::unwrap_used, clippy::panic)]

mod support;

use std::time::Duration;

use realtime::agent::{Agent, AgentEvent, AgentTool, OutputGuardrail, ToolError, Verdict};
use realtime::protocol::{
    AudioFormat, ContentPart, Modality, Role, SessionConfig, Transcription, TurnDetection,
};
use realtime_testkit::emulator::Script;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use support::provider_behaviour::AudioOnly;
use support::{Case, Harness, Player};

#[derive(Debug, Deserialize, JsonSchema)]
struct OrderArgs {
    /// The order number.
    order: String,
}

fn lookup_tool() -> AgentTool {
    AgentTool::new(
        "lookup_order",
        "Finds an order.",
        |args: OrderArgs, _ctx| async move {
            Ok::<_, ToolError>(json!({"order": args.order, "status": "shipped"}))
        },
    )
}

fn text_config() -> SessionConfig {
    SessionConfig::new().output_modalities([Modality::Text])
}

pub async fn text_turn(case: Case) {
    let agent = Agent::new("desk").instructions("Be brief.");
    let mut h = Harness::start(
        &case,
        Script::new().say("Hello, how can I help?"),
        vec![agent],
        text_config(),
    )
    .await;
    h.session.send_text("Hi").await.unwrap();
    let text = h.transcript_of(Role::Assistant).await;
    assert_eq!(text, "Hello, how can I help?");
    let frames = h.frames().await;
    assert_eq!(
        support::types(&frames),
        [
            "session.update",
            "conversation.item.create",
            "response.create"
        ]
    );
    assert_eq!(
        frames[1]["item"],
        json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hi"}]})
    );
    case.assert_modalities(&frames[0], &["text"]);
    h.close().await;
}

pub async fn agent_speaks_first(case: Case) {
    let agent = Agent::new("desk").instructions("Greet the caller.");
    let mut h = Harness::start(
        &case,
        Script::new().say("Welcome to the desk!"),
        vec![agent],
        text_config(),
    )
    .await;
    h.session.respond().await.unwrap();
    assert_eq!(
        h.transcript_of(Role::Assistant).await,
        "Welcome to the desk!"
    );
    let frames = h.frames().await;
    assert_eq!(
        support::types(&frames),
        ["session.update", "response.create"]
    );
    h.close().await;
}

pub async fn audio_turn(case: Case) {
    let agent = Agent::new("desk").instructions("Be brief.");
    let config = SessionConfig::new()
        .transcription(Transcription::model(case.transcription_model()))
        .turn_detection(TurnDetection::server_vad());
    let mut h = Harness::start(
        &case,
        Script::new()
            .user_says("Where is my order?")
            .say("Let me check that for you."),
        vec![agent],
        config,
    )
    .await;
    h.send_silence_ms(1000).await;
    let user = h.transcript_of(Role::User).await;
    assert_eq!(user, "Where is my order?");
    let assistant = h.transcript_of(Role::Assistant).await;
    assert_eq!(assistant, "Let me check that for you.");
    assert!(h.audio_bytes() > 0, "assistant audio arrived");
    let frames = h.frames().await;
    let types = support::types(&frames);
    assert_eq!(types[0], "session.update");
    assert!(
        types[1..].iter().all(|t| *t == "input_audio_buffer.append"),
        "{types:?}"
    );
    assert_eq!(types.len(), 1 + 50, "1 s in 20 ms frames");
    h.close().await;
}

pub async fn tool_call(case: Case) {
    let agent = Agent::new("desk")
        .instructions("Look orders up.")
        .tool(lookup_tool());
    let script = Script::new()
        .call("lookup_order", json!({"order": "A-17"}))
        .say("Order A-17 has shipped.");
    let mut h = Harness::start(&case, script, vec![agent], text_config()).await;
    h.session.send_text("Where is A-17?").await.unwrap();
    assert_eq!(
        h.transcript_of(Role::Assistant).await,
        "Order A-17 has shipped."
    );
    let frames = h.frames().await;
    assert_eq!(
        support::types(&frames),
        [
            "session.update",
            "conversation.item.create",
            "response.create",
            "conversation.item.create",
            "response.create"
        ]
    );
    let output = &frames[3]["item"];
    assert_eq!(output["type"], "function_call_output");
    assert_eq!(
        serde_json::from_str::<Value>(output["output"].as_str().unwrap()).unwrap(),
        json!({"order": "A-17", "status": "shipped"})
    );
    let started = h.events.iter().any(|e| matches!(e, AgentEvent::ToolStarted { tool, arguments, .. } if tool == "lookup_order" && arguments.contains("A-17")));
    assert!(started);
    h.close().await;
}

pub async fn bad_tool_arguments(case: Case) {
    let agent = Agent::new("desk")
        .instructions("Look orders up.")
        .tool(lookup_tool());
    let script = Script::new()
        .call_raw("lookup_order", r#"{"order": 17"#)
        .say("Let me try that again.");
    let mut h = Harness::start(&case, script, vec![agent], text_config()).await;
    h.session.send_text("Where is 17?").await.unwrap();
    assert_eq!(
        h.transcript_of(Role::Assistant).await,
        "Let me try that again."
    );
    let frames = h.frames().await;
    assert_eq!(
        support::types(&frames),
        [
            "session.update",
            "conversation.item.create",
            "response.create",
            "conversation.item.create",
            "response.create"
        ]
    );
    let output: Value =
        serde_json::from_str(frames[3]["item"]["output"].as_str().unwrap()).unwrap();
    let message = output["error"].as_str().unwrap();
    assert!(
        message.starts_with("invalid arguments for `lookup_order`"),
        "{message}"
    );
    h.close().await;
}

pub async fn parallel_tool_calls(case: Case) {
    let agent = Agent::new("desk")
        .instructions("Look orders up.")
        .tool(lookup_tool());
    let script = Script::new()
        .calls([
            ("lookup_order".to_owned(), json!({"order": "A-1"})),
            ("lookup_order".to_owned(), json!({"order": "B-2"})),
        ])
        .say("Both have shipped.");
    let mut h = Harness::start(&case, script, vec![agent], text_config()).await;
    h.session.send_text("Check A-1 and B-2").await.unwrap();
    assert_eq!(h.transcript_of(Role::Assistant).await, "Both have shipped.");
    let frames = h.frames().await;
    assert_eq!(
        support::types(&frames),
        [
            "session.update",
            "conversation.item.create",
            "response.create",
            "conversation.item.create",
            "conversation.item.create",
            "response.create"
        ],
        "two outputs, then exactly one follow-up response.create"
    );
    let mut outputs: Vec<String> = frames[3..5]
        .iter()
        .map(|f| f["item"]["output"].as_str().unwrap().to_owned())
        .collect();
    outputs.sort();
    assert!(
        outputs[0].contains("A-1") && outputs[1].contains("B-2"),
        "{outputs:?}"
    );
    h.close().await;
}

pub async fn tool_timeout_and_panic(case: Case) {
    let slow = AgentTool::new(
        "slow",
        "Never finishes in time.",
        |_: OrderArgs, _ctx| async move {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok::<_, ToolError>("late")
        },
    )
    .timeout(Duration::from_millis(100));
    let boom = AgentTool::new("boom", "Panics.", |args: OrderArgs, _ctx| async move {
        if args.order.is_empty() {
            return Ok::<_, ToolError>("never");
        }
        panic!("tool bug");
    });
    let agent = Agent::new("desk")
        .instructions("Use tools.")
        .tool(slow)
        .tool(boom);
    let script = Script::new()
        .calls([
            ("slow".to_owned(), json!({"order": "1"})),
            ("boom".to_owned(), json!({"order": "2"})),
        ])
        .say("Sorry, that failed.");
    let mut h = Harness::start(&case, script, vec![agent], text_config()).await;
    h.session.send_text("Go").await.unwrap();
    assert_eq!(
        h.transcript_of(Role::Assistant).await,
        "Sorry, that failed."
    );
    let frames = h.frames().await;
    assert_eq!(
        support::types(&frames),
        [
            "session.update",
            "conversation.item.create",
            "response.create",
            "conversation.item.create",
            "conversation.item.create",
            "response.create"
        ]
    );
    let outputs: Vec<String> = frames[3..5]
        .iter()
        .map(|f| f["item"]["output"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        outputs.iter().any(|o| o.contains("timed out")),
        "{outputs:?}"
    );
    assert!(
        outputs.iter().any(|o| o.contains("failed unexpectedly")),
        "{outputs:?}"
    );
    let failed = h
        .events
        .iter()
        .filter(|e| matches!(e, AgentEvent::ToolFinished { failed: true, .. }))
        .count();
    assert_eq!(failed, 2);
    h.close().await;
}

pub async fn handoff_keeps_format(case: Case) {
    let auth = Agent::new("auth")
        .instructions("Verify the caller.")
        .handoff("returns", "Returns and refunds.");
    let returns = Agent::new("returns")
        .instructions("Handle returns.")
        .voice("coral")
        .handoff("auth", "Back to verification.");
    let config = SessionConfig::new()
        .input_audio_format(AudioFormat::G711Ulaw)
        .output_audio_format(AudioFormat::G711Ulaw)
        .turn_detection(TurnDetection::server_vad());
    let script = Script::new()
        .say("Hello, who am I speaking with?")
        .call("transfer_to_returns", json!({}))
        .say("Returns here.")
        .call("transfer_to_auth", json!({}))
        .say("Back at verification.");
    let mut h = Harness::start(&case, script, vec![auth, returns], config).await;
    h.session.send_text("Hi").await.unwrap();
    assert_eq!(
        h.transcript_of(Role::Assistant).await,
        "Hello, who am I speaking with?"
    );
    h.session
        .send_text("I want to return a lamp")
        .await
        .unwrap();
    h.until(|e| matches!(e, AgentEvent::Transcript { text, .. } if text == "Returns here."))
        .await;
    h.session
        .send_text("Actually, verify me again")
        .await
        .unwrap();
    h.until(
        |e| matches!(e, AgentEvent::Transcript { text, .. } if text == "Back at verification."),
    )
    .await;

    let handoffs: Vec<(String, String)> = h
        .events
        .iter()
        .filter_map(|e| match e {
            AgentEvent::Handoff { from, to } => Some((from.clone(), to.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        handoffs,
        [
            ("auth".to_owned(), "returns".to_owned()),
            ("returns".to_owned(), "auth".to_owned())
        ]
    );
    let voice_kept = h
        .events
        .iter()
        .any(|e| matches!(e, AgentEvent::VoiceKept { agent } if agent == "returns"));
    let rule = case.expected.voice_change_after_audio;
    assert_eq!(
        voice_kept, !rule.value,
        "voice change after audio follows the provider's rule ({})",
        rule.source
    );

    let frames = h.frames().await;
    let updates: Vec<&Value> = frames
        .iter()
        .filter(|f| f["type"] == "session.update")
        .collect();
    assert_eq!(updates.len(), 3, "initial + two handoffs");
    assert_eq!(
        updates[0],
        &case.expected_initial_g711_update(
            "Verify the caller.",
            "transfer_to_returns",
            "Returns and refunds."
        )
    );
    for update in &updates[1..] {
        let session = update["session"].as_object().unwrap();
        let keys: Vec<&str> = session
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "type")
            .collect();
        let allowed = ["instructions", "tools", "tool_choice", "voice", "audio"];
        assert!(
            keys.iter().all(|k| allowed.contains(k)),
            "handoff update carries only agent settings: {keys:?}"
        );
        assert!(
            !case.update_sets_format_or_vad(update),
            "handoff must not reset audio formats or turn detection: {update}"
        );
    }
    assert_eq!(updates[1]["session"]["instructions"], "Handle returns.");
    assert_eq!(updates[2]["session"]["instructions"], "Verify the caller.");
    let outputs: Vec<&Value> = frames
        .iter()
        .filter(|f| f["item"]["type"] == "function_call_output")
        .collect();
    assert_eq!(
        outputs[0]["item"]["output"],
        json!({"assistant": "returns"}).to_string()
    );
    h.close().await;
}

pub async fn barge_in_truncates_at_played_position(case: Case) {
    let agent = Agent::new("desk").instructions("Talk.");
    let script = Script::new()
        .audio_chunks(6)
        .say_interrupted(
            "This is a long answer that the caller will cut short right now",
            4,
        )
        .say("Sure, go ahead.");
    let mut h = Harness::start(&case, script, vec![agent], SessionConfig::new()).await;
    h.player = Player::PlaysAtMost(150);
    h.session.send_text("Tell me everything").await.unwrap();
    let (item_id, end) = h
        .until_map(|e| match e {
            AgentEvent::Interrupted {
                item_id,
                audio_end_ms,
            } => Some((item_id.clone(), *audio_end_ms)),
            _ => None,
        })
        .await;
    assert_eq!(
        end,
        Some(150),
        "truncated at what the user heard, not at the 400 ms received"
    );
    h.until(|e| matches!(e, AgentEvent::Transcript { text, .. } if text == "Sure, go ahead."))
        .await;
    let frames = h.frames().await;
    let truncate = frames
        .iter()
        .find(|f| f["type"] == "conversation.item.truncate")
        .expect("a truncate frame");
    assert_eq!(
        truncate,
        &json!({"type": "conversation.item.truncate", "item_id": item_id, "content_index": 0, "audio_end_ms": 150})
    );
    assert!(
        !frames.iter().any(|f| f["type"] == "response.cancel"),
        "the server auto-cancels with server VAD"
    );
    h.close().await;
}

pub async fn barge_in_before_first_audio(case: Case) {
    let agent = Agent::new("desk").instructions("Talk.");
    let script = Script::new().say_interrupted("Never heard", 0).say("Yes?");
    let mut h = Harness::start(&case, script, vec![agent], SessionConfig::new()).await;
    h.session.send_text("Hello").await.unwrap();
    let (item_id, end) = h
        .until_map(|e| match e {
            AgentEvent::Interrupted {
                item_id,
                audio_end_ms,
            } => Some((item_id.clone(), *audio_end_ms)),
            _ => None,
        })
        .await;
    assert_eq!(end, None);
    h.until(|e| matches!(e, AgentEvent::Transcript { text, .. } if text == "Yes?"))
        .await;
    let frames = h.frames().await;
    assert!(
        !frames
            .iter()
            .any(|f| f["type"] == "conversation.item.truncate"),
        "nothing to truncate"
    );
    let delete = frames
        .iter()
        .find(|f| f["type"] == "conversation.item.delete")
        .unwrap_or_else(|| {
            panic!(
                "a delete frame in {frames:?}, events {:?}",
                h.events
                    .iter()
                    .filter(|e| !matches!(e, AgentEvent::Raw(_)))
                    .collect::<Vec<_>>()
            )
        });
    assert_eq!(
        delete,
        &json!({"type": "conversation.item.delete", "item_id": item_id})
    );
    h.close().await;
}

pub async fn guardrail_trip(case: Case) {
    let guardrail = OutputGuardrail::new("no_refund_promises", |text| {
        if text.contains("refund") {
            Verdict::Trip {
                reason: "promised a refund".into(),
            }
        } else {
            Verdict::Pass
        }
    })
    .every_chars(1);
    let agent = Agent::new("desk")
        .instructions("Never promise refunds.")
        .output_guardrail(guardrail);
    let script = Script::new()
        .audio_chunks(4)
        .say("Of course you will get a full refund today");
    let mut h = Harness::start(&case, script, vec![agent], SessionConfig::new()).await;
    h.session.send_text("Refund?").await.unwrap();
    let (guardrail, item_id) = h
        .until_map(|e| match e {
            AgentEvent::GuardrailTripped {
                guardrail, item_id, ..
            } => Some((guardrail.clone(), item_id.clone())),
            _ => None,
        })
        .await;
    assert_eq!(guardrail, "no_refund_promises");
    h.until(|e| matches!(e, AgentEvent::ResponseDone { .. }))
        .await;
    let frames = h.frames().await;
    assert!(
        frames.iter().any(|f| f["type"] == "response.cancel"),
        "the response is cancelled: {frames:?} {:?}",
        h.events
            .iter()
            .filter(|e| !matches!(e, AgentEvent::Raw(_) | AgentEvent::Audio { .. }))
            .collect::<Vec<_>>()
    );
    let truncate = frames
        .iter()
        .find(|f| f["type"] == "conversation.item.truncate")
        .expect("truncated");
    assert_eq!(truncate["item_id"], item_id);
    assert!(
        !h.events.iter().any(|e| matches!(
            e,
            AgentEvent::Transcript {
                role: Role::Assistant,
                ..
            }
        )),
        "the tripped transcript is not reported as said"
    );
    h.close().await;
}

pub async fn approval_rejected(case: Case) {
    let refund =
        AgentTool::new(
            "issue_refund",
            "Issues a refund.",
            |args: OrderArgs, _ctx| async move {
                Ok::<_, ToolError>(format!("refunded {}", args.order))
            },
        )
        .needs_approval();
    let agent = Agent::new("desk")
        .instructions("Refund on request.")
        .tool(refund);
    let script = Script::new()
        .call("issue_refund", json!({"order": "A-9"}))
        .say("I could not issue that refund.");
    let mut h = Harness::start(&case, script, vec![agent], text_config()).await;
    h.session.send_text("Refund A-9").await.unwrap();
    let call_id = h
        .until_map(|e| match e {
            AgentEvent::ApprovalRequested { call_id, .. } => Some(call_id.clone()),
            _ => None,
        })
        .await;
    h.session.approve(call_id.clone(), false).await.unwrap();
    assert_eq!(
        h.transcript_of(Role::Assistant).await,
        "I could not issue that refund."
    );
    let frames = h.frames().await;
    let output = frames
        .iter()
        .find(|f| f["item"]["type"] == "function_call_output")
        .unwrap();
    assert_eq!(output["item"]["call_id"], call_id.as_str());
    assert!(
        output["item"]["output"]
            .as_str()
            .unwrap()
            .contains("did not approve")
    );
    h.close().await;
}

pub async fn image_input_refused(case: Case) {
    let agent = Agent::new("desk").instructions("Describe images.");
    let mut h = Harness::start(&case, Script::new(), vec![agent], text_config()).await;
    let image = ContentPart::input_image("data:image/png;base64,iVBORw0KGgo=");
    h.session
        .send_content(vec![ContentPart::input_text("What is this?"), image])
        .await
        .unwrap();
    let message = h
        .until_map(|e| match e {
            AgentEvent::Error(error) => Some(error.to_string()),
            _ => None,
        })
        .await;
    assert!(message.contains("input_image"), "{message}");
    let frames = h.frames().await;
    assert!(
        !frames
            .iter()
            .any(|f| f["type"] == "conversation.item.create"),
        "nothing the provider rejects is sent: {frames:?}"
    );
    h.close().await;
}

pub async fn image_input(case: Case) {
    let agent = Agent::new("desk").instructions("Describe images.");
    let mut h = Harness::start(
        &case,
        Script::new().say("A red square."),
        vec![agent],
        text_config(),
    )
    .await;
    let image = ContentPart::input_image("data:image/png;base64,iVBORw0KGgo=");
    h.session
        .send_content(vec![ContentPart::input_text("What is this?"), image])
        .await
        .unwrap();
    assert_eq!(h.transcript_of(Role::Assistant).await, "A red square.");
    let frames = h.frames().await;
    assert_eq!(
        frames[1]["item"]["content"][1],
        json!({"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo="})
    );
    h.close().await;
}

pub async fn audio_only_output(case: Case) {
    let agent = Agent::new("desk").instructions("Talk.");
    let config = SessionConfig::new().output_modalities([Modality::Audio]);
    let mut h = Harness::start(&case, Script::new().say("Hello."), vec![agent], config).await;
    h.session.send_text("Hi").await.unwrap();
    assert_eq!(h.transcript_of(Role::Assistant).await, "Hello.");
    assert!(h.audio_bytes() > 0, "assistant audio arrived");
    let frames = h.frames().await;
    let rule = case.expected.audio_only_output;
    let expected: &[&str] = match rule.value {
        AudioOnly::Accepted => &["audio"],
        AudioOnly::NeedsText => &["audio", "text"],
    };
    case.assert_modalities(&frames[0], expected);
    assert!(
        !h.events.iter().any(|e| matches!(e, AgentEvent::Error(_))),
        "the provider accepted the session ({}): {:?}",
        rule.source,
        h.events
            .iter()
            .filter(|e| matches!(e, AgentEvent::Error(_)))
            .collect::<Vec<_>>()
    );
    h.close().await;
}

macro_rules! dialect_suite {
    ($module:ident, $case:expr) => {
        mod $module {
            #[tokio::test]
            async fn text_turn() {
                super::text_turn($case).await;
            }
            #[tokio::test]
            async fn agent_speaks_first() {
                super::agent_speaks_first($case).await;
            }
            #[tokio::test]
            async fn audio_turn() {
                super::audio_turn($case).await;
            }
            #[tokio::test]
            async fn tool_call() {
                super::tool_call($case).await;
            }
            #[tokio::test]
            async fn bad_tool_arguments() {
                super::bad_tool_arguments($case).await;
            }
            #[tokio::test]
            async fn parallel_tool_calls() {
                super::parallel_tool_calls($case).await;
            }
            #[tokio::test]
            async fn tool_timeout_and_panic() {
                super::tool_timeout_and_panic($case).await;
            }
            #[tokio::test]
            async fn handoff_keeps_format() {
                super::handoff_keeps_format($case).await;
            }
            #[tokio::test]
            async fn barge_in_truncates_at_played_position() {
                super::barge_in_truncates_at_played_position($case).await;
            }
            #[tokio::test]
            async fn barge_in_before_first_audio() {
                super::barge_in_before_first_audio($case).await;
            }
            #[tokio::test]
            async fn guardrail_trip() {
                super::guardrail_trip($case).await;
            }
            #[tokio::test]
            async fn approval_rejected() {
                super::approval_rejected($case).await;
            }
            #[tokio::test]
            async fn image_input() {
                let case = $case;
                if case.expected.image_input.value {
                    super::image_input(case).await;
                } else {
                    super::image_input_refused(case).await;
                }
            }
            #[tokio::test]
            async fn audio_only_output() {
                super::audio_only_output($case).await;
            }
        }
    };
}

dialect_suite!(openai_ga, super::support::Case::openai_ga());
dialect_suite!(azure_openai_ga_v1, super::support::Case::azure_ga_v1());
dialect_suite!(azure_openai_preview, super::support::Case::azure_preview());
dialect_suite!(voicelive_dated, super::support::Case::voicelive_dated());
dialect_suite!(voicelive_v1, super::support::Case::voicelive_v1());

/// Every dialect of the facade's registry that has an emulator profile, through the
/// text and tool scenarios: a dialect registered in its provider crate is covered
/// here with no edit to this file.
mod registered_dialects {
    use super::support::Case;

    fn cases() -> Vec<(&'static str, Case)> {
        let cases: Vec<_> = realtime::registry::dialects()
            .filter_map(|entry| Case::registered(entry).map(|case| (entry.name, case)))
            .collect();
        // Every provider crate contributes at least one emulated dialect.
        for provider in ["OpenAI", "Azure OpenAI", "Azure AI Voice Live"] {
            assert!(
                cases
                    .iter()
                    .any(|(_, case)| case.dialect.provider() == provider),
                "no registered {provider} dialect with an emulator profile"
            );
        }
        cases
    }

    #[tokio::test]
    async fn every_registered_dialect_answers_a_text_turn() {
        for (name, case) in cases() {
            assert_eq!(case.dialect.name(), name);
            super::text_turn(case).await;
        }
    }

    #[tokio::test]
    async fn every_registered_dialect_completes_a_tool_round() {
        for (_, case) in cases() {
            super::tool_call(case).await;
        }
    }
}

/// Each dialect's capability table against the expected provider behaviour
/// (`support::provider_behaviour`, written from the protocol sources).
mod capability_tables {
    use realtime::azure_openai::{ApiVersion as AzureVersion, AzureOpenAiDialect};
    use realtime::dialect::{AudioOnlyOutput, Dialect};
    use realtime::error::EncodeError;
    use realtime::openai::OpenAiDialect;
    use realtime::protocol::{ClientEvent, SessionConfig};
    use realtime::voicelive::{ApiVersion as VoiceLiveVersion, VoiceLiveDialect};
    use serde_json::json;

    use super::support::provider_behaviour::{
        self as expected, AudioOnly, Basis, ProviderBehaviour,
    };

    /// Every dialect (and version) with the row it must match.
    fn dialects() -> Vec<(String, Box<dyn Dialect>, &'static ProviderBehaviour)> {
        let mut all: Vec<(String, Box<dyn Dialect>, &'static ProviderBehaviour)> = vec![
            (
                "openai-ga".into(),
                Box::new(OpenAiDialect::new()),
                &expected::OPENAI_GA,
            ),
            (
                "azure-openai-ga-v1".into(),
                Box::new(AzureOpenAiDialect::ga_v1()),
                &expected::AZURE_OPENAI_GA_V1,
            ),
        ];
        for version in AzureVersion::ALL {
            all.push((
                format!("azure-openai-preview {version:?}"),
                Box::new(AzureOpenAiDialect::preview(version)),
                &expected::AZURE_OPENAI_PREVIEW,
            ));
        }
        for version in VoiceLiveVersion::ALL {
            let row = match version {
                VoiceLiveVersion::V1 => &expected::VOICELIVE_V1,
                version if version.is_2026_sdk_generation() => &expected::VOICELIVE_2026,
                _ => &expected::VOICELIVE_DATED,
            };
            all.push((
                format!("voicelive {version}"),
                Box::new(VoiceLiveDialect::new(version)),
                row,
            ));
        }
        all
    }

    #[test]
    fn every_row_names_its_source() {
        for row in expected::ALL {
            for (what, source, basis) in [
                (
                    "voice change",
                    row.voice_change_after_audio.source,
                    row.voice_change_after_audio.basis,
                ),
                ("image input", row.image_input.source, row.image_input.basis),
                (
                    "audio only",
                    row.audio_only_output.source,
                    row.audio_only_output.basis,
                ),
                (
                    "rejected fields",
                    row.rejected_fields.source,
                    row.rejected_fields.basis,
                ),
                (
                    "rejected keys",
                    row.rejected_session_keys.source,
                    row.rejected_session_keys.basis,
                ),
            ] {
                assert!(source.len() > 20, "{} {what}: no source", row.dialect);
                if basis == Basis::Undocumented {
                    assert!(
                        source.contains("docs/providers.md") || source.contains("no "),
                        "{} {what}: an undocumented row says why",
                        row.dialect
                    );
                }
            }
        }
    }

    #[test]
    fn capability_tables_match_the_expected_behaviour() {
        for (name, dialect, row) in dialects() {
            let table = dialect.capabilities();
            assert_eq!(
                table.voice_change_after_audio, row.voice_change_after_audio.value,
                "{name}: voice change after audio ({})",
                row.voice_change_after_audio.source
            );
            assert_eq!(
                table.image_input, row.image_input.value,
                "{name}: image input ({})",
                row.image_input.source
            );
            let audio_only = if table.audio_only_output == AudioOnlyOutput::Native {
                AudioOnly::Accepted
            } else {
                AudioOnly::NeedsText
            };
            assert_eq!(
                audio_only, row.audio_only_output.value,
                "{name}: audio-only output ({})",
                row.audio_only_output.source
            );
            for field in row.rejected_fields.value {
                assert!(
                    !table.accepts(*field),
                    "{name}: {field:?} must not be accepted ({})",
                    row.rejected_fields.source
                );
            }
        }
    }

    /// A rejected key smuggled through the passthrough map is refused by name, never
    /// written.
    #[test]
    fn rejected_session_keys_are_refused_even_as_passthrough() {
        for (name, dialect, row) in dialects() {
            for key in row.rejected_session_keys.value {
                let mut config = SessionConfig::new().instructions("Hi");
                config.extra.insert((*key).to_owned(), json!(true));
                let result = dialect.encode(&ClientEvent::session_update(config));
                let wanted = format!("session.{key}");
                assert!(
                    matches!(&result, Err(EncodeError::Unsupported { field, .. }) if *field == wanted),
                    "{name}: `{key}` must be refused ({}), got {result:?}",
                    row.rejected_session_keys.source
                );
            }
        }
        for version in AzureVersion::ALL {
            let dialect = AzureOpenAiDialect::preview(version);
            for key in expected::AZURE_OPENAI_PREVIEW.rejected_session_keys.value {
                assert!(dialect.rejected_keys().contains(key), "{version:?}: {key}");
            }
        }
        for key in expected::AZURE_OPENAI_GA_V1.rejected_session_keys.value {
            assert!(AzureOpenAiDialect::ga_v1().rejected_keys().contains(key));
        }
    }
}
