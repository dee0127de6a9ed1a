//! QoS 1 request/response: one client publishes to a topic it subscribes to and waits for
//! the message to come back.

use std::time::{Duration, Instant};

use super::{
    Figures, PHASE_LIMIT, Rt, Target, fail, payload, push_usage, runtime, setup, subscribed,
    with_client,
};
use crate::client::{ClientApi, Polled, Setup};
use crate::measure::percentile;
use crate::meter::{Meter, Scope, Usage};
use crate::raw::{self, RawConn};
use crate::wire::PublishTemplate;

/// Round trips and the whole process's CPU and context switches over the measured ones
/// (after `warmup`).
pub fn ping_pong(which: super::Impl, rt: Rt, target: &Target, warmup: u64, rounds: u64) -> Figures {
    let topic = format!("bench/{}/pingpong", std::process::id());
    let id = format!("pp-{}", std::process::id());
    let started = Instant::now();
    let (mut rtts, usage) = with_client!(which,
        raw => raw_ping_pong(target.port, &id, &topic, warmup, rounds),
        C => client_ping_pong::<C>(rt, &setup(target, id, true), &topic, warmup, rounds));
    let elapsed = started.elapsed().as_secs_f64();
    let mut measured = rtts.split_off(usize::try_from(warmup).unwrap_or(0).min(rtts.len()));
    measured.sort_unstable();
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    let mut figures = vec![
        ("p50_us", micros(percentile(&measured, 50.0))),
        ("p99_us", micros(percentile(&measured, 99.0))),
        ("rounds", measured.len() as f64),
        ("elapsed_s", elapsed),
    ];
    push_usage(
        &mut figures,
        usage,
        measured.len() as u64,
        ["cpu_us_per_round", "switches_per_round", "allocs_per_round"],
    );
    figures
}

fn raw_ping_pong(
    port: u16,
    id: &str,
    topic: &str,
    warmup: u64,
    rounds: u64,
) -> (Vec<Duration>, Usage) {
    let mut conn =
        RawConn::connect(port, id, true).unwrap_or_else(|e| fail(&format!("connect: {e}")));
    conn.subscribe(topic, 1)
        .unwrap_or_else(|e| fail(&format!("subscribe: {e}")));
    let template = PublishTemplate::new(topic, 1, 64);
    let mut rtts = raw::ping_pong(&mut conn, &template, warmup)
        .unwrap_or_else(|e| fail(&format!("ping-pong: {e}")));
    let meter = Meter::start(Scope::Process);
    rtts.extend(
        raw::ping_pong(&mut conn, &template, rounds)
            .unwrap_or_else(|e| fail(&format!("ping-pong: {e}"))),
    );
    (rtts, meter.stop())
}

/// The publishing side: `warmup + rounds` round trips, each ended by `back` (an arrival of
/// the message). The process meter runs over the measured rounds only.
async fn rounds<C: ClientApi>(
    client: C::Client,
    topic: C::Topic,
    warmup: u64,
    rounds: u64,
    mut back: impl AsyncFnMut(),
) -> (Vec<Duration>, Usage) {
    let mut rtts = Vec::with_capacity(usize::try_from(warmup + rounds).unwrap_or(0));
    let mut meter = None;
    for seq in 0..warmup + rounds {
        if seq == warmup {
            meter = Some(Meter::start(Scope::Process));
        }
        let started = Instant::now();
        if !C::publish(&client, &topic, 1, payload(seq, 64)).await {
            fail("publish refused");
        }
        back().await;
        rtts.push(started.elapsed());
    }
    (rtts, meter.map(|m| m.stop()).unwrap_or_default())
}

fn client_ping_pong<C: ClientApi>(
    rt: Rt,
    setup: &Setup,
    topic: &str,
    warmup: u64,
    count: u64,
) -> (Vec<Duration>, Usage) {
    runtime(rt).block_on(async {
        let (client, mut event_loop) = subscribed::<C>(setup, topic, 1).await;
        let topic = C::topic(topic);
        let all = async {
            match rt {
                // One task: publish, then poll until the message is back.
                Rt::Current => {
                    let back = async || wait_back::<C>(&mut event_loop).await;
                    rounds::<C>(client, topic, warmup, count, back).await
                }
                // The README's shape: the publisher in a spawned task, told by the task
                // that polls when its message is back.
                Rt::Multi => {
                    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
                    let back = async move || {
                        if rx.recv().await.is_none() {
                            fail("event loop ended");
                        }
                    };
                    let publisher = tokio::spawn(rounds::<C>(client, topic, warmup, count, back));
                    forward::<C>(&mut event_loop, publisher, &tx).await
                }
                // The same with the polling side in a spawned task of its own.
                Rt::Spawned => {
                    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
                    let back = async move || {
                        if rx.recv().await.is_none() {
                            fail("event loop ended");
                        }
                    };
                    let publisher = tokio::spawn(rounds::<C>(client, topic, warmup, count, back));
                    let poller =
                        tokio::spawn(
                            async move { forward::<C>(&mut event_loop, publisher, &tx).await },
                        );
                    poller
                        .await
                        .unwrap_or_else(|_| fail("event loop task failed"))
                }
            }
        };
        tokio::time::timeout(PHASE_LIMIT, all)
            .await
            .unwrap_or_else(|_| fail("ping-pong timed out"))
    })
}

async fn wait_back<C: ClientApi>(event_loop: &mut C::Loop) {
    loop {
        match C::poll(event_loop).await {
            Polled::Publish(_) => return,
            Polled::Failed => fail("poll failed"),
            _ => {}
        }
    }
}

/// Polls the event loop, telling the publisher of every message that comes back, until
/// the publisher ends.
async fn forward<C: ClientApi>(
    event_loop: &mut C::Loop,
    publisher: tokio::task::JoinHandle<(Vec<Duration>, Usage)>,
    back: &tokio::sync::mpsc::UnboundedSender<()>,
) -> (Vec<Duration>, Usage) {
    let mut publisher = std::pin::pin!(publisher);
    loop {
        tokio::select! {
            biased;
            done = &mut publisher => return done.unwrap_or_else(|_| fail("publisher task failed")),
            polled = C::poll(event_loop) => match polled {
                Polled::Publish(_) => { let _ = back.send(()); }
                Polled::Failed => fail("poll failed"),
                _ => {}
            },
        }
    }
}
