//! Unit tests for the options: defaults, setters and getters, validation order, the builder,
//! `Debug` redaction, broker conversions and the CONNECT built from the options.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use bytes::Bytes;

use super::*;
use crate::mqttbytes::{Connect, QoS};

fn will() -> LastWill {
    LastWill::new("status/dev1", "gone", QoS::AtLeastOnce, true)
}

/// Fails if `result` is an error; returns nothing so tests can compare the chained value.
fn assert_ok<T>(result: Result<T, ConfigError>) {
    assert_eq!(result.err(), None);
}

// ---- defaults ----

#[test]
fn new_options_have_the_documented_defaults() {
    let options = MqttOptions::new("dev1", "localhost");
    assert_eq!(options.broker(), &Broker::tcp("localhost", 1883));
    assert!(matches!(options.transport(), Transport::Tcp));
    assert_eq!(options.keep_alive(), Duration::from_secs(60));
    assert_eq!(options.client_id(), "dev1");
    assert!(options.clean_session());
    assert_eq!(options.session_mode(), SessionMode::Clean);
    assert_eq!(options.auth(), &ConnectAuth::None);
    assert_eq!(options.last_will(), None);
    assert_eq!(options.max_packet_size(), 10_240);
    assert_eq!(options.max_incoming_packet_size(), 10_240);
    assert_eq!(options.max_outgoing_packet_size(), 10_240);
    assert_eq!(options.request_channel_capacity(), 10);
    assert_eq!(options.max_request_batch(), 0);
    assert_eq!(options.read_batch_size(), 0);
    assert_eq!(options.pending_throttle(), Duration::ZERO);
    assert_eq!(options.inflight(), 100);
    assert_eq!(options.ack_mode(), AckMode::Automatic);
    assert!(!options.manual_acks());
    assert_eq!(options.network_options(), NetworkOptions::new());
    assert_eq!(options.connection_timeout(), 5);
    assert_eq!(options.validate(), Ok(()));
}

#[test]
fn network_options_new_and_default_agree_on_every_field() {
    let options = NetworkOptions::new();
    assert_eq!(options, NetworkOptions::default());
    assert_eq!(options.connection_timeout(), 5);
    assert!(!options.tcp_nodelay());
    assert_eq!(options.tcp_send_buffer_size(), None);
    assert_eq!(options.tcp_recv_buffer_size(), None);
    assert_eq!(options.bind_addr(), None);
    #[cfg(target_os = "linux")]
    assert_eq!(options.bind_device(), None);
}

#[test]
fn ack_mode_default_is_automatic() {
    assert_eq!(AckMode::default(), AckMode::Automatic);
}

#[cfg(unix)]
#[test]
fn unix_broker_defaults_to_unix_transport() {
    let options = MqttOptions::new("dev1", Broker::unix("/run/mqtt.sock"));
    assert!(matches!(options.transport(), Transport::Unix));
    assert_eq!(options.validate(), Ok(()));
}

#[cfg(feature = "websocket")]
#[test]
fn websocket_broker_defaults_to_ws_transport() -> Result<(), OptionError> {
    let options = MqttOptions::new("dev1", Broker::websocket("ws://localhost:9001/mqtt")?);
    assert!(matches!(options.transport(), Transport::Ws));
    assert_eq!(options.validate(), Ok(()));
    Ok(())
}

// ---- setters and getters ----

