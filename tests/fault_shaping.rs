//! Fault injection, write shaping: a proxy between one client (the publisher or the
//! subscriber, with persistent sessions) and a private mosquitto writes every byte on its
//! own, or gathers everything for 5 ms into one write. QoS 2 must deliver each message
//! exactly once and in order, and the proxy's wire trace must show exactly one exchange
//! per message (no retransmission). Real clock; every wait is bounded.

mod support;

use std::time::Duration;

use rumqttc::QoS;
use support::fault_proxy::Shaping;
use support::fault_scenario::{Report, Scenario, Side, run};
use support::wire_trace::{Direction, PUBCOMP, PUBLISH, PUBREC, PUBREL, TraceEntry};

/// Numbered messages per scenario.
const MESSAGES: u32 = 2_000;
/// Each scenario fails when it takes longer.
const TIME_LIMIT: Duration = Duration::from_secs(60);

fn count(trace: &[TraceEntry], direction: Direction, packet_type: u8) -> usize {
    trace
        .iter()
        .filter(|e| e.direction == direction && e.packet_type == packet_type)
        .count()
}

async fn qos2_is_exactly_once_in_order_through(name: &'static str, side: Side, shaping: Shaping) {
    let report: Report = run(&Scenario {
        name,
        side,
        qos: QoS::ExactlyOnce,
        shaping,
        cuts: None,
        max_messages: MESSAGES,
        time_limit: TIME_LIMIT,
    })
    .await;
    let summary = report.summary();
    assert!(
        report.finished,
        "not every message arrived in time: {summary}"
    );
    assert_eq!(report.counts.messages, MESSAGES, "{summary}");
    assert_eq!(report.counts.lost, 0, "{summary}");
    assert_eq!(report.counts.duplicated, 0, "{summary}");
    assert_eq!(report.counts.out_of_order, 0, "{summary}");
    assert_eq!(report.counts.unexpected, 0, "{summary}");
    assert_eq!(report.connections, 1, "{summary}");

    // One QoS 2 exchange per message and one for the end marker, nothing re-sent.
    let exchanges = MESSAGES as usize + 1;
    let (sender, receiver) = match side {
        Side::Publisher => (Direction::ToBroker, Direction::ToClient),
        Side::Subscriber => (Direction::ToClient, Direction::ToBroker),
    };
    let trace = &report.trace;
    assert_eq!(count(trace, sender, PUBLISH), exchanges, "{summary}");
    assert_eq!(count(trace, receiver, PUBREC), exchanges, "{summary}");
    assert_eq!(count(trace, sender, PUBREL), exchanges, "{summary}");
    assert_eq!(count(trace, receiver, PUBCOMP), exchanges, "{summary}");
}

#[tokio::test]
async fn qos2_publisher_one_byte_per_write_delivers_exactly_once_in_order() {
    qos2_is_exactly_once_in_order_through(
        "q2-pub-onebyte",
        Side::Publisher,
        Shaping::OneBytePerWrite,
    )
    .await;
}

#[tokio::test]
async fn qos2_subscriber_one_byte_per_write_delivers_exactly_once_in_order() {
    qos2_is_exactly_once_in_order_through(
        "q2-sub-onebyte",
        Side::Subscriber,
        Shaping::OneBytePerWrite,
    )
    .await;
}

#[tokio::test]
async fn qos2_publisher_coalesced_writes_deliver_exactly_once_in_order() {
    qos2_is_exactly_once_in_order_through("q2-pub-coalesce", Side::Publisher, Shaping::Coalesce)
        .await;
}

#[tokio::test]
async fn qos2_subscriber_coalesced_writes_deliver_exactly_once_in_order() {
    qos2_is_exactly_once_in_order_through("q2-sub-coalesce", Side::Subscriber, Shaping::Coalesce)
        .await;
}
