//! The three request lanes between the clients and the event loop (publish, control,
//! immediate), and the rule for which request the loop takes next: pending work first, in
//! order; QoS 1/2 publishes only while the in-flight window has room; nothing new while draining.

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use flume::r#async::RecvStream;
use futures_core::Stream;
use tokio::time;

use super::ConnectionError;
use crate::Request;
use crate::mqttbytes::QoS;
use crate::request::Envelope;

/// The sending halves of the three request lanes.
#[derive(Debug, Clone)]
pub(crate) struct RequestSenders {
    /// Publishes (QoS 0, 1, 2), subject to the in-flight window.
    pub(crate) publish: flume::Sender<Envelope>,
    /// Subscribe, unsubscribe, acks and graceful disconnects.
    pub(crate) control: flume::Sender<Envelope>,
    /// `disconnect_now`, always unbounded.
    pub(crate) immediate: flume::Sender<Envelope>,
}

/// The receiving halves of the three request lanes.
#[derive(Debug)]
pub(crate) struct RequestReceivers {
    pub(super) publish: Lane,
    pub(super) control: Lane,
    pub(super) immediate: Lane,
}

impl RequestReceivers {
    /// Drops every queued request, so their notices report that the event loop is gone
    /// (the channels keep messages alive for as long as a client holds a sender).
    pub(super) fn discard_queued(&self) {
        for lane in [&self.publish, &self.control, &self.immediate] {
            lane.receiver.drain().for_each(drop);
        }
    }
}

/// The receiving end of one lane, with a stream kept for waiting on it.
///
/// A fresh `recv_async` future registers a new wait hook with the channel (an `Arc`
/// allocation and a waker clone) every time it goes pending and unregisters it when dropped,
/// so one per wait of the loop paid for both every time. The stream keeps its hook registered
/// between waits; it needs a new one only after it yields a request, or after
/// [`Lane::try_recv`] took a request while the hook was registered.
#[derive(Debug)]
pub(super) struct Lane {
    /// For taking requests without waiting, and for the lane's state.
    receiver: flume::Receiver<Envelope>,
    /// For waiting; a clone of `receiver`.
    stream: RecvStream<'static, Envelope>,
    /// The stream's last poll was pending, so its hook is registered with the channel.
    armed: bool,
}

impl Lane {
    fn new(receiver: flume::Receiver<Envelope>) -> Self {
        Self {
            stream: receiver.clone().into_stream(),
            receiver,
            armed: false,
        }
    }

    /// Takes a queued request without waiting.
    pub(super) fn try_recv(&mut self) -> Option<Envelope> {
        let envelope = self.receiver.try_recv().ok()?;
        if self.armed {
            // The request may have fired the stream's hook. A fired hook that then finds the
            // channel empty is queued with the channel again on every pending poll (flume
            // never clears its fired flag), so the channel's list of waiters would grow until
            // the next send. Dropping the stream unregisters its hook.
            self.stream = self.receiver.clone().into_stream();
            self.armed = false;
        }
        Some(envelope)
    }

    /// Waits for the next request; `None` once every sender is gone and the lane is empty.
    ///
    /// Cancel safe: a request leaves the channel only in the poll that returns it, and the
    /// stream's hook outlives the future.
    pub(super) fn recv(&mut self) -> impl Future<Output = Option<Envelope>> + '_ {
        poll_fn(|cx| self.poll_recv(cx))
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Envelope>> {
        let polled = Pin::new(&mut self.stream).poll_next(cx);
        self.armed = polled.is_pending();
        polled
    }

    /// True when every sender is gone and nothing is queued: the lane yields nothing more.
    pub(super) fn is_done(&self) -> bool {
        self.receiver.is_disconnected() && self.receiver.is_empty()
    }

    /// Requests queued in the lane (may race with the clients).
    pub(super) fn len(&self) -> usize {
        self.receiver.len()
    }
}

/// Creates the three lanes: publish and control bounded by `capacity` (`None` = unbounded).
pub(crate) fn request_channels(capacity: Option<usize>) -> (RequestSenders, RequestReceivers) {
    let lane = || match capacity {
        Some(capacity) => flume::bounded(capacity),
        None => flume::unbounded(),
    };
    let (publish_tx, publish) = lane();
    let (control_tx, control) = lane();
    let (immediate_tx, immediate) = flume::unbounded();
    let senders = RequestSenders {
        publish: publish_tx,
        control: control_tx,
        immediate: immediate_tx,
    };
    (
        senders,
        RequestReceivers {
            publish: Lane::new(publish),
            control: Lane::new(control),
            immediate: Lane::new(immediate),
        },
    )
}

/// A request waiting in the loop: replayed from an earlier connection, or taken from a lane.
#[derive(Debug)]
pub(super) struct Pending {
    pub(super) envelope: Envelope,
    /// Written on an earlier connection, so it belongs to that session.
    pub(super) replay: bool,
}

