//! MQTT over WebSocket: the HTTP upgrade (with the `mqtt` sub-protocol and the optional
//! request modifier) over an already open stream, and [`WsStream`], which turns binary
//! messages back into a byte stream. TLS (for wss) is done before, by the caller.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use async_tungstenite::tokio::{TokioAdapter, client_async_with_config};
use async_tungstenite::tungstenite::client::IntoClientRequest;
use async_tungstenite::tungstenite::error::{ProtocolError, SubProtocolError};
use async_tungstenite::tungstenite::http::header::{HeaderValue, SEC_WEBSOCKET_PROTOCOL};
use async_tungstenite::tungstenite::{Error as WsError, Message};
use async_tungstenite::{ByteWriter, WebSocketReceiver, WebSocketSender};
use bytes::{Buf, Bytes};
use futures_core::Stream as _;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::Stream;
use crate::options::RequestModifier;

/// The WebSocket sub-protocol MQTT uses (MQTT 3.1.1 §6).
const MQTT_SUBPROTOCOL: &str = "mqtt";

/// Why the WebSocket upgrade failed. Messages name the broker by its URL without the query
/// and user info, which may carry tokens.
#[derive(Debug, thiserror::Error)]
pub enum WebsocketError {
    /// The broker URL cannot be turned into an upgrade request.
    #[error("cannot build the websocket upgrade request for `{broker}`")]
    Request {
        /// The broker URL without query and user info (`ws://host:port/path`).
        broker: String,
        /// The reason.
        #[source]
        source: Box<WsError>,
    },
    /// The request modifier returned an error.
    #[error("the websocket request modifier failed")]
    RequestModifier(#[source] Box<dyn StdError + Send + Sync>),
    /// The broker answered the upgrade with an HTTP status other than 101.
    #[error("websocket upgrade to `{broker}` was refused with http status {status}")]
    UpgradeRejected {
        /// The broker URL without query and user info (`ws://host:port/path`).
        broker: String,
        /// The HTTP status code.
        status: u16,
    },
    /// The broker did not confirm the `mqtt` sub-protocol.
    #[error("websocket upgrade to `{broker}` did not confirm the `mqtt` sub-protocol")]
    Subprotocol {
        /// The broker URL without query and user info (`ws://host:port/path`).
        broker: String,
        /// What the broker answered instead.
        #[source]
        source: SubProtocolError,
    },
    /// The upgrade failed otherwise (malformed response, transport error).
    #[error("websocket upgrade to `{broker}` failed")]
    Handshake {
        /// The broker URL without query and user info (`ws://host:port/path`).
        broker: String,
        /// The reason.
        #[source]
        source: Box<WsError>,
    },
}

/// Sends the upgrade request for `url` over `stream` and checks the answer.
pub(crate) async fn connect(
    url: &str,
    broker: &str,
    modifier: Option<&RequestModifier>,
    stream: Stream,
) -> Result<Stream, WebsocketError> {
    let mut request = url
        .into_client_request()
        .map_err(|source| WebsocketError::Request {
            broker: broker.to_owned(),
            source: Box::new(source),
        })?;
    request.headers_mut().insert(
        SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(MQTT_SUBPROTOCOL),
    );
    if let Some(modifier) = modifier {
        request = modifier
            .apply(request)
            .await
            .map_err(WebsocketError::RequestModifier)?;
    }
    // tungstenite checks the 101 status, the accept key and that the broker confirmed a
    // requested sub-protocol; its errors are mapped to name the failure.
    match client_async_with_config(request, stream, None).await {
        Ok((socket, _response)) => {
            let (writer, reader) = socket.split();
            Ok(Stream::Websocket(Box::new(WsStream {
                reader,
                writer: ByteWriter::new(writer),
                unread: Bytes::new(),
            })))
        }
        Err(error) => Err(handshake_error(broker, error)),
    }
}

fn handshake_error(broker: &str, error: WsError) -> WebsocketError {
    let broker = broker.to_owned();
    match error {
        WsError::Http(response) => WebsocketError::UpgradeRejected {
            broker,
            status: response.status().as_u16(),
        },
        WsError::Protocol(ProtocolError::SecWebSocketSubProtocolError(source)) => {
            WebsocketError::Subprotocol { broker, source }
        }
        other => WebsocketError::Handshake {
            broker,
            source: Box::new(other),
        },
    }
}

type Socket = TokioAdapter<Stream>;

/// A WebSocket connection seen as a byte stream: every write becomes one binary message,
/// and reads return the bytes of binary messages in order, however MQTT packets are split
/// across or merged within them.
pub(crate) struct WsStream {
    reader: WebSocketReceiver<Socket>,
    writer: ByteWriter<WebSocketSender<Socket>>,
    /// The part of the last binary message not yet read.
    unread: Bytes,
}

impl fmt::Debug for WsStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WsStream")
            .field("unread", &self.unread.len())
            .finish_non_exhaustive()
    }
}

impl AsyncRead for WsStream {
    /// Ping, pong and frame messages carry no MQTT bytes and are skipped (tungstenite answers
    /// pings itself); a close message or the end of the stream reads as end of file.
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        while this.unread.is_empty() {
            match ready!(Pin::new(&mut this.reader).poll_next(cx)) {
                Some(Ok(Message::Binary(data))) => this.unread = data,
                Some(Ok(Message::Text(_))) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "the broker sent a text websocket message; mqtt uses binary messages",
                    )));
                }
                Some(Ok(Message::Close(_))) | None => return Poll::Ready(Ok(())),
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Err(error)) => return Poll::Ready(Err(io_error(error))),
            }
        }
        let len = this.unread.len().min(buf.remaining());
        buf.put_slice(this.unread.get(..len).unwrap_or_default());
        this.unread.advance(len);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for WsStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().writer).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().writer).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().writer).poll_shutdown(cx)
    }
}

/// A WebSocket error as the byte stream reports it: transport errors pass through.
fn io_error(error: WsError) -> io::Error {
    match error {
        WsError::Io(error) => error,
        WsError::ConnectionClosed | WsError::AlreadyClosed => io::ErrorKind::ConnectionReset.into(),
        other => io::Error::new(io::ErrorKind::InvalidData, other),
    }
}
