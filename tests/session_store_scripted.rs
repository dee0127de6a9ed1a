//! Persistent sessions and restored subscriptions against a scripted broker on a paused
//! clock: a new event loop over the same store replays what the old one left open (or
//! re-sends it as new when the broker lost the session), an incoming QoS 2 publish is not
//! delivered twice across a restart, a failing or corrupted store stops the loop before
//! anything unrecorded is sent (and a publish it could not record fails, never sent), and
//! lost subscriptions are restored before queued work.

mod support;

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rumqttc::{
    AsyncClient, ConnectReturnCode, ConnectionError, Corruption, Event, EventLoop,
    FileSessionStore, MemorySessionStore, MqttOptions, Outgoing, Packet, PubAck,
    PublishNoticeError, PublishResult, QoS, Resubscribe, SessionMode, SessionRecord,
    SessionSnapshot, SessionStore, SessionStoreError, SessionStoreKey, SubscribeReasonCode,
};
use support::loop_driver::LoopDriver;
use support::loop_driver::{poll_error, poll_event};
use support::packet_conn::PacketConn;
use support::packets::{
    connack, puback, pubcomp, publish, publish_flags, pubrec, pubrel, suback, subscribe,
};
use support::test_broker::{TestBroker, client_options};

fn persistent(port: u16, store: Arc<dyn SessionStore>) -> MqttOptions {
    let mut options = client_options("stored", port);
    options
        .set_session_mode(SessionMode::Persistent)
        .set_session_store_arc(store);
    options
}

fn present(session_present: bool) -> Packet {
    connack(ConnectReturnCode::Success, session_present)
}

fn out(outgoing: Outgoing) -> Event {
    Event::Outgoing(outgoing)
}

fn inc(packet: Packet) -> Event {
    Event::Incoming(packet)
}

fn stored(store: &dyn SessionStore, options: &MqttOptions) -> Option<SessionSnapshot> {
    store.load(&options.session_store_key()).unwrap()
}

/// Starts a loop (a new process, for the store) and accepts its connection with
/// `session_present`; the loop's events include the `ConnAck`.
async fn start(
    broker: &TestBroker,
    options: &MqttOptions,
    session_present: bool,
) -> (AsyncClient, LoopDriver, PacketConn) {
    let (client, eventloop) = AsyncClient::builder(options.clone()).build();
    let driver = LoopDriver::spawn(eventloop);
    let (conn, _) = broker.accept_session(&present(session_present)).await;
    (client, driver, conn)
}

/// The next events of the loop are exactly `expected`, in order.
async fn expect_events(driver: &mut LoopDriver, expected: impl IntoIterator<Item = Event>) {
    for event in expected {
        assert_eq!(driver.next_event().await, event);
    }
}

/// Accepts the loop's connection with `session_present = false` while polling it up to
/// its `ConnAck` event.
async fn connect(broker: &TestBroker, eventloop: &mut EventLoop) -> PacketConn {
    let connack = present(false);
    let ((conn, _), event) = tokio::join!(broker.accept_session(&connack), poll_event(eventloop));
    assert_eq!(event, inc(connack));
    conn
}

fn record_publish(qos: QoS, pkid: u16, payload: &str) -> SessionRecord {
    let Packet::Publish(publish) = publish("t", qos, pkid, payload) else {
        unreachable!()
    };
    SessionRecord::Publish(publish)
}

/// Runs a first event loop that leaves a QoS 1 publish (1) awaiting PUBACK and a QoS 2
/// publish (2) awaiting PUBCOMP, then drops it as a killed process would.
async fn leave_open_exchanges(broker: &TestBroker, options: &MqttOptions) {
    let (client, mut driver, mut conn) = start(broker, options, false).await;
    assert_eq!(driver.next_event().await, inc(present(false)));
    client
        .publish("t", QoS::AtLeastOnce, false, "one")
        .await
        .unwrap();
    conn.expect(&publish("t", QoS::AtLeastOnce, 1, "one")).await;
    client
        .publish("t", QoS::ExactlyOnce, false, "two")
        .await
        .unwrap();
    conn.expect(&publish("t", QoS::ExactlyOnce, 2, "two")).await;
    conn.send(&pubrec(2)).await;
    conn.expect(&pubrel(2)).await;
    expect_events(
        &mut driver,
        [
            out(Outgoing::Publish(1)),
            out(Outgoing::Publish(2)),
            inc(pubrec(2)),
            out(Outgoing::PubRel(2)),
        ],
    )
    .await;
    driver.stop().await;
}

