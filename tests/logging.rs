//! The `log` records of one connect, publish, refused subscribe, connection loss and
//! reconnect, captured by a test logger: every record in order, at its level, and never the
//! password, the payload, the topic or the filter. One test per binary (one logger each).

mod support;

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use log::{Level, LevelFilter, Log, Metadata, Record};
use rumqttc::{AsyncClient, Backoff, ConnectionError, Event, Packet, QoS, SubscribeReasonCode};
use support::loop_driver::{poll_error, poll_event};
use support::packets::{connack_ok, puback, publish, suback};
use support::test_broker::{TestBroker, client_options};

const PASSWORD: &str = "hunter2-secret";
const PAYLOAD: &str = "payload-secret";
const TOPIC: &str = "topic-secret/17";
const FILTER: &str = "filter-secret/#";

/// Keeps every record of this crate.
struct Capture(Mutex<Vec<(Level, String)>>);

impl Log for Capture {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("rumqttc")
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            let mut records = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            records.push((record.level(), record.args().to_string()));
        }
    }

    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

fn take_records() -> Vec<(Level, String)> {
    std::mem::take(&mut *CAPTURE.0.lock().unwrap_or_else(PoisonError::into_inner))
}

#[tokio::test(start_paused = true)]
async fn connect_publish_and_reconnect_log_each_step_without_secrets() {
    log::set_logger(&CAPTURE).expect("the only logger of this binary");
    log::set_max_level(LevelFilter::Trace);
    let broker = TestBroker::bind().await;
    let ok = connack_ok();
    let mut options = client_options("logged", broker.port());
    options
        .set_keep_alive(0)
        .set_credentials("device", PASSWORD)
        .set_reconnect_backoff(Some(Backoff::new(
            Duration::from_millis(100),
            Duration::from_millis(100),
        )));
    let (client, mut eventloop) = AsyncClient::builder(options).build();

    let (_, (mut conn, _)) = tokio::join!(poll_event(&mut eventloop), broker.accept_session(&ok));
    client
        .publish(TOPIC, QoS::AtLeastOnce, false, PAYLOAD)
        .await
        .expect("queued");
    poll_event(&mut eventloop).await;
    conn.expect(&publish(TOPIC, QoS::AtLeastOnce, 1, PAYLOAD))
        .await;
    conn.send(&puback(1)).await;
    assert_eq!(
        poll_event(&mut eventloop).await,
        Event::Incoming(Packet::PubAck(rumqttc::PubAck { pkid: 1 }))
    );
    client
        .subscribe(FILTER, QoS::AtLeastOnce)
        .await
        .expect("queued");
    poll_event(&mut eventloop).await;
    let Packet::Subscribe(subscribe) = conn.read_packet().await else {
        panic!("expected SUBSCRIBE");
    };
    conn.send(&suback(subscribe.pkid, [SubscribeReasonCode::Failure]))
        .await;
    poll_event(&mut eventloop).await;
    drop(conn);
    let error = poll_error(&mut eventloop).await;
    assert!(
        matches!(error, ConnectionError::ConnectionClosed),
        "{error:?}"
    );
    let (event, _) = tokio::join!(poll_event(&mut eventloop), broker.accept_session(&ok));
    assert_eq!(event, Event::Incoming(connack_ok()));

    let records = take_records();
    let text: Vec<String> = records
        .iter()
        .map(|(level, message)| format!("{level} {message}"))
        .collect();
    for secret in [PASSWORD, PAYLOAD, TOPIC, FILTER] {
        assert!(
            text.iter().all(|line| !line.contains(secret)),
            "{secret:?} was logged: {text:#?}"
        );
    }
    let broker = format!("127.0.0.1:{}", broker.port());
    let connect = [
        format!("DEBUG connecting to {broker} (attempt 1)"),
        "TRACE out: CONNECT keep_alive=0s clean_session=true username=true password=true will=false".to_owned(),
        "TRACE in: CONNACK code=Success session_present=false".to_owned(),
        format!("DEBUG CONNACK from {broker}: Success, session present: false"),
        format!("INFO connected to {broker} (session present: false)"),
    ];
    let mut expected: Vec<String> = connect.to_vec();
    expected.extend([
        "TRACE out: PUBLISH pkid=1 qos=1 retain=false dup=false topic_len=15 payload_len=14"
            .to_owned(),
        "TRACE in: PUBACK pkid=1".to_owned(),
        format!("TRACE out: SUBSCRIBE pkid={} filters=1", subscribe.pkid),
        format!(
            "TRACE in: SUBACK pkid={} return_codes=[Failure]",
            subscribe.pkid
        ),
        format!(
            "WARN broker refused 1 of 1 subscription filter(s) (SUBACK pkid={})",
            subscribe.pkid
        ),
        format!("WARN connection to {broker} lost: broker closed the connection (0 request(s) unfinished)"),
        "<reconnect delay>".to_owned(),
    ]);
    expected.extend(
        connect
            .iter()
            .map(|line| line.replace("attempt 1", "attempt 2")),
    );
    let delay_prefix = format!("INFO reconnecting to {broker} in ");
    let delay_suffix = " after 1 failed round(s)";
    let normalised: Vec<String> = text
        .iter()
        .map(|line| {
            if line.starts_with(&delay_prefix) && line.ends_with(delay_suffix) {
                "<reconnect delay>".to_owned()
            } else {
                line.clone()
            }
        })
        .collect();
    assert_eq!(normalised, expected);
}
