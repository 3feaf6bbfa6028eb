//! Tool calls and handoffs (invariants 3 and 4 of the [agent machine](super)).

use std::time::Instant;

use super::calls::{Admit, Call, CallState};
use super::{Action, AgentMachine, ToolStart};
use crate::agent::definition::Handoff;
use crate::agent::event::{AgentError, AgentEvent};
use crate::agent::history::HistoryEntry;
use crate::agent::tool::ToolError;
use crate::protocol::{ClientEvent, Item};

/// Largest tool arguments accepted; larger calls get an error output and are not
/// kept in the history.
pub const MAX_TOOL_ARGUMENT_BYTES: usize = 1024 * 1024;

impl AgentMachine {
    /// A function call from the server (any of the events that announce one).
    pub(super) fn on_function_call(
        &mut self,
        now: Instant,
        call_id: &str,
        name: &str,
        arguments: &str,
    ) {
        if call_id.is_empty() {
            let provider = self.provider;
            self.emit(AgentEvent::Error(AgentError::Protocol {
                provider,
                detail: format!("a function call to `{name}` without a call_id cannot be answered"),
            }));
            return;
        }
        if self.calls.admit(call_id) == Admit::Duplicate {
            return;
        }
        if self.turn.suppressing {
            // A response to a turn an input guardrail stopped: its calls are deleted
            // with it, never run.
            self.calls.remember(call_id);
            return;
        }
        let agent = self
            .turn
            .response_agent
            .clone()
            .unwrap_or_else(|| self.current.clone());
        let oversized = arguments.len() > MAX_TOOL_ARGUMENT_BYTES;
        self.history.push(HistoryEntry::ToolCall {
            call_id: call_id.to_owned(),
            name: name.to_owned(),
            arguments: if oversized {
                "{}".to_owned()
            } else {
                arguments.to_owned()
            },
        });
        let mut call = Call {
            name: name.to_owned(),
            arguments: if oversized {
                String::new()
            } else {
                arguments.to_owned()
            },
            agent: agent.clone(),
            state: CallState::Queued,
        };
        if oversized {
            self.calls.insert(call_id, call);
            let message = format!(
                "the arguments are {} bytes; at most {MAX_TOOL_ARGUMENT_BYTES} are accepted",
                arguments.len()
            );
            self.finish_call(now, call_id, Err(ToolError::Failed(message)));
            return;
        }
        let Some(owner) = self.agent(&agent) else {
            self.calls.insert(call_id, call);
            self.finish_call(
                now,
                call_id,
                Err(ToolError::Unknown {
                    tool: name.to_owned(),
                }),
            );
            return;
        };
        if let Some(handoff) = owner.find_handoff(name) {
            let target = handoff.target.clone();
            if self.calls.pending_handoff().is_some() {
                self.calls.insert(call_id, call);
                let message = "another handoff of this response is already under way".to_owned();
                self.finish_call(now, call_id, Err(ToolError::Failed(message)));
                return;
            }
            call.state = CallState::Handoff { target };
            self.calls.insert(call_id, call);
            if !self.gate.active() {
                self.apply_pending_handoff(now);
            }
            return;
        }
        let needs_approval = owner
            .find_tool(name)
            .is_some_and(|tool| tool.requires_approval());
        if needs_approval {
            call.state = CallState::AwaitingApproval;
            self.calls.insert(call_id, call);
            self.emit(AgentEvent::ApprovalRequested {
                tool: name.to_owned(),
                call_id: call_id.to_owned(),
                arguments: arguments.to_owned(),
            });
            return;
        }
        if !self.calls.queue_has_room(arguments.len()) {
            call.state = CallState::AwaitingApproval; // not queued: answered right away
            self.calls.insert(call_id, call);
            let message = "too many tool calls are waiting to run".to_owned();
            self.finish_call(now, call_id, Err(ToolError::Failed(message)));
            return;
        }
        self.calls.insert(call_id, call);
    }

    /// Starts queued calls while slots are free.
    pub(super) fn start_queued_tools(&mut self, now: Instant) {
        while let Some(call_id) = self.calls.next_queued() {
            self.start_tool(now, &call_id);
        }
    }

    fn start_tool(&mut self, now: Instant, call_id: &str) {
        let Some(call) = self.calls.get(call_id).cloned() else {
            return;
        };
        self.emit(AgentEvent::ToolStarted {
            agent: call.agent.clone(),
            tool: call.name.clone(),
            call_id: call_id.to_owned(),
            arguments: call.arguments.clone(),
        });
        let tool = self
            .agent(&call.agent)
            .and_then(|agent| agent.find_tool(&call.name))
            .cloned();
        let Some(tool) = tool else {
            self.finish_call(now, call_id, Err(ToolError::Unknown { tool: call.name }));
            return;
        };
        let timeout = tool.own_timeout().unwrap_or(self.tool_timeout);
        self.calls.start(call_id, timeout, now);
        self.actions
            .push_back(Action::StartTool(Box::new(ToolStart {
                call_id: call_id.to_owned(),
                tool,
                arguments: call.arguments,
                agent: call.agent,
                history: self.history.clone(),
                state: self.state.clone(),
            })));
    }