#[tokio::test(start_paused = true)]
async fn new_loop_replays_stored_pubrels_then_publishes_with_dup_when_the_session_is_present() {
    let broker = TestBroker::bind().await;
    let store = Arc::new(MemorySessionStore::new());
    let options = persistent(broker.port(), store.clone());
    leave_open_exchanges(&broker, &options).await;
    let expected: SessionSnapshot = [
        record_publish(QoS::AtLeastOnce, 1, "one"),
        SessionRecord::PubRel(2),
    ]
    .into_iter()
    .collect();
    assert_eq!(stored(store.as_ref(), &options), Some(expected));

    let (_client, mut driver, mut conn) = start(&broker, &options, true).await;
    // [MQTT-4.6.0-4] stored PUBRELs lead, as in a replay within one process.
    conn.expect(&pubrel(2)).await;
    conn.expect(&publish_flags("t", QoS::AtLeastOnce, 1, "one", true, false))
        .await;
    conn.send(&puback(1)).await;
    conn.send(&pubcomp(2)).await;
    expect_events(
        &mut driver,
        [
            inc(present(true)),
            out(Outgoing::PubRel(2)),
            out(Outgoing::Publish(1)),
            inc(puback(1)),
            inc(pubcomp(2)),
        ],
    )
    .await;
    assert_eq!(
        stored(store.as_ref(), &options),
        Some(SessionSnapshot::new())
    );
    driver.stop().await;
}

#[tokio::test(start_paused = true)]
async fn new_loop_resends_stored_publishes_as_new_when_the_broker_lost_the_session() {
    let broker = TestBroker::bind().await;
    let store = Arc::new(MemorySessionStore::new());
    let options = persistent(broker.port(), store.clone());
    leave_open_exchanges(&broker, &options).await;

    let (_client, mut driver, mut conn) = start(&broker, &options, false).await;
    // The QoS 1 publish goes again as a new one (no DUP); the PUBREL of a lost session
    // has nothing to release and is dropped.
    conn.expect(&publish("t", QoS::AtLeastOnce, 1, "one")).await;
    assert_eq!(driver.next_event().await, inc(present(false)));
    assert_eq!(driver.next_event().await, out(Outgoing::Publish(1)));
    let expected: SessionSnapshot = [record_publish(QoS::AtLeastOnce, 1, "one")]
        .into_iter()
        .collect();
    assert_eq!(stored(store.as_ref(), &options), Some(expected));
    conn.send(&puback(1)).await;
    assert_eq!(driver.next_event().await, inc(puback(1)));
    assert_eq!(
        stored(store.as_ref(), &options),
        Some(SessionSnapshot::new())
    );
    driver.stop().await;
}

/// [MQTT-4.3.3-2] a QoS 2 publish acknowledged with PUBREC before a restart is answered
/// again after it, and not handed to the new process.
#[tokio::test(start_paused = true)]
async fn incoming_qos2_acknowledged_before_a_restart_is_not_delivered_again() {
    let broker = TestBroker::bind().await;
    let store = Arc::new(MemorySessionStore::new());
    let options = persistent(broker.port(), store.clone());
    let message = publish("t", QoS::ExactlyOnce, 7, "x");
    let (_client, mut driver, mut conn) = start(&broker, &options, false).await;
    conn.send(&message).await;
    conn.expect(&pubrec(7)).await;
    assert_eq!(driver.next_event().await, inc(present(false)));
    assert_eq!(driver.next_event().await, inc(message));
    assert_eq!(driver.next_event().await, out(Outgoing::PubRec(7)));
    driver.stop().await;

    let (_client, mut driver, mut conn) = start(&broker, &options, true).await;
    conn.send(&publish_flags("t", QoS::ExactlyOnce, 7, "x", true, false))
        .await;
    conn.expect(&pubrec(7)).await;
    conn.send(&pubrel(7)).await;
    conn.expect(&pubcomp(7)).await;
    expect_events(
        &mut driver,
        [
            inc(present(true)),
            out(Outgoing::PubRec(7)),
            inc(pubrel(7)),
            out(Outgoing::PubComp(7)),
        ],
    )
    .await;
    assert_eq!(
        stored(store.as_ref(), &options),
        Some(SessionSnapshot::new())
    );
    driver.stop().await;
}

