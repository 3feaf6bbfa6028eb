//! The loop's tool calls and handoffs: approval, concurrent execution with a
//! timeout and a panic guard, outputs, and the one follow-up response.

use tokio::task::JoinSet;

use super::{LoopState, ToolOutcome};
use crate::agent::event::{AgentError, AgentEvent};
use crate::agent::history::HistoryEntry;
use crate::agent::runner::MAX_PENDING_CALLS;
use crate::agent::tool::{ToolContext, ToolError};
use crate::protocol::{ClientEvent, FunctionCallItem, Item};

impl LoopState {
    pub(super) async fn on_function_call_item(
        &mut self,
        call: &FunctionCallItem,
        tools: &mut JoinSet<ToolOutcome>,
    ) {
        if !call.call_id.is_empty() && !self.seen_calls.contains(&call.call_id) {
            self.on_function_call(
                call.call_id.clone(),
                call.name.clone(),
                call.arguments.clone(),
                tools,
            )
            .await;
        }
    }

    pub(super) async fn on_function_call(
        &mut self,
        call_id: String,
        name: String,
        arguments: String,
        tools: &mut JoinSet<ToolOutcome>,
    ) {
        if !self.seen_calls.insert(&call_id) {
            return;
        }
        self.history.push(HistoryEntry::ToolCall {
            call_id: call_id.clone(),
            name: name.clone(),
            arguments: arguments.clone(),
        });
        let Some(agent) = self.agent() else { return };
        if let Some(handoff) = agent.find_handoff(&name) {
            let target = handoff.target.clone();
            self.handoff(call_id, target).await;
            return;
        }
        let needs_approval = agent
            .find_tool(&name)
            .is_some_and(|tool| tool.requires_approval());
        if self.pending_calls.len() + self.awaiting_approval.len() >= MAX_PENDING_CALLS {
            tracing::warn!(tool = name, "too many tool calls at once; failing this one");
            let message = format!("too many tool calls at once (at most {MAX_PENDING_CALLS})");
            self.on_tool_done(ToolOutcome {
                call_id,
                tool: name,
                result: Err(ToolError::Failed(message)),
            })
            .await;
            return;
        }
        self.pending_calls.insert(call_id.clone(), name.clone());
        if needs_approval {
            self.awaiting_approval
                .insert(call_id.clone(), (name.clone(), arguments.clone()));
            self.emit(AgentEvent::ApprovalRequested {
                tool: name,
                call_id,
                arguments,
            })
            .await;
        } else {
            self.start_tool(call_id, name, arguments, tools).await;
        }
    }

    pub(super) async fn start_tool(
        &mut self,
        call_id: String,
        name: String,
        arguments: String,
        tools: &mut JoinSet<ToolOutcome>,
    ) {
        let agent_name = self.current.clone();
        let tool = self
            .agent()
            .and_then(|agent| agent.find_tool(&name))
            .cloned();
        self.emit(AgentEvent::ToolStarted {
            agent: agent_name.clone(),
            tool: name.clone(),
            call_id: call_id.clone(),
            arguments: arguments.clone(),
        })
        .await;
        let Some(tool) = tool else {
            self.on_tool_done(ToolOutcome {
                call_id,
                result: Err(ToolError::Unknown { tool: name.clone() }),
                tool: name,
            })
            .await;
            return;
        };
        let timeout = tool.own_timeout().unwrap_or(self.tool_timeout);
        let context = ToolContext {
            agent: agent_name,
            call_id: call_id.clone(),
        };
        let future = tool.invoke(arguments, context);
        tools.spawn(async move {
            let mut handle = tokio::spawn(future);
            let result = match tokio::time::timeout(timeout, &mut handle).await {
                Err(_) => {
                    handle.abort();
                    Err(ToolError::Timeout {
                        tool: name.clone(),
                        after: timeout,
                    })
                }
                Ok(Err(join_error)) => {
                    tracing::error!(
                        tool = name,
                        panicked = join_error.is_panic(),
                        "tool task failed"
                    );
                    Err(ToolError::Panicked { tool: name.clone() })
                }
                Ok(Ok(result)) => result,
            };
            ToolOutcome {
                call_id,
                tool: name,
                result,
            }
        });
    }

    pub(super) async fn on_tool_done(&mut self, outcome: ToolOutcome) {
        let (output, failed) = match &outcome.result {
            Ok(output) => (output.clone(), false),
            Err(error) => (error.to_output(), true),
        };
        self.pending_calls.remove(&outcome.call_id);
        self.history.push(HistoryEntry::ToolOutput {
            call_id: outcome.call_id.clone(),
            output: output.clone(),
        });
        self.send(ClientEvent::create_item(Item::function_call_output(
            outcome.call_id.clone(),
            output.clone(),
        )))
        .await;
        self.emit(AgentEvent::ToolFinished {
            tool: outcome.tool,
            call_id: outcome.call_id,
            output,
            failed,
        })
        .await;
        self.needs_follow_up = true;
        self.maybe_follow_up().await;
    }

    /// After tool outputs: one `response.create` once every call of the turn has its
    /// output and the response that made the calls is done.
    pub(super) async fn maybe_follow_up(&mut self) {
        if self.needs_follow_up && self.pending_calls.is_empty() && !self.gate.active() {
            self.needs_follow_up = false;
            self.request_response().await;
        }
    }

    pub(super) async fn handoff(&mut self, call_id: String, target: String) {
        let Some(next) = self.agents.get(&target) else {
            self.emit(AgentEvent::Error(AgentError::UnknownAgent(target)))
                .await;
            return;
        };
        let output = serde_json::json!({ "assistant": target }).to_string();
        self.history.push(HistoryEntry::ToolOutput {
            call_id: call_id.clone(),
            output: output.clone(),
        });
        self.send(ClientEvent::create_item(Item::function_call_output(
            call_id, output,
        )))
        .await;

        let mut update = next.session_update(&self.history);
        let mut voice_kept = false;
        if let Some(voice) = next.voice_setting()
            && self.current_voice.as_ref() != Some(voice)
        {
            if self.voice_change_after_audio || !self.assistant_audio_seen {
                update.voice = Some(voice.clone());
                self.current_voice = Some(voice.clone());
            } else {
                voice_kept = true;
            }
        }
        self.send(ClientEvent::session_update(update)).await;
        let from = std::mem::replace(&mut self.current, target.clone());
        self.history.push(HistoryEntry::Handoff {
            from: from.clone(),
            to: target.clone(),
        });
        self.emit(AgentEvent::Handoff {
            from,
            to: target.clone(),
        })
        .await;
        if voice_kept {
            self.emit(AgentEvent::VoiceKept { agent: target }).await;
        }
        self.needs_follow_up = true;
        self.maybe_follow_up().await;
    }
}
