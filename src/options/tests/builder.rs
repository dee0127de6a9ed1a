//! The options builder against the setters, and the `Debug` redaction of credentials.

use super::*;

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
