//! Graceful and immediate shutdown against a scripted broker on a paused clock: the
//! `disconnect()` barrier and its packet order on the wire, pings while draining, the drain
//! timeout, `disconnect_now`, and the loop's terminal state (no reconnect, `RequestsDone`).

mod support;

use std::time::Duration;

use rumqttc::{
    AsyncClient, ClientError, ConnectReturnCode, ConnectionError, Event, EventLoop, MqttOptions,
    Outgoing, Packet, Publish, PublishNoticeError, QoS, Request, SubscribeNoticeError,
    UnsubscribeNoticeError,
};
use support::loop_driver::LoopDriver;
use support::loop_driver::{poll_error, poll_event};
use support::packet_conn::DEFAULT_READ_TIMEOUT;
use support::packets::{
    connack, connack_ok, connect_with, disconnect, granted, pingreq, pingresp, puback, pubcomp,
    publish, publish_flags, pubrec, pubrel, suback, subscribe,
};
use support::scripted_broker::{FailureKind, ScriptedBroker, Step};
use support::test_broker::{TestBroker, client_options};
use tokio::time::{Instant, timeout};

/// How long the broker listens for a packet that must not come (virtual time).
const QUIET: Duration = Duration::from_secs(20);

fn options(port: u16) -> MqttOptions {
    client_options("shutdown", port)
}

/// The CONNECT of [`options`] with keep-alive `keep_alive`.
fn connect_packet(keep_alive: u16) -> Packet {
    connect_with("shutdown", true, keep_alive)
}

fn incoming(packet: Packet) -> Event {
    Event::Incoming(packet)
}

fn outgoing(outgoing: Outgoing) -> Event {
    Event::Outgoing(outgoing)
}

/// Every event until the loop reports `RequestsDone`; panics on any other error.
async fn events_until_done(driver: &mut LoopDriver) -> Vec<Event> {
    let mut events = Vec::new();
    loop {
        match driver.next().await {
            Some(Ok(event)) => events.push(event),
            Some(Err(ConnectionError::RequestsDone)) => return events,
            other => panic!("expected events then RequestsDone, got {other:?}"),
        }
    }
}

/// [`events_until_done`] for a loop polled directly.
async fn poll_until_done(eventloop: &mut EventLoop) -> Vec<Event> {
    let mut events = Vec::new();
    loop {
        match timeout(DEFAULT_READ_TIMEOUT, eventloop.poll()).await {
            Ok(Ok(event)) => events.push(event),
            Ok(Err(ConnectionError::RequestsDone)) => return events,
            other => panic!("expected events then RequestsDone, got {other:?}"),
        }
    }
}

/// The broker holds every ack back; DISCONNECT must wait for the PUBACK, the PUBCOMP and the
/// SUBACK, and come only after the broker sent the last of them.
#[tokio::test(start_paused = true)]
async fn disconnect_waits_for_the_last_puback_pubcomp_and_suback_before_disconnect() {
    let broker = TestBroker::bind().await;
    let (client, eventloop) = AsyncClient::builder(options(broker.port())).build();
    let (mut driver, mut conn) = LoopDriver::spawn_connected(&broker, eventloop).await;
    client
        .publish("t", QoS::AtLeastOnce, false, "one")
        .await
        .unwrap();
    conn.expect(&publish("t", QoS::AtLeastOnce, 1, "one")).await;
    client
        .publish("t", QoS::ExactlyOnce, false, "two")
        .await
        .unwrap();
    conn.expect(&publish("t", QoS::ExactlyOnce, 2, "two")).await;
    client.subscribe("f", QoS::AtLeastOnce).await.unwrap();
    conn.expect(&subscribe(3, "f", QoS::AtLeastOnce)).await;

    client.disconnect().await.unwrap();
    conn.expect_silence(QUIET).await;
    conn.send(&pubrec(2)).await;
    conn.expect(&pubrel(2)).await;
    conn.send(&puback(1)).await;
    conn.send(&suback(3, [granted(QoS::AtLeastOnce)])).await;
    conn.expect_silence(QUIET).await;
    conn.send(&pubcomp(2)).await;
    conn.expect(&disconnect()).await;
    conn.expect_closed().await;

    assert_eq!(
        events_until_done(&mut driver).await,
        [
            outgoing(Outgoing::Publish(1)),
            outgoing(Outgoing::Publish(2)),
            outgoing(Outgoing::Subscribe(3)),
            incoming(pubrec(2)),
            outgoing(Outgoing::PubRel(2)),
            incoming(puback(1)),
            incoming(suback(3, [granted(QoS::AtLeastOnce)])),
            incoming(pubcomp(2)),
            outgoing(Outgoing::Disconnect)
        ]
    );
}

