//! The reconnect schedule as `poll` lives it, on a paused clock against in-process brokers:
//! jittered delays within the doubling ceiling, the deadline kept across a dropped poll,
//! the reset after a lasting connection, broker rotation per round, the credentials
//! provider asked once per attempt, and the diagnostics that show all of it.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rumqttc::{
    Backoff, ConnectAuth, ConnectReturnCode, ConnectionError, ConnectionStatus, Event, EventLoop,
    MqttOptions,
};
use support::loop_driver::{poll_error, poll_event};
use support::packets::{connack, connack_ok};
use support::test_broker::{TestBroker, client_options};
use tokio::time::{Instant, sleep, timeout_at};

const MS: Duration = Duration::from_millis(1);

/// Accepts a connection.
static OK: std::sync::LazyLock<rumqttc::Packet> = std::sync::LazyLock::new(connack_ok);

fn options(broker: &TestBroker, backoff: Option<Backoff>) -> MqttOptions {
    let mut options = client_options("backoff", broker.port());
    options.set_keep_alive(0).set_reconnect_backoff(backoff);
    options
}

/// Accepts one connection, reads its CONNECT and refuses it.
async fn refuse(broker: &TestBroker) {
    let refused = connack(ConnectReturnCode::NotAuthorized, false);
    let _ = broker.accept_session(&refused).await;
}

/// Polls once while the broker refuses the attempt; returns when the error arrived.
async fn refused_attempt(eventloop: &mut EventLoop, broker: &TestBroker) -> Instant {
    let (error, ()) = tokio::join!(poll_error(eventloop), refuse(broker));
    assert!(
        matches!(
            error,
            ConnectionError::ConnectionRefused(ConnectReturnCode::NotAuthorized)
        ),
        "{error:?}"
    );
    Instant::now()
}

/// Asserts that `actual` is the deadline `expected`, as tokio's timer wheel fires it: at
/// the deadline or up to one millisecond (its resolution) later.
#[track_caller]
fn assert_fired_at(actual: Instant, expected: Instant) {
    assert!(
        actual >= expected && actual < expected + MS,
        "fired at {actual:?}, deadline {expected:?}"
    );
}

