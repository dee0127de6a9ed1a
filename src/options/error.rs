//! The two option error types: [`ConfigError`] for option values that cannot work together,
//! and [`OptionError`] for option text (broker URLs) that cannot be understood.

/// A combination of option values the client cannot connect with.
///
/// Returned by [`MqttOptions::validate`](crate::MqttOptions::validate), the `try_set_*`
/// setters and [`MqttOptionsBuilder::try_build`](crate::MqttOptionsBuilder::try_build).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The [`Transport`](crate::Transport) cannot reach this kind of
    /// [`Broker`](crate::Broker), for example `Transport::Unix` with a TCP broker.
    #[error(
        "broker and transport do not match: use Transport::tcp with a TCP broker, \
         Transport::unix with Broker::unix and Transport::ws with Broker::websocket"
    )]
    BrokerTransportMismatch,
    /// `clean_session = false` with an empty client id ([MQTT-3.1.3-7]).
    #[error(
        "[MQTT-3.1.3-7] a persistent session needs a non-empty client id: \
         set a client id or keep clean_session = true"
    )]
    PersistentSessionRequiresClientId,
    /// The maximum incoming packet size is 0.
    #[error("max incoming packet size is 0: set a limit of at least 1 byte")]
    MaxIncomingPacketSize,
    /// The maximum outgoing packet size is 0.
    #[error("max outgoing packet size is 0: set a limit of at least 1 byte")]
    MaxOutgoingPacketSize,
    /// The in-flight window is 0, so no QoS 1/2 publish could ever be sent.
    #[error("inflight is 0: allow at least 1 outgoing QoS 1/2 publish in flight")]
    Inflight,
    /// The connection timeout is 0 s, so every connection attempt would time out at once.
    #[error("connection timeout is 0 s: set at least 1 s")]
    ConnectionTimeout,
    /// The reconnect [`Backoff`](crate::Backoff) cannot work: its initial delay exceeds its
    /// maximum, its maximum is a day or more, or its multiplier is below 1 or not finite.
    #[error("invalid reconnect backoff: need initial <= max < 1 day and a finite multiplier >= 1")]
    ReconnectBackoff,
}

/// Option text that could not be turned into options: a broker URL, or one of its query keys.
///
/// Each variant names the option at fault; [`OptionError::Config`] wraps a parsed
/// combination that [`MqttOptions::validate`](crate::MqttOptions::validate) rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OptionError {
    /// The URL scheme is not one the client supports.
    #[error("unsupported url scheme: use mqtt://, tcp://, unix:// or ws://")]
    Scheme,
    /// `mqtts://` or `ssl://`: TLS needs an explicit transport.
    #[error(
        "secure mqtt urls need an explicit tls transport: use mqtt:// and \
         MqttOptions::set_transport with a tls transport"
    )]
    SecureUrlRequiresExplicitTransport,
    /// The `client_id` query key is missing.
    #[error("missing client id: add a client_id query key (it may be empty)")]
    ClientId,
    /// The Unix socket path is missing, empty or `/`.
    #[error("invalid unix socket path: give the socket file's path, as in unix:///run/mqtt.sock")]
    UnixSocketPath,
    /// The WebSocket URL does not parse or has no host.
    #[cfg(feature = "websocket")]
    #[error("invalid websocket url: expected ws://host[:port][/path]")]
    WebsocketUrl,
    /// A `wss://` URL given where only `ws://` is accepted.
    #[cfg(feature = "websocket")]
    #[error(
        "secure websocket urls need an explicit transport: use Broker::websocket(\"ws://...\") \
         plus a wss transport"
    )]
    WssRequiresExplicitTransport,
    /// A `ws://` URL given where a `wss://` URL is required.
    #[cfg(feature = "websocket")]
    #[error("a wss:// url is required here")]
    WssUrlRequired,
    /// `keep_alive_secs` is not a number of seconds from 0 to 65535.
    #[error("invalid keep_alive_secs: expected 0 to 65535 seconds")]
    KeepAlive,
    /// `clean_session` is not `true` or `false`.
    #[error("invalid clean_session: expected true or false")]
    CleanSession,
    /// `max_incoming_packet_size_bytes` is not a number of bytes.
    #[error("invalid max_incoming_packet_size_bytes: expected a number of bytes")]
    MaxIncomingPacketSize,
    /// `max_outgoing_packet_size_bytes` is not a number of bytes.
    #[error("invalid max_outgoing_packet_size_bytes: expected a number of bytes")]
    MaxOutgoingPacketSize,
    /// `request_channel_capacity_num` is not a count.
    #[error("invalid request_channel_capacity_num: expected a count")]
    RequestChannelCapacity,
    /// `max_request_batch_num` is not a count.
    #[error("invalid max_request_batch_num: expected a count")]
    MaxRequestBatch,
    /// `read_batch_size_num` is not a count.
    #[error("invalid read_batch_size_num: expected a count")]
    ReadBatchSize,
    /// `pending_throttle_usecs` is not a number of microseconds.
    #[error("invalid pending_throttle_usecs: expected a number of microseconds")]
    PendingThrottle,
    /// `inflight_num` is not a count from 1 to 65535.
    #[error("invalid inflight_num: expected 1 to 65535")]
    Inflight,
    /// `reconnect_backoff` is not `true` or `false`.
    #[error("invalid reconnect_backoff: expected true or false")]
    ReconnectBackoff,
    /// `reconnect_initial_delay_ms` or `reconnect_max_delay_ms` is not a number of milliseconds.
    #[error("invalid reconnect delay: expected a number of milliseconds")]
    ReconnectDelay,
    /// The parsed options do not work together.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A query key the client does not know.
    #[error("unknown option `{0}`: remove it from the url")]
    Unknown(String),
    /// The URL itself does not parse.
    #[cfg(feature = "url")]
    #[error("cannot parse the broker url")]
    Parse(#[from] url::ParseError),
}