/// A store whose appends fail.
#[derive(Debug)]
struct FailingStore;

impl SessionStore for FailingStore {
    fn load(&self, _: &SessionStoreKey) -> Result<Option<SessionSnapshot>, SessionStoreError> {
        Ok(None)
    }

    fn append(&self, _: &SessionStoreKey, _: &[SessionRecord]) -> Result<(), SessionStoreError> {
        Err(SessionStoreError::Backend(io::Error::other("disk full")))
    }

    fn save(&self, _: &SessionStoreKey, _: &SessionSnapshot) -> Result<(), SessionStoreError> {
        Ok(())
    }

    fn clear(&self, _: &SessionStoreKey) -> Result<(), SessionStoreError> {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn failing_store_drops_the_connection_before_the_unrecorded_publish_is_sent() {
    let broker = TestBroker::bind().await;
    let options = persistent(broker.port(), Arc::new(FailingStore));
    let (client, mut driver, mut conn) = start(&broker, &options, false).await;
    assert_eq!(driver.next_event().await, inc(present(false)));
    client
        .publish("t", QoS::AtLeastOnce, false, "one")
        .await
        .unwrap();
    expect_store_backend_error(&mut driver).await;
    conn.expect_closed().await;
    driver.stop().await;
}

/// A memory store whose appends fail while `failing` is set.
#[derive(Debug, Default)]
struct FlakyStore {
    inner: MemorySessionStore,
    failing: AtomicBool,
}

impl FlakyStore {
    fn fail(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }
}

impl SessionStore for FlakyStore {
    fn load(&self, key: &SessionStoreKey) -> Result<Option<SessionSnapshot>, SessionStoreError> {
        self.inner.load(key)
    }

    fn append(
        &self,
        key: &SessionStoreKey,
        records: &[SessionRecord],
    ) -> Result<(), SessionStoreError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(SessionStoreError::Backend(io::Error::other("disk full")));
        }
        self.inner.append(key, records)
    }

    fn save(
        &self,
        key: &SessionStoreKey,
        snapshot: &SessionSnapshot,
    ) -> Result<(), SessionStoreError> {
        self.inner.save(key, snapshot)
    }

    fn clear(&self, key: &SessionStoreKey) -> Result<(), SessionStoreError> {
        self.inner.clear(key)
    }
}