/// When the loop will try again, per its diagnostics; panics when it is not waiting.
fn waiting_until(eventloop: &EventLoop) -> Instant {
    match eventloop.diagnostics().status {
        ConnectionStatus::WaitingToReconnect { until } => until,
        other => panic!("expected a reconnect wait, found {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn refused_attempts_wait_jittered_delays_within_the_doubling_ceiling() {
    let broker = TestBroker::bind().await;
    let backoff = Backoff::new(100 * MS, 400 * MS);
    let mut eventloop = EventLoop::new(options(&broker, Some(backoff)), 10);
    let mut failed_at = refused_attempt(&mut eventloop, &broker).await;
    for (round, ceiling) in [100, 200, 400, 400, 400].into_iter().enumerate() {
        let diagnostics = eventloop.diagnostics();
        let until = waiting_until(&eventloop);
        let delay = diagnostics.backoff.expect("a delay was drawn");
        assert_eq!(until, failed_at + delay, "round {round}");
        assert!(
            delay <= ceiling * MS,
            "round {round}: {delay:?} > {ceiling} ms"
        );
        assert_eq!(diagnostics.failed_rounds, round as u32 + 1);
        assert_eq!(diagnostics.attempts, round as u64 + 1);
        // The next attempt starts exactly at the deadline (connecting takes no virtual time).
        failed_at = refused_attempt(&mut eventloop, &broker).await;
        assert_fired_at(failed_at, until);
    }
    let diagnostics = eventloop.diagnostics();
    assert_eq!((diagnostics.attempts, diagnostics.connections), (6, 0));
    assert!(
        diagnostics
            .last_error
            .is_some_and(|error| error.contains("NotAuthorized")),
    );
}

#[tokio::test(start_paused = true)]
async fn poll_dropped_during_the_wait_keeps_the_deadline() {
    let broker = TestBroker::bind().await;
    let backoff = Backoff::new(1_000 * MS, 1_000 * MS);
    let mut eventloop = EventLoop::new(options(&broker, Some(backoff)), 10);
    let failed_at = refused_attempt(&mut eventloop, &broker).await;
    let until = waiting_until(&eventloop);
    assert!(until > failed_at, "a zero delay leaves nothing to cancel");
    let midway = failed_at + (until - failed_at) / 2;

    let cancelled = timeout_at(midway, eventloop.poll()).await;
    assert!(
        cancelled.is_err(),
        "poll finished during the wait: {cancelled:?}"
    );
    assert_fired_at(Instant::now(), midway);
    assert_eq!(waiting_until(&eventloop), until);
    assert_eq!(eventloop.diagnostics().attempts, 1);

    // The next poll waits only for the rest, then makes exactly one attempt.
    let again = refused_attempt(&mut eventloop, &broker).await;
    assert_fired_at(again, until);
    assert_eq!(eventloop.diagnostics().attempts, 2);
}

#[tokio::test(start_paused = true)]
async fn lasting_connection_reconnects_at_once_and_a_short_one_backs_off() {
    let broker = TestBroker::bind().await;
    let backoff = Backoff::new(100 * MS, 100 * MS).with_reset_after(10_000 * MS);
    let mut eventloop = EventLoop::new(options(&broker, Some(backoff)), 10);
    refused_attempt(&mut eventloop, &broker).await;
    let until = waiting_until(&eventloop);

    // Connected at `until`; the broker closes after exactly reset_after.
    let (event, (conn, _)) = tokio::join!(poll_event(&mut eventloop), broker.accept_session(&OK));
    assert_eq!(event, Event::Incoming(connack_ok()));
    let ConnectionStatus::Connected { since } = eventloop.diagnostics().status else {
        panic!("not connected: {:?}", eventloop.diagnostics());
    };
    assert_fired_at(since, until);
    let closer = async move {
        sleep(10_000 * MS).await;
        drop(conn);
    };
    let (error, ()) = tokio::join!(poll_error(&mut eventloop), closer);
    assert!(
        matches!(error, ConnectionError::ConnectionClosed),
        "{error:?}"
    );
    let lost_at = Instant::now();
    let diagnostics = eventloop.diagnostics();
    assert_eq!(diagnostics.status, ConnectionStatus::Disconnected);
    assert_eq!((diagnostics.failed_rounds, diagnostics.backoff), (0, None));

    // At once: the next connection is accepted at the same instant.
    let (_, (conn, _)) = tokio::join!(poll_event(&mut eventloop), broker.accept_session(&OK));
    assert_eq!(Instant::now(), lost_at);
    let closer = async move {
        sleep(9_999 * MS).await;
        drop(conn);
    };
    tokio::join!(poll_error(&mut eventloop), closer);
    let short_lost_at = Instant::now();
    let until = waiting_until(&eventloop);
    assert!(until <= short_lost_at + 100 * MS);
    let diagnostics = eventloop.diagnostics();
    assert_eq!(diagnostics.failed_rounds, 1);
    assert_eq!(
        (
            diagnostics.attempts,
            diagnostics.connections,
            diagnostics.reconnects
        ),
        (3, 2, 1)
    );
}

#[tokio::test(start_paused = true)]
async fn without_backoff_a_refused_attempt_is_retried_at_once() {
    let broker = TestBroker::bind().await;
    let mut eventloop = EventLoop::new(options(&broker, None), 10);
    let first = refused_attempt(&mut eventloop, &broker).await;
    assert_eq!(
        eventloop.diagnostics().status,
        ConnectionStatus::Disconnected
    );
    let second = refused_attempt(&mut eventloop, &broker).await;
    assert_eq!(second, first);
    assert_eq!(eventloop.diagnostics().backoff, None);
}

#[tokio::test(start_paused = true)]
async fn fallback_broker_is_tried_at_once_and_a_failed_round_waits() {
    let first = TestBroker::bind().await;
    let second = TestBroker::bind().await;
    let mut options = options(&first, Some(Backoff::new(100 * MS, 100 * MS)));
    options.add_fallback_broker(("127.0.0.1", second.port()));
    let mut eventloop = EventLoop::new(options, 10);
    assert_eq!(
        eventloop.current_broker().tcp_address(),
        Some(("127.0.0.1", first.port()))
    );

    let failed_at = refused_attempt(&mut eventloop, &first).await;
    assert_eq!(
        eventloop.diagnostics().status,
        ConnectionStatus::Disconnected
    );
    assert_eq!(eventloop.diagnostics().broker_index, 1);
    assert_eq!(
        eventloop.current_broker().tcp_address(),
        Some(("127.0.0.1", second.port()))
    );
    // The second broker of the round is tried at once; its failure ends the round.
    assert_eq!(refused_attempt(&mut eventloop, &second).await, failed_at);
    let until = waiting_until(&eventloop);
    assert_eq!(eventloop.diagnostics().broker_index, 0);
    assert_fired_at(refused_attempt(&mut eventloop, &first).await, until);

    // The second broker accepts: it is the broker in use.
    let (event, _) = tokio::join!(poll_event(&mut eventloop), second.accept_session(&OK));
    assert_eq!(event, Event::Incoming(connack_ok()));
    let diagnostics = eventloop.diagnostics();
    assert_eq!(diagnostics.broker_index, 1);
    assert_eq!(
        diagnostics.broker.tcp_address(),
        Some(("127.0.0.1", second.port()))
    );
    assert_eq!((diagnostics.attempts, diagnostics.connections), (4, 1));
}

#[tokio::test(start_paused = true)]
async fn credentials_provider_is_asked_once_per_attempt_and_its_error_fails_the_attempt() {
    let broker = TestBroker::bind().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let mut options = options(&broker, Some(Backoff::new(100 * MS, 100 * MS)));
    let counter = Arc::clone(&calls);
    options.set_credentials_provider(move || {
        let call = counter.fetch_add(1, Ordering::SeqCst) + 1;
        async move {
            match call {
                2 => Err(std::io::Error::other("token service down")),
                _ => Ok(ConnectAuth::with_credentials(
                    "device",
                    format!("token-{call}"),
                )),
            }
        }
    });
    let mut eventloop = EventLoop::new(options, 10);

    let refused = connack(ConnectReturnCode::BadUserNamePassword, false);
    let (_, (_, connect)) =
        tokio::join!(poll_error(&mut eventloop), broker.accept_session(&refused));
    assert_eq!(
        connect.auth,
        ConnectAuth::with_credentials("device", "token-1")
    );

    let error = poll_error(&mut eventloop).await;
    assert!(
        matches!(error, ConnectionError::Credentials(_)),
        "{error:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let diagnostics = eventloop.diagnostics();
    assert_eq!((diagnostics.attempts, diagnostics.failed_rounds), (2, 2));
    assert!(
        diagnostics
            .last_error
            .is_some_and(|error| error == "credentials provider failed: token service down"),
    );
    waiting_until(&eventloop);

    let (event, (_, connect)) =
        tokio::join!(poll_event(&mut eventloop), broker.accept_session(&OK));
    assert_eq!(event, Event::Incoming(connack_ok()));
    assert_eq!(
        connect.auth,
        ConnectAuth::with_credentials("device", "token-3")
    );
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn disconnect_now_ends_the_reconnect_wait_at_once() {
    let broker = TestBroker::bind().await;
    let backoff = Backoff::new(10_000 * MS, 10_000 * MS);
    let (client, mut eventloop) =
        rumqttc::AsyncClient::builder(options(&broker, Some(backoff))).build();
    let failed_at = refused_attempt(&mut eventloop, &broker).await;
    assert!(waiting_until(&eventloop) > failed_at);
    client.disconnect_now().await.expect("queued");
    let error = poll_error(&mut eventloop).await;
    assert!(matches!(error, ConnectionError::RequestsDone), "{error:?}");
    assert_eq!(Instant::now(), failed_at);
    assert_eq!(eventloop.diagnostics().status, ConnectionStatus::Finished);
    assert_eq!(eventloop.diagnostics().attempts, 1);
}
