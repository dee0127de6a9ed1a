//! Publish/subscribe through a real mosquitto started per test: 1,000 messages at each QoS
//! exactly once and in order, retained messages, the last will, wildcard filters, and one
//! QoS 1 round trip through the shared broker on 127.0.0.1:1883. Real clock, bounded waits.

mod support;

use bytes::Bytes;
use rumqttc::{
    AsyncClient, Event, LastWill, MqttOptions, Outgoing, Packet, Publish, PublishResult, QoS,
};
use support::loop_driver::LoopDriver;
use support::mosquitto::{Mosquitto, MosquittoConfig, connected, count, subscribe_granted, within};

/// Messages per QoS level in the bulk tests.
const MESSAGE_COUNT: usize = 1_000;
/// Payload of the message that marks the end of a burst.
const END: &[u8] = b"end";

/// Payloads `"0"` to `"999"`, then [`END`].
fn sequence_payloads() -> Vec<Bytes> {
    (0..MESSAGE_COUNT)
        .map(|n| Bytes::from(n.to_string()))
        .chain([Bytes::from_static(END)])
        .collect()
}

/// Publishes 1,000 numbered messages plus [`END`] at `qos` from one client to a subscriber
/// of the same QoS, and checks the subscriber got each exactly once, in order, and the
/// publisher saw one acknowledgement flow per message.
async fn bulk_pubsub_delivers_every_message_once_in_order(qos: QoS, tag: &str) {
    let broker = Mosquitto::start(MosquittoConfig::bulk());
    let topic = format!("bulk/{tag}");
    let (subscriber, mut inbox) = connected(broker.options(&format!("bulk-sub-{tag}"))).await;
    subscribe_granted(&subscriber, &[(&topic, qos)]).await;
    let (publisher, outbox) = connected(broker.options(&format!("bulk-pub-{tag}"))).await;

    let payloads = sequence_payloads();
    within("publishing the burst", async {
        for payload in &payloads {
            let payload = payload.clone();
            publisher
                .publish(&topic, qos, false, payload)
                .await
                .unwrap();
        }
    })
    .await;
    let received = inbox.publishes_until(END).await;
    let events = outbox.disconnect(&publisher).await;

    let received_payloads: Vec<Bytes> = received.iter().map(|p| p.payload.clone()).collect();
    assert_eq!(received_payloads, payloads);
    assert!(
        received
            .iter()
            .all(|p| p.topic == topic.as_bytes() && p.qos == qos && !p.dup && !p.retain)
    );
    let published = |e: &Event| matches!(e, Event::Outgoing(Outgoing::Publish(_)));
    assert_eq!(count(&events, published), MESSAGE_COUNT + 1);
    let acked = |e: &Event| match qos {
        QoS::AtMostOnce => false,
        QoS::AtLeastOnce => matches!(e, Event::Incoming(Packet::PubAck(_))),
        QoS::ExactlyOnce => matches!(e, Event::Incoming(Packet::PubComp(_))),
    };
    let expected_acks = if qos == QoS::AtMostOnce {
        0
    } else {
        MESSAGE_COUNT + 1
    };
    assert_eq!(count(&events, acked), expected_acks);
}

#[tokio::test]
async fn qos0_thousand_messages_arrive_once_in_order() {
    bulk_pubsub_delivers_every_message_once_in_order(QoS::AtMostOnce, "qos0").await;
}

#[tokio::test]
async fn qos1_thousand_messages_arrive_once_in_order_without_dup() {
    bulk_pubsub_delivers_every_message_once_in_order(QoS::AtLeastOnce, "qos1").await;
}

#[tokio::test]
async fn qos2_thousand_messages_arrive_exactly_once_in_order() {
    bulk_pubsub_delivers_every_message_once_in_order(QoS::ExactlyOnce, "qos2").await;
}

#[tokio::test]
async fn retained_message_reaches_later_subscriber_with_retain_flag() {
    let broker = Mosquitto::start(MosquittoConfig::default());
    let (publisher, outbox) = connected(broker.options("retain-pub")).await;
    let notice = publisher
        .publish_tracked("retain/state", QoS::AtLeastOnce, true, "on since 09:00")
        .await
        .unwrap();
    let result = within("waiting for the PUBACK", notice.wait_async()).await;
    assert!(matches!(result, Ok(PublishResult::Qos1(_))));
    outbox.disconnect(&publisher).await;

    let (subscriber, mut inbox) = connected(broker.options("retain-sub")).await;
    subscribe_granted(&subscriber, &[("retain/#", QoS::AtLeastOnce)]).await;
    let retained = inbox.next_publish().await;

    assert_eq!(retained.topic, "retain/state");
    assert_eq!(retained.payload, "on since 09:00");
    assert_eq!(retained.qos, QoS::AtLeastOnce);
    assert!(retained.retain);
    assert!(!retained.dup);
}

