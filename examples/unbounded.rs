//! An unbounded blocking client: publishing never blocks, whatever the connection's speed,
//! at the cost of memory while the connection lags.
//!
//! Run with `cargo run --example unbounded [host[:port]]` (default `127.0.0.1:1883`).

use std::error::Error;
use std::thread;

use rumqttc::{Client, ClientError, MqttOptions, QoS};

fn main() -> Result<(), Box<dyn Error>> {
    env_logger::init(); // RUST_LOG=rumqttc=debug shows the client's log records
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:1883".into());
    let (host, port) = address.split_once(':').unwrap_or((&address, "1883"));
    let options = MqttOptions::new("unbounded-example", (host, port.parse::<u16>()?));

    let (client, mut connection) = Client::builder(options).unbounded().build();
    let publisher = thread::spawn(move || -> Result<(), ClientError> {
        // All hundred publishes are queued at once; none waits for the connection.
        for i in 0..100u16 {
            client.publish("hello/unbounded", QoS::AtLeastOnce, false, i.to_be_bytes())?;
        }
        // Delivers every queued publish, then sends DISCONNECT.
        client.disconnect()
    });

    let mut acked = 0;
    for event in connection.iter() {
        if let rumqttc::Event::Incoming(rumqttc::Packet::PubAck(_)) = event? {
            acked += 1;
        }
    }
    println!("{acked} publishes acknowledged");
    match publisher.join() {
        Ok(result) => Ok(result?),
        Err(_) => Err("publisher thread panicked".into()),
    }
}
