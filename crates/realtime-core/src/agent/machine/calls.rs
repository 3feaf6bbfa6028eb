//! The tool calls of a session: each runs at most once and gets exactly one output
//! (invariant 3 of the [agent machine](super)).

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

/// Tools running at once; further calls wait in a queue.
pub const MAX_RUNNING_TOOLS: usize = 32;
/// Bytes of arguments of calls waiting to run; beyond, a call is answered at once
/// with an error output.
pub const MAX_QUEUED_ARGUMENT_BYTES: usize = 4 * 1024 * 1024;
/// Bytes of call ids remembered as answered (about 30,000 ids): the oldest answered
/// ids of earlier responses go first, never one of the response in progress.
pub const MAX_ANSWERED_ID_BYTES: usize = 1024 * 1024;

/// Where a call stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CallState {
    /// Waits for a free slot.
    Queued,
    /// Waits for the app's approval.
    AwaitingApproval,
    /// Runs; answered with a timeout at the deadline.
    Running { deadline: Instant },
    /// A handoff, applied once the response that asked for it is done.
    Handoff { target: String },
}

/// A live (unanswered) call.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) name: String,
    pub(crate) arguments: String,
    /// The agent active when the response that made the call began.
    pub(crate) agent: String,
    pub(crate) state: CallState,
}

/// What [`CallLedger::admit`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Admit {
    /// A new call: record it.
    New,
    /// Seen before (running, waiting or answered): ignore.
    Duplicate,
}

/// The ledger of calls.
#[derive(Debug, Default)]
pub(crate) struct CallLedger {
    live: HashMap<String, Call>,
    /// Queued call ids, oldest first.
    queue: VecDeque<String>,
    queued_bytes: usize,
    /// Answered call ids, oldest first, with the response generation they belong to.
    answered: VecDeque<(String, u64)>,
    answered_set: HashSet<String>,
    answered_bytes: usize,
    /// Bumped at each response start: ids of the current generation are never forgotten.
    generation: u64,
}

impl CallLedger {
    /// A response started.
    pub(crate) fn new_response(&mut self) {
        self.generation += 1;
    }

    /// Whether `call_id` is new.
    pub(crate) fn admit(&self, call_id: &str) -> Admit {
        if self.live.contains_key(call_id) || self.answered_set.contains(call_id) {
            Admit::Duplicate
        } else {
            Admit::New
        }
    }

    /// Whether the queue can take `bytes` more of arguments.
    pub(crate) fn queue_has_room(&self, bytes: usize) -> bool {
        self.queued_bytes + bytes <= MAX_QUEUED_ARGUMENT_BYTES
    }

    /// Whether a tool can start now.
    pub(crate) fn slot_free(&self) -> bool {
        self.running() < MAX_RUNNING_TOOLS
    }

    fn running(&self) -> usize {
        self.live
            .values()
            .filter(|call| matches!(call.state, CallState::Running { .. }))
            .count()
    }

    /// Records a live call.
    pub(crate) fn insert(&mut self, call_id: &str, call: Call) {
        if call.state == CallState::Queued {
            self.queue.push_back(call_id.to_owned());
            self.queued_bytes += call.arguments.len();
        }
        self.live.insert(call_id.to_owned(), call);
    }

    /// The call, if live.
    pub(crate) fn get(&self, call_id: &str) -> Option<&Call> {
        self.live.get(call_id)
    }

    /// Marks a live call running until `deadline`.
    pub(crate) fn start(&mut self, call_id: &str, timeout: Duration, now: Instant) {
        if let Some(call) = self.live.get_mut(call_id) {
            call.state = CallState::Running {
                deadline: now + timeout,
            };
        }
    }

    /// The next queued call, if a slot is free.
    pub(crate) fn next_queued(&mut self) -> Option<String> {
        if !self.slot_free() {
            return None;
        }
        let call_id = self.queue.pop_front()?;
        if let Some(call) = self.live.get(&call_id) {
            self.queued_bytes = self.queued_bytes.saturating_sub(call.arguments.len());
        }
        Some(call_id)
    }

