//! One small adapter trait over the two client crates, so every scenario is written once.
//! Each adapter is a direct call of the crate's public API, with nothing added.

use bytes::Bytes;

/// How to configure a client; the same values go to both crates.
pub struct Setup {
    /// Broker port on 127.0.0.1.
    pub port: u16,
    /// Client id.
    pub client_id: String,
    /// Outgoing QoS 1/2 window.
    pub inflight: u16,
    /// Request channel capacity.
    pub capacity: usize,
    /// Whether the socket sets `TCP_NODELAY`.
    pub nodelay: bool,
}

/// What one `poll` produced, reduced to what the scenarios count.
pub enum Polled {
    /// CONNACK arrived.
    ConnAck,
    /// SUBACK arrived.
    SubAck,
    /// A PUBLISH arrived with this payload.
    Publish(Bytes),
    /// PUBACK arrived.
    PubAck,
    /// PUBCOMP arrived.
    PubComp,
    /// A PUBLISH was handed to the network.
    Sent,
    /// Anything else.
    Other,
    /// `poll` returned an error.
    Failed,
}

/// The client API the scenarios drive.
pub trait ClientApi {
    /// The cloneable request handle.
    type Client: Clone + 'static;
    /// The event loop.
    type Loop: 'static;

    /// A publish topic checked once, as a hot loop keeps it (the crate's `ValidatedTopic`).
    type Topic: Clone;

    /// Builds a client and its event loop (nothing is connected before the first poll).
    fn build(setup: &Setup) -> (Self::Client, Self::Loop);
    /// Checks a topic name once for many publishes.
    fn topic(name: &str) -> Self::Topic;
    /// Queues one publish; false when the client refused it.
    async fn publish(client: &Self::Client, topic: &Self::Topic, qos: u8, payload: Vec<u8>)
    -> bool;
    /// Queues one subscribe; false when the client refused it.
    async fn subscribe(client: &Self::Client, filter: &str, qos: u8) -> bool;
    /// Polls the event loop once.
    async fn poll(event_loop: &mut Self::Loop) -> Polled;
}

/// Implements [`ClientApi`] for `$name` over the crate `$krate`. The two crates share
/// every call but `publish`, whose signature differs: `$publish` is that call, written over
/// the names bound to the client, a topic clone, the crate's `QoS` and the payload.
macro_rules! client_adapter {
    ($name:ident, $krate:ident, |$client:ident, $topic:ident, $qos:ident, $payload:ident| $publish:expr) => {
        impl $name {
            /// The crate's `QoS` for a level 0, 1 or 2.
            fn qos(qos: u8) -> $krate::QoS {
                match qos {
                    0 => $krate::QoS::AtMostOnce,
                    1 => $krate::QoS::AtLeastOnce,
                    _ => $krate::QoS::ExactlyOnce,
                }
            }
        }

        impl ClientApi for $name {
            type Client = $krate::AsyncClient;
            type Loop = $krate::EventLoop;
            type Topic = $krate::ValidatedTopic;

            fn topic(name: &str) -> Self::Topic {
                $krate::ValidatedTopic::new(name)
                    .unwrap_or_else(|_| crate::scenario::fail("invalid topic"))
            }

            fn build(setup: &Setup) -> (Self::Client, Self::Loop) {
                let mut options =
                    $krate::MqttOptions::new(setup.client_id.clone(), ("127.0.0.1", setup.port));
                options.set_keep_alive(60);
                options.set_inflight(setup.inflight);
                let (client, mut event_loop) = $krate::AsyncClient::builder(options)
                    .capacity(setup.capacity)
                    .build();
                let mut network = event_loop.network_options();
                network.set_tcp_nodelay(setup.nodelay);
                event_loop.set_network_options(network);
                (client, event_loop)
            }

            async fn publish(
                client: &Self::Client,
                topic: &Self::Topic,
                qos: u8,
                payload: Vec<u8>,
            ) -> bool {
                let ($client, $topic, $qos, $payload) =
                    (client, topic.clone(), Self::qos(qos), payload);
                $publish.await.is_ok()
            }

            async fn subscribe(client: &Self::Client, filter: &str, qos: u8) -> bool {
                client.subscribe(filter, Self::qos(qos)).await.is_ok()
            }

            async fn poll(event_loop: &mut Self::Loop) -> Polled {
                use $krate::{Event, Outgoing, Packet};
                match event_loop.poll().await {
                    Ok(Event::Outgoing(Outgoing::Publish(_))) => Polled::Sent,
                    Ok(Event::Incoming(Packet::Publish(publish))) => {
                        Polled::Publish(publish.payload)
                    }
                    Ok(Event::Incoming(Packet::PubAck(_))) => Polled::PubAck,
                    Ok(Event::Incoming(Packet::PubComp(_))) => Polled::PubComp,
                    Ok(Event::Incoming(Packet::ConnAck(_))) => Polled::ConnAck,
                    Ok(Event::Incoming(Packet::SubAck(_))) => Polled::SubAck,
                    Ok(_) => Polled::Other,
                    Err(_) => Polled::Failed,
                }
            }
        }
    };
}

/// Our crate (path dependency): `publish(topic, qos, retain, payload)`.
pub struct Ours;

client_adapter!(Ours, ours, |client, topic, qos, payload| client
    .publish(topic, qos, false, payload));

/// The crates.io reference, `rumqttc-v4-next` 0.34: `publish(topic, payload, options)`.
pub struct Reference;

client_adapter!(Reference, reference, |client, topic, qos, payload| client
    .publish(topic, payload, reference::PublishOptions::new(qos)));
