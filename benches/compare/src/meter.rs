//! What the client under test costs: CPU time, context switches and allocations, over one
//! of three scopes: the calling thread, every thread named [`CLIENT_THREAD`] (a
//! multi-thread runtime's workers and the thread that runs its `block_on`), or the whole
//! process.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// The name of every thread that runs client code (the kernel keeps 15 bytes of it).
pub const CLIENT_THREAD: &str = "client";

/// The process allocator: `System`, counting allocations made by the current thread, and
/// also in a shared slot when the thread was marked with [`count_this_thread`].
pub struct CountingAlloc;

/// One counter per marked thread, each on its own cache line so the threads never share
/// one; a thread writes only its own slot.
#[repr(align(128))]
struct Slot(AtomicU64);

const SLOT_COUNT: usize = 64;
static SLOTS: [Slot; SLOT_COUNT] = [const { Slot(AtomicU64::new(0)) }; SLOT_COUNT];
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    static SLOT: Cell<Option<usize>> = const { Cell::new(None) };
}

fn count_allocation() {
    // `try_with`: never touch a thread-local that is being torn down.
    let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
    if let Ok(Some(slot)) = SLOT.try_with(Cell::get) {
        SLOTS[slot].0.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to `System`; the counters are const-initialised
// thread-locals and static atomics, none of which allocates.
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

/// Marks the calling thread as a client thread: its allocations count in
/// [`Scope::ClientThreads`] and [`Scope::Process`] figures. Runtimes call it on every
/// worker they start; client threads call it first thing.
pub fn count_this_thread() {
    SLOT.with(|slot| {
        if slot.get().is_none() {
            slot.set(Some(NEXT_SLOT.fetch_add(1, Ordering::Relaxed) % SLOT_COUNT));
        }
    });
}

/// Allocations (including reallocations) made so far by the calling thread.
pub fn thread_allocations() -> u64 {
    ALLOCATIONS.try_with(Cell::get).unwrap_or(0)
}

fn marked_allocations() -> u64 {
    SLOTS
        .iter()
        .map(|slot| slot.0.load(Ordering::Relaxed))
        .sum()
}

fn clock_ns(clock: libc::clockid_t) -> u64 {
    // SAFETY: plain old data; zero is a valid value.
    let mut now: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: `now` is valid and writable for the duration of the call.
    if unsafe { libc::clock_gettime(clock, &raw mut now) } != 0 {
        return 0;
    }
    let secs = u64::try_from(now.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(now.tv_nsec).unwrap_or(0);
    secs * 1_000_000_000 + nanos
}

/// Voluntary plus involuntary context switches of `who` (`RUSAGE_THREAD` or `RUSAGE_SELF`).
fn rusage_switches(who: libc::c_int) -> u64 {
    // SAFETY: plain old data; zero is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is valid and writable for the duration of the call.
    if unsafe { libc::getrusage(who, &raw mut usage) } != 0 {
        return 0;
    }
    u64::try_from(usage.ru_nvcsw + usage.ru_nivcsw).unwrap_or(0)
}

/// Which threads a [`Meter`] counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The thread that starts and stops the meter.
    Thread,
    /// Every thread named [`CLIENT_THREAD`] (CPU and switches from `/proc/self/task`).
    ClientThreads,
    /// The whole process (`CLOCK_PROCESS_CPUTIME_ID`, `getrusage(RUSAGE_SELF)`).
    Process,
}

/// What a [`Meter`] measured.
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    /// CPU time, user and system.
    pub cpu: Duration,
    /// Context switches, voluntary and involuntary.
    pub switches: u64,
    /// Allocations: the thread's own for [`Scope::Thread`], else those of marked threads.
    pub allocations: u64,
}

/// One thread's (or the process's) counters: (thread id, CPU ns, context switches).
type Sample = Vec<(Option<u32>, u64, u64)>;

/// CPU, switches and allocations of a [`Scope`] between [`Meter::start`] and
/// [`Meter::stop`]. A client thread that ends in between takes its counts with it, so
/// stop the meter before the runtime shuts down.
pub struct Meter {
    scope: Scope,
    before: Sample,
    allocations: u64,
}

impl Meter {
    /// Starts counting (for [`Scope::Thread`], on the calling thread).
    pub fn start(scope: Scope) -> Self {
        Self {
            scope,
            before: sample(scope),
            allocations: allocations(scope),
        }
    }

    /// What was used since the start (for [`Scope::Thread`], call on the same thread).
    pub fn stop(&self) -> Usage {
        let (mut cpu_ns, mut switches) = (0u64, 0u64);
        for (id, cpu, count) in sample(self.scope) {
            let (cpu_before, count_before) = self
                .before
                .iter()
                .find(|(before, _, _)| *before == id)
                .map_or((0, 0), |&(_, cpu, count)| (cpu, count));
            cpu_ns += cpu.saturating_sub(cpu_before);
            switches += count.saturating_sub(count_before);
        }
        Usage {
            cpu: Duration::from_nanos(cpu_ns),
            switches,
            allocations: allocations(self.scope).saturating_sub(self.allocations),
        }
    }
}

fn allocations(scope: Scope) -> u64 {
    match scope {
        Scope::Thread => thread_allocations(),
        Scope::ClientThreads | Scope::Process => marked_allocations(),
    }
}

fn sample(scope: Scope) -> Sample {
    match scope {
        Scope::Thread => vec![(
            None,
            clock_ns(libc::CLOCK_THREAD_CPUTIME_ID),
            rusage_switches(libc::RUSAGE_THREAD),
        )],
        Scope::Process => vec![(
            None,
            clock_ns(libc::CLOCK_PROCESS_CPUTIME_ID),
            rusage_switches(libc::RUSAGE_SELF),
        )],
        Scope::ClientThreads => threads_named(CLIENT_THREAD),
    }
}

/// Every live thread named `name`: CPU from `schedstat` (nanoseconds on CPU), switches
/// from `status`.
fn threads_named(name: &str) -> Sample {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    let read = |dir: &std::path::Path, file| std::fs::read_to_string(dir.join(file));
    tasks
        .filter_map(Result::ok)
        .filter_map(|task| {
            let dir = task.path();
            let id: u32 = task.file_name().to_str()?.parse().ok()?;
            if read(&dir, "comm").ok()?.trim_end() != name {
                return None;
            }
            let cpu = read(&dir, "schedstat")
                .ok()?
                .split_whitespace()
                .next()?
                .parse()
                .ok()?;
            let status = read(&dir, "status").ok()?;
            let switches = status
                .lines()
                .filter_map(|line| {
                    let value = line
                        .strip_prefix("voluntary_ctxt_switches:")
                        .or_else(|| line.strip_prefix("nonvoluntary_ctxt_switches:"))?;
                    value.trim().parse::<u64>().ok()
                })
                .sum();
            Some((Some(id), cpu, switches))
        })
        .collect()
}

/// CPU time used so far by every live thread of this process named `name`.
pub fn named_threads_cpu(name: &str) -> Duration {
    Duration::from_nanos(threads_named(name).iter().map(|&(_, cpu, _)| cpu).sum())
}
