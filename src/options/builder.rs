//! [`MqttOptionsBuilder`]: the consuming, chainable form of the [`MqttOptions`] setters.
//! Every method forwards to the setter of the same name; validation stays in `validate`.

use std::future::{Future, IntoFuture};
use std::io;
use std::time::Duration;

use bytes::Bytes;

#[cfg(feature = "websocket")]
use async_tungstenite::tungstenite::http::Request as WsRequest;

use super::AsyncReadWrite;
use super::{
    AckMode, Backoff, Broker, ConfigError, MqttOptions, NetworkOptions, SessionMode, Transport,
};
use crate::mqttbytes::{ConnectAuth, LastWill};

/// Builds [`MqttOptions`] by value, one option per call.
///
/// Each method mirrors the `MqttOptions` setter of the same name and stores the value as
/// given. [`build`](Self::build) returns the options unchecked;
/// [`try_build`](Self::try_build) runs [`MqttOptions::validate`] first.
///
/// # Examples
/// ```
/// use rumqttc::{AckMode, ConfigError, MqttOptions, SessionMode};
///
/// fn main() -> Result<(), ConfigError> {
///     let options = MqttOptions::builder("sensor-17", ("broker.local", 1884))
///         .keep_alive(15)
///         .session_mode(SessionMode::Persistent)
///         .ack_mode(AckMode::Manual)
///         .inflight(20)
///         .try_build()?;
///     assert_eq!(options.broker().tcp_address(), Some(("broker.local", 1884)));
///     assert!(!options.clean_session());
///
///     // A persistent session needs a client id.
///     let refused = MqttOptions::builder("", "localhost")
///         .session_mode(SessionMode::Persistent)
///         .try_build();
///     assert_eq!(refused.err(), Some(ConfigError::PersistentSessionRequiresClientId));
///     Ok(())
/// }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until `build` or `try_build` is called"]
pub struct MqttOptionsBuilder {
    pub(super) options: MqttOptions,
}

impl MqttOptionsBuilder {
    /// Starts from [`MqttOptions::new`]`(id, broker)`.
    pub fn new(id: impl Into<String>, broker: impl Into<Broker>) -> Self {
        Self {
            options: MqttOptions::new(id, broker),
        }
    }

    /// See [`MqttOptions::set_last_will`].
    pub fn last_will(mut self, will: LastWill) -> Self {
        self.options.set_last_will(will);
        self
    }

    /// See [`MqttOptions::set_client_id`].
    pub fn client_id(mut self, client_id: String) -> Self {
        self.options.set_client_id(client_id);
        self
    }

    /// See [`MqttOptions::set_transport`].
    pub fn transport(mut self, transport: Transport) -> Self {
        self.options.set_transport(transport);
        self
    }

    /// See [`MqttOptions::set_keep_alive`].
    pub const fn keep_alive(mut self, secs: u16) -> Self {
        self.options.set_keep_alive(secs);
        self
    }

    /// See [`MqttOptions::set_max_packet_size`].
    pub const fn max_packet_size(mut self, incoming: usize, outgoing: usize) -> Self {
        self.options.set_max_packet_size(incoming, outgoing);
        self
    }

    /// See [`MqttOptions::set_clean_session`].
    pub const fn clean_session(mut self, clean_session: bool) -> Self {
        self.options.set_clean_session(clean_session);
        self
    }

    /// See [`MqttOptions::set_session_mode`].
    pub const fn session_mode(mut self, mode: SessionMode) -> Self {
        self.options.set_session_mode(mode);
        self
    }

    /// See [`MqttOptions::set_auth`].
    pub fn auth(mut self, auth: ConnectAuth) -> Self {
        self.options.set_auth(auth);
        self
    }

    /// See [`MqttOptions::clear_auth`].
    pub fn clear_auth(mut self) -> Self {
        self.options.clear_auth();
        self
    }

