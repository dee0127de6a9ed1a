//! Client handle tests without a broker: validation, lanes, back-pressure, sink mode, tracked
//! notices, and the blocking facade inside and outside a tokio runtime.

use std::net::TcpListener;
use std::time::Duration;

use bytes::Bytes;

use super::*;
use crate::notice::PublishResult;
use crate::{
    ConnectionError, Disconnect, MqttOptions, PubAck, SubAck, SubscribeReasonCode, UnsubAck,
};

/// The receiving ends of a client's three lanes.
struct Lanes {
    publish: flume::Receiver<Stamped>,
    control: flume::Receiver<Stamped>,
    immediate: flume::Receiver<Stamped>,
}

impl Lanes {
    fn is_empty(&self) -> bool {
        self.publish.is_empty() && self.control.is_empty() && self.immediate.is_empty()
    }
}

/// Every untracked request waiting in `lane`, in order.
fn drain(lane: &flume::Receiver<Stamped>) -> Vec<Request> {
    lane.drain()
        .map(|Stamped { envelope, .. }| {
            assert!(
                envelope.notice.is_none(),
                "untracked request carries a notice"
            );
            envelope.request
        })
        .collect()
}

/// The one tracked request waiting in `lane`, with its notice sender.
fn take_tracked(lane: &flume::Receiver<Stamped>) -> (Request, NoticeTx) {
    let envelope = lane.try_recv().unwrap().envelope;
    (
        envelope.request,
        envelope.notice.expect("tracked request without a notice"),
    )
}

fn client_with(capacity: Option<usize>, max_packet_size: usize) -> (AsyncClient, Lanes) {
    let lane = || capacity.map_or_else(flume::unbounded, flume::bounded);
    let ((publish_tx, publish), (control_tx, control)) = (lane(), lane());
    let (immediate_tx, immediate) = flume::unbounded();
    let tx = RequestTx::Lanes(RequestSenders::new(publish_tx, control_tx, immediate_tx));
    let client = AsyncClient {
        tx,
        limits: Limits::new(max_packet_size),
    };
    (
        client,
        Lanes {
            publish,
            control,
            immediate,
        },
    )
}

fn client() -> (AsyncClient, Lanes) {
    client_with(Some(10), 10 * 1024)
}

fn publish(topic: &str, qos: QoS, retain: bool, payload: &'static [u8]) -> Request {
    let mut publish = Publish::from_bytes(topic, qos, Bytes::from_static(payload));
    publish.retain = retain;
    Request::Publish(publish)
}

fn subscribe(filter: &str, qos: QoS) -> Request {
    Request::Subscribe(Subscribe::new(filter, qos))
}

fn unsubscribe(filters: &[&str]) -> Request {
    let topics = filters.iter().map(|&filter| filter.to_owned()).collect();
    Request::Unsubscribe(Unsubscribe { pkid: 0, topics })
}

fn incoming(qos: QoS, pkid: u16) -> Publish {
    let mut publish = Publish::new("a/b", qos, "x");
    publish.pkid = pkid;
    publish
}

fn options() -> MqttOptions {
    MqttOptions::new("client-tests", ("127.0.0.1", 1883))
}

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

#[test]
fn subscribe_with_invalid_filter_is_refused_and_nothing_is_sent() {
    let (client, lanes) = client_with(Some(10), usize::MAX);
    let long = "a".repeat(65_536);
    let invalid = |filter: &str, reason, request| ClientError::InvalidFilter {
        filter: filter.to_owned(),
        reason,
        request: Box::new(request),
    };
    for (filter, reason) in [
        ("", InvalidTopic::Empty),
        ("a/#/b", InvalidTopic::MisplacedWildcard),
        ("a/b#", InvalidTopic::MisplacedWildcard),
        ("a+/b", InvalidTopic::MisplacedWildcard),
        ("a/\0", InvalidTopic::NullCharacter),
        (long.as_str(), InvalidTopic::TooLong { len: 65_536 }),
    ] {
        let expected = invalid(filter, reason, subscribe(filter, QoS::AtLeastOnce));
        assert_eq!(
            client.try_subscribe(filter, QoS::AtLeastOnce),
            Err(expected)
        );
        let expected = invalid(filter, reason, unsubscribe(&[filter]));
        assert_eq!(client.try_unsubscribe(filter), Err(expected));
    }
    assert!(lanes.is_empty());
}

#[test]
fn valid_filters_with_wildcards_are_accepted() {
    let (client, lanes) = client();
    for filter in ["#", "+", "a/+/b", "a/#", "+/+", "/"] {
        assert_eq!(
            client.try_subscribe(filter, QoS::AtMostOnce),
            Ok(()),
            "{filter}"
        );
    }
    assert_eq!(lanes.control.len(), 6);
}

