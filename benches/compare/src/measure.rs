//! Measuring tools besides the meters: resident memory (`VmRSS`), the open-file limit,
//! the order/loss/duplicate checker, medians and percentiles.

use std::time::Duration;

/// Resident set size of this process in KiB, from `/proc/self/status`.
pub fn vm_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Raises the soft open-file limit to the hard limit (thousands of sockets per run).
pub fn raise_fd_limit() {
    // SAFETY: plain old data, zero is valid.
    let mut limit: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: `limit` is valid and writable.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &raw mut limit) } == 0 {
        limit.rlim_cur = limit.rlim_max;
        // SAFETY: `limit` is a valid, initialised `rlimit`.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raw const limit) };
    }
}

/// Checks one stream of sequence-numbered messages (`0..expected`): loss, order and
/// duplicates.
pub struct SeqCheck {
    seen: Vec<bool>,
    unique: u64,
    duplicates: u64,
    out_of_order: u64,
    highest: Option<u64>,
    foreign: u64,
}

impl SeqCheck {
    /// A checker expecting the sequence numbers `0..expected`.
    pub fn new(expected: u64) -> Self {
        Self {
            seen: vec![false; usize::try_from(expected).unwrap_or(0)],
            unique: 0,
            duplicates: 0,
            out_of_order: 0,
            highest: None,
            foreign: 0,
        }
    }

    /// Records a payload whose first 8 bytes hold the sequence number (big endian).
    /// Returns true when it was a new message.
    pub fn record(&mut self, payload: &[u8]) -> bool {
        let Some(seq) = payload
            .get(..8)
            .and_then(|head| <[u8; 8]>::try_from(head).ok())
            .map(u64::from_be_bytes)
        else {
            self.foreign += 1;
            return false;
        };
        let Some(slot) = usize::try_from(seq).ok().and_then(|i| self.seen.get_mut(i)) else {
            self.foreign += 1;
            return false;
        };
        if *slot {
            self.duplicates += 1;
            return false;
        }
        *slot = true;
        self.unique += 1;
        match self.highest {
            Some(highest) if seq < highest => self.out_of_order += 1,
            _ => self.highest = Some(seq),
        }
        true
    }

    /// Distinct expected messages received.
    pub fn unique(&self) -> u64 {
        self.unique
    }

    /// True once every expected message arrived.
    pub fn is_complete(&self) -> bool {
        self.unique == self.seen.len() as u64
    }

    /// `(lost, duplicates, out_of_order, foreign)`.
    pub fn faults(&self) -> (u64, u64, u64, u64) {
        (
            self.seen.len() as u64 - self.unique,
            self.duplicates,
            self.out_of_order,
            self.foreign,
        )
    }
}

/// The median of `values` (the mean of the middle two for an even count); NaN when empty.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The `p`-th percentile (nearest rank) of `sorted`, which must be sorted ascending.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
