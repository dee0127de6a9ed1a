//! [`Proxy`]: the HTTP CONNECT proxy a connection is tunnelled through, how the client talks
//! to it and with which credentials. It only names them; `transport::proxy` opens the tunnel.

use std::fmt;

#[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
use super::TlsConfiguration;

/// An HTTP proxy that tunnels the broker connection with `CONNECT host:port`.
///
/// Used for TCP, TLS, WebSocket and secure WebSocket transports, never for Unix sockets.
#[derive(Clone, Debug)]
pub struct Proxy {
    /// Plain HTTP, or HTTPS (TLS to the proxy itself).
    pub ty: ProxyType,
    /// Credentials sent to the proxy.
    pub auth: ProxyAuth,
    /// The proxy host.
    pub addr: String,
    /// The proxy port.
    pub port: u16,
}

/// How the client talks to the proxy.
#[derive(Clone, Debug)]
pub enum ProxyType {
    /// Plain HTTP.
    Http,
    /// HTTP over TLS to the proxy (the proxy's certificate is verified for `Proxy::addr`).
    #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls")))
    )]
    Https(TlsConfiguration),
}

/// Credentials for the proxy.
#[derive(Clone, PartialEq, Eq)]
pub enum ProxyAuth {
    /// No `Proxy-Authorization` header.
    None,
    /// HTTP Basic authentication.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: String,
    },
}

/// Shows the user name; the password is redacted.
impl fmt::Debug for ProxyAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
        }
    }
}
