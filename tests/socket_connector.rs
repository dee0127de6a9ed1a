//! The application's socket connector: MQTT over an in-memory stream it returns (exact
//! bytes both ways), one call per connection attempt with the broker and the network
//! options, its error as `ConnectionError::Io` naming the broker, and a connector that binds
//! a chosen local address.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use rumqttc::{
    AsyncClient, ConnectionError, Event, EventLoop, MqttOptions, NetworkOptions, Outgoing, QoS,
    default_socket_connect,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use support::loop_driver::{poll_error, poll_event};
use support::packets::{connack_ok, puback};

/// CONNECT for client id `duplex`, clean session, keep-alive 60 s, MQTT 3.1.1.
const CONNECT_BYTES: [u8; 20] = [
    0x10, 18, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 60, 0x00, 0x06, b'd', b'u',
    b'p', b'l', b'e', b'x',
];
/// CONNACK, no session present, accepted.
const CONNACK_BYTES: [u8; 4] = [0x20, 0x02, 0x00, 0x00];
/// PUBLISH QoS 1, packet id 1, topic `a/b`, payload `hi`.
const PUBLISH_BYTES: [u8; 11] = [
    0x32, 9, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x01, b'h', b'i',
];
/// PUBACK for packet id 1.
const PUBACK_BYTES: [u8; 4] = [0x40, 0x02, 0x00, 0x01];

/// What the connector saw on each call.
type Calls = Arc<Mutex<Vec<(String, NetworkOptions)>>>;

/// Options for a broker that is only a name: nothing could reach it but the connector.
fn options(client_id: &str) -> MqttOptions {
    MqttOptions::new(client_id, ("broker.test", 1884))
}

/// Reads exactly `expected.len()` bytes from the broker end and compares them.
async fn expect_bytes(broker: &mut DuplexStream, expected: &[u8]) {
    let mut received = vec![0; expected.len()];
    broker.read_exact(&mut received).await.unwrap();
    assert_eq!(received, expected);
}

#[tokio::test(start_paused = true)]
async fn connector_stream_carries_exact_connect_connack_publish_and_puback_bytes() {
    let (client_end, mut broker) = tokio::io::duplex(1024);
    let stream = Arc::new(Mutex::new(Some(client_end)));
    let mut options = options("duplex");
    options.set_socket_connector(move |_host, _network| {
        let stream = stream.lock().unwrap().take();
        async move { stream.ok_or_else(|| io::Error::other("the duplex stream was used already")) }
    });
    let (client, mut eventloop) = AsyncClient::builder(options).build();
    let (done_tx, done_rx) = oneshot::channel();
    let script = tokio::spawn(async move {
        expect_bytes(&mut broker, &CONNECT_BYTES).await;
        broker.write_all(&CONNACK_BYTES).await.unwrap();
        expect_bytes(&mut broker, &PUBLISH_BYTES).await;
        broker.write_all(&PUBACK_BYTES).await.unwrap();
        done_rx.await.unwrap();
        broker
    });

    assert_eq!(
        poll_event(&mut eventloop).await,
        Event::Incoming(connack_ok())
    );
    client
        .publish("a/b", QoS::AtLeastOnce, false, "hi")
        .await
        .unwrap();
    assert_eq!(
        poll_event(&mut eventloop).await,
        Event::Outgoing(Outgoing::Publish(1))
    );
    assert_eq!(poll_event(&mut eventloop).await, Event::Incoming(puback(1)));
    done_tx.send(()).unwrap();
    drop(script.await.unwrap());
}

