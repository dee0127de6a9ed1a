//! One publisher (the implementation under test) sending `count` messages, either through
//! the broker to a raw subscriber in this process, or to the acking sink, which counts
//! them itself.

use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use super::{
    CLIENT_THREAD, Figures, IDLE, INFLIGHT, PHASE_LIMIT, Rt, Run, Target, connect, fail, named,
    payload, push_faults, push_usage, runtime, setup, with_client,
};
use crate::client::{ClientApi, Polled};
use crate::measure::SeqCheck;
use crate::meter::{Meter, Scope, Usage};
use crate::raw::{self, RawConn};
use crate::wire::{self, PublishTemplate};

/// How a publisher ends its run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// A raw subscriber in this process counts the messages; the publisher keeps its
    /// connection served until the subscriber has them all.
    Receiver,
    /// The sink counts them (the parent reads its tally): the publisher disconnects
    /// gracefully, which flushes everything before the DISCONNECT.
    Disconnect,
}

/// Publishes `count` messages and reports the publisher's CPU, context switches and
/// allocations per message; with [`End::Receiver`] also the rate and the receiver's checks.
#[allow(clippy::too_many_arguments)]
pub fn throughput(
    which: super::Impl,
    rt: Rt,
    target: &Target,
    size: usize,
    qos: u8,
    count: u64,
    end: End,
) -> Figures {
    let topic = format!("bench/{}/throughput", std::process::id());
    let run = Run::new();
    let receiver =
        (end == End::Receiver).then(|| subscriber(target.port, &topic, qos, count, &run));
    let publisher = {
        let (target, topic, run) = (target.clone(), topic.clone(), Arc::clone(&run));
        named(CLIENT_THREAD, move || {
            let id = format!("pub-{}", std::process::id());
            with_client!(which,
                raw => raw_publisher(&target, &topic, qos, size, count, &run, end),
                C => client_publisher::<C>(rt, &setup(&target, id, false), &topic, qos, size, count, &run, end))
        })
    };
    let usage = publisher
        .join()
        .unwrap_or_else(|_| fail("publisher panicked"));
    let started = run.started.get().copied().unwrap_or_else(Instant::now);
    let mut figures = Figures::new();
    push_usage(
        &mut figures,
        usage,
        count,
        ["cpu_us_per_msg", "switches_per_msg", "allocs_per_msg"],
    );
    match receiver {
        Some(receiver) => {
            let (check, last) = receiver
                .join()
                .unwrap_or_else(|_| fail("subscriber panicked"));
            let elapsed = last.map_or(0.0, |last| (last - started).as_secs_f64());
            figures.push(("msg_per_s", check.unique() as f64 / elapsed.max(1e-9)));
            figures.push(("elapsed_s", elapsed));
            push_faults(&mut figures, check.faults());
        }
        None => figures.push(("elapsed_s", started.elapsed().as_secs_f64())),
    }
    figures
}

/// A raw subscriber on its own thread, ready (subscribed) when this returns.
fn subscriber(
    port: u16,
    topic: &str,
    qos: u8,
    count: u64,
    run: &Arc<Run>,
) -> std::thread::JoinHandle<(SeqCheck, Option<Instant>)> {
    let (ready_tx, ready_rx) = mpsc::channel();
    let (topic, run) = (topic.to_owned(), Arc::clone(run));
    let handle = named("subscriber", move || {
        let mut conn = RawConn::connect(port, &format!("sub-{}", std::process::id()), false)
            .unwrap_or_else(|e| fail(&format!("subscriber connect: {e}")));
        conn.subscribe(&topic, qos)
            .unwrap_or_else(|e| fail(&format!("subscribe: {e}")));
        let _ = ready_tx.send(());
        let mut check = SeqCheck::new(count);
        let last = raw::receive(&mut conn, &mut check, IDLE);
        run.finish();
        (check, last)
    });
    if ready_rx.recv_timeout(Duration::from_secs(10)).is_err() {
        fail("subscriber not ready");
    }
    handle
}

