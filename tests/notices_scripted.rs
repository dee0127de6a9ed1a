//! Tracked notices against a scripted broker on a paused clock: each notice resolves with
//! its own ack when acks come late and in reverse order, session loss and resumption across
//! a reconnect, a dropped event loop, and a dropped notice.

mod support;

use std::time::Duration;

use rumqttc::{
    AsyncClient, ConnectReturnCode, ConnectionError, Event, EventLoop, MqttOptions, Outgoing,
    Packet, PubAck, PubComp, PublishNotice, PublishNoticeError, PublishResult, QoS, SubAck,
    SubscribeFilter, SubscribeNotice, SubscribeNoticeError, SubscribeReasonCode, UnsubAck,
    UnsubscribeNotice, UnsubscribeNoticeError,
};
use support::loop_driver::LoopDriver;
use support::loop_driver::{poll_error, poll_event};
use support::packet_conn::DEFAULT_READ_TIMEOUT;
use support::packets::{
    connack, connack_ok, connect_with, granted, puback, pubcomp, publish, publish_flags, pubrec,
    pubrel, suback, subscribe, subscribe_many, unsuback, unsubscribe,
};
use support::scripted_broker::{ScriptedBroker, Step};
use support::test_broker::{TestBroker, client_options};
use tokio::time::timeout;

/// How long the broker withholds each ack (virtual time).
const ACK_DELAY: Duration = Duration::from_secs(5);

fn options(port: u16) -> MqttOptions {
    client_options("notices", port)
}

fn incoming(packet: Packet) -> Event {
    Event::Incoming(packet)
}

fn outgoing(outgoing: Outgoing) -> Event {
    Event::Outgoing(outgoing)
}

/// Polls until `expected` is the next event (the request was written), and checks it.
async fn expect_event(eventloop: &mut EventLoop, expected: Event) {
    assert_eq!(poll_event(eventloop).await, expected);
}

#[tokio::test(start_paused = true)]
async fn notices_resolve_with_their_own_ack_when_acks_come_late_and_in_reverse_order() {
    let broker = TestBroker::bind().await;
    let (client, eventloop) = AsyncClient::builder(options(broker.port())).build();
    let (_driver, mut conn) = LoopDriver::spawn_connected(&broker, eventloop).await;
    let qos0 = client
        .publish_tracked("t", QoS::AtMostOnce, false, "zero")
        .await
        .unwrap();
    conn.expect(&publish("t", QoS::AtMostOnce, 0, "zero")).await;
    let mut qos1 = client
        .publish_tracked("t", QoS::AtLeastOnce, false, "one")
        .await
        .unwrap();
    conn.expect(&publish("t", QoS::AtLeastOnce, 1, "one")).await;
    let mut qos2 = client
        .publish_tracked("t", QoS::ExactlyOnce, false, "two")
        .await
        .unwrap();
    conn.expect(&publish("t", QoS::ExactlyOnce, 2, "two")).await;
    let filters = [
        ("a", QoS::AtMostOnce),
        ("b", QoS::AtLeastOnce),
        ("c", QoS::ExactlyOnce),
    ];
    let mut subscribed = client
        .subscribe_many_tracked(filters.map(|(path, qos)| SubscribeFilter::new(path.into(), qos)))
        .await
        .unwrap();
    conn.expect(&subscribe_many(3, filters)).await;
    let refused = client
        .subscribe_tracked("d", QoS::AtLeastOnce)
        .await
        .unwrap();
    conn.expect(&subscribe(4, "d", QoS::AtLeastOnce)).await;
    let unsubscribed = client.unsubscribe_tracked("a").await.unwrap();
    conn.expect(&unsubscribe(5, "a")).await;

    // QoS 0 completes with the flush; everything else waits for its ack.
    assert_eq!(qos0.wait_async().await, Ok(PublishResult::Qos0Flushed));
    conn.expect_silence(ACK_DELAY).await;
    assert_eq!([qos1.try_wait(), qos2.try_wait()], [None, None]);
    assert_eq!(subscribed.try_wait(), None);

    conn.send(&unsuback(5)).await;
    assert_eq!(unsubscribed.wait_async().await, Ok(UnsubAck::new(5)));
    conn.expect_silence(ACK_DELAY).await;
    conn.send(&suback(4, [SubscribeReasonCode::Failure])).await;
    assert_eq!(
        refused.wait_completion_async().await,
        Err(SubscribeNoticeError::V4SubAckFailure(vec![
            SubscribeReasonCode::Failure
        ]))
    );
    let codes = [
        granted(QoS::AtMostOnce),
        SubscribeReasonCode::Failure,
        granted(QoS::ExactlyOnce),
    ];
    conn.send(&suback(3, codes)).await;
    assert_eq!(
        subscribed.wait_async().await,
        Ok(SubAck::new(3, codes.to_vec()))
    );
    conn.send(&pubrec(2)).await;
    conn.expect(&pubrel(2)).await;
    assert_eq!(qos2.try_wait(), None);
    conn.expect_silence(ACK_DELAY).await;
    conn.send(&puback(1)).await;
    assert_eq!(
        qos1.wait_async().await,
        Ok(PublishResult::Qos1(PubAck::new(1)))
    );
    assert_eq!(qos2.try_wait(), None);
    conn.send(&pubcomp(2)).await;
    assert_eq!(
        qos2.wait_async().await,
        Ok(PublishResult::Qos2Completed(PubComp::new(2)))
    );
}

