//! Setters and getters, and the fallible `try_set_*` setters that keep the old value on error.

use super::*;

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