/// A publish the store could not record is never sent, not even after the reconnect: a
/// tracked one's notice fails with `SessionStoreFailed`, an untracked one is reported by
/// the `SessionStore` error alone. Work recorded before is replayed as usual.
#[tokio::test(start_paused = true)]
async fn failing_append_fails_the_unrecorded_publishes_which_never_reach_the_wire() {
    let broker = TestBroker::bind().await;
    let store = Arc::new(FlakyStore::default());
    let options = persistent(broker.port(), store.clone());
    let (client, mut driver, mut conn) = start(&broker, &options, false).await;
    assert_eq!(driver.next_event().await, inc(present(false)));
    let mut one = client
        .publish_tracked("t", QoS::AtLeastOnce, false, "one")
        .await
        .unwrap();
    conn.expect(&publish("t", QoS::AtLeastOnce, 1, "one")).await;
    assert_eq!(driver.next_event().await, out(Outgoing::Publish(1)));

    store.fail(true);
    let mut two = client
        .publish_tracked("t", QoS::ExactlyOnce, false, "two")
        .await
        .unwrap();
    expect_store_backend_error(&mut driver).await;
    assert_eq!(
        two.try_wait(),
        Some(Err(PublishNoticeError::SessionStoreFailed))
    );
    conn.expect_closed().await;
    store.fail(false);
    // The publish the store refused never reached the wire, so it has no event either.
    let (mut conn, _) = broker.accept_session(&present(true)).await;
    conn.expect(&publish_flags("t", QoS::AtLeastOnce, 1, "one", true, false))
        .await;
    conn.send(&puback(1)).await;
    assert_eq!(driver.next_event().await, inc(present(true)));
    assert_eq!(driver.next_event().await, out(Outgoing::Publish(1)));
    assert_eq!(driver.next_event().await, inc(puback(1)));
    assert_eq!(
        one.try_wait(),
        Some(Ok(PublishResult::Qos1(PubAck::new(1))))
    );

    store.fail(true);
    client
        .publish("t", QoS::AtLeastOnce, false, "three")
        .await
        .unwrap();
    let error = driver.next_error().await;
    assert!(
        matches!(error, ConnectionError::SessionStore(_)),
        "{error:?}"
    );
    conn.expect_closed().await;
    store.fail(false);
    let (mut conn, _) = broker.accept_session(&present(true)).await;
    assert_eq!(driver.next_event().await, inc(present(true)));
    client
        .publish("t", QoS::AtLeastOnce, false, "four")
        .await
        .unwrap();
    // Nothing of "three" before "four", and no store entry for either refused publish.
    conn.expect(&publish("t", QoS::AtLeastOnce, 4, "four"))
        .await;
    assert_eq!(driver.next_event().await, out(Outgoing::Publish(4)));
    let expected: SessionSnapshot = [record_publish(QoS::AtLeastOnce, 4, "four")]
        .into_iter()
        .collect();
    assert_eq!(stored(store.as_ref(), &options), Some(expected));
    driver.stop().await;
}