    pub(super) fn on_approval(&mut self, now: Instant, call_id: &str, approved: bool) {
        let waiting = self
            .calls
            .get(call_id)
            .is_some_and(|call| call.state == CallState::AwaitingApproval);
        if !waiting {
            tracing::warn!(call_id, "approval for a call that is not waiting");
            return;
        }
        if approved {
            self.start_tool(now, call_id);
        } else {
            let tool = self
                .calls
                .get(call_id)
                .map(|call| call.name.clone())
                .unwrap_or_default();
            self.finish_call(now, call_id, Err(ToolError::Rejected { tool }));
        }
    }

    pub(super) fn on_tool_finished(
        &mut self,
        now: Instant,
        call_id: &str,
        result: Result<String, ToolError>,
    ) {
        let running = self
            .calls
            .get(call_id)
            .is_some_and(|call| matches!(call.state, CallState::Running { .. }));
        if running {
            self.finish_call(now, call_id, result);
        }
    }

    pub(super) fn on_tool_timeout(&mut self, now: Instant, call_id: &str) {
        let Some(call) = self.calls.get(call_id) else {
            return;
        };
        let tool = call.name.clone();
        let after = match call.state {
            CallState::Running { .. } => self
                .agent(&call.agent)
                .and_then(|agent| agent.find_tool(&tool))
                .and_then(|tool| tool.own_timeout())
                .unwrap_or(self.tool_timeout),
            _ => return,
        };
        self.actions.push_back(Action::CancelTool {
            call_id: call_id.to_owned(),
        });
        self.finish_call(now, call_id, Err(ToolError::Timeout { tool, after }));
    }

    /// Gives a live call its one output, then asks for the follow-up when the turn's
    /// calls are all answered.
    fn finish_call(&mut self, now: Instant, call_id: &str, result: Result<String, ToolError>) {
        let (output, failed) = match result {
            Ok(output) => (output, false),
            Err(error) => (error.to_output(), true),
        };
        let Some(call) = self.deliver_output(call_id, &output) else {
            return;
        };
        self.emit(AgentEvent::ToolFinished {
            tool: call.name,
            call_id: call_id.to_owned(),
            output,
            failed,
        });
        self.follow_up = true;
        self.maybe_follow_up(now);
    }

    /// Answers a live call: the ledger, the history, and the output item when online
    /// (offline, the replay carries it). `None` if the call was not live.
    fn deliver_output(&mut self, call_id: &str, output: &str) -> Option<Call> {
        let call = self.calls.answer(call_id)?;
        self.history.push(HistoryEntry::ToolOutput {
            call_id: call_id.to_owned(),
            output: output.to_owned(),
        });
        if self.connection.is_online() {
            self.send(ClientEvent::create_item(Item::function_call_output(
                call_id.to_owned(),
                output.to_owned(),
            )));
        }
        Some(call)
    }

    /// Applies the handoff of the response that just ended, if there is one.
    pub(super) fn apply_pending_handoff(&mut self, now: Instant) {
        if let Some((call_id, target)) = self.calls.pending_handoff() {
            self.apply_handoff(now, &call_id, &target);
        }
    }

    /// Switches to `target` completely, or not at all.
    pub(super) fn apply_handoff(&mut self, now: Instant, call_id: &str, target: &str) {
        if !self.connection.is_online() {
            return; // applied once connected
        }
        let Some(call) = self.calls.get(call_id) else {
            return;
        };
        let name = call.name.clone();
        let arguments = call.arguments.clone();
        let via = self
            .agent(&call.agent)
            .and_then(|agent| agent.find_handoff(&name))
            .cloned();
        let input = match via
            .as_ref()
            .map(|handoff| handoff.check_arguments(&arguments))
        {
            Some(Err(message)) => {
                self.finish_call(
                    now,
                    call_id,
                    Err(ToolError::InvalidArguments {
                        tool: name,
                        message,
                    }),
                );
                return;
            }
            Some(Ok(input)) if via.as_ref().is_some_and(Handoff::has_input) => Some(input),
            _ => None,
        };
        let switch = match self.prepare_switch(target, input, via.as_ref()) {
            Ok(switch) => switch,
            Err(AgentError::UnknownAgent(target)) => {
                let message = format!("there is no agent `{target}`");
                self.emit(AgentEvent::Error(AgentError::UnknownAgent(target)));
                self.finish_call(now, call_id, Err(ToolError::Failed(message)));
                return;
            }
            Err(error) => {
                tracing::warn!(%error, target, "handoff refused by the dialect; the agent stays");
                self.emit(AgentEvent::Error(error));
                let message =
                    format!("the handoff to `{target}` failed: the provider refuses its settings");
                self.finish_call(now, call_id, Err(ToolError::Failed(message)));
                return;
            }
        };
        let output = serde_json::json!({ "assistant": target }).to_string();
        if self.deliver_output(call_id, &output).is_none() {
            return;
        }
        self.commit_switch(switch, true);
        self.follow_up = true;
        self.maybe_follow_up(now);
    }
}
