//! Blocking publish and subscribe: a thread subscribes and publishes retained QoS 1 messages
//! while the main thread iterates the connection. The client leaves a last will.
//!
//! Run with `cargo run --example syncpubsub [host[:port]]` (default `127.0.0.1:1883`).

use std::error::Error;
use std::thread;
use std::time::Duration;

use rumqttc::{Client, ClientError, LastWill, MqttOptions, QoS};

fn main() -> Result<(), Box<dyn Error>> {
    env_logger::init(); // RUST_LOG=rumqttc=debug shows the client's log records
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:1883".into());
    let (host, port) = address.split_once(':').unwrap_or((&address, "1883"));
    let mut options = MqttOptions::new("syncpubsub-example", (host, port.parse::<u16>()?));
    let will = LastWill::new("hello/world", "good bye", QoS::AtMostOnce, false);
    options.set_keep_alive(5).set_last_will(will);

    let (client, mut connection) = Client::builder(options).capacity(10).build();
    client.subscribe("hello/+/world", QoS::AtMostOnce)?;
    let publisher = thread::spawn(move || -> Result<(), ClientError> {
        for i in 0..10u8 {
            let payload = vec![1; usize::from(i)];
            client.publish("hello/sync/world", QoS::AtLeastOnce, true, payload)?;
            thread::sleep(Duration::from_millis(100));
        }
        client.disconnect()
    });

    // The connection only makes progress while it is iterated; the iterator ends after the
    // disconnect completes.
    for (i, event) in connection.iter().enumerate() {
        match event {
            Ok(event) => println!("{i}. {event:?}"),
            Err(error) => return Err(error.into()),
        }
    }
    match publisher.join() {
        Ok(result) => Ok(result?),
        Err(_) => Err("publisher thread panicked".into()),
    }
}
