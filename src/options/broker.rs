//! Where the client connects ([`Broker`]), how ([`Transport`]), and whether the two fit.
//! Opening the connection is the `transport` module's job, not this one's.

use std::fmt;
#[cfg(unix)]
use std::path::{Path, PathBuf};

#[cfg(any(feature = "proxy", feature = "websocket"))]
use super::MqttOptions;
#[cfg(feature = "websocket")]
use super::OptionError;
#[cfg(feature = "proxy")]
use crate::transport::Proxy;
#[cfg(feature = "websocket")]
use crate::transport::RequestModifier;
use crate::transport::authority;
#[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
use crate::transport::{TlsConfiguration, TlsError};
#[cfg(feature = "websocket")]
use async_tungstenite::tungstenite::http::Request;
#[cfg(feature = "websocket")]
use std::future::IntoFuture;

/// The port a broker given only by host name is reached on (IANA "mqtt").
const DEFAULT_MQTT_PORT: u16 = 1883;

/// The broker to connect to: a TCP host and port, a Unix socket path, or a WebSocket URL.
///
/// Opaque: build it with [`Broker::tcp`], a `From` conversion (`"host"` gives port 1883,
/// `("host", port)` any port), `Broker::unix` or `Broker::websocket`, and read it back
/// with the accessors. Each kind picks its default [`Transport`] in
/// [`MqttOptions::new`](crate::MqttOptions::new).
#[derive(Clone, PartialEq, Eq)]
pub struct Broker {
    target: Target,
}

/// The broker kinds; private so new kinds and fields can be added freely.
#[derive(Clone, PartialEq, Eq)]
enum Target {
    Tcp {
        host: String,
        port: u16,
    },
    #[cfg(unix)]
    Unix {
        path: PathBuf,
    },
    /// `url` is kept whole (path and query) for the HTTP upgrade request.
    #[cfg(feature = "websocket")]
    Websocket {
        url: String,
        host: String,
        port: Option<u16>,
        path: String,
    },
}

impl Broker {
    /// A broker reached over TCP at `host` (a name or an IP literal) and `port`.
    pub fn tcp(host: impl Into<String>, port: u16) -> Self {
        Self {
            target: Target::Tcp {
                host: host.into(),
                port,
            },
        }
    }

    /// A broker listening on the Unix domain socket at `path`.
    #[cfg(unix)]
    #[cfg_attr(docsrs, doc(cfg(unix)))]
    pub fn unix(path: impl Into<PathBuf>) -> Self {
        Self {
            target: Target::Unix { path: path.into() },
        }
    }

    /// A broker reached over WebSocket at a `ws://host[:port][/path][?query]` URL.
    ///
    /// The whole URL is kept and becomes the URI of the upgrade request; the port
    /// defaults to 80. For `wss://`, pass the `ws://` form here and choose a secure
    /// transport with [`MqttOptions::set_transport`](crate::MqttOptions::set_transport).
    ///
    /// # Errors
    /// [`OptionError::WssRequiresExplicitTransport`] for a `wss://` URL,
    /// [`OptionError::Scheme`] for any other scheme or none, and
    /// [`OptionError::WebsocketUrl`] when the rest does not parse as a URI or has no host.
    #[cfg(feature = "websocket")]
    #[cfg_attr(docsrs, doc(cfg(feature = "websocket")))]
    pub fn websocket(url: impl Into<String>) -> Result<Self, OptionError> {
        use async_tungstenite::tungstenite::http::Uri;

        let url = url.into();
        // The scheme is checked first so a missing `ws://` reads as a scheme error.
        match url.split_once("://") {
            Some(("ws", _)) => {}
            Some(("wss", _)) => return Err(OptionError::WssRequiresExplicitTransport),
            _ => return Err(OptionError::Scheme),
        }
        let uri: Uri = url.parse().map_err(|_| OptionError::WebsocketUrl)?;
        // An IPv6 literal loses its brackets, so the host can be dialled as given.
        let host = match uri.host() {
            Some(host) if !host.is_empty() => host.trim_start_matches('[').trim_end_matches(']'),
            _ => return Err(OptionError::WebsocketUrl),
        };
        let host = host.to_owned();
        let port = uri.port_u16();
        let path = uri.path().to_owned();
        Ok(Self {
            target: Target::Websocket {
                url,
                host,
                port,
                path,
            },
        })
    }

    /// The host and port of a TCP broker; `None` for other kinds.
    pub const fn tcp_address(&self) -> Option<(&str, u16)> {
        match &self.target {
            Target::Tcp { host, port } => Some((host.as_str(), *port)),
            #[allow(unreachable_patterns, reason = "other kinds exist only with some cfgs")]
            _ => None,
        }
    }

    /// The socket path of a Unix broker; `None` for other kinds.
    #[cfg(unix)]
    #[cfg_attr(docsrs, doc(cfg(unix)))]
    pub fn unix_path(&self) -> Option<&Path> {
        match &self.target {
            Target::Unix { path } => Some(path.as_path()),
            _ => None,
        }
    }

