//! The conversation as the agent loop keeps it.

use crate::protocol::{Item, Role};

/// One entry of the history.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum HistoryEntry {
    /// A message with its text or transcript.
    Message {
        /// Server item id, when known.
        item_id: Option<String>,
        /// Author.
        role: Role,
        /// Text or transcript (may be cut short by an interruption).
        text: String,
        /// The agent that spoke (assistant messages).
        agent: Option<String>,
        /// The item's `phase` where the server sent one (gpt-realtime-2.x assistant
        /// messages: `commentary` for a preamble, `final_answer` for the answer).
        phase: Option<String>,
    },
    /// A tool call by the model.
    ToolCall {
        /// Call id.
        call_id: String,
        /// Tool name.
        name: String,
        /// JSON arguments.
        arguments: String,
    },
    /// A tool's output.
    ToolOutput {
        /// Call id.
        call_id: String,
        /// Output sent to the model.
        output: String,
    },
    /// A handoff between agents.
    Handoff {
        /// From.
        from: String,
        /// To.
        to: String,
    },
}

/// The ordered history of a session: messages, tool calls and outputs, handoffs.
///
/// It can be bounded by entries ([`with_limit`](Self::with_limit)) and by bytes of
/// text ([`with_byte_limit`](Self::with_byte_limit)); the oldest entries go first,
/// and the newest one is always kept.
///
/// ```
/// use realtime_core::agent::{History, HistoryEntry};
///
/// let mut history = History::new().with_byte_limit(16);
/// history.push(HistoryEntry::ToolOutput { call_id: "c1".into(), output: "0123456789".into() });
/// history.push(HistoryEntry::ToolOutput { call_id: "c2".into(), output: "abcdefghij".into() });
/// assert_eq!(history.len(), 1, "the oldest went to stay within 16 bytes");
/// assert!(history.bytes() <= 16);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    entries: Vec<HistoryEntry>,
    max_entries: Option<usize>,
    max_bytes: Option<usize>,
    bytes: usize,
}

impl HistoryEntry {
    /// Bytes of text the entry holds (what it costs to keep and to replay).
    pub fn bytes(&self) -> usize {
        match self {
            Self::Message {
                item_id,
                text,
                agent,
                ..
            } => {
                item_id.as_ref().map_or(0, String::len)
                    + text.len()
                    + agent.as_ref().map_or(0, String::len)
            }
            Self::ToolCall {
                call_id,
                name,
                arguments,
            } => call_id.len() + name.len() + arguments.len(),
            Self::ToolOutput { call_id, output } => call_id.len() + output.len(),
            Self::Handoff { from, to } => from.len() + to.len(),
        }
    }
}

impl History {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps at most `max` entries, dropping the oldest.
    #[must_use]
    pub fn with_limit(mut self, max: usize) -> Self {
        self.max_entries = Some(max.max(1));
        self.enforce();
        self
    }

    /// Keeps at most `max` bytes of text (see [`HistoryEntry::bytes`]), dropping the
    /// oldest entries; the newest entry is kept whatever its size.
    #[must_use]
    pub fn with_byte_limit(mut self, max: usize) -> Self {
        self.max_bytes = Some(max);
        self.enforce();
        self
    }

