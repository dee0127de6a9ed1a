//! Tracked requests: each `*_tracked` call returns a notice that resolves with the broker's
//! answer (SUBACK, PUBACK/PUBCOMP, UNSUBACK) or a typed failure.
//!
//! Run with `cargo run --example tracked_notices [host[:port]]` (default `127.0.0.1:1883`).

use std::error::Error;

use rumqttc::{AsyncClient, ConnectionError, MqttOptions, PublishResult, QoS};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    env_logger::init(); // RUST_LOG=rumqttc=debug shows the client's log records
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:1883".into());
    let (host, port) = address.split_once(':').unwrap_or((&address, "1883"));
    let options = MqttOptions::new("tracked-notices-example", (host, port.parse::<u16>()?));

    let (client, mut eventloop) = AsyncClient::builder(options).capacity(10).build();
    // Notices resolve only while the event loop is polled: drive it in its own task.
    let driver = tokio::spawn(async move {
        loop {
            match eventloop.poll().await {
                Ok(_) => {}
                Err(ConnectionError::RequestsDone) => return Ok(()),
                Err(error) => return Err(error),
            }
        }
    });

    let suback = client
        .subscribe_tracked("tracked/#", QoS::AtLeastOnce)
        .await?;
    println!(
        "suback codes: {:?}",
        suback.wait_async().await?.return_codes
    );

    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
        let notice = client
            .publish_tracked("tracked/demo", qos, false, "hello")
            .await?;
        match notice.wait_async().await? {
            PublishResult::Qos0Flushed => println!("qos 0: written and flushed"),
            PublishResult::Qos1(puback) => println!("qos 1: puback for pkid {}", puback.pkid),
            PublishResult::Qos2Completed(pubcomp) => {
                println!("qos 2: pubcomp for pkid {}", pubcomp.pkid);
            }
        }
    }

    let unsubscribed = client.unsubscribe_tracked("tracked/#").await?;
    unsubscribed.wait_completion_async().await?;
    println!("unsubscribed");

    client.disconnect().await?;
    driver.await??;
    Ok(())
}
