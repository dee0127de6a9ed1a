//! Plain TCP: resolve the broker host and connect with the configured socket options, also
//! offered to socket connectors as [`default_socket_connect`]. Knows nothing of MQTT.

use std::io;
use std::net::SocketAddr;

use tokio::net::{TcpSocket, TcpStream, ToSocketAddrs, lookup_host};

use crate::options::NetworkOptions;

/// Resolves `address` (`(host, port)` or `"host:port"`) and connects to the first resolved
/// address that accepts, trying them in turn.
///
/// The caller bounds the whole attempt with the connection timeout.
pub(crate) async fn connect<A: ToSocketAddrs>(
    address: A,
    options: &NetworkOptions,
) -> io::Result<TcpStream> {
    connect_resolved(resolve(address).await?, options).await
}

/// The addresses `address` resolves to; an empty answer is an [`io::ErrorKind::InvalidInput`]
/// error.
pub(crate) async fn resolve<A: ToSocketAddrs>(address: A) -> io::Result<Vec<SocketAddr>> {
    let addrs: Vec<SocketAddr> = lookup_host(address).await?.collect();
    if addrs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        ));
    }
    Ok(addrs)
}

/// Connects to the first of `addrs` that accepts, trying them in turn; fails with the last
/// error.
pub(crate) async fn connect_resolved(
    addrs: Vec<SocketAddr>,
    options: &NetworkOptions,
) -> io::Result<TcpStream> {
    let mut last_error = io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to");
    for addr in addrs {
        match connect_addr(addr, options).await {
            Ok(stream) => return Ok(stream),
            Err(error) => last_error = error,
        }
    }
    Err(last_error)
}

/// Connects one socket address, applying nodelay, buffer sizes and bind options first.
async fn connect_addr(addr: SocketAddr, options: &NetworkOptions) -> io::Result<TcpStream> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.set_nodelay(options.tcp_nodelay())?;
    if let Some(size) = options.tcp_send_buffer_size() {
        socket.set_send_buffer_size(size)?;
    }
    if let Some(size) = options.tcp_recv_buffer_size() {
        socket.set_recv_buffer_size(size)?;
    }
    if let Some(bind) = options.bind_addr() {
        socket.bind(bind)?;
    }
    bind_device(&socket, options)?;
    socket.connect(addr).await
}

#[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
fn bind_device(socket: &TcpSocket, options: &NetworkOptions) -> io::Result<()> {
    match options.bind_device() {
        Some(device) => socket.bind_device(Some(device.as_bytes())),
        None => Ok(()),
    }
}

#[cfg(not(any(target_os = "android", target_os = "fuchsia", target_os = "linux")))]
fn bind_device(_: &TcpSocket, _: &NetworkOptions) -> io::Result<()> {
    Ok(())
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
    connect(host.as_str(), &options).await
}
