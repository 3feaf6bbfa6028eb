//! The reliability decisions of the agent loop, as pure data and functions: no I/O,
//! no clock, tested without tokio.
//!
//! - [`ReconnectPolicy`] and [`Backoff`]: when to try again after the socket dropped
//!   (exponential, capped, with jitter from a small [`Jitter`] generator).
//! - [`classify_transport`]: which connection failures are [`Fatal`] (retrying
//!   cannot help: bad key, unknown deployment, no quota), with the provider's own
//!   table of fatal codes.
//! - [`OfflineAudio`]: what happens to microphone audio while disconnected (kept up
//!   to a bound, then the oldest is dropped and counted, never silently).
//! - [`RotationPolicy`]: when to move to a fresh connection before the provider's
//!   session time limit.
//! - [`replay_items`]: the history as items for a new connection.
//! - [`BoundedSet`]: a set that forgets its oldest members, for the loop's per-item
//!   bookkeeping (nothing the network sends grows it without bound).

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use super::history::{History, HistoryEntry};
use crate::protocol::Item;
#[cfg(feature = "runtime")]
use crate::transport::TransportError;

/// How the agent loop reconnects after the socket dropped (not after a clean close).
///
/// ```
/// use std::time::Duration;
/// use realtime_core::agent::ReconnectPolicy;
///
/// let policy = ReconnectPolicy::default()
///     .initial_delay(Duration::from_millis(100))
///     .max_delay(Duration::from_secs(5))
///     .max_attempts(5);
/// assert_eq!(policy.get_max_attempts(), 5);
/// assert!(!ReconnectPolicy::disabled().is_enabled());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[must_use]
pub struct ReconnectPolicy {
    initial: Duration,
    max: Duration,
    max_attempts: u32,
    jitter: f64,
    stable_after: Duration,
}

impl Default for ReconnectPolicy {
    /// 250 ms, doubling up to 10 s, 8 attempts, ±20 % jitter; a connection must
    /// live 30 s to earn a fresh budget.
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(250),
            max: Duration::from_secs(10),
            max_attempts: 8,
            jitter: 0.2,
            stable_after: Duration::from_secs(30),
        }
    }
}

impl ReconnectPolicy {
    /// Never reconnects: a dropped socket ends the session.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 0,
            ..Self::default()
        }
    }

    /// Delay before the first attempt (default 250 ms); each further attempt doubles it.
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.initial = delay;
        self
    }

    /// Largest delay between attempts (default 10 s).
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max = delay;
        self
    }

    /// Attempts before giving up (default 8; 0 disables reconnecting).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// Fraction of each delay that is randomised, `0.0..=1.0` (default 0.2: each delay
    /// is the nominal one ±20 %), so clients dropped together do not return together.
    pub fn jitter(mut self, fraction: f64) -> Self {
        self.jitter = if fraction.is_finite() {
            fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self
    }

    /// How long a connection must stay up before its loss starts a fresh budget of
    /// attempts (default 30 s). A connection that dies younger keeps counting the
    /// attempts before it, so a server that accepts and then drops every connection
    /// is given up on after the attempts allowed, not retried forever.
    pub fn stable_after(mut self, duration: Duration) -> Self {
        self.stable_after = duration;
        self
    }

    /// See [`stable_after`](Self::stable_after).
    pub fn get_stable_after(&self) -> Duration {
        self.stable_after
    }

    /// Whether the loop reconnects at all.
    pub fn is_enabled(&self) -> bool {
        self.max_attempts > 0
    }

    /// The attempts allowed.
    pub fn get_max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The nominal (unjittered) delay before `attempt` (1-based): `initial * 2^(attempt-1)`,
    /// capped at the maximum.
    pub fn nominal_delay(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(31);
        self.initial
            .checked_mul(1u32 << exponent)
            .unwrap_or(self.max)
            .min(self.max)
    }
}

/// A small deterministic pseudo-random generator (SplitMix64) for jitter. Not for
/// anything secret.
#[derive(Debug, Clone)]
pub struct Jitter {
    state: u64,
}

impl Jitter {
    /// A generator with a fixed seed (tests).
    pub fn seeded(seed: u64) -> Self {
        Self { state: seed }
    }