#[test]
fn setters_store_each_value_and_getters_return_it() {
    let mut options = MqttOptions::new("dev1", "localhost");
    options
        .set_keep_alive(5)
        .set_client_id("dev2".to_owned())
        .set_clean_session(false)
        .set_last_will(will())
        .set_max_packet_size(1_000, 2_000)
        .set_request_channel_capacity(3)
        .set_max_request_batch(4)
        .set_read_batch_size(6)
        .set_pending_throttle(Duration::from_micros(7))
        .set_inflight(8)
        .set_ack_mode(AckMode::Manual);
    assert_eq!(options.keep_alive(), Duration::from_secs(5));
    assert_eq!(options.client_id(), "dev2");
    assert!(!options.clean_session());
    assert_eq!(options.session_mode(), SessionMode::Persistent);
    assert_eq!(options.last_will(), Some(will()));
    assert_eq!(options.max_packet_size(), 1_000);
    assert_eq!(options.max_incoming_packet_size(), 1_000);
    assert_eq!(options.max_outgoing_packet_size(), 2_000);
    assert_eq!(options.request_channel_capacity(), 3);
    assert_eq!(options.max_request_batch(), 4);
    assert_eq!(options.read_batch_size(), 6);
    assert_eq!(options.pending_throttle(), Duration::from_micros(7));
    assert_eq!(options.inflight(), 8);
    assert_eq!(options.ack_mode(), AckMode::Manual);
    assert!(options.manual_acks());
}

#[test]
fn keep_alive_zero_is_stored_and_valid() {
    let mut options = MqttOptions::new("dev1", "localhost");
    options.set_keep_alive(0);
    assert_eq!(options.keep_alive(), Duration::ZERO);
    assert_eq!(options.validate(), Ok(()));
    options.set_keep_alive(u16::MAX);
    assert_eq!(options.keep_alive(), Duration::from_secs(65_535));
    assert_eq!(options.validate(), Ok(()));
}

#[test]
fn auth_setters_replace_the_credentials() {
    let mut options = MqttOptions::new("dev1", "localhost");
    options.set_username("alice");
    let username = ConnectAuth::Username {
        username: "alice".to_owned(),
    };
    assert_eq!(options.auth(), &username);

    options.set_credentials("bob", vec![0_u8, 255, 7]);
    let credentials = ConnectAuth::UsernamePassword {
        username: "bob".to_owned(),
        password: Bytes::from_static(&[0, 255, 7]),
    };
    assert_eq!(options.auth(), &credentials);

    options.clear_auth();
    assert_eq!(options.auth(), &ConnectAuth::None);

    options.set_auth(username.clone());
    assert_eq!(options.auth(), &username);
}

#[test]
fn session_mode_setter_maps_to_the_clean_session_flag() {
    let mut options = MqttOptions::new("dev1", "localhost");
    options.set_session_mode(SessionMode::Persistent);
    assert!(!options.clean_session());
    options.set_session_mode(SessionMode::Clean);
    assert!(options.clean_session());
}

#[test]
fn manual_acks_setter_maps_to_ack_mode() {
    let mut options = MqttOptions::new("dev1", "localhost");
    options.set_manual_acks(true);
    assert_eq!(options.ack_mode(), AckMode::Manual);
    options.set_manual_acks(false);
    assert_eq!(options.ack_mode(), AckMode::Automatic);
}

#[test]
fn network_option_setters_store_each_value() {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 40_000));
    let mut network = NetworkOptions::new();
    network.set_tcp_nodelay(true);
    network.set_tcp_send_buffer_size(4_096);
    network.set_tcp_recv_buffer_size(8_192);
    network.set_connection_timeout(9).set_bind_addr(addr);
    #[cfg(target_os = "linux")]
    network.set_bind_device("eth0");

    assert!(network.tcp_nodelay());
    assert_eq!(network.tcp_send_buffer_size(), Some(4_096));
    assert_eq!(network.tcp_recv_buffer_size(), Some(8_192));
    assert_eq!(network.connection_timeout(), 9);
    assert_eq!(network.bind_addr(), Some(addr));
    #[cfg(target_os = "linux")]
    assert_eq!(network.bind_device(), Some("eth0"));

    let mut options = MqttOptions::new("dev1", "localhost");
    options.set_network_options(network.clone());
    assert_eq!(options.network_options(), network);
    assert_eq!(options.connection_timeout(), 9);
}

