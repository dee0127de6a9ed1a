//! One small adapter trait over the three client crates, so every scenario is written once.
//! Each adapter is a direct call of the crate's public API, with nothing added.

use std::future::Future;

use bytes::Bytes;

use crate::scenario::fail;

/// How the client reaches the broker.
#[derive(Clone, Debug)]
pub enum Wire {
    /// Plain TCP.
    Tcp,
    /// TLS (rustls) trusting only this CA certificate (PEM).
    Tls {
        /// The CA certificate that signed the server's.
        ca: Vec<u8>,
    },
    /// WebSocket (`ws://`, subprotocol `mqtt`).
    Ws,
}

/// How to configure a client; the same values go to every crate.
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
    /// TCP, TLS or WebSocket.
    pub wire: Wire,
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
    /// A DISCONNECT was handed to the network.
    Disconnected,
    /// Anything else.
    Other,
    /// `poll` returned an error.
    Failed,
}

/// The client API the scenarios drive. Every future is `Send`, so the multi-thread runtime
/// can run it in a spawned task.
pub trait ClientApi: 'static {
    /// The cloneable request handle.
    type Client: Clone + Send + Sync + 'static;
    /// The event loop.
    type Loop: Send + 'static;
    /// A publish topic checked once, as a hot loop keeps it (the crate's `ValidatedTopic`
    /// where it has one).
    type Topic: Clone + Send + Sync + 'static;

    /// Builds a client and its event loop (nothing is connected before the first poll).
    fn build(setup: &Setup) -> (Self::Client, Self::Loop);
    /// Checks a topic name once for many publishes.
    fn topic(name: &str) -> Self::Topic;
    /// Queues one publish; false when the client refused it.
    fn publish(
        client: &Self::Client,
        topic: &Self::Topic,
        qos: u8,
        payload: Vec<u8>,
    ) -> impl Future<Output = bool> + Send;
    /// Queues one subscribe; false when the client refused it.
    fn subscribe(client: &Self::Client, filter: &str, qos: u8)
    -> impl Future<Output = bool> + Send;
    /// Queues a graceful DISCONNECT; false when the client refused it.
    fn disconnect(client: &Self::Client) -> impl Future<Output = bool> + Send;
    /// Polls the event loop once.
    fn poll(event_loop: &mut Self::Loop) -> impl Future<Output = Polled> + Send;
}

/// Implements [`ClientApi`] for `$name` over the crate `$krate`. The crates share every
/// call but building the client and `publish`: `$build` makes the `(client, event_loop)`
/// from `$setup`, `$topic` checks the name `$name_arg` once, and `$publish` is the publish
/// call over the names bound to the client, a topic clone, the crate's `QoS` and the
/// payload.
macro_rules! client_adapter {
    (
        $name:ident, $krate:ident,
        build: |$setup:ident| $build:expr,
        topic: $topic_ty:ty = |$topic_name:ident| $topic:expr,
        publish: |$client:ident, $topic_arg:ident, $qos:ident, $payload:ident| $publish:expr
    ) => {
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
            type Topic = $topic_ty;

            fn topic($topic_name: &str) -> Self::Topic {
                $topic
            }

            fn build($setup: &Setup) -> (Self::Client, Self::Loop) {
                let (client, mut event_loop) = $build;
                let mut network = event_loop.network_options();
                network.set_tcp_nodelay($setup.nodelay);
                event_loop.set_network_options(network);
                (client, event_loop)
            }

            fn publish(
                client: &Self::Client,
                topic: &Self::Topic,
                qos: u8,
                payload: Vec<u8>,
            ) -> impl Future<Output = bool> + Send {
                let ($client, $topic_arg, $qos, $payload) =
                    (client, topic.clone(), Self::qos(qos), payload);
                async move { $publish.await.is_ok() }
            }

            fn subscribe(
                client: &Self::Client,
                filter: &str,
                qos: u8,
            ) -> impl Future<Output = bool> + Send {
                let (filter, qos) = (filter.to_owned(), Self::qos(qos));
                async move { client.subscribe(filter, qos).await.is_ok() }
            }

            fn disconnect(client: &Self::Client) -> impl Future<Output = bool> + Send {
                async move { client.disconnect().await.is_ok() }
            }

            fn poll(event_loop: &mut Self::Loop) -> impl Future<Output = Polled> + Send {
                use $krate::{Event, Outgoing, Packet};
                async move {
                    match event_loop.poll().await {
                        Ok(Event::Outgoing(Outgoing::Publish(_))) => Polled::Sent,
                        Ok(Event::Outgoing(Outgoing::Disconnect)) => Polled::Disconnected,
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
        }
    };
}

/// Builds a `rumqttc-v4-next` client (ours or the reference release; both take the broker,
/// TLS and WebSocket the same way).
macro_rules! v4_next_build {
    ($krate:ident, $setup:expr) => {{
        let setup: &Setup = $setup;
        let mut options = if let Wire::Ws = setup.wire {
            let url = format!("ws://127.0.0.1:{}/mqtt", setup.port);
            let broker =
                $krate::Broker::websocket(url).unwrap_or_else(|_| fail("websocket url refused"));
            $krate::MqttOptions::new(setup.client_id.clone(), broker)
        } else {
            $krate::MqttOptions::new(setup.client_id.clone(), ("127.0.0.1", setup.port))
        };
        if let Wire::Tls { ca } = &setup.wire {
            options.set_transport($krate::Transport::tls(ca.clone(), None, None));
        }
        options.set_keep_alive(60);
        options.set_inflight(setup.inflight);
        $krate::AsyncClient::builder(options)
            .capacity(setup.capacity)
            .build()
    }};
}

/// A topic checked once by a crate's `ValidatedTopic`.
macro_rules! validated_topic {
    ($krate:ident, $name:expr) => {
        $krate::ValidatedTopic::new($name).unwrap_or_else(|_| fail("invalid topic"))
    };
}

/// Our crate (path dependency): `publish(topic, qos, retain, payload)`.
pub struct Ours;

client_adapter!(Ours, ours,
    build: |setup| v4_next_build!(ours, setup),
    topic: ours::ValidatedTopic = |name| validated_topic!(ours, name),
    publish: |client, topic, qos, payload| client.publish(topic, qos, false, payload));

/// The crates.io reference, `rumqttc-v4-next` 0.34: `publish(topic, payload, options)`.
pub struct Reference;

client_adapter!(Reference, reference,
    build: |setup| v4_next_build!(reference, setup),
    topic: reference::ValidatedTopic = |name| validated_topic!(reference, name),
    publish: |client, topic, qos, payload| client
        .publish(topic, payload, reference::PublishOptions::new(qos)));

/// bytebeamio `rumqttc` 0.25: plain TCP only (built without TLS), no validated topic type
/// (each publish takes the topic as a `String`).
pub struct Bytebeam;

client_adapter!(Bytebeam, bytebeam,
    build: |setup| {
        if !matches!(setup.wire, Wire::Tcp) {
            fail("bytebeam runs over plain TCP only");
        }
        let mut options = bytebeam::MqttOptions::new(setup.client_id.clone(), "127.0.0.1", setup.port);
        options.set_keep_alive(std::time::Duration::from_secs(60));
        options.set_inflight(setup.inflight);
        bytebeam::AsyncClient::new(options, setup.capacity)
    },
    topic: String = |name| name.to_owned(),
    publish: |client, topic, qos, payload| client.publish(topic, qos, false, payload));
