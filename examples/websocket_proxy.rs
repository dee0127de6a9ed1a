//! MQTT over WebSocket through an HTTP CONNECT proxy (the proxy sees only the tunnel).
//!
//! Run with `cargo run --example websocket_proxy --features "websocket proxy" [ws-url]
//! [proxy-host:port]` (defaults `ws://127.0.0.1:18080/mqtt` and `127.0.0.1:18100`, the
//! WebSocket and proxy ports of `scripts/dev-broker`).

use std::error::Error;

use rumqttc::{
    AsyncClient, Broker, ConnectionError, MqttOptions, Proxy, ProxyAuth, ProxyType, QoS,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    env_logger::init(); // RUST_LOG=rumqttc=debug shows the client's log records
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "ws://127.0.0.1:18080/mqtt".into());
    let proxy = args.next().unwrap_or_else(|| "127.0.0.1:18100".into());
    let (proxy_host, proxy_port) = proxy.split_once(':').unwrap_or((&proxy, "8100"));

    let mut options = MqttOptions::new("websocket-proxy-example", Broker::websocket(url)?);
    options.set_proxy(Proxy {
        ty: ProxyType::Http,
        auth: ProxyAuth::None,
        addr: proxy_host.to_owned(),
        port: proxy_port.parse()?,
    });

    let (client, mut eventloop) = AsyncClient::builder(options).capacity(10).build();
    client
        .publish("hello/proxy", QoS::AtLeastOnce, false, "via proxy")
        .await?;
    client.disconnect().await?;
    loop {
        match eventloop.poll().await {
            Ok(event) => println!("{event:?}"),
            Err(ConnectionError::RequestsDone) => return Ok(()),
            // For example a 407 from the proxy: the status and target are in the error.
            Err(ConnectionError::Proxy(error)) => {
                eprintln!("the proxy refused the tunnel: {error}");
                return Err(error.into());
            }
            Err(error) => return Err(error.into()),
        }
    }
}
