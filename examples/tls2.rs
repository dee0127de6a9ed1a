//! TLS with rustls and a client certificate: `TlsConfiguration::Simple` built from PEM (or
//! DER) files, for brokers that require mutual TLS.
//!
//! Run with `cargo run --example tls2 CA CERT KEY [host[:port]]` (default
//! `127.0.0.1:18884`, the mutual TLS port of `scripts/dev-broker`, whose files are
//! `target/dev-broker/{ca.pem,client.pem,client.key}`). The key may be PKCS#1, PKCS#8 or
//! SEC1; the certificates must be X.509 v3.

use std::error::Error;

use rumqttc::{AsyncClient, ConnectionError, MqttOptions, QoS, TlsConfiguration, Transport};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    env_logger::init(); // RUST_LOG=rumqttc=debug shows the client's log records
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [ca, cert, key, rest @ ..] = args.as_slice() else {
        return Err("usage: tls2 CA CERT KEY [host[:port]]".into());
    };
    let address = rest.first().map_or("127.0.0.1:18884", String::as_str);
    let (host, port) = address.split_once(':').unwrap_or((address, "8883"));

    let config = TlsConfiguration::Simple {
        ca: std::fs::read(ca)?,
        alpn: None,
        client_auth: Some((std::fs::read(cert)?, std::fs::read(key)?)),
    };
    let mut options = MqttOptions::new("tls2-example", (host, port.parse::<u16>()?));
    options.set_transport(Transport::Tls(config));

    let (client, mut eventloop) = AsyncClient::builder(options).capacity(10).build();
    client
        .publish("hello/mtls", QoS::AtLeastOnce, false, "hello")
        .await?;
    client.disconnect().await?;
    loop {
        match eventloop.poll().await {
            Ok(event) => println!("{event:?}"),
            Err(ConnectionError::RequestsDone) => return Ok(()),
            // A bad file or a refused certificate is a typed error naming the input or host.
            Err(ConnectionError::Tls(error)) => {
                eprintln!("tls failed, check the certificate files: {error}");
                return Err(error.into());
            }
            Err(error) => return Err(error.into()),
        }
    }
}
