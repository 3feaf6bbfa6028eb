//! The response gate: at most one `response.create` in flight, and a requested
//! response is always sent eventually (invariant 1 of the [agent machine](super)).

use std::time::{Duration, Instant};

use crate::agent::reconnect::BoundedSet;

/// How long a `response.create` may wait for its `response.created` before the gate
/// gives up on it and reopens (the server lost or ignored the request).
pub const RESPONSE_CREATE_TIMEOUT: Duration = Duration::from_secs(20);

/// How long an active response may go without any server event before it is taken
/// as lost (a server that answers pings but stopped the response).
pub const RESPONSE_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Keeps exactly one `response.create` in flight.
///
/// A response is *in flight* from the `response.create` we send until the server
/// answers it: with `response.created` (then until that response's `response.done`)
/// or with an `error`. Responses the server starts on its own (turn detection) count
/// too.
///
/// ```
/// use std::time::Instant;
/// use realtime_core::agent::machine::ResponseGate;
///
/// let now = Instant::now(); // the caller's clock, handed in
/// let mut gate = ResponseGate::default();
/// assert!(gate.request("e1", now), "nothing in flight: send now");
/// assert!(!gate.request("e2", now), "one in flight: the second waits");
/// gate.on_created(Some("resp_1"));
/// assert!(gate.on_done(Some("resp_1")), "done: the waiting request goes now");
/// ```
#[derive(Debug, Clone, Default)]
pub struct ResponseGate {
    /// The response running on the server (its id when known).
    active: Option<Option<String>>,
    /// When the server last said anything while a response was active.
    heard_at: Option<Instant>,
    /// We sent `response.create` (this event id, at this time) and wait for its answer.
    requested: Option<(String, Instant)>,
    /// A response was asked for while another was in flight.
    pending: bool,
    /// Responses already done: a duplicate `response.done` is not taken for another.
    finished: BoundedSet,
}

impl ResponseGate {
    fn finished(&mut self) -> &mut BoundedSet {
        if self.finished.capacity() == 0 {
            self.finished = BoundedSet::new(32);
        }
        &mut self.finished
    }

    /// A response is wanted. Returns `true` if `response.create` (with `event_id`)
    /// must be sent now; otherwise it is sent when the one in flight is answered.
    pub fn request(&mut self, event_id: &str, now: Instant) -> bool {
        if self.busy() {
            self.pending = true;
            false
        } else {
            self.requested = Some((event_id.to_owned(), now));
            true
        }
    }

    /// Another response is wanted after the one in flight (the machine has more
    /// requests queued).
    pub fn want_another(&mut self) {
        self.pending = true;
    }

    /// Whether a `response.create` of ours waits for its `response.created`.
    pub fn create_unanswered(&self) -> bool {
        self.requested.is_some()
    }

    /// `response.created` arrived (with the response's id, when it has one).
    pub fn on_created(&mut self, response_id: Option<&str>) {
        self.active = Some(response_id.map(str::to_owned));
        self.requested = None;
    }

    /// The server sent an event at `now` (any event keeps an active response alive).
    pub fn heard(&mut self, now: Instant) {
        self.heard_at = Some(now);
    }

    /// `response.done` arrived. Returns `true` if a pending request must be sent now.
    ///
    /// A `response.done` for a response that already finished, for another
    /// response than the active one, or while none is active, changes nothing: a
    /// request whose `response.created` was lost is released by the timeout
    /// ([`RESPONSE_CREATE_TIMEOUT`]) rather than by a guess.
    pub fn on_done(&mut self, response_id: Option<&str>) -> bool {
        if !self.ends_active(response_id) {
            return false;
        }
        if let Some(id) = response_id {
            self.finished().insert(id);
        }
        self.active = None;
        self.requested = None;
        self.release()
    }

    /// Whether a `response.done` for `response_id` ends the active response.
    pub fn ends_active(&self, response_id: Option<&str>) -> bool {
        if let Some(id) = response_id
            && self.finished.contains(id)
        {
            return false;
        }
        match (&self.active, response_id) {
            (Some(Some(active)), Some(id)) => active == id,
            (Some(_), _) => true,
            (None, _) => false,
        }
    }

    /// A `response.done` that could not be decoded: it ends the active response (or
    /// answers our request). Returns `true` if a pending request must be sent now.
    pub fn on_undecodable_done(&mut self) -> bool {
        if self.active.is_none() && self.requested.is_none() {
            return false;
        }
        self.active = None;
        self.requested = None;
        self.release()
    }

