//! Session control the app asks for: per-response overrides, programmatic handoffs,
//! agent updates, tool progress, and input guardrails. Each goes through the same
//! checks as the model's own actions (invariants 1, 4, 5 and 6 of the
//! [agent machine](super)).

use std::time::Instant;

use super::{AgentMachine, Command, full_config, validate_agent};
use crate::agent::definition::{Agent, Handoff, HandoffContext};
use crate::agent::event::{AgentError, AgentEvent};
use crate::agent::guardrail::Verdict;
use crate::agent::history::{History, HistoryEntry};
use crate::agent::tool::ToolProgress;
use crate::protocol::{ClientEvent, ResponseConfig, ToolChoice, Voice};

/// Responses with overrides waiting for their turn; further ones are refused.
pub const MAX_QUEUED_OVERRIDES: usize = 16;

/// A switch of agent, checked and not yet carried out.
pub(super) struct Switch {
    target: String,
    /// The client events that make the target's settings active.
    update: Vec<ClientEvent>,
    new_voice: Option<Voice>,
    voice_kept: bool,
    input: Option<serde_json::Value>,
    filtered: Option<History>,
    via: Option<Handoff>,
}

impl AgentMachine {
    /// Checks an app command without carrying it out: `Ok` if
    /// [`handle`](Self::handle) would accept it now. Commands other than
    /// [`Command::RespondWith`], [`Command::HandoffTo`] and [`Command::UpdateAgent`]
    /// are always accepted.
    ///
    /// # Errors
    /// [`AgentError::Refused`] when the dialect refuses what the command would send;
    /// [`AgentError::InvalidCommand`] for overrides naming a tool the active agent
    /// does not have; [`AgentError::UnknownAgent`] and [`AgentError::InvalidAgent`]
    /// for handoffs and agent updates.
    pub fn check(&self, command: &Command) -> Result<(), AgentError> {
        match command {
            Command::RespondWith(overrides) => self.response_config(overrides).map(drop),
            Command::HandoffTo(target) => {
                if *target == self.current {
                    return Ok(());
                }
                let via = self.handoff_definition(target);
                self.prepare_switch(target, None, via).map(drop)
            }
            Command::UpdateAgent(agent) => self.check_update(agent),
            _ => Ok(()),
        }
    }

    fn response_config(
        &self,
        overrides: &crate::agent::ResponseOverrides,
    ) -> Result<ResponseConfig, AgentError> {
        let provider = self.provider;
        let agent = self
            .agent(&self.current)
            .ok_or_else(|| AgentError::UnknownAgent(self.current.clone()))?;
        let config = overrides
            .to_config(agent)
            .map_err(|reason| AgentError::InvalidCommand {
                provider,
                what: "respond_with",
                reason,
            })?;
        self.dialect
            .encode(&ClientEvent::create_response_with(config.clone()))
            .map_err(|source| AgentError::Refused {
                provider,
                what: "response.create with overrides".to_owned(),
                source: Box::new(source),
            })?;
        Ok(config)
    }

    pub(super) fn on_respond_with(
        &mut self,
        now: Instant,
        overrides: &crate::agent::ResponseOverrides,
    ) {
        let config = match self.response_config(overrides) {
            Ok(config) => config,
            Err(error) => {
                tracing::warn!(%error, "response overrides refused");
                self.emit(AgentEvent::Error(error));
                return;
            }
        };
        if self.overrides.len() >= MAX_QUEUED_OVERRIDES {
            let provider = self.provider;
            self.emit(AgentEvent::Error(AgentError::Overflow {
                provider,
                what: "responses with overrides waiting",
                limit: MAX_QUEUED_OVERRIDES,
            }));
            return;
        }
        self.overrides.push_back(config);
        self.request_response(now);
    }

    /// A spoken filler or a status from a running tool.
    pub(super) fn on_tool_progress(&mut self, call_id: &str, progress: ToolProgress) {
        let Some(call) = self.calls.get(call_id) else {
            tracing::debug!(call_id, "progress of a call already answered dropped");
            return;
        };
        let tool = call.name.clone();
        if let ToolProgress::Say(text) = &progress
            && self.connection.is_online()
        {
            let mut config = ResponseConfig::new().instructions(format!(
                "A tool is still working. Tell the user this, in one short sentence and in your own voice, and nothing else: {text}"
            ));
            config.tools = Some(Vec::new());
            config.tool_choice = Some(ToolChoice::None);
            match self
                .dialect
                .encode(&ClientEvent::create_response_with(config.clone()))
            {
                Ok(_) => self.filler = Some((call_id.to_owned(), config)),
                Err(source) => {
                    let provider = self.provider;
                    self.emit(AgentEvent::Error(AgentError::Refused {
                        provider,
                        what: "response.create for a spoken filler".to_owned(),
                        source: Box::new(source),
                    }));
                }
            }
        }
        self.emit(AgentEvent::ToolProgress {
            tool,
            call_id: call_id.to_owned(),
            progress,
        });
    }