/// Publishes `count` messages with client `C`: the publish calls and the polling run as
/// one task on the current-thread runtime, as two on the multi-thread one (the publisher
/// spawned; the event loop in the `block_on` future, or spawned too).
#[allow(clippy::too_many_arguments)]
fn client_publisher<C: ClientApi>(
    rt: Rt,
    setup: &crate::client::Setup,
    topic: &str,
    qos: u8,
    size: usize,
    count: u64,
    run: &Arc<Run>,
    end: End,
) -> Usage {
    runtime(rt).block_on(async {
        let (client, mut event_loop) = connect::<C>(setup).await;
        let meter = Meter::start(Scope::ClientThreads);
        let _ = run.started.set(Instant::now());
        let produce = produce::<C>(client.clone(), C::topic(topic), qos, size, count);
        let both = async {
            match rt {
                Rt::Current => {
                    let drive = drive::<C>(&client, &mut event_loop, qos, count, run, end);
                    tokio::join!(produce, drive);
                }
                Rt::Multi => {
                    let producer = tokio::spawn(produce);
                    drive::<C>(&client, &mut event_loop, qos, count, run, end).await;
                    if producer.await.is_err() {
                        fail("publisher task failed");
                    }
                }
                Rt::Spawned => {
                    let producer = tokio::spawn(produce);
                    let run = Arc::clone(run);
                    let driver = tokio::spawn(async move {
                        drive::<C>(&client, &mut event_loop, qos, count, &run, end).await;
                    });
                    if producer.await.is_err() || driver.await.is_err() {
                        fail("publisher or event loop task failed");
                    }
                }
            }
        };
        if tokio::time::timeout(PHASE_LIMIT, both).await.is_err() {
            fail("publisher timed out");
        }
        meter.stop()
    })
}

async fn produce<C: ClientApi>(
    client: C::Client,
    topic: C::Topic,
    qos: u8,
    size: usize,
    count: u64,
) {
    for seq in 0..count {
        if !C::publish(&client, &topic, qos, payload(seq, size)).await {
            fail("publish refused");
        }
    }
}

/// Polls until every message is sent (QoS 0) or acknowledged (QoS 1/2), then ends the run
/// as `end` says.
async fn drive<C: ClientApi>(
    client: &C::Client,
    event_loop: &mut C::Loop,
    qos: u8,
    count: u64,
    run: &Run,
    end: End,
) {
    let mut done = 0u64;
    while done < count {
        match C::poll(event_loop).await {
            Polled::Sent if qos == 0 => done += 1,
            Polled::PubAck | Polled::PubComp => done += 1,
            Polled::Failed => fail("poll failed while publishing"),
            _ => {}
        }
    }
    match end {
        End::Receiver => {
            // Keep the connection served until the receiver has everything.
            let mut stop = std::pin::pin!(run.finished.notified());
            while !run.is_finished() {
                tokio::select! {
                    biased;
                    () = &mut stop => break,
                    polled = C::poll(event_loop) => if matches!(polled, Polled::Failed) {
                        fail("poll failed after publishing");
                    },
                }
            }
        }
        End::Disconnect => {
            if !C::disconnect(client).await {
                fail("disconnect refused");
            }
            while !matches!(
                C::poll(event_loop).await,
                Polled::Disconnected | Polled::Failed
            ) {}
        }
    }
}

pub(super) fn raw_publisher(
    target: &Target,
    topic: &str,
    qos: u8,
    size: usize,
    count: u64,
    run: &Run,
    end: End,
) -> Usage {
    let mut conn = RawConn::connect(target.port, &format!("pub-{}", std::process::id()), false)
        .unwrap_or_else(|e| fail(&format!("raw connect: {e}")));
    let template = PublishTemplate::new(topic, qos, size);
    let meter = Meter::start(Scope::ClientThreads);
    let _ = run.started.set(Instant::now());
    raw::publish(&mut conn, &template, qos, count, u64::from(INFLIGHT))
        .unwrap_or_else(|e| fail(&format!("raw publish: {e}")));
    if end == End::Disconnect {
        conn.write_all(&wire::disconnect())
            .unwrap_or_else(|e| fail(&format!("raw disconnect: {e}")));
    }
    meter.stop()
}