/// First connection of the reconnect tests: a QoS 1 awaiting PUBACK (1), a QoS 2 awaiting
/// PUBCOMP (2), a subscribe (3) and an unsubscribe (4) in flight, then the broker drops.
fn interrupted_session() -> Vec<Step> {
    vec![
        Step::ExpectConnect,
        Step::Send(connack_ok()),
        Step::Expect(publish("t", QoS::AtLeastOnce, 1, "one")),
        Step::Expect(publish("t", QoS::ExactlyOnce, 2, "two")),
        Step::Send(pubrec(2)),
        Step::Expect(pubrel(2)),
        Step::Expect(subscribe(3, "f", QoS::AtLeastOnce)),
        Step::Expect(unsubscribe(4, "g")),
        Step::Drop,
    ]
}

/// The notices of the interrupted session's four requests.
struct InFlight {
    qos1: PublishNotice,
    qos2: PublishNotice,
    subscribed: SubscribeNotice,
    unsubscribed: UnsubscribeNotice,
}

/// Sends the four tracked requests one at a time and polls until the connection drops.
async fn run_interrupted_session(client: &AsyncClient, eventloop: &mut EventLoop) -> InFlight {
    expect_event(eventloop, incoming(connack_ok())).await;
    let qos1 = client
        .publish_tracked("t", QoS::AtLeastOnce, false, "one")
        .await
        .unwrap();
    expect_event(eventloop, outgoing(Outgoing::Publish(1))).await;
    let qos2 = client
        .publish_tracked("t", QoS::ExactlyOnce, false, "two")
        .await
        .unwrap();
    expect_event(eventloop, outgoing(Outgoing::Publish(2))).await;
    expect_event(eventloop, incoming(pubrec(2))).await;
    expect_event(eventloop, outgoing(Outgoing::PubRel(2))).await;
    let subscribed = client
        .subscribe_tracked("f", QoS::AtLeastOnce)
        .await
        .unwrap();
    expect_event(eventloop, outgoing(Outgoing::Subscribe(3))).await;
    let unsubscribed = client.unsubscribe_tracked("g").await.unwrap();
    expect_event(eventloop, outgoing(Outgoing::Unsubscribe(4))).await;
    let error = poll_error(eventloop).await;
    assert!(
        matches!(error, ConnectionError::ConnectionClosed),
        "{error:?}"
    );
    InFlight {
        qos1,
        qos2,
        subscribed,
        unsubscribed,
    }
}

fn persistent_options(port: u16) -> MqttOptions {
    let mut options = options(port);
    options.set_clean_session(false);
    options
}

