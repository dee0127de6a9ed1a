//! One publish/subscribe round trip shared by the interop tests of other brokers (NATS,
//! aedes): numbered messages at several QoS levels, each checked exactly once and in order.

use bytes::Bytes;
use rumqttc::{MqttOptions, PublishResult, QoS};

use super::mosquitto::{connected, subscribe_granted, within};

/// Subscribes one client to every `(topic, qos)`, publishes `count` numbered messages on
/// each from another client (interleaved across the topics), and checks that the
/// subscriber got each message exactly once and in order per topic, at its QoS, and that
/// every QoS 1/2 publish completed at its own QoS.
pub(crate) async fn round_trip_in_order(
    subscriber: MqttOptions,
    publisher: MqttOptions,
    topics: &[(&str, QoS)],
    count: usize,
) {
    let (subscriber, mut inbox) = connected(subscriber).await;
    subscribe_granted(&subscriber, topics).await;
    let (publisher, _outbox) = connected(publisher).await;

    let mut sent = vec![Vec::new(); topics.len()];
    let mut notices = Vec::new();
    for n in 0..count {
        for ((topic, qos), sent) in topics.iter().zip(&mut sent) {
            let payload = Bytes::from(format!("{topic}-{n}"));
            sent.push(payload.clone());
            let publish = publisher.publish_tracked(*topic, *qos, false, payload);
            notices.push((*qos, within("publishing", publish).await.unwrap()));
        }
    }
    let mut received = vec![Vec::new(); topics.len()];
    for _ in 0..count * topics.len() {
        let publish = inbox.next_publish().await;
        let index = topics
            .iter()
            .position(|(topic, qos)| publish.topic == topic.as_bytes() && publish.qos == *qos);
        match index {
            Some(index) => received[index].push(publish.payload),
            None => panic!("unexpected publish {publish:?}"),
        }
    }

    assert_eq!(received, sent);
    for (qos, notice) in notices {
        let result = within("waiting for a publish to complete", notice.wait_async()).await;
        assert_eq!(
            result.as_ref().map(PublishResult::qos),
            Ok(qos),
            "{result:?}"
        );
    }
}
