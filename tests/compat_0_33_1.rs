//! Compile check against the 0.33.1 surface: code written the way downstream users of
//! `rumqttc-v4-next` 0.33.1 write it, for every item where we claim compatibility. What
//! does not compile against us is listed in MIGRATION.md with what to write instead; the
//! few lines here marked "MIGRATION" use that replacement. The tests also run the code
//! that needs no broker.

use std::borrow::Cow;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use rumqttc::mqttbytes::{self, Protocol, QoS as CodecQoS};
use rumqttc::v4::{ConnAck, ConnectReturnCode, PubAck, SubAck, SubscribeReasonCode};
use rumqttc::{
    AsyncClient, AsyncClientBuilder, Broker, Client, ClientBuilder, ClientError, ConnectAuth,
    ConnectionError, Event, EventLoop, Incoming, LastWill, ManualAck, MqttOptions,
    MqttOptionsBuilder, MqttState, MqttStateBuilder, NetworkOptions, NoticeFailureReason, Outgoing,
    Packet, PublishNotice, PublishNoticeError, PublishResult, PublishTopic, QoS, RecvTimeoutError,
    Request, StateError, SubscribeFilter, SubscribeNoticeError, Transport, TryRecvError,
    ValidatedTopic,
};

/// Marks a binding as used, as application code would use it.
fn used<T>(_value: T) {}

// ---- publishing: generic payloads, topics, every variant --------------------------------

/// The generic publisher of 0.33.1 code: any `Into<Vec<u8>>` payload, any topic.
async fn publish_all<T, V>(client: &AsyncClient, topic: T, payload: V) -> Result<(), ClientError>
where
    T: Into<PublishTopic> + Clone,
    V: Into<Vec<u8>> + Clone,
{
    client
        .publish(topic.clone(), QoS::AtLeastOnce, false, payload.clone())
        .await?;
    client.try_publish(topic.clone(), QoS::AtMostOnce, true, payload.clone())?;
    let _: PublishNotice = client
        .publish_tracked(topic.clone(), QoS::ExactlyOnce, false, payload.clone())
        .await?;
    let _: PublishNotice =
        client.try_publish_tracked(topic.clone(), QoS::AtLeastOnce, false, payload)?;
    client
        .publish_bytes(
            topic.clone(),
            QoS::AtLeastOnce,
            false,
            Bytes::from_static(b"b"),
        )
        .await?;
    let _: PublishNotice = client
        .publish_bytes_tracked(topic, QoS::AtLeastOnce, false, Bytes::from_static(b"b"))
        .await?;
    Ok(())
}

/// The same for the blocking client.
fn publish_all_blocking<V: Into<Vec<u8>> + Clone>(
    client: &Client,
    payload: V,
) -> Result<(), ClientError> {
    client.publish("a/b", QoS::AtLeastOnce, false, payload.clone())?;
    client.try_publish(String::from("a/b"), QoS::AtLeastOnce, false, payload)?;
    Ok(())
}

async fn publish_every_payload_type(client: &AsyncClient) -> Result<(), ClientError> {
    let topic = ValidatedTopic::new("a/b").expect("valid topic");
    publish_all(client, topic, vec![1u8, 2]).await?;
    publish_all(client, "a/b", "text").await?;
    publish_all(client, String::from("a/b"), String::from("owned")).await?;
    publish_all(client, Cow::Borrowed("a/b"), Cow::Borrowed(&b"cow"[..])).await?;
    publish_all(client, "a/b", &b"slice"[..]).await?;
    publish_all(client, "a/b", [0u8; 4]).await?;
    publish_all(client, "a/b", std::ffi::CString::new("c").expect("no NUL")).await?;
    publish_all(client, "a/b", std::collections::VecDeque::from(vec![1u8])).await
}

// ---- subscribing, acks, disconnect ------------------------------------------------------