    /// A generator seeded from the system clock.
    pub fn from_time() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9E37_79B9_7F4A_7C15, |elapsed| {
                u64::try_from(elapsed.as_nanos() & u128::from(u64::MAX)).unwrap_or(0)
            });
        Self::seeded(nanos ^ u64::from(std::process::id()).rotate_left(32))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `[0, 1)`.
    pub fn next_unit(&mut self) -> f64 {
        // 53 random bits: exactly representable.
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The attempts of one reconnection: call [`next_delay`](Self::next_delay) before each.
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: ReconnectPolicy,
    attempt: u32,
    jitter: Jitter,
}

impl Backoff {
    /// A fresh schedule.
    pub fn new(policy: ReconnectPolicy, jitter: Jitter) -> Self {
        Self {
            policy,
            attempt: 0,
            jitter,
        }
    }

    /// The number of the next attempt, and the delay to wait before it; `None` when
    /// the attempts are used up.
    pub fn next_delay(&mut self) -> Option<(u32, Duration)> {
        if self.attempt >= self.policy.max_attempts {
            return None;
        }
        self.attempt += 1;
        let nominal = self.policy.nominal_delay(self.attempt);
        // Uniform in [1 - j, 1 + j).
        let factor = 1.0 + self.policy.jitter * (2.0 * self.jitter.next_unit() - 1.0);
        let delay = nominal.mul_f64(factor.max(0.0)).min(self.policy.max);
        Some((self.attempt, delay))
    }

    /// Attempts made so far.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// Starts over (after a successful reconnect).
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// Why retrying cannot help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FatalKind {
    /// The credentials were refused (HTTP 401/403, `invalid_api_key`).
    Auth,
    /// The model or deployment does not exist (`model_not_found`, `DeploymentNotFound`, HTTP 404).
    NotFound,
    /// The account has no quota left (`insufficient_quota`).
    Quota,
    /// The connection cannot be made as configured (bad URL, TLS trust).
    Configuration,
}

impl std::fmt::Display for FatalKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Auth => "authentication failed",
            Self::NotFound => "model or deployment not found",
            Self::Quota => "quota exhausted",
            Self::Configuration => "the connection is misconfigured",
        })
    }
}

/// A failure that ends the session: no reconnect can fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fatal {
    /// What kind.
    pub kind: FatalKind,
    /// The evidence (status or code), never a secret.
    pub detail: String,
}

/// Whether a failed connection or connection attempt is fatal.
///
/// `classify_code` is the provider's table of fatal error codes
/// ([`Dialect::classify_error`](crate::dialect::Dialect::classify_error)); it is asked
/// about the code a handshake body names (`error.code`, `error.type` or a top-level
/// `code`). Fatal otherwise: HTTP 401/403 (auth) and 404 (no such deployment or
/// call) at the handshake, an invalid request (bad URL or header) and TLS failures.
/// Everything else (refused, reset, timeouts, 429, 5xx, abnormal close) is retried.
#[cfg(feature = "runtime")]
pub fn classify_transport(
    error: &TransportError,
    classify_code: &dyn Fn(&str) -> Option<FatalKind>,
) -> Option<Fatal> {
    let fatal = |kind, detail: String| Some(Fatal { kind, detail });
    match error {
        TransportError::Handshake { status, body, .. } => {
            if let Some(code) = body_error_code(body)
                && let Some(kind) = classify_code(&code)
            {
                return fatal(kind, format!("HTTP {status}, {code}"));
            }
            match status {
                401 | 403 => fatal(FatalKind::Auth, format!("HTTP {status}")),
                404 => fatal(FatalKind::NotFound, format!("HTTP {status}")),
                _ => None,
            }
        }
        TransportError::InvalidRequest { .. } => fatal(
            FatalKind::Configuration,
            "invalid connect request".to_owned(),
        ),
        TransportError::Tls { .. } => fatal(FatalKind::Configuration, "TLS failed".to_owned()),
        // A close code that says retrying cannot help (policy violation, bad data).
        other if other.is_fatal() => fatal(FatalKind::Configuration, format!("{other}")),
        _ => None,
    }
}

/// The error code a JSON handshake body names: `error.code`, else `error.type`, else
/// a top-level `code` (Azure's gateway answers `{"code": ..}`). `None` for a body
/// that is not JSON or names none.
#[cfg(feature = "runtime")]
fn body_error_code(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    ["/error/code", "/error/type", "/code"]
        .iter()
        .find_map(|pointer| value.pointer(pointer).and_then(serde_json::Value::as_str))
        .map(str::to_owned)
}

