//! `MqttOptions::parse_url` tables: every scheme, every query key, credentials, and every
//! error, with the secure schemes following the compiled TLS backends; arbitrary input
//! never panics; and a parsed URL connects through a private mosquitto.

#![cfg(feature = "url")]

mod support;

use std::time::Duration;

use bytes::Bytes;
use proptest::prelude::*;
use rumqttc::{ConfigError, ConnectAuth, MqttOptions, OptionError, Transport};
use support::mosquitto::{Mosquitto, MosquittoConfig};
use support::transport::assert_roundtrip;
use url::ParseError;

fn parse(url: &str) -> MqttOptions {
    MqttOptions::parse_url(url).unwrap_or_else(|error| panic!("{url}: {error:?}"))
}

/// Exactly one TLS backend is compiled in, so secure schemes get a default configuration.
const ONE_TLS_BACKEND: bool =
    cfg!(feature = "use-rustls-no-provider") != cfg!(feature = "use-native-tls");

#[test]
fn tcp_schemes_give_tcp_brokers_with_default_port_1883() {
    let cases = [
        ("mqtt://broker.local?client_id=a", ("broker.local", 1883)),
        ("tcp://broker.local?client_id=a", ("broker.local", 1883)),
        ("mqtt://10.0.0.1:1884?client_id=a", ("10.0.0.1", 1884)),
        ("tcp://[::1]:1885?client_id=a", ("::1", 1885)),
    ];
    for (url, address) in cases {
        let options = parse(url);
        assert_eq!(options.broker().tcp_address(), Some(address), "{url}");
        assert!(matches!(options.transport(), Transport::Tcp), "{url}");
        assert_eq!(options.client_id(), "a");
    }
}

