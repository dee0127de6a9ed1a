//! The one loop driver of the integration tests: polls a client's [`EventLoop`] in its own
//! task, as an application would, and hands every poll result to the test in order, each
//! wait bounded. It knows no broker; the scripted, mosquitto and interop tests all use it.
//! Also the helpers for a test that polls the loop inline (`poll_event`, `poll_error`).

use std::time::Duration;

use rumqttc::{AsyncClient, ConnAck, ConnectReturnCode, ConnectionError, Event, EventLoop};
use rumqttc::{Outgoing, Packet, Publish};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::mosquitto::STEP_TIMEOUT;
use super::packet_conn::{DEFAULT_READ_TIMEOUT, PacketConn};
use super::test_broker::TestBroker;

/// After an error, how long a real-clock driver waits before polling again (which
/// reconnects), so a broker that is down is not hammered with connection attempts.
const RECONNECT_PAUSE: Duration = Duration::from_millis(50);

/// One result of [`EventLoop::poll`].
pub(crate) type PollResult = Result<Event, ConnectionError>;

/// An event loop polled in its own task; every poll result is forwarded, in order, to the
/// test. The task ends after a final `RequestsDone` or `DisconnectTimeout`, or when the
/// driver is dropped (which drops the loop).
pub(crate) struct LoopDriver {
    results: mpsc::UnboundedReceiver<PollResult>,
    task: JoinHandle<EventLoop>,
    /// Upper bound of every wait for a result.
    guard: Duration,
}

impl LoopDriver {
    /// Starts polling `eventloop` (it connects on the first poll) for a test on the paused
    /// clock: an error is followed at once by the next poll, and a wait fails after
    /// [`DEFAULT_READ_TIMEOUT`] of tokio time.
    pub(crate) fn spawn(eventloop: EventLoop) -> Self {
        Self::spawn_with(eventloop, None, DEFAULT_READ_TIMEOUT)
    }

    /// Starts polling `eventloop` for a test against a broker process on the real clock:
    /// after an error the task pauses [`RECONNECT_PAUSE`] before polling again, and a wait
    /// fails after [`STEP_TIMEOUT`].
    pub(crate) fn spawn_real_clock(eventloop: EventLoop) -> Self {
        Self::spawn_with(eventloop, Some(RECONNECT_PAUSE), STEP_TIMEOUT)
    }