/// Microphone audio kept while disconnected, to send once reconnected.
///
/// Holds at most `max_bytes`; when more arrives, the oldest chunks are dropped and
/// counted ([`take_dropped`](Self::take_dropped)), so the app can be told.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfflineAudio {
    max_bytes: usize,
    chunks: VecDeque<Vec<u8>>,
    bytes: usize,
    dropped: u64,
}

impl OfflineAudio {
    /// A buffer of at most `max_bytes` (0 keeps nothing: all audio sent while
    /// disconnected is dropped and counted).
    pub fn new(max_bytes: usize) -> Self {
        Self {
            max_bytes,
            ..Self::default()
        }
    }

    /// Keeps `chunk`, dropping the oldest audio beyond the bound. Returns the bytes
    /// dropped by this call.
    pub fn push(&mut self, chunk: &[u8]) -> u64 {
        let before = self.dropped;
        if chunk.len() > self.max_bytes {
            // Keep the newest part, whole 2-byte samples.
            let keep = self.max_bytes & !1;
            self.dropped += (chunk.len() - keep) as u64;
            for old in self.chunks.drain(..) {
                self.dropped += old.len() as u64;
            }
            self.bytes = keep;
            if keep > 0 {
                self.chunks.push_back(chunk[chunk.len() - keep..].to_vec());
            }
            return self.dropped - before;
        }
        while self.bytes + chunk.len() > self.max_bytes {
            let Some(old) = self.chunks.pop_front() else {
                break;
            };
            self.bytes -= old.len();
            self.dropped += old.len() as u64;
        }
        self.bytes += chunk.len();
        self.chunks.push_back(chunk.to_vec());
        self.dropped - before
    }

    /// Takes the buffered audio, oldest first.
    pub fn drain(&mut self) -> Vec<Vec<u8>> {
        self.bytes = 0;
        self.chunks.drain(..).collect()
    }

    /// Takes the count of bytes dropped since the last call.
    pub fn take_dropped(&mut self) -> u64 {
        std::mem::take(&mut self.dropped)
    }

    /// Bytes held.
    pub fn len(&self) -> usize {
        self.bytes
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// The bound, in bytes.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }
}

/// When to move to a fresh connection before the provider ends the session.
///
/// Providers end a realtime session after a time limit (about 60 minutes) and say
/// when in `session.expires_at`. The loop rotates `margin` before that (or after
/// `lifetime`, if set), between turns only.
///
/// ```
/// use std::time::Duration;
/// use realtime_core::agent::RotationPolicy;
///
/// let policy = RotationPolicy::default().margin(Duration::from_secs(60));
/// assert_eq!(policy.rotate_in(Some(Duration::from_secs(3600))), Some(Duration::from_secs(3540)));
/// let short = RotationPolicy::default().lifetime(Duration::from_millis(500));
/// assert_eq!(short.rotate_in(None), Some(Duration::from_millis(500)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct RotationPolicy {
    enabled: bool,
    margin: Duration,
    lifetime: Option<Duration>,
}

impl Default for RotationPolicy {
    /// Rotates 2 minutes before `session.expires_at`.
    fn default() -> Self {
        Self {
            enabled: true,
            margin: Duration::from_secs(120),
            lifetime: None,
        }
    }
}

impl RotationPolicy {
    /// Never rotates.
    pub fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }

    /// How long before the session expires to rotate (default 2 minutes).
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Rotates after this long on one connection, whatever the server says (e.g. a
    /// stricter limit of your own, or a short one in tests). The margin does not apply.
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = Some(lifetime);
        self
    }

    /// Whether rotation is on.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// The margin before the server's expiry.
    pub fn margin_setting(&self) -> Duration {
        self.margin
    }

    /// The fixed lifetime, if set.
    pub fn lifetime_setting(&self) -> Option<Duration> {
        if self.enabled { self.lifetime } else { None }
    }

    /// How long after connecting to rotate, given how long the server said the
    /// session has left (`expires_in`, from `session.expires_at`); `None`: never.
    pub fn rotate_in(&self, expires_in: Option<Duration>) -> Option<Duration> {
        if !self.enabled {
            return None;
        }
        match (self.lifetime, expires_in) {
            (Some(lifetime), _) => Some(lifetime),
            (None, Some(left)) => Some(left.saturating_sub(self.margin)),
            (None, None) => None,
        }
    }
}

