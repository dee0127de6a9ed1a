//! Leak check: 2,000 connect/cut cycles of a QoS 1 publisher with a persistent session
//! against an in-process broker that acks some publishes and then drops the connection.
//! The live heap (a counting global allocator) and the open file descriptors at the end
//! stay within a small bound of their values after a warm-up. One test in this binary, so
//! nothing else allocates meanwhile.

mod support;

use std::alloc::System;
use std::time::Duration;

use rumqttc::{AsyncClient, ConnectReturnCode, ConnectionError, Event, EventLoop, Packet, QoS};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};
use support::loop_driver::poll_within_guard;
use support::packets::{connack, puback};
use support::test_broker::{TestBroker, client_options};
use tokio::task::JoinHandle;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Cycles before the baseline is taken (buffers, pools and the runtime reach their size).
const WARM_UP_CYCLES: u32 = 100;
/// Measured cycles.
const CYCLES: u32 = 2_000;
/// Publishes the broker reads per connection before it drops it; it acks all but the last.
const PUBLISHES_PER_CONNECTION: u32 = 3;
/// How much the live heap may differ from the baseline at the end.
const HEAP_BOUND_BYTES: i128 = 64 * 1024;
/// How many more file descriptors may be open at the end than at the baseline.
const FD_BOUND: usize = 2;

/// Bytes live on the heap now.
fn live_heap() -> i128 {
    // stats_alloc books a reallocation's growth or shrink into these two as well.
    let stats = GLOBAL.stats();
    stats.bytes_allocated as i128 - stats.bytes_deallocated as i128
}

/// Open file descriptors of this process.
fn open_fds() -> usize {
    match std::fs::read_dir("/proc/self/fd") {
        Ok(entries) => entries.count(),
        Err(error) => panic!("cannot list /proc/self/fd: {error}"),
    }
}

/// The broker: on every connection, CONNACK (a session is present after the first), then
/// PUBACK for each publish but the last of [`PUBLISHES_PER_CONNECTION`], then a drop.
fn spawn_broker(broker: TestBroker) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut session_present = false;
        loop {
            let connack = connack(ConnectReturnCode::Success, session_present);
            let (mut conn, _) = broker.accept_session(&connack).await;
            session_present = true;
            for read in 1..=PUBLISHES_PER_CONNECTION {
                match conn.read_packet().await {
                    Packet::Publish(publish) if read < PUBLISHES_PER_CONNECTION => {
                        conn.send(&puback(publish.pkid)).await;
                    }
                    Packet::Publish(_) => {}
                    other => panic!("expected PUBLISH, received {other:?}"),
                }
            }
            drop(conn);
        }
    })
}

/// One cycle: two new publishes join the one replayed from the last cycle; polls the
/// connection until the broker cuts it, then reconnects. Returns the PUBACKs seen.
async fn cycle(client: &AsyncClient, eventloop: &mut EventLoop) -> u32 {
    for _ in 0..PUBLISHES_PER_CONNECTION - 1 {
        client
            .publish("leak/t", QoS::AtLeastOnce, false, "payload")
            .await
            .unwrap();
    }
    let mut acks = 0;
    loop {
        match poll_within_guard(eventloop).await {
            Ok(Event::Incoming(Packet::PubAck(_))) => acks += 1,
            Ok(_) => {}
            Err(ConnectionError::ConnectionClosed | ConnectionError::Io(_)) => break,
            Err(error) => panic!("unexpected error: {error:?}"),
        }
    }
    match poll_within_guard(eventloop).await {
        Ok(Event::Incoming(Packet::ConnAck(_))) => acks,
        other => panic!("expected the reconnection's CONNACK, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn two_thousand_connect_cut_cycles_leave_heap_and_file_descriptors_flat() {
    let broker = TestBroker::bind().await;
    let mut options = client_options("leak", broker.port());
    options.set_clean_session(false).set_keep_alive(60);
    let (client, mut eventloop) = AsyncClient::builder(options).build();
    let broker = spawn_broker(broker);
    assert!(matches!(
        poll_within_guard(&mut eventloop).await,
        Ok(Event::Incoming(Packet::ConnAck(_)))
    ));
    // Stands in for the replayed publish on the first connection.
    client
        .publish("leak/t", QoS::AtLeastOnce, false, "payload")
        .await
        .unwrap();
    for _ in 0..WARM_UP_CYCLES {
        cycle(&client, &mut eventloop).await;
    }
    // A moment for the broker task to drop its side of the last connection.
    tokio::time::sleep(Duration::from_millis(1)).await;
    let (heap_before, fds_before) = (live_heap(), open_fds());

    let mut acks = 0;
    for _ in 0..CYCLES {
        acks += cycle(&client, &mut eventloop).await;
    }
    tokio::time::sleep(Duration::from_millis(1)).await;
    let (heap_after, fds_after) = (live_heap(), open_fds());
    broker.abort();

    // Every cycle: the replayed publish and the first new one are acked; the second new
    // one is cut and replayed by the next cycle.
    assert_eq!(acks, CYCLES * (PUBLISHES_PER_CONNECTION - 1));
    assert_eq!(eventloop.state.inflight(), 0);
    assert_eq!(eventloop.pending_len(), 1);
    let growth = heap_after - heap_before;
    eprintln!(
        "{CYCLES} cycles: live heap {heap_before} -> {heap_after} bytes ({growth:+}), \
         open fds {fds_before} -> {fds_after}"
    );
    assert!(
        growth.abs() <= HEAP_BOUND_BYTES,
        "live heap changed by {growth} bytes over {CYCLES} cycles"
    );
    assert!(
        fds_after <= fds_before + FD_BOUND,
        "open fds went from {fds_before} to {fds_after}"
    );
}