    /// Answers a live call: it leaves the ledger and is remembered as answered.
    /// `None` if it was not live (already answered, or never seen).
    pub(crate) fn answer(&mut self, call_id: &str) -> Option<Call> {
        let call = self.live.remove(call_id)?;
        if call.state == CallState::Queued {
            self.queue.retain(|queued| queued != call_id);
            self.queued_bytes = self.queued_bytes.saturating_sub(call.arguments.len());
        }
        self.remember(call_id);
        Some(call)
    }

    /// Remembers `call_id` as answered (a call answered without running).
    pub(crate) fn remember(&mut self, call_id: &str) {
        if !self.answered_set.insert(call_id.to_owned()) {
            return;
        }
        self.answered
            .push_back((call_id.to_owned(), self.generation));
        self.answered_bytes += call_id.len();
        while self.answered_bytes > MAX_ANSWERED_ID_BYTES {
            match self.answered.front() {
                Some((_, generation)) if *generation < self.generation => {}
                _ => break,
            }
            if let Some((old, _)) = self.answered.pop_front() {
                self.answered_bytes = self.answered_bytes.saturating_sub(old.len());
                self.answered_set.remove(&old);
            }
        }
    }

    /// Running calls past their deadline at `now`.
    pub(crate) fn expired(&self, now: Instant) -> Vec<String> {
        let mut expired: Vec<String> = self
            .live
            .iter()
            .filter(|(_, call)| matches!(call.state, CallState::Running { deadline } if now >= deadline))
            .map(|(call_id, _)| call_id.clone())
            .collect();
        expired.sort();
        expired
    }

    /// The earliest deadline of a running call.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.live
            .values()
            .filter_map(|call| match call.state {
                CallState::Running { deadline } => Some(deadline),
                _ => None,
            })
            .min()
    }

    /// Live calls that are not handoffs (running, queued, awaiting approval).
    pub(crate) fn tools_outstanding(&self) -> bool {
        self.live
            .values()
            .any(|call| !matches!(call.state, CallState::Handoff { .. }))
    }

    /// The pending handoff call, if any.
    pub(crate) fn pending_handoff(&self) -> Option<(String, String)> {
        self.live
            .iter()
            .find_map(|(call_id, call)| match &call.state {
                CallState::Handoff { target } => Some((call_id.clone(), target.clone())),
                _ => None,
            })
    }

    /// Whether `call_id` is live (its output is still to come).
    pub(crate) fn is_live(&self, call_id: &str) -> bool {
        self.live.contains_key(call_id)
    }

    /// Live calls.
    pub(crate) fn live_count(&self) -> usize {
        self.live.len()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Admit, Call, CallLedger, CallState, MAX_RUNNING_TOOLS};

    fn call(state: CallState) -> Call {
        Call {
            name: "t".into(),
            arguments: "{}".into(),
            agent: "a".into(),
            state,
        }
    }

    #[test]
    fn an_answered_call_stays_a_duplicate_whatever_the_count() {
        let mut ledger = CallLedger::default();
        ledger.new_response();
        for n in 0..5_000 {
            let id = format!("call_{n}");
            assert_eq!(ledger.admit(&id), Admit::New);
            ledger.insert(&id, call(CallState::Queued));
            assert!(ledger.answer(&id).is_some());
        }
        for n in 0..5_000 {
            assert_eq!(ledger.admit(&format!("call_{n}")), Admit::Duplicate);
        }
        assert!(ledger.answer("call_1").is_none(), "no second answer");
    }

    #[test]
    fn slots_are_bounded_and_queue_drains_in_order() {
        let now = crate::agent::test_epoch();
        let mut ledger = CallLedger::default();
        for n in 0..MAX_RUNNING_TOOLS + 2 {
            let id = format!("c{n}");
            ledger.insert(&id, call(CallState::Queued));
        }
        let mut started = Vec::new();
        while let Some(id) = ledger.next_queued() {
            ledger.start(&id, Duration::from_secs(1), now);
            started.push(id);
        }
        assert_eq!(started.len(), MAX_RUNNING_TOOLS);
        assert_eq!(started[0], "c0");
        ledger.answer("c0");
        assert_eq!(
            ledger.next_queued().as_deref(),
            Some(&*format!("c{MAX_RUNNING_TOOLS}"))
        );
    }
}