    /// See [`MqttOptions::set_username`].
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.options.set_username(username);
        self
    }

    /// See [`MqttOptions::set_credentials`].
    pub fn credentials(mut self, username: impl Into<String>, password: impl Into<Bytes>) -> Self {
        self.options.set_credentials(username, password);
        self
    }

    /// See [`MqttOptions::set_request_channel_capacity`].
    pub const fn request_channel_capacity(mut self, capacity: usize) -> Self {
        self.options.set_request_channel_capacity(capacity);
        self
    }

    /// See [`MqttOptions::set_max_request_batch`].
    pub const fn max_request_batch(mut self, max: usize) -> Self {
        self.options.set_max_request_batch(max);
        self
    }

    /// See [`MqttOptions::set_read_batch_size`].
    pub const fn read_batch_size(mut self, size: usize) -> Self {
        self.options.set_read_batch_size(size);
        self
    }

    /// See [`MqttOptions::set_pending_throttle`].
    pub const fn pending_throttle(mut self, throttle: Duration) -> Self {
        self.options.set_pending_throttle(throttle);
        self
    }

    /// See [`MqttOptions::set_inflight`].
    pub const fn inflight(mut self, inflight: u16) -> Self {
        self.options.set_inflight(inflight);
        self
    }

    /// See [`MqttOptions::set_ack_mode`].
    pub const fn ack_mode(mut self, mode: AckMode) -> Self {
        self.options.set_ack_mode(mode);
        self
    }

    /// See [`MqttOptions::set_manual_acks`].
    pub const fn manual_acks(mut self, manual_acks: bool) -> Self {
        self.options.set_manual_acks(manual_acks);
        self
    }

    /// See [`MqttOptions::set_network_options`].
    pub fn network_options(mut self, network: NetworkOptions) -> Self {
        self.options.set_network_options(network);
        self
    }

    /// See [`MqttOptions::set_connection_timeout`].
    pub const fn connection_timeout(mut self, timeout_secs: u64) -> Self {
        self.options.set_connection_timeout(timeout_secs);
        self
    }

    /// See [`MqttOptions::set_proxy`].
    #[cfg(feature = "proxy")]
    #[cfg_attr(docsrs, doc(cfg(feature = "proxy")))]
    pub fn proxy(mut self, proxy: crate::Proxy) -> Self {
        self.options.set_proxy(proxy);
        self
    }

    /// See [`MqttOptions::set_request_modifier`].
    #[cfg(feature = "websocket")]
    #[cfg_attr(docsrs, doc(cfg(feature = "websocket")))]
    pub fn request_modifier<F, O>(mut self, modifier: F) -> Self
    where
        F: Fn(WsRequest<()>) -> O + Send + Sync + 'static,
        O: IntoFuture<Output = WsRequest<()>>,
        O::IntoFuture: Send + 'static,
    {
        self.options.set_request_modifier(modifier);
        self
    }

    /// See [`MqttOptions::set_fallible_request_modifier`].
    #[cfg(feature = "websocket")]
    #[cfg_attr(docsrs, doc(cfg(feature = "websocket")))]
    pub fn fallible_request_modifier<F, O, E>(mut self, modifier: F) -> Self
    where
        F: Fn(WsRequest<()>) -> O + Send + Sync + 'static,
        O: IntoFuture<Output = Result<WsRequest<()>, E>>,
        O::IntoFuture: Send + 'static,
        E: std::error::Error + Send + Sync + 'static,
    {
        self.options.set_fallible_request_modifier(modifier);
        self
    }

    /// See [`MqttOptions::set_reconnect_backoff`].
    pub fn reconnect_backoff(mut self, backoff: Option<Backoff>) -> Self {
        self.options.set_reconnect_backoff(backoff);
        self
    }

    /// See [`MqttOptions::add_fallback_broker`].
    pub fn fallback_broker(mut self, broker: impl Into<Broker>) -> Self {
        self.options.add_fallback_broker(broker);
        self
    }

    /// See [`MqttOptions::set_credentials_provider`].
    pub fn credentials_provider<F, O, E>(mut self, provider: F) -> Self
    where
        F: Fn() -> O + Send + Sync + 'static,
        O: IntoFuture<Output = Result<ConnectAuth, E>>,
        O::IntoFuture: Send + 'static,
        E: std::error::Error + Send + Sync + 'static,
    {
        self.options.set_credentials_provider(provider);
        self
    }

    /// See [`MqttOptions::set_socket_connector`].
    ///
    /// # Examples
    /// ```
    /// use rumqttc::{MqttOptions, NetworkOptions, default_socket_connect};
    ///
    /// let options = MqttOptions::builder("sensor-17", "localhost")
    ///     .socket_connector(|host: String, mut network: NetworkOptions| {
    ///         network.set_tcp_nodelay(true);
    ///         default_socket_connect(host, network)
    ///     })
    ///     .build();
    /// assert!(options.has_socket_connector());
    /// ```
    pub fn socket_connector<F, Fut, S>(mut self, connector: F) -> Self
    where
        F: Fn(String, NetworkOptions) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = io::Result<S>> + Send + 'static,
        S: AsyncReadWrite + 'static,
    {
        self.options.set_socket_connector(connector);
        self
    }

    /// See [`MqttOptions::set_tls_server_name`].
    ///
    /// # Examples
    /// ```
    /// use rumqttc::{MqttOptions, Transport};
    ///
    /// let options = MqttOptions::builder("sensor-17", ("10.0.0.7", 8883))
    ///     .transport(Transport::tls_with_default_config())
    ///     .tls_server_name("broker.example.com")
    ///     .build();
    /// assert_eq!(options.tls_server_name(), Some("broker.example.com"));
    /// ```
    #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls")))
    )]
    pub fn tls_server_name(mut self, server_name: impl Into<String>) -> Self {
        self.options.set_tls_server_name(server_name);
        self
    }

    /// The options as configured, without validation.
    pub fn build(self) -> MqttOptions {
        self.options
    }

    /// The options as configured, once [`MqttOptions::validate`] accepts them.
    ///
    /// # Errors
    /// The first [`ConfigError`] that `validate` finds.
    pub fn try_build(self) -> Result<MqttOptions, ConfigError> {
        self.options.validate()?;
        Ok(self.options)
    }
}
