//! TLS with rustls: a `ClientConfig` trusting the platform roots and, if given, a CA file
//! (plus ALPN `mqtt`), given to `Transport::tls_with_config`, and credentials; publishes
//! once and disconnects.
//!
//! Run with `RUMQTTC_CA_FILE=target/dev-broker/ca.pem cargo run --example tls [host[:port]]
//! [user] [password]` (default `127.0.0.1:18883`, the TLS port of `scripts/dev-broker`).
//! The broker certificate must be valid for the host and issued by a trusted CA.

use std::error::Error;

use rumqttc::tokio_rustls::rustls::pki_types::CertificateDer;
use rumqttc::tokio_rustls::rustls::pki_types::pem::PemObject;
use rumqttc::tokio_rustls::rustls::{ClientConfig, RootCertStore};
use rumqttc::{AsyncClient, ConnectionError, Event, MqttOptions, Packet, QoS, Transport};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    env_logger::init(); // RUST_LOG=rumqttc=debug shows the client's log records
    let mut args = std::env::args().skip(1);
    let address = args.next().unwrap_or_else(|| "127.0.0.1:18883".into());
    let (host, port) = address.split_once(':').unwrap_or((&address, "8883"));

    // Unusable platform certificates are skipped, as the crate's own default does.
    let mut roots = RootCertStore::empty();
    let loaded = rustls_native_certs::load_native_certs();
    let (added, skipped) = roots.add_parsable_certificates(loaded.certs);
    println!("{added} platform roots loaded, {skipped} skipped");
    if let Ok(path) = std::env::var("RUMQTTC_CA_FILE") {
        for ca in CertificateDer::pem_file_iter(&path)? {
            roots.add(ca?)?;
        }
        println!("trusting the CA in {path}");
    }
    let mut config = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"mqtt".to_vec()];

    let mut options = MqttOptions::new("tls-example", (host, port.parse::<u16>()?));
    options.set_keep_alive(5);
    options.set_transport(Transport::tls_with_config(config.into()));
    if let (Some(user), Some(password)) = (args.next(), args.next()) {
        options.set_credentials(user, password);
    }

    let (client, mut eventloop) = AsyncClient::builder(options).capacity(10).build();
    client.subscribe("hello/tls", QoS::AtLeastOnce).await?;
    loop {
        match eventloop.poll().await {
            // Publish once the subscription is in place, so the message comes back to us.
            Ok(Event::Incoming(Packet::SubAck(_))) => {
                client.try_publish("hello/tls", QoS::AtLeastOnce, false, "over tls")?;
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                let topic = String::from_utf8_lossy(&publish.topic);
                println!("{topic}: {:?}", publish.payload);
                client.try_disconnect()?;
            }
            Ok(event) => println!("{event:?}"),
            Err(ConnectionError::RequestsDone) => return Ok(()),
            // Display names the host and, for an X.509 v1 certificate, says to use v3.
            Err(ConnectionError::Tls(error)) => return Err(error.to_string().into()),
            Err(error) => return Err(error.into()),
        }
    }
}
