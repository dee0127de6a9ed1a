//! An async-first MQTT 3.1.1 client: a strict codec, a sans-IO protocol state machine and
//! an externally polled event loop over TCP, TLS, WebSocket and Unix sockets.
//!
//! # Quick start (async)
//!
//! ```no_run
//! use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut options = MqttOptions::new("rumqtt-async", ("127.0.0.1", 1883));
//! options.set_keep_alive(5);
//! let (client, mut eventloop) = AsyncClient::builder(options).capacity(10).build();
//! client.subscribe("hello/rumqtt", QoS::AtMostOnce).await?;
//! tokio::spawn(async move {
//!     for i in 0..10u8 {
//!         let _ = client.publish("hello/rumqtt", QoS::AtLeastOnce, false, vec![i; 10]).await;
//!     }
//! });
//! loop {
//!     match eventloop.poll().await {
//!         Ok(Event::Incoming(Packet::Publish(publish))) => println!("{:?}", publish.payload),
//!         Ok(_) => {}
//!         // Polling again reconnects after the reconnect backoff: no sleep needed.
//!         Err(error) => eprintln!("connection error: {error}"),
//!     }
//! }
//! # }
//! ```
//!
//! # Quick start (blocking)
//!
//! ```no_run
//! use rumqttc::{Client, MqttOptions, QoS};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let options = MqttOptions::new("rumqtt-sync", ("127.0.0.1", 1883));
//! let (client, mut connection) = Client::builder(options).capacity(10).build();
//! client.subscribe("hello/rumqtt", QoS::AtMostOnce)?;
//! std::thread::spawn(move || {
//!     for i in 0..10u8 {
//!         let _ = client.publish("hello/rumqtt", QoS::AtLeastOnce, false, vec![i; 10]);
//!     }
//! });
//! for notification in connection.iter().take(30) {
//!     println!("{notification:?}");
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Layout
//!
//! The sans-IO core: no sockets, no channels awaited, no clock reads.
//!
//! - [`mqttbytes`]: the MQTT 3.1.1 codec and the topic rules (strict on decode and encode).
//! - `state`: [`MqttState`], the protocol state machine: takes packets and requests,
//!   returns packets to write and [`Event`]s.
//! - `keepalive`: the keep-alive clock, driven with a `now` parameter.
//! - `notice`: tracked notices ([`PublishNotice`], ...), resolved by a send that never waits.
//! - `request`: [`Request`] and [`ManualAck`], what a client asks the event loop to do.
//! - `event`: [`Event`], [`Incoming`] and [`Outgoing`], what the event loop reports.
//! - `options`: [`MqttOptions`] and its parts: values, validation, broker URLs, the CONNECT,
//!   and the transports' configuration types ([`Transport`], TLS, proxy, connector hooks).
//! - `summary`: log-safe one-line packet summaries (no payload, topic or password).
//! - `store`: persistent sessions: the session records, [`SessionStore`],
//!   [`MemorySessionStore`] and [`FileSessionStore`] (the one store that does file IO).
//!
//! The IO shell:
//!
//! - `eventloop`: [`EventLoop`]: connects, reads and writes, times pings, reconnects.
//! - `framed`: the network: read buffer and decode loop, write buffer and flush, [`Traffic`].
//! - `transport`: TCP, TLS, WebSocket, Unix sockets, proxies: one byte stream, opened as
//!   the options' types say (it imports `options`; `options` imports nothing from it).
//! - `client`: [`AsyncClient`] / [`Client`]: cheap handles that validate requests and send
//!   them to the event loop over bounded channels; [`Connection`] drives the blocking one.
//!
//! # Reconnection and back-pressure
//!
//! The event loop makes progress only while the application polls it. After an error,
//! the next [`EventLoop::poll`] reconnects: unacknowledged QoS 1/2 publishes, PUBRELs and
//! pending subscriptions are replayed when the broker resumes the session; when it does not,
//! tracked requests fail with [`NoticeFailureReason::SessionReset`] and untracked ones are
//! sent again. Between failed attempts `poll` waits a jittered exponential [`Backoff`]
//! (fallback brokers are tried in turn, the backoff applied per round); see
//! [`EventLoop::diagnostics`] for what the loop is doing.
//! Requests reach the broker in call order; only a QoS 1/2 publish the full in-flight
//! window blocks lets later subscribes, unsubscribes, acks and disconnects pass. Requests wait
//! in bounded channels: the event loop holds one blocked publish and later ones wait, so
//! `publish().await` waits and `try_publish` reports a full channel. Before `poll` hands out
//! an event it takes the requests that are ready, so the task that drives `poll` may await
//! requests in between; it can block itself only by awaiting a QoS 1/2 publish while the
//! window and the channel are full and no acknowledgement arrives (see [`AsyncClient`]).
//!
//! # Cancel safety
//!
//! [`EventLoop::poll`] is cancel safe: dropping it inside `tokio::select!` loses no packet
//! and no request. Received bytes stay buffered, unflushed bytes are written by the next
//! call, and requests are taken from their channel only when they are handled. A reconnect
//! backoff keeps its deadline: the next call waits only for what is left of it.
//!
//! # Logging
//!
//! Records go through the `log` crate: attempts and CONNACKs at `debug`, connections and
//! reconnect delays at `info`, failures with their causes at `warn`, each packet at `trace`
//! as a summary without payload, password, topic or filter text (topics often carry ids).
//!
//! # Features
//!
//! | feature | enables |
//! |---|---|
//! | `use-rustls` (default) | TLS through rustls with the aws-lc provider |
//! | `use-rustls-aws-lc` / `use-rustls-ring` | rustls with that provider (mutually exclusive) |
//! | `use-rustls-no-provider` | rustls without choosing a provider |
//! | `use-native-tls` | TLS through the platform library |
//! | `websocket` | `ws://` and `wss://` brokers |
//! | `proxy` | HTTP CONNECT proxies |
//! | `url` | `MqttOptions::parse_url` |
//! | `codec` | `mqttbytes::v4::Codec`, a tokio-util `Decoder`/`Encoder` of packets |
//! | `full` | `use-rustls`, `use-native-tls`, `websocket`, `proxy`, `url` and `codec` together |
#![cfg_attr(docsrs, feature(doc_cfg))]
// Library code reports errors; tests may unwrap.
#![cfg_attr(
    not(test),
    warn(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::todo,
        clippy::unimplemented
    )
)]

