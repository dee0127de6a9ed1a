//! Publish validation: topic rules in every send mode, the outgoing size limit, validated topics.

use super::*;

#[test]
fn publish_with_invalid_topic_is_refused_and_nothing_is_sent() {
    let (client, lanes) = client_with(Some(10), usize::MAX);
    let long = "a".repeat(65_536);
    for (topic, reason) in [
        ("", InvalidTopic::Empty),
        ("a/+/b", InvalidTopic::Wildcard),
        ("a/#", InvalidTopic::Wildcard),
        ("a\0b", InvalidTopic::NullCharacter),
        (long.as_str(), InvalidTopic::TooLong { len: 65_536 }),
    ] {
        let request = Box::new(publish(topic, QoS::AtLeastOnce, false, b"x"));
        let expected = ClientError::InvalidTopic { reason, request };
        let refused = client.try_publish(topic, QoS::AtLeastOnce, false, "x");
        assert_eq!(refused, Err(expected));
    }
    assert!(lanes.is_empty());
}

#[test]
fn publish_topic_of_65535_bytes_is_accepted() {
    let (client, lanes) = client_with(Some(10), usize::MAX);
    let topic = "a".repeat(65_535);
    assert_eq!(
        client.try_publish(topic.as_str(), QoS::AtMostOnce, false, "x"),
        Ok(())
    );
    assert_eq!(
        drain(&lanes.publish),
        [publish(&topic, QoS::AtMostOnce, false, b"x")]
    );
}

#[tokio::test]
async fn every_send_mode_refuses_an_invalid_topic_before_sending() {
    let (client, lanes) = client();
    let reason = |result: Result<_, ClientError>| match result {
        Err(ClientError::InvalidTopic { reason, .. }) => Some(reason),
        _ => None,
    };
    let wildcard = Some(InvalidTopic::Wildcard);
    assert_eq!(
        reason(client.publish("+", QoS::AtMostOnce, false, "x").await),
        wildcard
    );
    assert_eq!(
        reason(
            client
                .publish_tracked("+", QoS::AtMostOnce, false, "x")
                .await
                .map(drop)
        ),
        wildcard
    );
    let options = PublishOptions::at_most_once();
    assert_eq!(
        reason(client.publish_with_options("+", "x", options).await),
        wildcard
    );
    let blocking = Client(client.clone());
    assert_eq!(
        reason(blocking.publish("+", QoS::AtMostOnce, false, "x")),
        wildcard
    );
    assert_eq!(
        reason(
            blocking
                .publish_tracked("+", QoS::AtMostOnce, false, "x")
                .map(drop)
        ),
        wildcard
    );
    assert!(lanes.is_empty());
}

#[test]
fn publish_frame_over_the_maximum_outgoing_size_is_refused() {
    // Remaining length 2 (topic length) + 1 (topic) + 2 (pkid) + 95 = 100: frame of 102 bytes.
    let (client, lanes) = client_with(Some(10), 101);
    let error = client.try_publish("t", QoS::AtLeastOnce, false, [7u8; 95]);
    let request = Box::new(publish("t", QoS::AtLeastOnce, false, &[7u8; 95]));
    let expected = ClientError::PayloadTooLarge {
        size: 102,
        max: 101,
        request,
    };
    assert_eq!(error, Err(expected));
    assert!(lanes.is_empty());
}

#[test]
fn publish_frame_of_exactly_the_maximum_size_is_accepted() {
    let (client, lanes) = client_with(Some(10), 102);
    assert_eq!(
        client.try_publish("t", QoS::AtLeastOnce, false, [7u8; 95]),
        Ok(())
    );
    // QoS 0 has no packet id, so the same payload plus two bytes fits too.
    assert_eq!(
        client.try_publish("t", QoS::AtMostOnce, false, [7u8; 97]),
        Ok(())
    );
    assert_eq!(lanes.publish.len(), 2);
}

#[test]
fn subscribe_and_unsubscribe_frames_over_the_maximum_size_are_refused() {
    // SUBSCRIBE "a/b": 2 (pkid) + 2 + 3 + 1 (options) = 8, frame 10; UNSUBSCRIBE: 7, frame 9.
    let (client, lanes) = client_with(Some(10), 8);
    let request = Box::new(subscribe("a/b", QoS::AtMostOnce));
    let expected = ClientError::PayloadTooLarge {
        size: 10,
        max: 8,
        request,
    };
    assert_eq!(client.try_subscribe("a/b", QoS::AtMostOnce), Err(expected));
    let request = Box::new(unsubscribe(&["a/b"]));
    let expected = ClientError::PayloadTooLarge {
        size: 9,
        max: 8,
        request,
    };
    assert_eq!(client.try_unsubscribe("a/b"), Err(expected));
    assert!(lanes.is_empty());
}

#[test]
fn validated_topic_applies_the_publish_topic_rules() {
    assert_eq!(ValidatedTopic::new(""), Err(InvalidTopic::Empty));
    assert_eq!(ValidatedTopic::new("a/#"), Err(InvalidTopic::Wildcard));
    assert_eq!(ValidatedTopic::new("a\0"), Err(InvalidTopic::NullCharacter));
    let topic = ValidatedTopic::new("a/b").map(String::from);
    assert_eq!(topic, Ok("a/b".to_owned()));
}

#[test]
fn publish_to_a_validated_topic_is_sent_unchanged() {
    let (client, lanes) = client();
    let topic = ValidatedTopic::new("sensors/1").unwrap();
    assert_eq!(topic.as_str(), "sensors/1");
    assert_eq!(
        client.try_publish(topic, QoS::ExactlyOnce, true, "on"),
        Ok(())
    );
    assert_eq!(
        drain(&lanes.publish),
        [publish("sensors/1", QoS::ExactlyOnce, true, b"on")]
    );
}

/// The hot-loop promise of `ValidatedTopic`: every publish to a clone of it shares the
/// same topic bytes (no copy, no allocation), and a `String` topic moves in without a copy.
#[test]
fn publishes_share_the_bytes_of_a_validated_topic_and_keep_a_string_topic() {
    let (client, lanes) = client();
    let topic = ValidatedTopic::new("sensors/1").unwrap();
    let owned = String::from("sensors/2");
    let owned_at = owned.as_ptr();
    for _ in 0..3 {
        client
            .try_publish(topic.clone(), QoS::AtMostOnce, false, "x")
            .unwrap();
    }
    client
        .try_publish(owned, QoS::AtMostOnce, false, "y")
        .unwrap();
    let topics: Vec<(*const u8, Bytes)> = drain(&lanes.publish)
        .into_iter()
        .map(|request| match request {
            Request::Publish(publish) => (publish.topic.as_ptr(), publish.topic),
            other => panic!("not a publish: {other:?}"),
        })
        .collect();
    assert_eq!(topics.len(), 4);
    for (at, bytes) in &topics[..3] {
        assert_eq!(*at, topic.as_str().as_ptr());
        assert_eq!(&bytes[..], b"sensors/1");
    }
    assert_eq!(topics[3].0, owned_at);
    assert_eq!(&topics[3].1[..], b"sensors/2");
}