    /// An `error` arrived. If it answers our `response.create` (same event id), or
    /// has no event id while we wait for a response to start, the create failed and
    /// the gate reopens. Returns `true` if a pending request must be sent now.
    pub fn on_error(&mut self, error_event_id: Option<&str>) -> bool {
        let ours = match (&self.requested, error_event_id) {
            (Some((requested, _)), Some(id)) => requested == id,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if ours {
            self.requested = None;
            return self.release();
        }
        false
    }

    /// When the response in flight stops being waited for: the request's answer
    /// ([`RESPONSE_CREATE_TIMEOUT`]), or the active response's next event
    /// ([`RESPONSE_IDLE_TIMEOUT`]).
    pub fn deadline(&self) -> Option<Instant> {
        let requested = self
            .requested
            .as_ref()
            .map(|(_, sent)| *sent + RESPONSE_CREATE_TIMEOUT);
        let active = match (&self.active, self.heard_at) {
            (Some(_), Some(heard)) => Some(heard + RESPONSE_IDLE_TIMEOUT),
            _ => None,
        };
        requested.into_iter().chain(active).min()
    }

    /// The response in flight went unanswered or silent past its deadline: forget
    /// it. Returns `true` if a pending request must be sent now.
    pub fn on_timeout(&mut self, now: Instant) -> bool {
        match self.deadline() {
            Some(deadline) if now >= deadline => {
                self.requested = None;
                self.active = None;
                self.release()
            }
            _ => false,
        }
    }

    fn release(&mut self) -> bool {
        !self.busy() && std::mem::take(&mut self.pending)
    }

    /// Forgets the connection's responses (a new connection starts with none). A
    /// pending request stays pending; returns whether one was.
    pub fn reset(&mut self) -> bool {
        let in_flight = self.busy();
        self.active = None;
        self.requested = None;
        std::mem::take(&mut self.pending) || in_flight
    }

    /// Whether a response exists or was asked for.
    pub fn busy(&self) -> bool {
        self.active.is_some() || self.requested.is_some()
    }

    /// Whether a response is in progress on the server.
    pub fn active(&self) -> bool {
        self.active.is_some()
    }

    /// Whether a request waits for the one in flight.
    pub fn pending(&self) -> bool {
        self.pending
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{RESPONSE_CREATE_TIMEOUT, RESPONSE_IDLE_TIMEOUT, ResponseGate};

    #[test]
    fn one_response_in_flight() {
        let now = crate::agent::test_epoch();
        let mut gate = ResponseGate::default();
        assert!(gate.request("e1", now));
        assert!(!gate.request("e2", now), "second request waits");
        gate.on_created(Some("r1"));
        assert!(
            gate.on_done(Some("r1")),
            "the pending request goes after done"
        );
        assert!(gate.request("e3", now));
        gate.on_created(Some("r2"));
        assert!(!gate.on_done(Some("r2")), "nothing pending");
        assert!(!gate.busy());
    }

    #[test]
    fn an_error_without_event_id_does_not_wedge() {
        let now = crate::agent::test_epoch();
        let mut gate = ResponseGate::default();
        assert!(gate.request("e1", now));
        assert!(!gate.request("e2", now));
        assert!(gate.on_error(None));
        assert!(gate.request("e2", now));
    }

    #[test]
    fn a_duplicate_done_does_not_open_a_second_slot() {
        let now = crate::agent::test_epoch();
        let mut gate = ResponseGate::default();
        assert!(gate.request("e1", now));
        gate.on_created(Some("r1"));
        assert!(!gate.request("e2", now));
        assert!(gate.on_done(Some("r1")));
        assert!(gate.request("e2", now));
        assert!(
            !gate.on_done(Some("r1")),
            "r1 again: ours is still in flight"
        );
        assert!(gate.busy());
        assert!(
            !gate.on_done(Some("r_other")),
            "an unknown response changes nothing"
        );
        assert!(gate.busy());
    }

    #[test]
    fn an_unanswered_create_times_out() {
        let now = crate::agent::test_epoch();
        let mut gate = ResponseGate::default();
        assert!(gate.request("e1", now));
        assert!(!gate.request("e2", now));
        assert!(!gate.on_timeout(now + Duration::from_secs(1)));
        assert!(gate.on_timeout(now + RESPONSE_CREATE_TIMEOUT));
    }

    #[test]
    fn a_silent_active_response_times_out() {
        let now = crate::agent::test_epoch();
        let mut gate = ResponseGate::default();
        gate.on_created(Some("r1"));
        gate.heard(now);
        assert!(!gate.request("e1", now));
        assert_eq!(gate.deadline(), Some(now + RESPONSE_IDLE_TIMEOUT));
        gate.heard(now + Duration::from_secs(30));
        assert!(
            !gate.on_timeout(now + RESPONSE_IDLE_TIMEOUT),
            "heard from since"
        );
        assert!(gate.on_timeout(now + Duration::from_secs(30) + RESPONSE_IDLE_TIMEOUT));
        assert!(!gate.busy() || gate.request("e2", now));
    }

    #[test]
    fn an_undecodable_done_reopens() {
        let now = crate::agent::test_epoch();
        let mut gate = ResponseGate::default();
        assert!(gate.request("e1", now));
        gate.on_created(None);
        assert!(!gate.request("e2", now));
        assert!(gate.on_undecodable_done());
    }
}
