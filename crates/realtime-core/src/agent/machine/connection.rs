//! The connection as the machine sees it: online or not, the reconnect budget, and
//! session rotation (invariant 7 of the [agent machine](super)).

use std::time::{Duration, Instant};

use super::{Action, AgentMachine, EndReason};
use crate::agent::event::{AgentError, AgentEvent};
use crate::agent::reconnect::{Backoff, Jitter, ReconnectPolicy, RotationPolicy, replay_items};
use crate::protocol::SessionEvent;

/// Delay before a failed rotation is tried again.
pub const ROTATION_RETRY: Duration = Duration::from_secs(5);
/// Longest server expiry believed: further than this is taken as a bad clock.
const MAX_BELIEVED_EXPIRY: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// Never connected yet.
    Initial,
    /// Up since this time.
    Online { since: Instant },
    /// Lost; the next attempt is due at this time (`None`: being made now).
    Offline { retry_at: Option<Instant> },
}

/// Connection state and policies.
#[derive(Debug)]
pub(super) struct Connection {
    link: Link,
    reconnect: ReconnectPolicy,
    rotation: RotationPolicy,
    backoff: Backoff,
    /// Rotation is planned for this time on the current connection.
    rotate_at: Option<Instant>,
    /// The rotation time came; rotation waits for a pause between turns.
    rotation_due: bool,
    /// A rotation was asked for on the current connection (at most one).
    rotated: bool,
    /// The server's expiry was considered on the current connection.
    expiry_seen: bool,
    /// A rotation attempt is under way.
    rotating: bool,
    /// The attempt number of the reconnect under way (0: none).
    attempt: u32,
    /// The client's wall clock at connect, seconds since the epoch.
    unix_time_at_connect: i64,
}

impl Connection {
    pub(super) fn new(
        reconnect: ReconnectPolicy,
        rotation: RotationPolicy,
        jitter: Jitter,
    ) -> Self {
        Self {
            link: Link::Initial,
            reconnect,
            rotation,
            backoff: Backoff::new(reconnect, jitter),
            rotate_at: None,
            rotation_due: false,
            rotated: false,
            expiry_seen: false,
            rotating: false,
            attempt: 0,
            unix_time_at_connect: 0,
        }
    }

    pub(super) fn is_online(&self) -> bool {
        matches!(self.link, Link::Online { .. })
    }

    pub(super) fn next_deadline(&self) -> Option<Instant> {
        let retry = match self.link {
            Link::Offline { retry_at } => retry_at,
            _ => None,
        };
        let rotate = if self.rotation_due {
            None
        } else {
            self.rotate_at
        };
        retry.into_iter().chain(rotate).min()
    }
}

impl AgentMachine {
    pub(super) fn on_connected(&mut self, now: Instant, unix_time: i64) {
        let rotation = self.connection.rotating;
        let attempt = self.connection.attempt;
        self.spans.connected(attempt, rotation);
        // What arrived of an answer on the old connection is not kept from the app.
        self.release_hold();
        self.connection.link = Link::Online { since: now };
        self.connection.rotating = false;
        self.connection.rotate_at = None;
        self.connection.rotation_due = false;
        self.connection.rotated = false;
        self.connection.expiry_seen = false;
        self.connection.attempt = 0;
        self.connection.unix_time_at_connect = unix_time;
        if let Some(lifetime) = self.connection.rotation.lifetime_setting() {
            self.connection.rotate_at = Some(now + lifetime);
        }

        // A new connection has no response, no audio, no transcript of the old one.
        let owed = self.gate.reset();
        self.playback.clear();
        self.turn.announced.clear();
        self.turn.transcripts.clear();
        self.turn.silenced.clear();
        self.turn.user_speaking = false;
        self.turn.response_agent = None;
        self.turn.assistant_audio_seen = false;
        self.turn.suppress_next = false;
        self.turn.suppress_own = false;
        self.turn.suppressing = false;

        let Some(agent) = self.agent(&self.current).cloned() else {
            return;
        };
        let config = super::full_config(
            &self.base,
            &agent,
            &self.history,
            self.current_voice.clone(),
            self.handoff_input.as_ref(),
        );
        let calls = &self.calls;
        let items = replay_items(&self.history, |call_id| calls.is_live(call_id));
        let offered = items.len();
        let opening = self.dialect.open_session(config, items);
        let replayed = offered.saturating_sub(opening.refused.len());
        for event in opening.events {
            self.send(event);
        }
        for (item, source) in opening.refused {
            tracing::warn!(%source, "a history item the provider cannot take");
            let provider = self.provider;
            self.emit(AgentEvent::Error(AgentError::Refused {
                provider,
                what: format!("the history's `{}` item", item.item_type()),
                source: Box::new(source),
            }));
        }
        self.actions.push_back(Action::ConnectionReady);
        if rotation {
            tracing::info!(items_replayed = replayed, "session rotated");
            self.emit(AgentEvent::SessionRotated {
                items_replayed: replayed,
            });
        } else if attempt > 0 {
            tracing::info!(attempt, items_replayed = replayed, "reconnected");
            self.emit(AgentEvent::Reconnected {
                attempt,
                items_replayed: replayed,
            });
        }
        // What the app asked for while offline, in order.
        while let Some(command) = self.deferred.pop_front() {
            self.on_command(now, command);
        }
        if let Some((call_id, target)) = self.calls.pending_handoff() {
            self.apply_handoff(now, &call_id, &target);
        }
        if let Some(target) = self.requested_handoff.take() {
            self.switch_now(&target);
        }
        if owed && !self.calls.tools_outstanding() {
            // The answer being produced (or asked for) was lost with the connection.
            self.follow_up = true;
        }
        self.maybe_follow_up(now);
    }

