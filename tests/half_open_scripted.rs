//! Half-open links while the application keeps publishing, on a paused clock: a broker that
//! stops answering is reported within 1.5 × keep-alive of its last packet, whatever the
//! client writes (the keep-alive clock pings when nothing was received, `src/keepalive.rs`).

mod support;

use std::time::Duration;

use rumqttc::{AsyncClient, ConnectionError, Event, EventLoop, Outgoing, Packet, QoS, StateError};
use support::loop_driver::poll_within_guard;
use support::packet_conn::PacketConn;
use support::packets::{connack_ok, puback};
use support::test_broker::{TestBroker, client_options};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

const KEEP_ALIVE_SECS: u16 = 5;
/// The application publishes this often, forever.
const PUBLISH_EVERY: Duration = Duration::from_millis(10);

/// How long (virtual) a scenario may run before the missing detection fails the test.
const DETECTION_GUARD: Duration = Duration::from_secs(30);

/// `future`'s output, or a failed test when it takes longer than `guard` (virtual time).
async fn within<T>(guard: Duration, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(guard, future).await {
        Ok(output) => output,
        Err(_) => panic!("the half-open link was not reported within {guard:?}"),
    }
}

/// What the client saw of one connection, in virtual time since its CONNACK.
#[derive(Debug)]
struct Outcome {
    pinged: Vec<Duration>,
    failed: Duration,
    error: ConnectionError,
}

/// Polls one connection until it fails, noting when PINGREQs went out.
async fn poll_until_failure(eventloop: &mut EventLoop) -> Outcome {
    let event = poll_within_guard(eventloop).await;
    assert_eq!(event.ok(), Some(Event::Incoming(connack_ok())));
    let connected = Instant::now();
    let mut pinged = Vec::new();
    loop {
        match poll_within_guard(eventloop).await {
            Ok(Event::Outgoing(Outgoing::PingReq)) => pinged.push(connected.elapsed()),
            Ok(_) => {}
            Err(error) => {
                let failed = connected.elapsed();
                return Outcome {
                    pinged,
                    failed,
                    error,
                };
            }
        }
    }
}

/// Publishes at `qos` every [`PUBLISH_EVERY`] until the event loop is gone.
fn spawn_publisher(client: AsyncClient, qos: QoS) -> JoinHandle<u32> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PUBLISH_EVERY);
        let mut sent = 0;
        loop {
            tick.tick().await;
            if client.publish("t", qos, false, "x").await.is_err() {
                return sent;
            }
            sent += 1;
        }
    })
}

/// The broker side: answers QoS 1 publishes with PUBACK until `acking` turns false, then
/// reads on silently; returns the publishes read and the virtual time of the last PUBACK.
fn spawn_broker(mut conn: PacketConn, acking: watch::Receiver<bool>) -> JoinHandle<Served> {
    tokio::spawn(async move {
        let mut served = Served {
            publishes: 0,
            pingreqs: 0,
            last_ack: None,
        };
        while let Ok(packet) = conn.try_read_packet().await {
            match packet {
                Packet::Publish(publish) => {
                    served.publishes += 1;
                    if publish.pkid != 0 && *acking.borrow() {
                        conn.send(&puback(publish.pkid)).await;
                        served.last_ack = Some(Instant::now());
                    }
                }
                Packet::PingReq => served.pingreqs += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        served
    })
}

#[derive(Debug)]
struct Served {
    publishes: u32,
    pingreqs: u32,
    last_ack: Option<Instant>,
}

/// Options with the test keep-alive and a window large enough that a QoS 1 publisher never
/// stalls on it during the test (a stalled publisher would stop writing and be caught by the
/// transmit rule alone).
fn options(port: u16) -> rumqttc::MqttOptions {
    let mut options = client_options("half-open", port);
    options.set_keep_alive(KEEP_ALIVE_SECS).set_inflight(5_000);
    options
}

/// What both sides saw of one scenario, in virtual time since the CONNACK.
struct Scenario {
    outcome: Outcome,
    served: Served,
    /// When the broker sent its last PUBACK, since the CONNACK.
    last_ack: Option<Duration>,
    /// Publishes the application handed to the client.
    published: u32,
}

/// Runs a publisher at `qos` against a broker that acks for `acks_for` after the CONNACK
/// (QoS 1 only) and is silent afterwards, until the client reports the connection dead.
async fn run_scenario(qos: QoS, acks_for: Duration) -> Scenario {
    let broker = TestBroker::bind()
        .await
        .read_timeout(Duration::from_secs(60));
    let (client, mut eventloop) = AsyncClient::builder(options(broker.port())).build();
    let publisher = spawn_publisher(client, qos);
    let (acking_tx, acking) = watch::channel(!acks_for.is_zero());
    let stop_acking = async {
        tokio::time::sleep(acks_for).await;
        acking_tx.send_replace(false);
    };
    let accept = async {
        let (conn, _) = broker.accept_session(&connack_ok()).await;
        (Instant::now(), spawn_broker(conn, acking.clone()))
    };
    let (outcome, (connected, served), ()) = tokio::join!(
        within(DETECTION_GUARD, poll_until_failure(&mut eventloop)),
        accept,
        stop_acking
    );
    drop(eventloop);
    let served = served.await.unwrap();
    Scenario {
        outcome,
        last_ack: served.last_ack.map(|at| at - connected),
        served,
        published: publisher.await.unwrap(),
    }
}

/// Checks that the link silent since `silent_since` (after the CONNACK) was probed by one
/// PINGREQ a keep-alive later and reported dead half a keep-alive after that, while the
/// application went on writing at least `min_publishes`.
fn assert_detected(scenario: &Scenario, silent_since: Duration, min_publishes: u32) {
    let Scenario {
        outcome,
        served,
        published,
        ..
    } = scenario;
    assert!(
        matches!(
            outcome.error,
            ConnectionError::MqttState(StateError::AwaitPingResp)
        ),
        "{:?}",
        outcome.error
    );
    assert_eq!(outcome.pinged, [silent_since + Duration::from_secs(5)]);
    assert_eq!(outcome.failed, silent_since + Duration::from_millis(7_500));
    assert_eq!(served.pingreqs, 1);
    assert!(served.publishes >= min_publishes, "{served:?}");
    assert!(*published >= served.publishes, "{published}");
}

/// A QoS 0 publisher writing every 10 ms to a broker that never answers after CONNACK gets
/// a PINGREQ at keep-alive and `AwaitPingResp` at 1.5 × keep-alive after the CONNACK.
#[tokio::test(start_paused = true)]
async fn qos0_publisher_to_a_silent_broker_fails_at_one_and_a_half_keep_alive() {
    let scenario = run_scenario(QoS::AtMostOnce, Duration::ZERO).await;

    assert_eq!(scenario.last_ack, None);
    // The application kept writing the whole time (one publish per 10 ms).
    assert_detected(&scenario, Duration::ZERO, 700);
}

/// A QoS 1 publisher writing every 10 ms whose PUBACKs stop after 2 s: the link is reported
/// dead 1.5 × keep-alive after the last PUBACK, although writes never stop.
#[tokio::test(start_paused = true)]
async fn qos1_publisher_whose_acks_stop_fails_at_one_and_a_half_keep_alive_after_the_last_ack() {
    let scenario = run_scenario(QoS::AtLeastOnce, Duration::from_secs(2)).await;

    let last_ack = scenario
        .last_ack
        .expect("the broker acked the first publishes");
    assert!(last_ack < Duration::from_secs(2), "{last_ack:?}");
    assert_detected(&scenario, last_ack, 900);
}
