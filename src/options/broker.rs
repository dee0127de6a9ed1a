//! Where the client connects ([`Broker`]), and which [`Transport`] kinds fit it. How bytes
//! travel is `transport.rs`; opening the connection is the `transport` module's job.

use std::fmt;
#[cfg(unix)]
use std::path::{Path, PathBuf};

#[cfg(feature = "websocket")]
use super::OptionError;
use super::transport::Transport;

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

/// `host:port`, with an IPv6 literal in brackets.
pub(crate) fn authority(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}
