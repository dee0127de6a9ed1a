//! Naming the broker in errors of opening the connection: an IO error keeps its kind and
//! its cause as `source()`, and its message says which step failed for which address. Also
//! recognises a TLS refusal that surfaces as an IO error of the first exchange.

use std::io;

#[cfg(feature = "proxy")]
use super::ProxyError;
#[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
use super::TlsError;
#[cfg(feature = "websocket")]
use super::WebsocketError;
#[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
use crate::options::Transport;
#[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
use crate::options::authority;
use crate::options::{Broker, MqttOptions};

/// Why opening the byte stream failed. The transport's own error: the event loop reports
/// each variant under the public `ConnectionError` variant of the same name.
#[derive(Debug)]
pub(crate) enum TransportError {
    /// Resolving, connecting or a later IO step failed; the message names the broker.
    Io(io::Error),
    /// The transport does not fit the broker kind.
    BrokerTransportMismatch,
    /// Building the TLS connector or the handshake failed.
    #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
    Tls(TlsError),
    /// The WebSocket upgrade failed.
    #[cfg(feature = "websocket")]
    Websocket(WebsocketError),
    /// The HTTP CONNECT proxy failed.
    #[cfg(feature = "proxy")]
    Proxy(ProxyError),
}

impl From<io::Error> for TransportError {
    fn from(error: io::Error) -> Self {
        Self::Io(error)
    }
}

#[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
impl From<TlsError> for TransportError {
    fn from(error: TlsError) -> Self {
        Self::Tls(error)
    }
}

#[cfg(feature = "websocket")]
impl From<WebsocketError> for TransportError {
    fn from(error: WebsocketError) -> Self {
        Self::Websocket(error)
    }
}

#[cfg(feature = "proxy")]
impl From<ProxyError> for TransportError {
    fn from(error: ProxyError) -> Self {
        Self::Proxy(error)
    }
}

/// Which step of opening the base stream failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConnectStep {
    /// Resolving the host name.
    Resolve,
    /// Connecting the socket (TCP or Unix).
    Connect,
    /// The application's socket connector.
    Connector,
    /// Sending CONNECT and reading CONNACK over the open stream.
    Exchange,
}

/// An IO error while opening the stream to `broker`; the original error is the source.
#[derive(Debug, thiserror::Error)]
#[error("{} `{broker}`", step_text(*.step))]
struct BrokerIoError {
    step: ConnectStep,
    broker: String,
    #[source]
    source: io::Error,
}

const fn step_text(step: ConnectStep) -> &'static str {
    match step {
        ConnectStep::Resolve => "cannot resolve",
        ConnectStep::Connect => "cannot connect to",
        ConnectStep::Connector => "the socket connector failed for",
        ConnectStep::Exchange => "connection lost before connack from",
    }
}

/// `source` with the same kind, its message naming `broker` and the step.
pub(crate) fn located(step: ConnectStep, broker: String, source: io::Error) -> io::Error {
    io::Error::new(
        source.kind(),
        BrokerIoError {
            step,
            broker,
            source,
        },
    )
}

/// An error of the first MQTT exchange (CONNECT/CONNACK) as it should be reported: an IO
/// error that is the broker refusing the TLS session becomes that TLS error, and any other
/// IO error names the broker.
pub(crate) fn exchange_error(
    options: &MqttOptions,
    broker: &Broker,
    io: io::Error,
) -> TransportError {
    #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
    let io = match tls_refusal(options, broker, io) {
        Ok(tls) => return TransportError::Tls(tls),
        Err(io) => io,
    };
    let _ = options; // only TLS transports need the options
    TransportError::Io(located(ConnectStep::Exchange, broker.to_string(), io))
}

/// The TLS error `io` really is, on a TLS transport; `io` back otherwise.
#[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
fn tls_refusal(
    options: &MqttOptions,
    broker: &Broker,
    io: io::Error,
) -> Result<TlsError, io::Error> {
    let (config, target) = match options.transport() {
        Transport::Tls(config) => (config, broker.tcp_address()),
        #[cfg(feature = "websocket")]
        Transport::Wss(config) => (config, broker.websocket_address(super::DEFAULT_WSS_PORT)),
        _ => return Err(io),
    };
    let Some((host, port)) = target else {
        return Err(io);
    };
    let server_name = options.tls_server_name().unwrap_or(host);
    let address = authority(host, port);
    super::tls::refusal(&config, super::tls::Peer::new(server_name, &address), io)
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn located_error_keeps_kind_and_cause_and_names_the_broker() {
        let cause = io::Error::from(io::ErrorKind::ConnectionRefused);
        let error = located(ConnectStep::Connect, "broker.test:1883".to_owned(), cause);
        assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused);
        assert_eq!(error.to_string(), "cannot connect to `broker.test:1883`");
        let source = error.source().and_then(|s| s.downcast_ref::<io::Error>());
        assert_eq!(
            source.map(io::Error::kind),
            Some(io::ErrorKind::ConnectionRefused)
        );
    }
}
