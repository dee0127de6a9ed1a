//! `EventLoop::diagnostics` against an in-process broker on a paused clock: queued and
//! in-flight work by kind, exact bytes and packets in and out, kept across a lost
//! connection, and the status and last error after it.

mod support;

use rumqttc::{
    AsyncClient, ConnectionStatus, Event, InflightCounts, Outgoing, Packet, QoS, Traffic,
};
use support::loop_driver::{poll_error, poll_event};
use support::packets::{connack_ok, encode, publish, pubrec, pubrel, subscribe};
use support::test_broker::{TestBroker, client_options};

#[tokio::test(start_paused = true)]
async fn diagnostics_count_queued_and_inflight_work_and_exact_traffic() {
    let broker = TestBroker::bind().await;
    let mut options = client_options("diag", broker.port());
    options.set_keep_alive(0);
    let (client, mut eventloop) = AsyncClient::builder(options).capacity(10).build();
    let ok = connack_ok();
    let (_, (mut conn, connect)) =
        tokio::join!(poll_event(&mut eventloop), broker.accept_session(&ok));
    let connect_size = encode(&Packet::Connect(connect)).len() as u64;
    let diagnostics = eventloop.diagnostics();
    assert!(matches!(
        diagnostics.status,
        ConnectionStatus::Connected { .. }
    ));
    assert_eq!(diagnostics.traffic, expected_traffic(4, connect_size, 1, 1));

    client
        .publish("t", QoS::AtLeastOnce, false, "abc")
        .await
        .expect("queued");
    client
        .publish("t", QoS::ExactlyOnce, false, "abc")
        .await
        .expect("queued");
    client
        .subscribe("f/#", QoS::AtMostOnce)
        .await
        .expect("queued");
    let diagnostics = eventloop.diagnostics();
    assert_eq!(
        (diagnostics.queued_publishes, diagnostics.queued_control),
        (2, 1)
    );

    let first = poll_event(&mut eventloop).await;
    assert!(matches!(first, Event::Outgoing(_)), "{first:?}");
    let mut qos2_pkid = 0;
    for _ in 0..3 {
        if let Packet::Publish(publish) = conn.read_packet().await
            && publish.qos == QoS::ExactlyOnce
        {
            qos2_pkid = publish.pkid;
        }
    }
    let sizes = [
        publish("t", QoS::AtLeastOnce, 1, "abc"),
        publish("t", QoS::ExactlyOnce, 2, "abc"),
        subscribe(3, "f/#", QoS::AtMostOnce),
    ]
    .iter()
    .map(|packet| encode(packet).len() as u64)
    .sum::<u64>();
    let diagnostics = eventloop.diagnostics();
    assert_eq!(
        (diagnostics.queued_publishes, diagnostics.queued_control),
        (0, 0)
    );
    assert_eq!(diagnostics.inflight, counts(1, 1, 0, 1));
    assert_eq!(
        diagnostics.traffic,
        expected_traffic(4, connect_size + sizes, 1, 4)
    );

    conn.send(&pubrec(qos2_pkid)).await;
    loop {
        if poll_event(&mut eventloop).await == Event::Outgoing(Outgoing::PubRel(qos2_pkid)) {
            break;
        }
    }
    let traffic = expected_traffic(8, connect_size + sizes + 4, 2, 5);
    let diagnostics = eventloop.diagnostics();
    assert_eq!(diagnostics.inflight, counts(1, 0, 1, 1));
    assert_eq!(diagnostics.traffic, traffic);

    conn.expect(&pubrel(qos2_pkid)).await;
    drop(conn);
    poll_error(&mut eventloop).await;
    let diagnostics = eventloop.diagnostics();
    assert!(
        matches!(
            diagnostics.status,
            ConnectionStatus::WaitingToReconnect { .. }
        ),
        "{diagnostics:?}"
    );
    assert_eq!(
        diagnostics.traffic, traffic,
        "kept after the connection closed"
    );
    assert_eq!(
        diagnostics.last_error.as_deref(),
        Some("broker closed the connection")
    );
    assert_eq!((diagnostics.attempts, diagnostics.connections), (1, 1));
}

fn expected_traffic(bytes_in: u64, bytes_out: u64, packets_in: u64, packets_out: u64) -> Traffic {
    let mut traffic = Traffic::default();
    traffic.bytes_in = bytes_in;
    traffic.bytes_out = bytes_out;
    traffic.packets_in = packets_in;
    traffic.packets_out = packets_out;
    traffic
}

fn counts(puback: usize, pubrec: usize, pubcomp: usize, subscribes: usize) -> InflightCounts {
    let mut counts = InflightCounts::default();
    counts.awaiting_puback = puback;
    counts.awaiting_pubrec = pubrec;
    counts.awaiting_pubcomp = pubcomp;
    counts.subscribes = subscribes;
    counts
}
