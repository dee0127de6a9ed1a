//! Graceful shutdown against a real mosquitto started per test: `disconnect()` delivers every
//! accepted QoS 1 and QoS 2 publish before DISCONNECT whatever the in-flight window, ends
//! after subscriptions, and resolves tracked publishes first. Real clock, bounded waits.

mod support;

use bytes::Bytes;
use rumqttc::{Event, Outgoing, Packet, PublishResult, QoS};
use support::mosquitto::{Mosquitto, MosquittoConfig, connected, count, subscribe_granted, within};

/// Publishes per QoS level in the drain tests.
const PER_QOS: usize = 500;

/// The QoS of publish number `n`: QoS 1 and QoS 2 alternate, starting with QoS 1.
fn qos_of(n: usize) -> QoS {
    if n.is_multiple_of(2) {
        QoS::AtLeastOnce
    } else {
        QoS::ExactlyOnce
    }
}

/// `n.to_string()` for every `n` in `numbers`.
fn payloads(numbers: impl Iterator<Item = usize>) -> Vec<Bytes> {
    numbers.map(|n| Bytes::from(n.to_string())).collect()
}

/// 500 QoS 1 and 500 QoS 2 publishes (alternating, payload = sequence number) then
/// `disconnect()`, with `inflight` publishes in flight at most: the subscriber must receive
/// all 1,000, each QoS in order, and the publisher must end with DISCONNECT after the last
/// acknowledgement.
async fn disconnect_delivers_all_accepted_publishes(inflight: u16) {
    let broker = Mosquitto::start(MosquittoConfig::bulk());
    let (subscriber, mut inbox) = connected(broker.options(&format!("drain-sub-{inflight}"))).await;
    subscribe_granted(&subscriber, &[("drain/+", QoS::ExactlyOnce)]).await;
    let id = format!("drain-pub-{inflight}");
    let mut options = broker.options(&id);
    options.set_inflight(inflight);
    let (publisher, outbox) = connected(options).await;

    within("publishing 1,000 messages", async {
        for n in 0..2 * PER_QOS {
            let qos = qos_of(n);
            let topic = if qos == QoS::AtLeastOnce {
                "drain/1"
            } else {
                "drain/2"
            };
            let publish = publisher.publish(topic, qos, false, n.to_string());
            publish.await.unwrap();
        }
    })
    .await;
    let events = outbox.disconnect(&publisher).await;
    let mut received = Vec::with_capacity(2 * PER_QOS);
    while received.len() < 2 * PER_QOS {
        received.push(inbox.next_publish().await);
    }

    let of_qos = |qos: QoS| -> Vec<Bytes> {
        received
            .iter()
            .filter(|p| p.qos == qos)
            .map(|p| p.payload.clone())
            .collect()
    };
    assert_eq!(
        of_qos(QoS::AtLeastOnce),
        payloads((0..2 * PER_QOS).step_by(2))
    );
    assert_eq!(
        of_qos(QoS::ExactlyOnce),
        payloads((1..2 * PER_QOS).step_by(2))
    );
    assert!(received.iter().all(|p| !p.dup));
    let published = |e: &Event| matches!(e, Event::Outgoing(Outgoing::Publish(_)));
    let pubacks = |e: &Event| matches!(e, Event::Incoming(Packet::PubAck(_)));
    let pubcomps = |e: &Event| matches!(e, Event::Incoming(Packet::PubComp(_)));
    assert_eq!(count(&events, published), 2 * PER_QOS);
    assert_eq!(count(&events, pubacks), PER_QOS);
    assert_eq!(count(&events, pubcomps), PER_QOS);
    broker
        .wait_for_log(&format!("Received DISCONNECT from {id}"))
        .await;
}

#[tokio::test]
async fn disconnect_with_inflight_1_delivers_all_qos1_and_qos2_publishes() {
    disconnect_delivers_all_accepted_publishes(1).await;
}

#[tokio::test]
async fn disconnect_with_inflight_10_delivers_all_qos1_and_qos2_publishes() {
    disconnect_delivers_all_accepted_publishes(10).await;
}

#[tokio::test]
async fn disconnect_with_inflight_100_delivers_all_qos1_and_qos2_publishes() {
    disconnect_delivers_all_accepted_publishes(100).await;
}

#[tokio::test]
async fn disconnect_right_after_subscribe_and_publish_completes() {
    let broker = Mosquitto::start(MosquittoConfig::default());
    let (client, driven) = connected(broker.options("sub-pub-bye")).await;

    client.subscribe("bye/in", QoS::AtLeastOnce).await.unwrap();
    client
        .publish("bye/out", QoS::AtLeastOnce, false, "last words")
        .await
        .unwrap();
    let events = driven.disconnect(&client).await;

    let position = |wanted: fn(&Event) -> bool| events.iter().position(wanted);
    let suback = position(|e| matches!(e, Event::Incoming(Packet::SubAck(_))));
    let puback = position(|e| matches!(e, Event::Incoming(Packet::PubAck(_))));
    let subscribe = position(|e| matches!(e, Event::Outgoing(Outgoing::Subscribe(_))));
    let publish = position(|e| matches!(e, Event::Outgoing(Outgoing::Publish(_))));
    let is_before =
        |a: Option<usize>, b: Option<usize>| matches!((a, b), (Some(a), Some(b)) if a < b);
    // The DISCONNECT is the last event, so both acknowledgements came before it.
    assert!(is_before(subscribe, suback), "{events:?}");
    assert!(is_before(publish, puback), "{events:?}");
    broker
        .wait_for_log("Received DISCONNECT from sub-pub-bye")
        .await;
}

#[tokio::test]
async fn tracked_publishes_all_resolve_ok_before_disconnect_is_sent() {
    let broker = Mosquitto::start(MosquittoConfig::default());
    let (client, mut driven) = connected(broker.options("tracked-bye")).await;

    let mut notices = Vec::new();
    for n in 0..100 {
        let publish = client.publish_tracked("tracked/t", qos_of(n), false, n.to_string());
        notices.push((qos_of(n), publish.await.unwrap()));
    }
    client.disconnect().await.unwrap();
    loop {
        if driven.next_event().await == Event::Outgoing(Outgoing::Disconnect) {
            break;
        }
    }

    // Resolved before the DISCONNECT was written, so every outcome is known already.
    for (qos, notice) in &mut notices {
        let outcome = notice.try_wait();
        match (*qos, outcome) {
            (QoS::AtLeastOnce, Some(Ok(PublishResult::Qos1(_))))
            | (QoS::ExactlyOnce, Some(Ok(PublishResult::Qos2Completed(_)))) => {}
            (qos, outcome) => panic!("{qos:?} publish not resolved before DISCONNECT: {outcome:?}"),
        }
    }
    assert!(matches!(
        driven.until_end().await.as_slice(),
        [Err(rumqttc::ConnectionError::RequestsDone)]
    ));
}