    /// Sends the filler of a call still running, when nothing else is in flight
    /// or wanted.
    pub(super) fn maybe_send_filler(&mut self, now: Instant) {
        let Some((call_id, _)) = &self.filler else {
            return;
        };
        if !self.calls.is_live(call_id) {
            self.filler = None;
            return;
        }
        if !self.connection.is_online()
            || self.gate.busy()
            || self.gate.pending()
            || !self.overrides.is_empty()
        {
            return;
        }
        if let Some((_, config)) = self.filler.take() {
            self.overrides.push_back(config);
            self.request_response(now);
        }
    }

    /// The current agent's handoff definition to `target`, if it has one.
    fn handoff_definition(&self, target: &str) -> Option<&Handoff> {
        self.agent(&self.current)?
            .handoffs()
            .iter()
            .find(|handoff| handoff.target == target)
    }

    /// A handoff the app asked for: now, or when the response in progress ends.
    pub(super) fn on_handoff_to(&mut self, target: &str) {
        if self.gate.active() || self.calls.pending_handoff().is_some() {
            self.requested_handoff = Some(target.to_owned());
            return;
        }
        self.switch_now(target);
    }

    /// Switches to `target` now (a handoff without a call).
    pub(super) fn switch_now(&mut self, target: &str) {
        if target == self.current {
            return;
        }
        let via = self.handoff_definition(target).cloned();
        match self.prepare_switch(target, None, via.as_ref()) {
            Ok(switch) => self.commit_switch(switch, true),
            Err(error) => {
                tracing::warn!(%error, target, "handoff refused; the agent stays");
                self.emit(AgentEvent::Error(error));
            }
        }
    }

    /// Checks a switch to `target` completely (the agent exists, the filter ran, its
    /// `session.update` encodes) without changing anything.
    pub(super) fn prepare_switch(
        &self,
        target: &str,
        input: Option<serde_json::Value>,
        via: Option<&Handoff>,
    ) -> Result<Switch, AgentError> {
        let next = self
            .agent(target)
            .ok_or_else(|| AgentError::UnknownAgent(target.to_owned()))?;
        let filtered = via.and_then(|handoff| handoff.filter_history(&self.history));
        let history = filtered.as_ref().unwrap_or(&self.history);
        let mut voice_kept = false;
        let mut new_voice = None;
        if let Some(voice) = next.voice_setting()
            && self.current_voice.as_ref() != Some(voice)
        {
            if self.dialect.capabilities().voice_change_after_audio
                || !self.turn.assistant_audio_seen
            {
                new_voice = Some(voice.clone());
            } else {
                voice_kept = true;
            }
        }
        let update = super::switch_events(
            self.dialect.as_ref(),
            &self.base,
            next,
            history,
            input.as_ref(),
            new_voice.as_ref(),
        )
        .map_err(|source| AgentError::Refused {
            provider: self.provider,
            what: format!("the settings switch for the handoff to `{target}`"),
            source: Box::new(source),
        })?;
        Ok(Switch {
            target: target.to_owned(),
            update,
            new_voice,
            voice_kept,
            input,
            filtered,
            via: via.cloned(),
        })
    }

    /// Carries out a checked switch: the update, the filtered history, the hook, the
    /// events. `handoff`: a change of agent (otherwise the same agent's new settings).
    pub(super) fn commit_switch(&mut self, switch: Switch, handoff: bool) {
        let Switch {
            target,
            update,
            new_voice,
            voice_kept,
            input,
            filtered,
            via,
        } = switch;
        self.actions
            .extend(update.into_iter().map(super::Action::Send));
        if let Some(voice) = new_voice {
            self.current_voice = Some(voice);
        }
        if let Some(filtered) = filtered {
            let kept: std::collections::HashSet<&str> = filtered.message_ids().collect();
            let dropped: Vec<String> = self
                .history
                .message_ids()
                .filter(|id| !kept.contains(id))
                .map(str::to_owned)
                .collect();
            for item_id in dropped {
                self.send(ClientEvent::delete_item(item_id));
            }
            let limit = self.history.limit();
            self.history = match limit {
                Some(limit) => filtered.with_limit(limit),
                None => filtered,
            };
        }
        if !handoff {
            self.emit(AgentEvent::AgentUpdated { agent: target });
            return;
        }
        self.handoff_input = input;
        let from = std::mem::replace(&mut self.current, target.clone());
        if let Some(via) = &via {
            let empty = serde_json::Value::Object(serde_json::Map::new());
            via.run_hook(&HandoffContext {
                from: &from,
                to: &target,
                input: self.handoff_input.as_ref().unwrap_or(&empty),
                history: &self.history,
                state: &self.state,
            });
        }
        self.history.push(HistoryEntry::Handoff {
            from: from.clone(),
            to: target.clone(),
        });
        self.emit(AgentEvent::Handoff {
            from,
            to: target.clone(),
        });
        if voice_kept {
            self.emit(AgentEvent::VoiceKept { agent: target });
        }
    }

