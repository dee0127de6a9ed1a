//! A bound listener on `127.0.0.1:0` that the test drives by hand (accept, expect, send)
//! or turns into a [`ScriptedBroker`](super::scripted_broker::ScriptedBroker); and the
//! options for a client of it.

use std::net::SocketAddr;
use std::time::Duration;

use rumqttc::{Connect, MqttOptions, NetworkOptions, Packet};
use tokio::net::TcpListener;

use super::packet_conn::{DEFAULT_READ_TIMEOUT, PacketConn};

/// A bound listener on `127.0.0.1:0`, driven by the test or turned into a [`ScriptedBroker`].
pub(crate) struct TestBroker {
    pub(super) listener: TcpListener,
    pub(super) addr: SocketAddr,
    pub(super) read_timeout: Duration,
}

impl TestBroker {
    /// Binds a free port on 127.0.0.1. The broker accepts connections once this returns.
    pub(crate) async fn bind() -> Self {
        let listener = match TcpListener::bind("127.0.0.1:0").await {
            Ok(listener) => listener,
            Err(error) => panic!("cannot bind a test broker on 127.0.0.1:0: {error}"),
        };
        let addr = match listener.local_addr() {
            Ok(addr) => addr,
            Err(error) => panic!("test broker has no local address: {error}"),
        };
        Self {
            listener,
            addr,
            read_timeout: DEFAULT_READ_TIMEOUT,
        }
    }

    /// Sets the read/accept guard used by this broker and its connections.
    pub(crate) fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// The listening address.
    pub(crate) const fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The listening port.
    pub(crate) const fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Accepts the next connection; panics (fails the test) when none comes within the guard.
    pub(crate) async fn accept(&self) -> PacketConn {
        match tokio::time::timeout(self.read_timeout, self.listener.accept()).await {
            Ok(Ok((stream, _))) => {
                let mut conn = PacketConn::new(stream);
                conn.set_read_timeout(self.read_timeout);
                conn
            }
            Ok(Err(error)) => panic!("test broker accept failed: {error}"),
            Err(_) => panic!("no client connected within {:?}", self.read_timeout),
        }
    }

    /// Accepts the next connection, reads its CONNECT and answers `connack`.
    pub(crate) async fn accept_session(&self, connack: &Packet) -> (PacketConn, Connect) {
        let mut conn = self.accept().await;
        let connect = conn.expect_connect().await;
        conn.send(connack).await;
        (conn, connect)
    }
}

/// Options for a client of a test broker at `port`: defaults, but with `TCP_NODELAY`, since
/// under a paused clock a segment held back by Nagle's algorithm (until the broker's
/// delayed ACK, in real time) would let virtual time run past every deadline.
pub(crate) fn client_options(client_id: &str, port: u16) -> MqttOptions {
    let mut options = MqttOptions::new(client_id, ("127.0.0.1", port));
    let mut network = NetworkOptions::new();
    network.set_tcp_nodelay(true);
    options.set_network_options(network);
    options
}
