//! Graceful shutdown on Ctrl-C: publishes a QoS 1 message every second until SIGINT, then
//! `disconnect()`, which delivers every accepted publish before DISCONNECT; the event loop
//! task ends with `RequestsDone`.
//!
//! Run with `cargo run --example ctrlc_shutdown [host[:port]] [seconds]` (default
//! `127.0.0.1:1883`) and press Ctrl-C, or give `seconds` to stop on its own.

use std::error::Error;
use std::time::Duration;

use rumqttc::{AsyncClient, ConnectionError, MqttOptions, QoS};
use tokio::{signal, time};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    env_logger::init(); // RUST_LOG=rumqttc=debug shows the client's log records
    let mut args = std::env::args().skip(1);
    let address = args.next().unwrap_or_else(|| "127.0.0.1:1883".into());
    let (host, port) = address.split_once(':').unwrap_or((&address, "1883"));
    let limit = args.next().map(|secs| secs.parse::<u64>()).transpose()?;

    let options = MqttOptions::new("ctrlc-example", (host, port.parse::<u16>()?));
    let (client, mut eventloop) = AsyncClient::builder(options).capacity(10).build();
    // The event loop runs in its own task, so awaiting a publish never blocks it.
    let poller = tokio::spawn(async move {
        loop {
            match eventloop.poll().await {
                Ok(event) => println!("{event:?}"),
                Err(ConnectionError::RequestsDone) => return,
                Err(error) => {
                    eprintln!("{error}; reconnecting in 1 s");
                    time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });

    let stop = async {
        match limit {
            Some(secs) => {
                time::sleep(Duration::from_secs(secs)).await;
                Ok(())
            }
            None => signal::ctrl_c().await,
        }
    };
    tokio::pin!(stop);
    let mut ticker = time::interval(Duration::from_secs(1));
    let mut sent = 0u32;
    loop {
        tokio::select! {
            result = &mut stop => break result?,
            _ = ticker.tick() => {
                sent += 1;
                client.publish("hello/ctrlc", QoS::AtLeastOnce, false, sent.to_string()).await?;
            }
        }
    }
    println!("stopping after {sent} publishes: disconnecting gracefully");
    client.disconnect().await?;
    poller.await?;
    println!("disconnected");
    Ok(())
}
