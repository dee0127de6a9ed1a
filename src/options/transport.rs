//! [`Transport`]: how bytes reach the broker (TCP, TLS, Unix socket, WebSocket) and with which
//! TLS configuration. It only names the choice; the `transport` module opens the connection.

#[cfg(doc)]
use super::Broker;
#[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
use super::tls::TlsConfiguration;

/// How bytes reach the broker. It must suit the [`Broker`] kind (checked by
/// [`MqttOptions::validate`](crate::MqttOptions::validate) and again at connect).
///
/// TLS transports verify the broker certificate for the broker host. With both TLS backends
/// compiled in, build the [`TlsConfiguration`] explicitly: its variant picks the backend.
#[derive(Clone, Debug, Default)]
pub enum Transport {
    /// Plain TCP, to a [`Broker::tcp`] broker.
    #[default]
    Tcp,
    /// TLS over TCP, to a [`Broker::tcp`] broker.
    #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls")))
    )]
    Tls(TlsConfiguration),
    /// A Unix domain socket, to a `Broker::unix` broker.
    #[cfg(unix)]
    #[cfg_attr(docsrs, doc(cfg(unix)))]
    Unix,
    /// WebSocket over plain TCP, to a `Broker::websocket` broker (port 80 by default).
    #[cfg(feature = "websocket")]
    #[cfg_attr(docsrs, doc(cfg(feature = "websocket")))]
    Ws,
    /// WebSocket over TLS, to a `Broker::websocket` broker given in its `ws://` form (port
    /// 443 by default).
    #[cfg(all(
        feature = "websocket",
        any(feature = "use-rustls-no-provider", feature = "use-native-tls")
    ))]
    #[cfg_attr(
        docsrs,
        doc(cfg(all(
            feature = "websocket",
            any(feature = "use-rustls-no-provider", feature = "use-native-tls")
        )))
    )]
    Wss(TlsConfiguration),
}

impl Transport {
    /// Plain TCP.
    pub const fn tcp() -> Self {
        Self::Tcp
    }

    /// TLS with rustls trusting only `ca` (PEM), an optional client certificate chain and
    /// key, and optional ALPN protocols ([`TlsConfiguration::Simple`]).
    #[cfg(feature = "use-rustls-no-provider")]
    #[cfg_attr(docsrs, doc(cfg(feature = "use-rustls-no-provider")))]
    pub const fn tls(
        ca: Vec<u8>,
        client_auth: Option<(Vec<u8>, Vec<u8>)>,
        alpn: Option<Vec<Vec<u8>>>,
    ) -> Self {
        Self::Tls(TlsConfiguration::Simple {
            ca,
            alpn,
            client_auth,
        })
    }

    /// TLS with the given configuration (its variant picks the backend).
    #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls")))
    )]
    pub const fn tls_with_config(config: TlsConfiguration) -> Self {
        Self::Tls(config)
    }

    /// TLS trusting the platform roots: rustls when compiled in, else native-tls. The roots
    /// are loaded when connecting, so this never fails or panics.
    #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls")))
    )]
    pub const fn tls_with_default_config() -> Self {
        Self::Tls(TlsConfiguration::preferred_default())
    }

    /// A Unix domain socket.
    #[cfg(unix)]
    #[cfg_attr(docsrs, doc(cfg(unix)))]
    pub const fn unix() -> Self {
        Self::Unix
    }

    /// WebSocket over plain TCP.
    #[cfg(feature = "websocket")]
    #[cfg_attr(docsrs, doc(cfg(feature = "websocket")))]
    pub const fn ws() -> Self {
        Self::Ws
    }

    /// Secure WebSocket with rustls trusting only `ca` (PEM), an optional client
    /// certificate chain and key, and optional ALPN protocols.
    #[cfg(all(feature = "websocket", feature = "use-rustls-no-provider"))]
    #[cfg_attr(
        docsrs,
        doc(cfg(all(feature = "websocket", feature = "use-rustls-no-provider")))
    )]
    pub const fn wss(
        ca: Vec<u8>,
        client_auth: Option<(Vec<u8>, Vec<u8>)>,
        alpn: Option<Vec<Vec<u8>>>,
    ) -> Self {
        Self::Wss(TlsConfiguration::Simple {
            ca,
            alpn,
            client_auth,
        })
    }

    /// Secure WebSocket with the given TLS configuration (its variant picks the backend).
    #[cfg(all(
        feature = "websocket",
        any(feature = "use-rustls-no-provider", feature = "use-native-tls")
    ))]
    #[cfg_attr(
        docsrs,
        doc(cfg(all(
            feature = "websocket",
            any(feature = "use-rustls-no-provider", feature = "use-native-tls")
        )))
    )]
    pub const fn wss_with_config(config: TlsConfiguration) -> Self {
        Self::Wss(config)
    }

    /// Secure WebSocket trusting the platform roots: rustls when compiled in, else
    /// native-tls. Never fails or panics; the roots are loaded when connecting.
    #[cfg(all(
        feature = "websocket",
        any(feature = "use-rustls-no-provider", feature = "use-native-tls")
    ))]
    #[cfg_attr(
        docsrs,
        doc(cfg(all(
            feature = "websocket",
            any(feature = "use-rustls-no-provider", feature = "use-native-tls")
        )))
    )]
    pub const fn wss_with_default_config() -> Self {
        Self::Wss(TlsConfiguration::preferred_default())
    }
}
