//! Sessions against a real mosquitto started per test: a persistent session receives what
//! was published while it was away, and the event loop rides through a broker restart
//! (error, reconnect, publishing resumes). Real clock, bounded waits.

mod support;

use bytes::Bytes;
use rumqttc::{ConnAck, ConnectReturnCode, ConnectionError, Event, MqttOptions, Packet, QoS};
use support::loop_driver::LoopDriver;
use support::mosquitto::{
    Mosquitto, MosquittoConfig, connected, start_client, subscribe_granted, within,
};

/// Messages published while the persistent subscriber is away.
const AWAY_COUNT: usize = 100;

/// Options for a client that keeps its session (`clean_session = false`).
fn persistent(broker: &Mosquitto, id: &str) -> MqttOptions {
    let mut options = broker.options(id);
    options.set_clean_session(false);
    options
}

/// The payloads `"0"`, `"1"`, ... of `count` messages.
fn numbered(count: usize) -> Vec<Bytes> {
    (0..count).map(|n| Bytes::from(n.to_string())).collect()
}

/// Skips events up to the connection loss, then returns how many connection errors came
/// before the next CONNACK, and that CONNACK. Every error must be a lost or refused
/// connection.
async fn reconnection(driven: &mut LoopDriver) -> (usize, ConnAck) {
    let mut errors = 0;
    loop {
        match driven.next().await {
            Some(Ok(Event::Incoming(Packet::ConnAck(connack)))) if errors > 0 => {
                return (errors, connack);
            }
            Some(Ok(_)) => {}
            Some(Err(ConnectionError::ConnectionClosed | ConnectionError::Io(_))) => errors += 1,
            Some(Err(error)) => panic!("unexpected connection error: {error:?}"),
            None => panic!("the event loop ended instead of reconnecting"),
        }
    }
}

#[tokio::test]
async fn persistent_session_receives_messages_published_while_away_in_order() {
    let broker = Mosquitto::start(MosquittoConfig::default());
    let (subscriber, driven) = connected(persistent(&broker, "away-sub")).await;
    subscribe_granted(&subscriber, &[("away/t", QoS::AtLeastOnce)]).await;
    driven.disconnect(&subscriber).await;
    broker
        .wait_for_log("Received DISCONNECT from away-sub")
        .await;

    let (publisher, outbox) = connected(broker.options("away-pub")).await;
    let payloads = numbered(AWAY_COUNT);
    for payload in &payloads {
        let publish = publisher.publish("away/t", QoS::AtLeastOnce, false, payload.clone());
        within("publishing while the subscriber is away", publish)
            .await
            .unwrap();
    }
    // The graceful disconnect waits for every PUBACK: the broker holds all 100 now.
    outbox.disconnect(&publisher).await;

    let (subscriber, mut inbox) = start_client(persistent(&broker, "away-sub"));
    let connack = inbox.connack().await;
    // Published after the reconnect: the broker queues it behind the stored messages.
    subscriber
        .publish("away/t", QoS::AtLeastOnce, false, "end")
        .await
        .unwrap();
    let received = inbox.publishes_until(b"end").await;

    assert_eq!(connack, ConnAck::new(ConnectReturnCode::Success, true));
    let received_payloads: Vec<Bytes> = received.iter().map(|p| p.payload.clone()).collect();
    let expected: Vec<Bytes> = payloads.into_iter().chain([Bytes::from("end")]).collect();
    assert_eq!(received_payloads, expected);
    assert!(
        received
            .iter()
            .all(|p| p.topic == "away/t" && p.qos == QoS::AtLeastOnce && !p.dup && !p.retain)
    );
}

#[tokio::test]
async fn event_loop_reports_error_reconnects_and_publishing_resumes_after_broker_restart() {
    let mut broker = Mosquitto::start(MosquittoConfig::default());
    let (subscriber, mut inbox) = connected(broker.options("restart-sub")).await;
    subscribe_granted(&subscriber, &[("restart/t", QoS::AtLeastOnce)]).await;
    let (publisher, mut outbox) = connected(broker.options("restart-pub")).await;
    publisher
        .publish("restart/t", QoS::AtLeastOnce, false, "before")
        .await
        .unwrap();
    assert_eq!(inbox.next_publish().await.payload, "before");

    broker.restart();

    let (publisher_errors, publisher_connack) = reconnection(&mut outbox).await;
    let (subscriber_errors, subscriber_connack) = reconnection(&mut inbox).await;
    // Without persistence the broker forgot the subscription: subscribe again.
    subscribe_granted(&subscriber, &[("restart/t", QoS::AtLeastOnce)]).await;
    publisher
        .publish("restart/t", QoS::AtLeastOnce, false, "after")
        .await
        .unwrap();
    let after = inbox.next_publish().await;

    assert!(publisher_errors >= 1 && subscriber_errors >= 1);
    let fresh = ConnAck::new(ConnectReturnCode::Success, false);
    assert_eq!((publisher_connack, subscriber_connack), (fresh, fresh));
    assert_eq!(after.payload, "after");
    assert_eq!((after.qos, after.dup), (QoS::AtLeastOnce, false));
    outbox.disconnect(&publisher).await;
}

#[tokio::test]
async fn persistent_session_survives_broker_restart_and_publish_accepted_during_outage_arrives() {
    let mut broker = Mosquitto::start(MosquittoConfig::default().persistence(true));
    let (subscriber, mut inbox) = connected(persistent(&broker, "durable-sub")).await;
    subscribe_granted(&subscriber, &[("durable/t", QoS::AtLeastOnce)]).await;
    let (publisher, mut outbox) = connected(broker.options("durable-pub")).await;
    publisher
        .publish("durable/t", QoS::AtLeastOnce, false, "before")
        .await
        .unwrap();
    assert_eq!(inbox.next_publish().await.payload, "before");
    // The broker must have the subscriber's PUBACK, or it would rightly resend "before".
    broker
        .wait_for_log("Received PUBACK from durable-sub")
        .await;

    broker.restart();
    // Accepted while the connection is down: it must be sent once the loop reconnects.
    publisher
        .publish("durable/t", QoS::AtLeastOnce, false, "during")
        .await
        .unwrap();
    let (_, publisher_connack) = reconnection(&mut outbox).await;
    let (_, subscriber_connack) = reconnection(&mut inbox).await;
    publisher
        .publish("durable/t", QoS::AtLeastOnce, false, "after")
        .await
        .unwrap();
    let received = inbox.publishes_until(b"after").await;

    assert_eq!(
        publisher_connack,
        ConnAck::new(ConnectReturnCode::Success, false)
    );
    assert_eq!(
        subscriber_connack,
        ConnAck::new(ConnectReturnCode::Success, true)
    );
    let payloads: Vec<Bytes> = received.into_iter().map(|p| p.payload).collect();
    assert_eq!(payloads, ["during", "after"]);
    outbox.disconnect(&publisher).await;
}