/// The history as items for a new connection. Tool outputs whose call fell out of a
/// bounded history are skipped (a provider rejects an output without its call), and
/// so are calls without an output unless `running(call_id)` says the output is still
/// to come: the replay is always a valid conversation.
pub fn replay_items(history: &History, running: impl Fn(&str) -> bool) -> Vec<Item> {
    let calls: HashSet<&str> = history
        .entries()
        .iter()
        .filter_map(|entry| match entry {
            HistoryEntry::ToolCall { call_id, .. } => Some(call_id.as_str()),
            _ => None,
        })
        .collect();
    let outputs: HashSet<&str> = history
        .entries()
        .iter()
        .filter_map(|entry| match entry {
            HistoryEntry::ToolOutput { call_id, .. } => Some(call_id.as_str()),
            _ => None,
        })
        .collect();
    let mut kept = History::new();
    for entry in history.entries() {
        let keep = match entry {
            HistoryEntry::ToolCall { call_id, .. } => {
                outputs.contains(call_id.as_str()) || running(call_id)
            }
            HistoryEntry::ToolOutput { call_id, .. } => calls.contains(call_id.as_str()),
            _ => true,
        };
        if keep {
            kept.push(entry.clone());
        }
    }
    kept.to_items()
}

/// A set that keeps at most `capacity` members, forgetting the oldest first.
#[derive(Debug, Clone, Default)]
pub struct BoundedSet {
    capacity: usize,
    order: VecDeque<String>,
    members: HashSet<String>,
}

