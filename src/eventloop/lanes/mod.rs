//! The three request lanes between the clients and the event loop (publish, control,
//! immediate), the call-order stamp every request carries, and the rule for which request the
//! loop takes next: pending work first, then the lanes merged back into call order, letting a
//! control request pass only publishes the in-flight window blocks.

mod lane;

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::Duration;

use atomic_waker::AtomicWaker;
use tokio::time;

use crate::Request;
use crate::mqttbytes::QoS;
use crate::request::Envelope;
use crate::state::Pending;
pub(super) use lane::Lane;

/// A request with its place in the call order of its client family.
#[derive(Debug)]
pub(crate) struct Stamped {
    /// Taken from the family's shared counter when the call began.
    pub(crate) seq: u64,
    pub(crate) envelope: Envelope,
}

/// The sending halves of the three request lanes, the call counter they share, and the bell
/// that wakes the event loop.
///
/// The loop waits for the publish and control lanes on the bell, not on the channels: a
/// channel wakes a waiting receiver while it still holds its lock, so the woken loop thread
/// ran into that lock and slept again until the sender let go (two more futex calls and a
/// context switch per request on a multi-thread runtime). The bell rings after the send,
/// with the channel's lock released, and costs no lock on either side.
#[derive(Debug, Clone)]
pub(crate) struct RequestSenders {
    /// Publishes (QoS 0, 1, 2), subject to the in-flight window.
    pub(crate) publish: flume::Sender<Stamped>,
    /// Subscribe, unsubscribe, acks and graceful disconnects.
    pub(crate) control: flume::Sender<Stamped>,
    /// `disconnect_now`, always unbounded.
    pub(crate) immediate: flume::Sender<Stamped>,
    /// Call order, shared by every clone of the client and by the event loop.
    pub(crate) calls: Arc<AtomicU64>,
    /// Rung after each request queued on the publish or control lane.
    bell: Arc<AtomicWaker>,
    /// Shared by the senders only; declared last, so it drops after the channels' senders.
    #[expect(dead_code, reason = "held for its Drop: the last clone rings the bell")]
    last: Arc<LastSender>,
}

/// Rings the bell when the last clone of the senders is gone, so a waiting loop sees its
/// lanes close.
#[derive(Debug)]
struct LastSender(Arc<AtomicWaker>);

impl Drop for LastSender {
    fn drop(&mut self) {
        self.0.wake();
    }
}

impl RequestSenders {
    /// Senders over the given channels, with a new call counter and bell.
    pub(crate) fn new(
        publish: flume::Sender<Stamped>,
        control: flume::Sender<Stamped>,
        immediate: flume::Sender<Stamped>,
    ) -> Self {
        let bell = Arc::new(AtomicWaker::new());
        Self {
            publish,
            control,
            immediate,
            calls: Arc::new(AtomicU64::new(0)),
            last: Arc::new(LastSender(Arc::clone(&bell))),
            bell,
        }
    }

    /// Wakes the event loop if it waits for a request. Call after the request is queued:
    /// a loop that registered before the request was queued is woken, one that registers
    /// later finds the request when it looks.
    pub(crate) fn ring(&self) {
        self.bell.wake();
    }

    /// Stamps `envelope` with the next number of the call order.
    pub(crate) fn stamp(&self, envelope: Envelope) -> Stamped {
        // Relaxed is enough: the stamps only need this one counter's modification order,
        // which agrees with happens-before (coherence), so a call that returned before
        // another began holds the smaller number.
        let seq = self.calls.fetch_add(1, Ordering::Relaxed);
        Stamped { seq, envelope }
    }
}

/// The receiving halves of the three request lanes.
#[derive(Debug)]
pub(crate) struct RequestReceivers {
    /// The publish and control lanes, merged back into call order.
    pub(super) ordered: OrderedLanes,
    pub(super) immediate: Lane,
}

