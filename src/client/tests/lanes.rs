//! Lanes and back-pressure: order per send mode, full lanes hand the request back, closed loop.

use super::*;

#[tokio::test]
async fn async_requests_take_their_lanes_in_order() {
    let (client, lanes) = client();
    let sent = [
        client.publish("p/0", QoS::AtMostOnce, false, "0").await,
        client.subscribe("s/+", QoS::AtLeastOnce).await,
        client
            .publish_bytes("p/1", QoS::AtLeastOnce, true, Bytes::from_static(b"1"))
            .await,
        client.unsubscribe("s/+").await,
        client.ack(&incoming(QoS::AtLeastOnce, 3)).await,
        client.manual_ack(ManualAck::PubRec(PubRec::new(4))).await,
        client.disconnect_now().await,
        client
            .publish_with_options("p/2", "2", PublishOptions::exactly_once())
            .await,
        client.disconnect_with_timeout(Duration::from_secs(2)).await,
        client.disconnect().await,
    ];
    assert_eq!(sent, [const { Ok(()) }; 10]);
    assert_lanes(&lanes);
}

#[test]
fn try_requests_take_their_lanes_in_order() {
    let (client, lanes) = client();
    let sent = [
        client.try_publish("p/0", QoS::AtMostOnce, false, "0"),
        client.try_subscribe("s/+", QoS::AtLeastOnce),
        client.try_publish("p/1", QoS::AtLeastOnce, true, "1"),
        client.try_unsubscribe("s/+"),
        client.try_ack(&incoming(QoS::AtLeastOnce, 3)),
        client.try_manual_ack(ManualAck::PubRec(PubRec::new(4))),
        client.try_disconnect_now(),
        client.try_publish("p/2", QoS::ExactlyOnce, false, "2"),
        client.try_disconnect_with_timeout(Duration::from_secs(2)),
        client.try_disconnect(),
    ];
    assert_eq!(sent, [const { Ok(()) }; 10]);
    assert_lanes(&lanes);
}

#[test]
fn blocking_requests_take_their_lanes_in_order() {
    let (client, lanes) = client();
    let client = Client(client);
    let sent = [
        client.publish("p/0", QoS::AtMostOnce, false, "0"),
        client.subscribe("s/+", QoS::AtLeastOnce),
        client.publish_bytes("p/1", QoS::AtLeastOnce, true, Bytes::from_static(b"1")),
        client.unsubscribe("s/+"),
        client.ack(&incoming(QoS::AtLeastOnce, 3)),
        client.manual_ack(ManualAck::PubRec(PubRec::new(4))),
        client.disconnect_now(),
        client.publish_with_options("p/2", "2", PublishOptions::exactly_once()),
        client.disconnect_with_timeout(Duration::from_secs(2)),
        client.disconnect(),
    ];
    assert_eq!(sent, [const { Ok(()) }; 10]);
    assert_lanes(&lanes);
}

/// The lanes after the ten requests of the `*_take_their_lanes_in_order` tests.
fn assert_lanes(lanes: &Lanes) {
    let publishes = [
        publish("p/0", QoS::AtMostOnce, false, b"0"),
        publish("p/1", QoS::AtLeastOnce, true, b"1"),
        publish("p/2", QoS::ExactlyOnce, false, b"2"),
    ];
    assert_eq!(drain(&lanes.publish), publishes);
    let control = [
        subscribe("s/+", QoS::AtLeastOnce),
        unsubscribe(&["s/+"]),
        Request::PubAck(PubAck::new(3)),
        Request::PubRec(PubRec::new(4)),
        Request::DisconnectWithTimeout(Disconnect, Duration::from_secs(2)),
        Request::Disconnect(Disconnect),
    ];
    assert_eq!(drain(&lanes.control), control);
    assert_eq!(
        drain(&lanes.immediate),
        [Request::DisconnectNow(Disconnect)]
    );
}

