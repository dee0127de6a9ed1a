//! How the client opens and identifies the connection beyond the broker address: the socket
//! connector that replaces TCP, and the TLS server name. It stores them; `transport` uses them.

use std::future::Future;
use std::io;

use super::{MqttOptions, NetworkOptions};
use crate::transport::{AsyncReadWrite, SocketConnector};

impl MqttOptions {
    /// Sets the function that opens the base byte stream of every connection attempt, in
    /// place of the built-in TCP dialer.
    ///
    /// It is called once per attempt with the broker as `"host:port"` (an IPv6 literal in
    /// brackets) and the [`NetworkOptions`], and may return any `AsyncRead + AsyncWrite`
    /// stream: a socket bound to a given interface, a simulated network, an in-memory pipe.
    /// TLS and WebSocket are layered on top of it as the transport asks. With a proxy, the
    /// connector opens the stream to the proxy instead. Unix-socket brokers never use it.
    ///
    /// The network options are applied by the built-in dialer only: a connector decides
    /// which of them to honour ([`default_socket_connect`](crate::default_socket_connect)
    /// honours them all). The whole attempt stays bounded by the connection timeout, and
    /// the connector's error is reported as [`ConnectionError::Io`](crate::ConnectionError::Io).
    ///
    /// # Examples
    /// ```
    /// use rumqttc::{MqttOptions, NetworkOptions};
    /// use tokio::net::TcpSocket;
    ///
    /// let mut options = MqttOptions::new("sensor-17", ("127.0.0.1", 1883));
    /// // Connect from a chosen local address.
    /// options.set_socket_connector(|host: String, _network: NetworkOptions| async move {
    ///     let broker = tokio::net::lookup_host(&host)
    ///         .await?
    ///         .next()
    ///         .ok_or(std::io::ErrorKind::InvalidInput)?;
    ///     let socket = TcpSocket::new_v4()?;
    ///     socket.bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))?;
    ///     socket.connect(broker).await
    /// });
    /// assert!(options.has_socket_connector());
    /// ```
    pub fn set_socket_connector<F, Fut, S>(&mut self, connector: F) -> &mut Self
    where
        F: Fn(String, NetworkOptions) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = io::Result<S>> + Send + 'static,
        S: AsyncReadWrite + 'static,
    {
        self.socket_connector = Some(SocketConnector::new(connector));
        self
    }

    /// Whether a socket connector is set.
    ///
    /// # Examples
    /// ```
    /// use rumqttc::{MqttOptions, default_socket_connect};
    ///
    /// let mut options = MqttOptions::new("sensor-17", "localhost");
    /// assert!(!options.has_socket_connector());
    /// options.set_socket_connector(default_socket_connect);
    /// assert!(options.has_socket_connector());
    /// ```
    pub const fn has_socket_connector(&self) -> bool {
        self.socket_connector.is_some()
    }

    /// The socket connector (a cheap clone), for the transport.
    pub(crate) fn socket_connector(&self) -> Option<SocketConnector> {
        self.socket_connector.clone()
    }
}

/// The name TLS checks the broker certificate against.
#[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
impl MqttOptions {
    /// Sets the server name TLS sends (SNI) and verifies the broker certificate against,
    /// instead of the host dialled. For a broker reached by IP address, through a tunnel
    /// or behind a load balancer that presents a certificate for its public name.
    ///
    /// Applies to the `Tls` and `Wss` transports (not to an HTTPS proxy, which is verified
    /// for its own address), and to every connection attempt. A name that is an IP literal
    /// is verified against the certificate's IP addresses and sends no SNI (with rustls).
    ///
    /// # Examples
    /// ```
    /// use rumqttc::{MqttOptions, Transport};
    ///
    /// let mut options = MqttOptions::new("sensor-17", ("10.0.0.7", 8883));
    /// options
    ///     .set_transport(Transport::tls_with_default_config())
    ///     .set_tls_server_name("broker.example.com");
    /// assert_eq!(options.tls_server_name(), Some("broker.example.com"));
    /// ```
    pub fn set_tls_server_name(&mut self, server_name: impl Into<String>) -> &mut Self {
        self.tls_server_name = Some(server_name.into());
        self
    }

    /// Removes the server-name override: TLS checks the dialled host again.
    pub fn clear_tls_server_name(&mut self) -> &mut Self {
        self.tls_server_name = None;
        self
    }

    /// The server-name override, if set; `None` means the dialled host is used.
    pub fn tls_server_name(&self) -> Option<&str> {
        self.tls_server_name.as_deref()
    }
}