    /// Bytes of text held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    fn enforce(&mut self) {
        self.bytes = self.entries.iter().map(HistoryEntry::bytes).sum();
        let mut excess = self
            .max_entries
            .map_or(0, |max| self.entries.len().saturating_sub(max));
        let mut bytes = self.bytes;
        for entry in &self.entries[..excess] {
            bytes -= entry.bytes();
        }
        if let Some(max) = self.max_bytes {
            while bytes > max && excess + 1 < self.entries.len() {
                bytes -= self.entries[excess].bytes();
                excess += 1;
            }
        }
        if excess > 0 {
            self.entries.drain(..excess);
        }
        self.bytes = bytes;
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> &[HistoryEntry] {
        &self.entries
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Appends an entry.
    pub fn push(&mut self, entry: HistoryEntry) {
        self.entries.push(entry);
        self.enforce();
    }

    /// Keeps only the entries for which `keep` returns `true` (an input filter's tool).
    pub fn retain(&mut self, keep: impl FnMut(&HistoryEntry) -> bool) {
        self.entries.retain(keep);
    }

    /// The bound set with [`with_limit`](Self::with_limit), if any.
    pub(crate) fn limit(&self) -> Option<usize> {
        self.max_entries
    }

    /// Server item ids of the messages in the history.
    pub(crate) fn message_ids(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().filter_map(|entry| match entry {
            HistoryEntry::Message {
                item_id: Some(id), ..
            } => Some(id.as_str()),
            _ => None,
        })
    }

    /// Sets the text of the message with `item_id`, or appends the message.
    pub fn upsert_message(&mut self, item_id: &str, role: Role, text: &str, agent: Option<&str>) {
        let existing = self.entries.iter_mut().rev().find_map(|entry| match entry {
            HistoryEntry::Message {
                item_id: Some(id),
                text: existing,
                ..
            } if id == item_id => Some(existing),
            _ => None,
        });
        match existing {
            Some(existing) => {
                text.clone_into(existing);
                self.enforce();
            }
            None => self.push(HistoryEntry::Message {
                item_id: Some(item_id.to_owned()),
                role,
                text: text.to_owned(),
                agent: agent.map(str::to_owned),
                phase: None,
            }),
        }
    }

    /// Sets the `phase` of the message with `item_id`, if it is in the history.
    pub fn set_message_phase(&mut self, item_id: &str, phase: &str) {
        if let Some(HistoryEntry::Message { phase: slot, .. }) =
            self.entries.iter_mut().rev().find(|entry| {
                matches!(entry, HistoryEntry::Message { item_id: Some(id), .. } if id == item_id)
            })
        {
            *slot = Some(phase.to_owned());
        }
    }

    /// The history as conversation items (to seed or replay a session). Handoffs
    /// are not items and are skipped.
    pub fn to_items(&self) -> Vec<Item> {
        self.entries
            .iter()
            .filter_map(|entry| match entry {
                HistoryEntry::Message {
                    role: Role::User,
                    text,
                    ..
                } => Some(Item::user_text(text.clone())),
                HistoryEntry::Message {
                    role: Role::Assistant,
                    text,
                    ..
                } => Some(Item::assistant_text(text.clone())),
                HistoryEntry::Message { text, .. } => Some(Item::system_text(text.clone())),
                HistoryEntry::ToolCall {
                    call_id,
                    name,
                    arguments,
                } => Some(Item::function_call(
                    call_id.clone(),
                    name.clone(),
                    arguments.clone(),
                )),
                HistoryEntry::ToolOutput { call_id, output } => {
                    Some(Item::function_call_output(call_id.clone(), output.clone()))
                }
                HistoryEntry::Handoff { .. } => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{History, HistoryEntry};
    use crate::protocol::{Item, Role};

    #[test]
    fn upsert_replaces_by_item_id_and_limit_drops_oldest() {
        let mut history = History::new().with_limit(2);
        history.upsert_message("a", Role::User, "hel", None);
        history.upsert_message("a", Role::User, "hello", None);
        assert_eq!(history.len(), 1);
        history.push(HistoryEntry::ToolCall {
            call_id: "c".into(),
            name: "t".into(),
            arguments: "{}".into(),
        });
        history.push(HistoryEntry::ToolOutput {
            call_id: "c".into(),
            output: "ok".into(),
        });
        assert_eq!(history.len(), 2);
        assert_eq!(
            history.to_items(),
            vec![
                Item::function_call("c", "t", "{}"),
                Item::function_call_output("c", "ok")
            ]
        );
    }
}