/// Everything accepted before `disconnect()` is written, even publishes that still waited
/// for room in a window of 1, and a QoS 0 publish queued behind them.
#[tokio::test(start_paused = true)]
async fn disconnect_sends_publishes_still_waiting_for_the_window_before_disconnect() {
    let qos1 = |pkid, payload| publish("t", QoS::AtLeastOnce, pkid, payload);
    let mut broker = ScriptedBroker::start(vec![vec![
        Step::ExpectConnect,
        Step::Send(connack_ok()),
        Step::Expect(qos1(1, "a")),
        Step::Send(puback(1)),
        Step::Expect(qos1(2, "b")),
        Step::Send(puback(2)),
        Step::Expect(qos1(3, "c")),
        Step::Expect(publish("t", QoS::AtMostOnce, 0, "z")),
        Step::Send(puback(3)),
        Step::Expect(disconnect()),
    ]])
    .await;
    let mut options = options(broker.port());
    options.set_inflight(1);
    let (client, mut eventloop) = AsyncClient::builder(options).build();
    for payload in ["a", "b", "c"] {
        client
            .publish("t", QoS::AtLeastOnce, false, payload)
            .await
            .unwrap();
    }
    client
        .publish("t", QoS::AtMostOnce, false, "z")
        .await
        .unwrap();
    client.disconnect().await.unwrap();

    let events = poll_until_done(&mut eventloop).await;

    assert_eq!(
        events,
        [
            incoming(connack_ok()),
            outgoing(Outgoing::Publish(1)),
            incoming(puback(1)),
            outgoing(Outgoing::Publish(2)),
            incoming(puback(2)),
            outgoing(Outgoing::Publish(3)),
            outgoing(Outgoing::Publish(0)),
            incoming(puback(3)),
            outgoing(Outgoing::Disconnect)
        ]
    );
    assert_eq!(broker.received_until_closed(0).await.len(), 6);
    broker.finish().await;
}

#[tokio::test(start_paused = true)]
async fn keep_alive_pings_continue_while_disconnect_drains() {
    let mut broker = ScriptedBroker::start(vec![vec![
        Step::ExpectConnect,
        Step::Send(connack_ok()),
        Step::Expect(publish("t", QoS::AtLeastOnce, 1, "m")),
        Step::Expect(pingreq()),
        Step::Send(pingresp()),
        Step::Expect(pingreq()),
        Step::Send(pingresp()),
        Step::Send(puback(1)),
        Step::Expect(disconnect()),
    ]])
    .await;
    let mut options = options(broker.port());
    options.set_keep_alive(5);
    let (client, mut eventloop) = AsyncClient::builder(options).build();
    client
        .publish("t", QoS::AtLeastOnce, false, "m")
        .await
        .unwrap();
    client.disconnect().await.unwrap();
    let start = Instant::now();

    let mut timeline = Vec::new();
    for _ in 0..8 {
        let event = poll_event(&mut eventloop).await;
        timeline.push((start.elapsed().as_secs(), event));
    }
    let done = poll_error(&mut eventloop).await;

    assert_eq!(
        timeline,
        [
            (0, incoming(connack_ok())),
            (0, outgoing(Outgoing::Publish(1))),
            (5, outgoing(Outgoing::PingReq)),
            (5, incoming(pingresp())),
            (10, outgoing(Outgoing::PingReq)),
            (10, incoming(pingresp())),
            (10, incoming(puback(1))),
            (10, outgoing(Outgoing::Disconnect))
        ]
    );
    assert!(matches!(done, ConnectionError::RequestsDone), "{done:?}");
    assert_eq!(broker.received_until_closed(0).await.len(), 5);
    broker.finish().await;
}

#[tokio::test(start_paused = true)]
async fn disconnect_with_timeout_expiry_is_disconnect_timeout_and_sends_no_disconnect() {
    let broker = TestBroker::bind().await;
    let (client, eventloop) = AsyncClient::builder(options(broker.port())).build();
    let (mut driver, mut conn) = LoopDriver::spawn_connected(&broker, eventloop).await;
    client
        .publish("t", QoS::AtLeastOnce, false, "m")
        .await
        .unwrap();
    conn.expect(&publish("t", QoS::AtLeastOnce, 1, "m")).await;
    assert_eq!(driver.next_event().await, outgoing(Outgoing::Publish(1)));

    client
        .disconnect_with_timeout(Duration::from_secs(3))
        .await
        .unwrap();
    let start = Instant::now();
    let error = driver.next_error().await;
    let elapsed = start.elapsed();
    conn.expect_closed().await;
    let mut eventloop = driver.finish().await;

    assert!(
        matches!(error, ConnectionError::DisconnectTimeout),
        "{error:?}"
    );
    assert_eq!(elapsed, Duration::from_secs(3));
    // Final: no reconnect (the broker would accept one), and the clients are cut off.
    assert!(matches!(
        eventloop.poll().await,
        Err(ConnectionError::RequestsDone)
    ));
    assert_eq!(
        client.try_publish("t", QoS::AtLeastOnce, false, "late"),
        Err(ClientError::RequestChannelDisconnected(Box::new(
            Request::Publish(Publish::new("t", QoS::AtLeastOnce, "late"))
        )))
    );
}

