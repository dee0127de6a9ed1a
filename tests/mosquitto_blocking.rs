//! The blocking `Client`/`Connection` against a real mosquitto started per test: a round trip
//! through `iter()`, `recv_timeout` and `try_recv` on an idle connection, and `iter()`
//! ending once every client is dropped and its work is done. No tokio runtime in the tests.

mod support;

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rumqttc::{
    Client, ConnAck, ConnectReturnCode, Connection, ConnectionError, Event, Outgoing, Packet,
    Publish, QoS, RecvTimeoutError, TryRecvError,
};
use support::mosquitto::{Mosquitto, MosquittoConfig, STEP_TIMEOUT, count};

/// How long an idle connection is watched for an event that must not come.
const IDLE_WAIT: Duration = Duration::from_millis(300);

/// Runs `body` on its own thread and fails the test when it has not returned within
/// [`STEP_TIMEOUT`], so a blocking call that never returns cannot hang the run.
fn bounded<T: Send + 'static>(body: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let worker = thread::spawn(move || {
        let _ = tx.send(body());
    });
    match rx.recv_timeout(STEP_TIMEOUT) {
        Ok(output) => output,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("not done within {STEP_TIMEOUT:?}"),
        // The body panicked: fail with its panic.
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Ok(()) => panic!("the test body ended without a result"),
            Err(payload) => std::panic::resume_unwind(payload),
        },
    }
}

/// The next event from `iter()`, which must not end or report an error.
fn next_event(connection: &mut Connection) -> Event {
    match connection.iter().next() {
        Some(Ok(event)) => event,
        Some(Err(error)) => panic!("unexpected connection error: {error:?}"),
        None => panic!("the connection ended while an event was expected"),
    }
}

/// Events from `iter()` up to and including the first one `last` accepts.
fn events_until(connection: &mut Connection, last: impl Fn(&Event) -> bool) -> Vec<Event> {
    let mut events = Vec::new();
    loop {
        let event = next_event(connection);
        let done = last(&event);
        events.push(event);
        if done {
            return events;
        }
    }
}

fn connack_success() -> Event {
    Event::Incoming(Packet::ConnAck(ConnAck::new(
        ConnectReturnCode::Success,
        false,
    )))
}

/// The event of a receive, or its receive error; panics on a connection error.
fn event_of<E>(received: Result<Result<Event, ConnectionError>, E>) -> Result<Event, E> {
    received.map(|item| item.unwrap_or_else(|error| panic!("connection error: {error:?}")))
}

/// Calls `try_recv` until it returns something other than `Empty` (bounded by
/// [`STEP_TIMEOUT`]).
fn try_recv_ready(connection: &mut Connection) -> Result<Event, TryRecvError> {
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        match event_of(connection.try_recv()) {
            Err(TryRecvError::Empty) if Instant::now() < deadline => thread::yield_now(),
            ready => return ready,
        }
    }
}

#[test]
fn blocking_client_round_trips_qos1_publish_through_iter() {
    let broker = Mosquitto::start(MosquittoConfig::default());
    let options = broker.options("blocking-round-trip");

    let (connected, subscribed, delivered) = bounded(move || {
        let (client, mut connection) = Client::builder(options).capacity(10).build();
        let connected = next_event(&mut connection);
        client.subscribe("blocking/rt", QoS::AtLeastOnce).unwrap();
        let subscribed = events_until(&mut connection, |event| {
            matches!(event, Event::Incoming(Packet::SubAck(_)))
        });
        client
            .publish("blocking/rt", QoS::AtLeastOnce, false, "ping")
            .unwrap();
        let delivered = events_until(&mut connection, |event| {
            matches!(event, Event::Incoming(Packet::Publish(_)))
        });
        (connected, subscribed, delivered)
    });

    assert_eq!(connected, connack_success());
    assert_eq!(
        subscribed.first(),
        Some(&Event::Outgoing(Outgoing::Subscribe(1)))
    );
    let echoed = Publish {
        dup: false,
        qos: QoS::AtLeastOnce,
        retain: false,
        topic: Bytes::from_static(b"blocking/rt"),
        // Mosquitto numbers its publishes to each client from 1.
        pkid: 1,
        payload: Bytes::from_static(b"ping"),
    };
    assert!(matches!(
        delivered.first(),
        Some(Event::Outgoing(Outgoing::Publish(pkid))) if *pkid != 0
    ));
    assert_eq!(
        delivered.last(),
        Some(&Event::Incoming(Packet::Publish(echoed)))
    );
}

