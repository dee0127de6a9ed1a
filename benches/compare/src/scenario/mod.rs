//! The scenarios, run inside one child process per (scenario, runtime, implementation,
//! run). Each prints one `RESULT key=value ...` line for the parent to collect.

mod fanout;
mod idle;
mod pingpong;
mod throughput;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

pub use fanout::fan_out;
pub use idle::idle;
pub use pingpong::ping_pong;
pub use throughput::{End, throughput};

use crate::client::{ClientApi, Polled, Setup, Wire};
use crate::meter::{self, CLIENT_THREAD, Usage};

/// How long a receiver waits for the next message before it reports the rest as lost.
const IDLE: Duration = Duration::from_secs(3);
/// Upper bound on any single scenario phase inside a child.
const PHASE_LIMIT: Duration = Duration::from_secs(90);
/// Outgoing QoS 1/2 window, for every implementation (the crates' default).
const INFLIGHT: u16 = 100;
/// Request channel capacity for every crate.
const CAPACITY: usize = 100;

/// Which implementation a child runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Impl {
    /// Pre-encoded frames over a blocking socket.
    Raw,
    /// Our crate.
    Ours,
    /// crates.io `rumqttc-v4-next` 0.34.
    Reference,
    /// crates.io bytebeamio `rumqttc` 0.25.
    Bytebeam,
}

impl Impl {
    /// The command-line and table name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Raw => "raw",
            Self::Ours => "ours",
            Self::Reference => "reference",
            Self::Bytebeam => "bytebeam",
        }
    }

    /// Parses [`Impl::name`].
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Raw, Self::Ours, Self::Reference, Self::Bytebeam]
            .into_iter()
            .find(|i| i.name() == name)
    }
}

/// The tokio runtime a client runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rt {
    /// One thread drives the publish calls and the event loop (`new_current_thread`).
    Current,
    /// What `#[tokio::main]` builds (`new_multi_thread`, one worker per core): the event
    /// loop is polled by the `block_on` future and the publishers run in spawned tasks, as
    /// the README's example does.
    Multi,
    /// The same runtime with the event loop polled by a spawned task of its own too, so
    /// the scheduler may run it on the publisher's worker.
    Spawned,
}

impl Rt {
    /// The command-line and table name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Current => "current",
            Self::Multi => "multi",
            Self::Spawned => "multi-spawned",
        }
    }

    /// Parses [`Rt::name`].
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Current, Self::Multi, Self::Spawned]
            .into_iter()
            .find(|rt| rt.name() == name)
    }
}

/// Runs `$body` with the type `$c` bound to the adapter of the client implementation
/// `$which`; `$raw` is what the raw socket runs instead.
macro_rules! with_client {
    ($which:expr, raw => $raw:expr, $c:ident => $body:expr) => {
        match $which {
            $crate::scenario::Impl::Raw => $raw,
            $crate::scenario::Impl::Ours => {
                type $c = $crate::client::Ours;
                $body
            }
            $crate::scenario::Impl::Reference => {
                type $c = $crate::client::Reference;
                $body
            }
            $crate::scenario::Impl::Bytebeam => {
                type $c = $crate::client::Bytebeam;
                $body
            }
        }
    };
}
pub(crate) use with_client;

/// Where a child's client connects: a port on 127.0.0.1 and how.
#[derive(Clone, Debug)]
pub struct Target {
    /// Port on 127.0.0.1.
    pub port: u16,
    /// TCP, TLS or WebSocket.
    pub wire: Wire,
}

