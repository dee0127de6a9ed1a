//! Opening the byte stream to the broker: one [`Stream`] enum over every transport, and
//! [`connect`] dispatching on the configured [`Transport`]. Knows nothing of MQTT.

mod tcp;
#[cfg(unix)]
mod unix;

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::{ConnectionError, MqttOptions, NetworkOptions, Transport};

/// The connected byte stream, whichever transport produced it.
#[derive(Debug)]
pub(crate) enum Stream {
    /// Plain TCP.
    Tcp(TcpStream),
    /// Unix domain socket.
    #[cfg(unix)]
    Unix(tokio::net::UnixStream),
}

/// Opens the transport configured in `options` (no MQTT traffic yet).
pub(crate) async fn connect(
    options: &MqttOptions,
    network: &NetworkOptions,
) -> Result<Stream, ConnectionError> {
    let broker = options.broker();
    match options.transport() {
        Transport::Tcp => {
            let (host, port) = broker
                .tcp_address()
                .ok_or(ConnectionError::BrokerTransportMismatch)?;
            Ok(Stream::Tcp(tcp::connect(host, port, network).await?))
        }
        #[cfg(unix)]
        Transport::Unix => {
            let path = broker
                .unix_path()
                .ok_or(ConnectionError::BrokerTransportMismatch)?;
            Ok(Stream::Unix(unix::connect(path).await?))
        }
        #[allow(unreachable_patterns)]
        _ => Err(ConnectionError::BrokerTransportMismatch),
    }
}

/// Forwards a poll call to whichever stream is inside.
macro_rules! delegate {
    ($self:ident, $stream:ident => $call:expr) => {
        match $self.get_mut() {
            Stream::Tcp($stream) => $call,
            #[cfg(unix)]
            Stream::Unix($stream) => $call,
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
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        delegate!(self, s => Pin::new(s).poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        delegate!(self, s => Pin::new(s).poll_shutdown(cx))
    }
}
