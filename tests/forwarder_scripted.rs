//! The self-deadlock of user-pain-points §1: the task that polls the event loop forwards every
//! incoming PUBLISH with an awaited (or blocking) publish on a client of capacity 10, while
//! a scripted broker bursts 2,000 messages. Every message must be forwarded, in order, before
//! a watchdog fires. Fails on today's main: the forwarder stalls after about 10 forwards.

mod support;

use std::thread;

use rumqttc::{AsyncClient, Client, Event, MqttOptions, Packet, QoS};
use support::burst_broker::{WATCHDOG, burst_payload, serve_burst};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// Messages in each burst.
const BURST: usize = 2_000;
/// Request lane capacity of the forwarding client.
const CAPACITY: usize = 10;

async fn listener() -> (TcpListener, MqttOptions) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    (listener, MqttOptions::new("forwarder", ("127.0.0.1", port)))
}

/// Runs the broker under the watchdog and checks every message was forwarded in order.
async fn expect_every_message_forwarded(listener: TcpListener, qos: QoS) {
    let (progress_tx, mut progress) = mpsc::unbounded_channel();
    let broker = serve_burst(listener, qos, BURST, progress_tx);
    let Ok(forwarded) = tokio::time::timeout(WATCHDOG, broker).await else {
        let mut last = 0;
        while let Ok(count) = progress.try_recv() {
            last = count;
        }
        panic!("watchdog: {last} of {BURST} messages forwarded within {WATCHDOG:?}");
    };
    let expected: Vec<_> = (0..BURST).map(burst_payload).collect();
    assert_eq!(forwarded.len(), BURST);
    assert!(forwarded == expected, "messages forwarded out of order");
}

async fn forward_async(qos: QoS) {
    let (listener, options) = listener().await;
    let (client, mut eventloop) = AsyncClient::builder(options).capacity(CAPACITY).build();
    let forwarder = tokio::spawn(async move {
        while let Ok(event) = eventloop.poll().await {
            if let Event::Incoming(Packet::Publish(publish)) = event {
                let qos = publish.qos;
                client
                    .publish("out", qos, false, publish.payload)
                    .await
                    .unwrap();
            }
        }
    });
    expect_every_message_forwarded(listener, qos).await;
    forwarder.abort();
}

/// Forwards until the connection fails (the broker closes it once it has every message; an
/// earlier failure shows as missing messages on the broker side).
fn forward_blocking(options: MqttOptions) {
    let (client, mut connection) = Client::builder(options).capacity(CAPACITY).build();
    for event in connection.iter() {
        match event {
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                let qos = publish.qos;
                client.publish("out", qos, false, publish.payload).unwrap();
            }
            Ok(_) => {}
            Err(_) => return,
        }
    }
}

async fn forward_from_a_thread(qos: QoS) {
    let (listener, options) = listener().await;
    let forwarder = thread::spawn(move || forward_blocking(options));
    expect_every_message_forwarded(listener, qos).await;
    tokio::task::spawn_blocking(move || forwarder.join().unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn async_forwarder_with_capacity_10_forwards_a_qos0_burst_of_2000() {
    forward_async(QoS::AtMostOnce).await;
}

#[tokio::test]
async fn async_forwarder_with_capacity_10_forwards_a_qos1_burst_of_2000() {
    forward_async(QoS::AtLeastOnce).await;
}

#[tokio::test]
async fn blocking_forwarder_with_capacity_10_forwards_a_qos0_burst_of_2000() {
    forward_from_a_thread(QoS::AtMostOnce).await;
}

#[tokio::test]
async fn blocking_forwarder_with_capacity_10_forwards_a_qos1_burst_of_2000() {
    forward_from_a_thread(QoS::AtLeastOnce).await;
}
