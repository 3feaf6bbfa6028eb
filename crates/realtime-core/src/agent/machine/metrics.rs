//! The machine's clock readings for [`ResponseMetrics`]: all taken from the `now`
//! handed to each input.

use std::collections::HashMap;
use std::time::Instant;

use crate::agent::metrics::{ResponseMetrics, TokenUsage, ToolTiming};
use crate::protocol::Usage;

/// Tool starts remembered at once (beyond, the oldest are not timed).
const MAX_TIMED_TOOLS: usize = 256;

#[derive(Debug, Default)]
pub(super) struct MetricsLedger {
    speech_stopped_at: Option<Instant>,
    requested_at: Option<Instant>,
    /// Readings of the response in progress.
    current: ResponseMetrics,
    first_audio_seen: bool,
    first_text_seen: bool,
    tool_starts: HashMap<String, (String, Instant)>,
    handoff_asked_at: Option<Instant>,
    session_usage: TokenUsage,
}

impl MetricsLedger {
    pub(super) fn speech_stopped(&mut self, now: Instant) {
        self.speech_stopped_at = Some(now);
    }

    pub(super) fn requested(&mut self, now: Instant) {
        self.requested_at = Some(now);
    }

    pub(super) fn response_started(&mut self, response_id: Option<&str>) {
        self.current.response_id = response_id.map(str::to_owned);
        self.first_audio_seen = false;
        self.first_text_seen = false;
    }

    pub(super) fn audio(&mut self, now: Instant) {
        if !self.first_audio_seen {
            self.first_audio_seen = true;
            if let Some(stopped) = self.speech_stopped_at.take() {
                self.current.speech_end_to_first_audio =
                    Some(now.saturating_duration_since(stopped));
            }
        }
    }

    pub(super) fn text(&mut self, now: Instant) {
        if !self.first_text_seen {
            self.first_text_seen = true;
            if let Some(requested) = self.requested_at.take() {
                self.current.request_to_first_text = Some(now.saturating_duration_since(requested));
            }
        }
    }

    pub(super) fn tool_started(&mut self, call_id: &str, tool: &str, now: Instant) {
        if self.tool_starts.len() < MAX_TIMED_TOOLS {
            self.tool_starts
                .insert(call_id.to_owned(), (tool.to_owned(), now));
        }
    }

    pub(super) fn tool_finished(&mut self, call_id: &str, now: Instant) {
        if let Some((tool, started)) = self.tool_starts.remove(call_id)
            && self.current.tools.len() < MAX_TIMED_TOOLS
        {
            self.current.tools.push(ToolTiming {
                tool,
                call_id: call_id.to_owned(),
                duration: now.saturating_duration_since(started),
            });
        }
    }

    pub(super) fn handoff_asked(&mut self, now: Instant) {
        self.handoff_asked_at = Some(now);
    }

    pub(super) fn handoff_applied(&mut self, now: Instant) {
        if let Some(asked) = self.handoff_asked_at.take() {
            self.current.handoff = Some(now.saturating_duration_since(asked));
        }
    }

    /// The response ended: its metrics, the session's usage updated.
    pub(super) fn finish(
        &mut self,
        response_id: Option<&str>,
        usage: Option<&Usage>,
    ) -> ResponseMetrics {
        let usage = usage.map(TokenUsage::from_usage).unwrap_or_default();
        self.session_usage.add(&usage);
        let mut metrics = std::mem::take(&mut self.current);
        if response_id.is_some() {
            metrics.response_id = response_id.map(str::to_owned);
        }
        metrics.usage = usage;
        metrics.session_usage = self.session_usage;
        self.first_audio_seen = false;
        self.first_text_seen = false;
        metrics
    }
}
