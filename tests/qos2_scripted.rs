//! Outgoing QoS 2 against a scripted broker on a paused clock: PUBREL order across a
//! reconnect ([MQTT-4.6.0-4]) and a broker that answers QoS 2 with PUBACK (RabbitMQ 3.x).

mod support;

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rumqttc::{
    AsyncClient, ConnectReturnCode, ConnectionError, Event, Outgoing, Packet, PubAck, PubComp,
    PublishResult, QoS,
};
use support::loop_driver::LoopDriver;
use support::loop_driver::{poll_error, poll_event};
use support::packets::{
    connack, connack_ok, puback, pubcomp, publish, publish_flags, pubrec, pubrel,
};
use support::scripted_broker::{ScriptedBroker, Step};
use support::test_broker::{TestBroker, client_options};

/// Log records of the crate's state (`rumqttc::state`) at warning level or above.
static STATE_WARNINGS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Records the crate's state warnings; installed once per test binary.
struct WarningLog;

impl log::Log for WarningLog {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn && metadata.target().starts_with("rumqttc::state")
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let mut warnings = STATE_WARNINGS
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            warnings.push(record.args().to_string());
        }
    }

    fn flush(&self) {}
}

static LOGGER: WarningLog = WarningLog;

fn state_warnings() -> usize {
    STATE_WARNINGS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .len()
}

/// The wire trace: QoS 2 publishes 1 and 2 are cut after PUBREC 1 (PUBREL 1 sent,
/// not completed). On the resumed session the broker answers every packet at once. The
/// replayed PUBREL 1 must reach the wire before PUBREL 2, which answers the PUBREC of the
/// replayed PUBLISH 2 ([MQTT-4.6.0-4]: PUBRELs in PUBREC order), or a broker that releases
/// on PUBREL delivers message 2 before message 1. The replay is paced one request per
/// second so the broker's PUBREC arrives between two replayed requests, as it does when a
/// long replay spans several batches.
#[tokio::test(start_paused = true)]
async fn replayed_pubrel_reaches_the_wire_before_the_pubrel_for_a_new_pubrec() {
    let broker = TestBroker::bind().await;
    let mut options = client_options("qos2-order", broker.port());
    options
        .set_clean_session(false)
        .set_max_request_batch(1)
        .set_pending_throttle(Duration::from_secs(1));
    let (client, eventloop) = AsyncClient::builder(options).build();
    let first = client
        .publish_tracked("t", QoS::ExactlyOnce, false, "first")
        .await
        .unwrap();
    let second = client
        .publish_tracked("t", QoS::ExactlyOnce, false, "second")
        .await
        .unwrap();
    let driver = LoopDriver::spawn(eventloop);

    let (mut conn, _) = broker.accept_session(&connack_ok()).await;
    conn.expect(&publish("t", QoS::ExactlyOnce, 1, "first"))
        .await;
    conn.expect(&publish("t", QoS::ExactlyOnce, 2, "second"))
        .await;
    conn.send(&pubrec(1)).await;
    conn.expect(&pubrel(1)).await;
    conn.close().await;

    let resumed = connack(ConnectReturnCode::Success, true);
    let (mut conn, _) = broker.accept_session(&resumed).await;
    let mut wire = Vec::new();
    while wire
        .iter()
        .filter(|p| matches!(p, Packet::PubRel(_)))
        .count()
        < 2
    {
        let packet = conn.read_packet().await;
        match &packet {
            Packet::Publish(publish) => conn.send(&pubrec(publish.pkid)).await,
            Packet::PubRel(rel) => conn.send(&pubcomp(rel.pkid)).await,
            other => panic!("unexpected {other:?} on the resumed session"),
        }
        wire.push(packet);
    }

    assert_eq!(
        wire,
        [
            pubrel(1),
            publish_flags("t", QoS::ExactlyOnce, 2, "second", true, false),
            pubrel(2)
        ]
    );
    assert_eq!(
        first.wait_async().await,
        Ok(PublishResult::Qos2Completed(PubComp::new(1)))
    );
    assert_eq!(
        second.wait_async().await,
        Ok(PublishResult::Qos2Completed(PubComp::new(2)))
    );
    driver.stop().await;
}

/// A broker that answers QoS 2 PUBLISH with PUBACK stands in for RabbitMQ 3.x (it
/// downgrades to QoS 1 and delivers). Each publish completes as delivered at QoS 1, its
/// place in the window (1) is freed for the next, the connection stays up, and the warning
/// is logged once per connection: once for three downgrades on the first connection, once
/// more on the second.
#[tokio::test(start_paused = true)]
async fn puback_answering_qos2_completes_at_qos1_keeps_the_connection_and_warns_once_per_connection()
 {
    assert!(log::set_logger(&LOGGER).is_ok(), "logger already installed");
    log::set_max_level(log::LevelFilter::Warn);
    let qos2 = |pkid, payload: &str| publish("t", QoS::ExactlyOnce, pkid, payload);
    let broker = ScriptedBroker::start(vec![
        vec![
            Step::ExpectConnect,
            Step::Send(connack_ok()),
            Step::Expect(qos2(1, "a")),
            Step::Send(puback(1)),
            Step::Expect(qos2(2, "b")),
            Step::Send(puback(2)),
            Step::Expect(qos2(3, "c")),
            Step::Send(puback(3)),
            Step::Drop,
        ],
        vec![
            Step::ExpectConnect,
            Step::Send(connack_ok()),
            Step::Expect(qos2(4, "d")),
            Step::Send(puback(4)),
        ],
    ])
    .await;
    let mut options = client_options("rabbit", broker.port());
    options.set_inflight(1);
    let (client, mut eventloop) = AsyncClient::builder(options).build();
    let mut notices = Vec::new();
    for payload in ["a", "b", "c"] {
        let notice = client.publish_tracked("t", QoS::ExactlyOnce, false, payload);
        notices.push(notice.await.unwrap());
    }

    let mut first = Vec::new();
    for _ in 0..7 {
        first.push(poll_event(&mut eventloop).await);
    }
    let error = poll_error(&mut eventloop).await;
    let warnings_first = state_warnings();
    let notice = client.publish_tracked("t", QoS::ExactlyOnce, false, "d");
    notices.push(notice.await.unwrap());
    let mut second = Vec::new();
    for _ in 0..3 {
        second.push(poll_event(&mut eventloop).await);
    }

    let sent = |pkid| Event::Outgoing(Outgoing::Publish(pkid));
    let acked = |pkid| Event::Incoming(puback(pkid));
    assert_eq!(
        first,
        [
            Event::Incoming(connack_ok()),
            sent(1),
            acked(1),
            sent(2),
            acked(2),
            sent(3),
            acked(3)
        ]
    );
    assert!(
        matches!(error, ConnectionError::ConnectionClosed),
        "{error:?}"
    );
    assert_eq!(second, [Event::Incoming(connack_ok()), sent(4), acked(4)]);
    for (notice, pkid) in notices.into_iter().zip(1..) {
        assert_eq!(
            notice.wait_async().await,
            Ok(PublishResult::Qos1(PubAck::new(pkid)))
        );
    }
    assert_eq!((warnings_first, state_warnings()), (1, 2));
    assert_eq!(eventloop.state.inflight(), 0);
    drop(eventloop);
    broker.finish().await;
}