/// What may be taken now.
#[derive(Debug, Clone, Copy)]
pub(super) struct Gate {
    /// The in-flight window has room for a QoS 1/2 publish.
    pub(super) window: bool,
    /// New requests may be taken from the lanes (not while draining for a disconnect).
    pub(super) lanes: bool,
}

/// True when `request` must wait for room in the in-flight window.
fn needs_window(request: &Request) -> bool {
    matches!(request, Request::Publish(publish) if publish.qos != QoS::AtMostOnce)
}

/// Takes the next request without waiting: pending work first (in order), then the lanes.
pub(super) fn try_next_request(
    pending: &mut VecDeque<Pending>,
    lanes: &mut RequestReceivers,
    gate: Gate,
) -> Option<Pending> {
    if let Some(front) = pending.front() {
        let blocked = !gate.window && needs_window(&front.envelope.request);
        return if blocked { None } else { pending.pop_front() };
    }
    if !gate.lanes {
        return None;
    }
    let envelope = lanes
        .control
        .try_recv()
        .or_else(|| gate.window.then(|| lanes.publish.try_recv()).flatten())?;
    Some(Pending {
        envelope,
        replay: false,
    })
}

/// Waits for the next request. Pending work goes first, paced by the pending throttle.
/// Cancel safe.
pub(super) async fn next_request(
    pending: &mut VecDeque<Pending>,
    control: &mut Lane,
    publish: &mut Lane,
    gate: Gate,
    throttle: Duration,
) -> Result<Pending, ConnectionError> {
    if let Some(front) = pending.front() {
        if !gate.window && needs_window(&front.envelope.request) {
            return std::future::pending().await;
        }
        time::sleep(throttle).await;
        return pending.pop_front().ok_or(ConnectionError::RequestsDone);
    }
    loop {
        let control_open = gate.lanes && !control.is_done();
        let publish_open = gate.lanes && gate.window && !publish.is_done();
        let received = match (control_open, publish_open) {
            (false, false) => return std::future::pending().await,
            (true, false) => control.recv().await,
            (false, true) => publish.recv().await,
            (true, true) => tokio::select! {
                envelope = control.recv() => envelope,
                envelope = publish.recv() => envelope,
            },
        };
        // `None` means that lane just closed and is empty: wait on the others.
        if let Some(envelope) = received {
            return Ok(Pending {
                envelope,
                replay: false,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};

    use super::*;

    /// A waker that counts its wakes.
    struct Wakes(AtomicUsize);

    impl Wake for Wakes {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }

        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn ping() -> Envelope {
        Envelope {
            request: Request::PingReq,
            notice: None,
        }
    }

    /// Polls one `recv` of `lane` once, as one wait of the loop does, and drops it.
    fn poll_once(lane: &mut Lane, waker: &Waker) -> Poll<Option<Envelope>> {
        let mut cx = Context::from_waker(waker);
        pin!(lane.recv()).poll(&mut cx)
    }

    #[test]
    fn a_dropped_wait_loses_no_request_and_a_closed_lane_ends() {
        let (senders, mut lanes) = request_channels(Some(4));
        let waker = Waker::noop();
        assert!(poll_once(&mut lanes.control, waker).is_pending());
        senders.control.send(ping()).unwrap();
        assert!(matches!(
            poll_once(&mut lanes.control, waker),
            Poll::Ready(Some(_))
        ));
        senders.control.send(ping()).unwrap();
        drop(senders);
        assert!(!lanes.control.is_done());
        assert!(matches!(
            poll_once(&mut lanes.control, waker),
            Poll::Ready(Some(_))
        ));
        assert!(lanes.control.is_done());
        assert!(matches!(
            poll_once(&mut lanes.control, waker),
            Poll::Ready(None)
        ));
    }

    #[test]
    fn a_wake_taken_without_waiting_leaves_one_hook() {
        let (senders, mut lanes) = request_channels(Some(4));
        let wakes = Arc::new(Wakes(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&wakes));
        assert!(poll_once(&mut lanes.publish, &waker).is_pending());
        // Fires the hook; the request is then taken without the stream.
        senders.publish.send(ping()).unwrap();
        assert!(lanes.publish.try_recv().is_some());
        for _ in 0..100 {
            assert!(poll_once(&mut lanes.publish, &waker).is_pending());
        }
        let before = wakes.0.load(Ordering::SeqCst);
        senders.publish.send(ping()).unwrap();
        // One registered hook, one wake (not one per pending wait since the theft).
        assert_eq!(wakes.0.load(Ordering::SeqCst) - before, 1);
        assert!(matches!(
            poll_once(&mut lanes.publish, &waker),
            Poll::Ready(Some(_))
        ));
    }
}
