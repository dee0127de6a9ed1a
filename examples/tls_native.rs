//! TLS with native-tls (OpenSSL, Secure Transport or SChannel): a CA file added to the
//! platform roots with `TlsConfiguration::simple_native`, or a ready `TlsConnector`.
//!
//! Run with `cargo run --example tls_native --features use-native-tls [CA] [host[:port]]`
//! (default `127.0.0.1:18883`, the TLS port of `scripts/dev-broker`). The CA may also come
//! from `RUMQTTC_CA_FILE`; without one only the platform roots are trusted.

use std::error::Error;

use rumqttc::tokio_native_tls::native_tls::TlsConnector;
use rumqttc::{AsyncClient, ConnectionError, MqttOptions, QoS, TlsConfiguration, Transport};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    env_logger::init(); // RUST_LOG=rumqttc=debug shows the client's log records
    let mut args = std::env::args().skip(1);
    let ca = args
        .next()
        .or_else(|| std::env::var("RUMQTTC_CA_FILE").ok());
    let address = args.next().unwrap_or_else(|| "127.0.0.1:18883".into());
    let (host, port) = address.split_once(':').unwrap_or((&address, "8883"));

    let config = match ca {
        Some(path) => TlsConfiguration::simple_native(std::fs::read(path)?, None),
        None => TlsConfiguration::from(TlsConnector::new()?),
    };
    let mut options = MqttOptions::new("tls-native-example", (host, port.parse::<u16>()?));
    options.set_transport(Transport::tls_with_config(config));

    let (client, mut eventloop) = AsyncClient::builder(options).capacity(10).build();
    client
        .publish("hello/native", QoS::AtLeastOnce, false, "hello")
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
