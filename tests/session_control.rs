//! `EventLoop::drain_pending_as_failed` and `EventLoop::reset_session_state` (0.33.1 API)
//! against a scripted broker on a paused clock: what they fail, what they count, and that
//! packet ids start over.

mod support;

use rumqttc::{
    AsyncClient, ConnectionError, Event, EventLoop, NoticeFailureReason, Outgoing,
    PublishNoticeError, QoS, SubscribeNoticeError,
};
use support::loop_driver::{poll_error, poll_event};
use support::packets::{connack_ok, publish, subscribe};
use support::scripted_broker::{ScriptedBroker, Step};
use support::test_broker::client_options;

async fn expect_event(eventloop: &mut EventLoop, expected: Event) {
    assert_eq!(poll_event(eventloop).await, expected);
}

/// A tracked QoS 1 publish (1) and a tracked subscribe (2) are written, then the broker
/// drops the connection: both wait in the pending queue for replay.
#[tokio::test(start_paused = true)]
async fn drain_pending_as_failed_fails_every_replay_and_counts_it() {
    let broker = ScriptedBroker::start(vec![vec![
        Step::ExpectConnect,
        Step::Send(connack_ok()),
        Step::Expect(publish("t", QoS::AtLeastOnce, 1, "one")),
        Step::Expect(subscribe(2, "f", QoS::AtLeastOnce)),
        Step::Drop,
    ]])
    .await;
    let mut options = client_options("drain", broker.port());
    options.set_clean_session(false);
    let (client, mut eventloop) = AsyncClient::builder(options).build();
    expect_event(&mut eventloop, Event::Incoming(connack_ok())).await;
    let published = client
        .publish_tracked("t", QoS::AtLeastOnce, false, "one")
        .await
        .unwrap();
    expect_event(&mut eventloop, Event::Outgoing(Outgoing::Publish(1))).await;
    let subscribed = client
        .subscribe_tracked("f", QoS::AtLeastOnce)
        .await
        .unwrap();
    expect_event(&mut eventloop, Event::Outgoing(Outgoing::Subscribe(2))).await;
    let error = poll_error(&mut eventloop).await;
    assert!(
        matches!(error, ConnectionError::ConnectionClosed),
        "{error:?}"
    );
    assert_eq!(eventloop.pending_len(), 2);
    assert_eq!(eventloop.state.packet_ids_in_use(), 2);

    let drained = eventloop.drain_pending_as_failed(NoticeFailureReason::Abandoned);

    assert_eq!(drained, 2);
    assert!(eventloop.pending_is_empty());
    assert_eq!(eventloop.state.packet_ids_in_use(), 0);
    assert_eq!(
        published.wait_async().await,
        Err(PublishNoticeError::Abandoned)
    );
    assert_eq!(
        subscribed.wait_async().await,
        Err(SubscribeNoticeError::Abandoned)
    );
    assert_eq!(
        eventloop.drain_pending_as_failed(NoticeFailureReason::Abandoned),
        0
    );
    broker.finish().await;
}

/// A QoS 1 publish waits for its PUBACK when the session is reset: its notice fails with
/// `SessionReset`, the window empties, and the next publish gets packet id 1 again.
#[tokio::test(start_paused = true)]
async fn reset_session_state_fails_in_flight_work_and_restarts_packet_ids() {
    let mut broker = ScriptedBroker::start(vec![vec![
        Step::ExpectConnect,
        Step::Send(connack_ok()),
        Step::Expect(publish("t", QoS::AtLeastOnce, 1, "one")),
        Step::Expect(publish("t", QoS::AtLeastOnce, 1, "two")),
    ]])
    .await;
    let (client, mut eventloop) =
        AsyncClient::builder(client_options("reset", broker.port())).build();
    expect_event(&mut eventloop, Event::Incoming(connack_ok())).await;
    let first = client
        .publish_tracked("t", QoS::AtLeastOnce, false, "one")
        .await
        .unwrap();
    expect_event(&mut eventloop, Event::Outgoing(Outgoing::Publish(1))).await;
    assert_eq!(eventloop.state.inflight(), 1);

    eventloop.reset_session_state();

    assert_eq!(
        first.wait_async().await,
        Err(PublishNoticeError::SessionReset)
    );
    assert_eq!(eventloop.state.inflight(), 0);
    assert_eq!(eventloop.state.packet_ids_in_use(), 0);
    client
        .publish("t", QoS::AtLeastOnce, false, "two")
        .await
        .unwrap();
    expect_event(&mut eventloop, Event::Outgoing(Outgoing::Publish(1))).await;
    broker.script_done(0).await;
    drop(eventloop);
    broker.finish().await;
}
