//! The sink's WebSocket listener: accepts the `mqtt` subprotocol and carries MQTT bytes in
//! binary messages, answering each message's whole frames in one message.

use async_tungstenite::tungstenite::Message;
use async_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use async_tungstenite::tungstenite::http::HeaderValue;
use futures_util::StreamExt;
use tokio::net::TcpStream;

use super::Tallies;
use super::session::Session;

/// Echoes the `mqtt` subprotocol the clients ask for (a client refuses a server without it).
#[allow(clippy::result_large_err)] // the shape tungstenite's callback requires
fn mqtt_subprotocol(_request: &Request, mut response: Response) -> Result<Response, ErrorResponse> {
    response
        .headers_mut()
        .insert("sec-websocket-protocol", HeaderValue::from_static("mqtt"));
    Ok(response)
}

/// Serves one WebSocket connection until it ends.
pub(super) async fn serve(stream: TcpStream, tallies: Tallies) {
    let Ok(mut ws) = async_tungstenite::tokio::accept_hdr_async(stream, mqtt_subprotocol).await
    else {
        return;
    };
    let mut session = Session::default();
    let mut input = Vec::new();
    let mut out = Vec::new();
    while !session.is_done() {
        let Some(Ok(message)) = ws.next().await else {
            break;
        };
        match message {
            Message::Binary(data) => input.extend_from_slice(&data),
            Message::Close(_) => break,
            _ => continue,
        }
        let used = session.answer(&input, &mut out);
        input.drain(..used);
        if !out.is_empty()
            && ws
                .send(Message::Binary(std::mem::take(&mut out).into()))
                .await
                .is_err()
        {
            break;
        }
    }
    session.close(&tallies);
}
