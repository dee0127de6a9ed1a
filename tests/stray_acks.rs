//! Stray acknowledgements (a packet id with nothing in flight) in the middle of a QoS 1
//! stream: the connection stays up, nothing is lost, and a warning names each packet and id.
//! Fails on today's main: the first stray PUBACK closed the connection (`UnsolicitedAck`).

mod support;

use std::sync::{Mutex, PoisonError};

use log::{Level, LevelFilter, Log, Metadata, Record};
use rumqttc::{AsyncClient, Event, Outgoing, Packet, PublishResult, QoS};
use support::loop_driver::LoopDriver;
use support::packets::{puback, pubcomp, publish, pubrec, pubrel, suback, unsuback};
use support::test_broker::{TestBroker, client_options};

/// Warnings logged by the crate, as `(level, message)`.
static RECORDS: Mutex<Vec<(Level, String)>> = Mutex::new(Vec::new());

/// A logger that keeps every record of this crate for the test to inspect.
struct Capture;

impl Log for Capture {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("rumqttc")
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            let mut records = RECORDS.lock().unwrap_or_else(PoisonError::into_inner);
            records.push((record.level(), record.args().to_string()));
        }
    }

    fn flush(&self) {}
}

static CAPTURE: Capture = Capture;

fn warnings() -> Vec<String> {
    let records = RECORDS.lock().unwrap_or_else(PoisonError::into_inner);
    records
        .iter()
        .filter(|(level, message)| *level == Level::Warn && message.starts_with("ignoring"))
        .map(|(_, message)| message.clone())
        .collect()
}

/// Messages published by the test.
const MESSAGES: u16 = 20;

#[tokio::test(start_paused = true)]
async fn stray_acks_in_a_qos1_stream_are_ignored_with_a_warning_and_nothing_is_lost() {
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(LevelFilter::Trace);
    let broker = TestBroker::bind().await;
    let (client, eventloop) = AsyncClient::builder(client_options("stray", broker.port()))
        .capacity(10)
        .build();
    let (mut driver, mut conn) = LoopDriver::spawn_connected(&broker, eventloop).await;
    let mut notices = Vec::new();
    for i in 0..MESSAGES {
        let notice = client
            .publish_tracked("t", QoS::AtLeastOnce, false, format!("{i}"))
            .await
            .unwrap();
        notices.push(notice);
    }
    for pkid in 1..=MESSAGES {
        let payload = format!("{}", pkid - 1);
        conn.expect(&publish("t", QoS::AtLeastOnce, pkid, payload))
            .await;
    }
    for pkid in 1..=MESSAGES / 2 {
        conn.send(&puback(pkid)).await;
    }
    // Strays: nothing is in flight with ids 500 to 504.
    conn.send(&puback(500)).await;
    conn.send(&pubcomp(501)).await;
    conn.send(&unsuback(502)).await;
    conn.send(&suback(503, [support::packets::granted(QoS::AtMostOnce)]))
        .await;
    conn.send(&pubrec(504)).await;
    // [MQTT-4.3.3-1] a PUBREC is still answered with PUBREL.
    conn.expect(&pubrel(504)).await;
    conn.send(&pubcomp(504)).await;
    for pkid in MESSAGES / 2 + 1..=MESSAGES {
        conn.send(&puback(pkid)).await;
    }

    for (i, notice) in notices.into_iter().enumerate() {
        let pkid = u16::try_from(i).unwrap() + 1;
        let Ok(PublishResult::Qos1(ack)) = notice.wait_async().await else {
            panic!("publish {pkid} did not complete with its PUBACK");
        };
        assert_eq!(ack.pkid, pkid);
    }
    let mut acks = Vec::new();
    while acks.len() < usize::from(MESSAGES) {
        match driver.next_event().await {
            Event::Incoming(Packet::PubAck(ack)) => acks.push(ack.pkid),
            Event::Outgoing(Outgoing::Publish(_) | Outgoing::PubRel(504)) => {}
            other => panic!("unexpected event {other:?}"),
        }
    }
    assert_eq!(acks, (1..=MESSAGES).collect::<Vec<_>>());
    assert_eq!(
        warnings(),
        [
            "ignoring PubAck for packet id 500: nothing in flight with that id",
            "ignoring PubComp for packet id 501: nothing in flight with that id",
            "ignoring UnsubAck for packet id 502: nothing in flight with that id",
            "ignoring SubAck for packet id 503: nothing in flight with that id",
            "ignoring PubRec for packet id 504: nothing in flight with that id",
            "ignoring PubComp for packet id 504: nothing in flight with that id",
        ]
    );
    conn.expect_silence(std::time::Duration::from_secs(1)).await;
    driver.stop().await;
}