async fn subscribe_ack_disconnect(client: &AsyncClient, publish: &rumqttc::Publish) {
    let _ = client.subscribe("a/+", QoS::AtLeastOnce).await;
    let _ = client.try_subscribe(String::from("a/#"), QoS::AtMostOnce);
    let _ = client
        .subscribe_many(vec![SubscribeFilter::new("x".to_owned(), QoS::AtLeastOnce)])
        .await;
    let _ = client.try_subscribe_many([SubscribeFilter::new("y".into(), QoS::ExactlyOnce)]);
    if let Ok(notice) = client.subscribe_tracked("a/+", QoS::AtLeastOnce).await {
        match notice.wait_async().await {
            Ok(SubAck { return_codes, .. }) => used(return_codes),
            Err(SubscribeNoticeError::V4SubAckFailure(codes)) => used(codes),
            Err(SubscribeNoticeError::SessionReset | SubscribeNoticeError::Recv) => {}
            // MIGRATION: notice errors are #[non_exhaustive] (and add `Abandoned`).
            Err(_) => {}
        }
    }
    let _ = client.try_subscribe_tracked("a/+", QoS::AtLeastOnce);
    let _ = client.unsubscribe("a/+").await;
    let _ = client.try_unsubscribe(String::from("a/+"));
    if let Ok(notice) = client.unsubscribe_tracked("a/+").await {
        let _ = notice.wait_completion_async().await;
    }
    let _ = client.try_unsubscribe_tracked("a/+");
    let ack: Option<ManualAck> = client.prepare_ack(publish);
    if let Some(ack) = ack {
        let _ = client.manual_ack(ack).await;
        let _ = client.try_manual_ack(ack);
    }
    let _ = client.ack(publish).await;
    let _ = client.try_ack(publish);
    let _ = client.disconnect().await;
    let _ = client.disconnect_with_timeout(Duration::from_secs(1)).await;
    let _ = client.disconnect_now().await;
    let _ = client.try_disconnect();
    let _ = client.try_disconnect_with_timeout(Duration::from_secs(1));
    let _ = client.try_disconnect_now();
}

async fn publish_result(client: &AsyncClient) {
    let Ok(notice) = client
        .publish_tracked("a", QoS::AtLeastOnce, false, "x")
        .await
    else {
        return;
    };
    match notice.wait_async().await {
        Ok(PublishResult::Qos0Flushed) => {}
        Ok(PublishResult::Qos1(PubAck { pkid })) => used(pkid),
        Ok(PublishResult::Qos2Completed(pubcomp)) => used(pubcomp),
        Err(PublishNoticeError::SessionReset | PublishNoticeError::Recv) => {}
        Err(PublishNoticeError::Qos0NotFlushed) => {}
        // MIGRATION: #[non_exhaustive].
        Err(_) => {}
    }
}

// ---- the event loop ---------------------------------------------------------------------

/// A 0.33.1 poll loop: match events and errors, reconnect by polling again.
async fn poll_loop(mut eventloop: EventLoop) {
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Incoming::Publish(publish))) => {
                let _: Bytes = publish.topic;
                let _: Bytes = publish.payload;
            }
            Ok(Event::Incoming(Packet::ConnAck(ConnAck {
                session_present,
                code: ConnectReturnCode::Success,
            }))) => used(session_present),
            Ok(Event::Outgoing(Outgoing::Publish(pkid) | Outgoing::AwaitAck(pkid))) => used(pkid),
            Ok(_) => {}
            Err(ConnectionError::RequestsDone) => break,
            Err(ConnectionError::ConnectionRefused(ConnectReturnCode::BadUserNamePassword)) => {
                break;
            }
            Err(ConnectionError::MqttState(StateError::AwaitPingResp)) => {}
            Err(ConnectionError::MqttState(StateError::Deserialization(error))) => used(error),
            Err(
                // 0.33.1 wrote `NetworkTimeout`; the variant now names the broker
                // (MIGRATION.md, `ConnectionError`).
                ConnectionError::NetworkTimeout { .. }
                | ConnectionError::FlushTimeout
                | ConnectionError::DisconnectTimeout
                | ConnectionError::BrokerTransportMismatch,
            ) => {}
            Err(ConnectionError::Io(error)) => used(error),
            Err(ConnectionError::NotConnAck(packet)) => used(packet),
            Err(ConnectionError::SessionStateMismatch {
                clean_session,
                session_present,
            }) => used((clean_session, session_present)),
            #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
            Err(ConnectionError::Tls(error)) => used(error),
            #[cfg(feature = "websocket")]
            Err(ConnectionError::Websocket(error)) => used(error),
            #[cfg(feature = "proxy")]
            Err(ConnectionError::Proxy(error)) => used(error),
            // MIGRATION: #[non_exhaustive].
            Err(_) => {}
        }
    }
}

