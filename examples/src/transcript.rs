//! A readable transcript of an agent session, and counts of what happened.
//!
//! ```text
//! user: Hi, this is Ada Lovelace, my number is 555 0100.
//!   -> verify_customer {"name":"Ada Lovelace","phone":"555 0100"}
//!   <- verify_customer {"verified":true,"customer_id":"C-0042"}
//! [auth] assistant: Thanks Ada, you're verified.
//!   == handoff auth -> returns ==
//! [returns] assistant: Good news: order 1042 ... [interrupted by the user at 200 ms]
//! ```

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

use realtime::agent::{AgentError, AgentEvent};
use realtime::protocol::{Item, ResponseStatus, Role, ServerEvent};

/// Keeps track of a session's events and renders them as lines.
#[derive(Debug, Default)]
pub struct Transcript {
    /// The active agent.
    current_agent: String,
    /// Assistant text so far per item (for interrupted items, whose final
    /// transcript never comes).
    partial: HashMap<String, String>,
    /// The user's text so far, from transcript deltas (GPT-Live, which sends no
    /// completed user transcript).
    partial_user: String,
    /// Turns are known from transcript deltas only ([`Transcript::from_deltas`]).
    deltas_only: bool,
    /// Tool calls seen (a call needing approval shows first as an approval request,
    /// then, approved, as a start: one call).
    calls: HashSet<String>,
    /// Counts.
    pub stats: Stats,
}

/// What happened in a session: each count is the number of lines of its kind the
/// transcript printed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stats {
    /// User turns (transcribed speech or text): the `user:` lines.
    pub user_turns: usize,
    /// Assistant turns, spoken to the end or interrupted: the `assistant:` lines.
    pub assistant_turns: usize,
    /// Tool calls: each started or awaiting approval, counted once per call id.
    pub tool_calls: usize,
    /// Tool calls that failed (error, timeout, bad arguments...).
    pub tool_failures: usize,
    /// Handoffs.
    pub handoffs: usize,
    /// Assistant turns the user interrupted (the `[interrupted` lines, included in
    /// `assistant_turns`).
    pub interruptions: usize,
    /// Output guardrails that tripped.
    pub guardrails: usize,
    /// Errors reported by the session.
    pub errors: usize,
    /// Assistant audio received, in bytes.
    pub audio_out_bytes: u64,
    /// Agents that spoke or acted, in order of first appearance.
    pub agents: Vec<String>,
    /// Token usage of the session, as of the last response.
    pub usage: realtime::agent::TokenUsage,
    /// Each response's time from the user's end of speech to its first audio.
    pub speech_to_audio: Vec<std::time::Duration>,
    /// Each response's time from the request to its first text.
    pub request_to_text: Vec<std::time::Duration>,
    /// Each tool call's duration.
    pub tool_durations: Vec<std::time::Duration>,
}

/// The median of `values`, in milliseconds, or "-" when there is none.
fn median_ms(values: &[std::time::Duration]) -> String {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).map_or_else(
        || "-".to_owned(),
        |median| format!("{} ms", median.as_millis()),
    )
}

impl Stats {
    fn saw_agent(&mut self, agent: &str) {
        if !agent.is_empty() && !self.agents.iter().any(|a| a == agent) {
            self.agents.push(agent.to_owned());
        }
    }
}

impl Transcript {
    /// A transcript of a session that starts with `agent`.
    pub fn new(agent: &str) -> Self {
        let mut transcript = Self {
            current_agent: agent.to_owned(),
            ..Self::default()
        };
        transcript.stats.saw_agent(agent);
        transcript
    }

    /// A transcript of a GPT-Live session: user and assistant lines come from
    /// transcript deltas, as [`turn_from_deltas`](Self::turn_from_deltas) ends a turn.
    pub fn from_deltas(agent: &str) -> Self {
        Self {
            deltas_only: true,
            ..Self::new(agent)
        }
    }