/// Session present 0: the broker forgot the session, so none of the four can complete.
#[tokio::test(start_paused = true)]
async fn reconnect_without_session_fails_in_flight_notices_with_session_reset_and_replays_nothing()
{
    let mut broker = ScriptedBroker::start(vec![
        interrupted_session(),
        vec![
            Step::ExpectConnect,
            Step::Send(connack_ok()),
            Step::Expect(publish("t", QoS::AtMostOnce, 0, "after")),
        ],
    ])
    .await;
    let (client, mut eventloop) = AsyncClient::builder(persistent_options(broker.port())).build();
    let in_flight = run_interrupted_session(&client, &mut eventloop).await;

    expect_event(&mut eventloop, incoming(connack_ok())).await;
    let outcomes = (
        in_flight.qos1.wait_async().await,
        in_flight.qos2.wait_async().await,
        in_flight.subscribed.wait_async().await,
        in_flight.unsubscribed.wait_async().await,
    );
    client
        .publish("t", QoS::AtMostOnce, false, "after")
        .await
        .unwrap();
    expect_event(&mut eventloop, outgoing(Outgoing::Publish(0))).await;

    assert_eq!(
        outcomes,
        (
            Err(PublishNoticeError::SessionReset),
            Err(PublishNoticeError::SessionReset),
            Err(SubscribeNoticeError::SessionReset),
            Err(UnsubscribeNoticeError::SessionReset)
        )
    );
    assert_eq!(eventloop.state.packet_ids_in_use(), 0);
    drop(eventloop);
    let packets = broker.received_until_closed(1).await;
    assert_eq!(
        packets[packets.len() - 2..],
        [
            (1, connect_with("notices", false, 60)),
            (1, publish("t", QoS::AtMostOnce, 0, "after"))
        ]
    );
    broker.finish().await;
}

/// Session present 1: the four are replayed with their packet ids (the publish with DUP)
/// and each notice resolves with the ack that arrives on the new connection.
#[tokio::test(start_paused = true)]
async fn reconnect_with_session_present_replays_in_flight_work_and_resolves_its_notices() {
    let broker = ScriptedBroker::start(vec![
        interrupted_session(),
        vec![
            Step::ExpectConnect,
            Step::Send(connack(ConnectReturnCode::Success, true)),
            // [MQTT-4.6.0-4] replayed PUBRELs lead (`InflightTable::take_replay`).
            Step::Expect(pubrel(2)),
            Step::Expect(publish_flags("t", QoS::AtLeastOnce, 1, "one", true, false)),
            Step::Expect(subscribe(3, "f", QoS::AtLeastOnce)),
            Step::Expect(unsubscribe(4, "g")),
            Step::Send(puback(1)),
            Step::Send(pubcomp(2)),
            Step::Send(suback(3, [granted(QoS::AtLeastOnce)])),
            Step::Send(unsuback(4)),
        ],
    ])
    .await;
    let (client, mut eventloop) = AsyncClient::builder(persistent_options(broker.port())).build();
    let in_flight = run_interrupted_session(&client, &mut eventloop).await;

    let mut events = Vec::new();
    for _ in 0..9 {
        events.push(poll_event(&mut eventloop).await);
    }

    assert_eq!(
        events,
        [
            incoming(connack(ConnectReturnCode::Success, true)),
            outgoing(Outgoing::PubRel(2)),
            outgoing(Outgoing::Publish(1)),
            outgoing(Outgoing::Subscribe(3)),
            outgoing(Outgoing::Unsubscribe(4)),
            incoming(puback(1)),
            incoming(pubcomp(2)),
            incoming(suback(3, [granted(QoS::AtLeastOnce)])),
            incoming(unsuback(4))
        ]
    );
    assert_eq!(
        in_flight.qos1.wait_async().await,
        Ok(PublishResult::Qos1(PubAck::new(1)))
    );
    assert_eq!(
        in_flight.qos2.wait_async().await,
        Ok(PublishResult::Qos2Completed(PubComp::new(2)))
    );
    assert_eq!(
        in_flight.subscribed.wait_async().await,
        Ok(SubAck::new(3, vec![granted(QoS::AtLeastOnce)]))
    );
    assert_eq!(
        in_flight.unsubscribed.wait_async().await,
        Ok(UnsubAck::new(4))
    );
    assert_eq!(eventloop.state.packet_ids_in_use(), 0);
    broker.finish().await;
}

