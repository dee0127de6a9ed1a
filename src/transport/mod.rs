//! Opening the byte stream to the broker: one [`Stream`] enum over every transport, and
//! [`connect`] layering proxy, TLS and WebSocket as the [`Transport`] asks. Knows nothing of
//! MQTT; the caller bounds the whole attempt with the connection timeout.

mod error;
#[cfg(feature = "proxy")]
mod proxy;
mod tcp;
#[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
mod tls;
#[cfg(unix)]
mod unix;
#[cfg(feature = "websocket")]
mod websocket;

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::options::{
    AsyncReadWrite, Broker, MqttOptions, NetworkOptions, SocketConnector, Transport, authority,
};
use error::{ConnectStep, located};

pub(crate) use error::{TransportError, exchange_error};
pub use tcp::default_socket_connect;

#[cfg(feature = "proxy")]
pub use proxy::ProxyError;
#[cfg(feature = "use-rustls-no-provider")]
pub use tls::PemInput;
#[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
pub use tls::TlsError;
#[cfg(feature = "websocket")]
pub use websocket::WebsocketError;

/// The port a `ws://` broker URL without one is reached on.
#[cfg(feature = "websocket")]
const DEFAULT_WS_PORT: u16 = 80;
/// The port a secure WebSocket broker URL without one is reached on.
#[cfg(all(
    feature = "websocket",
    any(feature = "use-rustls-no-provider", feature = "use-native-tls")
))]
const DEFAULT_WSS_PORT: u16 = 443;

/// The connected byte stream, whichever transport produced it. The TLS and WebSocket
/// layers wrap another `Stream` (TCP, a custom socket, or TLS for wss and HTTPS proxies).
pub(crate) enum Stream {
    /// Plain TCP (possibly a proxy tunnel).
    Tcp(TcpStream),
    /// What the application's socket connector returned.
    Custom(Box<dyn AsyncReadWrite>),
    /// Unix domain socket.
    #[cfg(unix)]
    Unix(tokio::net::UnixStream),
    /// rustls over an inner stream.
    #[cfg(feature = "use-rustls-no-provider")]
    Rustls(Box<tokio_rustls::client::TlsStream<Self>>),
    /// native-tls over an inner stream.
    #[cfg(feature = "use-native-tls")]
    NativeTls(Box<tokio_native_tls::TlsStream<Self>>),
    /// WebSocket binary messages over an inner stream.
    #[cfg(feature = "websocket")]
    Websocket(Box<websocket::WsStream>),
}

/// Opens the transport configured in `options` to `broker`, one of its brokers (no MQTT
/// traffic yet).
///
/// Errors name the broker: an IO error in its message (its kind and cause kept), TLS and
/// WebSocket errors in a field.
pub(crate) async fn connect(
    options: &MqttOptions,
    broker: &Broker,
    network: &NetworkOptions,
) -> Result<Stream, TransportError> {
    let mismatch = || TransportError::BrokerTransportMismatch;
    match options.transport() {
        Transport::Tcp => {
            let (host, port) = broker.tcp_address().ok_or_else(mismatch)?;
            base(options, host, port, network).await
        }
        #[cfg(unix)]
        Transport::Unix => {
            let path = broker.unix_path().ok_or_else(mismatch)?;
            match unix::connect(path).await {
                Ok(stream) => Ok(Stream::Unix(stream)),
                Err(error) => Err(located(ConnectStep::Connect, broker.to_string(), error).into()),
            }
        }
        #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
        Transport::Tls(config) => {
            let (host, port) = broker.tcp_address().ok_or_else(mismatch)?;
            let connector = config.connector()?;
            let stream = base(options, host, port, network).await?;
            let server_name = options.tls_server_name().unwrap_or(host);
            Ok(connector
                .connect(server_name, &authority(host, port), stream)
                .await?)
        }
        #[cfg(feature = "websocket")]
        Transport::Ws => {
            let (host, port) = broker
                .websocket_address(DEFAULT_WS_PORT)
                .ok_or_else(mismatch)?;
            let stream = base(options, host, port, network).await?;
            upgrade(options, broker, stream).await
        }
        #[cfg(all(
            feature = "websocket",
            any(feature = "use-rustls-no-provider", feature = "use-native-tls")
        ))]
        Transport::Wss(config) => {
            let (host, port) = broker
                .websocket_address(DEFAULT_WSS_PORT)
                .ok_or_else(mismatch)?;
            let connector = config.connector()?;
            let stream = base(options, host, port, network).await?;
            let server_name = options.tls_server_name().unwrap_or(host);
            let stream = connector
                .connect(server_name, &authority(host, port), stream)
                .await?;
            upgrade(options, broker, stream).await
        }
    }
}

