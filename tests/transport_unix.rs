//! Unix domain sockets: a round trip through a private mosquitto's socket listener, and a
//! missing socket reported as an I/O error.

#![cfg(unix)]

mod support;

use std::io;
use std::path::PathBuf;

use rumqttc::{Broker, ConnectionError, EventLoop, MqttOptions, Transport};
use support::mosquitto::{Mosquitto, MosquittoConfig, TempDir, within};
use support::transport::assert_roundtrip;

/// A broker with a Unix socket listener at `{dir}/mqtt.sock`, and that path.
fn unix_broker() -> (Mosquitto, PathBuf) {
    let broker = Mosquitto::start(MosquittoConfig::default().line("listener 0 {dir}/mqtt.sock"));
    let path = broker.dir().join("mqtt.sock");
    (broker, path)
}

#[tokio::test]
async fn unix_socket_pubsub_through_mosquitto_delivers_exact_payloads() {
    let (_broker, path) = unix_broker();
    let sub = MqttOptions::new("unix-sub", Broker::unix(&path));
    let publisher = MqttOptions::new("unix-pub", Broker::unix(&path));
    assert!(matches!(sub.transport(), Transport::Unix));
    assert_roundtrip(sub, publisher, "unix/socket").await;
}

#[cfg(feature = "url")]
#[tokio::test]
async fn unix_url_pubsub_through_mosquitto_delivers_exact_payloads() {
    let (_broker, path) = unix_broker();
    let url = |id: &str| format!("unix://{}?client_id={id}", path.display());
    let sub = MqttOptions::parse_url(url("unix-url-sub")).unwrap();
    let publisher = MqttOptions::parse_url(url("unix-url-pub")).unwrap();
    assert_eq!(sub.broker().unix_path(), Some(path.as_path()));
    assert_roundtrip(sub, publisher, "unix/url").await;
}

#[tokio::test]
async fn unix_socket_that_does_not_exist_fails_with_io_not_found() {
    let dir = TempDir::new("unix-missing");
    let options = MqttOptions::new("unix-missing", Broker::unix(dir.path().join("none.sock")));

    let error = within("the first poll", EventLoop::new(options, 10).poll()).await;

    assert!(
        matches!(&error, Err(ConnectionError::Io(e)) if e.kind() == io::ErrorKind::NotFound),
        "{error:?}"
    );
}

#[test]
fn unix_broker_fits_only_the_unix_transport() {
    let mut options = MqttOptions::new("unix-mismatch", Broker::unix("/run/mqtt.sock"));

    assert!(options.try_set_transport(Transport::tcp()).is_err());
    assert!(options.try_set_transport(Transport::unix()).is_ok());
    assert_eq!(options.broker().tcp_address(), None);
}