#[test]
fn blocking_recv_timeout_on_idle_connection_times_out_and_connection_stays_usable() {
    let broker = Mosquitto::start(MosquittoConfig::default());
    let options = broker.options("blocking-idle");

    let (connected, idle, published) = bounded(move || {
        let (client, mut connection) = Client::builder(options).build();
        let connected = event_of(connection.recv_timeout(STEP_TIMEOUT));
        let idle = event_of(connection.recv_timeout(IDLE_WAIT));
        client
            .publish("blocking/idle", QoS::AtMostOnce, false, "x")
            .unwrap();
        let published = event_of(connection.recv_timeout(STEP_TIMEOUT));
        (connected, idle, published)
    });

    assert_eq!(connected, Ok(connack_success()));
    assert_eq!(idle, Err(RecvTimeoutError::Timeout));
    assert_eq!(published, Ok(Event::Outgoing(Outgoing::Publish(0))));
}

#[test]
fn blocking_try_recv_is_empty_when_idle_yields_ready_event_and_disconnects_after_client_drop() {
    let broker = Mosquitto::start(MosquittoConfig::default());
    let options = broker.options("blocking-try");

    let outcomes = bounded(move || {
        let (client, mut connection) = Client::builder(options).build();
        let connected = event_of(connection.recv_timeout(STEP_TIMEOUT));
        let idle = event_of(connection.try_recv());
        client
            .publish("blocking/try", QoS::AtMostOnce, false, "x")
            .unwrap();
        let published = try_recv_ready(&mut connection);
        let after = event_of(connection.try_recv());
        drop(client);
        let finished = try_recv_ready(&mut connection);
        (connected, idle, published, after, finished)
    });

    let (connected, idle, published, after, finished) = outcomes;
    assert_eq!(connected, Ok(connack_success()));
    assert_eq!(idle, Err(TryRecvError::Empty));
    assert_eq!(published, Ok(Event::Outgoing(Outgoing::Publish(0))));
    assert_eq!(after, Err(TryRecvError::Empty));
    assert_eq!(finished, Err(TryRecvError::Disconnected));
}

#[test]
fn blocking_iter_ends_after_client_drop_once_every_publish_is_acknowledged() {
    const PUBLISHES: usize = 20;
    let broker = Mosquitto::start(MosquittoConfig::default());
    let options = broker.options("blocking-drop");

    let results = bounded(move || {
        let (client, mut connection) = Client::builder(options).capacity(PUBLISHES).build();
        for n in 0..PUBLISHES {
            client
                .publish("blocking/drop", QoS::AtLeastOnce, false, n.to_string())
                .unwrap();
        }
        drop(client);
        connection.iter().collect::<Vec<_>>()
    });

    let events: Vec<Event> = results
        .into_iter()
        .map(|result| result.unwrap_or_else(|error| panic!("connection error: {error:?}")))
        .collect();
    assert_eq!(events.first(), Some(&connack_success()));
    let published = |e: &Event| matches!(e, Event::Outgoing(Outgoing::Publish(_)));
    let acked = |e: &Event| matches!(e, Event::Incoming(Packet::PubAck(_)));
    assert_eq!(count(&events, published), PUBLISHES);
    assert_eq!(count(&events, acked), PUBLISHES);
    assert!(events.last().is_some_and(acked));
}
