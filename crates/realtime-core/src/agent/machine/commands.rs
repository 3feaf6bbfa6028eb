//! App commands (invariant 5 of the [agent machine](super): nothing follows a refusal).

use std::time::Instant;

use super::{AgentMachine, Command, EndReason, MAX_DEFERRED_COMMANDS};
use crate::agent::event::{AgentError, AgentEvent};
use crate::agent::history::HistoryEntry;
use crate::protocol::{ClientEvent, ContentPart, Item, Role};

impl AgentMachine {
    pub(super) fn on_command(&mut self, now: Instant, command: Command) {
        match command {
            Command::Close => {
                if self.connection.is_online() {
                    for event in self.dialect.closing_events() {
                        self.send(event);
                    }
                }
                self.end(EndReason::Closed);
                return;
            }
            Command::Played { item_id, played_ms } => {
                self.playback.played(&item_id, played_ms);
                return;
            }
            Command::Approve { call_id, approved } => {
                self.on_approval(now, &call_id, approved);
                return;
            }
            Command::ToolProgress { call_id, progress } => {
                self.on_tool_progress(&call_id, progress);
                return;
            }
            _ => {}
        }
        if !self.connection.is_online() {
            if self.deferred.len() >= MAX_DEFERRED_COMMANDS {
                let provider = self.provider;
                self.emit(AgentEvent::Error(AgentError::Overflow {
                    provider,
                    what: "commands waiting for the connection",
                    limit: MAX_DEFERRED_COMMANDS,
                }));
            } else {
                self.deferred.push_back(command);
            }
            return;
        }
        match command {
            Command::SendText(text) => {
                self.user_message(now, Item::user_text(text.clone()), text);
            }
            Command::SendContent(content) => {
                let text = content
                    .iter()
                    .filter_map(ContentPart::text_or_transcript)
                    .collect::<Vec<_>>()
                    .join(" ");
                self.user_message(now, Item::message(Role::User, content), text);
            }
            Command::CommitAudio => {
                if self
                    .try_send(ClientEvent::InputAudioBufferCommit { event_id: None })
                    .is_ok()
                {
                    self.spans.turn();
                    self.request_response(now);
                }
            }
            Command::Respond => self.request_response(now),
            Command::Interrupt => self.barge_in(now),
            Command::RespondWith(overrides) => self.on_respond_with(now, &overrides),
            Command::HandoffTo(target) => self.on_handoff_to(&target),
            Command::UpdateAgent(agent) => self.on_update_agent(*agent),
            Command::Close
            | Command::Played { .. }
            | Command::Approve { .. }
            | Command::ToolProgress { .. } => {}
        }
    }

    /// A user message: sent, recorded and answered only if the dialect accepts it.
    fn user_message(&mut self, now: Instant, item: Item, text: String) {
        match self.try_send(ClientEvent::create_item(item)) {
            Ok(()) => {
                self.history.push(HistoryEntry::Message {
                    item_id: None,
                    role: Role::User,
                    text,
                    agent: None,
                    phase: None,
                });
                self.spans.turn();
                self.request_response(now);
            }
            Err(source) => {
                tracing::warn!(%source, "the dialect refused the user's message");
                let provider = self.provider;
                self.emit(AgentEvent::Error(AgentError::Refused {
                    provider,
                    what: "conversation.item.create".to_owned(),
                    source: Box::new(source),
                }));
            }
        }
    }
}
