//! [`ConnectionError`], why [`EventLoop::poll`](super::EventLoop::poll) failed: it wraps
//! the errors of the layers below (codec, state, transport, network) without repeating them.

use std::io;

#[cfg(doc)]
use super::EventLoop;

use crate::framed::NetworkError;
use crate::mqttbytes::{self, ConnectReturnCode, Packet};
use crate::options::{ConfigError, CredentialsError};
use crate::state::StateError;
use crate::transport::TransportError;

/// Why [`EventLoop::poll`] failed. Every variant but [`ConnectionError::RequestsDone`] and
/// [`ConnectionError::DisconnectTimeout`] means "the connection is gone": poll again to reconnect.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionError {
    /// The broker broke the protocol, or the keep-alive expired.
    #[error(transparent)]
    MqttState(#[from] StateError),
    /// The broker sent bytes that are not a valid MQTT 3.1.1 packet.
    #[error("invalid packet from the broker")]
    Decode(#[source] mqttbytes::Error),
    /// A packet could not be encoded (for example it exceeds the maximum packet size).
    #[error("cannot encode an outgoing packet")]
    Encode(#[source] mqttbytes::Error),
    /// Connecting (transport and CONNECT/CONNACK) took longer than the connection timeout.
    #[error("connecting to `{broker}` timed out")]
    NetworkTimeout {
        /// The broker the attempt was for, as `host:port`, socket path or URL.
        broker: String,
    },
    /// Writing to the network took longer than the connection timeout.
    #[error("flushing to the network timed out")]
    FlushTimeout,
    /// A graceful disconnect could not drain in time; no DISCONNECT was sent.
    #[error("graceful disconnect timed out before in-flight work was acknowledged")]
    DisconnectTimeout,
    /// A transport error. While connecting, its message names the broker and the failed
    /// step (resolve, connect, socket connector, CONNECT/CONNACK exchange), its kind is the
    /// original error's, and the original error is its `source()`.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The broker refused the connection.
    #[error("broker refused the connection: {0:?}")]
    ConnectionRefused(ConnectReturnCode),
    /// The broker answered CONNECT with something other than CONNACK.
    #[error("expected CONNACK, received {:?}", .0.packet_type())]
    NotConnAck(Box<Packet>),
    /// The broker resumed a session although a clean session was requested.
    #[error("[MQTT-3.2.2-1] broker reported a present session for a clean session")]
    SessionStateMismatch {
        /// What the client asked for.
        clean_session: bool,
        /// What the broker answered.
        session_present: bool,
    },
    /// The broker closed the connection between packets.
    #[error("broker closed the connection")]
    ConnectionClosed,
    /// The broker closed the connection in the middle of a packet.
    #[error("broker closed the connection mid-packet with {buffered} bytes of it received")]
    TruncatedPacket {
        /// Bytes of the unfinished packet.
        buffered: usize,
    },
    /// The transport does not fit the broker address (for example TCP to a Unix path).
    #[error("transport does not match the broker address")]
    BrokerTransportMismatch,
    /// The TLS configuration is unusable or the TLS handshake failed.
    #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
    #[error(transparent)]
    Tls(#[from] crate::TlsError),
    /// The WebSocket upgrade failed (refused, wrong sub-protocol, request modifier error).
    #[cfg(feature = "websocket")]
    #[error(transparent)]
    Websocket(#[from] crate::WebsocketError),
    /// The HTTP CONNECT proxy could not open the tunnel.
    #[cfg(feature = "proxy")]
    #[error(transparent)]
    Proxy(#[from] crate::ProxyError),
    /// The credentials provider failed; the attempt counts as failed.
    #[error("credentials provider failed")]
    Credentials(#[source] CredentialsError),
    /// The session store failed to load, append or clear; nothing was sent that the
    /// store does not hold. A corrupted store file is named; clear it or start clean.
    /// When an append failed, the QoS 1/2 publishes it was to record were not sent and
    /// are not retried: tracked ones fail with
    /// [`PublishNoticeError::SessionStoreFailed`](crate::PublishNoticeError::SessionStoreFailed),
    /// untracked ones are reported by this error alone.
    #[error(transparent)]
    SessionStore(#[from] crate::SessionStoreError),
    /// The options are invalid; fix them and build a new event loop.
    #[error("invalid options")]
    InvalidOptions(#[from] ConfigError),
    /// The loop has finished: every client was dropped with no work left, or a disconnect completed.
    #[error("event loop finished: no clients remain or the client disconnected")]
    RequestsDone,
}

/// The transport's own error, under the public variants it always had.
impl From<TransportError> for ConnectionError {
    fn from(error: TransportError) -> Self {
        match error {
            TransportError::Io(error) => Self::Io(error),
            TransportError::BrokerTransportMismatch => Self::BrokerTransportMismatch,
            #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
            TransportError::Tls(error) => Self::Tls(error),
            #[cfg(feature = "websocket")]
            TransportError::Websocket(error) => Self::Websocket(error),
            #[cfg(feature = "proxy")]
            TransportError::Proxy(error) => Self::Proxy(error),
        }
    }
}

/// The network's own error, under the public variants it always had.
impl From<NetworkError> for ConnectionError {
    fn from(error: NetworkError) -> Self {
        match error {
            NetworkError::Decode(error) => Self::Decode(error),
            NetworkError::Encode(error) => Self::Encode(error),
            NetworkError::Io(error) => Self::Io(error),
            NetworkError::ConnectionClosed => Self::ConnectionClosed,
            NetworkError::TruncatedPacket { buffered } => Self::TruncatedPacket { buffered },
        }
    }
}
