//! How the client opens and identifies the connection beyond the broker address: the socket
//! connector that replaces TCP, the TLS server name, the HTTP proxy and the WebSocket request
//! modifier. It stores them; `transport` uses them.

use std::future::Future;
use std::io;

#[cfg(feature = "websocket")]
use std::future::IntoFuture;

#[cfg(feature = "websocket")]
use async_tungstenite::tungstenite::http::Request;

#[cfg(feature = "proxy")]
use super::Proxy;
#[cfg(feature = "websocket")]
use super::RequestModifier;
use super::{AsyncReadWrite, MqttOptions, NetworkOptions, SocketConnector};

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

/// The route to the broker beyond its address: an HTTP proxy, and the WebSocket upgrade
/// request modifier.
#[cfg(any(feature = "proxy", feature = "websocket"))]
impl MqttOptions {
    /// Tunnels TCP, TLS and WebSocket connections through an HTTP CONNECT proxy (Unix
    /// sockets never use it).
    #[cfg(feature = "proxy")]
    #[cfg_attr(docsrs, doc(cfg(feature = "proxy")))]
    pub fn set_proxy(&mut self, proxy: Proxy) -> &mut Self {
        self.proxy = Some(proxy);
        self
    }

    /// The proxy (a clone), if any.
    #[cfg(feature = "proxy")]
    #[cfg_attr(docsrs, doc(cfg(feature = "proxy")))]
    pub fn proxy(&self) -> Option<Proxy> {
        self.proxy.clone()
    }

    /// Sets an async function that may change the WebSocket upgrade request (for example add
    /// an `Authorization` header) before every connection attempt. Replaces a fallible one.
    ///
    /// The `mqtt` sub-protocol header is already set when the modifier runs.
    #[cfg(feature = "websocket")]
    #[cfg_attr(docsrs, doc(cfg(feature = "websocket")))]
    pub fn set_request_modifier<F, O>(&mut self, modifier: F) -> &mut Self
    where
        F: Fn(Request<()>) -> O + Send + Sync + 'static,
        O: IntoFuture<Output = Request<()>>,
        O::IntoFuture: Send + 'static,
    {
        self.request_modifier = Some(RequestModifier::infallible(modifier));
        self
    }

    /// As [`MqttOptions::set_request_modifier`], for a modifier that can fail: its error
    /// ends the attempt as
    /// [`WebsocketError::RequestModifier`](crate::WebsocketError::RequestModifier).
    /// Replaces an infallible one.
    #[cfg(feature = "websocket")]
    #[cfg_attr(docsrs, doc(cfg(feature = "websocket")))]
    pub fn set_fallible_request_modifier<F, O, E>(&mut self, modifier: F) -> &mut Self
    where
        F: Fn(Request<()>) -> O + Send + Sync + 'static,
        O: IntoFuture<Output = Result<Request<()>, E>>,
        O::IntoFuture: Send + 'static,
        E: std::error::Error + Send + Sync + 'static,
    {
        self.request_modifier = Some(RequestModifier::fallible(modifier));
        self
    }

    /// Whether a request modifier is set.
    #[cfg(feature = "websocket")]
    #[cfg_attr(docsrs, doc(cfg(feature = "websocket")))]
    pub const fn has_request_modifier(&self) -> bool {
        self.request_modifier.is_some()
    }

    /// The request modifier (a cheap clone of its handle), if one is set.
    #[cfg(feature = "websocket")]
    #[cfg_attr(docsrs, doc(cfg(feature = "websocket")))]
    pub fn request_modifier(&self) -> Option<RequestModifier> {
        self.request_modifier.clone()
    }
}
