//! Opening the byte stream to the broker: one [`Stream`] enum over every transport, and
//! [`connect`] layering proxy, TLS and WebSocket as the [`Transport`] asks. Knows nothing of
//! MQTT; the caller bounds the whole attempt with the connection timeout.

#[cfg(feature = "proxy")]
mod proxy;
mod tcp;
#[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
mod tls;
#[cfg(unix)]
mod unix;
#[cfg(feature = "websocket")]
mod websocket;

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::{Broker, ConnectionError, MqttOptions, NetworkOptions, Transport};

#[cfg(feature = "proxy")]
pub use proxy::{Proxy, ProxyAuth, ProxyError, ProxyType};
#[cfg(feature = "use-rustls-no-provider")]
pub use tls::PemInput;
#[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
pub use tls::{TlsConfiguration, TlsError};
#[cfg(feature = "websocket")]
pub use websocket::RequestModifier;
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
/// layers wrap another `Stream` (TCP, or TLS for wss and HTTPS proxies).
#[derive(Debug)]
pub(crate) enum Stream {
    /// Plain TCP (possibly a proxy tunnel).
    Tcp(TcpStream),
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
pub(crate) async fn connect(
    options: &MqttOptions,
    broker: &Broker,
    network: &NetworkOptions,
) -> Result<Stream, ConnectionError> {
    let mismatch = || ConnectionError::BrokerTransportMismatch;
    match options.transport() {
        Transport::Tcp => {
            let (host, port) = broker.tcp_address().ok_or_else(mismatch)?;
            base(options, host, port, network).await
        }
        #[cfg(unix)]
        Transport::Unix => {
            let path = broker.unix_path().ok_or_else(mismatch)?;
            Ok(Stream::Unix(unix::connect(path).await?))
        }
        #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
        Transport::Tls(config) => {
            let (host, port) = broker.tcp_address().ok_or_else(mismatch)?;
            let connector = config.connector()?;
            let stream = base(options, host, port, network).await?;
            Ok(connector.connect(host, stream).await?)
        }
        #[cfg(feature = "websocket")]
        Transport::Ws => {
            let (host, port) = broker
                .websocket_address(DEFAULT_WS_PORT)
                .ok_or_else(mismatch)?;
            let stream = base(options, host, port, network).await?;
            upgrade(options, broker, host, stream).await
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
            let stream = connector.connect(host, stream).await?;
            upgrade(options, broker, host, stream).await
        }
    }
}

/// The stream everything else is layered on: a tunnel through the configured proxy, or
/// a direct TCP connection.
#[cfg(feature = "proxy")]
async fn base(
    options: &MqttOptions,
    host: &str,
    port: u16,
    network: &NetworkOptions,
) -> Result<Stream, ConnectionError> {
    match options.proxy() {
        Some(proxy) => Ok(proxy::connect(&proxy, host, port, network).await?),
        None => Ok(Stream::Tcp(tcp::connect(host, port, network).await?)),
    }
}

/// The stream everything else is layered on: a direct TCP connection.
#[cfg(not(feature = "proxy"))]
async fn base(
    _options: &MqttOptions,
    host: &str,
    port: u16,
    network: &NetworkOptions,
) -> Result<Stream, ConnectionError> {
    Ok(Stream::Tcp(tcp::connect(host, port, network).await?))
}

/// The WebSocket upgrade to the broker URL, with the options' request modifier.
#[cfg(feature = "websocket")]
async fn upgrade(
    options: &MqttOptions,
    broker: &Broker,
    host: &str,
    stream: Stream,
) -> Result<Stream, ConnectionError> {
    let url = broker
        .websocket_url()
        .ok_or(ConnectionError::BrokerTransportMismatch)?;
    let modifier = options.request_modifier();
    Ok(websocket::connect(url, host, modifier.as_ref(), stream).await?)
}

/// Forwards a poll call to whichever stream is inside.
macro_rules! delegate {
    ($self:ident, $stream:ident => $call:expr) => {
        match $self.get_mut() {
            Stream::Tcp($stream) => $call,
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