#[test]
fn secure_tcp_schemes_select_default_tls_only_with_exactly_one_backend() {
    for url in [
        "mqtts://broker?client_id=a",
        "ssl://broker:8884?client_id=a",
    ] {
        let result = MqttOptions::parse_url(url);
        if ONE_TLS_BACKEND {
            let options = result.unwrap();
            let port = if url.starts_with("ssl") { 8884 } else { 8883 };
            assert_eq!(options.broker().tcp_address(), Some(("broker", port)));
            assert!(
                format!("{:?}", options.transport()).starts_with("Tls("),
                "{url}"
            );
        } else {
            assert_eq!(
                result.err(),
                Some(OptionError::SecureUrlRequiresExplicitTransport)
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn unix_scheme_takes_the_percent_decoded_path() {
    let cases = [
        ("unix:///run/mqtt.sock?client_id=a", "/run/mqtt.sock"),
        ("unix:///tmp/my%20socket?client_id=a", "/tmp/my socket"),
        ("unix:///tmp/100%?client_id=a", "/tmp/100%"),
    ];
    for (url, path) in cases {
        let options = parse(url);
        assert_eq!(
            options.broker().unix_path(),
            Some(std::path::Path::new(path)),
            "{url}"
        );
        assert!(matches!(options.transport(), Transport::Unix));
    }
}

#[cfg(feature = "websocket")]
#[test]
fn websocket_schemes_keep_the_path_and_drop_query_and_user_info() {
    let options = parse("ws://user:pw@broker:8080/mqtt?client_id=a");
    assert_eq!(
        options.broker().websocket_url(),
        Some("ws://broker:8080/mqtt")
    );
    assert!(matches!(options.transport(), Transport::Ws));

    let secure = MqttOptions::parse_url("wss://broker/mqtt?client_id=a");
    if ONE_TLS_BACKEND {
        let options = secure.unwrap();
        assert_eq!(options.broker().websocket_url(), Some("ws://broker/mqtt"));
        assert!(format!("{:?}", options.transport()).starts_with("Wss("));
    } else {
        assert_eq!(
            secure.err(),
            Some(OptionError::WssRequiresExplicitTransport)
        );
    }
}

#[test]
fn every_query_key_sets_its_option() {
    let options = parse(
        "mqtt://h?client_id=id&keep_alive_secs=5&clean_session=false\
         &max_incoming_packet_size_bytes=2048&max_outgoing_packet_size_bytes=4096\
         &request_channel_capacity_num=3&max_request_batch_num=7&read_batch_size_num=9\
         &pending_throttle_usecs=250&inflight_num=12",
    );
    assert_eq!(options.client_id(), "id");
    assert_eq!(options.keep_alive(), Duration::from_secs(5));
    assert!(!options.clean_session());
    assert_eq!(options.max_incoming_packet_size(), 2048);
    assert_eq!(options.max_outgoing_packet_size(), 4096);
    assert_eq!(options.request_channel_capacity(), 3);
    assert_eq!(options.max_request_batch(), 7);
    assert_eq!(options.read_batch_size(), 9);
    assert_eq!(options.pending_throttle(), Duration::from_micros(250));
    assert_eq!(options.inflight(), 12);
}

#[test]
fn defaults_hold_for_absent_keys_and_the_last_duplicate_wins() {
    let options = parse(
        "mqtt://h?client_id=&keep_alive_secs=5&keep_alive_secs=6&max_incoming_packet_size_bytes=100",
    );
    let defaults = MqttOptions::new("", "h");
    assert_eq!(options.client_id(), "");
    assert_eq!(options.keep_alive(), Duration::from_secs(6));
    assert_eq!(options.max_incoming_packet_size(), 100);
    assert_eq!(
        options.max_outgoing_packet_size(),
        defaults.max_outgoing_packet_size()
    );
    assert_eq!(options.inflight(), defaults.inflight());
    assert!(options.clean_session());
}

#[test]
fn user_info_sets_percent_decoded_credentials() {
    let with_password = |username: &str, password: &'static [u8]| ConnectAuth::UsernamePassword {
        username: username.to_owned(),
        password: Bytes::from_static(password),
    };
    let cases = [
        (
            "mqtt://user:p%40ss@h?client_id=a",
            with_password("user", b"p@ss"),
        ),
        ("mqtt://:secret@h?client_id=a", with_password("", b"secret")),
        (
            "mqtt://us%20er:%FF@h?client_id=a",
            with_password("us er", b"\xff"),
        ),
        (
            "mqtt://user@h?client_id=a",
            ConnectAuth::Username {
                username: "user".to_owned(),
            },
        ),
        ("mqtt://h?client_id=a", ConnectAuth::None),
    ];
    for (url, auth) in cases {
        assert_eq!(parse(url).auth(), &auth, "{url}");
    }
}

#[test]
fn every_malformed_url_or_value_is_its_error() {
    let cases = [
        (
            "not a url",
            OptionError::Parse(ParseError::RelativeUrlWithoutBase),
        ),
        ("http://h?client_id=a", OptionError::Scheme),
        ("mqtt://h", OptionError::ClientId),
        (
            "mqtt://?client_id=a",
            OptionError::Parse(ParseError::EmptyHost),
        ),
        (
            "mqtt://h?client_id=a&keep_alive_secs=x",
            OptionError::KeepAlive,
        ),
        (
            "mqtt://h?client_id=a&keep_alive_secs=65536",
            OptionError::KeepAlive,
        ),
        (
            "mqtt://h?client_id=a&clean_session=yes",
            OptionError::CleanSession,
        ),
        (
            "mqtt://h?client_id=a&max_incoming_packet_size_bytes=-1",
            OptionError::MaxIncomingPacketSize,
        ),
        (
            "mqtt://h?client_id=a&max_outgoing_packet_size_bytes=1k",
            OptionError::MaxOutgoingPacketSize,
        ),
        (
            "mqtt://h?client_id=a&request_channel_capacity_num=x",
            OptionError::RequestChannelCapacity,
        ),
        (
            "mqtt://h?client_id=a&max_request_batch_num=x",
            OptionError::MaxRequestBatch,
        ),
        (
            "mqtt://h?client_id=a&read_batch_size_num=x",
            OptionError::ReadBatchSize,
        ),
        (
            "mqtt://h?client_id=a&pending_throttle_usecs=1.5",
            OptionError::PendingThrottle,
        ),
        (
            "mqtt://h?client_id=a&inflight_num=65536",
            OptionError::Inflight,
        ),
        (
            "mqtt://h?client_id=a&inflight_num=0",
            OptionError::Config(ConfigError::Inflight),
        ),
        (
            "mqtt://h?client_id=&clean_session=false",
            OptionError::Config(ConfigError::PersistentSessionRequiresClientId),
        ),
        (
            "mqtt://h?client_id=a&max_incoming_packet_size_bytes=0",
            OptionError::Config(ConfigError::MaxIncomingPacketSize),
        ),
        (
            "mqtt://h?client_id=a&colour=red",
            OptionError::Unknown("colour".to_owned()),
        ),
        ("unix://host/mqtt.sock?client_id=a", unix_error()),
        ("unix:///?client_id=a", unix_error()),
        (
            "ws://?client_id=a",
            OptionError::Parse(ParseError::EmptyHost),
        ),
        (
            "ws://h/mqtt?client_id=a&x=1",
            ws_error(OptionError::Unknown("x".to_owned())),
        ),
        ("wss://h/mqtt", wss_without_client_id()),
    ];
    for (url, expected) in cases {
        assert_eq!(MqttOptions::parse_url(url).err(), Some(expected), "{url}");
    }
}

/// A Unix URL error: a bad path on Unix targets, an unsupported scheme elsewhere.
fn unix_error() -> OptionError {
    if cfg!(unix) {
        OptionError::UnixSocketPath
    } else {
        OptionError::Scheme
    }
}

/// `wss://` without `client_id`: the transport is checked first, then the client id.
#[cfg(feature = "websocket")]
fn wss_without_client_id() -> OptionError {
    if ONE_TLS_BACKEND {
        OptionError::ClientId
    } else {
        OptionError::WssRequiresExplicitTransport
    }
}

/// Without the websocket feature `wss://` is an unsupported scheme.
#[cfg(not(feature = "websocket"))]
fn wss_without_client_id() -> OptionError {
    OptionError::Scheme
}

/// `expected` with the websocket feature; an unsupported scheme without it.
fn ws_error(expected: OptionError) -> OptionError {
    if cfg!(feature = "websocket") {
        expected
    } else {
        OptionError::Scheme
    }
}

proptest! {
    /// Any text after a scheme, and any query value, gives options or an error, never a panic.
    #[test]
    fn arbitrary_urls_never_panic(
        scheme in prop::sample::select(vec!["mqtt", "tcp", "mqtts", "ssl", "unix", "ws", "wss", "x"]),
        rest in ".{0,40}",
        key in prop::sample::select(vec!["keep_alive_secs", "inflight_num", "clean_session", "pending_throttle_usecs", "max_incoming_packet_size_bytes", "other"]),
        value in ".{0,12}",
    ) {
        let _ = MqttOptions::parse_url(format!("{scheme}://{rest}"));
        let _ = MqttOptions::parse_url(format!("{scheme}://h/p?client_id=c&{key}={value}"));
    }
}

#[tokio::test]
async fn parsed_mqtt_url_pubsub_through_mosquitto_delivers_exact_payloads() {
    let broker = Mosquitto::start(MosquittoConfig::default());
    let url = |id: &str| {
        format!(
            "mqtt://127.0.0.1:{}?client_id={id}&keep_alive_secs=30",
            broker.port()
        )
    };
    assert_roundtrip(parse(&url("url-sub")), parse(&url("url-pub")), "url/mqtt").await;
}

#[test]
fn reconnect_keys_set_turn_off_and_resize_the_backoff() {
    let off = parse("mqtt://h?client_id=c&reconnect_backoff=false");
    assert_eq!(off.reconnect_backoff(), None);
    let on = parse("mqtt://h?client_id=c&reconnect_backoff=false&reconnect_backoff=true");
    assert_eq!(on.reconnect_backoff(), Some(rumqttc::Backoff::default()));
    let sized =
        parse("mqtt://h?client_id=c&reconnect_initial_delay_ms=250&reconnect_max_delay_ms=60000");
    assert_eq!(
        sized.reconnect_backoff(),
        Some(rumqttc::Backoff::new(
            Duration::from_millis(250),
            Duration::from_secs(60)
        ))
    );
    let cases = [
        ("reconnect_backoff=yes", OptionError::ReconnectBackoff),
        ("reconnect_initial_delay_ms=-1", OptionError::ReconnectDelay),
        ("reconnect_max_delay_ms=1s", OptionError::ReconnectDelay),
        (
            "reconnect_initial_delay_ms=5000&reconnect_max_delay_ms=10",
            OptionError::Config(ConfigError::ReconnectBackoff),
        ),
    ];
    for (query, expected) in cases {
        let url = format!("mqtt://h?client_id=c&{query}");
        assert_eq!(MqttOptions::parse_url(&url).err(), Some(expected), "{url}");
    }
}
