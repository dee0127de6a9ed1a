//! Manual acknowledgements on a persistent session. The first connection receives ten QoS 1
//! messages without acknowledging them and disconnects; the second reconnects with the same
//! client id, the broker delivers them again, and each one is acknowledged from a task.
//!
//! Run with `cargo run --example async_manual_acks [host[:port]]` (default `127.0.0.1:1883`).

use std::error::Error;
use std::time::Duration;

use rumqttc::{AckMode, AsyncClient, ConnectionError, Event, EventLoop, MqttOptions, Packet, QoS};

const TOPIC: &str = "manual/acks";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    env_logger::init(); // RUST_LOG=rumqttc=debug shows the client's log records
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:1883".into());
    let (host, port) = address.split_once(':').unwrap_or((&address, "1883"));
    let mut options = MqttOptions::new("manual-acks-example", (host, port.parse::<u16>()?));
    options
        .set_clean_session(false)
        .set_ack_mode(AckMode::Manual);

    // First run: subscribe, publish ten messages, receive them, acknowledge none. Requests
    // keep call order, so the SUBSCRIBE is on the wire before the first PUBLISH.
    let (client, mut eventloop) = AsyncClient::builder(options.clone()).build();
    client.subscribe(TOPIC, QoS::AtLeastOnce).await?;
    for i in 0..10u8 {
        client
            .publish(TOPIC, QoS::AtLeastOnce, false, vec![i])
            .await?;
    }
    let mut unacked = 0;
    while unacked < 10 {
        match next(&mut eventloop).await? {
            Some(Event::Incoming(Packet::Publish(_))) => unacked += 1,
            Some(_) => {}
            None => break,
        }
    }
    client.disconnect().await?;
    while next(&mut eventloop).await?.is_some() {}
    println!("left {unacked} messages unacknowledged");

    // Second run: the broker redelivers them; acknowledge each from its own task.
    let (client, mut eventloop) = AsyncClient::builder(options).build();
    while let Some(event) = next(&mut eventloop).await? {
        let Event::Incoming(Packet::Publish(publish)) = event else {
            continue;
        };
        println!("redelivered: {:?}, acking", publish.payload);
        let client = client.clone();
        tokio::spawn(async move { client.ack(&publish).await });
    }
    client.disconnect().await?;
    while next(&mut eventloop).await?.is_some() {}
    Ok(())
}

/// The next event; `None` once the loop has finished or stayed quiet for three seconds.
async fn next(eventloop: &mut EventLoop) -> Result<Option<Event>, ConnectionError> {
    match tokio::time::timeout(Duration::from_secs(3), eventloop.poll()).await {
        Ok(Ok(event)) => Ok(Some(event)),
        Ok(Err(ConnectionError::RequestsDone)) | Err(_) => Ok(None),
        Ok(Err(error)) => Err(error),
    }
}
