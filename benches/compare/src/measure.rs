//! Measuring tools: per-thread CPU time (`getrusage(RUSAGE_THREAD)`), resident memory
//! (`VmRSS`), a per-thread allocation counter, and the order/loss/duplicate checker.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

/// The process allocator: `System`, counting allocations made by the current thread.
pub struct CountingAlloc;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count_allocation() {
    // `try_with`: never touch a thread-local that is being torn down.
    let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
}

// SAFETY: every call is forwarded unchanged to `System`; the counter is a plain
// const-initialised thread-local `Cell` that never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_allocation();
        // SAFETY: same contract as ours, forwarded.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_allocation();
        // SAFETY: same contract as ours, forwarded.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_allocation();
        // SAFETY: same contract as ours, forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations (including reallocations) made so far by the calling thread.
pub fn thread_allocations() -> u64 {
    ALLOCATIONS.try_with(Cell::get).unwrap_or(0)
}

/// CPU time (user + system) consumed so far by the calling thread, from
/// `CLOCK_THREAD_CPUTIME_ID` (nanosecond resolution; `getrusage(RUSAGE_THREAD)` reports
/// the same total but rounded to scheduler ticks for short runs).
pub fn thread_cpu() -> Duration {
    // SAFETY: plain old data; zero is a valid value.
    let mut now: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: `now` is valid and writable for the duration of the call.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &raw mut now) } != 0 {
        return Duration::ZERO;
    }
    let secs = u64::try_from(now.tv_sec).unwrap_or(0);
    let nanos = u32::try_from(now.tv_nsec).unwrap_or(0);
    Duration::new(secs, nanos)
}

/// CPU and allocations of the calling thread since [`ThreadMeter::start`].
pub struct ThreadMeter {
    cpu: Duration,
    allocations: u64,
}

impl ThreadMeter {
    /// Starts counting on the calling thread.
    pub fn start() -> Self {
        Self {
            cpu: thread_cpu(),
            allocations: thread_allocations(),
        }
    }

    /// CPU time and allocations since the start (call on the same thread).
    pub fn stop(&self) -> (Duration, u64) {
        (
            thread_cpu().saturating_sub(self.cpu),
            thread_allocations() - self.allocations,
        )
    }
}

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
