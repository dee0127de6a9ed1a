//! Async publish and subscribe: a task subscribes and publishes ten QoS 2 messages while the
//! main task drives the event loop, then disconnects gracefully.
//!
//! Run with `cargo run --example asyncpubsub [host[:port]]` (default `127.0.0.1:1883`).

use std::error::Error;
use std::time::Duration;

use rumqttc::{AsyncClient, ConnectionError, MqttOptions, QoS};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    env_logger::init(); // RUST_LOG=rumqttc=debug shows the client's log records
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:1883".into());
    let (host, port) = address.split_once(':').unwrap_or((&address, "1883"));
    let mut options = MqttOptions::new("asyncpubsub-example", (host, port.parse::<u16>()?));
    options.set_keep_alive(5);

    let (client, mut eventloop) = AsyncClient::builder(options).capacity(10).build();
    let requests = tokio::spawn(async move {
        // Requests keep call order: the SUBSCRIBE goes out before the first PUBLISH, so
        // every message comes back.
        client.subscribe("hello/world", QoS::AtMostOnce).await?;
        for i in 1..=10u8 {
            let payload = vec![i; usize::from(i)];
            client
                .publish("hello/world", QoS::ExactlyOnce, false, payload)
                .await?;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Finishes every accepted publish, then sends DISCONNECT.
        client.disconnect().await
    });

    loop {
        match eventloop.poll().await {
            Ok(event) => println!("{event:?}"),
            Err(ConnectionError::RequestsDone) => break,
            Err(error) => return Err(error.into()),
        }
    }
    requests.await??;
    Ok(())
}
