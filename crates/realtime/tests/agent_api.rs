//! The app-facing agent API, per dialect, over real sockets against the emulator:
//! typed context and `#[tool]`, tool progress and spoken fillers, `respond_with`,
//! `handoff_to`, `update_agent`, typed handoff input with its hook and input filter,
//! and input guardrails. Each scenario asserts the exact frames the session wrote.
#![allow(unreachable_pub, clippy::unwrap_used, clippy::panic)]

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use realtime::agent::{
    Agent, AgentContext, AgentError, AgentEvent, AgentRunner, AgentTool, Handoff, HistoryEntry,
    InputGuardrail, ResponseOverrides, ToolContext, ToolError, ToolProgress, Verdict,
};
use realtime::client::RealtimeClient;
use realtime::protocol::{Modality, Role, SessionConfig, Transcription, TurnDetection};
use realtime::tool;
use realtime::transport::{ConnectRequest, StaticConnector, TransportConfig};
use realtime::wire::WireShape;
use realtime_testkit::emulator::{Emulator, Script};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use support::{Case, Harness, Player};

fn text_config() -> SessionConfig {
    SessionConfig::new().output_modalities([Modality::Text])
}

async fn start(
    case: &Case,
    script: Script,
    agents: Vec<Agent>,
    config: SessionConfig,
    customize: impl FnOnce(AgentRunner) -> AgentRunner,
) -> Harness {
    let emulator = Emulator::start(case.profile.clone(), script).await.unwrap();
    Harness::start_on(
        case,
        emulator,
        agents,
        config,
        TransportConfig::default(),
        customize,
    )
    .await
}

fn modalities_key(case: &Case) -> &'static str {
    match case.shape() {
        WireShape::Ga => "output_modalities",
        WireShape::Beta => "modalities",
    }
}

fn output_of(frame: &Value) -> Value {
    serde_json::from_str(frame["item"]["output"].as_str().unwrap()).unwrap()
}

// ---------------------------------------------------------------------------------
// Typed context and #[tool].

struct Bank {
    balances: HashMap<String, u64>,
}

/// Looks up the balance of an account.
///
/// # Arguments
/// * `account` - The account number.
#[tool]
async fn get_balance(ctx: &ToolContext<Bank>, account: String) -> Result<Value, ToolError> {
    ctx.progress(format!("looking up {account}")).await?;
    let saw_question = ctx.history().entries().iter().any(|entry| {
        matches!(entry, HistoryEntry::Message { role: Role::User, text, .. } if text.contains("balance"))
    });
    let balance = ctx
        .state()
        .balances
        .get(&account)
        .copied()
        .ok_or_else(|| ToolError::failed(format!("no account {account}")))?;
    Ok(json!({"account": account, "balance": balance, "saw_question": saw_question}))
}

pub async fn macro_tool_with_context(case: Case) {
    let agent = Agent::new("bank")
        .instructions("Answer balance questions.")
        .tool(get_balance_tool());
    let script = Script::new()
        .call("get_balance", json!({"account": "A-1"}))
        .say("You have 42.");
    let bank = Bank {
        balances: HashMap::from([("A-1".to_owned(), 42)]),
    };
    let mut h = start(&case, script, vec![agent], text_config(), |runner| {
        runner.context(bank)
    })
    .await;
    h.session.send_text("What is my balance?").await.unwrap();
    assert_eq!(h.transcript_of(Role::Assistant).await, "You have 42.");
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
    let definition = &frames[0]["session"]["tools"][0];
    assert_eq!(definition["name"], "get_balance");
    assert_eq!(
        definition["description"],
        "Looks up the balance of an account."
    );
    assert_eq!(definition["parameters"]["required"], json!(["account"]));
    assert_eq!(
        definition["parameters"]["properties"]["account"],
        json!({"type": "string", "description": "The account number."})
    );
    assert_eq!(
        output_of(&frames[3]),
        json!({"account": "A-1", "balance": 42, "saw_question": true}),
        "the tool read the app's state and the history"
    );
    let progress: Vec<&ToolProgress> = h
        .events
        .iter()
        .filter_map(|event| match event {
            AgentEvent::ToolProgress { progress, .. } => Some(progress),
            _ => None,
        })
        .collect();
    assert_eq!(
        progress,
        [&ToolProgress::Update("looking up A-1".to_owned())]
    );
    h.close().await;
}