    fn check_update(&self, agent: &Agent) -> Result<(), AgentError> {
        let mut agents = (*self.agents).clone();
        agents.insert(agent.name().to_owned(), agent.clone());
        validate_agent(
            agent,
            &agents,
            &self.base,
            self.current_voice.as_ref(),
            self.dialect.as_ref(),
            &self.state,
        )?;
        // Every other agent's handoffs must still resolve (an update never removes
        // an agent, so they do).
        if agent.name() == self.current {
            let voice = self.current_voice.clone();
            let config = full_config(
                &self.base,
                agent,
                &self.history,
                voice,
                self.handoff_input.as_ref(),
            );
            self.dialect
                .encode(&ClientEvent::session_update(config))
                .map_err(|source| AgentError::Refused {
                    provider: self.provider,
                    what: format!(
                        "session.update for the new definition of `{}`",
                        agent.name()
                    ),
                    source: Box::new(source),
                })?;
        }
        Ok(())
    }

    pub(super) fn on_update_agent(&mut self, agent: Agent) {
        if let Err(error) = self.check_update(&agent) {
            tracing::warn!(%error, agent = agent.name(), "agent update refused");
            self.emit(AgentEvent::Error(error));
            return;
        }
        let name = agent.name().to_owned();
        std::sync::Arc::make_mut(&mut self.agents).insert(name.clone(), agent);
        if name != self.current {
            self.emit(AgentEvent::AgentUpdated { agent: name });
            return;
        }
        match self.prepare_switch(&name, self.handoff_input.clone(), None) {
            Ok(switch) => self.commit_switch(switch, false),
            // Checked above; a dialect that changes its mind is reported.
            Err(error) => self.emit(AgentEvent::Error(error)),
        }
    }

    /// Runs the active agent's input guardrails on a final user transcript; `true`
    /// if one tripped (the turn is then not answered).
    pub(super) fn input_tripped(&mut self, now: Instant, item_id: &str, transcript: &str) -> bool {
        let Some(agent) = self.agent(&self.current) else {
            return false;
        };
        let tripped = agent.input_guardrails().iter().find_map(|guardrail| {
            match guardrail.check_with(transcript, &self.state) {
                Verdict::Trip { reason } => Some((guardrail.name().to_owned(), reason)),
                Verdict::Pass => None,
            }
        });
        let Some((guardrail, reason)) = tripped else {
            return false;
        };
        tracing::info!(guardrail, item_id, "input guardrail tripped");
        self.send(ClientEvent::delete_item(item_id));
        if self.gate.active() {
            // The server already answers the turn: stop it and remove what it said
            // (what was held for this check was never heard: deleted, not truncated).
            self.unhear_held();
            self.stop_output(now, true);
            self.turn.suppressing = true;
        } else if self.gate.create_unanswered() {
            // A response.create (push-to-talk's, typically) is on its way: the
            // response it starts answers this turn.
            self.turn.suppress_next = true;
            self.turn.suppress_own = true;
        } else if self.server_creates_responses {
            self.turn.suppress_next = true;
        }
        self.emit(AgentEvent::InputGuardrailTripped {
            guardrail,
            reason,
            item_id: item_id.to_owned(),
            transcript: transcript.to_owned(),
        });
        true
    }

    /// A response started: cancelled at once if it answers a stopped turn.
    pub(super) fn on_response_started(&mut self) {
        if self.turn.suppress_next && (self.turn.suppress_own || !self.gate.create_unanswered()) {
            self.turn.suppress_next = false;
            self.turn.suppress_own = false;
            self.turn.suppressing = true;
            self.send(ClientEvent::cancel_response());
        }
    }

    /// An output item of a suppressed response: deleted, its call not run.
    pub(super) fn suppress_item(&mut self, item: &crate::protocol::Item) {
        let (id, call_id) = match item {
            crate::protocol::Item::Message(message) => (message.id.clone(), None),
            crate::protocol::Item::FunctionCall(call) => {
                (call.id.clone(), Some(call.call_id.clone()))
            }
            _ => (None, None),
        };
        if let Some(call_id) = call_id.filter(|id| !id.is_empty()) {
            self.calls.remember(&call_id);
        }
        if let Some(id) = id
            && !self.turn.silenced.contains(&id)
        {
            self.turn.silenced.insert(&id);
            self.playback.forget(&id);
            self.send(ClientEvent::delete_item(id));
        }
    }
}
