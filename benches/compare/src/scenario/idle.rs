//! Many idle connections: resident memory per connection and sequential connect rate.

use std::time::{Duration, Instant};

use super::{Figures, Rt, Target, connect, fail, runtime, setup, with_client};
use crate::client::{ClientApi, Polled};
use crate::measure::vm_rss_kib;
use crate::raw::RawConn;

/// Opens `count` connections one after another (after `warmup` untimed ones) and keeps
/// them idle: resident memory per connection and connections per second.
pub fn idle(which: super::Impl, rt: Rt, target: &Target, warmup: usize, count: usize) -> Figures {
    let (rss_before, rss_after, elapsed) = with_client!(which,
        raw => raw_idle(target.port, warmup, count),
        C => client_idle::<C>(rt, target, warmup, count));
    let loop_bytes = with_client!(which,
        raw => None,
        C => Some(std::mem::size_of::<<C as ClientApi>::Loop>()));
    let mut figures = vec![
        (
            "kib_per_conn",
            (rss_after.saturating_sub(rss_before)) as f64 / count as f64,
        ),
        ("connects_per_s", count as f64 / elapsed.as_secs_f64()),
        ("elapsed_s", elapsed.as_secs_f64()),
    ];
    if let Some(bytes) = loop_bytes {
        figures.push(("loop_bytes", bytes as f64));
    }
    figures
}

fn raw_idle(port: u16, warmup: usize, count: usize) -> (u64, u64, Duration) {
    let pid = std::process::id();
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

/// Each connection is made by the `block_on` future (CONNECT to CONNACK) and then polled
/// by a spawned task of its own.
fn client_idle<C: ClientApi>(
    rt: Rt,
    target: &Target,
    warmup: usize,
    count: usize,
) -> (u64, u64, Duration) {
    let pid = std::process::id();
    runtime(rt).block_on(async {
        let open = |i: usize| async move {
            let (client, mut event_loop) =
                connect::<C>(&setup(target, format!("idle-{pid}-{i}"), false)).await;
            tokio::spawn(async move {
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
    })
}

/// Lets every spawned task reach its idle wait: yields for the current-thread runtime,
/// and a pause for the workers of the multi-thread one.
async fn settle() {
    for _ in 0..8 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
}