#[cfg(all(feature = "use-rustls-aws-lc", feature = "use-rustls-ring"))]
compile_error!(
    "features `use-rustls-aws-lc` and `use-rustls-ring` are mutually exclusive: enable only one rustls crypto provider"
);

pub mod mqttbytes;

/// The README's code blocks, compiled as doctests so its snippets keep building.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use mqttbytes::topic::InvalidTopic;
pub use mqttbytes::v4;
pub use mqttbytes::{
    ConnAck, Connect, ConnectAuth, ConnectReturnCode, Disconnect, Error, FixedHeader, LastWill,
    MAX_REMAINING_LENGTH, Packet, PacketType, PingReq, PingResp, Protocol, PubAck, PubComp, PubRec,
    PubRel, Publish, QoS, SubAck, Subscribe, SubscribeFilter, SubscribeReasonCode, UnsubAck,
    Unsubscribe, check, has_wildcards, matches, qos, valid_filter, valid_topic,
};

mod client;
mod event;
mod eventloop;
mod framed;
#[cfg(any(fuzzing, test))]
#[doc(hidden)]
pub mod fuzzing;
mod keepalive;
mod notice;
mod options;
mod request;
mod state;
mod store;
mod summary;
mod transport;

pub use client::{
    AsyncClient, AsyncClientBuilder, Client, ClientBuildError, ClientBuilder, ClientError,
    Connection, IntoPublishPayload, Iter, PublishOptions, PublishTopic, RecvError,
    RecvTimeoutError, TryRecvError, ValidatedTopic,
};
pub use event::{Event, Incoming, Outgoing};
pub use eventloop::{ConnectionError, ConnectionStatus, Diagnostics, EventLoop};
pub use framed::Traffic;
pub use notice::{
    NoticeFailureReason, PublishNotice, PublishNoticeError, PublishResult, SubscribeNotice,
    SubscribeNoticeError, UnsubscribeNotice, UnsubscribeNoticeError,
};
pub use options::AsyncReadWrite;
#[cfg(feature = "websocket")]
pub use options::RequestModifier;
#[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
pub use options::TlsConfiguration;
pub use options::{
    AckMode, Backoff, Broker, ConfigError, MqttOptions, MqttOptionsBuilder, NetworkOptions,
    OptionError, SessionMode, Transport, is_mqtt_minimum_client_id,
};
#[cfg(feature = "proxy")]
pub use options::{Proxy, ProxyAuth, ProxyType};
pub use request::{ManualAck, Request};
pub use state::{
    ConnectionKind, InflightCounts, MqttState, MqttStateBuilder, Resubscribe, StateError,
    Subscriptions,
};
pub use store::{
    Corruption, FileSessionStore, FsyncPolicy, MemorySessionStore, OutgoingEntry, SessionRecord,
    SessionSnapshot, SessionStore, SessionStoreError, SessionStoreKey,
};
#[cfg(feature = "use-native-tls")]
pub use tokio_native_tls;
#[cfg(feature = "use-rustls-no-provider")]
pub use tokio_rustls;
#[cfg(feature = "use-rustls-no-provider")]
pub use transport::PemInput;
#[cfg(feature = "proxy")]
pub use transport::ProxyError;
#[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
pub use transport::TlsError;
#[cfg(feature = "websocket")]
pub use transport::WebsocketError;
pub use transport::default_socket_connect;
