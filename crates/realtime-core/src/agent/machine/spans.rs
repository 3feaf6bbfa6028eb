//! The session's trace: `realtime.session` → `realtime.connection` → `realtime.turn`
//! → `realtime.response` → `realtime.tool`, with attributes named after the
//! OpenTelemetry GenAI semantic conventions where they exist (`gen_ai.system`,
//! `gen_ai.agent.name`, `gen_ai.response.id`, `gen_ai.usage.*`, `gen_ai.tool.*`).
//!
//! Spans are data handed to whatever `tracing` subscriber the app installed (an
//! OpenTelemetry layer exports them); the machine opens and closes them as inputs
//! arrive, and reads no clock for them.

use std::collections::HashMap;

use tracing::Span;
use tracing::field::Empty;

use crate::agent::metrics::TokenUsage;

/// Tool spans open at once; beyond, calls are not traced individually.
const MAX_TOOL_SPANS: usize = 256;

#[derive(Debug)]
pub(super) struct Spans {
    session: Span,
    connection: Span,
    turn: Option<Span>,
    response: Option<Span>,
    tools: HashMap<String, Span>,
}

impl Spans {
    pub(super) fn new(provider: &str, dialect: &str, agent: &str) -> Self {
        let session = tracing::info_span!(
            "realtime.session",
            gen_ai.system = provider,
            realtime.dialect = dialect,
            gen_ai.agent.name = agent,
            gen_ai.usage.input_tokens = Empty,
            gen_ai.usage.output_tokens = Empty,
        );
        Self {
            session,
            connection: Span::none(),
            turn: None,
            response: None,
            tools: HashMap::new(),
        }
    }

    pub(super) fn connected(&mut self, attempt: u32, rotation: bool) {
        self.tools.clear();
        self.response = None;
        self.turn = None;
        self.connection = tracing::info_span!(
            parent: &self.session,
            "realtime.connection",
            realtime.attempt = attempt,
            realtime.rotation = rotation,
        );
    }

    /// A user turn begins (or goes on).
    pub(super) fn turn(&mut self) {
        if self.turn.is_none() {
            self.turn = Some(tracing::info_span!(parent: &self.connection, "realtime.turn"));
        }
    }

    /// The turn is over: nothing is wanted or running.
    pub(super) fn end_turn(&mut self) {
        self.turn = None;
    }

    pub(super) fn response_started(&mut self, response_id: Option<&str>, agent: &str) {
        self.turn();
        let parent = self.turn.as_ref().unwrap_or(&self.connection);
        self.response = Some(tracing::info_span!(
            parent: parent,
            "realtime.response",
            gen_ai.operation.name = "realtime",
            gen_ai.response.id = response_id.unwrap_or_default(),
            gen_ai.agent.name = agent,
            gen_ai.usage.input_tokens = Empty,
            gen_ai.usage.output_tokens = Empty,
            gen_ai.usage.cached_input_tokens = Empty,
            gen_ai.usage.reasoning_tokens = Empty,
            realtime.audio_output_tokens = Empty,
        ));
    }

    pub(super) fn response_done(&mut self, usage: &TokenUsage, session_usage: &TokenUsage) {
        if let Some(span) = self.response.take() {
            span.record("gen_ai.usage.input_tokens", usage.input_tokens);
            span.record("gen_ai.usage.output_tokens", usage.output_tokens);
            span.record(
                "gen_ai.usage.cached_input_tokens",
                usage.cached_input_tokens,
            );
            span.record("gen_ai.usage.reasoning_tokens", usage.reasoning_tokens);
            span.record("realtime.audio_output_tokens", usage.output_audio_tokens);
        }
        self.session
            .record("gen_ai.usage.input_tokens", session_usage.input_tokens);
        self.session
            .record("gen_ai.usage.output_tokens", session_usage.output_tokens);
    }

    pub(super) fn tool_started(&mut self, call_id: &str, tool: &str, agent: &str) {
        if self.tools.len() >= MAX_TOOL_SPANS {
            return;
        }
        let parent = self
            .response
            .as_ref()
            .or(self.turn.as_ref())
            .unwrap_or(&self.connection);
        let span = tracing::info_span!(
            parent: parent,
            "realtime.tool",
            gen_ai.operation.name = "execute_tool",
            gen_ai.tool.name = tool,
            gen_ai.tool.call.id = call_id,
            gen_ai.agent.name = agent,
            realtime.tool.outcome = Empty,
        );
        self.tools.insert(call_id.to_owned(), span);
    }

    pub(super) fn tool_finished(&mut self, call_id: &str, failed: bool) {
        if let Some(span) = self.tools.remove(call_id) {
            span.record("realtime.tool.outcome", if failed { "error" } else { "ok" });
        }
    }
}
