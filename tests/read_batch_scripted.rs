//! `read_batch_size` against an in-process scripted broker on a paused clock: how many
//! packets already in the read buffer the event loop handles before it takes a request,
//! seen in the exact order of events and of the packets the broker receives.

mod support;

use rumqttc::{AsyncClient, Event, EventLoop, Outgoing, QoS};
use support::loop_driver::poll_event;
use support::packet_conn::PacketConn;
use support::packets::{connack_ok, encode, puback, publish};
use support::test_broker::{TestBroker, client_options};

/// A connected client whose options set `read_batch_size` to `batch`, and the broker side.
async fn connected(broker: &TestBroker, batch: usize) -> (AsyncClient, EventLoop, PacketConn) {
    let mut options = client_options("read-batch", broker.port());
    options.set_read_batch_size(batch);
    let (client, mut eventloop) = AsyncClient::builder(options).capacity(10).build();
    let connack = connack_ok();
    let (event, (conn, _)) =
        tokio::join!(poll_event(&mut eventloop), broker.accept_session(&connack));
    assert_eq!(event, Event::Incoming(connack_ok()));
    (client, eventloop, conn)
}

/// Three QoS 1 publishes (pkids 1, 2, 3) written in one go, so they reach the client's read
/// buffer together; returns the event of the first. Then the client queues a QoS 0 publish
/// and the next six events are returned.
async fn burst_then_request(
    client: &AsyncClient,
    eventloop: &mut EventLoop,
    conn: &mut PacketConn,
) -> Vec<Event> {
    let burst: Vec<u8> = (1..=3)
        .flat_map(|pkid| encode(&publish("in", QoS::AtLeastOnce, pkid, [pkid as u8])))
        .collect();
    conn.send_raw(&burst).await;
    let first = poll_event(eventloop).await;
    assert_eq!(first, incoming(1));
    client
        .try_publish("out", QoS::AtMostOnce, false, "x")
        .unwrap();
    let mut events = Vec::new();
    for _ in 0..6 {
        events.push(poll_event(eventloop).await);
    }
    events
}

fn incoming(pkid: u16) -> Event {
    Event::Incoming(publish("in", QoS::AtLeastOnce, pkid, [pkid as u8]))
}

fn outgoing(outgoing: Outgoing) -> Event {
    Event::Outgoing(outgoing)
}

/// With 0 (the default batch of 64) all three buffered publishes are handled, and acked,
/// before the queued request is taken.
#[tokio::test(start_paused = true)]
async fn read_batch_size_zero_handles_every_buffered_packet_before_a_request() {
    let broker = TestBroker::bind().await;
    let (client, mut eventloop, mut conn) = connected(&broker, 0).await;
    let events = burst_then_request(&client, &mut eventloop, &mut conn).await;
    let expected = vec![
        outgoing(Outgoing::PubAck(1)),
        incoming(2),
        outgoing(Outgoing::PubAck(2)),
        incoming(3),
        outgoing(Outgoing::PubAck(3)),
        outgoing(Outgoing::Publish(0)),
    ];
    assert_eq!(events, expected);
    for expected in [puback(1), puback(2), puback(3)] {
        conn.expect(&expected).await;
    }
    conn.expect(&publish("out", QoS::AtMostOnce, 0, "x")).await;
}

/// With 2 the loop handles two buffered publishes, then takes the queued request, then the
/// third publish: the request's PUBLISH goes out before the third PUBACK.
#[tokio::test(start_paused = true)]
async fn read_batch_size_two_takes_a_request_after_two_buffered_packets() {
    let broker = TestBroker::bind().await;
    let (client, mut eventloop, mut conn) = connected(&broker, 2).await;
    let events = burst_then_request(&client, &mut eventloop, &mut conn).await;
    let expected = vec![
        outgoing(Outgoing::PubAck(1)),
        incoming(2),
        outgoing(Outgoing::PubAck(2)),
        outgoing(Outgoing::Publish(0)),
        incoming(3),
        outgoing(Outgoing::PubAck(3)),
    ];
    assert_eq!(events, expected);
    conn.expect(&puback(1)).await;
    conn.expect(&puback(2)).await;
    conn.expect(&publish("out", QoS::AtMostOnce, 0, "x")).await;
    conn.expect(&puback(3)).await;
}
