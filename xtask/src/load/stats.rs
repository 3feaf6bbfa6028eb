//! Measurement helpers: a lock-free latency histogram, `/proc` readers, clocks.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Buckets: 1 µs wide below 1 ms, 1 ms wide up to 1 s, then one overflow bucket.
const FINE: u64 = 1_000;
const BUCKETS: usize = 2_001;

/// A histogram of latencies in µs, shared by every session task.
#[derive(Debug)]
pub(crate) struct Histogram {
    buckets: Vec<AtomicU64>,
    max_us: AtomicU64,
}

impl Histogram {
    pub(crate) fn new() -> Self {
        Self {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            max_us: AtomicU64::new(0),
        }
    }

    pub(crate) fn record(&self, micros: u64) {
        let index = if micros < FINE {
            micros
        } else {
            (FINE + (micros - FINE) / 1_000).min(BUCKETS as u64 - 1)
        };
        // `index` < BUCKETS by construction.
        if let Some(bucket) = self.buckets.get(index as usize) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        self.max_us.fetch_max(micros, Ordering::Relaxed);
    }

    pub(crate) fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum()
    }

    /// The `q` quantile (0..=1) in µs: the upper edge of its bucket.
    pub(crate) fn quantile(&self, q: f64) -> u64 {
        let total = self.count();
        if total == 0 {
            return 0;
        }
        let rank = ((total as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (index, bucket) in self.buckets.iter().enumerate() {
            seen += bucket.load(Ordering::Relaxed);
            if seen >= rank {
                let index = index as u64;
                return if index < FINE {
                    index + 1
                } else {
                    FINE + (index - FINE + 1) * 1_000
                };
            }
        }
        self.max_us.load(Ordering::Relaxed)
    }

    pub(crate) fn max(&self) -> u64 {
        self.max_us.load(Ordering::Relaxed)
    }

    /// `n=… p50=…µs p99=…µs max=…µs`.
    pub(crate) fn summary(&self) -> String {
        format!(
            "n={} p50={}µs p99={}µs p99.9={}µs max={}µs",
            self.count(),
            self.quantile(0.50),
            self.quantile(0.99),
            self.quantile(0.999),
            self.max()
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
        assert_eq!(histogram.count(), 1_001);
        assert_eq!(histogram.quantile(0.5), 501);
        assert_eq!(histogram.quantile(1.0), 6_000);
        assert_eq!(histogram.max(), 5_500);
        assert_eq!(parse_stamp("t00000000000000000042"), Some(42));
        assert_eq!(parse_stamp("event_1"), None);
        assert!(cpu_ticks("self").is_some());
        assert!(rss_kib("self").is_some_and(|kib| kib > 0));
    }
}
