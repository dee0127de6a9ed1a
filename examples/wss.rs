//! Secure WebSocket: `Broker::websocket("ws://...")` plus a wss transport. With a CA file,
//! rustls trusts only it; without, the platform roots (port 443 when the URL has none).
//!
//! Run with `cargo run --example wss --features websocket [ws://host:port/path] [CA]`
//! (default `ws://127.0.0.1:18081/mqtt`, the secure WebSocket port of `scripts/dev-broker`).
//! The CA may also come from `RUMQTTC_CA_FILE`.

use std::error::Error;

use rumqttc::{AsyncClient, Broker, ConnectionError, MqttOptions, QoS, Transport};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    env_logger::init(); // RUST_LOG=rumqttc=debug shows the client's log records
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "ws://127.0.0.1:18081/mqtt".into());
    let transport = match args
        .next()
        .or_else(|| std::env::var("RUMQTTC_CA_FILE").ok())
    {
        Some(ca) => Transport::wss(std::fs::read(ca)?, None, None),
        // Loads the platform roots now, so a broken store is reported here.
        None => Transport::try_wss_with_default_config()?,
    };
    let mut options = MqttOptions::new("wss-example", Broker::websocket(url)?);
    options.set_transport(transport);

    let (client, mut eventloop) = AsyncClient::builder(options).capacity(10).build();
    client
        .publish("hello/wss", QoS::AtLeastOnce, false, "over wss")
        .await?;
    client.disconnect().await?;
    loop {
        match eventloop.poll().await {
            Ok(event) => println!("{event:?}"),
            Err(ConnectionError::RequestsDone) => return Ok(()),
            Err(error) => return Err(error.into()),
        }
    }
}
