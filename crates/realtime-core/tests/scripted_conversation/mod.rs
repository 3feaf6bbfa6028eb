//! One scripted conversation on the agent machine, in simulated time, shared by the
//! metrics and span tests: a spoken question answered with a tool call, then a
//! reconnect and a second answer.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::needless_pass_by_value
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use realtime_core::agent::machine::{
    Action, AgentMachine, Command, Disconnect, Input, MachineConfig,
};
use realtime_core::agent::{Agent, AgentEvent, AgentTool, ResponseMetrics};
use realtime_core::dialect::GenericDialect;
use realtime_core::wire::WireShape;
use serde_json::{Value, json};

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

pub struct Run {
    pub machine: AgentMachine,
    pub now: Instant,
    pub metrics: Vec<ResponseMetrics>,
    pub started: Vec<String>,
}

impl Run {
    fn feed(&mut self, input: Input) {
        self.machine.handle(self.now, input);
        while let Some(action) = self.machine.poll_action() {
            match action {
                Action::Emit(AgentEvent::Metrics(metrics)) => self.metrics.push(*metrics),
                Action::StartTool(start) => self.started.push(start.call_id.clone()),
                _ => {}
            }
        }
    }

    fn wait(&mut self, ms: u64) {
        self.now += Duration::from_millis(ms);
    }
}

/// One scripted conversation: a spoken question answered with a tool call, then a
/// reconnect and a second answer.
pub fn run() -> Run {
    let weather = AgentTool::new("weather", "The weather.", |city: City, _| async move {
        Ok(json!({"city": city.city, "sky": "clear"}))
    });
    let agent = Agent::new("desk").tool(weather);
    let config = MachineConfig::new(Arc::new(GenericDialect::new(WireShape::Ga)), agent);
    let mut run = Run {
        machine: AgentMachine::new(config).unwrap(),
        now: Instant::now(),
        metrics: Vec::new(),
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