/// Abandoned work: a QoS 1 awaiting PUBACK, a subscribe awaiting SUBACK and a QoS 2 awaiting
/// PUBCOMP fail with `Abandoned`; nothing more is written after DISCONNECT.
#[tokio::test(start_paused = true)]
async fn disconnect_now_sends_disconnect_at_once_and_fails_pending_notices() {
    let broker = TestBroker::bind().await;
    let mut options = options(broker.port());
    options.set_inflight(2);
    let (client, eventloop) = AsyncClient::builder(options).build();
    let (mut driver, mut conn) = LoopDriver::spawn_connected(&broker, eventloop).await;
    let qos1 = client
        .publish_tracked("t", QoS::AtLeastOnce, false, "one")
        .await
        .unwrap();
    conn.expect(&publish("t", QoS::AtLeastOnce, 1, "one")).await;
    let subscribed = client
        .subscribe_tracked("f", QoS::AtLeastOnce)
        .await
        .unwrap();
    conn.expect(&subscribe(2, "f", QoS::AtLeastOnce)).await;
    let qos2 = client
        .publish_tracked("t", QoS::ExactlyOnce, false, "two")
        .await
        .unwrap();
    conn.expect(&publish("t", QoS::ExactlyOnce, 3, "two")).await;
    conn.send(&pubrec(3)).await;
    conn.expect(&pubrel(3)).await;

    let start = Instant::now();
    client.disconnect_now().await.unwrap();
    conn.expect(&disconnect()).await;
    let took = start.elapsed();
    conn.expect_closed().await;

    assert_eq!(took, Duration::ZERO);
    assert_eq!(qos1.wait_async().await, Err(PublishNoticeError::Abandoned));
    assert_eq!(
        subscribed.wait_async().await,
        Err(SubscribeNoticeError::Abandoned)
    );
    assert_eq!(qos2.wait_async().await, Err(PublishNoticeError::Abandoned));
    assert_eq!(
        events_until_done(&mut driver).await,
        [
            outgoing(Outgoing::Publish(1)),
            outgoing(Outgoing::Subscribe(2)),
            outgoing(Outgoing::Publish(3)),
            incoming(pubrec(3)),
            outgoing(Outgoing::PubRel(3)),
            outgoing(Outgoing::Disconnect)
        ]
    );
}

/// After a completed disconnect every poll is `RequestsDone`: the broker, which would
/// accept a second connection, never sees one.
#[tokio::test(start_paused = true)]
async fn poll_after_a_clean_disconnect_returns_requests_done_and_never_reconnects() {
    let mut broker = ScriptedBroker::start(vec![
        vec![
            Step::ExpectConnect,
            Step::Send(connack_ok()),
            Step::Expect(disconnect()),
        ],
        vec![Step::ExpectConnect, Step::Send(connack_ok())],
    ])
    .await;
    let (client, mut eventloop) = AsyncClient::builder(options(broker.port())).build();
    client.disconnect().await.unwrap();

    let events = [
        poll_event(&mut eventloop).await,
        poll_event(&mut eventloop).await,
    ];
    let after = [
        poll_error(&mut eventloop).await,
        poll_error(&mut eventloop).await,
        poll_error(&mut eventloop).await,
    ];

    assert_eq!(
        events,
        [incoming(connack_ok()), outgoing(Outgoing::Disconnect)]
    );
    assert!(
        after
            .iter()
            .all(|error| matches!(error, ConnectionError::RequestsDone)),
        "{after:?}"
    );
    assert_eq!(
        broker.received_until_closed(0).await,
        [(0, connect_packet(60)), (0, disconnect())]
    );
    let failures = broker.join().await;
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(matches!(
        failures[0].kind,
        FailureKind::Unfinished {
            finished: 1,
            expected: 2
        }
    ));
}

/// Dropping every client is not a DISCONNECT: the loop ends, the broker sees a bare close
/// (and would publish the will).
#[tokio::test(start_paused = true)]
async fn dropping_all_clients_with_no_work_ends_with_requests_done_and_no_disconnect() {
    let mut broker =
        ScriptedBroker::start(vec![vec![Step::ExpectConnect, Step::Send(connack_ok())]]).await;
    let (client, mut eventloop) = AsyncClient::builder(options(broker.port())).build();
    assert_eq!(poll_event(&mut eventloop).await, incoming(connack_ok()));

    drop(client);
    let done = poll_error(&mut eventloop).await;
    let again = poll_error(&mut eventloop).await;

    assert!(matches!(done, ConnectionError::RequestsDone), "{done:?}");
    assert!(matches!(again, ConnectionError::RequestsDone), "{again:?}");
    assert_eq!(
        broker.received_until_closed(0).await,
        [(0, connect_packet(60))]
    );
    broker.finish().await;
}

