//! Defaults of `MqttOptions`, `NetworkOptions` and `AckMode`, and the transport a broker implies.

use super::*;

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