    fn spawn_with(mut eventloop: EventLoop, pause: Option<Duration>, guard: Duration) -> Self {
        let (results_tx, results) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            loop {
                let result = eventloop.poll().await;
                let is_final = matches!(
                    result,
                    Err(ConnectionError::RequestsDone | ConnectionError::DisconnectTimeout)
                );
                let is_error = result.is_err();
                if results_tx.send(result).is_err() || is_final {
                    return eventloop;
                }
                if let (true, Some(pause)) = (is_error, pause) {
                    tokio::time::sleep(pause).await;
                }
            }
        });
        Self {
            results,
            task,
            guard,
        }
    }

    /// Starts polling `eventloop` (paused clock), accepts its connection on `broker`,
    /// answers CONNACK and consumes the loop's `ConnAck` event; returns the driver and the
    /// broker side.
    pub(crate) async fn spawn_connected(
        broker: &TestBroker,
        eventloop: EventLoop,
    ) -> (Self, PacketConn) {
        let connack = Packet::ConnAck(ConnAck::new(ConnectReturnCode::Success, false));
        let mut driver = Self::spawn(eventloop);
        let (conn, _) = broker.accept_session(&connack).await;
        let event = driver.next_event().await;
        assert_eq!(event, Event::Incoming(connack), "first event of the loop");
        (driver, conn)
    }

    /// The next poll result; `None` once the task has ended and every result was taken.
    /// Panics when none comes within the guard, so a hung loop fails the test.
    pub(crate) async fn next(&mut self) -> Option<PollResult> {
        match tokio::time::timeout(self.guard, self.results.recv()).await {
            Ok(result) => result,
            Err(_) => panic!("EventLoop::poll returned nothing within {:?}", self.guard),
        }
    }

    /// The next event; panics on a connection error or when the loop has ended.
    pub(crate) async fn next_event(&mut self) -> Event {
        match self.next().await {
            Some(Ok(event)) => event,
            Some(Err(error)) => panic!("expected an event, EventLoop::poll failed: {error:?}"),
            None => panic!("the event loop ended while an event was expected"),
        }
    }

    /// The next error; panics on an event or when the loop has ended.
    pub(crate) async fn next_error(&mut self) -> ConnectionError {
        match self.next().await {
            Some(Ok(event)) => panic!("expected an error, EventLoop::poll returned {event:?}"),
            Some(Err(error)) => error,
            None => panic!("the event loop ended while an error was expected"),
        }
    }

    /// Skips outgoing events up to the CONNACK and returns it; panics on anything else.
    pub(crate) async fn connack(&mut self) -> ConnAck {
        loop {
            match self.next_event().await {
                Event::Incoming(Packet::ConnAck(connack)) => return connack,
                Event::Outgoing(_) => {}
                Event::Incoming(other) => panic!("expected CONNACK, received {other:?}"),
            }
        }
    }

    /// The next incoming PUBLISH, skipping every other event (acks, pings); panics on a
    /// connection error.
    pub(crate) async fn next_publish(&mut self) -> Publish {
        loop {
            if let Event::Incoming(Packet::Publish(publish)) = self.next_event().await {
                return publish;
            }
        }
    }

    /// Incoming PUBLISHes up to and including the first whose payload is `last`.
    pub(crate) async fn publishes_until(&mut self, last: &[u8]) -> Vec<Publish> {
        let mut received = Vec::new();
        loop {
            let publish = self.next_publish().await;
            let done = publish.payload.as_ref() == last;
            received.push(publish);
            if done {
                return received;
            }
        }
    }

    /// Every remaining poll result, until the task ends (after `RequestsDone`).
    pub(crate) async fn until_end(mut self) -> Vec<PollResult> {
        let mut rest = Vec::new();
        while let Some(result) = self.next().await {
            rest.push(result);
        }
        rest
    }

    /// Disconnects `client` gracefully and returns every event the loop had not yet handed
    /// over, after checking that it ended with `Outgoing(Disconnect)` then `RequestsDone`
    /// and reported no connection error.
    pub(crate) async fn disconnect(self, client: &AsyncClient) -> Vec<Event> {
        client.disconnect().await.unwrap();
        let mut results = self.until_end().await;
        assert!(
            matches!(results.pop(), Some(Err(ConnectionError::RequestsDone))),
            "the loop must end with RequestsDone"
        );
        let events: Vec<Event> = results
            .into_iter()
            .map(|result| result.unwrap_or_else(|error| panic!("connection error: {error:?}")))
            .collect();
        assert_eq!(events.last(), Some(&Event::Outgoing(Outgoing::Disconnect)));
        events
    }

    /// Stops forwarding, waits until the task ends (at its next result, or at once after a
    /// final error) and returns the event loop.
    pub(crate) async fn finish(self) -> EventLoop {
        let Self {
            results,
            task,
            guard,
        } = self;
        drop(results);
        match tokio::time::timeout(guard, task).await {
            Ok(Ok(eventloop)) => eventloop,
            Ok(Err(error)) => panic!("the event loop task failed: {error}"),
            Err(_) => panic!("the event loop did not finish within {guard:?}"),
        }
    }

    /// Cancels the task and waits until the event loop is dropped (cleanup: the task may
    /// also have finished already).
    pub(crate) async fn stop(self) {
        self.task.abort();
        // Cancelled (the expected outcome) or already finished: either way it is gone.
        let _ = self.task.await;
    }

    /// Kills the task mid-poll, as a crashing application would: the loop and its socket
    /// are dropped without DISCONNECT. Returns once the drop has happened, and checks that
    /// the task was indeed cancelled rather than finished.
    pub(crate) async fn abort(self) {
        self.task.abort();
        // A cancelled task reports `JoinError::Cancelled` after its future was dropped.
        let guard = self.guard;
        let joined = tokio::time::timeout(guard, self.task).await;
        let joined = joined.unwrap_or_else(|_| panic!("the aborted task lingered past {guard:?}"));
        assert!(joined.is_err_and(|error| error.is_cancelled()));
    }
}

/// The next result of `eventloop.poll()`, or a panic when none comes within the guard
/// ([`DEFAULT_READ_TIMEOUT`] of tokio time), so a hung loop fails the test.
pub(crate) async fn poll_within_guard(eventloop: &mut EventLoop) -> Result<Event, ConnectionError> {
    match tokio::time::timeout(DEFAULT_READ_TIMEOUT, eventloop.poll()).await {
        Ok(result) => result,
        Err(_) => panic!("EventLoop::poll returned nothing within {DEFAULT_READ_TIMEOUT:?}"),
    }
}

/// The next event of `eventloop`; panics on an error.
pub(crate) async fn poll_event(eventloop: &mut EventLoop) -> Event {
    match poll_within_guard(eventloop).await {
        Ok(event) => event,
        Err(error) => panic!("expected an event, EventLoop::poll failed: {error:?}"),
    }
}

/// The next error of `eventloop`; panics on an event.
pub(crate) async fn poll_error(eventloop: &mut EventLoop) -> ConnectionError {
    match poll_within_guard(eventloop).await {
        Ok(event) => panic!("expected an error, EventLoop::poll returned {event:?}"),
        Err(error) => error,
    }
}
