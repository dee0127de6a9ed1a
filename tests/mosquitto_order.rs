//! Call order and the polling-task forwarder against a private mosquitto: a client that
//! subscribes and then publishes at once receives its own first message every time, and a
//! forwarder that publishes from the polling task (async and blocking, capacity 10) passes
//! on bursts of 2,000 at QoS 0 and QoS 1 before a watchdog fires. Both fail on today's main.

mod support;

use std::sync::mpsc as std_mpsc;
use std::thread;
use std::time::Duration;

use bytes::Bytes;
use rumqttc::{AsyncClient, Client, Event, MqttOptions, Packet, QoS};
use support::loop_driver::LoopDriver;
use support::mosquitto::{Mosquitto, MosquittoConfig, connected, subscribe_granted, within};
use tokio::sync::oneshot;

/// Runs of the subscribe-then-publish program.
const RUNS: usize = 100;
/// Messages in each burst.
const BURST: usize = 2_000;
/// Request lane capacity of the forwarding client.
const CAPACITY: usize = 10;
/// How long a whole burst may take before the watchdog fails the test.
const WATCHDOG: Duration = Duration::from_secs(90);

/// The bulk config (see [`MosquittoConfig::bulk`]: mosquitto 2.0.11 loses messages from a
/// client with more in flight than its limit) with no limit on messages queued per client,
/// so it drops nothing while the forwarder catches up.
fn broker() -> Mosquitto {
    Mosquitto::start(MosquittoConfig::bulk().line("max_queued_messages 0"))
}

#[tokio::test]
async fn subscribe_then_publish_at_once_receives_the_first_message_100_times_of_100() {
    let broker = broker();
    for run in 0..RUNS {
        let topic = format!("order/{run}");
        let options = broker.options(&format!("order-{run}"));
        let (client, eventloop) = AsyncClient::builder(options).capacity(CAPACITY).build();
        let mut driven = LoopDriver::spawn_real_clock(eventloop);
        client.subscribe(&topic, QoS::AtLeastOnce).await.unwrap();
        client
            .publish(&topic, QoS::AtLeastOnce, false, "first")
            .await
            .unwrap();
        let received = within(
            &format!("run {run}: own first message"),
            driven.next_publish(),
        )
        .await;
        assert_eq!(received.payload, "first", "run {run}");
        driven.disconnect(&client).await;
    }
}

fn burst_payload(i: usize) -> Bytes {
    Bytes::from(format!("m{i:05}"))
}

/// Publishes the burst on `in`, then calls `go` (the forwarder starts forwarding and finds
/// the burst queued, as after a busy spell), and checks the collector receives all of it on
/// `out`, in order, before the watchdog fires.
async fn burst_through(broker: &Mosquitto, qos: QoS, tag: &str, go: impl FnOnce()) {
    let (collector, mut inbox) = connected(broker.options(&format!("collector-{tag}"))).await;
    subscribe_granted(&collector, &[("out", qos)]).await;
    let (producer, outbox) = connected(broker.options(&format!("producer-{tag}"))).await;
    let expected: Vec<Bytes> = (0..BURST).map(burst_payload).collect();
    let last = expected[BURST - 1].clone();
    let run = async {
        for payload in &expected {
            let payload = payload.clone();
            producer.publish("in", qos, false, payload).await.unwrap();
        }
        go();
        inbox.publishes_until(&last).await
    };
    let Ok(received) = tokio::time::timeout(WATCHDOG, run).await else {
        panic!("watchdog: the {tag} burst of {BURST} was not forwarded within {WATCHDOG:?}");
    };
    let payloads: Vec<Bytes> = received.into_iter().map(|p| p.payload).collect();
    let count = payloads.len();
    assert!(
        payloads == expected,
        "{tag}: {count} messages, or out of order"
    );
    outbox.disconnect(&producer).await;
    inbox.disconnect(&collector).await;
}

async fn async_forwarder(qos: QoS, tag: &str) {
    let broker = broker();
    let options = broker.options(&format!("forwarder-{tag}"));
    let (client, mut eventloop) = AsyncClient::builder(options).capacity(CAPACITY).build();
    let (subscribed_tx, subscribed) = oneshot::channel();
    let (go_tx, go) = oneshot::channel::<()>();
    let forwarding = client.clone();
    let forwarder = tokio::spawn(async move {
        forwarding.subscribe("in", qos).await.unwrap();
        loop {
            if let Event::Incoming(Packet::SubAck(_)) = eventloop.poll().await.unwrap() {
                break;
            }
        }
        subscribed_tx.send(()).unwrap();
        go.await.unwrap();
        while let Ok(event) = eventloop.poll().await {
            if let Event::Incoming(Packet::Publish(p)) = event {
                let payload = p.payload;
                forwarding
                    .publish("out", qos, false, payload)
                    .await
                    .unwrap();
            }
        }
    });
    within("forwarder SUBACK", subscribed).await.unwrap();
    burst_through(&broker, qos, tag, move || go_tx.send(()).unwrap()).await;
    client.disconnect().await.unwrap();
    within("forwarder end", forwarder).await.unwrap();
}

async fn blocking_forwarder_run(qos: QoS, tag: &str) {
    let broker = broker();
    let options = broker.options(&format!("forwarder-{tag}"));
    let (subscribed_tx, subscribed) = std_mpsc::channel();
    let (go_tx, go) = std_mpsc::channel();
    let forwarder = thread::spawn(move || forward_blocking(options, qos, &subscribed_tx, &go));
    let client = tokio::task::spawn_blocking(move || subscribed.recv_timeout(WATCHDOG))
        .await
        .unwrap()
        .expect("the blocking forwarder got no SUBACK");
    burst_through(&broker, qos, tag, move || go_tx.send(()).unwrap()).await;
    client.disconnect().unwrap();
    tokio::task::spawn_blocking(move || forwarder.join().unwrap())
        .await
        .unwrap();
}

/// The blocking forwarder: subscribes, hands the test a client once subscribed, waits for
/// `go`, then forwards from the thread that iterates, until that client disconnects.
fn forward_blocking(
    options: MqttOptions,
    qos: QoS,
    subscribed: &std_mpsc::Sender<Client>,
    go: &std_mpsc::Receiver<()>,
) {
    let (client, mut connection) = Client::builder(options).capacity(CAPACITY).build();
    client.subscribe("in", qos).unwrap();
    for event in connection.iter() {
        match event {
            Ok(Event::Incoming(Packet::SubAck(_))) => {
                subscribed.send(client.clone()).unwrap();
                go.recv().unwrap();
            }
            Ok(Event::Incoming(Packet::Publish(p))) => {
                client.publish("out", qos, false, p.payload).unwrap();
            }
            Ok(_) => {}
            Err(error) => panic!("forwarder connection failed: {error:?}"),
        }
    }
}

#[tokio::test]
async fn async_forwarder_with_capacity_10_passes_on_a_qos0_burst_of_2000() {
    async_forwarder(QoS::AtMostOnce, "async-qos0").await;
}

#[tokio::test]
async fn async_forwarder_with_capacity_10_passes_on_a_qos1_burst_of_2000() {
    async_forwarder(QoS::AtLeastOnce, "async-qos1").await;
}

#[tokio::test]
async fn blocking_forwarder_with_capacity_10_passes_on_a_qos0_burst_of_2000() {
    blocking_forwarder_run(QoS::AtMostOnce, "blocking-qos0").await;
}

#[tokio::test]
async fn blocking_forwarder_with_capacity_10_passes_on_a_qos1_burst_of_2000() {
    blocking_forwarder_run(QoS::AtLeastOnce, "blocking-qos1").await;
}