/// An observer subscribed to the will topic, and a client whose options carry a will.
async fn will_scenario(
    broker: &Mosquitto,
    id: &str,
) -> (AsyncClient, LoopDriver, AsyncClient, LoopDriver) {
    let (observer, inbox) = connected(broker.options(&format!("{id}-observer"))).await;
    subscribe_granted(&observer, &[("will/+", QoS::AtLeastOnce)]).await;
    let mut options = broker.options(id);
    options.set_last_will(LastWill::new(
        format!("will/{id}"),
        "gone",
        QoS::AtLeastOnce,
        false,
    ));
    let (client, driven) = connected(options).await;
    (observer, inbox, client, driven)
}

#[tokio::test]
async fn last_will_is_published_when_event_loop_is_dropped_abruptly() {
    let broker = Mosquitto::start(MosquittoConfig::default());
    let (_observer, mut inbox, _client, driven) = will_scenario(&broker, "crasher").await;

    driven.abort().await;

    let will = inbox.next_publish().await;
    assert_eq!(will.topic, "will/crasher");
    assert_eq!(will.payload, "gone");
    assert_eq!(will.qos, QoS::AtLeastOnce);
    assert!(!will.retain);
    let log = broker.log();
    assert!(!log.contains("Received DISCONNECT from crasher"), "{log}");
}

#[tokio::test]
async fn last_will_is_not_published_after_graceful_disconnect() {
    let broker = Mosquitto::start(MosquittoConfig::default());
    let (observer, mut inbox, client, driven) = will_scenario(&broker, "leaver").await;

    driven.disconnect(&client).await;
    broker.wait_for_log("Received DISCONNECT from leaver").await;
    // Anything the broker sends after the DISCONNECT is handled comes after this marker:
    // a will would arrive before it.
    observer
        .publish("will/marker", QoS::AtLeastOnce, false, END)
        .await
        .unwrap();

    let received = inbox.publishes_until(END).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].topic, "will/marker");
}

#[tokio::test]
async fn wildcard_filters_deliver_exactly_matching_topics() {
    let broker = Mosquitto::start(MosquittoConfig::default());
    let (plus, mut plus_inbox) = connected(broker.options("wild-plus")).await;
    subscribe_granted(
        &plus,
        &[
            ("wc/+/temp", QoS::AtLeastOnce),
            ("end/plus", QoS::AtLeastOnce),
        ],
    )
    .await;
    let (hash, mut hash_inbox) = connected(broker.options("wild-hash")).await;
    subscribe_granted(
        &hash,
        &[("wc/a/#", QoS::AtLeastOnce), ("end/hash", QoS::AtLeastOnce)],
    )
    .await;
    let (publisher, outbox) = connected(broker.options("wild-pub")).await;

    let topics = [
        "wc/a/temp",
        "wc/b/temp",
        "wc/a/hum",
        "wc/a/b/temp",
        "wc/temp",
        "wc/a",
        "other/a/temp",
        "wc/a/temp/x",
        "end/plus",
        "end/hash",
    ];
    for topic in topics {
        let payload = if topic.starts_with("end/") {
            END
        } else {
            topic.as_bytes()
        };
        publisher
            .publish(topic, QoS::AtLeastOnce, false, payload)
            .await
            .unwrap();
    }
    let topics_of = |publishes: Vec<Publish>| -> Vec<Bytes> {
        publishes.into_iter().map(|p| p.topic).collect()
    };
    let via_plus = topics_of(plus_inbox.publishes_until(END).await);
    let via_hash = topics_of(hash_inbox.publishes_until(END).await);
    outbox.disconnect(&publisher).await;

    assert_eq!(via_plus, ["wc/a/temp", "wc/b/temp", "end/plus"]);
    assert_eq!(
        via_hash,
        [
            "wc/a/temp",
            "wc/a/hum",
            "wc/a/b/temp",
            "wc/a",
            "wc/a/temp/x",
            "end/hash"
        ]
    );
}

/// CI guarantees the shared broker (`mosquitto -d -c /etc/mosquitto/mosquitto.conf`).
#[tokio::test]
async fn shared_broker_on_1883_round_trips_qos1_publish() {
    let id = format!("rumqttc-interop-{}", std::process::id());
    let topic = format!("rumqttc/interop/{}", std::process::id());
    let (client, mut driven) = connected(MqttOptions::new(id, ("127.0.0.1", 1883))).await;
    subscribe_granted(&client, &[(&topic, QoS::AtLeastOnce)]).await;

    let notice = client
        .publish_tracked(&topic, QoS::AtLeastOnce, false, "interop")
        .await
        .unwrap();
    let echoed = driven.next_publish().await;
    let acked = within("waiting for the PUBACK", notice.wait_async()).await;
    driven.disconnect(&client).await;

    assert!(matches!(acked, Ok(PublishResult::Qos1(_))));
    assert_eq!(echoed.topic, topic.as_bytes());
    assert_eq!(echoed.payload, "interop");
    assert_eq!(echoed.qos, QoS::AtLeastOnce);
    assert!(!echoed.dup && !echoed.retain);
}
