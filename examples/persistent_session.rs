//! A session that survives a restart of the process and subscriptions that survive a
//! broker that forgot them: a file session store, `clean_session = false`, and
//! `Resubscribe::OnSessionLoss`. It publishes 10 QoS 2 messages to itself and exits after
//! receiving them; kill it mid-run and start it again, and the publishes left open are
//! re-sent from the store (in the temp dir, `rumqttc-persistent-session`).
//!
//! Run with `cargo run --example persistent_session [host[:port]]` (default `127.0.0.1:1883`).

use std::error::Error;
use std::time::Duration;

use rumqttc::{
    AsyncClient, ConnectionError, Event, FileSessionStore, FsyncPolicy, MqttOptions, Packet, QoS,
    Resubscribe, SessionMode,
};

const MESSAGES: usize = 10;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:1883".into());
    let (host, port) = address.split_once(':').unwrap_or((&address, "1883"));
    let dir = std::env::temp_dir().join("rumqttc-persistent-session");
    let store = FileSessionStore::open(dir)?.fsync(FsyncPolicy::EveryAppend);
    let options = MqttOptions::builder("persistent-session-example", (host, port.parse::<u16>()?))
        .session_mode(SessionMode::Persistent)
        .session_store(store)
        .resubscribe(Resubscribe::OnSessionLoss)
        .build();

    let (client, mut eventloop) = AsyncClient::builder(options).capacity(10).build();
    // Publish once the subscription is granted, so every message comes back.
    let suback = client
        .subscribe_tracked("persistent/#", QoS::ExactlyOnce)
        .await?;
    let publisher = client.clone();
    tokio::spawn(async move {
        if suback.wait_async().await.is_err() {
            return;
        }
        for i in 0..MESSAGES {
            let payload = format!("message {i}");
            let publish = publisher.publish("persistent/count", QoS::ExactlyOnce, false, payload);
            if publish.await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });

    let mut received = 0;
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(connack))) => {
                println!("connected, session present: {}", connack.session_present);
            }
            Ok(Event::Incoming(Packet::SubAck(_))) => {
                let held: Vec<_> = eventloop.subscriptions().iter().collect();
                println!("subscribed to {held:?}");
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                println!("received {:?}", publish.payload);
                received += 1;
                if received == MESSAGES {
                    client.try_disconnect()?;
                }
            }
            Ok(_) => {}
            Err(ConnectionError::RequestsDone) => return Ok(()),
            // The next poll reconnects after the options' backoff.
            Err(error) => eprintln!("connection error: {error}; reconnecting"),
        }
    }
}