#[test]
fn connection_timeout_setter_changes_only_the_timeout() {
    let mut options = MqttOptions::new("dev1", "localhost");
    options.set_connection_timeout(30);
    assert_eq!(options.connection_timeout(), 30);
    let mut expected = NetworkOptions::new();
    expected.set_connection_timeout(30);
    assert_eq!(options.network_options(), expected);
}

// ---- fallible setters ----

#[test]
fn try_set_client_id_refuses_empty_id_for_persistent_session() {
    let mut options = MqttOptions::new("dev1", "localhost");
    options.set_clean_session(false);
    let result = options.try_set_client_id(String::new()).map(|_| ());
    assert_eq!(result, Err(ConfigError::PersistentSessionRequiresClientId));
    assert_eq!(options.client_id(), "dev1");

    assert_ok(options.try_set_client_id("dev2".to_owned()));
    assert_eq!(options.client_id(), "dev2");
}

#[test]
fn try_set_client_id_accepts_empty_id_for_clean_session() {
    let mut options = MqttOptions::new("dev1", "localhost");
    assert_ok(options.try_set_client_id(String::new()));
    assert_eq!(options.client_id(), "");
}

#[test]
fn try_set_clean_session_refuses_persistent_session_without_client_id() {
    let mut options = MqttOptions::new("", "localhost");
    let result = options.try_set_clean_session(false).map(|_| ());
    assert_eq!(result, Err(ConfigError::PersistentSessionRequiresClientId));
    assert!(options.clean_session());
    assert_ok(options.try_set_clean_session(true));

    let result = options
        .try_set_session_mode(SessionMode::Persistent)
        .map(|_| ());
    assert_eq!(result, Err(ConfigError::PersistentSessionRequiresClientId));
    assert!(options.clean_session());

    let mut named = MqttOptions::new("dev1", "localhost");
    assert_ok(named.try_set_session_mode(SessionMode::Persistent));
    assert!(!named.clean_session());
}

#[test]
fn try_set_inflight_refuses_zero_and_keeps_the_old_value() {
    let mut options = MqttOptions::new("dev1", "localhost");
    let result = options.try_set_inflight(0).map(|_| ());
    assert_eq!(result, Err(ConfigError::Inflight));
    assert_eq!(options.inflight(), 100);
    assert_ok(options.try_set_inflight(1));
    assert_eq!(options.inflight(), 1);
}

#[test]
fn try_set_max_packet_size_refuses_zero_limits() {
    let mut options = MqttOptions::new("dev1", "localhost");
    let result = options.try_set_max_packet_size(0, 0).map(|_| ());
    assert_eq!(result, Err(ConfigError::MaxIncomingPacketSize));
    let result = options.try_set_max_packet_size(5, 0).map(|_| ());
    assert_eq!(result, Err(ConfigError::MaxOutgoingPacketSize));
    assert_eq!(options.max_incoming_packet_size(), 10_240);
    assert_eq!(options.max_outgoing_packet_size(), 10_240);
    assert_ok(options.try_set_max_packet_size(5, 6));
    assert_eq!(options.max_incoming_packet_size(), 5);
    assert_eq!(options.max_outgoing_packet_size(), 6);
}

#[cfg(unix)]
#[test]
fn try_set_transport_refuses_a_transport_the_broker_cannot_use() {
    let mut options = MqttOptions::new("dev1", "localhost");
    let result = options.try_set_transport(Transport::unix()).map(|_| ());
    assert_eq!(result, Err(ConfigError::BrokerTransportMismatch));
    assert!(matches!(options.transport(), Transport::Tcp));
    assert_ok(options.try_set_transport(Transport::tcp()));
}

// ---- validation ----

