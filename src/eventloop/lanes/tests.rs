use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Wake, Waker};

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
fn poll_once(lane: &mut Lane, waker: &Waker) -> Poll<Option<Stamped>> {
    let mut cx = Context::from_waker(waker);
    pin!(lane.recv()).poll(&mut cx)
}

fn publish(qos: QoS) -> Envelope {
    let publish = crate::mqttbytes::Publish::new("t", qos, "x");
    Envelope {
        request: Request::Publish(publish),
        notice: None,
    }
}

/// The requests [`try_next_request`] hands out, in order, until it has none.
fn take_all(lanes: &mut RequestReceivers, window: bool) -> Vec<Request> {
    let gate = Gate {
        window,
        lanes: true,
    };
    let mut pending = VecDeque::new();
    std::iter::from_fn(|| try_next_request(&mut pending, &mut lanes.ordered, gate))
        .map(|item| item.envelope.request)
        .collect()
}

#[test]
fn heads_of_both_lanes_go_in_call_order() {
    let (senders, mut lanes) = request_channels(Some(4));
    senders
        .publish
        .send(senders.stamp(publish(QoS::AtLeastOnce)))
        .unwrap();
    senders.control.send(senders.stamp(ping())).unwrap();
    senders
        .publish
        .send(senders.stamp(publish(QoS::AtMostOnce)))
        .unwrap();
    senders.control.send(senders.stamp(ping())).unwrap();
    let taken = take_all(&mut lanes, true);
    assert_eq!(
        taken,
        [
            publish(QoS::AtLeastOnce).request,
            Request::PingReq,
            publish(QoS::AtMostOnce).request,
            Request::PingReq,
        ]
    );
}

/// The pop rule: a publish the window blocks is held, a later control request passes it,
/// a later QoS 0 publish does not.
#[test]
fn a_blocked_publish_is_held_and_only_control_requests_pass_it() {
    let (senders, mut lanes) = request_channels(Some(4));
    senders
        .publish
        .send(senders.stamp(publish(QoS::AtLeastOnce)))
        .unwrap();
    senders
        .publish
        .send(senders.stamp(publish(QoS::AtMostOnce)))
        .unwrap();
    senders.control.send(senders.stamp(ping())).unwrap();
    assert_eq!(take_all(&mut lanes, false), [Request::PingReq]);
    assert_eq!(lanes.ordered.publish.receiver.len(), 1);
    assert!(lanes.ordered.publish.head.is_some());
    let taken = take_all(&mut lanes, true);
    let expected = [QoS::AtLeastOnce, QoS::AtMostOnce].map(|qos| publish(qos).request);
    assert_eq!(taken, expected);
}

#[test]
fn a_dropped_wait_loses_no_request_and_a_closed_lane_ends() {
    let (senders, mut lanes) = request_channels(Some(4));
    let waker = Waker::noop();
    assert!(poll_once(&mut lanes.ordered.control, waker).is_pending());
    senders.control.send(senders.stamp(ping())).unwrap();
    assert!(matches!(
        poll_once(&mut lanes.ordered.control, waker),
        Poll::Ready(Some(_))
    ));
    senders.control.send(senders.stamp(ping())).unwrap();
    drop(senders);
    assert!(!lanes.ordered.control.is_done());
    assert!(matches!(
        poll_once(&mut lanes.ordered.control, waker),
        Poll::Ready(Some(_))
    ));
    assert!(lanes.ordered.control.is_done());
    assert!(matches!(
        poll_once(&mut lanes.ordered.control, waker),
        Poll::Ready(None)
    ));
}

#[test]
fn a_wake_taken_without_waiting_leaves_one_hook() {
    let (senders, mut lanes) = request_channels(Some(4));
    let wakes = Arc::new(Wakes(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&wakes));
    assert!(poll_once(&mut lanes.ordered.publish, &waker).is_pending());
    // Fires the hook; the request is then taken without the stream.
    senders.publish.send(senders.stamp(ping())).unwrap();
    assert!(lanes.ordered.publish.try_recv().is_some());
    for _ in 0..100 {
        assert!(poll_once(&mut lanes.ordered.publish, &waker).is_pending());
    }
    let before = wakes.0.load(Ordering::SeqCst);
    senders.publish.send(senders.stamp(ping())).unwrap();
    // One registered hook, one wake (not one per pending wait since the theft).
    assert_eq!(wakes.0.load(Ordering::SeqCst) - before, 1);
    assert!(matches!(
        poll_once(&mut lanes.ordered.publish, &waker),
        Poll::Ready(Some(_))
    ));
}

/// Polls one `wait` of the ordered lanes once, as one wait of the loop does.
fn poll_wait(lanes: &mut OrderedLanes, waker: &Waker) -> Poll<()> {
    let mut cx = Context::from_waker(waker);
    pin!(lanes.wait(true, true)).poll(&mut cx)
}

/// The loop waits on the bell, not on the channel: a request queued while it waits
/// wakes it once, when the client rings after the send; nothing wakes it before.
#[test]
fn a_waiting_loop_is_woken_by_the_ring_after_the_send() {
    let (senders, mut lanes) = request_channels(Some(4));
    let wakes = Arc::new(Wakes(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&wakes));
    assert!(poll_wait(&mut lanes.ordered, &waker).is_pending());
    senders.publish.send(senders.stamp(ping())).unwrap();
    senders.control.send(senders.stamp(ping())).unwrap();
    assert_eq!(wakes.0.load(Ordering::SeqCst), 0);
    senders.ring();
    senders.ring();
    assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
    assert!(poll_wait(&mut lanes.ordered, &waker).is_ready());
    assert_eq!(take_all(&mut lanes, true).len(), 2);
}

/// Dropping the last sender wakes a waiting loop, and the wait reports the closed lanes
/// once (later waits stay pending, so a loop with work in flight does not spin).
#[test]
fn the_last_sender_dropped_ends_one_wait() {
    let (senders, mut lanes) = request_channels(Some(4));
    let wakes = Arc::new(Wakes(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&wakes));
    let clone = senders.clone();
    assert!(poll_wait(&mut lanes.ordered, &waker).is_pending());
    drop(senders);
    assert_eq!(wakes.0.load(Ordering::SeqCst), 0);
    drop(clone);
    assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
    assert!(poll_wait(&mut lanes.ordered, &waker).is_ready());
    assert!(lanes.ordered.is_done());
    assert!(poll_wait(&mut lanes.ordered, &waker).is_pending());
}

/// On a rendezvous lane (capacity 0) a sender waits in the channel and rings only after
/// the loop took its request, so the waiting loop is woken by the channel itself.
#[test]
fn a_rendezvous_lane_wakes_the_loop_through_the_channel() {
    let (senders, mut lanes) = request_channels(Some(0));
    let wakes = Arc::new(Wakes(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&wakes));
    assert!(poll_wait(&mut lanes.ordered, &waker).is_pending());
    let send = senders
        .publish
        .send_async(senders.stamp(publish(QoS::AtLeastOnce)));
    let mut send = pin!(send);
    let mut cx = Context::from_waker(Waker::noop());
    assert!(send.as_mut().poll(&mut cx).is_ready());
    assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
    assert!(poll_wait(&mut lanes.ordered, &waker).is_ready());
    assert_eq!(
        take_all(&mut lanes, true),
        [publish(QoS::AtLeastOnce).request]
    );
}
