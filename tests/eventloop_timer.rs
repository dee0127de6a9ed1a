//! The event loop's one keep-alive timer and its adaptive read buffer, against an in-process
//! broker on a paused clock: traffic both ways moves the PINGREQ deadline, and frames of every size,
//! alone or many per read, arrive whole.

mod support;

use std::time::Duration;

use rumqttc::{AsyncClient, Event, EventLoop, Outgoing, Packet, QoS};
use support::loop_driver::poll_event;
use support::packet_conn::PacketConn;
use support::packets::{connack_ok, encode, pingreq, pingresp, puback, publish};
use support::test_broker::{TestBroker, client_options};
use tokio::time::{Instant, advance};

/// Connects a client with a keep-alive of `keep_alive` seconds; returns the broker side.
async fn connect(
    broker: &TestBroker,
    keep_alive: u16,
) -> (AsyncClient, EventLoop, PacketConn, Instant) {
    let mut options = client_options("timer", broker.port());
    options.set_keep_alive(keep_alive);
    let (client, mut eventloop) = AsyncClient::builder(options).build();
    let connack = connack_ok();
    let (event, (conn, _)) =
        tokio::join!(poll_event(&mut eventloop), broker.accept_session(&connack));
    assert_eq!(event, Event::Incoming(connack_ok()));
    (client, eventloop, conn, Instant::now())
}

/// The PINGREQ falls due one interval after the older of the last write and the last
/// packet received: an acknowledged publish moves it, a QoS 0 write alone does not.
#[tokio::test(start_paused = true)]
async fn pingreq_is_due_an_interval_after_the_older_of_the_last_write_and_the_last_read() {
    let broker = TestBroker::bind().await;
    let (client, mut eventloop, mut conn, connected) = connect(&broker, 5).await;
    let mut timeline = Vec::new();
    let mut note = |event: Event| timeline.push((connected.elapsed().as_secs(), event));

    advance(Duration::from_secs(3)).await;
    client
        .publish("t", QoS::AtLeastOnce, false, "x")
        .await
        .unwrap();
    note(poll_event(&mut eventloop).await);
    conn.expect(&publish("t", QoS::AtLeastOnce, 1, "x")).await;
    conn.send(&puback(1)).await;
    note(poll_event(&mut eventloop).await);
    advance(Duration::from_secs(4)).await;
    client
        .publish("t", QoS::AtMostOnce, false, "x")
        .await
        .unwrap();
    note(poll_event(&mut eventloop).await);
    conn.expect(&publish("t", QoS::AtMostOnce, 0, "x")).await;
    let pingreq = pingreq();
    let (ping, ()) = tokio::join!(poll_event(&mut eventloop), conn.expect(&pingreq));
    note(ping);
    conn.send(&pingresp()).await;
    note(poll_event(&mut eventloop).await);
    let (ping, ()) = tokio::join!(poll_event(&mut eventloop), conn.expect(&pingreq));
    note(ping);

    let ping = || Event::Outgoing(Outgoing::PingReq);
    assert_eq!(
        timeline,
        [
            (3, Event::Outgoing(Outgoing::Publish(1))),
            (3, Event::Incoming(puback(1))),
            (7, Event::Outgoing(Outgoing::Publish(0))),
            (8, ping()),
            (8, Event::Incoming(pingresp())),
            (13, ping())
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn frames_larger_than_a_read_and_many_per_read_arrive_whole_and_in_order() {
    let broker = TestBroker::bind().await;
    let (_client, mut eventloop, mut conn, _) = connect(&broker, 60).await;
    let big = publish("t/big", QoS::AtMostOnce, 0, vec![0xA5; 9_000]);
    let small: Vec<Packet> = (0..300_u16)
        .map(|n| publish("t/small", QoS::AtMostOnce, 0, n.to_be_bytes()))
        .collect();

    conn.send(&big).await;
    let first = poll_event(&mut eventloop).await;
    conn.send_raw(&small.iter().flat_map(encode).collect::<Vec<u8>>())
        .await;
    conn.send(&big).await;
    let mut received = Vec::new();
    for _ in 0..=small.len() {
        received.push(poll_event(&mut eventloop).await);
    }

    assert_eq!(first, Event::Incoming(big.clone()));
    let expected: Vec<Event> = small
        .into_iter()
        .chain([big])
        .map(Event::Incoming)
        .collect();
    assert_eq!(received, expected);
}
