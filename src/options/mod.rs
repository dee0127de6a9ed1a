//! Client configuration: [`MqttOptions`] with its setters, getters and validation, the
//! CONNECT packet built from them, and the advisory client-id check.
//! Pure code: it stores and checks values; it opens no socket and reads no clock.
//!
//! `MqttOptions`: fields and core setters here (broker and transport, identity, session
//! flag, credentials, will, network, validation); each submodule adds the setters of one
//! area: `endpoint` (socket connector, TLS name, proxy, WebSocket request), `flow` (limits
//! and flow control), `reconnect` (backoff, fallback brokers, credentials provider),
//! `session` (store, resubscription), `url` (from a broker URL). `broker`, `transport`,
//! `network` and `error` hold the value types; `builder` mirrors the setters;
//! `connect` builds the CONNECT packet.

mod broker;
mod builder;
mod connect;
mod endpoint;
mod error;
mod flow;
mod hooks;
mod network;
#[cfg(feature = "proxy")]
mod proxy;
mod reconnect;
mod session;
#[cfg(test)]
mod tests;
#[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
mod tls;
mod transport;
#[cfg(feature = "url")]
mod url;

use std::fmt;
use std::time::Duration;

use bytes::Bytes;

use crate::mqttbytes::{ConnectAuth, LastWill};

pub use broker::Broker;
pub(crate) use broker::authority;
pub use builder::MqttOptionsBuilder;
pub(crate) use connect::build_connect;
pub use connect::is_mqtt_minimum_client_id;
pub use error::{ConfigError, OptionError};
pub use flow::AckMode;
pub use hooks::AsyncReadWrite;
#[cfg(feature = "websocket")]
pub use hooks::RequestModifier;
pub(crate) use hooks::SocketConnector;
pub use network::NetworkOptions;
#[cfg(feature = "proxy")]
pub use proxy::{Proxy, ProxyAuth, ProxyType};
pub use reconnect::Backoff;
pub(crate) use reconnect::CredentialsError;
#[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
pub use tls::TlsConfiguration;
pub use transport::Transport;

/// Keep-alive interval of new options.
const DEFAULT_KEEP_ALIVE_SECS: u16 = 60;
/// Default limit for both incoming and outgoing packets (10 KiB).
const DEFAULT_MAX_PACKET_SIZE_BYTES: usize = 10 * 1024;
/// Requests a bounded client can queue before its calls wait.
const DEFAULT_REQUEST_CHANNEL_CAPACITY: usize = 10;
/// Outgoing QoS 1/2 publishes awaiting acknowledgement at once.
const DEFAULT_INFLIGHT: u16 = 100;

/// Whether the broker keeps the session between connections (the CONNECT clean-session flag).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionMode {
    /// `clean_session = true`: every connection starts a fresh session.
    Clean,
    /// `clean_session = false`: the broker resumes the session of the same client id.
    Persistent,
}

/// Everything the client needs to connect and run a session.
///
/// Setters store any value and never panic; values that cannot work together are reported
/// by [`validate`](Self::validate) (run by [`MqttOptionsBuilder::try_build`] and before
/// connecting) or, immediately, by the `try_set_*` setters.
///
/// `Debug` never shows the password.
#[derive(Clone)]
pub struct MqttOptions {
    broker: Broker,
    transport: Transport,
    keep_alive: Duration,
    client_id: String,
    clean_session: bool,
    auth: ConnectAuth,
    last_will: Option<LastWill>,
    max_incoming_packet_size: usize,
    max_outgoing_packet_size: usize,
    request_channel_capacity: usize,
    max_request_batch: usize,
    read_batch_size: usize,
    pending_throttle: Duration,
    inflight: u16,
    ack_mode: AckMode,
    resubscribe: crate::state::Resubscribe,
    session_store: Option<std::sync::Arc<dyn crate::SessionStore>>,
    network: NetworkOptions,
    reconnect: reconnect::Reconnect,
    #[cfg(feature = "proxy")]
    proxy: Option<Proxy>,
    #[cfg(feature = "websocket")]
    request_modifier: Option<RequestModifier>,
    socket_connector: Option<SocketConnector>,
    #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
    tls_server_name: Option<String>,
}