impl RequestReceivers {
    /// Drops every queued request, so their notices report that the event loop is gone
    /// (the channels keep messages alive for as long as a client holds a sender).
    pub(super) fn discard_queued(&mut self) {
        let ordered = &mut self.ordered;
        for lane in [
            &mut ordered.publish,
            &mut ordered.control,
            &mut self.immediate,
        ] {
            lane.head = None;
            lane.receiver.drain().for_each(drop);
        }
    }
}

/// The publish and control lanes, each with at most one request taken and held.
#[derive(Debug)]
pub(super) struct OrderedLanes {
    publish: Lane,
    control: Lane,
    calls: Arc<AtomicU64>,
    /// Rung by the clients after each request they queue, and when the last one is gone.
    bell: Arc<AtomicWaker>,
    /// Both lanes were seen closed by a wait, which then returned once.
    closed_seen: bool,
    /// The call counter when the lanes were last looked at and nothing could be taken (both
    /// empty, or only a publish the window blocks). While the counter still reads the same,
    /// no request was made since, so looking again is skipped (a request stamped before and
    /// queued after that look is found by [`next_request`]).
    quiet_at: u64,
}

impl OrderedLanes {
    /// Publishes queued or held (may race with the clients).
    pub(super) fn queued_publishes(&self) -> usize {
        self.publish.len()
    }

    /// Control requests queued or held (may race with the clients).
    pub(super) fn queued_control(&self) -> usize {
        self.control.len()
    }

    /// True when every sender is gone and nothing is queued or held in either lane.
    pub(super) fn is_done(&self) -> bool {
        self.publish.is_done() && self.control.is_done()
    }

    /// True when the loop holds a publish the in-flight window blocks and the publish lane is
    /// full, so the next `publish().await` would wait for a PUBACK or PUBCOMP.
    pub(super) fn is_publish_jammed(&self, window: bool) -> bool {
        self.publish
            .head
            .as_ref()
            .is_some_and(|head| is_blocked(&head.envelope.request, window))
            && self.publish.is_full()
    }

    /// Takes the next request from the lanes in call order, without waiting: the older of
    /// the two heads, except that a publish the window blocks lets a control request pass.
    fn next(&mut self, window: bool) -> Option<Pending> {
        let calls = self.calls.load(Ordering::Relaxed);
        // A head may go only once the other lane was looked at after the head was taken:
        // then every request that returned before it began is in sight. While the counter
        // reads as it did at the last look that found nothing to take, no request was made
        // since, so the lanes (each look takes the channel's lock) are not looked at again.
        if calls != self.quiet_at {
            self.publish.fill();
            if self.control.fill() && self.publish.head.is_none() {
                self.publish.fill();
            }
        }
        let take_publish = match (&self.publish.head, &self.control.head) {
            (None, None) => {
                self.quiet_at = calls;
                return None;
            }
            (Some(publish), None) => {
                if is_blocked(&publish.envelope.request, window) {
                    self.quiet_at = calls;
                    return None;
                }
                true
            }
            (Some(publish), Some(control)) => {
                !is_blocked(&publish.envelope.request, window) && publish.seq < control.seq
            }
            (None, Some(_)) => false,
        };
        // A head leaves: its lane may hold more, so the next call looks again.
        self.quiet_at = u64::MAX;
        let lane = if take_publish {
            &mut self.publish
        } else {
            &mut self.control
        };
        lane.head.take().map(Pending::fresh)
    }

    /// Takes the control lane's next request (it passes every publish the window blocks).
    fn next_control(&mut self) -> Option<Pending> {
        self.control.fill();
        self.control.head.take().map(Pending::fresh)
    }

    /// Moves the publish lane (its held head first) behind `pending`.
    pub(super) fn drain_publishes(&mut self, pending: &mut VecDeque<Pending>) {
        let held = self.publish.head.take();
        let queued = std::iter::from_fn(|| self.publish.try_recv());
        pending.extend(held.into_iter().chain(queued).map(Pending::fresh));
    }