impl BoundedSet {
    /// An empty set of at most `capacity` (at least 1) members.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            ..Self::default()
        }
    }

    /// Adds `value`; `false` if it was already there.
    pub fn insert(&mut self, value: &str) -> bool {
        if self.members.contains(value) {
            return false;
        }
        while self.order.len() >= self.capacity.max(1) {
            if let Some(oldest) = self.order.pop_front() {
                self.members.remove(&oldest);
            }
        }
        self.order.push_back(value.to_owned());
        self.members.insert(value.to_owned());
        true
    }

    /// Whether `value` is a member.
    pub fn contains(&self, value: &str) -> bool {
        self.members.contains(value)
    }

    /// The most members held (0 for a default set: then 1).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Members held.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.order.clear();
        self.members.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ReconnectPolicy {
        ReconnectPolicy::default()
            .initial_delay(Duration::from_millis(100))
            .max_delay(Duration::from_secs(2))
            .max_attempts(6)
    }

    #[test]
    fn backoff_doubles_caps_and_stops() {
        let mut backoff = Backoff::new(policy().jitter(0.0), Jitter::seeded(1));
        let delays: Vec<(u32, u64)> = std::iter::from_fn(|| backoff.next_delay())
            .map(|(attempt, delay)| (attempt, delay.as_millis() as u64))
            .collect();
        assert_eq!(
            delays,
            [(1, 100), (2, 200), (3, 400), (4, 800), (5, 1600), (6, 2000)]
        );
        assert_eq!(backoff.next_delay(), None, "attempts used up");
        backoff.reset();
        assert_eq!(backoff.next_delay().map(|(a, _)| a), Some(1));
    }

    #[test]
    fn jitter_stays_within_its_band_and_varies() {
        let mut seen = HashSet::new();
        for seed in 0..200 {
            let mut backoff = Backoff::new(policy().jitter(0.5), Jitter::seeded(seed));
            let (_, first) = backoff.next_delay().unwrap_or_default();
            assert!(
                (50..=150).contains(&first.as_millis()),
                "{first:?} outside 100 ms ±50 %"
            );
            seen.insert(first.as_micros());
        }
        assert!(
            seen.len() > 100,
            "jitter spreads the delays: {}",
            seen.len()
        );
    }

    #[test]
    fn huge_attempt_numbers_do_not_overflow() {
        let policy = policy().max_attempts(u32::MAX);
        assert_eq!(policy.nominal_delay(u32::MAX), Duration::from_secs(2));
        assert_eq!(
            ReconnectPolicy::default().jitter(f64::NAN),
            ReconnectPolicy::default().jitter(0.0)
        );
    }

    #[test]
    fn disabled_policy_makes_no_attempt() {
        let mut backoff = Backoff::new(ReconnectPolicy::disabled(), Jitter::seeded(0));
        assert_eq!(backoff.next_delay(), None);
    }

    #[cfg(feature = "runtime")]
    #[test]
    fn fatal_handshakes() {
        // A provider table as a provider crate holds it (the real ones are tested
        // in their crates).
        let table = |code: &str| {
            code.eq_ignore_ascii_case("DeploymentNotFound")
                .then_some(FatalKind::NotFound)
        };
        let classify_transport = |error: &TransportError| classify_transport(error, &table);
        let handshake = |status, body: &str| TransportError::Handshake {
            provider: "p",
            status,
            body: body.to_owned(),
        };
        assert_eq!(
            classify_transport(&handshake(401, "")).map(|f| f.kind),
            Some(FatalKind::Auth)
        );
        assert_eq!(
            classify_transport(&handshake(403, "")).map(|f| f.kind),
            Some(FatalKind::Auth)
        );
        assert_eq!(
            classify_transport(&handshake(
                400,
                r#"{"error":{"code":"DeploymentNotFound"}}"#
            ))
            .map(|f| f.kind),
            Some(FatalKind::NotFound)
        );
        assert_eq!(
            classify_transport(&handshake(400, r#"{"error":{"code":"bad_request"}}"#)),
            None,
            "a code the provider does not call fatal is retried"
        );
        assert_eq!(
            classify_transport(&handshake(400, "DeploymentNotFound, said in prose")),
            None,
            "only a code the body names as one counts"
        );
        assert_eq!(classify_transport(&handshake(429, "slow down")), None);
        assert_eq!(classify_transport(&handshake(503, "")), None);
        let lost = TransportError::ConnectionLost {
            provider: "p",
            message: "reset".into(),
        };
        assert_eq!(classify_transport(&lost), None);
        let closed = TransportError::Closed {
            provider: "p",
            code: 1011,
            reason: String::new(),
        };
        assert_eq!(classify_transport(&closed), None);
    }

    #[test]
    fn offline_audio_keeps_the_newest_and_counts_the_rest() {
        let mut audio = OfflineAudio::new(10);
        assert_eq!(audio.push(&[1; 4]), 0);
        assert_eq!(audio.push(&[2; 4]), 0);
        assert_eq!(audio.push(&[3; 4]), 4, "the oldest chunk goes");
        assert_eq!(audio.len(), 8);
        assert_eq!(audio.take_dropped(), 4);
        assert_eq!(audio.take_dropped(), 0, "counted once");
        assert_eq!(
            audio.push(&[4; 13]),
            8 + 3,
            "a huge chunk keeps its newest 10 bytes"
        );
        assert_eq!(audio.drain(), vec![vec![4; 10]]);
        assert!(audio.is_empty());
        let mut none = OfflineAudio::new(0);
        assert_eq!(
            none.push(&[0; 6]),
            6,
            "a zero bound drops and counts everything"
        );
        assert!(none.is_empty());
    }

    #[test]
    fn replay_skips_orphaned_tool_entries() {
        let mut history = History::new();
        history.push(HistoryEntry::ToolOutput {
            call_id: "lost".into(),
            output: "x".into(),
        });
        history.upsert_message("u1", crate::protocol::Role::User, "hi", None);
        history.push(HistoryEntry::ToolCall {
            call_id: "c1".into(),
            name: "t".into(),
            arguments: "{}".into(),
        });
        history.push(HistoryEntry::ToolOutput {
            call_id: "c1".into(),
            output: "ok".into(),
        });
        history.push(HistoryEntry::ToolCall {
            call_id: "running".into(),
            name: "t".into(),
            arguments: "{}".into(),
        });
        history.push(HistoryEntry::ToolCall {
            call_id: "abandoned".into(),
            name: "t".into(),
            arguments: "{}".into(),
        });
        assert_eq!(
            replay_items(&history, |id| id == "running"),
            vec![
                Item::user_text("hi"),
                Item::function_call("c1", "t", "{}"),
                Item::function_call_output("c1", "ok"),
                Item::function_call("running", "t", "{}"),
            ]
        );
    }

    #[test]
    fn bounded_set_forgets_the_oldest() {
        let mut set = BoundedSet::new(2);
        assert!(set.insert("a"));
        assert!(!set.insert("a"));
        assert!(set.insert("b"));
        assert!(set.insert("c"));
        assert!(!set.contains("a") && set.contains("b") && set.contains("c"));
        assert_eq!(set.len(), 2);
    }
}