#[test]
fn setters_accept_invalid_values_that_validate_reports() {
    let mut options = MqttOptions::new("", "localhost");
    options
        .set_clean_session(false)
        .set_inflight(0)
        .set_max_packet_size(0, 0)
        .set_connection_timeout(0);
    assert!(!options.clean_session());
    assert_eq!(options.inflight(), 0);
    assert_eq!(
        options.validate(),
        Err(ConfigError::PersistentSessionRequiresClientId)
    );
}

/// Each fix uncovers the next error, proving the documented order.
#[cfg(unix)]
#[test]
fn validate_reports_errors_in_the_documented_order() {
    let mut options = MqttOptions::new("", "localhost");
    options
        .set_transport(Transport::unix())
        .set_clean_session(false)
        .set_inflight(0)
        .set_max_packet_size(0, 0)
        .set_connection_timeout(0)
        .set_reconnect_backoff(Some(Backoff::new(
            Duration::from_secs(2),
            Duration::from_secs(1),
        )));
    let mut seen = Vec::new();
    while let Err(error) = options.validate() {
        seen.push(error.clone());
        match error {
            ConfigError::BrokerTransportMismatch => options.set_transport(Transport::tcp()),
            ConfigError::PersistentSessionRequiresClientId => {
                options.set_client_id("dev1".to_owned())
            }
            ConfigError::Inflight => options.set_inflight(1),
            ConfigError::MaxIncomingPacketSize => options.set_max_packet_size(1, 0),
            ConfigError::MaxOutgoingPacketSize => options.set_max_packet_size(1, 1),
            ConfigError::ConnectionTimeout => options.set_connection_timeout(1),
            ConfigError::ReconnectBackoff => options.set_reconnect_backoff(None),
        };
        assert!(seen.len() <= 7, "validate did not converge: {seen:?}");
    }
    assert_eq!(
        seen,
        [
            ConfigError::BrokerTransportMismatch,
            ConfigError::PersistentSessionRequiresClientId,
            ConfigError::Inflight,
            ConfigError::MaxIncomingPacketSize,
            ConfigError::MaxOutgoingPacketSize,
            ConfigError::ConnectionTimeout,
            ConfigError::ReconnectBackoff,
        ]
    );
}

#[test]
fn validate_refuses_unusable_backoffs_and_fallback_brokers_of_another_kind() {
    let secs = Duration::from_secs;
    let refused = [
        Backoff::new(secs(2), secs(1)),
        Backoff::new(secs(1), secs(24 * 60 * 60)),
        Backoff::default().with_multiplier(0.5),
        Backoff::default().with_multiplier(f64::NAN),
        Backoff::default().with_multiplier(f64::INFINITY),
    ];
    for backoff in refused {
        let mut options = MqttOptions::new("c", "localhost");
        options.set_reconnect_backoff(Some(backoff));
        assert_eq!(
            options.validate(),
            Err(ConfigError::ReconnectBackoff),
            "{backoff:?}"
        );
    }
    let mut options = MqttOptions::new("c", "localhost");
    options.set_reconnect_backoff(Some(Backoff::new(secs(1), secs(1)).with_multiplier(1.0)));
    assert_eq!(options.validate(), Ok(()));
    #[cfg(unix)]
    {
        options.add_fallback_broker(Broker::unix("/run/mqtt.sock"));
        assert_eq!(
            options.validate(),
            Err(ConfigError::BrokerTransportMismatch)
        );
        options.clear_fallback_brokers();
        assert_eq!(options.validate(), Ok(()));
    }
}

#[test]
fn default_options_back_off_and_builder_sets_the_reconnect_options() {
    assert_eq!(
        MqttOptions::new("c", "localhost").reconnect_backoff(),
        Some(Backoff::default())
    );
    let backoff = Backoff::new(Duration::from_millis(5), Duration::from_secs(5));
    let options = MqttOptions::builder("c", ("a", 1))
        .reconnect_backoff(Some(backoff))
        .fallback_broker(("b", 2))
        .credentials_provider(|| async { Ok::<_, std::io::Error>(ConnectAuth::None) })
        .build();
    assert_eq!(options.reconnect_backoff(), Some(backoff));
    let brokers: Vec<_> = options.brokers().filter_map(Broker::tcp_address).collect();
    assert_eq!(brokers, [("a", 1), ("b", 2)]);
    assert!(options.has_credentials_provider());
    let options = MqttOptions::builder("c", "a")
        .reconnect_backoff(None)
        .build();
    assert_eq!(options.reconnect_backoff(), None);
}