#[tokio::test(start_paused = true)]
async fn dropping_all_clients_lets_in_flight_work_finish_before_requests_done() {
    let mut broker = ScriptedBroker::start(vec![vec![
        Step::ExpectConnect,
        Step::Send(connack_ok()),
        Step::Expect(publish("t", QoS::AtLeastOnce, 1, "m")),
        Step::Sleep(Duration::from_secs(10)),
        Step::Send(puback(1)),
    ]])
    .await;
    let (client, mut eventloop) = AsyncClient::builder(options(broker.port())).build();
    client
        .publish("t", QoS::AtLeastOnce, false, "m")
        .await
        .unwrap();
    drop(client);
    let start = Instant::now();

    let events = poll_until_done(&mut eventloop).await;

    assert_eq!(
        events,
        [
            incoming(connack_ok()),
            outgoing(Outgoing::Publish(1)),
            incoming(puback(1))
        ]
    );
    assert_eq!(start.elapsed(), Duration::from_secs(10));
    assert_eq!(
        broker.received_until_closed(0).await,
        [
            (0, connect_packet(60)),
            (0, publish("t", QoS::AtLeastOnce, 1, "m"))
        ]
    );
    broker.finish().await;
}

/// A request accepted after `disconnect()` is never sent; once the loop has finished its
/// notice must end (`Recv`) instead of hanging while a client handle is alive.
#[tokio::test(start_paused = true)]
async fn tracked_request_queued_behind_disconnect_fails_with_recv_when_the_loop_finishes() {
    let broker = ScriptedBroker::start(vec![vec![
        Step::ExpectConnect,
        Step::Send(connack_ok()),
        Step::Expect(disconnect()),
    ]])
    .await;
    let (client, mut eventloop) = AsyncClient::builder(options(broker.port())).build();
    client.disconnect().await.unwrap();
    let late = client.unsubscribe_tracked("f").await.unwrap();

    let events = poll_until_done(&mut eventloop).await;
    let outcome = timeout(DEFAULT_READ_TIMEOUT, late.wait_async()).await;

    assert_eq!(
        events,
        [incoming(connack_ok()), outgoing(Outgoing::Disconnect)]
    );
    assert_eq!(outcome, Ok(Err(UnsubscribeNoticeError::Recv)));
    broker.finish().await;
}

/// A graceful disconnect outlives a lost connection: after the reconnect resumes the session,
/// the unacknowledged publish is replayed (DUP, same packet id) and DISCONNECT follows only
/// its PUBACK. Nothing new is taken from the lanes meanwhile.
#[tokio::test(start_paused = true)]
async fn disconnect_drain_continues_across_a_reconnect_and_ends_with_disconnect() {
    let broker = TestBroker::bind().await;
    let mut options = options(broker.port());
    options.set_clean_session(false);
    let (client, mut eventloop) = AsyncClient::builder(options).build();
    let fresh = connack_ok();
    let (event, (mut conn, _)) =
        tokio::join!(poll_event(&mut eventloop), broker.accept_session(&fresh));
    assert_eq!(event, incoming(fresh));
    client
        .publish("t", QoS::AtLeastOnce, false, "one")
        .await
        .unwrap();
    client.disconnect().await.unwrap();
    assert_eq!(
        poll_event(&mut eventloop).await,
        outgoing(Outgoing::Publish(1))
    );
    conn.expect(&publish("t", QoS::AtLeastOnce, 1, "one")).await;
    conn.close().await;
    assert!(matches!(
        poll_error(&mut eventloop).await,
        ConnectionError::ConnectionClosed | ConnectionError::Io(_)
    ));

    let resumed = connack(ConnectReturnCode::Success, true);
    let (event, (mut conn, _)) =
        tokio::join!(poll_event(&mut eventloop), broker.accept_session(&resumed));
    assert_eq!(event, incoming(resumed));
    assert_eq!(
        poll_event(&mut eventloop).await,
        outgoing(Outgoing::Publish(1))
    );
    conn.expect(&publish_flags("t", QoS::AtLeastOnce, 1, "one", true, false))
        .await;
    conn.expect_silence(QUIET).await;
    conn.send(&puback(1)).await;
    assert_eq!(
        poll_until_done(&mut eventloop).await,
        [incoming(puback(1)), outgoing(Outgoing::Disconnect)]
    );
    conn.expect(&disconnect()).await;
}