#[tokio::test(start_paused = true)]
async fn dropping_the_event_loop_fails_in_flight_notices_with_recv() {
    let broker = ScriptedBroker::start(vec![vec![
        Step::ExpectConnect,
        Step::Send(connack_ok()),
        Step::Expect(publish("t", QoS::AtLeastOnce, 1, "m")),
        Step::Expect(subscribe(2, "f", QoS::AtLeastOnce)),
    ]])
    .await;
    let (client, mut eventloop) = AsyncClient::builder(options(broker.port())).build();
    expect_event(&mut eventloop, incoming(connack_ok())).await;
    let published = client
        .publish_tracked("t", QoS::AtLeastOnce, false, "m")
        .await
        .unwrap();
    expect_event(&mut eventloop, outgoing(Outgoing::Publish(1))).await;
    let subscribed = client
        .subscribe_tracked("f", QoS::AtLeastOnce)
        .await
        .unwrap();
    expect_event(&mut eventloop, outgoing(Outgoing::Subscribe(2))).await;

    drop(eventloop);

    assert_eq!(published.wait_async().await, Err(PublishNoticeError::Recv));
    assert_eq!(
        subscribed.wait_async().await,
        Err(SubscribeNoticeError::Recv)
    );
    broker.finish().await;
}

/// A tracked request the loop never took from its lane must end with `Recv` when the loop
/// is dropped, even while a client handle (holding the lane's sender) lives on.
#[tokio::test(start_paused = true)]
async fn dropping_the_event_loop_fails_a_notice_still_queued_in_its_lane_with_recv() {
    let broker = TestBroker::bind().await;
    let (client, eventloop) = AsyncClient::builder(options(broker.port())).build();
    let queued = client
        .subscribe_tracked("f", QoS::AtLeastOnce)
        .await
        .unwrap();

    drop(eventloop);
    let outcome = timeout(DEFAULT_READ_TIMEOUT, queued.wait_async()).await;

    assert_eq!(outcome, Ok(Err(SubscribeNoticeError::Recv)));
}

/// The same script answers a tracked publish whose notice is dropped at once and an
/// untracked one; the loop reports the same events for both.
#[tokio::test(start_paused = true)]
async fn dropped_notice_changes_nothing_on_the_wire() {
    let mut runs = Vec::new();
    for tracked in [true, false] {
        let mut broker = ScriptedBroker::start(vec![vec![
            Step::ExpectConnect,
            Step::Send(connack_ok()),
            Step::Expect(publish("t", QoS::ExactlyOnce, 1, "m")),
            Step::Send(pubrec(1)),
            Step::Expect(pubrel(1)),
            Step::Send(pubcomp(1)),
            Step::Expect(publish("t", QoS::AtMostOnce, 0, "next")),
        ]])
        .await;
        let (client, mut eventloop) = AsyncClient::builder(options(broker.port())).build();
        if tracked {
            drop(
                client
                    .publish_tracked("t", QoS::ExactlyOnce, false, "m")
                    .await
                    .unwrap(),
            );
        } else {
            client
                .publish("t", QoS::ExactlyOnce, false, "m")
                .await
                .unwrap();
        }
        let mut events = Vec::new();
        for _ in 0..5 {
            events.push(poll_event(&mut eventloop).await);
        }
        client
            .publish("t", QoS::AtMostOnce, false, "next")
            .await
            .unwrap();
        events.push(poll_event(&mut eventloop).await);
        drop(eventloop);
        runs.push((events, broker.received_until_closed(0).await));
        broker.finish().await;
    }

    assert_eq!(runs[0], runs[1]);
    assert_eq!(
        runs[0].0,
        [
            incoming(connack_ok()),
            outgoing(Outgoing::Publish(1)),
            incoming(pubrec(1)),
            outgoing(Outgoing::PubRel(1)),
            incoming(pubcomp(1)),
            outgoing(Outgoing::Publish(0))
        ]
    );
    assert_eq!(runs[0].1.len(), 4);
}
