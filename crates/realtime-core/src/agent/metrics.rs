//! What a session costs and how fast it answers: token usage per response and per
//! session, and the latencies a voice agent is judged by. Delivered as
//! [`AgentEvent::Metrics`](super::AgentEvent::Metrics) at each `response.done`.

use std::time::Duration;

use serde_json::Value;

use crate::protocol::Usage;

/// Token counts, summable across responses (and across reconnects).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenUsage {
    /// Input tokens (`usage.input_tokens`).
    pub input_tokens: u64,
    /// Output tokens (`usage.output_tokens`).
    pub output_tokens: u64,
    /// Total (`usage.total_tokens`, or input plus output when absent).
    pub total_tokens: u64,
    /// Input tokens served from the cache (`input_token_details.cached_tokens`).
    pub cached_input_tokens: u64,
    /// Input audio tokens (`input_token_details.audio_tokens`).
    pub input_audio_tokens: u64,
    /// Output audio tokens (`output_token_details.audio_tokens`).
    pub output_audio_tokens: u64,
    /// Reasoning tokens (`output_token_details.reasoning_tokens`, gpt-realtime-2.x).
    pub reasoning_tokens: u64,
}

fn detail(details: Option<&Value>, key: &str) -> u64 {
    details
        .and_then(|details| details.get(key))
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

impl TokenUsage {
    /// Reads the provider's `usage` object (missing counts are 0).
    pub fn from_usage(usage: &Usage) -> Self {
        let input_tokens = usage.input_tokens.unwrap_or(0);
        let output_tokens = usage.output_tokens.unwrap_or(0);
        let input = usage.input_token_details.as_ref();
        let output = usage.output_token_details.as_ref();
        Self {
            input_tokens,
            output_tokens,
            total_tokens: usage
                .total_tokens
                .unwrap_or(input_tokens.saturating_add(output_tokens)),
            cached_input_tokens: detail(input, "cached_tokens"),
            input_audio_tokens: detail(input, "audio_tokens"),
            output_audio_tokens: detail(output, "audio_tokens"),
            reasoning_tokens: detail(output, "reasoning_tokens"),
        }
    }

    /// Adds `other` (saturating).
    pub fn add(&mut self, other: &Self) {
        self.input_tokens = self.input_tokens.saturating_add(other.input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(other.output_tokens);
        self.total_tokens = self.total_tokens.saturating_add(other.total_tokens);
        self.cached_input_tokens = self
            .cached_input_tokens
            .saturating_add(other.cached_input_tokens);
        self.input_audio_tokens = self
            .input_audio_tokens
            .saturating_add(other.input_audio_tokens);
        self.output_audio_tokens = self
            .output_audio_tokens
            .saturating_add(other.output_audio_tokens);
        self.reasoning_tokens = self.reasoning_tokens.saturating_add(other.reasoning_tokens);
    }
}

/// A tool call's duration.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ToolTiming {
    /// The tool.
    pub tool: String,
    /// The call.
    pub call_id: String,
    /// From start to its output.
    pub duration: Duration,
}

/// The metrics of one response, and of the session so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseMetrics {
    /// The response.
    pub response_id: Option<String>,
    /// Its token usage, as the provider reported it.
    pub usage: TokenUsage,
    /// The session's usage so far, this response included (it survives reconnects).
    pub session_usage: TokenUsage,
    /// From the end of the user's speech (`speech_stopped`) to the first audio of
    /// this response: what the caller perceives as the agent's reaction time.
    pub speech_end_to_first_audio: Option<Duration>,
    /// From our `response.create` to the first text or transcript of this response.
    pub request_to_first_text: Option<Duration>,
    /// Tools that finished since the previous metrics.
    pub tools: Vec<ToolTiming>,
    /// From a handoff call to the new agent's settings being sent, when one applied
    /// since the previous metrics.
    pub handoff: Option<Duration>,
}
