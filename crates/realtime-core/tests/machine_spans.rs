//! The agent machine's span tree (session → connection → turn → response → tool)
//! with its GenAI attributes, through a scripted conversation in simulated time.
//!
//! One test in its own binary: `tracing` caches per-callsite interest process-wide,
//! so a test without a subscriber running beside it could hide these spans.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::needless_pass_by_value
)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use realtime_core::agent::machine::{
    Action, AgentMachine, Command, Disconnect, Input, MachineConfig,
};
use realtime_core::agent::{Agent, AgentTool};
use realtime_core::dialect::GenericDialect;
use realtime_core::wire::WireShape;
use serde_json::{Value, json};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Subscriber, subscriber::with_default};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// Every span opened: its name, its parent's name, and its fields as text.
#[derive(Debug, Default, Clone)]
struct Recorded {
    spans: Vec<(String, Option<String>, HashMap<String, String>)>,
    ids: HashMap<u64, usize>,
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Recorded>>);

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let parent = ctx
            .span(id)
            .and_then(|span| span.parent().map(|parent| parent.name().to_owned()));
        let mut fields = HashMap::new();
        attrs.record(&mut Fields(&mut fields));
        let mut recorded = self.0.lock().unwrap();
        let index = recorded.spans.len();
        recorded
            .spans
            .push((attrs.metadata().name().to_owned(), parent, fields));
        recorded.ids.insert(id.into_u64(), index);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut recorded = self.0.lock().unwrap();
        if let Some(&index) = recorded.ids.get(&id.into_u64()) {
            values.record(&mut Fields(&mut recorded.spans[index].2));
        }
    }
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct City {
    /// The city.
    city: String,
}

fn server(value: Value) -> Input {
    Input::Server(
        WireShape::Ga
            .decode_server(&value.to_string())
            .unwrap()
            .into_iter()
            .next()
            .unwrap(),
    )
}

fn usage(input: u64, output: u64) -> Value {
    json!({"total_tokens": input + output, "input_tokens": input, "output_tokens": output,
        "input_token_details": {"cached_tokens": 10, "text_tokens": input - 10, "audio_tokens": 0},
        "output_token_details": {"text_tokens": 5, "audio_tokens": output - 5}})
}

struct Run {
    machine: AgentMachine,
    now: Instant,
    started: Vec<String>,
}

impl Run {
    fn feed(&mut self, input: Input) {
        self.machine.handle(self.now, input);
        while let Some(action) = self.machine.poll_action() {
            if let Action::StartTool(start) = action {
                self.started.push(start.call_id.clone());
            }
        }
    }

    fn wait(&mut self, ms: u64) {
        self.now += Duration::from_millis(ms);
    }
}