impl MqttOptions {
    /// Options for client `id` at `broker`, with the transport the broker kind implies.
    ///
    /// Defaults: keep-alive 60 s, clean session, no credentials and no will, 10 KiB
    /// incoming and outgoing packet limits, request channel capacity 10, request batch 0
    /// (one at a time), adaptive read batch (0), no pending throttle, 100 publishes in
    /// flight, automatic acks, [`NetworkOptions::new`] (5 s connection timeout), the
    /// [`Backoff::default`] reconnect backoff, no fallback broker and no credentials provider.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    /// use rumqttc::{MqttOptions, QoS, LastWill};
    ///
    /// let mut options = MqttOptions::new("sensor-17", "localhost");
    /// options
    ///     .set_keep_alive(30)
    ///     .set_credentials("sensor-17", "secret")
    ///     .set_last_will(LastWill::new("sensors/17/status", "offline", QoS::AtLeastOnce, true));
    ///
    /// assert_eq!(options.broker().tcp_address(), Some(("localhost", 1883)));
    /// assert_eq!(options.keep_alive(), Duration::from_secs(30));
    /// assert_eq!(options.validate(), Ok(()));
    /// ```
    pub fn new(id: impl Into<String>, broker: impl Into<Broker>) -> Self {
        let broker = broker.into();
        Self {
            transport: broker.default_transport(),
            broker,
            keep_alive: Duration::from_secs(u64::from(DEFAULT_KEEP_ALIVE_SECS)),
            client_id: id.into(),
            clean_session: true,
            auth: ConnectAuth::None,
            last_will: None,
            max_incoming_packet_size: DEFAULT_MAX_PACKET_SIZE_BYTES,
            max_outgoing_packet_size: DEFAULT_MAX_PACKET_SIZE_BYTES,
            request_channel_capacity: DEFAULT_REQUEST_CHANNEL_CAPACITY,
            max_request_batch: 0,
            read_batch_size: 0,
            pending_throttle: Duration::ZERO,
            inflight: DEFAULT_INFLIGHT,
            ack_mode: AckMode::Automatic,
            resubscribe: crate::state::Resubscribe::Never,
            session_store: None,
            network: NetworkOptions::new(),
            reconnect: reconnect::Reconnect::default(),
            #[cfg(feature = "proxy")]
            proxy: None,
            #[cfg(feature = "websocket")]
            request_modifier: None,
            socket_connector: None,
            #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
            tls_server_name: None,
        }
    }

    /// A builder starting from [`MqttOptions::new`]`(id, broker)`.
    pub fn builder(id: impl Into<String>, broker: impl Into<Broker>) -> MqttOptionsBuilder {
        MqttOptionsBuilder::new(id, broker)
    }

    /// The broker to connect to.
    pub const fn broker(&self) -> &Broker {
        &self.broker
    }

    /// Sets the transport; it must suit the broker kind (see [`validate`](Self::validate)).
    pub fn set_transport(&mut self, transport: Transport) -> &mut Self {
        self.transport = transport;
        self
    }

    /// Sets the transport if it suits the broker kind.
    ///
    /// # Errors
    /// [`ConfigError::BrokerTransportMismatch`], leaving the options unchanged.
    pub fn try_set_transport(&mut self, transport: Transport) -> Result<&mut Self, ConfigError> {
        if !self.broker.is_compatible(&transport) {
            return Err(ConfigError::BrokerTransportMismatch);
        }
        Ok(self.set_transport(transport))
    }

    /// The transport (a clone).
    pub fn transport(&self) -> Transport {
        self.transport.clone()
    }

