//! Measurement helpers: a shared HDR latency histogram, `/proc` readers, clocks.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// The largest latency recorded as itself (60 s, in µs); longer ones count as this.
const HIGHEST_US: u64 = 60_000_000;

/// A histogram of latencies in µs, shared by every session task.
///
/// HDR with 3 significant digits: every figure is within 0.1% of the true value
/// from 1 µs to 60 s (the fixed buckets this replaces were 1 ms wide above 1 ms, so
/// p99 = 6 ms meant anywhere in 5–6 ms). One lock per record: an uncontended
/// `Mutex` costs tens of ns, noise next to the µs measured.
#[derive(Debug)]
pub(crate) struct Histogram {
    inner: Mutex<hdrhistogram::Histogram<u64>>,
}

impl Histogram {
    pub(crate) fn new() -> Self {
        let histogram = hdrhistogram::Histogram::new_with_bounds(1, HIGHEST_US, 3)
            .expect("1 µs to 60 s at 3 significant digits is a valid HDR range");
        Self {
            inner: Mutex::new(histogram),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, hdrhistogram::Histogram<u64>> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn record(&self, micros: u64) {
        self.lock().saturating_record(micros.clamp(1, HIGHEST_US));
    }

    /// How many values were recorded.
    pub(crate) fn len(&self) -> u64 {
        self.lock().len()
    }

    /// The `q` quantile (0..=1) in µs.
    pub(crate) fn quantile(&self, q: f64) -> u64 {
        self.lock().value_at_quantile(q)
    }

    #[cfg(test)]
    pub(crate) fn max(&self) -> u64 {
        self.lock().max()
    }

    /// `n=… p50=…µs p99=…µs p99.9=…µs max=…µs`.
    pub(crate) fn summary(&self) -> String {
        let histogram = self.lock();
        format!(
            "n={} p50={}µs p99={}µs p99.9={}µs max={}µs",
            histogram.len(),
            histogram.value_at_quantile(0.50),
            histogram.value_at_quantile(0.99),
            histogram.value_at_quantile(0.999),
            histogram.max()
        )
    }
}

/// Nanoseconds since the Unix epoch (CLOCK_REALTIME: the same clock in the client
/// and the emulator process, so a stamp written by one is read by the other).
pub(crate) fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
        })
}

/// User + system CPU time of a process, in clock ticks (USER_HZ, 100 on Linux).
pub(crate) fn cpu_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the `(comm)`, which may hold spaces: state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Resident set size of a process, in KiB.
pub(crate) fn rss_kib(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
}

/// The soft and hard `RLIMIT_NOFILE` of this process, from `/proc/self/limits`.
pub(crate) fn nofile_limit() -> Option<(String, String)> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))?;
    let mut fields = line["Max open files".len()..].split_whitespace();
    Some((fields.next()?.to_owned(), fields.next()?.to_owned()))
}

/// The fixed-width event id that carries a send time: `t` and 20 digits of ns.
pub(crate) const STAMP_PLACEHOLDER: &str = "t00000000000000000000";

/// Reads a stamp written by the emulator into a server event id.
pub(crate) fn parse_stamp(event_id: &str) -> Option<u64> {
    let digits = event_id.strip_prefix('t')?;
    if digits.len() != 20 {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_fall_in_their_buckets() {
        let histogram = Histogram::new();
        for micros in 0..1_000 {
            histogram.record(micros);
        }
        histogram.record(5_500);
        assert_eq!(histogram.len(), 1_001);
        // 0 is recorded as 1 µs (the lowest value the histogram tells apart).
        assert_eq!(histogram.quantile(0.5), 500);
        // Not rounded to a whole millisecond: within 0.1% of 5,500.
        assert!(histogram.quantile(1.0).abs_diff(5_500) <= 6);
        assert!(histogram.max().abs_diff(5_500) <= 6);
        assert_eq!(parse_stamp("t00000000000000000042"), Some(42));
        assert_eq!(parse_stamp("event_1"), None);
        assert!(cpu_ticks("self").is_some());
        assert!(rss_kib("self").is_some_and(|kib| kib > 0));
    }
}
