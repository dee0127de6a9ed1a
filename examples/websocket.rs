//! MQTT over WebSocket: `Broker::websocket` with a request modifier that adds an
//! `Authorization` header on every (re)connection; subscribes, publishes, disconnects.
//!
//! Run with `cargo run --example websocket --features websocket [ws://host:port/path]`
//! (default `ws://127.0.0.1:18080/mqtt`, the WebSocket port of `scripts/dev-broker`).

use std::error::Error;

use async_tungstenite::tungstenite::http::{HeaderValue, Request, header::AUTHORIZATION};
use rumqttc::{AsyncClient, Broker, ConnectionError, MqttOptions, QoS};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    env_logger::init(); // RUST_LOG=rumqttc=debug shows the client's log records
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:18080/mqtt".into());
    let mut options = MqttOptions::new("websocket-example", Broker::websocket(url)?);
    options.set_keep_alive(5);
    // Runs before each upgrade, so a token could be refreshed here.
    options.set_request_modifier(|mut request: Request<()>| async move {
        let token = HeaderValue::from_static("Bearer example-token");
        request.headers_mut().insert(AUTHORIZATION, token);
        request
    });

    let (client, mut eventloop) = AsyncClient::builder(options).capacity(10).build();
    client.subscribe("hello/ws", QoS::AtMostOnce).await?;
    for i in 0..3u8 {
        client
            .publish("hello/ws", QoS::ExactlyOnce, false, vec![i; 3])
            .await?;
    }
    client.disconnect().await?;
    loop {
        match eventloop.poll().await {
            Ok(event) => println!("{event:?}"),
            Err(ConnectionError::RequestsDone) => return Ok(()),
            Err(error) => return Err(error.into()),
        }
    }
}