    /// Sets the keep-alive interval in seconds; 0 disables keep-alive pings.
    ///
    /// The client pings when nothing was sent or nothing was received for this long, and
    /// reports a broker that does not answer half an interval later
    /// ([`StateError::AwaitPingResp`](crate::StateError::AwaitPingResp)): a dead link is
    /// detected within 1.5 × keep-alive of the broker's last packet, even while the
    /// application keeps publishing.
    pub const fn set_keep_alive(&mut self, secs: u16) -> &mut Self {
        self.keep_alive = Duration::from_secs(secs as u64);
        self
    }

    /// The keep-alive interval; zero means disabled.
    pub const fn keep_alive(&self) -> Duration {
        self.keep_alive
    }

    /// Sets the client id. An empty id with a persistent session is reported by
    /// [`validate`](Self::validate).
    pub fn set_client_id(&mut self, client_id: String) -> &mut Self {
        self.client_id = client_id;
        self
    }

    /// Sets the client id unless it is empty while the session is persistent.
    ///
    /// # Errors
    /// [`ConfigError::PersistentSessionRequiresClientId`], leaving the options unchanged.
    pub fn try_set_client_id(&mut self, client_id: String) -> Result<&mut Self, ConfigError> {
        if client_id.is_empty() && !self.clean_session {
            return Err(ConfigError::PersistentSessionRequiresClientId);
        }
        Ok(self.set_client_id(client_id))
    }

    /// The client id (a clone).
    pub fn client_id(&self) -> String {
        self.client_id.clone()
    }

    /// Sets the clean-session flag. `false` with an empty client id is reported by
    /// [`validate`](Self::validate).
    pub const fn set_clean_session(&mut self, clean_session: bool) -> &mut Self {
        self.clean_session = clean_session;
        self
    }

    /// Sets the clean-session flag unless that makes a persistent session without a client id.
    ///
    /// # Errors
    /// [`ConfigError::PersistentSessionRequiresClientId`], leaving the options unchanged.
    pub fn try_set_clean_session(&mut self, clean_session: bool) -> Result<&mut Self, ConfigError> {
        if !clean_session && self.client_id.is_empty() {
            return Err(ConfigError::PersistentSessionRequiresClientId);
        }
        Ok(self.set_clean_session(clean_session))
    }

    /// The clean-session flag.
    pub const fn clean_session(&self) -> bool {
        self.clean_session
    }

    /// Sets the session mode: `Clean` is `clean_session = true`, `Persistent` is `false`.
    pub const fn set_session_mode(&mut self, mode: SessionMode) -> &mut Self {
        self.set_clean_session(matches!(mode, SessionMode::Clean))
    }

    /// Sets the session mode, as [`try_set_clean_session`](Self::try_set_clean_session).
    ///
    /// # Errors
    /// [`ConfigError::PersistentSessionRequiresClientId`] for `Persistent` with an empty
    /// client id, leaving the options unchanged.
    pub fn try_set_session_mode(&mut self, mode: SessionMode) -> Result<&mut Self, ConfigError> {
        self.try_set_clean_session(matches!(mode, SessionMode::Clean))
    }

    /// The session mode the clean-session flag stands for.
    pub const fn session_mode(&self) -> SessionMode {
        if self.clean_session {
            SessionMode::Clean
        } else {
            SessionMode::Persistent
        }
    }

    /// Sets the credentials sent in CONNECT.
    pub fn set_auth(&mut self, auth: ConnectAuth) -> &mut Self {
        self.auth = auth;
        self
    }

    /// Removes the credentials.
    pub fn clear_auth(&mut self) -> &mut Self {
        self.set_auth(ConnectAuth::None)
    }

    /// Sends a user name without a password.
    pub fn set_username(&mut self, username: impl Into<String>) -> &mut Self {
        self.set_auth(ConnectAuth::with_username(username))
    }

    /// Sends a user name and a (binary) password.
    pub fn set_credentials(
        &mut self,
        username: impl Into<String>,
        password: impl Into<Bytes>,
    ) -> &mut Self {
        self.set_auth(ConnectAuth::with_credentials(username, password))
    }

