//! Sink mode and tracked notices: plain requests in order, notices resolved by their sender.

use super::*;

#[test]
fn sink_client_sends_plain_requests_in_call_order() {
    let (tx, rx) = flume::unbounded();
    let client = AsyncClient::from_senders(tx.clone());
    assert_eq!(
        client.try_publish("a", QoS::AtLeastOnce, false, "x"),
        Ok(())
    );
    assert_eq!(client.try_disconnect_now(), Ok(()));
    assert_eq!(client.try_subscribe("s", QoS::AtMostOnce), Ok(()));
    let blocking = Client::from_sender(tx);
    assert_eq!(blocking.unsubscribe("s"), Ok(()));
    let expected = [
        publish("a", QoS::AtLeastOnce, false, b"x"),
        Request::DisconnectNow(Disconnect),
        subscribe("s", QoS::AtMostOnce),
        unsubscribe(&["s"]),
    ];
    assert_eq!(rx.drain().collect::<Vec<_>>(), expected);
}

#[test]
fn sink_client_tracked_calls_are_unavailable_after_validation() {
    let (tx, rx) = flume::unbounded();
    let client = AsyncClient::from_senders(tx);
    let request = Box::new(publish("a", QoS::AtLeastOnce, false, b"x"));
    let unavailable = Err(ClientError::TrackingUnavailable(request));
    let tracked = client.try_publish_tracked("a", QoS::AtLeastOnce, false, "x");
    assert_eq!(tracked.map(drop), unavailable);
    let invalid = client
        .try_publish_tracked("a/+", QoS::AtLeastOnce, false, "x")
        .map(drop);
    assert!(matches!(invalid, Err(ClientError::InvalidTopic { .. })));
    let (blocking_tx, blocking_rx) = flume::unbounded();
    let blocking = Client::from_sender(blocking_tx);
    let request = Box::new(unsubscribe(&["s"]));
    let tracked = blocking.unsubscribe_tracked("s").map(drop);
    assert_eq!(tracked, Err(ClientError::TrackingUnavailable(request)));
    assert!(rx.is_empty() && blocking_rx.is_empty());
}

#[tokio::test]
async fn tracked_publish_notice_resolves_when_its_sender_completes() {
    let (client, lanes) = client();
    let notice = client
        .publish_tracked("a", QoS::AtLeastOnce, false, "x")
        .await;
    let notice = notice.unwrap();
    let (request, tx) = take_tracked(&lanes.publish);
    let NoticeTx::Publish(tx) = tx else {
        panic!("expected a publish notice sender, got {tx:?}");
    };
    assert_eq!(request, publish("a", QoS::AtLeastOnce, false, b"x"));
    tx.resolve(Ok(PublishResult::Qos1(PubAck::new(1))));
    assert_eq!(
        notice.wait_async().await,
        Ok(PublishResult::Qos1(PubAck::new(1)))
    );
}

#[tokio::test]
async fn tracked_subscribe_notice_resolves_with_the_suback() {
    let (client, lanes) = client();
    let notice = client.subscribe_tracked("a/+", QoS::AtLeastOnce).await;
    let notice = notice.unwrap();
    let (request, tx) = take_tracked(&lanes.control);
    let NoticeTx::Subscribe(tx) = tx else {
        panic!("expected a subscribe notice sender, got {tx:?}");
    };
    assert_eq!(request, subscribe("a/+", QoS::AtLeastOnce));
    let suback = SubAck::new(1, vec![SubscribeReasonCode::Success(QoS::AtLeastOnce)]);
    tx.resolve(Ok(suback.clone()));
    assert_eq!(notice.wait_async().await, Ok(suback));
}

#[test]
fn blocking_tracked_unsubscribe_notice_resolves_with_the_unsuback() {
    let (client, lanes) = client();
    let client = Client(client);
    let notice = client.unsubscribe_many_tracked(["a", "b"]);
    let notice = notice.unwrap();
    let (request, tx) = take_tracked(&lanes.control);
    let NoticeTx::Unsubscribe(tx) = tx else {
        panic!("expected a unsubscribe notice sender, got {tx:?}");
    };
    assert_eq!(request, unsubscribe(&["a", "b"]));
    tx.resolve(Ok(UnsubAck::new(2)));
    assert_eq!(notice.wait(), Ok(UnsubAck::new(2)));
}
