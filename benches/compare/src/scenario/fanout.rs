//! One raw QoS 1 publisher to `subscribers` receivers of the implementation under test:
//! total deliveries per second and receiver CPU per delivery.

use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use super::throughput::{End, raw_publisher};
use super::{
    CLIENT_THREAD, Figures, IDLE, Rt, Run, Target, fail, named, push_faults, push_usage, runtime,
    setup, subscribed, with_client,
};
use crate::client::{ClientApi, Polled};
use crate::measure::SeqCheck;
use crate::meter::{Meter, Scope, Usage};
use crate::raw::{self, RawConn};

/// Messages between pushes of a receiver's idle timer.
const IDLE_CHECK_EVERY: u32 = 256;

/// What one receiver reports: its checks and last arrival.
type Receipt = (SeqCheck, Option<Instant>);

/// Runs the fan-out; receivers are threads (raw, or a client on a current-thread runtime
/// each) or tasks of one multi-thread runtime.
pub fn fan_out(
    which: super::Impl,
    rt: Rt,
    target: &Target,
    subscribers: usize,
    count: u64,
) -> Figures {
    let pid = std::process::id();
    let topic = format!("bench/{pid}/fanout");
    let (ready_tx, ready_rx) = mpsc::channel();
    let receivers = match (which, rt) {
        (super::Impl::Raw, _) | (_, Rt::Current) => (0..subscribers)
            .map(|i| {
                let (target, topic, ready) = (target.clone(), topic.clone(), ready_tx.clone());
                let id = format!("fan-{pid}-{i}");
                named(CLIENT_THREAD, move || {
                    with_client!(which,
                    raw => raw_receiver(target.port, &id, &topic, count, &ready),
                    C => runtime(Rt::Current).block_on(async {
                        let (_client, mut event_loop) =
                            subscribed::<C>(&setup(&target, id, false), &topic, 1).await;
                        let _ = ready.send(());
                        let meter = Meter::start(Scope::Thread);
                        let (check, last) = receive::<C>(&mut event_loop, count).await;
                        (vec![(check, last)], meter.stop())
                    }))
                })
            })
            .collect(),
        (_, Rt::Multi | Rt::Spawned) => {
            let (target, topic) = (target.clone(), topic.clone());
            vec![named(CLIENT_THREAD, move || {
                with_client!(which,
                    raw => fail("raw receivers are threads"),
                    C => multi_receivers::<C>(&target, &topic, subscribers, count, &ready_tx))
            })]
        }
    };
    for _ in 0..subscribers {
        if ready_rx.recv_timeout(Duration::from_secs(20)).is_err() {
            fail("receivers not ready");
        }
    }
    let run = Run::new();
    {
        let (target, topic, run) = (target.clone(), topic.clone(), Arc::clone(&run));
        let _ = named("publisher", move || {
            raw_publisher(&target, &topic, 1, 64, count, &run, End::Receiver)
        })
        .join();
    }
    let (receipts, usage) = receivers.into_iter().fold(
        (Vec::new(), Usage::default()),
        |(mut receipts, mut usage), handle| {
            let (more, used) = handle.join().unwrap_or_else(|_| fail("receiver panicked"));
            receipts.extend(more);
            usage.cpu += used.cpu;
            usage.switches += used.switches;
            usage.allocations += used.allocations;
            (receipts, usage)
        },
    );
    report(&receipts, usage, &run)
}

fn report(receipts: &[Receipt], usage: Usage, run: &Run) -> Figures {
    let started = run.started.get().copied().unwrap_or_else(Instant::now);
    let last = receipts.iter().filter_map(|r| r.1).max();
    let elapsed = last.map_or(0.0, |last| (last - started).as_secs_f64());
    let delivered: u64 = receipts.iter().map(|r| r.0.unique()).sum();
    let mut figures = vec![
        ("deliveries_per_s", delivered as f64 / elapsed.max(1e-9)),
        ("elapsed_s", elapsed),
    ];
    push_usage(
        &mut figures,
        usage,
        delivered,
        [
            "cpu_us_per_delivery",
            "switches_per_delivery",
            "allocs_per_delivery",
        ],
    );
    let mut faults = (0, 0, 0, 0);
    for (check, _) in receipts {
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

fn raw_receiver(
    port: u16,
    id: &str,
    topic: &str,
    count: u64,
    ready: &mpsc::Sender<()>,
) -> (Vec<Receipt>, Usage) {
    let mut conn =
        RawConn::connect(port, id, false).unwrap_or_else(|e| fail(&format!("connect: {e}")));
    conn.subscribe(topic, 1)
        .unwrap_or_else(|e| fail(&format!("subscribe: {e}")));
    let _ = ready.send(());
    let meter = Meter::start(Scope::Thread);
    let mut check = SeqCheck::new(count);
    let last = raw::receive(&mut conn, &mut check, IDLE);
    (vec![(check, last)], meter.stop())
}

/// Every receiver as a task of one multi-thread runtime: connected and subscribed one
/// after another, then each polled by its own task.
fn multi_receivers<C: ClientApi>(
    target: &super::Target,
    topic: &str,
    subscribers: usize,
    count: u64,
    ready: &mpsc::Sender<()>,
) -> (Vec<Receipt>, Usage) {
    runtime(Rt::Multi).block_on(async {
        let pid = std::process::id();
        let mut sessions = Vec::with_capacity(subscribers);
        for i in 0..subscribers {
            let setup = setup(target, format!("fan-{pid}-{i}"), false);
            sessions.push(subscribed::<C>(&setup, topic, 1).await);
        }
        for _ in 0..subscribers {
            let _ = ready.send(());
        }
        let meter = Meter::start(Scope::ClientThreads);
        let tasks: Vec<_> = sessions
            .into_iter()
            .map(|(client, mut event_loop)| {
                tokio::spawn(async move {
                    let _client = client;
                    receive::<C>(&mut event_loop, count).await
                })
            })
            .collect();
        let mut receipts = Vec::with_capacity(subscribers);
        for task in tasks {
            receipts.push(task.await.unwrap_or_else(|_| fail("receiver task failed")));
        }
        (receipts, meter.stop())
    })
}

/// Receives until every message arrived or none came for [`IDLE`].
async fn receive<C: ClientApi>(event_loop: &mut C::Loop, count: u64) -> Receipt {
    let mut check = SeqCheck::new(count);
    let mut last = None;
    // One idle timer, pushed back every `IDLE_CHECK_EVERY` messages rather than per poll,
    // so the harness adds no timer work per message.
    let mut idle = std::pin::pin!(tokio::time::sleep(IDLE));
    let mut since_reset = 0u32;
    while !check.is_complete() {
        tokio::select! {
            biased;
            polled = C::poll(event_loop) => match polled {
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
    (check, last)
}