    /// The credentials sent in CONNECT.
    pub const fn auth(&self) -> &ConnectAuth {
        &self.auth
    }

    /// Sets the will message the broker publishes if the client vanishes.
    pub fn set_last_will(&mut self, will: LastWill) -> &mut Self {
        self.last_will = Some(will);
        self
    }

    /// The will message (a clone), if any.
    pub fn last_will(&self) -> Option<LastWill> {
        self.last_will.clone()
    }

    /// Sets the socket options and connection timeout; the event loop copies them when
    /// it is created.
    pub fn set_network_options(&mut self, network: NetworkOptions) -> &mut Self {
        self.network = network;
        self
    }

    /// The socket options and connection timeout (a clone; the event loop keeps its own).
    pub fn network_options(&self) -> NetworkOptions {
        self.network.clone()
    }

    /// Sets the connection timeout in seconds (see
    /// [`NetworkOptions::set_connection_timeout`]). 0 is reported by
    /// [`validate`](Self::validate).
    pub const fn set_connection_timeout(&mut self, timeout_secs: u64) -> &mut Self {
        self.network.set_connection_timeout(timeout_secs);
        self
    }

    /// The connection timeout in seconds.
    pub const fn connection_timeout(&self) -> u64 {
        self.network.connection_timeout()
    }

    /// Checks that the options can work together.
    ///
    /// # Errors
    /// The first problem found, in this order:
    /// [`ConfigError::BrokerTransportMismatch`],
    /// [`ConfigError::PersistentSessionRequiresClientId`], [`ConfigError::Inflight`],
    /// [`ConfigError::MaxIncomingPacketSize`], [`ConfigError::MaxOutgoingPacketSize`],
    /// [`ConfigError::ConnectionTimeout`], [`ConfigError::ReconnectBackoff`], and
    /// [`ConfigError::BrokerTransportMismatch`] for a fallback broker. Any keep-alive is
    /// valid (0 disables it).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.broker.is_compatible(&self.transport) {
            return Err(ConfigError::BrokerTransportMismatch);
        }
        if !self.clean_session && self.client_id.is_empty() {
            return Err(ConfigError::PersistentSessionRequiresClientId);
        }
        if self.inflight == 0 {
            return Err(ConfigError::Inflight);
        }
        if self.max_incoming_packet_size == 0 {
            return Err(ConfigError::MaxIncomingPacketSize);
        }
        if self.max_outgoing_packet_size == 0 {
            return Err(ConfigError::MaxOutgoingPacketSize);
        }
        if self.network.connection_timeout() == 0 {
            return Err(ConfigError::ConnectionTimeout);
        }
        self.reconnect.check(self)
    }
}

/// Prints every option; `ConnectAuth`'s `Debug` shows the user name but never the password.
impl fmt::Debug for MqttOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MqttOptions")
            .field("broker", &self.broker)
            .field("transport", &self.transport)
            .field("keep_alive", &self.keep_alive)
            .field("client_id", &self.client_id)
            .field("clean_session", &self.clean_session)
            .field("auth", &self.auth)
            .field("last_will", &self.last_will)
            .field("max_incoming_packet_size", &self.max_incoming_packet_size)
            .field("max_outgoing_packet_size", &self.max_outgoing_packet_size)
            .field("request_channel_capacity", &self.request_channel_capacity)
            .field("max_request_batch", &self.max_request_batch)
            .field("read_batch_size", &self.read_batch_size)
            .field("pending_throttle", &self.pending_throttle)
            .field("inflight", &self.inflight)
            .field("ack_mode", &self.ack_mode)
            .field("resubscribe", &self.resubscribe)
            .field("session_store", &self.session_store.is_some())
            .field("network", &self.network)
            .field("reconnect", &self.reconnect)
            .field("socket_connector", &self.socket_connector.is_some())
            .finish_non_exhaustive()
    }
}
