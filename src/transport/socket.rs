//! The base byte stream under TLS and WebSocket: [`AsyncReadWrite`], the application's socket
//! connector that can replace TCP, and [`default_socket_connect`]. Knows nothing of MQTT.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::tcp;
use crate::options::NetworkOptions;

/// A byte stream the client can run MQTT over: tokio `AsyncRead + AsyncWrite`, `Send` and
/// `Unpin`. Implemented for every such type; a socket connector returns one.
pub trait AsyncReadWrite: AsyncRead + AsyncWrite + Send + Unpin {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin> AsyncReadWrite for T {}

type ConnectFuture = Pin<Box<dyn Future<Output = io::Result<Box<dyn AsyncReadWrite>>> + Send>>;

/// The application's function that opens the base stream, given `"host:port"` and the
/// network options; shared by clones of the options.
#[derive(Clone)]
pub(crate) struct SocketConnector(
    Arc<dyn Fn(String, NetworkOptions) -> ConnectFuture + Send + Sync>,
);

impl SocketConnector {
    /// Type-erases `connector`.
    pub(crate) fn new<F, Fut, S>(connector: F) -> Self
    where
        F: Fn(String, NetworkOptions) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = io::Result<S>> + Send + 'static,
        S: AsyncReadWrite + 'static,
    {
        Self(Arc::new(move |address, options| {
            let future = connector(address, options);
            Box::pin(async move {
                let stream = future.await?;
                Ok(Box::new(stream) as Box<dyn AsyncReadWrite>)
            })
        }))
    }

    /// Calls the connector once.
    pub(crate) async fn connect(
        &self,
        address: String,
        options: NetworkOptions,
    ) -> io::Result<Box<dyn AsyncReadWrite>> {
        (self.0)(address, options).await
    }
}

impl fmt::Debug for SocketConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SocketConnector(..)")
    }
}

/// Opens a TCP connection to `host` (`"host:port"`, an IPv6 literal in brackets) the way the
/// client does without a socket connector: resolves the name, then tries each address in
/// turn with the network options applied (nodelay, buffer sizes, bind address and device).
///
/// Call it from a socket connector that only wants to change a few things.
///
/// # Errors
/// The error of the last address tried, or [`io::ErrorKind::InvalidInput`] when `host`
/// does not resolve to any address.
///
/// # Examples
/// ```no_run
/// use rumqttc::{MqttOptions, NetworkOptions, default_socket_connect};
///
/// let mut options = MqttOptions::new("sensor-17", ("broker.local", 1883));
/// options.set_socket_connector(|host: String, network: NetworkOptions| async move {
///     let stream = default_socket_connect(host, network).await?;
///     stream.set_nodelay(true)?;
///     Ok(stream)
/// });
/// assert!(options.has_socket_connector());
/// ```
pub async fn default_socket_connect(
    host: String,
    options: NetworkOptions,
) -> io::Result<TcpStream> {
    tcp::connect(host.as_str(), &options).await
}
