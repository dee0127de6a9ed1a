//! `Broker` and `Transport`: conversions, ports, and which transports a broker can use.

use super::*;

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

#[test]
fn authority_brackets_ipv6_literals_only() {
    assert_eq!(authority("::1", 1883), "[::1]:1883");
    assert_eq!(authority("[::1]", 1883), "[::1]:1883");
    assert_eq!(authority("127.0.0.1", 8883), "127.0.0.1:8883");
}