#[test]
fn subscribe_many_reports_the_first_invalid_filter() {
    let (client, lanes) = client();
    let filters = vec![
        SubscribeFilter::new("ok/1".into(), QoS::AtMostOnce),
        SubscribeFilter::new("bad/#/1".into(), QoS::AtLeastOnce),
        SubscribeFilter::new("".into(), QoS::AtLeastOnce),
    ];
    let request = Box::new(Request::Subscribe(Subscribe::new_many(filters.clone())));
    let expected = ClientError::InvalidFilter {
        filter: "bad/#/1".into(),
        reason: InvalidTopic::MisplacedWildcard,
        request,
    };
    assert_eq!(client.try_subscribe_many(filters), Err(expected));
    assert!(lanes.is_empty());
}

#[test]
fn empty_filter_lists_are_refused() {
    let (client, lanes) = client();
    let empty = Request::Subscribe(Subscribe::new_many([]));
    let expected = ClientError::EmptySubscription(Box::new(empty));
    assert_eq!(client.try_subscribe_many([]), Err(expected.clone()));
    assert_eq!(
        client.try_subscribe_many_tracked([]).map(drop),
        Err(expected)
    );
    let expected = ClientError::EmptySubscription(Box::new(unsubscribe(&[])));
    assert_eq!(
        client.try_unsubscribe_many(Vec::<String>::new()),
        Err(expected)
    );
    assert!(lanes.is_empty());
}

#[test]
fn prepare_ack_answers_by_qos() {
    let (client, _lanes) = client();
    assert_eq!(client.prepare_ack(&incoming(QoS::AtMostOnce, 0)), None);
    let puback = Some(ManualAck::PubAck(PubAck::new(5)));
    assert_eq!(client.prepare_ack(&incoming(QoS::AtLeastOnce, 5)), puback);
    let pubrec = Some(ManualAck::PubRec(PubRec::new(6)));
    assert_eq!(client.prepare_ack(&incoming(QoS::ExactlyOnce, 6)), pubrec);
}

#[test]
fn ack_of_a_qos0_publish_sends_nothing() {
    let (client, lanes) = client();
    assert_eq!(client.try_ack(&incoming(QoS::AtMostOnce, 0)), Ok(()));
    assert_eq!(Client(client).ack(&incoming(QoS::AtMostOnce, 0)), Ok(()));
    assert!(lanes.is_empty());
}

#[test]
fn ack_of_packet_id_zero_is_refused() {
    let (client, lanes) = client();
    let request = Box::new(Request::PubAck(PubAck::new(0)));
    let expected = ClientError::PacketIdZero(request);
    assert_eq!(
        client.try_ack(&incoming(QoS::AtLeastOnce, 0)),
        Err(expected)
    );
    let request = Box::new(Request::PubRec(PubRec::new(0)));
    let expected = ClientError::PacketIdZero(request);
    assert_eq!(
        client.try_manual_ack(ManualAck::PubRec(PubRec::new(0))),
        Err(expected)
    );
    assert!(lanes.is_empty());
}

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

#[test]
fn builder_capacity_bounds_each_lane() {
    let (client, _eventloop) = AsyncClient::builder(options()).capacity(1).build();
    assert_eq!(client.try_publish("a", QoS::AtMostOnce, false, "x"), Ok(()));
    let full = client.try_publish("a", QoS::AtMostOnce, false, "x");
    assert!(matches!(full, Err(ClientError::RequestChannelFull(_))));
    assert_eq!(client.try_subscribe("a", QoS::AtMostOnce), Ok(()));
    let full = client.try_subscribe("a", QoS::AtMostOnce);
    assert!(matches!(full, Err(ClientError::RequestChannelFull(_))));
}

#[test]
fn builder_capacity_defaults_to_the_options_and_unbounded_lifts_it() {
    let mut options = options();
    options.set_request_channel_capacity(2);
    let (client, _eventloop) = AsyncClient::builder(options.clone()).build();
    let sent: Vec<_> = (0..3).map(|_| client.try_disconnect()).collect();
    assert!(matches!(
        sent[..],
        [Ok(()), Ok(()), Err(ClientError::RequestChannelFull(_))]
    ));
    let (client, _connection) = Client::builder(options).unbounded().build();
    for _ in 0..100 {
        assert_eq!(client.try_disconnect(), Ok(()));
    }
}

#[test]
fn builder_checks_the_packet_size_limit_of_the_options() {
    let mut options = options();
    options.set_max_packet_size(1024, 100);
    let (client, _eventloop) = AsyncClient::builder(options).build();
    let error = client.try_publish("t", QoS::AtLeastOnce, false, [0u8; 95]);
    assert!(matches!(
        error,
        Err(ClientError::PayloadTooLarge {
            size: 102,
            max: 100,
            ..
        })
    ));
}