    pub(super) fn on_connection_lost(&mut self, now: Instant, disconnect: super::Disconnect) {
        if self.connection.rotating && self.connection.is_online() {
            // The replacement connection failed; the current one goes on.
            tracing::warn!("session rotation failed; keeping the current connection");
            self.connection.rotating = false;
            self.connection.rotated = false;
            self.connection.rotation_due = false;
            self.connection.rotate_at = Some(now + ROTATION_RETRY);
            return;
        }
        if let Some(fatal) = disconnect.fatal {
            let provider = self.provider;
            self.emit(AgentEvent::Error(AgentError::Fatal {
                provider,
                kind: fatal.kind,
                detail: fatal.detail,
            }));
            self.end(EndReason::Fatal);
            return;
        }
        // A connection that lived long enough earns a fresh budget; one that died
        // young does not.
        if let Link::Online { since } = self.connection.link
            && now.saturating_duration_since(since) >= self.connection.reconnect.get_stable_after()
        {
            self.connection.backoff.reset();
        }
        self.connection.rotating = false;
        let Some((attempt, delay)) = self.connection.backoff.next_delay() else {
            let attempts = self.connection.backoff.attempts();
            self.end(EndReason::GaveUp { attempts });
            return;
        };
        let delay = delay.max(disconnect.retry_after.unwrap_or_default());
        self.connection.attempt = attempt;
        self.connection.link = Link::Offline {
            retry_at: Some(now + delay),
        };
        self.actions.push_back(Action::Reconnecting {
            attempt,
            after: delay,
        });
    }

    pub(super) fn connection_timers(&mut self, now: Instant) {
        if let Link::Offline { retry_at: Some(at) } = self.connection.link
            && now >= at
        {
            self.connection.link = Link::Offline { retry_at: None };
            self.actions.push_back(Action::Connect { rotation: false });
        }
        if let Some(at) = self.connection.rotate_at
            && now >= at
            && self.connection.is_online()
        {
            self.connection.rotate_at = None;
            self.connection.rotation_due = true;
        }
    }

    /// Rotates when due and between turns, at most once per connection.
    pub(super) fn maybe_rotate(&mut self, _now: Instant) {
        let between_turns = !(self.gate.busy()
            || self.calls.live_count() > 0
            || self.follow_up
            || self.turn.user_speaking);
        if self.connection.rotation_due
            && !self.connection.rotated
            && !self.connection.rotating
            && self.connection.is_online()
            && between_turns
        {
            self.connection.rotation_due = false;
            self.connection.rotated = true;
            self.connection.rotating = true;
            self.actions.push_back(Action::Connect { rotation: true });
        }
    }

    /// Plans the rotation from the server's `session.expires_at`, once per connection.
    pub(super) fn on_session_created(&mut self, now: Instant, created: &SessionEvent) {
        if self.connection.expiry_seen || !self.connection.rotation.is_enabled() {
            return;
        }
        self.connection.expiry_seen = true;
        if self.connection.rotation.lifetime_setting().is_some() {
            return;
        }
        let session = &created.session;
        let Some(expires_at) = session.expires_at() else {
            return;
        };
        // The server's own clock where the frame has one; the client's otherwise.
        let server_now = session.created_at().or_else(|| {
            created
                .extra
                .get("created_at")
                .and_then(serde_json::Value::as_i64)
        });
        let reference = server_now.unwrap_or(self.connection.unix_time_at_connect);
        let left = expires_at.saturating_sub(reference);
        let margin = self.connection.rotation.margin_setting();
        let left = match u64::try_from(left) {
            Ok(secs) if secs > 0 => Duration::from_secs(secs),
            _ => {
                tracing::warn!(
                    expires_at,
                    reference,
                    "session.expires_at is not in the future; not rotating"
                );
                return;
            }
        };
        if left <= margin {
            tracing::warn!(
                ?left,
                ?margin,
                "session.expires_at is within the rotation margin; not rotating"
            );
            return;
        }
        if left > MAX_BELIEVED_EXPIRY {
            // Far beyond any provider's session limit (an emulator's fixed date, a
            // skewed clock): nothing to rotate for.
            tracing::debug!(
                ?left,
                "session.expires_at is more than a day away; not rotating"
            );
            return;
        }
        self.connection.rotate_at = Some(now + (left - margin));
    }

    pub(super) fn end(&mut self, reason: EndReason) {
        if self.ended {
            return;
        }
        self.actions.push_back(Action::End(reason));
        self.ended = true;
    }
}