#[test]
fn validate_refuses_each_invalid_value_alone() {
    type Breaker = fn(&mut MqttOptions);
    let cases: [(Breaker, ConfigError); 5] = [
        (
            |o| {
                o.set_client_id(String::new()).set_clean_session(false);
            },
            ConfigError::PersistentSessionRequiresClientId,
        ),
        (
            |o| {
                o.set_inflight(0);
            },
            ConfigError::Inflight,
        ),
        (
            |o| {
                o.set_max_packet_size(0, 10);
            },
            ConfigError::MaxIncomingPacketSize,
        ),
        (
            |o| {
                o.set_max_packet_size(10, 0);
            },
            ConfigError::MaxOutgoingPacketSize,
        ),
        (
            |o| {
                o.set_connection_timeout(0);
            },
            ConfigError::ConnectionTimeout,
        ),
    ];
    for (breaker, expected) in cases {
        let mut options = MqttOptions::new("dev1", "localhost");
        breaker(&mut options);
        assert_eq!(options.validate(), Err(expected));
    }
}

#[test]
fn config_error_converts_into_option_error() {
    let error: OptionError = ConfigError::Inflight.into();
    assert_eq!(error, OptionError::Config(ConfigError::Inflight));
}

// ---- builder ----

#[test]
fn builder_gives_the_same_options_as_the_setters() {
    let mut network = NetworkOptions::new();
    network.set_tcp_nodelay(true);
    let built = MqttOptions::builder("dev1", ("broker", 1884))
        .client_id("dev2".to_owned())
        .transport(Transport::tcp())
        .keep_alive(7)
        .max_packet_size(100, 200)
        .clean_session(false)
        .credentials("user", "pw")
        .last_will(will())
        .request_channel_capacity(11)
        .max_request_batch(12)
        .read_batch_size(13)
        .pending_throttle(Duration::from_millis(14))
        .inflight(15)
        .ack_mode(AckMode::Manual)
        .network_options(network.clone())
        .connection_timeout(16)
        .build();

    let mut set = MqttOptions::new("dev1", ("broker", 1884));
    set.set_client_id("dev2".to_owned())
        .set_transport(Transport::tcp())
        .set_keep_alive(7)
        .set_max_packet_size(100, 200)
        .set_clean_session(false)
        .set_credentials("user", "pw")
        .set_last_will(will())
        .set_request_channel_capacity(11)
        .set_max_request_batch(12)
        .set_read_batch_size(13)
        .set_pending_throttle(Duration::from_millis(14))
        .set_inflight(15)
        .set_ack_mode(AckMode::Manual)
        .set_network_options(network)
        .set_connection_timeout(16);

    // Debug prints every field except the password, which `auth` compares.
    assert_eq!(format!("{built:?}"), format!("{set:?}"));
    assert_eq!(built.auth(), set.auth());
    assert_eq!(built.connection_timeout(), 16);
    assert!(built.network_options().tcp_nodelay());
}

#[test]
fn builder_auth_methods_match_the_setters() {
    let username = MqttOptions::builder("dev1", "localhost")
        .username("alice")
        .build();
    assert_eq!(
        username.auth(),
        &ConnectAuth::Username {
            username: "alice".to_owned()
        }
    );
    let cleared = MqttOptions::builder("dev1", "localhost")
        .auth(username.auth().clone())
        .clear_auth()
        .build();
    assert_eq!(cleared.auth(), &ConnectAuth::None);
}

