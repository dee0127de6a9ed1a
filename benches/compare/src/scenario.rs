//! The scenarios, run inside one child process per (scenario, implementation, run). Each
//! prints one `RESULT key=value ...` line for the parent to collect.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::client::{ClientApi, Ours, Polled, Reference, Setup};
use crate::measure::{SeqCheck, ThreadMeter, percentile, vm_rss_kib};
use crate::raw::{self, RawConn};
use crate::wire::PublishTemplate;

/// How long a receiver waits for the next message before it reports the rest as lost.
const IDLE: Duration = Duration::from_secs(3);
/// Messages between pushes of a receiver's idle timer.
const IDLE_CHECK_EVERY: u32 = 256;
/// Upper bound on any single scenario phase inside a child.
const PHASE_LIMIT: Duration = Duration::from_secs(90);
/// Outgoing QoS 1/2 window, for every implementation (the crates' default).
const INFLIGHT: u16 = 100;
/// Request channel capacity for both crates.
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
    /// crates.io bytebeamio `rumqttc` 0.25 (codec only).
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

/// Collected `key=value` figures of one child run.
pub type Figures = Vec<(&'static str, f64)>;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
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

fn setup(port: u16, client_id: String, nodelay: bool) -> Setup {
    Setup {
        port,
        client_id,
        inflight: INFLIGHT,
        capacity: CAPACITY,
        nodelay,
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

/// What the publishing side shares with the receiving side of one run.
struct Run {
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
}

/// Publishes `count` messages with client `C`, polling until each is sent (QoS 0) or
/// acknowledged (QoS 1/2), then until the receiver has all of them. Returns (cpu,
/// allocations); the tail after the last message costs next to nothing.
fn client_publisher<C: ClientApi>(
    setup: &Setup,
    topic: &str,
    qos: u8,
    size: usize,
    count: u64,
    run: &Run,
) -> (Duration, u64) {
    runtime().block_on(async {
        let (client, mut event_loop) = connect::<C>(setup).await;
        let meter = ThreadMeter::start();
        let _ = run.started.set(Instant::now());
        let topic = C::topic(topic);
        let produce = async {
            for seq in 0..count {
                if !C::publish(&client, &topic, qos, payload(seq, size)).await {
                    fail("publish refused");
                }
            }
        };
        let drive = async {
            // Hot phase: count what ends each message (sent at QoS 0, acknowledged above).
            let mut done = 0u64;
            while done < count {
                match C::poll(&mut event_loop).await {
                    Polled::Sent if qos == 0 => done += 1,
                    Polled::PubAck | Polled::PubComp => done += 1,
                    Polled::Failed => fail("poll failed while publishing"),
                    _ => {}
                }
            }
            // Tail: keep the connection served until the receiver has everything.
            let mut stop = std::pin::pin!(run.finished.notified());
            while !run.finished_flag.load(Ordering::Acquire) {
                tokio::select! {
                    biased;
                    () = &mut stop => break,
                    polled = C::poll(&mut event_loop) => if matches!(polled, Polled::Failed) {
                        fail("poll failed after publishing");
                    },
                }
            }
        };
        let both = async { tokio::join!(produce, drive) };
        if tokio::time::timeout(PHASE_LIMIT, both).await.is_err() {
            fail("publisher timed out");
        }
        meter.stop()
    })
}

fn raw_publisher(
    port: u16,
    topic: &str,
    qos: u8,
    size: usize,
    count: u64,
    run: &Run,
) -> (Duration, u64) {
    let mut conn = RawConn::connect(port, &format!("pub-{}", std::process::id()), false)
        .unwrap_or_else(|e| fail(&format!("raw connect: {e}")));
    let template = PublishTemplate::new(topic, qos, size);
    let meter = ThreadMeter::start();
    let _ = run.started.set(Instant::now());
    raw::publish(&mut conn, &template, qos, count, u64::from(INFLIGHT))
        .unwrap_or_else(|e| fail(&format!("raw publish: {e}")));
    meter.stop()
}

/// Runs the publisher of `which` on its own thread.
fn spawn_publisher(
    which: Impl,
    port: u16,
    topic: String,
    qos: u8,
    size: usize,
    count: u64,
    run: Arc<Run>,
) -> thread::JoinHandle<(Duration, u64)> {
    named("publisher", move || {
        let id = format!("pub-{}", std::process::id());
        match which {
            Impl::Raw => raw_publisher(port, &topic, qos, size, count, &run),
            Impl::Ours => {
                client_publisher::<Ours>(&setup(port, id, false), &topic, qos, size, count, &run)
            }
            Impl::Reference | Impl::Bytebeam => client_publisher::<Reference>(
                &setup(port, id, false),
                &topic,
                qos,
                size,
                count,
                &run,
            ),
        }
    })
}

/// Spawns a named thread (the name shows in `perf` and `top`).
fn named<T: Send + 'static>(
    name: &str,
    body: impl FnOnce() -> T + Send + 'static,
) -> thread::JoinHandle<T> {
    thread::Builder::new()
        .name(name.to_owned())
        .spawn(body)
        .unwrap_or_else(|e| fail(&format!("spawn {name}: {e}")))
}

fn push_faults(figures: &mut Figures, faults: (u64, u64, u64, u64)) {
    let (lost, duplicates, out_of_order, foreign) = faults;
    figures.push(("lost", lost as f64));
    figures.push(("duplicates", duplicates as f64));
    figures.push(("out_of_order", out_of_order as f64));
    figures.push(("foreign", foreign as f64));
}

/// One publisher (`which`) to one raw subscriber at `qos`: rate, publisher CPU and
/// allocations per message, and the receiver's checks.
pub fn throughput(which: Impl, port: u16, size: usize, qos: u8, count: u64) -> Figures {
    let topic = format!("bench/{}/throughput", std::process::id());
    let run = Run::new();
    let (ready_tx, ready_rx) = mpsc::channel();
    let receiver = {
        let (topic, run) = (topic.clone(), Arc::clone(&run));
        named("subscriber", move || {
            let mut conn = RawConn::connect(port, &format!("sub-{}", std::process::id()), false)
                .unwrap_or_else(|e| fail(&format!("subscriber connect: {e}")));
            conn.subscribe(&topic, qos)
                .unwrap_or_else(|e| fail(&format!("subscribe: {e}")));
            let _ = ready_tx.send(());
            let mut check = SeqCheck::new(count);
            let last = raw::receive(&mut conn, &mut check, IDLE);
            run.finish();
            (check, last)
        })
    };
    if ready_rx.recv_timeout(Duration::from_secs(10)).is_err() {
        fail("subscriber not ready");
    }
    let publisher = spawn_publisher(which, port, topic, qos, size, count, Arc::clone(&run));
    let (cpu, allocations) = publisher
        .join()
        .unwrap_or_else(|_| fail("publisher panicked"));
    let (check, last) = receiver
        .join()
        .unwrap_or_else(|_| fail("subscriber panicked"));
    let started = run.started.get().copied().unwrap_or_else(Instant::now);
    let elapsed = last.map_or(0.0, |last| (last - started).as_secs_f64());
    let mut figures = vec![
        ("msg_per_s", check.unique() as f64 / elapsed.max(1e-9)),
        ("cpu_us_per_msg", cpu.as_secs_f64() * 1e6 / count as f64),
        ("allocs_per_msg", allocations as f64 / count as f64),
        ("elapsed_s", elapsed),
    ];
    push_faults(&mut figures, check.faults());
    figures
}

/// QoS 1 request/response round trips (publish to a topic the same client subscribes to).
pub fn ping_pong(which: Impl, port: u16, warmup: u64, rounds: u64) -> Figures {
    let topic = format!("bench/{}/pingpong", std::process::id());
    let id = format!("pp-{}", std::process::id());
    let started = Instant::now();
    let mut rtts = match which {
        Impl::Raw => {
            let mut conn = RawConn::connect(port, &id, true)
                .unwrap_or_else(|e| fail(&format!("connect: {e}")));
            conn.subscribe(&topic, 1)
                .unwrap_or_else(|e| fail(&format!("subscribe: {e}")));
            let template = PublishTemplate::new(&topic, 1, 64);
            raw::ping_pong(&mut conn, &template, warmup + rounds)
                .unwrap_or_else(|e| fail(&format!("ping-pong: {e}")))
        }
        Impl::Ours => client_ping_pong::<Ours>(&setup(port, id, true), &topic, warmup + rounds),
        Impl::Reference | Impl::Bytebeam => {
            client_ping_pong::<Reference>(&setup(port, id, true), &topic, warmup + rounds)
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    let mut measured = rtts.split_off(usize::try_from(warmup).unwrap_or(0).min(rtts.len()));
    measured.sort_unstable();
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    vec![
        ("p50_us", micros(percentile(&measured, 50.0))),
        ("p99_us", micros(percentile(&measured, 99.0))),
        ("rounds", measured.len() as f64),
        ("elapsed_s", elapsed),
    ]
}

fn client_ping_pong<C: ClientApi>(setup: &Setup, topic: &str, rounds: u64) -> Vec<Duration> {
    runtime().block_on(async {
        let (client, mut event_loop) = connect::<C>(setup).await;
        if !C::subscribe(&client, topic, 1).await {
            fail("subscribe refused");
        }
        poll_until::<C>(&mut event_loop, |p| matches!(p, Polled::SubAck)).await;
        let mut rtts = Vec::with_capacity(usize::try_from(rounds).unwrap_or(0));
        let publish_topic = C::topic(topic);
        let all = async {
            for seq in 0..rounds {
                let started = Instant::now();
                if !C::publish(&client, &publish_topic, 1, payload(seq, 64)).await {
                    fail("publish refused");
                }
                loop {
                    match C::poll(&mut event_loop).await {
                        Polled::Publish(_) => break,
                        Polled::Failed => fail("poll failed"),
                        _ => {}
                    }
                }
                rtts.push(started.elapsed());
            }
        };
        if tokio::time::timeout(PHASE_LIMIT, all).await.is_err() {
            fail("ping-pong timed out");
        }
        rtts
    })
}

/// What one fan-out receiver reports: its checks, last arrival, CPU.
type Receipt = (SeqCheck, Option<Instant>, Duration);

fn client_receiver<C: ClientApi>(
    setup: &Setup,
    topic: &str,
    count: u64,
    ready: &mpsc::Sender<()>,
) -> Receipt {
    runtime().block_on(async {
        let (client, mut event_loop) = connect::<C>(setup).await;
        if !C::subscribe(&client, topic, 1).await {
            fail("subscribe refused");
        }
        poll_until::<C>(&mut event_loop, |p| matches!(p, Polled::SubAck)).await;
        let _ = ready.send(());
        let meter = ThreadMeter::start();
        let mut check = SeqCheck::new(count);
        let mut last = None;
        // One idle timer, pushed back every `IDLE_CHECK_EVERY` messages rather than per poll,
        // so the harness adds no timer work per message.
        let mut idle = std::pin::pin!(tokio::time::sleep(IDLE));
        let mut since_reset = 0u32;
        while !check.is_complete() {
            tokio::select! {
                biased;
                polled = C::poll(&mut event_loop) => match polled {
                    Polled::Publish(payload) => {
                        if check.record(&payload) {
                            last = Some(Instant::now());
                        }
                        since_reset += 1;
                        if since_reset == IDLE_CHECK_EVERY {
                            since_reset = 0;
                            idle.as_mut().reset(tokio::time::Instant::now() + IDLE);
                        }
                    }
                    Polled::Failed => break,
                    _ => {}
                },
                () = &mut idle => break,
            }
        }
        (check, last, meter.stop().0)
    })
}

/// One raw QoS 1 publisher to `subscribers` receivers of `which`: total deliveries per
/// second and receiver CPU per delivery.
pub fn fan_out(which: Impl, port: u16, subscribers: usize, count: u64) -> Figures {
    let pid = std::process::id();
    let topic = format!("bench/{pid}/fanout");
    let (ready_tx, ready_rx) = mpsc::channel();
    let receivers: Vec<_> = (0..subscribers)
        .map(|i| {
            let (topic, ready) = (topic.clone(), ready_tx.clone());
            let id = format!("fan-{pid}-{i}");
            named("receiver", move || match which {
                Impl::Raw => {
                    let mut conn = RawConn::connect(port, &id, false)
                        .unwrap_or_else(|e| fail(&format!("connect: {e}")));
                    conn.subscribe(&topic, 1)
                        .unwrap_or_else(|e| fail(&format!("subscribe: {e}")));
                    let _ = ready.send(());
                    let meter = ThreadMeter::start();
                    let mut check = SeqCheck::new(count);
                    let last = raw::receive(&mut conn, &mut check, IDLE);
                    (check, last, meter.stop().0)
                }
                Impl::Ours => {
                    client_receiver::<Ours>(&setup(port, id, false), &topic, count, &ready)
                }
                Impl::Reference | Impl::Bytebeam => {
                    client_receiver::<Reference>(&setup(port, id, false), &topic, count, &ready)
                }
            })
        })
        .collect();
    for _ in 0..subscribers {
        if ready_rx.recv_timeout(Duration::from_secs(20)).is_err() {
            fail("receivers not ready");
        }
    }
    let run = Run::new();
    let publisher = spawn_publisher(Impl::Raw, port, topic, 1, 64, count, Arc::clone(&run));
    let _ = publisher.join();
    let receipts: Vec<Receipt> = receivers
        .into_iter()
        .map(|r| r.join().unwrap_or_else(|_| fail("receiver panicked")))
        .collect();
    let started = run.started.get().copied().unwrap_or_else(Instant::now);
    let last = receipts.iter().filter_map(|r| r.1).max();
    let elapsed = last.map_or(0.0, |last| (last - started).as_secs_f64());
    let delivered: u64 = receipts.iter().map(|r| r.0.unique()).sum();
    let cpu: f64 = receipts.iter().map(|r| r.2.as_secs_f64()).sum();
    let mut figures = vec![
        ("deliveries_per_s", delivered as f64 / elapsed.max(1e-9)),
        ("cpu_us_per_delivery", cpu * 1e6 / delivered.max(1) as f64),
        ("elapsed_s", elapsed),
    ];
    let mut faults = (0, 0, 0, 0);
    for (check, _, _) in &receipts {
        let f = check.faults();
        faults = (
            faults.0 + f.0,
            faults.1 + f.1,
            faults.2 + f.2,
            faults.3 + f.3,
        );
    }
    push_faults(&mut figures, faults);
    figures
}

/// Opens `count` connections one after another (after `warmup` untimed ones) and keeps
/// them idle: resident memory per connection and connections per second.
pub fn idle(which: Impl, port: u16, warmup: usize, count: usize) -> Figures {
    let pid = std::process::id();
    let (rss_before, rss_after, elapsed) = match which {
        Impl::Raw => {
            let open = |i: usize| {
                RawConn::connect_with_buffer(port, &format!("idle-{pid}-{i}"), false, 16)
                    .unwrap_or_else(|e| fail(&format!("connect {i}: {e}")))
            };
            let mut conns: Vec<RawConn> = (0..warmup).map(open).collect();
            conns.reserve(count);
            let before = vm_rss_kib();
            let started = Instant::now();
            conns.extend((warmup..warmup + count).map(open));
            let elapsed = started.elapsed();
            (before, vm_rss_kib(), elapsed)
        }
        Impl::Ours => client_idle::<Ours>(port, warmup, count),
        Impl::Reference | Impl::Bytebeam => client_idle::<Reference>(port, warmup, count),
    };
    vec![
        (
            "kib_per_conn",
            (rss_after.saturating_sub(rss_before)) as f64 / count as f64,
        ),
        ("connects_per_s", count as f64 / elapsed.as_secs_f64()),
        ("elapsed_s", elapsed.as_secs_f64()),
    ]
}

fn client_idle<C: ClientApi>(port: u16, warmup: usize, count: usize) -> (u64, u64, Duration) {
    let pid = std::process::id();
    let local = tokio::task::LocalSet::new();
    runtime().block_on(local.run_until(async {
        let open = |i: usize| async move {
            let (client, mut event_loop) =
                connect::<C>(&setup(port, format!("idle-{pid}-{i}"), false)).await;
            tokio::task::spawn_local(async move {
                let _client = client;
                while !matches!(C::poll(&mut event_loop).await, Polled::Failed) {}
            });
        };
        for i in 0..warmup {
            open(i).await;
        }
        settle().await;
        let before = vm_rss_kib();
        let started = Instant::now();
        for i in warmup..warmup + count {
            open(i).await;
        }
        let elapsed = started.elapsed();
        settle().await;
        (before, vm_rss_kib(), elapsed)
    }))
}

/// Lets every spawned task reach its idle wait.
async fn settle() {
    for _ in 0..8 {
        tokio::task::yield_now().await;
    }
}