#[tokio::test(start_paused = true)]
async fn corrupted_store_file_fails_the_connect_naming_the_file_until_started_clean() {
    let dir = std::env::temp_dir().join(format!("rumqttc-corrupt-{}", std::process::id()));
    let broker = TestBroker::bind().await;
    let store = FileSessionStore::open(&dir).unwrap();
    let mut options = persistent(
        broker.port(),
        Arc::new(FileSessionStore::open(&dir).unwrap()),
    );
    let path = store.path(&options.session_store_key());
    std::fs::write(&path, b"not a session log").unwrap();
    let mut eventloop = EventLoop::new(options.clone(), 10);
    let error = poll_error(&mut eventloop).await;
    let ConnectionError::SessionStore(SessionStoreError::Corrupted {
        path: named,
        offset: 0,
        reason: Corruption::Header,
    }) = error
    else {
        panic!("{error:?}");
    };
    assert_eq!(named, path);

    let clean = FileSessionStore::open(&dir)
        .unwrap()
        .start_clean_on_corruption(true);
    options = persistent(broker.port(), Arc::new(clean));
    let mut eventloop = EventLoop::new(options, 10);
    let accepted = connect(&broker, &mut eventloop).await;
    drop(accepted);
    assert!(path.with_extension("corrupt").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Subscribes to a/# (granted QoS 1) on a first connection that the broker then drops,
/// and queues a QoS 0 publish while the client is disconnected.
async fn subscribed_then_dropped(
    broker: &TestBroker,
    options: MqttOptions,
) -> (AsyncClient, EventLoop) {
    let (client, mut eventloop) = AsyncClient::builder(options).build();
    let accepted = connect(broker, &mut eventloop).await;
    let mut conn = accepted;
    client.subscribe("a/#", QoS::AtLeastOnce).await.unwrap();
    assert_eq!(
        poll_event(&mut eventloop).await,
        out(Outgoing::Subscribe(1))
    );
    conn.expect(&subscribe(1, "a/#", QoS::AtLeastOnce)).await;
    let granted = suback(1, [SubscribeReasonCode::Success(QoS::AtLeastOnce)]);
    conn.send(&granted).await;
    assert_eq!(poll_event(&mut eventloop).await, inc(granted));
    let held: Vec<(String, QoS)> = eventloop
        .subscriptions()
        .iter()
        .map(|(filter, qos)| (filter.to_owned(), qos))
        .collect();
    assert_eq!(held, [("a/#".to_owned(), QoS::AtLeastOnce)]);
    conn.close().await;
    assert!(matches!(
        poll_error(&mut eventloop).await,
        ConnectionError::ConnectionClosed
    ));
    client
        .publish("b", QoS::AtMostOnce, false, "queued")
        .await
        .unwrap();
    (client, eventloop)
}

#[tokio::test(start_paused = true)]
async fn lost_subscriptions_are_restored_before_queued_requests_when_asked() {
    let broker = TestBroker::bind().await;
    let mut options = client_options("resub", broker.port());
    options.set_resubscribe(Resubscribe::OnSessionLoss);
    let (_client, mut eventloop) = subscribed_then_dropped(&broker, options).await;
    let accepted = connect(&broker, &mut eventloop).await;
    let mut conn = accepted;
    assert_eq!(
        poll_event(&mut eventloop).await,
        out(Outgoing::Subscribe(2))
    );
    assert_eq!(poll_event(&mut eventloop).await, out(Outgoing::Publish(0)));
    conn.expect(&subscribe(2, "a/#", QoS::AtLeastOnce)).await;
    conn.expect(&publish("b", QoS::AtMostOnce, 0, "queued"))
        .await;
    // A refused re-subscription is reported in its SUBACK and leaves the set.
    let refused = suback(2, [SubscribeReasonCode::Failure]);
    conn.send(&refused).await;
    assert_eq!(poll_event(&mut eventloop).await, inc(refused));
    assert!(eventloop.subscriptions().is_empty());
}

#[tokio::test(start_paused = true)]
async fn lost_subscriptions_are_not_restored_by_default() {
    let broker = TestBroker::bind().await;
    let options = client_options("no-resub", broker.port());
    let (_client, mut eventloop) = subscribed_then_dropped(&broker, options).await;
    let accepted = connect(&broker, &mut eventloop).await;
    let mut conn = accepted;
    assert_eq!(poll_event(&mut eventloop).await, out(Outgoing::Publish(0)));
    conn.expect(&publish("b", QoS::AtMostOnce, 0, "queued"))
        .await;
    assert!(eventloop.subscriptions().is_empty());
}

#[tokio::test(start_paused = true)]
async fn reset_session_state_clears_the_stored_session() {
    let broker = TestBroker::bind().await;
    let store = Arc::new(MemorySessionStore::new());
    let options = persistent(broker.port(), store.clone());
    let (client, mut eventloop) = AsyncClient::builder(options.clone()).build();
    let mut conn = connect(&broker, &mut eventloop).await;
    for (pkid, payload) in [(1, "one"), (2, "two")] {
        client
            .publish("t", QoS::AtLeastOnce, false, payload)
            .await
            .unwrap();
        assert_eq!(
            poll_event(&mut eventloop).await,
            out(Outgoing::Publish(pkid))
        );
        conn.expect(&publish("t", QoS::AtLeastOnce, pkid, payload))
            .await;
    }
    let open: SessionSnapshot = [
        record_publish(QoS::AtLeastOnce, 1, "one"),
        record_publish(QoS::AtLeastOnce, 2, "two"),
    ]
    .into_iter()
    .collect();
    assert_eq!(stored(store.as_ref(), &options), Some(open));

    // The fresh session reuses packet id 1; id 2 must not survive in the store.
    eventloop.reset_session_state();
    client
        .publish("t", QoS::AtLeastOnce, false, "three")
        .await
        .unwrap();
    assert_eq!(poll_event(&mut eventloop).await, out(Outgoing::Publish(1)));
    conn.expect(&publish("t", QoS::AtLeastOnce, 1, "three"))
        .await;
    let fresh: SessionSnapshot = [record_publish(QoS::AtLeastOnce, 1, "three")]
        .into_iter()
        .collect();
    assert_eq!(stored(store.as_ref(), &options), Some(fresh));
}

/// The next result of `driver` is the error of a store backend that failed to write.
async fn expect_store_backend_error(driver: &mut LoopDriver) {
    let error = driver.next_error().await;
    assert!(
        matches!(
            error,
            ConnectionError::SessionStore(SessionStoreError::Backend(_))
        ),
        "{error:?}"
    );
}