#[test]
fn try_build_refuses_invalid_options_and_build_does_not_panic() {
    let mut options = options();
    options.set_max_packet_size(1024, 0);
    let error = AsyncClient::builder(options.clone()).try_build().err();
    let expected = ConfigError::MaxOutgoingPacketSize;
    assert!(matches!(error, Some(ClientBuildError::Config(ref e)) if *e == expected));
    let error = Client::builder(options.clone()).try_build().err();
    assert!(matches!(error, Some(ClientBuildError::Config(ref e)) if *e == expected));
    let (_client, mut connection) = Client::builder(options).build();
    let first = connection.recv();
    assert!(matches!(first, Ok(Err(ConnectionError::InvalidOptions(ref e))) if *e == expected));
}

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

#[tokio::test]
async fn blocking_client_inside_a_runtime_does_not_panic() {
    let (client, lanes) = client();
    let client = Client(client);
    assert_eq!(client.publish("a", QoS::AtLeastOnce, false, "x"), Ok(()));
    assert_eq!(client.subscribe("a", QoS::AtLeastOnce), Ok(()));
    assert!(
        client
            .publish_tracked("a", QoS::AtMostOnce, false, "x")
            .is_ok()
    );
    assert_eq!(client.disconnect_now(), Ok(()));
    let counts = (
        lanes.publish.len(),
        lanes.control.len(),
        lanes.immediate.len(),
    );
    assert_eq!(counts, (2, 1, 1));
}

/// After `disconnect_now`, every way of receiving reports the finished loop, and the
/// connection is dropped. Port 1: the loop must end before any connection attempt.
fn assert_finished_without_connecting() {
    let (client, mut connection) = Client::builder(MqttOptions::new("c", ("127.0.0.1", 1))).build();
    assert_eq!(client.disconnect_now(), Ok(()));
    assert!(matches!(connection.recv(), Err(RecvError)));
    let received = connection.try_recv();
    assert!(matches!(received, Err(TryRecvError::Disconnected)));
    let received = connection.recv_timeout(Duration::from_secs(1));
    assert!(matches!(received, Err(RecvTimeoutError::Disconnected)));
    assert_eq!(connection.iter().count(), 0);
    // Dropping a runtime inside async code panics unless it is shut down in the background.
    drop(connection);
}

#[test]
fn connection_after_disconnect_now_finishes_without_connecting() {
    assert_finished_without_connecting();
}

#[tokio::test]
async fn connection_inside_a_runtime_does_not_panic() {
    assert_finished_without_connecting();
}

#[test]
fn receive_from_a_silent_broker_times_out_or_is_empty() {
    // The kernel accepts the TCP connection, but nobody ever answers CONNECT.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (_client, mut connection) =
        Client::builder(MqttOptions::new("c", ("127.0.0.1", port))).build();
    let received = connection.recv_timeout(Duration::from_millis(50));
    assert!(matches!(received, Err(RecvTimeoutError::Timeout)));
    assert!(matches!(connection.try_recv(), Err(TryRecvError::Empty)));
}

#[test]
fn client_error_hands_the_request_back() {
    let request = publish("a", QoS::AtMostOnce, false, b"x");
    let error = ClientError::RequestChannelFull(Box::new(request.clone()));
    assert_eq!(error.into_request(), request);
    let reason = InvalidTopic::Empty;
    let error = ClientError::InvalidTopic {
        reason,
        request: Box::new(request.clone()),
    };
    assert_eq!(error.into_request(), request);
}

#[test]
fn publish_options_set_qos_and_retain() {
    assert_eq!(PublishOptions::default(), PublishOptions::at_most_once());
    let options = PublishOptions::at_least_once().retained();
    assert_eq!(
        (options.qos(), options.is_retained()),
        (QoS::AtLeastOnce, true)
    );
    let options = PublishOptions::exactly_once().retain(true).retain(false);
    assert_eq!(
        (options.qos(), options.is_retained()),
        (QoS::ExactlyOnce, false)
    );
    assert_eq!(
        PublishOptions::new(QoS::AtLeastOnce),
        PublishOptions::at_least_once()
    );
}

#[test]
fn every_payload_type_gives_the_same_bytes() {
    let expected = Bytes::from_static(b"abc");
    let vec = b"abc".to_vec();
    let string = String::from("abc");
    let payloads = [
        Bytes::from_static(b"abc").into_publish_payload(),
        BytesMut::from(&b"abc"[..]).into_publish_payload(),
        vec.clone().into_publish_payload(),
        (&vec).into_publish_payload(),
        vec.clone().into_boxed_slice().into_publish_payload(),
        string.clone().into_publish_payload(),
        (&string).into_publish_payload(),
        "abc".into_publish_payload(),
        b"abc".into_publish_payload(),
        (*b"abc").into_publish_payload(),
        vec.as_slice().into_publish_payload(),
    ];
    for payload in payloads {
        assert_eq!(payload, expected);
    }
}

#[test]
fn handles_and_their_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<AsyncClient>();
    assert_send_sync::<Client>();
    let (client, _lanes) = client();
    assert_send(&client.publish("a", QoS::AtMostOnce, false, "x"));
    assert_send(&client.subscribe_tracked("a", QoS::AtMostOnce));
    assert_send(&client.disconnect());
}
