//! Interop with a private `nats-server` (2.9) through its MQTT listener: QoS 0 and QoS 1
//! publish/subscribe, and NATS's refusals of QoS 2 (a QoS 2 subscription is granted QoS 1; a
//! QoS 2 PUBLISH makes the server close the connection), after which the client carries on.
//! Real clock, bounded waits.

mod support;

use rumqttc::{
    ConnAck, ConnectReturnCode, ConnectionError, PubAck, PublishNoticeError, PublishResult, QoS,
    SubscribeFilter, SubscribeReasonCode,
};
use support::interop::round_trip_in_order;
use support::loop_driver::LoopDriver;
use support::mosquitto::{connected, subscribe_granted, within};
use support::nats::NatsServer;

/// Messages per QoS level in the round trip.
const MESSAGE_COUNT: usize = 100;

/// The next connection error of `driven`, skipping events; panics when the loop ends.
async fn next_error(driven: &mut LoopDriver) -> ConnectionError {
    loop {
        match driven.next().await {
            Some(Ok(_)) => {}
            Some(Err(error)) => return error,
            None => panic!("the event loop ended while an error was expected"),
        }
    }
}

#[tokio::test]
async fn qos0_and_qos1_messages_round_trip_through_nats_in_order() {
    let nats = NatsServer::start();
    round_trip_in_order(
        nats.options("nats-sub"),
        nats.options("nats-pub"),
        &[("nats/q0", QoS::AtMostOnce), ("nats/q1", QoS::AtLeastOnce)],
        MESSAGE_COUNT,
    )
    .await;
}

/// NATS 2.9 has no QoS 2: it grants a QoS 2 subscription at QoS 1, which the client reports
/// in the SUBACK, and delivers at QoS 1.
#[tokio::test]
async fn qos2_subscription_is_granted_qos1_and_delivers_at_qos1() {
    let nats = NatsServer::start();
    let (subscriber, mut inbox) = connected(nats.options("nats-sub2")).await;
    let filter = SubscribeFilter::new("nats/q2".to_owned(), QoS::ExactlyOnce);
    let notice = subscriber.subscribe_many_tracked([filter]).await.unwrap();
    let suback = within("waiting for the SUBACK", notice.wait_async()).await;
    assert_eq!(
        suback.map(|suback| suback.return_codes),
        Ok(vec![SubscribeReasonCode::Success(QoS::AtLeastOnce)])
    );

    let (publisher, _outbox) = connected(nats.options("nats-pub2")).await;
    let sent = publisher.publish_tracked("nats/q2", QoS::AtLeastOnce, false, "m");
    let sent = within("publishing", sent).await.unwrap();
    let publish = inbox.next_publish().await;

    assert_eq!(
        (
            publish.topic.as_ref(),
            publish.qos,
            publish.payload.as_ref()
        ),
        (&b"nats/q2"[..], QoS::AtLeastOnce, &b"m"[..])
    );
    assert!(matches!(
        within("waiting for the PUBACK", sent.wait_async()).await,
        Ok(PublishResult::Qos1(_))
    ));
}

/// NATS 2.9 closes the connection on a QoS 2 PUBLISH ("publish QoS=2 not supported" in its
/// log). The client reports the close as a typed error, reconnects on the next poll (a
/// clean session, so the tracked publish fails with `SessionReset`: it was never
/// delivered), and QoS 1 traffic goes on over the new connection.
///
/// Not covered, because it does not carry on: an *untracked* QoS 2 publish is sent again
/// as a new publish after the reconnect (at-least-once on a lost session), so NATS closes
/// every connection (seen: 54 connection errors in 3 s, with a 50 ms pause between polls);
/// with a persistent session any QoS 2 publish would be replayed the same way (by reading
/// of the code, not run). MQTT 3.1.1 gives the client no way to tell this refusal from a
/// cut link.
#[tokio::test]
async fn qos2_publish_is_refused_by_closing_and_the_client_carries_on() {
    let nats = NatsServer::start();
    let (subscriber, mut inbox) = connected(nats.options("nats-sub3")).await;
    subscribe_granted(&subscriber, &[("nats/refused", QoS::AtLeastOnce)]).await;
    let (publisher, mut outbox) = connected(nats.options("nats-pub3")).await;

    let refused = publisher.publish_tracked("nats/refused", QoS::ExactlyOnce, false, "two");
    let refused = within("publishing at QoS 2", refused).await.unwrap();
    let error = next_error(&mut outbox).await;
    let reconnected = outbox.connack().await;
    let accepted = publisher.publish_tracked("nats/refused", QoS::AtLeastOnce, false, "one");
    let accepted = within("publishing at QoS 1", accepted).await.unwrap();
    let delivered = inbox.next_publish().await;

    assert!(
        matches!(error, ConnectionError::ConnectionClosed),
        "{error:?}"
    );
    assert!(nats.log().contains("publish QoS=2 not supported"));
    assert_eq!(reconnected, ConnAck::new(ConnectReturnCode::Success, false));
    assert_eq!(
        within("waiting for the refused notice", refused.wait_async()).await,
        Err(PublishNoticeError::SessionReset)
    );
    assert_eq!(
        within("waiting for the PUBACK", accepted.wait_async()).await,
        Ok(PublishResult::Qos1(PubAck::new(2)))
    );
    assert_eq!(delivered.payload.as_ref(), b"one");
}