#[test]
fn builder_mode_methods_match_the_setters() {
    let options = MqttOptions::builder("dev1", "localhost")
        .session_mode(SessionMode::Persistent)
        .manual_acks(true)
        .build();
    assert_eq!(options.session_mode(), SessionMode::Persistent);
    assert_eq!(options.ack_mode(), AckMode::Manual);
}

#[test]
fn builder_build_skips_validation_and_try_build_runs_it() {
    let options = MqttOptionsBuilder::new("dev1", "localhost")
        .inflight(0)
        .build();
    assert_eq!(options.inflight(), 0);

    let result = MqttOptionsBuilder::new("dev1", "localhost")
        .inflight(0)
        .try_build()
        .map(|_| ());
    assert_eq!(result, Err(ConfigError::Inflight));

    let result = MqttOptionsBuilder::new("", "localhost")
        .clean_session(false)
        .try_build()
        .map(|_| ());
    assert_eq!(result, Err(ConfigError::PersistentSessionRequiresClientId));

    let options = MqttOptionsBuilder::new("dev1", "localhost").try_build();
    assert_eq!(options.map(|o| o.inflight()), Ok(100));
}

// ---- Debug ----

#[test]
fn debug_shows_the_username_but_never_the_password() {
    let mut options = MqttOptions::new("dev1", "localhost");
    options.set_credentials("alice-user", "hunter2-secret");
    for text in [format!("{options:?}"), format!("{options:#?}")] {
        assert!(text.contains("alice-user"), "{text}");
        assert!(!text.contains("hunter2-secret"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
    let builder = MqttOptions::builder("dev1", "localhost").credentials("alice-user", "hunter2");
    assert!(!format!("{builder:?}").contains("hunter2"));
}

#[test]
fn debug_hides_a_binary_password() {
    let mut options = MqttOptions::new("dev1", "localhost");
    options.set_credentials("alice-user", vec![0xde_u8, 0xad, 0xbe, 0xef]);
    let text = format!("{options:?}");
    assert!(text.contains("alice-user"));
    for leak in ["\\xde\\xad\\xbe\\xef", "222, 173, 190, 239", "deadbeef"] {
        assert!(!text.contains(leak), "{text}");
    }
}

// ---- Broker and Transport ----

#[test]
fn broker_from_host_uses_port_1883() {
    assert_eq!(
        Broker::from("example.com"),
        Broker::tcp("example.com", 1883)
    );
    assert_eq!(
        Broker::from(String::from("example.com")),
        Broker::tcp("example.com", 1883)
    );
    assert_eq!(
        Broker::from("example.com").tcp_address(),
        Some(("example.com", 1883))
    );
}

#[test]
fn broker_from_host_and_port_uses_that_port() {
    assert_eq!(
        Broker::from(("10.0.0.1", 8883)),
        Broker::tcp("10.0.0.1", 8883)
    );
    assert_eq!(
        Broker::from((String::from("h"), 1)).tcp_address(),
        Some(("h", 1))
    );
    assert_ne!(Broker::tcp("h", 1), Broker::tcp("h", 2));
}

#[cfg(unix)]
#[test]
fn unix_broker_has_a_path_and_no_tcp_address() {
    let broker = Broker::unix("/run/mqtt.sock");
    assert_eq!(
        broker.unix_path(),
        Some(std::path::Path::new("/run/mqtt.sock"))
    );
    assert_eq!(broker.tcp_address(), None);
    assert_eq!(Broker::tcp("h", 1).unix_path(), None);
}

#[test]
fn transport_constructors_and_default() {
    assert!(matches!(Transport::default(), Transport::Tcp));
    assert!(matches!(Transport::tcp(), Transport::Tcp));
    #[cfg(unix)]
    assert!(matches!(Transport::unix(), Transport::Unix));
    #[cfg(feature = "websocket")]
    assert!(matches!(Transport::ws(), Transport::Ws));
}

#[cfg(unix)]
#[test]
fn broker_transport_pairs_match_only_by_kind() {
    let tcp = Broker::tcp("h", 1);
    let unix = Broker::unix("/s");
    assert!(tcp.is_compatible(&Transport::Tcp));
    assert!(!tcp.is_compatible(&Transport::Unix));
    assert!(unix.is_compatible(&Transport::Unix));
    assert!(!unix.is_compatible(&Transport::Tcp));

    let mut options = MqttOptions::new("dev1", unix);
    options.set_transport(Transport::tcp());
    assert_eq!(
        options.validate(),
        Err(ConfigError::BrokerTransportMismatch)
    );
}

#[cfg(feature = "websocket")]
mod websocket {
    use super::*;

    #[test]
    fn websocket_broker_keeps_the_whole_url() -> Result<(), OptionError> {
        let url = "ws://example.com:9001/mqtt?token=abc";
        let broker = Broker::websocket(url)?;
        assert_eq!(broker.websocket_url(), Some(url));
        assert_eq!(broker.tcp_address(), None);
        assert_eq!(broker.websocket_address(80), Some(("example.com", 9001)));
        assert_eq!(Broker::tcp("h", 1).websocket_url(), None);
        Ok(())
    }

    #[test]
    fn websocket_broker_without_port_uses_the_default() -> Result<(), OptionError> {
        let broker = Broker::websocket("ws://example.com/mqtt")?;
        assert_eq!(broker.websocket_address(80), Some(("example.com", 80)));
        assert_eq!(broker.websocket_address(443), Some(("example.com", 443)));
        Ok(())
    }

    #[test]
    fn websocket_broker_with_ipv6_host_drops_the_brackets() -> Result<(), OptionError> {
        let broker = Broker::websocket("ws://[::1]:9001/mqtt")?;
        assert_eq!(broker.websocket_address(80), Some(("::1", 9001)));
        assert_eq!(broker.websocket_url(), Some("ws://[::1]:9001/mqtt"));
        Ok(())
    }

    #[test]
    fn websocket_broker_rejects_bad_urls_with_the_right_error() {
        let cases = [
            (
                "wss://example.com/mqtt",
                OptionError::WssRequiresExplicitTransport,
            ),
            ("mqtt://example.com", OptionError::Scheme),
            ("http://example.com/mqtt", OptionError::Scheme),
            ("example.com/mqtt", OptionError::Scheme),
            ("ws://", OptionError::WebsocketUrl),
            ("ws://exa mple.com/", OptionError::WebsocketUrl),
            ("", OptionError::Scheme),
            ("ws://:9001/mqtt", OptionError::WebsocketUrl),
        ];
        for (url, expected) in cases {
            assert_eq!(Broker::websocket(url).err(), Some(expected), "{url}");
        }
    }

    #[test]
    fn websocket_broker_debug_hides_the_query() -> Result<(), OptionError> {
        let broker = Broker::websocket("ws://example.com/mqtt?X-Amz-Signature=s3cr3t")?;
        let text = format!("{broker:?}");
        assert!(text.contains("example.com"), "{text}");
        assert!(!text.contains("s3cr3t"), "{text}");
        Ok(())
    }

    #[test]
    fn ws_transport_needs_a_websocket_broker() -> Result<(), OptionError> {
        let ws = Broker::websocket("ws://example.com/mqtt")?;
        assert!(ws.is_compatible(&Transport::Ws));
        assert!(!ws.is_compatible(&Transport::Tcp));
        assert!(!Broker::tcp("h", 1).is_compatible(&Transport::Ws));
        Ok(())
    }
}

// ---- CONNECT ----

#[test]
fn build_connect_copies_the_session_fields() {
    let mut options = MqttOptions::new("dev1", "localhost");
    options
        .set_keep_alive(42)
        .set_clean_session(false)
        .set_last_will(will())
        .set_credentials("alice", "pw");
    let connect = build_connect(&options);
    assert_eq!(
        connect,
        Connect {
            keep_alive: 42,
            client_id: "dev1".to_owned(),
            clean_session: false,
            last_will: Some(will()),
            auth: ConnectAuth::UsernamePassword {
                username: "alice".to_owned(),
                password: Bytes::from_static(b"pw"),
            },
        }
    );
}

#[test]
fn build_connect_of_defaults_is_a_clean_anonymous_connect() {
    let connect = build_connect(&MqttOptions::new("", "localhost"));
    assert_eq!(
        connect,
        Connect {
            keep_alive: 60,
            client_id: String::new(),
            clean_session: true,
            last_will: None,
            auth: ConnectAuth::None,
        }
    );
}

#[test]
fn build_connect_saturates_keep_alive_at_u16_max() {
    let mut options = MqttOptions::new("dev1", "localhost");
    options.keep_alive = Duration::from_secs(1_000_000);
    assert_eq!(build_connect(&options).keep_alive, u16::MAX);
    options.keep_alive = Duration::from_millis(1_999);
    assert_eq!(build_connect(&options).keep_alive, 1);
}

// ---- client id ----

#[test]
fn minimum_client_id_table() {
    let cases = [
        ("", false),
        ("a", true),
        ("Z9", true),
        ("abcdefghijklmnopqrstuvw", true),   // 23 bytes
        ("abcdefghijklmnopqrstuvwx", false), // 24 bytes
        ("0123456789ABCDEFGHIJKLM", true),
        ("dev-1", false),
        ("dev_1", false),
        ("dev 1", false),
        ("dev/1", false),
        ("dév1", false),
        ("١٢٣", false),
    ];
    for (id, expected) in cases {
        assert_eq!(is_mqtt_minimum_client_id(id), expected, "{id:?}");
    }
}

// ---- broker names and the connection endpoint ----

#[test]
fn broker_display_names_tcp_and_unix_brokers() {
    assert_eq!(
        Broker::tcp("broker.test", 8883).to_string(),
        "broker.test:8883"
    );
    assert_eq!(Broker::tcp("::1", 1883).to_string(), "[::1]:1883");
    #[cfg(unix)]
    assert_eq!(Broker::unix("/run/mqtt.sock").to_string(), "/run/mqtt.sock");
}

#[cfg(feature = "websocket")]
#[test]
fn broker_display_leaves_out_the_websocket_query() -> Result<(), OptionError> {
    let broker = Broker::websocket("ws://example.com:9001/mqtt?token=secret")?;
    assert_eq!(broker.to_string(), "ws://example.com:9001/mqtt");
    let no_port = Broker::websocket("ws://example.com/mqtt")?;
    assert_eq!(no_port.to_string(), "ws://example.com/mqtt");
    Ok(())
}

#[test]
fn socket_connector_is_unset_by_default_and_shown_in_debug() {
    let mut options = MqttOptions::new("dev1", "localhost");
    assert!(!options.has_socket_connector());
    assert!(format!("{options:?}").contains("socket_connector: false"));
    options.set_socket_connector(crate::default_socket_connect);
    assert!(options.has_socket_connector());
    assert!(options.clone().has_socket_connector());
}

#[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
#[test]
fn tls_server_name_is_unset_by_default_and_can_be_set_and_cleared() {
    let mut options = MqttOptions::new("dev1", ("10.0.0.7", 8883));
    assert_eq!(options.tls_server_name(), None);
    options.set_tls_server_name("broker.test");
    assert_eq!(options.tls_server_name(), Some("broker.test"));
    options.clear_tls_server_name();
    assert_eq!(options.tls_server_name(), None);
    let built = MqttOptions::builder("dev1", ("10.0.0.7", 8883))
        .tls_server_name("broker.test")
        .build();
    assert_eq!(built.tls_server_name(), Some("broker.test"));
}
