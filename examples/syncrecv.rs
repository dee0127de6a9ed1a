//! The three ways to receive from a blocking `Connection`: `recv` (waits), `recv_timeout`
//! (waits at most a given time) and `try_recv` (never waits).
//!
//! Run with `cargo run --example syncrecv [host[:port]]` (default `127.0.0.1:1883`).

use std::error::Error;
use std::thread;
use std::time::Duration;

use rumqttc::{Client, MqttOptions, QoS, RecvTimeoutError, TryRecvError};

fn main() -> Result<(), Box<dyn Error>> {
    env_logger::init(); // RUST_LOG=rumqttc=debug shows the client's log records
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:1883".into());
    let (host, port) = address.split_once(':').unwrap_or((&address, "1883"));
    let mut options = MqttOptions::new("syncrecv-example", (host, port.parse::<u16>()?));
    options.set_keep_alive(5);

    let (client, mut connection) = Client::builder(options).capacity(10).build();
    client.subscribe("hello/+/world", QoS::AtMostOnce)?;
    for i in 0..3u8 {
        client.publish("hello/recv/world", QoS::AtLeastOnce, false, vec![i; 3])?;
    }

    // recv blocks until the next event: here the CONNACK.
    println!("recv: {:?}", connection.recv()?);

    // recv_timeout drives the connection for at most a second per call.
    loop {
        match connection.recv_timeout(Duration::from_secs(1)) {
            Ok(event) => println!("recv_timeout: {:?}", event?),
            Err(RecvTimeoutError::Timeout) => break,
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        }
    }

    // try_recv returns at once; events ready now are handed out, otherwise `Empty`.
    client.disconnect()?;
    for _ in 0..50 {
        match connection.try_recv() {
            Ok(event) => println!("try_recv: {:?}", event?),
            Err(TryRecvError::Empty) => thread::sleep(Duration::from_millis(20)),
            Err(TryRecvError::Disconnected) => {
                println!("disconnected");
                return Ok(());
            }
        }
    }
    Ok(())
}