    /// Waits until a lane yields a request (held for [`try_next_request`]), or both lanes
    /// are seen closed for the first time. Cancel safe: a request taken from a lane is held
    /// in the lane.
    fn wait(&mut self, publish: bool, window: bool) -> impl Future<Output = ()> + '_ {
        poll_fn(move |cx| {
            // Register first, then look: a request queued after the look rings the bell.
            self.bell.register(cx.waker());
            let control_ready = self.control.fill_or_watch(cx);
            let publish_ready = publish
                && self.publish.fill_or_watch(cx)
                && (self.publish.head.as_ref())
                    .is_some_and(|head| !is_blocked(&head.envelope.request, window));
            if control_ready || publish_ready || (!self.closed_seen && self.is_done()) {
                self.closed_seen |= self.is_done();
                return Poll::Ready(());
            }
            Poll::Pending
        })
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
    let senders = RequestSenders::new(publish_tx, control_tx, immediate_tx);
    let ordered = OrderedLanes {
        publish: Lane::new(publish),
        control: Lane::new(control),
        calls: Arc::clone(&senders.calls),
        bell: Arc::clone(&senders.bell),
        closed_seen: false,
        // Differs from the counter's start, so the first look is never skipped.
        quiet_at: u64::MAX,
    };
    let receivers = RequestReceivers {
        ordered,
        immediate: Lane::new(immediate),
    };
    (senders, receivers)
}

/// A request taken from a lane joins the session's queue as new work.
impl Pending {
    fn fresh(stamped: Stamped) -> Self {
        Self {
            envelope: stamped.envelope,
            replay: false,
        }
    }
}

/// What may be taken now.
#[derive(Debug, Clone, Copy)]
pub(super) struct Gate {
    /// The in-flight window has room for a QoS 1/2 publish.
    pub(super) window: bool,
    /// New requests may be taken from the lanes (not while draining for a disconnect).
    pub(super) lanes: bool,
}

/// True when `request` is a QoS 1/2 publish and the window has no room for it.
fn is_blocked(request: &Request, window: bool) -> bool {
    !window && matches!(request, Request::Publish(publish) if publish.qos != QoS::AtMostOnce)
}

/// Where in `pending` the next request to take sits, by the pop rule: the front if it can
/// go, else the first control request preceded only by publishes the window blocks (a QoS 0
/// publish never passes them: publishes stay in order).
fn pending_pick(pending: &VecDeque<Pending>, window: bool) -> Option<usize> {
    let index = pending
        .iter()
        .position(|item| !is_blocked(&item.envelope.request, window))?;
    let passes = !matches!(pending[index].envelope.request, Request::Publish(_));
    (index == 0 || passes).then_some(index)
}

/// Takes the next request without waiting: pending work first, then the lanes in call order.
pub(super) fn try_next_request(
    pending: &mut VecDeque<Pending>,
    lanes: &mut OrderedLanes,
    gate: Gate,
) -> Option<Pending> {
    if !pending.is_empty() {
        if let Some(index) = pending_pick(pending, gate.window) {
            return pending.remove(index);
        }
        // Only publishes the window blocks wait here: a control request may pass them.
        return gate.lanes.then(|| lanes.next_control()).flatten();
    }
    if !gate.lanes {
        return None;
    }
    lanes.next(gate.window)
}

/// Waits until [`try_next_request`] may find a request: pending work goes first, paced by
/// the pending throttle. Cancel safe: a request taken from a lane is held in the lane.
pub(super) async fn next_request(
    pending: &VecDeque<Pending>,
    lanes: &mut OrderedLanes,
    gate: Gate,
    throttle: Duration,
) {
    if pending_pick(pending, gate.window).is_some() {
        return time::sleep(throttle).await;
    }
    if !gate.lanes {
        return std::future::pending().await;
    }
    lanes.wait(pending.is_empty(), gate.window).await;
}

#[cfg(test)]
mod tests;
