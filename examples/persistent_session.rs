//! A session that survives a restart of the process and subscriptions that survive a
//! broker that forgot them: a file session store, `clean_session = false`, and
//! `Resubscribe::OnSessionLoss`. Kill it mid-run and start it again: unacknowledged
//! publishes are re-sent from `./mqtt-session`.
//!
//! Run with `cargo run --example persistent_session [host[:port]]` (default `127.0.0.1:1883`).

use std::error::Error;
use std::time::Duration;

use rumqttc::{
    AsyncClient, Event, FileSessionStore, FsyncPolicy, MqttOptions, Packet, QoS, Resubscribe,
    SessionMode,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:1883".into());
    let (host, port) = address.split_once(':').unwrap_or((&address, "1883"));
    let store = FileSessionStore::open("mqtt-session")?.fsync(FsyncPolicy::EveryAppend);
    let options = MqttOptions::builder("persistent-session-example", (host, port.parse::<u16>()?))
        .session_mode(SessionMode::Persistent)
        .session_store(store)
        .resubscribe(Resubscribe::OnSessionLoss)
        .build();

    let (client, mut eventloop) = AsyncClient::builder(options).capacity(10).build();
    client.subscribe("persistent/#", QoS::ExactlyOnce).await?;
    tokio::spawn(async move {
        for i in 0u32.. {
            let payload = i.to_be_bytes().to_vec();
            if client
                .publish("persistent/count", QoS::ExactlyOnce, false, payload)
                .await
                .is_err()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });

    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(connack))) => {
                println!("connected, session present: {}", connack.session_present);
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                println!("received {:?} on {:?}", publish.payload, publish.topic);
            }
            Ok(Event::Incoming(Packet::SubAck(suback))) => {
                let held: Vec<_> = eventloop.subscriptions().iter().collect();
                println!("suback {:?}; subscribed to {held:?}", suback.return_codes);
            }
            Ok(_) => {}
            Err(error) => {
                eprintln!("connection error: {error}; reconnecting in 1 s");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}