    fn user_from_deltas(&mut self, lines: &mut Vec<String>) {
        let user = std::mem::take(&mut self.partial_user);
        if !user.trim().is_empty() {
            self.stats.user_turns += 1;
            lines.push(format!("user: {}", user.trim()));
        }
    }

    /// The active agent.
    pub fn agent(&self) -> &str {
        &self.current_agent
    }

    /// A user turn the app sent as text (the session reports only transcribed speech).
    pub fn user_text(&mut self, text: &str) -> String {
        self.stats.user_turns += 1;
        format!("user: {text}")
    }

    /// The lines of a turn known only from transcript deltas (GPT-Live has no
    /// completed transcripts and no end of turn): what the user and the assistant
    /// said since the last call, as the app decides the turn ended.
    pub fn turn_from_deltas(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        self.user_from_deltas(&mut lines);
        let mut said: Vec<(String, String)> = self.partial.drain().collect();
        said.sort();
        for (_, text) in said {
            if !text.trim().is_empty() {
                let agent = self.current_agent.clone();
                self.stats.assistant_turns += 1;
                lines.push(format!("[{agent}] assistant: {}", text.trim()));
            }
        }
        lines
    }

    /// The lines for `event` (none for audio and raw events).
    pub fn on_event(&mut self, event: &AgentEvent) -> Vec<String> {
        let mut lines = Vec::new();
        // What the user said comes before what it caused.
        if self.deltas_only
            && matches!(
                event,
                AgentEvent::ToolStarted { .. }
                    | AgentEvent::ApprovalRequested { .. }
                    | AgentEvent::Handoff { .. }
            )
        {
            self.user_from_deltas(&mut lines);
        }
        match event {
            AgentEvent::Audio { audio, .. } => self.stats.audio_out_bytes += audio.len() as u64,
            AgentEvent::TranscriptDelta {
                role: Role::User,
                delta,
                ..
            } if self.deltas_only => self.partial_user.push_str(delta),
            AgentEvent::TranscriptDelta {
                role: Role::Assistant,
                item_id,
                delta,
            } => self
                .partial
                .entry(item_id.clone())
                .or_default()
                .push_str(delta),
            AgentEvent::Transcript {
                role,
                item_id,
                text,
                agent,
                ..
            } => {
                self.partial.remove(item_id);
                match role {
                    Role::User => {
                        self.stats.user_turns += 1;
                        lines.push(format!("user: {text}"));
                    }
                    _ => {
                        let agent = agent.as_deref().unwrap_or(&self.current_agent).to_owned();
                        self.stats.saw_agent(&agent);
                        self.stats.assistant_turns += 1;
                        lines.push(format!("[{agent}] assistant: {text}"));
                    }
                }
            }
            AgentEvent::ToolStarted {
                agent,
                tool,
                arguments,
                call_id,
            } => {
                self.count_call(call_id);
                self.stats.saw_agent(agent);
                lines.push(format!("  -> tool call {tool} {}", compact(arguments)));
            }
            AgentEvent::ToolFinished {
                tool,
                output,
                failed,
                ..
            } => {
                let mark = if *failed {
                    self.stats.tool_failures += 1;
                    " FAILED"
                } else {
                    ""
                };
                lines.push(format!("  <- tool result{mark} {tool} {}", compact(output)));
            }
            AgentEvent::ApprovalRequested {
                tool,
                arguments,
                call_id,
            } => {
                self.count_call(call_id);
                lines.push(format!(
                    "  ?? approval needed for {tool} {}",
                    compact(arguments)
                ));
            }
            AgentEvent::Handoff { from, to } => {
                self.stats.handoffs += 1;
                self.current_agent.clone_from(to);
                self.stats.saw_agent(to);
                lines.push(format!("  == handoff {from} -> {to} =="));
            }
            AgentEvent::VoiceKept { agent } => lines.push(format!(
                "  (voice kept: the provider refuses a voice change once assistant audio \
                 exists; {agent} speaks with the current voice)"
            )),
            AgentEvent::Interrupted {
                item_id,
                audio_end_ms,
            } => {
                self.stats.interruptions += 1;
                self.stats.assistant_turns += 1;
                let said = self.partial.remove(item_id).unwrap_or_default();
                let mut line = format!("[{}] assistant: {}", self.current_agent, said.trim_end());
                match audio_end_ms {
                    Some(ms) => {
                        let _ = write!(line, "... [interrupted by the user at {ms} ms]");
                    }
                    None => line.push_str("... [interrupted by the user before any audio]"),
                }
                lines.push(line);
            }
            AgentEvent::GuardrailTripped {
                guardrail, reason, ..
            } => {
                self.stats.guardrails += 1;
                lines.push(format!("  !! guardrail {guardrail} tripped: {reason}"));
            }
            AgentEvent::Metrics(metrics) => {
                self.stats.usage = metrics.session_usage;
                self.stats
                    .speech_to_audio
                    .extend(metrics.speech_end_to_first_audio);
                self.stats
                    .request_to_text
                    .extend(metrics.request_to_first_text);
                self.stats
                    .tool_durations
                    .extend(metrics.tools.iter().map(|tool| tool.duration));
            }
            AgentEvent::Error(error) => {
                self.stats.errors += 1;
                lines.push(format!("  !! {}", describe_error(error)));
            }
            AgentEvent::TranscriptionFailed { code, message, .. } => {
                self.stats.errors += 1;
                let code = code.as_deref().unwrap_or("transcription_failed");
                let hint = if code == "DeploymentNotFound" {
                    " (on Azure OpenAI the transcription model must be a deployment name)"
                } else {
                    ""
                };
                lines.push(format!(
                    "  !! the user's speech was not transcribed: {code}: {message}{hint}"
                ));
            }
            _ => {}
        }
        lines
    }