/// One scripted conversation: a spoken question answered with a tool call, then a
/// reconnect and a second answer.
fn run() -> Run {
    let weather = AgentTool::new("weather", "The weather.", |city: City, _| async move {
        Ok(json!({"city": city.city, "sky": "clear"}))
    });
    let agent = Agent::new("desk").tool(weather);
    let config = MachineConfig::new(Arc::new(GenericDialect::new(WireShape::Ga)), agent);
    let mut run = Run {
        machine: AgentMachine::new(config).unwrap(),
        now: Instant::now(),
        started: Vec::new(),
    };
    run.feed(Input::Connected {
        unix_time: 1_800_000_000,
    });
    run.feed(server(
        json!({"type": "input_audio_buffer.speech_started", "audio_start_ms": 0, "item_id": "u1"}),
    ));
    run.wait(900);
    run.feed(server(
        json!({"type": "input_audio_buffer.speech_stopped", "audio_end_ms": 900, "item_id": "u1"}),
    ));
    run.wait(50);
    run.feed(server(
        json!({"type": "response.created", "response": {"id": "r1", "status": "in_progress"}}),
    ));
    let call = json!({"id": "i_call", "type": "function_call", "call_id": "c1", "name": "weather", "arguments": "{\"city\":\"Oslo\"}"});
    run.wait(100);
    run.feed(server(json!({"type": "response.output_item.done", "response_id": "r1", "output_index": 0, "item": call})));
    run.feed(server(json!({"type": "response.done", "response": {"id": "r1", "status": "completed", "output": [call], "usage": usage(100, 20)}})));
    assert_eq!(run.started, ["c1"]);
    run.wait(2_000);
    run.feed(Input::ToolFinished {
        call_id: "c1".into(),
        result: Ok("{\"sky\":\"clear\"}".into()),
    });
    // The follow-up response.create went out now; its first text comes 120 ms later
    // and its first audio 150 ms later.
    run.feed(server(
        json!({"type": "response.created", "response": {"id": "r2", "status": "in_progress"}}),
    ));
    run.wait(120);
    run.feed(server(json!({"type": "response.output_audio_transcript.delta", "response_id": "r2", "item_id": "a1", "output_index": 0, "content_index": 0, "delta": "Clear"})));
    run.wait(30);
    run.feed(server(json!({"type": "response.output_audio.delta", "response_id": "r2", "item_id": "a1", "output_index": 0, "content_index": 0, "delta": "AAAA"})));
    run.feed(server(json!({"type": "response.done", "response": {"id": "r2", "status": "completed", "output": [], "usage": usage(200, 40)}})));
    // A reconnect, then one more answer: the session's usage goes on.
    run.feed(Input::ConnectionLost(Disconnect::retryable()));
    run.wait(5_000);
    run.machine.handle_timeout(run.now);
    while run.machine.poll_action().is_some() {}
    run.feed(Input::Connected {
        unix_time: 1_800_000_010,
    });
    run.feed(Input::Command(Command::SendText("And tomorrow?".into())));
    run.feed(server(
        json!({"type": "response.created", "response": {"id": "r3", "status": "in_progress"}}),
    ));
    run.feed(server(json!({"type": "response.done", "response": {"id": "r3", "status": "completed", "output": [], "usage": usage(300, 60)}})));
    run
}

#[test]
fn the_span_tree_of_a_scripted_turn() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    with_default(subscriber, || {
        let _ = run();
    });
    let recorded = capture.0.lock().unwrap().clone();
    let tree: Vec<(&str, Option<&str>)> = recorded
        .spans
        .iter()
        .map(|(name, parent, _)| (name.as_str(), parent.as_deref()))
        .collect();
    assert_eq!(
        tree,
        [
            ("realtime.session", None),
            ("realtime.connection", Some("realtime.session")),
            ("realtime.turn", Some("realtime.connection")),
            ("realtime.response", Some("realtime.turn")),
            ("realtime.tool", Some("realtime.response")),
            ("realtime.response", Some("realtime.turn")),
            ("realtime.connection", Some("realtime.session")),
            ("realtime.turn", Some("realtime.connection")),
            ("realtime.response", Some("realtime.turn")),
        ]
    );
    let field = |index: usize, name: &str| recorded.spans[index].2.get(name).cloned();
    assert_eq!(field(0, "gen_ai.system").as_deref(), Some("generic"));
    assert_eq!(field(0, "gen_ai.agent.name").as_deref(), Some("desk"));
    assert_eq!(field(3, "gen_ai.response.id").as_deref(), Some("r1"));
    assert_eq!(
        field(3, "gen_ai.usage.input_tokens").as_deref(),
        Some("100")
    );
    assert_eq!(
        field(3, "gen_ai.usage.output_tokens").as_deref(),
        Some("20")
    );
    assert_eq!(field(4, "gen_ai.tool.name").as_deref(), Some("weather"));
    assert_eq!(field(4, "realtime.tool.outcome").as_deref(), Some("ok"));
    assert_eq!(
        field(0, "gen_ai.usage.input_tokens").as_deref(),
        Some("600"),
        "the session's total"
    );
}
