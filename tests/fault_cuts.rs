//! Fault injection, cuts: a proxy cuts every connection of one client (the publisher or
//! the subscriber, both with persistent sessions) to a private mosquitto at random
//! intervals, and the client reconnects by polling again. QoS 1 must lose nothing and keep
//! the order of first arrivals; QoS 2 must deliver each message exactly once, in order
//! (save mosquitto's own re-sends, told apart by the wire trace: see
//! [`qos2_delivers_exactly_once_in_order`]).
//! Seeded (`FAULT_SEED` reproduces a run); each test prints its counts (`--nocapture`).

mod support;

use rumqttc::QoS;
use support::fault_proxy::Shaping;
use support::fault_scenario::{CUTS_1_10_MS, CUTS_20_300_MS, Cuts, Report, Scenario, Side, run};

/// Numbered messages at most per scenario with cuts 20 to 300 ms apart.
const MAX_MESSAGES: u32 = 30_000;
/// Numbered messages at most per harsh scenario (cuts 1 to 10 ms apart).
const MAX_MESSAGES_HARSH: u32 = 5_000;
/// Each scenario fails when it takes longer.
const TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(90);

fn scenario(name: &'static str, side: Side, qos: QoS, cuts: Cuts) -> Scenario {
    let max_messages = if cuts.min < CUTS_20_300_MS.min {
        MAX_MESSAGES_HARSH
    } else {
        MAX_MESSAGES
    };
    Scenario {
        name,
        side,
        qos,
        shaping: Shaping::Pass,
        cuts: Some(cuts),
        max_messages,
        time_limit: TIME_LIMIT,
    }
}

/// What every cut scenario must show: enough cuts, the session kept, everything arrived.
fn assert_ran_to_the_end(report: &Report, cuts: Cuts) {
    let summary = report.summary();
    assert!(
        report.finished,
        "not every message arrived in time: {summary}"
    );
    assert!(report.cuts >= cuts.at_least, "too few cuts: {summary}");
    assert_eq!(
        report.sessions_lost, 0,
        "the broker lost a session: {summary}"
    );
    assert!(
        report.counts.messages > 0,
        "nothing was published: {summary}"
    );
    assert_eq!(report.counts.unexpected, 0, "{summary}");
}

/// QoS 1: nothing lost, first arrivals in publish order (duplicates are allowed).
async fn qos1_loses_nothing_and_keeps_first_arrival_order(
    name: &'static str,
    side: Side,
    cuts: Cuts,
) {
    let report = run(&scenario(name, side, QoS::AtLeastOnce, cuts)).await;
    let summary = report.summary();
    assert_ran_to_the_end(&report, cuts);
    assert_eq!(report.counts.lost, 0, "{summary}");
    assert_eq!(report.counts.out_of_order, 0, "{summary}");
}

/// QoS 2: nothing lost, nothing duplicated, nothing out of order.
///
/// One exception, on the subscriber side only, decided from the proxy's wire trace:
/// mosquitto 2.0.11 re-sends a QoS 2 PUBLISH whose id it had already released (the
/// subscriber received its PUBREL) when the subscriber reconnects twice before the broker
/// got to re-send the pending PUBREL (it resets "resend PUBREL" to "publish" on the second
/// reconnect). The subscriber no longer knows that id and MQTT-4.3.3 forbids it to drop the
/// PUBLISH, so that duplicate is the broker's: a duplicate counts against the client only
/// when the trace does not show the broker re-sending a released id with its payload. It
/// happens often with cuts 1 to 10 ms apart, and was also seen (50 of 30,000) with cuts
/// 20 to 300 ms apart on a loaded machine. On the publisher side nothing is excused.
async fn qos2_delivers_exactly_once_in_order(name: &'static str, side: Side, cuts: Cuts) {
    let report = run(&scenario(name, side, QoS::ExactlyOnce, cuts)).await;
    let summary = report.summary();
    assert_ran_to_the_end(&report, cuts);
    assert_eq!(report.counts.lost, 0, "{summary}");
    assert_eq!(
        report.counts.duplicated - report.counts.duplicated_after_release,
        0,
        "duplicates the broker did not re-send after releasing their id: {summary}"
    );
    assert_eq!(report.counts.out_of_order, 0, "{summary}");
}

#[tokio::test]
async fn qos1_publisher_cut_every_20_to_300_ms_loses_nothing_in_order() {
    qos1_loses_nothing_and_keeps_first_arrival_order(
        "q1-pub-cuts",
        Side::Publisher,
        CUTS_20_300_MS,
    )
    .await;
}

#[tokio::test]
async fn qos1_subscriber_cut_every_20_to_300_ms_loses_nothing_in_order() {
    qos1_loses_nothing_and_keeps_first_arrival_order(
        "q1-sub-cuts",
        Side::Subscriber,
        CUTS_20_300_MS,
    )
    .await;
}

#[tokio::test]
async fn qos2_publisher_cut_every_20_to_300_ms_delivers_exactly_once_in_order() {
    qos2_delivers_exactly_once_in_order("q2-pub-cuts", Side::Publisher, CUTS_20_300_MS).await;
}

/// Duplicates count unless the trace shows mosquitto re-sent a released id (see
/// [`qos2_delivers_exactly_once_in_order`]).
#[tokio::test]
async fn qos2_subscriber_cut_every_20_to_300_ms_delivers_exactly_once_in_order() {
    qos2_delivers_exactly_once_in_order("q2-sub-cuts", Side::Subscriber, CUTS_20_300_MS).await;
}

#[tokio::test]
async fn qos1_publisher_cut_every_1_to_10_ms_loses_nothing_in_order() {
    qos1_loses_nothing_and_keeps_first_arrival_order("q1-pub-harsh", Side::Publisher, CUTS_1_10_MS)
        .await;
}

#[tokio::test]
async fn qos1_subscriber_cut_every_1_to_10_ms_loses_nothing_in_order() {
    qos1_loses_nothing_and_keeps_first_arrival_order(
        "q1-sub-harsh",
        Side::Subscriber,
        CUTS_1_10_MS,
    )
    .await;
}

#[tokio::test]
async fn qos2_publisher_cut_every_1_to_10_ms_delivers_exactly_once_in_order() {
    qos2_delivers_exactly_once_in_order("q2-pub-harsh", Side::Publisher, CUTS_1_10_MS).await;
}

/// Duplicates count unless the trace shows mosquitto re-sent a released id (see
/// [`qos2_delivers_exactly_once_in_order`]); with cuts this close it often does.
#[tokio::test]
async fn qos2_subscriber_cut_every_1_to_10_ms_delivers_exactly_once_in_order() {
    qos2_delivers_exactly_once_in_order("q2-sub-harsh", Side::Subscriber, CUTS_1_10_MS).await;
}