/// Collected `key=value` figures of one child run.
pub type Figures = Vec<(&'static str, f64)>;

/// A runtime of the kind `rt` whose threads are all client threads (named
/// [`CLIENT_THREAD`], their allocations counted).
fn runtime(rt: Rt) -> tokio::runtime::Runtime {
    let mut builder = match rt {
        Rt::Current => tokio::runtime::Builder::new_current_thread(),
        Rt::Multi | Rt::Spawned => tokio::runtime::Builder::new_multi_thread(),
    };
    builder
        .enable_all()
        .thread_name(CLIENT_THREAD)
        .on_thread_start(meter::count_this_thread)
        .build()
        .unwrap_or_else(|e| fail(&format!("runtime: {e}")))
}

/// Ends the child with a message; the parent records the run as failed.
pub fn fail(message: &str) -> ! {
    eprintln!("child failed: {message}");
    std::process::exit(2)
}

fn payload(seq: u64, size: usize) -> Vec<u8> {
    let mut payload = vec![0x5A; size.max(8)];
    payload[..8].copy_from_slice(&seq.to_be_bytes());
    payload
}

fn setup(target: &Target, client_id: String, nodelay: bool) -> Setup {
    Setup {
        port: target.port,
        client_id,
        inflight: INFLIGHT,
        capacity: CAPACITY,
        nodelay,
        wire: target.wire.clone(),
    }
}

/// Polls until `wanted` (CONNACK or SUBACK) arrives.
async fn poll_until<C: ClientApi>(event_loop: &mut C::Loop, wanted: fn(&Polled) -> bool) {
    let wait = async {
        loop {
            let polled = C::poll(event_loop).await;
            if wanted(&polled) {
                return;
            }
            if matches!(polled, Polled::Failed) {
                fail("poll failed while connecting");
            }
        }
    };
    if tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .is_err()
    {
        fail("timed out connecting");
    }
}

async fn connect<C: ClientApi>(setup: &Setup) -> (C::Client, C::Loop) {
    let (client, mut event_loop) = C::build(setup);
    poll_until::<C>(&mut event_loop, |p| matches!(p, Polled::ConnAck)).await;
    (client, event_loop)
}

/// Connects and subscribes to `topic` at `qos`, waiting for the SUBACK.
async fn subscribed<C: ClientApi>(setup: &Setup, topic: &str, qos: u8) -> (C::Client, C::Loop) {
    let (client, mut event_loop) = connect::<C>(setup).await;
    if !C::subscribe(&client, topic, qos).await {
        fail("subscribe refused");
    }
    poll_until::<C>(&mut event_loop, |p| matches!(p, Polled::SubAck)).await;
    (client, event_loop)
}

/// What the publishing side shares with the receiving side of one run.
pub struct Run {
    started: OnceLock<Instant>,
    finished: Notify,
    finished_flag: AtomicBool,
}

impl Run {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            started: OnceLock::new(),
            finished: Notify::new(),
            finished_flag: AtomicBool::new(false),
        })
    }

    fn finish(&self) {
        self.finished_flag.store(true, Ordering::Release);
        self.finished.notify_one();
    }

    fn is_finished(&self) -> bool {
        self.finished_flag.load(Ordering::Acquire)
    }
}

/// Spawns a named thread (the name shows in `perf` and `top`); a [`CLIENT_THREAD`] also
/// has its allocations counted.
fn named<T: Send + 'static>(
    name: &str,
    body: impl FnOnce() -> T + Send + 'static,
) -> thread::JoinHandle<T> {
    let client = name == CLIENT_THREAD;
    thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            if client {
                meter::count_this_thread();
            }
            body()
        })
        .unwrap_or_else(|e| fail(&format!("spawn {name}: {e}")))
}

fn push_faults(figures: &mut Figures, faults: (u64, u64, u64, u64)) {
    let (lost, duplicates, out_of_order, foreign) = faults;
    figures.push(("lost", lost as f64));
    figures.push(("duplicates", duplicates as f64));
    figures.push(("out_of_order", out_of_order as f64));
    figures.push(("foreign", foreign as f64));
}

/// Per-message CPU (µs), context switches and allocations of `usage` over `count` messages,
/// under the names `<what>_per_<unit>`.
fn push_usage(figures: &mut Figures, usage: Usage, count: u64, keys: [&'static str; 3]) {
    let count = count.max(1) as f64;
    figures.push((keys[0], usage.cpu.as_secs_f64() * 1e6 / count));
    figures.push((keys[1], usage.switches as f64 / count));
    figures.push((keys[2], usage.allocations as f64 / count));
}