/// Reaching into the loop between polls, as 0.33.1 code does.
fn inspect_eventloop(eventloop: &mut EventLoop) -> usize {
    let _: &MqttOptions = &eventloop.mqtt_options;
    let _: &MqttState = &eventloop.state;
    let _: u16 = eventloop.state.inflight();
    let _ = eventloop.state.events.len();
    let _ = eventloop.state.collision.is_some();
    let mut network: NetworkOptions = eventloop.network_options();
    network.set_connection_timeout(7);
    eventloop.set_network_options(network);
    eventloop.network_options.set_tcp_nodelay(true);
    eventloop.clean();
    let _: bool = eventloop.pending_is_empty();
    eventloop.reset_session_state();
    eventloop.drain_pending_as_failed(NoticeFailureReason::SessionReset) + eventloop.pending_len()
}

// ---- options -----------------------------------------------------------------------------

fn options_033() -> MqttOptions {
    let mut options = MqttOptions::new("client", ("localhost", 1883));
    options
        .set_keep_alive(5)
        .set_clean_session(false)
        .set_max_packet_size(20 * 1024, 20 * 1024)
        .set_inflight(10)
        .set_request_channel_capacity(10)
        .set_max_request_batch(8)
        .set_read_batch_size(16)
        .set_pending_throttle(Duration::from_micros(10))
        .set_manual_acks(false)
        .set_credentials("user", "password")
        .set_last_will(LastWill::new("will", "gone", QoS::AtLeastOnce, false))
        .set_transport(Transport::tcp());
    options.set_username("user").clear_auth();
    options.set_auth(ConnectAuth::Username {
        username: "user".into(),
    });
    options.set_client_id("client-2".to_owned());
    let mut network = NetworkOptions::new();
    network.set_tcp_nodelay(true);
    network.set_tcp_send_buffer_size(4096);
    network.set_tcp_recv_buffer_size(4096);
    network.set_connection_timeout(5);
    options.set_network_options(network);
    options
}

fn builder_033() -> MqttOptions {
    let builder: MqttOptionsBuilder =
        MqttOptions::builder("client", Broker::tcp("localhost", 1883))
            .keep_alive(5)
            .clean_session(true)
            .inflight(20)
            .manual_acks(true)
            .request_channel_capacity(4)
            .credentials("user", "password");
    builder.build()
}

#[cfg(feature = "websocket")]
fn websocket_options_033() -> Result<MqttOptions, rumqttc::OptionError> {
    let mut options = MqttOptions::new("ws", Broker::websocket("ws://localhost:8080/mqtt")?);
    options.set_transport(Transport::ws());
    options.set_request_modifier(|request| async move { request });
    // MIGRATION: the modifier is a `RequestModifier` handle, not a bare `Arc<dyn Fn>`.
    let _modifier = options.request_modifier();
    Ok(options)
}

#[cfg(feature = "url")]
fn url_options_033() -> Result<MqttOptions, rumqttc::OptionError> {
    MqttOptions::parse_url("mqtt://localhost:1883?client_id=url&keep_alive_secs=5")
}

#[cfg(feature = "use-rustls-no-provider")]
fn tls_options_033(ca: Vec<u8>) -> MqttOptions {
    let mut options = MqttOptions::new("tls", ("localhost", 8883));
    options.set_transport(Transport::tls(ca, None, None));
    options.set_transport(Transport::tls_with_config(
        rumqttc::TlsConfiguration::Simple {
            ca: Vec::new(),
            alpn: None,
            client_auth: None,
        },
    ));
    options
}

// ---- builders and the blocking client ----------------------------------------------------

fn blocking_033() {
    let (client, mut connection): (Client, _) =
        ClientBuilder::new(options_033()).capacity(10).build();
    let _ = publish_all_blocking(&client, vec![1u8]);
    let _ = client.subscribe("a/b", QoS::AtMostOnce);
    let _ = client.disconnect();
    let _: &mut EventLoop = &mut connection.eventloop;
    match connection.try_recv() {
        Ok(Ok(event)) => used(event),
        Ok(Err(error)) => used(error),
        Err(TryRecvError::Empty | TryRecvError::Disconnected) => {}
    }
    match connection.recv_timeout(Duration::from_millis(1)) {
        Ok(result) => used(result),
        Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {}
    }
    for notification in connection.iter().take(1) {
        used(notification);
    }
}

// ---- codec and state ---------------------------------------------------------------------

