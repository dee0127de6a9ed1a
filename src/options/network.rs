//! [`NetworkOptions`]: socket settings and the connection timeout. It only stores them; the
//! `transport` module applies them to each socket and the event loop enforces the timeout.

use std::net::SocketAddr;

/// Seconds a whole connection attempt may take unless configured otherwise.
const DEFAULT_CONNECTION_TIMEOUT_SECS: u64 = 5;

/// Socket options and the connection timeout.
///
/// [`NetworkOptions::new`] and [`Default`] agree: a 5 s connection timeout, Nagle's
/// algorithm left on (`tcp_nodelay` false), OS-default buffer sizes, no bind address and
/// no bind device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkOptions {
    tcp_send_buffer_size: Option<u32>,
    tcp_recv_buffer_size: Option<u32>,
    tcp_nodelay: bool,
    conn_timeout: u64,
    bind_addr: Option<SocketAddr>,
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    bind_device: Option<String>,
}

impl NetworkOptions {
    /// Default options: 5 s connection timeout, nodelay off, OS buffer sizes, no binding.
    pub const fn new() -> Self {
        Self {
            tcp_send_buffer_size: None,
            tcp_recv_buffer_size: None,
            tcp_nodelay: false,
            conn_timeout: DEFAULT_CONNECTION_TIMEOUT_SECS,
            bind_addr: None,
            #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
            bind_device: None,
        }
    }

    /// Sets `TCP_NODELAY`: `true` sends small packets at once instead of coalescing them.
    pub const fn set_tcp_nodelay(&mut self, nodelay: bool) {
        self.tcp_nodelay = nodelay;
    }

    /// Whether `TCP_NODELAY` is set on new sockets.
    pub const fn tcp_nodelay(&self) -> bool {
        self.tcp_nodelay
    }

    /// Sets the socket send buffer size (`SO_SNDBUF`) in bytes.
    pub const fn set_tcp_send_buffer_size(&mut self, size: u32) {
        self.tcp_send_buffer_size = Some(size);
    }

    /// The socket send buffer size in bytes; `None` keeps the OS default.
    pub const fn tcp_send_buffer_size(&self) -> Option<u32> {
        self.tcp_send_buffer_size
    }

    /// Sets the socket receive buffer size (`SO_RCVBUF`) in bytes.
    pub const fn set_tcp_recv_buffer_size(&mut self, size: u32) {
        self.tcp_recv_buffer_size = Some(size);
    }

    /// The socket receive buffer size in bytes; `None` keeps the OS default.
    pub const fn tcp_recv_buffer_size(&self) -> Option<u32> {
        self.tcp_recv_buffer_size
    }

    /// Sets the connection timeout in seconds.
    ///
    /// It bounds one whole connection attempt (name lookup, TCP, TLS, WebSocket upgrade
    /// and the CONNECT/CONNACK exchange) and, separately, every flush of the network.
    /// 0 is rejected by [`MqttOptions::validate`](crate::MqttOptions::validate).
    pub const fn set_connection_timeout(&mut self, timeout_secs: u64) -> &mut Self {
        self.conn_timeout = timeout_secs;
        self
    }

    /// The connection timeout in seconds.
    pub const fn connection_timeout(&self) -> u64 {
        self.conn_timeout
    }

    /// Binds each socket to this local address before connecting.
    pub const fn set_bind_addr(&mut self, addr: SocketAddr) -> &mut Self {
        self.bind_addr = Some(addr);
        self
    }

    /// The local address sockets are bound to, if any.
    pub const fn bind_addr(&self) -> Option<SocketAddr> {
        self.bind_addr
    }

    /// Binds each socket to a network interface (`SO_BINDTODEVICE`), such as `"eth0"`.
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux")))
    )]
    pub fn set_bind_device(&mut self, device: &str) -> &mut Self {
        self.bind_device = Some(device.to_owned());
        self
    }

    /// The network interface sockets are bound to, if any.
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux")))
    )]
    pub fn bind_device(&self) -> Option<&str> {
        self.bind_device.as_deref()
    }
}

/// Same as [`NetworkOptions::new`], including the 5 s connection timeout.
impl Default for NetworkOptions {
    fn default() -> Self {
        Self::new()
    }
}