/// The stream everything else is layered on: a tunnel through the configured proxy, or
/// the stream [`dial`] opens to the broker.
async fn base(
    options: &MqttOptions,
    host: &str,
    port: u16,
    network: &NetworkOptions,
) -> Result<Stream, TransportError> {
    let connector = options.socket_connector();
    #[cfg(feature = "proxy")]
    if let Some(proxy) = options.proxy() {
        return Ok(proxy::connect(&proxy, host, port, network, connector.as_ref()).await?);
    }
    Ok(dial(host, port, network, connector.as_ref()).await?)
}

/// Opens a stream to `host:port` through the application's socket connector if there is
/// one, else by resolving the host and connecting TCP. The error names `host:port`.
async fn dial(
    host: &str,
    port: u16,
    network: &NetworkOptions,
    connector: Option<&SocketConnector>,
) -> io::Result<Stream> {
    let address = authority(host, port);
    if let Some(connector) = connector {
        return match connector.connect(address.clone(), network.clone()).await {
            Ok(stream) => Ok(Stream::Custom(stream)),
            Err(error) => Err(located(ConnectStep::Connector, address, error)),
        };
    }
    let addrs = match tcp::resolve((host, port)).await {
        Ok(addrs) => addrs,
        Err(error) => return Err(located(ConnectStep::Resolve, address, error)),
    };
    match tcp::connect_resolved(addrs, network).await {
        Ok(stream) => Ok(Stream::Tcp(stream)),
        Err(error) => Err(located(ConnectStep::Connect, address, error)),
    }
}

/// The WebSocket upgrade to the broker URL, with the options' request modifier.
#[cfg(feature = "websocket")]
async fn upgrade(
    options: &MqttOptions,
    broker: &Broker,
    stream: Stream,
) -> Result<Stream, TransportError> {
    let url = broker
        .websocket_url()
        .ok_or(TransportError::BrokerTransportMismatch)?;
    let modifier = options.request_modifier();
    Ok(websocket::connect(url, &broker.to_string(), modifier.as_ref(), stream).await?)
}

/// Shows which transport the stream is; the bytes and peers are not shown.
impl fmt::Debug for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Tcp(_) => "Stream::Tcp",
            Self::Custom(_) => "Stream::Custom",
            #[cfg(unix)]
            Self::Unix(_) => "Stream::Unix",
            #[cfg(feature = "use-rustls-no-provider")]
            Self::Rustls(_) => "Stream::Rustls",
            #[cfg(feature = "use-native-tls")]
            Self::NativeTls(_) => "Stream::NativeTls",
            #[cfg(feature = "websocket")]
            Self::Websocket(_) => "Stream::Websocket",
        })
    }
}

/// Forwards a poll call to whichever stream is inside.
macro_rules! delegate {
    ($self:ident, $stream:ident => $call:expr) => {
        match $self.get_mut() {
            Stream::Tcp($stream) => $call,
            Stream::Custom($stream) => $call,
            #[cfg(unix)]
            Stream::Unix($stream) => $call,
            #[cfg(feature = "use-rustls-no-provider")]
            Stream::Rustls($stream) => $call,
            #[cfg(feature = "use-native-tls")]
            Stream::NativeTls($stream) => $call,
            #[cfg(feature = "websocket")]
            Stream::Websocket($stream) => $call,
        }
    };
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        delegate!(self, s => Pin::new(s).poll_read(cx, buf))
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        delegate!(self, s => Pin::new(s).poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        delegate!(self, s => Pin::new(s).poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Tcp(s) => s.is_write_vectored(),
            Self::Custom(s) => s.is_write_vectored(),
            #[cfg(unix)]
            Self::Unix(s) => s.is_write_vectored(),
            #[cfg(feature = "use-rustls-no-provider")]
            Self::Rustls(s) => s.is_write_vectored(),
            #[cfg(feature = "use-native-tls")]
            Self::NativeTls(s) => s.is_write_vectored(),
            #[cfg(feature = "websocket")]
            Self::Websocket(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        delegate!(self, s => Pin::new(s).poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        delegate!(self, s => Pin::new(s).poll_shutdown(cx))
    }
}
