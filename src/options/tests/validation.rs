//! `validate`: each invalid value alone, the documented order, backoffs and fallback brokers.

use super::*;

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