#[test]
fn codec_and_state_items_keep_their_0_33_1_shape() {
    assert_eq!(mqttbytes::qos(1).ok(), Some(CodecQoS::AtLeastOnce));
    assert!(mqttbytes::matches("a/b", "a/+"));
    assert!(mqttbytes::valid_filter("a/#") && mqttbytes::valid_topic("a/b"));
    assert!(!mqttbytes::has_wildcards("a/b"));
    assert_eq!(Protocol::V4.level(), 4);
    let mut buffer = BytesMut::new();
    let mut publish = rumqttc::Publish::new("a/b", QoS::AtLeastOnce, vec![1, 2, 3]);
    publish.pkid = 1;
    Packet::Publish(publish.clone())
        .write(&mut buffer, 1024)
        .expect("encodes");
    assert_eq!(
        Packet::read(&mut buffer, 1024),
        Ok(Packet::Publish(publish))
    );
    assert_eq!(
        SubscribeReasonCode::try_from(0x80).ok(),
        Some(SubscribeReasonCode::Failure)
    );
    let state: MqttState = MqttStateBuilder::new(10).manual_acks(true).build();
    assert_eq!(state.inflight(), 0);
    assert_eq!(state.ack_mode, rumqttc::AckMode::Manual);
    assert_eq!(
        Request::from(rumqttc::Subscribe::new("a", QoS::AtMostOnce)),
        Request::Subscribe(rumqttc::Subscribe::new("a", QoS::AtMostOnce))
    );
}

#[cfg(feature = "codec")]
#[test]
fn tokio_util_codec_frames_packets() {
    use tokio_util::codec::{Decoder, Encoder};
    let mut codec = mqttbytes::v4::Codec {
        max_incoming_size: 1024,
        max_outgoing_size: 1024,
    };
    let mut buffer = BytesMut::new();
    codec.encode(Packet::PingReq, &mut buffer).expect("encodes");
    assert_eq!(
        codec.decode(&mut buffer).expect("decodes"),
        Some(Packet::PingReq)
    );
    assert_eq!(codec.decode(&mut buffer).expect("needs more"), None);
}

#[tokio::test]
async fn generic_publishers_send_every_request_in_order() {
    let (tx, rx) = flume::unbounded();
    let client = AsyncClient::from_senders(tx);
    // Tracked calls fail on a sink client (no event loop), as in 0.33.1.
    assert!(matches!(
        publish_all(&client, "a/b", "x").await,
        Err(ClientError::TrackingUnavailable(_))
    ));
    let topics: Vec<Bytes> = rx
        .drain()
        .map(|request| match request {
            Request::Publish(publish) => publish.topic,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        topics,
        [Bytes::from_static(b"a/b"), Bytes::from_static(b"a/b")]
    );
}

#[test]
fn options_setters_and_builders_store_what_they_are_given() {
    let options = options_033();
    assert_eq!(options.keep_alive(), Duration::from_secs(5));
    assert!(!options.clean_session());
    assert_eq!(options.inflight(), 10);
    assert_eq!(options.client_id(), "client-2");
    assert_eq!(options.max_packet_size(), 20 * 1024);
    let built = builder_033();
    assert!(built.manual_acks());
    assert_eq!(built.request_channel_capacity(), 4);
    let _: AsyncClientBuilder = AsyncClient::builder(built.clone()).unbounded();
    let (_client, mut eventloop) = AsyncClient::builder(built).capacity(0).build();
    assert_eq!(inspect_eventloop(&mut eventloop), 0);
    #[cfg(feature = "websocket")]
    assert!(
        websocket_options_033()
            .expect("ws url")
            .request_modifier()
            .is_some()
    );
    #[cfg(feature = "url")]
    assert_eq!(url_options_033().expect("url").client_id(), "url");
    #[cfg(feature = "use-rustls-no-provider")]
    used(tls_options_033(Vec::new()));
    let _ = EventLoop::new(options_033(), 10);
}

/// Compiled only: these need a broker.
#[allow(dead_code)]
async fn needs_a_broker(client: AsyncClient, eventloop: EventLoop, publish: rumqttc::Publish) {
    publish_every_payload_type(&client).await.ok();
    subscribe_ack_disconnect(&client, &publish).await;
    publish_result(&client).await;
    poll_loop(eventloop).await;
    blocking_033();
}