pub async fn a_tool_without_its_state_is_refused_at_start(case: Case) {
    let agent = Agent::new("bank").tool(get_balance_tool());
    // Never connected: the agents are checked first.
    let connector = StaticConnector::new("unused", ConnectRequest::new("ws://127.0.0.1:9"));
    let client = RealtimeClient::from_parts(Arc::clone(&case.dialect), Arc::new(connector));
    let error = AgentRunner::new(client, agent)
        .context(String::from("not a bank"))
        .start()
        .await
        .unwrap_err();
    match error {
        AgentError::InvalidAgent { agent, reason, .. } => {
            assert_eq!(agent, "bank");
            assert!(
                reason.contains("Bank") && reason.contains("String"),
                "{reason}"
            );
        }
        other => panic!("expected InvalidAgent, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------
// A spoken filler while a tool runs.

struct Gate {
    release: tokio::sync::Notify,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct NoArguments {}

pub async fn spoken_filler_while_a_tool_runs(case: Case) {
    let slow = AgentTool::with_context(
        "slow_lookup",
        "Looks something up slowly.",
        |_: NoArguments, ctx: ToolContext<Gate>| async move {
            ctx.say("One moment while I look that up.").await?;
            ctx.state().release.notified().await;
            Ok::<_, ToolError>("found")
        },
    );
    let agent = Agent::new("desk").instructions("Look up.").tool(slow);
    let script = Script::new()
        .call("slow_lookup", json!({}))
        .say("One moment please.")
        .say("Found it.");
    let gate = Arc::new(Gate {
        release: tokio::sync::Notify::new(),
    });
    let state = Arc::clone(&gate);
    let mut h = start(&case, script, vec![agent], text_config(), |runner| {
        runner.context_arc(state)
    })
    .await;
    h.session.send_text("Look it up").await.unwrap();
    assert_eq!(h.transcript_of(Role::Assistant).await, "One moment please.");
    // The filler was spoken while the tool ran; now let it finish.
    gate.release.notify_one();
    assert_eq!(h.transcript_of(Role::Assistant).await, "Found it.");
    let frames = h.frames().await;
    assert_eq!(
        support::types(&frames),
        [
            "session.update",
            "conversation.item.create",
            "response.create",
            "response.create",
            "conversation.item.create",
            "response.create"
        ],
        "the filler's response, then the output and its follow-up"
    );
    let filler = &frames[3]["response"];
    assert!(
        filler["instructions"]
            .as_str()
            .unwrap()
            .contains("One moment while I look that up."),
        "{filler}"
    );
    assert_eq!(filler["tools"], json!([]), "{filler}");
    assert_eq!(filler["tool_choice"], "none", "{filler}");
    assert_eq!(frames[4]["item"]["output"], "found");
    assert!(h.events.iter().any(|event| matches!(
        event,
        AgentEvent::ToolProgress { progress: ToolProgress::Say(text), .. } if text == "One moment while I look that up."
    )));
    h.close().await;
}

// ---------------------------------------------------------------------------------
// Per-response overrides.

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

pub async fn respond_with_overrides(case: Case) {
    let agent = Agent::new("desk")
        .instructions("Be brief.")
        .tool(lookup_tool());
    let mut h = start(
        &case,
        Script::new().say("Goodbye!"),
        vec![agent],
        SessionConfig::new(),
        |runner| runner,
    )
    .await;
    let refused = h
        .session
        .respond_with(ResponseOverrides::new().tools(["no_such_tool"]))
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, AgentError::InvalidCommand { what: "respond_with", reason, .. } if reason.contains("no_such_tool")),
        "{refused:?}"
    );
    h.session
        .respond_with(
            ResponseOverrides::new()
                .instructions("Say goodbye.")
                .tools(["lookup_order"])
                .modalities([Modality::Text]),
        )
        .await
        .unwrap();
    assert_eq!(h.transcript_of(Role::Assistant).await, "Goodbye!");
    let frames = h.frames().await;
    assert_eq!(
        support::types(&frames),
        ["session.update", "response.create"],
        "nothing was sent for the refused overrides"
    );
    let response = &frames[1]["response"];
    assert_eq!(response["instructions"], "Say goodbye.");
    assert_eq!(response["tools"][0]["name"], "lookup_order");
    assert_eq!(response[modalities_key(&case)], json!(["text"]));
    h.close().await;
}

// ---------------------------------------------------------------------------------
// Handoffs the app makes, hooks, typed input, input filter.

#[derive(Default)]
struct Log {
    entries: Mutex<Vec<String>>,
}

impl Log {
    fn push(&self, entry: String) {
        self.entries.lock().unwrap().push(entry);
    }
    fn entries(&self) -> Vec<String> {
        self.entries.lock().unwrap().clone()
    }
}

pub async fn handoff_to_by_the_app(case: Case) {
    let desk = Agent::new("desk").instructions("Greet.").handoff_with(
        Handoff::new("returns", "Returns.").on_handoff(|ctx| {
            if let Some(log) = ctx.state::<Log>() {
                log.push(format!("{} -> {}: {}", ctx.from, ctx.to, ctx.input));
            }
        }),
    );
    let returns = Agent::new("returns").instructions("Handle returns.");
    let log = Arc::new(Log::default());
    let state = Arc::clone(&log);
    let mut h = start(
        &case,
        Script::new().say("Returns here."),
        vec![desk, returns],
        text_config(),
        |runner| runner.context_arc(state),
    )
    .await;
    let unknown = h.session.handoff_to("nobody").await.unwrap_err();
    assert!(
        matches!(&unknown, AgentError::UnknownAgent(name) if name == "nobody"),
        "{unknown:?}"
    );
    h.session.handoff_to("returns").await.unwrap();
    h.until(|event| matches!(event, AgentEvent::Handoff { from, to } if from == "desk" && to == "returns"))
        .await;
    h.session.respond().await.unwrap();
    assert_eq!(h.transcript_of(Role::Assistant).await, "Returns here.");
    let frames = h.frames().await;
    assert_eq!(
        support::types(&frames),
        ["session.update", "session.update", "response.create"],
        "no response is asked for by the handoff itself"
    );
    assert_eq!(frames[1]["session"]["instructions"], "Handle returns.");
    assert_eq!(log.entries(), ["desk -> returns: {}"]);
    let history = h.session.history().await.unwrap();
    assert!(history.entries().iter().any(|entry| matches!(
        entry,
        HistoryEntry::Handoff { from, to } if from == "desk" && to == "returns"
    )));
    h.close().await;
}

#[derive(Debug, Deserialize, JsonSchema)]
struct ReturnRequest {
    /// The item to return.
    item: String,
    /// Why.
    reason: String,
}

fn returns_instructions(ctx: &AgentContext<'_>) -> String {
    match ctx.handoff_input {
        Some(input) => format!(
            "Handle the return of the {} ({}).",
            input["item"].as_str().unwrap_or("?"),
            input["reason"].as_str().unwrap_or("?")
        ),
        None => "Handle returns.".to_owned(),
    }
}

pub async fn typed_handoff_input_hook_and_filter(case: Case) {
    let handoff = Handoff::new("returns", "The caller wants to return an item.")
        .input::<ReturnRequest>()
        .on_handoff(|ctx| {
            let request: ReturnRequest = ctx.input_as().unwrap();
            if let Some(log) = ctx.state::<Log>() {
                log.push(format!("{}: {}", request.item, request.reason));
            }
        })
        .input_filter(|history| {
            let mut kept = history.clone();
            kept.retain(|entry| {
                !matches!(
                    entry,
                    HistoryEntry::ToolCall { .. } | HistoryEntry::ToolOutput { .. }
                )
            });
            kept
        });
    let desk = Agent::new("desk")
        .instructions("Greet.")
        .handoff_with(handoff);
    let returns = Agent::new("returns").dynamic_instructions(returns_instructions);
    let script = Script::new()
        .call("transfer_to_returns", json!({"item": 5}))
        .call(
            "transfer_to_returns",
            json!({"item": "lamp", "reason": "broken"}),
        )
        .say("Returns here.");
    let log = Arc::new(Log::default());
    let state = Arc::clone(&log);
    let mut h = start(
        &case,
        script,
        vec![desk, returns],
        text_config(),
        |runner| runner.context_arc(state),
    )
    .await;
    h.session.send_text("My lamp is broken").await.unwrap();
    assert_eq!(h.transcript_of(Role::Assistant).await, "Returns here.");
    let frames = h.frames().await;
    assert_eq!(
        support::types(&frames),
        [
            "session.update",
            "conversation.item.create",
            "response.create",
            "conversation.item.create",
            "response.create",
            "conversation.item.create",
            "session.update",
            "response.create"
        ]
    );
    let parameters = &frames[0]["session"]["tools"][0]["parameters"];
    assert_eq!(parameters["required"], json!(["item", "reason"]));
    assert_eq!(
        parameters["properties"]["item"]["description"],
        "The item to return."
    );
    let refused = output_of(&frames[3]);
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .starts_with("invalid arguments for `transfer_to_returns`"),
        "{refused}"
    );
    assert_eq!(output_of(&frames[5]), json!({"assistant": "returns"}));
    assert_eq!(
        frames[6]["session"]["instructions"], "Handle the return of the lamp (broken).",
        "the next agent received the input"
    );
    let handoffs = h
        .events
        .iter()
        .filter(|event| matches!(event, AgentEvent::Handoff { .. }))
        .count();
    assert_eq!(handoffs, 1, "the invalid input changed nothing");
    assert_eq!(log.entries(), ["lamp: broken"]);
    let history = h.session.history().await.unwrap();
    assert!(
        !history.entries().iter().any(|entry| matches!(
            entry,
            HistoryEntry::ToolCall { .. } | HistoryEntry::ToolOutput { .. }
        )),
        "the filter removed the tool calls: {history:?}"
    );
    assert!(history.entries().iter().any(|entry| matches!(
        entry,
        HistoryEntry::Message { role: Role::User, text, .. } if text == "My lamp is broken"
    )));
    h.close().await;
}

// ---------------------------------------------------------------------------------
// The app's interrupt: the barge-in path.

pub async fn interrupt_truncates_at_what_was_heard(case: Case) {
    let agent = Agent::new("desk").instructions("Talk.");
    let script = Script::new()
        .audio_chunks(4)
        .say("This is a long answer the app will stop.")
        .say("Stopped.");
    let mut h = start(&case, script, vec![agent], SessionConfig::new(), |runner| {
        runner
    })
    .await;
    h.player = Player::PlaysAtMost(150);
    h.session.send_text("Tell me everything").await.unwrap();
    let item_id = h
        .until_map(|event| match event {
            AgentEvent::Transcript {
                role: Role::Assistant,
                item_id,
                ..
            } => Some(item_id.clone()),
            _ => None,
        })
        .await;
    h.until(|event| matches!(event, AgentEvent::ResponseDone { .. }))
        .await;
    // All 400 ms arrived; the speaker played 150 ms of it. The user presses stop.
    h.session.interrupt().await.unwrap();
    let interrupted = h
        .until_map(|event| match event {
            AgentEvent::Interrupted {
                item_id,
                audio_end_ms,
            } => Some((item_id.clone(), *audio_end_ms)),
            _ => None,
        })
        .await;
    assert_eq!(interrupted, (item_id.clone(), Some(150)));
    h.session.respond().await.unwrap();
    assert_eq!(h.transcript_of(Role::Assistant).await, "Stopped.");
    let frames = h.frames().await;
    assert_eq!(
        support::types(&frames),
        [
            "session.update",
            "conversation.item.create",
            "response.create",
            "conversation.item.truncate",
            "response.create"
        ],
        "no cancel: the response was done"
    );
    assert_eq!(
        frames[3],
        json!({"type": "conversation.item.truncate", "item_id": item_id, "content_index": 0, "audio_end_ms": 150})
    );
    h.close().await;
}

// ---------------------------------------------------------------------------------
// Agent updates.

pub async fn update_agent_is_checked_then_applied(case: Case) {
    let desk = Agent::new("desk").instructions("Old rules.");
    let mut h = start(
        &case,
        Script::new().say("New rules apply."),
        vec![desk],
        text_config(),
        |runner| runner,
    )
    .await;
    let invalid = Agent::new("desk")
        .instructions("New rules.")
        .tool(AgentTool::new(
            "bad name!",
            "Not a valid function name.",
            |_: NoArguments, _ctx| async move { Ok::<_, ToolError>("never") },
        ));
    let refused = h.session.update_agent(invalid).await.unwrap_err();
    assert!(
        matches!(&refused, AgentError::InvalidAgent { agent, reason, .. } if agent == "desk" && reason.contains("bad name!")),
        "{refused:?}"
    );
    h.session
        .update_agent(Agent::new("desk").instructions("New rules."))
        .await
        .unwrap();
    h.until(|event| matches!(event, AgentEvent::AgentUpdated { agent } if agent == "desk"))
        .await;
    h.session.respond().await.unwrap();
    assert_eq!(h.transcript_of(Role::Assistant).await, "New rules apply.");
    let frames = h.frames().await;
    assert_eq!(
        support::types(&frames),
        ["session.update", "session.update", "response.create"]
    );
    assert_eq!(frames[0]["session"]["instructions"], "Old rules.");
    assert_eq!(frames[1]["session"]["instructions"], "New rules.");
    assert!(
        !case.update_sets_format_or_vad(&frames[1]),
        "an agent update carries agent settings only: {}",
        frames[1]
    );
    h.close().await;
}

// ---------------------------------------------------------------------------------
// Input guardrails.

/// The app's policy, read by the guardrail through the runner's context.
struct CardPolicy {
    max_digits: usize,
}

fn no_card_numbers() -> InputGuardrail {
    InputGuardrail::with_context("no_card_numbers", |policy: &CardPolicy, text| {
        if text.chars().filter(char::is_ascii_digit).count() > policy.max_digits {
            Verdict::Trip {
                reason: "a card number".into(),
            }
        } else {
            Verdict::Pass
        }
    })
}

pub async fn input_guardrail_stops_the_turn(case: Case) {
    let agent = Agent::new("desk")
        .instructions("Take orders.")
        .input_guardrail(no_card_numbers());
    let config = SessionConfig::new()
        .transcription(Transcription::model(case.transcription_model()))
        .turn_detection(TurnDetection::server_vad());
    let script = Script::new()
        .user_says("my card is 4111 1111 1111 1111")
        .say("Noted your card number.")
        .say("I cannot take card numbers on this line.");
    let mut h = start(&case, script, vec![agent], config, |runner| {
        runner.context(CardPolicy { max_digits: 11 })
    })
    .await;
    h.send_silence_ms(1000).await;
    let (user_item, transcript) = h
        .until_map(|event| match event {
            AgentEvent::InputGuardrailTripped {
                guardrail,
                item_id,
                transcript,
                ..
            } if guardrail == "no_card_numbers" => Some((item_id.clone(), transcript.clone())),
            _ => None,
        })
        .await;
    assert_eq!(transcript, "my card is 4111 1111 1111 1111");
    // The app decides what is said.
    h.session
        .respond_with(
            ResponseOverrides::new().instructions("Say you cannot take card numbers here."),
        )
        .await
        .unwrap();
    assert_eq!(
        h.transcript_of(Role::Assistant).await,
        "I cannot take card numbers on this line."
    );
    assert!(
        !h.events.iter().any(|event| matches!(
            event,
            AgentEvent::Transcript { text, .. } | AgentEvent::TranscriptDelta { delta: text, .. }
                if text.contains("Noted")
        )),
        "the answer to the stopped turn reached the app"
    );
    let frames = h.frames().await;
    let sent: Vec<&Value> = frames
        .iter()
        .filter(|frame| frame["type"] != "input_audio_buffer.append")
        .collect();
    let types: Vec<&str> = sent
        .iter()
        .map(|frame| frame["type"].as_str().unwrap())
        .collect();
    assert_eq!(types[0], "session.update");
    assert_eq!(
        sent[1],
        &json!({"type": "conversation.item.delete", "item_id": user_item}),
        "the stopped user item leaves the model's context first"
    );
    assert_eq!(types[2], "response.cancel", "{types:?}");
    assert_eq!(
        types[3..types.len() - 1],
        ["conversation.item.delete"],
        "the stopped answer is deleted: {types:?}"
    );
    assert_eq!(types.last(), Some(&"response.create"), "{types:?}");
    assert_eq!(
        sent.last().unwrap()["response"]["instructions"],
        "Say you cannot take card numbers here."
    );
    let history = h.session.history().await.unwrap();
    assert!(
        !history.entries().iter().any(|entry| matches!(
            entry,
            HistoryEntry::Message { text, .. } if text.contains("4111") || text.contains("Noted")
        )),
        "{history:?}"
    );
    h.close().await;
}

macro_rules! dialect_suite {
    ($module:ident, $case:expr) => {
        mod $module {
            #[tokio::test]
            async fn macro_tool_with_context() {
                super::macro_tool_with_context($case).await;
            }
            #[tokio::test]
            async fn a_tool_without_its_state_is_refused_at_start() {
                super::a_tool_without_its_state_is_refused_at_start($case).await;
            }
            #[tokio::test]
            async fn spoken_filler_while_a_tool_runs() {
                super::spoken_filler_while_a_tool_runs($case).await;
            }
            #[tokio::test]
            async fn respond_with_overrides() {
                super::respond_with_overrides($case).await;
            }
            #[tokio::test]
            async fn handoff_to_by_the_app() {
                super::handoff_to_by_the_app($case).await;
            }
            #[tokio::test]
            async fn typed_handoff_input_hook_and_filter() {
                super::typed_handoff_input_hook_and_filter($case).await;
            }
            #[tokio::test]
            async fn interrupt_truncates_at_what_was_heard() {
                super::interrupt_truncates_at_what_was_heard($case).await;
            }
            #[tokio::test]
            async fn update_agent_is_checked_then_applied() {
                super::update_agent_is_checked_then_applied($case).await;
            }
            #[tokio::test]
            async fn input_guardrail_stops_the_turn() {
                super::input_guardrail_stops_the_turn($case).await;
            }
        }
    };
}

dialect_suite!(openai_ga, super::Case::openai_ga());
dialect_suite!(azure_ga_v1, super::Case::azure_ga_v1());
dialect_suite!(azure_preview, super::Case::azure_preview());
dialect_suite!(voicelive_dated, super::Case::voicelive_dated());
dialect_suite!(voicelive_v1, super::Case::voicelive_v1());