    fn count_call(&mut self, call_id: &str) {
        if self.calls.insert(call_id.to_owned()) {
            self.stats.tool_calls += 1;
        }
    }

    /// A summary block for the end of a run; every count matches the lines printed
    /// above it.
    pub fn summary(&self, elapsed: std::time::Duration) -> Vec<String> {
        let s = &self.stats;
        let agents: BTreeSet<&str> = s.agents.iter().map(String::as_str).collect();
        let guardrails = if s.guardrails > 0 {
            format!(" | guardrails tripped: {}", s.guardrails)
        } else {
            String::new()
        };
        vec![
            "--- summary ---".to_owned(),
            format!(
                "turns: {} user, {} assistant ({} interrupted) | tool calls: {} ({} failed) | \
                 handoffs: {} | errors: {}{guardrails}",
                s.user_turns,
                s.assistant_turns,
                s.interruptions,
                s.tool_calls,
                s.tool_failures,
                s.handoffs,
                s.errors
            ),
            format!(
                "agents: {} (in order: {}) | assistant audio: {:.1} s | elapsed: {:.1} s",
                agents.len(),
                s.agents.join(" -> "),
                s.audio_out_bytes as f64 / 48_000.0,
                elapsed.as_secs_f64()
            ),
            format!(
                "latency (median): speech end -> first audio {} ({} responses), request -> \
                 first text {} ({}), tools {} ({})",
                median_ms(&s.speech_to_audio),
                s.speech_to_audio.len(),
                median_ms(&s.request_to_text),
                s.request_to_text.len(),
                median_ms(&s.tool_durations),
                s.tool_durations.len()
            ),
            format!(
                "usage: {} tokens ({} in, of which {} cached and {} audio; {} out, of which {} \
                 audio and {} reasoning)",
                s.usage.total_tokens,
                s.usage.input_tokens,
                s.usage.cached_input_tokens,
                s.usage.input_audio_tokens,
                s.usage.output_tokens,
                s.usage.output_audio_tokens,
                s.usage.reasoning_tokens
            ),
        ]
    }
}