    /// The full URL of a WebSocket broker, as given; `None` for other kinds.
    #[cfg(feature = "websocket")]
    #[cfg_attr(docsrs, doc(cfg(feature = "websocket")))]
    pub const fn websocket_url(&self) -> Option<&str> {
        match &self.target {
            Target::Websocket { url, .. } => Some(url.as_str()),
            _ => None,
        }
    }

    /// The host and port to dial for a WebSocket broker: the URL's explicit port, else
    /// `default_port` (80 for `ws`, 443 when a secure transport is used).
    #[cfg(feature = "websocket")]
    pub(crate) fn websocket_address(&self, default_port: u16) -> Option<(&str, u16)> {
        match &self.target {
            Target::Websocket { host, port, .. } => {
                Some((host.as_str(), port.unwrap_or(default_port)))
            }
            _ => None,
        }
    }

    /// The transport a broker of this kind uses unless told otherwise.
    pub(crate) const fn default_transport(&self) -> Transport {
        match &self.target {
            Target::Tcp { .. } => Transport::Tcp,
            #[cfg(unix)]
            Target::Unix { .. } => Transport::Unix,
            #[cfg(feature = "websocket")]
            Target::Websocket { .. } => Transport::Ws,
        }
    }

    /// Whether `transport` can reach this broker: `Tcp` and `Tls` need a TCP broker, `Unix`
    /// a Unix broker, `Ws` and `Wss` a WebSocket broker.
    pub(crate) const fn is_compatible(&self, transport: &Transport) -> bool {
        match transport {
            Transport::Tcp => matches!(self.target, Target::Tcp { .. }),
            #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
            Transport::Tls(_) => matches!(self.target, Target::Tcp { .. }),
            #[cfg(unix)]
            Transport::Unix => matches!(self.target, Target::Unix { .. }),
            #[cfg(feature = "websocket")]
            Transport::Ws => matches!(self.target, Target::Websocket { .. }),
            #[cfg(all(
                feature = "websocket",
                any(feature = "use-rustls-no-provider", feature = "use-native-tls")
            ))]
            Transport::Wss(_) => matches!(self.target, Target::Websocket { .. }),
        }
    }
}

/// Shows where the broker is, leaving out a WebSocket URL's query and user info, which
/// may carry tokens.
impl fmt::Debug for Broker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            Target::Tcp { host, port } => f
                .debug_struct("Tcp")
                .field("host", host)
                .field("port", port)
                .finish(),
            #[cfg(unix)]
            Target::Unix { path } => f.debug_struct("Unix").field("path", path).finish(),
            #[cfg(feature = "websocket")]
            Target::Websocket {
                host, port, path, ..
            } => f
                .debug_struct("Websocket")
                .field("host", host)
                .field("port", port)
                .field("path", path)
                .finish_non_exhaustive(),
        }
    }
}

/// Where the broker is, as errors and logs name it: `host:port` (an IPv6 literal in
/// brackets), the socket path, or a WebSocket URL without its query and user info.
///
/// # Examples
/// ```
/// use rumqttc::Broker;
///
/// assert_eq!(Broker::tcp("::1", 1883).to_string(), "[::1]:1883");
/// assert_eq!(Broker::from("broker.local").to_string(), "broker.local:1883");
/// ```
impl fmt::Display for Broker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            Target::Tcp { host, port } => f.write_str(&authority(host, *port)),
            #[cfg(unix)]
            Target::Unix { path } => write!(f, "{}", path.display()),
            #[cfg(feature = "websocket")]
            Target::Websocket {
                host, port, path, ..
            } => match port {
                Some(port) => write!(f, "ws://{}{path}", authority(host, *port)),
                None if host.contains(':') => write!(f, "ws://[{host}]{path}"),
                None => write!(f, "ws://{host}{path}"),
            },
        }
    }
}

/// A TCP broker on port 1883.
impl From<&str> for Broker {
    fn from(host: &str) -> Self {
        Self::tcp(host, DEFAULT_MQTT_PORT)
    }
}

/// A TCP broker on port 1883.
impl From<String> for Broker {
    fn from(host: String) -> Self {
        Self::tcp(host, DEFAULT_MQTT_PORT)
    }
}

/// A TCP broker at `(host, port)`.
impl<S: Into<String>> From<(S, u16)> for Broker {
    fn from((host, port): (S, u16)) -> Self {
        Self::tcp(host, port)
    }
}

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

    /// As [`Transport::tls_with_default_config`], loading the roots (or building the
    /// native-tls connector) now.
    ///
    /// # Errors
    /// The [`TlsError`] of loading the platform roots or building the connector.
    #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls")))
    )]
    pub fn try_tls_with_default_config() -> Result<Self, TlsError> {
        TlsConfiguration::try_preferred_default().map(Self::Tls)
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

    /// As [`Transport::wss_with_default_config`], loading the roots (or building the
    /// native-tls connector) now.
    ///
    /// # Errors
    /// The [`TlsError`] of loading the platform roots or building the connector.
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
    pub fn try_wss_with_default_config() -> Result<Self, TlsError> {
        TlsConfiguration::try_preferred_default().map(Self::Wss)
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