#[test]
fn try_publish_on_a_full_lane_hands_the_request_back() {
    let (client, lanes) = client_with(Some(1), 1024);
    assert_eq!(client.try_publish("a", QoS::AtMostOnce, false, "1"), Ok(()));
    let request = Box::new(publish("a", QoS::AtMostOnce, false, b"2"));
    let full = Err(ClientError::RequestChannelFull(request));
    assert_eq!(client.try_publish("a", QoS::AtMostOnce, false, "2"), full);
    let tracked = client
        .try_publish_tracked("a", QoS::AtMostOnce, false, "2")
        .map(drop);
    assert_eq!(tracked, full);
    // A full publish lane does not hold back control requests.
    assert_eq!(client.try_subscribe("a", QoS::AtMostOnce), Ok(()));
    assert_eq!(
        drain(&lanes.publish),
        [publish("a", QoS::AtMostOnce, false, b"1")]
    );
}

#[test]
fn try_subscribe_on_a_full_control_lane_hands_the_request_back() {
    let (client, lanes) = client_with(Some(1), 1024);
    assert_eq!(client.try_disconnect(), Ok(()));
    let request = Box::new(subscribe("a", QoS::AtMostOnce));
    let full = Err(ClientError::RequestChannelFull(request));
    assert_eq!(client.try_subscribe("a", QoS::AtMostOnce), full);
    // The immediate lane is unbounded: disconnect_now still gets through.
    assert_eq!(client.try_disconnect_now(), Ok(()));
    assert_eq!(drain(&lanes.control), [Request::Disconnect(Disconnect)]);
    assert_eq!(lanes.immediate.len(), 1);
}

#[tokio::test]
async fn sends_after_the_event_loop_is_gone_are_disconnected() {
    let (client, lanes) = client();
    drop(lanes);
    let closed = |request: Request| Err(ClientError::RequestChannelDisconnected(Box::new(request)));
    let p = || publish("a", QoS::AtLeastOnce, false, b"x");
    assert_eq!(
        client.publish("a", QoS::AtLeastOnce, false, "x").await,
        closed(p())
    );
    assert_eq!(
        client.try_publish("a", QoS::AtLeastOnce, false, "x"),
        closed(p())
    );
    let tracked = client
        .publish_tracked("a", QoS::AtLeastOnce, false, "x")
        .await;
    assert_eq!(tracked.map(drop), closed(p()));
    let blocking = Client(client.clone());
    assert_eq!(
        blocking.publish("a", QoS::AtLeastOnce, false, "x"),
        closed(p())
    );
    let s = subscribe("a", QoS::AtMostOnce);
    assert_eq!(
        blocking.subscribe_tracked("a", QoS::AtMostOnce).map(drop),
        closed(s)
    );
    let now = Request::DisconnectNow(Disconnect);
    assert_eq!(client.try_disconnect_now(), closed(now));
}

#[tokio::test]
async fn zero_capacity_lane_is_a_rendezvous() {
    let (client, lanes) = client_with(Some(0), 1024);
    let request = Box::new(publish("a", QoS::AtMostOnce, false, b"x"));
    let full = Err(ClientError::RequestChannelFull(request));
    assert_eq!(client.try_publish("a", QoS::AtMostOnce, false, "x"), full);
    let receiver =
        tokio::spawn(async move { lanes.publish.recv_async().await.map(|e| e.envelope.request) });
    assert_eq!(
        client.publish("a", QoS::AtMostOnce, false, "x").await,
        Ok(())
    );
    let received = receiver.await.unwrap().unwrap();
    assert_eq!(received, publish("a", QoS::AtMostOnce, false, b"x"));
}

#[test]
fn unbounded_lanes_never_fill() {
    let (client, lanes) = client_with(None, 1024);
    for _ in 0..1000 {
        assert_eq!(client.try_publish("a", QoS::AtMostOnce, false, "x"), Ok(()));
        assert_eq!(client.try_unsubscribe("a"), Ok(()));
    }
    assert_eq!((lanes.publish.len(), lanes.control.len()), (1000, 1000));
}