/// Whether `event` ends a spoken answer: a completed response with an assistant
/// message and no tool call, so the assistant now waits for the user. (A response
/// that called tools is followed by another one; a cancelled one was interrupted.)
pub fn assistant_finished(event: &AgentEvent) -> bool {
    let AgentEvent::Raw(raw) = event else {
        return false;
    };
    let ServerEvent::ResponseDone(done) = raw.as_ref() else {
        return false;
    };
    let output = done.response.output.as_deref().unwrap_or_default();
    done.response.status == Some(ResponseStatus::Completed)
        && !output
            .iter()
            .any(|item| matches!(item, Item::FunctionCall(_)))
        && output.iter().any(
            |item| matches!(item, Item::Message(message) if message.role == Some(Role::Assistant)),
        )
}

/// Whether `event` is assistant speech in its transcript: on GPT-Live, which has no
/// end-of-turn event, what the caller waits for before speaking again.
pub fn assistant_spoke(event: &AgentEvent) -> bool {
    matches!(
        event,
        AgentEvent::TranscriptDelta {
            role: Role::Assistant,
            ..
        }
    )
}

/// Arguments and outputs on one line.
fn compact(json: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(value) => value.to_string(),
        Err(_) => json.replace('\n', " "),
    }
}

/// An error as the user should read it.
pub fn describe_error(error: &AgentError) -> String {
    match error {
        AgentError::Server {
            provider,
            code,
            message,
            param,
        } => match param {
            Some(param) => format!("{provider} rejected {param}: {message} ({code})"),
            None => format!("{provider} error {code}: {message}"),
        },
        other => format!("error: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use realtime::agent::AgentEvent;

    use super::Transcript;

    fn count(lines: &[String], needle: &str) -> usize {
        lines.iter().filter(|line| line.contains(needle)).count()
    }

    #[test]
    fn summary_counts_the_printed_lines() {
        let mut transcript = Transcript::new("desk");
        let events = [
            AgentEvent::ApprovalRequested {
                tool: "refund".to_owned(),
                call_id: "c1".to_owned(),
                arguments: "{}".to_owned(),
            },
            // Approved: the same call starts.
            AgentEvent::ToolStarted {
                agent: "desk".to_owned(),
                tool: "refund".to_owned(),
                call_id: "c1".to_owned(),
                arguments: "{}".to_owned(),
            },
            AgentEvent::ToolFinished {
                tool: "refund".to_owned(),
                call_id: "c1".to_owned(),
                output: "{}".to_owned(),
                failed: false,
            },
            AgentEvent::ApprovalRequested {
                tool: "refund".to_owned(),
                call_id: "c2".to_owned(),
                arguments: "{}".to_owned(),
            },
            AgentEvent::ToolFinished {
                tool: "refund".to_owned(),
                call_id: "c2".to_owned(),
                output: "{}".to_owned(),
                failed: true,
            },
            AgentEvent::Interrupted {
                item_id: "a1".to_owned(),
                audio_end_ms: Some(200),
            },
            AgentEvent::Transcript {
                role: realtime::protocol::Role::Assistant,
                item_id: "a2".to_owned(),
                text: "Done.".to_owned(),
                agent: None,
                phase: None,
            },
        ];
        let mut lines = Vec::new();
        for event in &events {
            lines.extend(transcript.on_event(event));
        }
        let stats = &transcript.stats;
        assert_eq!(stats.tool_calls, 2, "{lines:#?}");
        assert_eq!(stats.tool_failures, count(&lines, "tool result FAILED"));
        assert_eq!(stats.assistant_turns, count(&lines, "assistant:"));
        assert_eq!(stats.interruptions, count(&lines, "[interrupted"));
        let summary = transcript.summary(std::time::Duration::ZERO).join("\n");
        assert!(summary.contains("2 assistant (1 interrupted)"), "{summary}");
        assert!(summary.contains("tool calls: 2 (1 failed)"), "{summary}");
    }
}