/// The first attempt's connector fails; the second gets the same arguments. Each attempt
/// calls it once, with `"host:port"` and the event loop's network options, and its error
/// is `ConnectionError::Io` keeping the kind, naming the broker, with the error as source.
#[tokio::test(start_paused = true)]
async fn connector_is_called_once_per_attempt_with_broker_and_network_options() {
    let calls: Calls = Arc::default();
    let mut network = NetworkOptions::new();
    network.set_tcp_nodelay(true);
    network.set_connection_timeout(7);
    let (client_end, mut broker) = tokio::io::duplex(1024);
    let stream = Arc::new(Mutex::new(Some(client_end)));
    let mut options = options("duplex");
    options.set_network_options(network.clone());
    let seen = Arc::clone(&calls);
    options.set_socket_connector(move |host, network| {
        let mut calls = seen.lock().unwrap();
        calls.push((host, network));
        let result = if calls.len() == 1 {
            Err(io::Error::new(io::ErrorKind::HostUnreachable, "simulated"))
        } else {
            stream
                .lock()
                .unwrap()
                .take()
                .ok_or(io::ErrorKind::NotFound.into())
        };
        async move { result }
    });
    let mut eventloop = EventLoop::new(options, 10);

    let error = poll_error(&mut eventloop).await;
    let ConnectionError::Io(io_error) = &error else {
        panic!("expected ConnectionError::Io, got {error:?}");
    };
    assert_eq!(io_error.kind(), io::ErrorKind::HostUnreachable);
    assert!(error.to_string().contains("broker.test:1884"), "{error}");
    let source = std::error::Error::source(&error).expect("the connector's error as source");
    assert_eq!(source.to_string(), "simulated");
    assert_eq!(calls.lock().unwrap().len(), 1);

    broker.write_all(&CONNACK_BYTES).await.unwrap();
    assert_eq!(
        poll_event(&mut eventloop).await,
        Event::Incoming(connack_ok())
    );
    expect_bytes(&mut broker, &CONNECT_BYTES).await;
    let expected = ("broker.test:1884".to_owned(), network);
    assert_eq!(*calls.lock().unwrap(), vec![expected.clone(), expected]);
}

/// A connector that connects from a chosen local address (127.0.0.2, another loopback
/// address) through `default_socket_connect` and the bind option: the broker sees the
/// connection come from there.
#[tokio::test]
async fn connector_binding_a_local_address_connects_from_it() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let local_ip = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let mut options = MqttOptions::new("bound", ("127.0.0.1", port));
    options.set_socket_connector(move |host, mut network: NetworkOptions| {
        network.set_bind_addr(SocketAddr::new(local_ip, 0));
        default_socket_connect(host, network)
    });
    let mut eventloop = EventLoop::new(options, 10);
    let broker = tokio::spawn(async move {
        let (mut stream, peer) = listener.accept().await.unwrap();
        let mut connect = vec![0; 19];
        stream.read_exact(&mut connect).await.unwrap();
        stream.write_all(&CONNACK_BYTES).await.unwrap();
        (stream, peer)
    });

    assert_eq!(
        support::mosquitto::within("connecting", eventloop.poll())
            .await
            .unwrap(),
        Event::Incoming(connack_ok())
    );
    let (_stream, peer) = broker.await.unwrap();
    assert_eq!(peer.ip(), local_ip);
}

#[test]
fn has_socket_connector_reports_a_connector_set_by_setter_or_builder() {
    let mut options = options("flags");
    assert!(!options.has_socket_connector());
    options.set_socket_connector(default_socket_connect);
    assert!(options.has_socket_connector());
    let built = MqttOptions::builder("flags", "localhost")
        .socket_connector(default_socket_connect)
        .build();
    assert!(built.has_socket_connector());
    assert!(format!("{built:?}").contains("socket_connector: true"));
}

/// TLS is layered over what the connector returns: a rustls round trip through mosquitto
/// with a counting connector that dials with `default_socket_connect`.
#[cfg(any(feature = "use-rustls-aws-lc", feature = "use-rustls-ring"))]
mod over_tls {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use rumqttc::Transport;
    use support::mosquitto::{Mosquitto, MosquittoConfig};

    use super::*;
    use crate::support::transport;

    #[tokio::test]
    async fn tls_runs_over_the_connector_stream() {
        let certs = transport::Certs::new();
        let broker = Mosquitto::start(certs.tls_listener(MosquittoConfig::default(), false));
        let calls = Arc::new(AtomicUsize::new(0));
        let options = |client_id: &str| {
            let calls = Arc::clone(&calls);
            let mut options = broker.options(client_id);
            options
                .set_transport(Transport::tls(certs.ca.clone().into_bytes(), None, None))
                .set_socket_connector(move |host, network| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    default_socket_connect(host, network)
                });
            options
        };

        transport::assert_roundtrip(
            options("connector-tls-sub"),
            options("connector-tls-pub"),
            "connector/tls",
        )
        .await;

        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}
