//! The three request lanes between the clients and the event loop (publish, control,
//! immediate), and the rule for which request the loop takes next: pending work first, in
//! order; QoS 1/2 publishes only while the in-flight window has room; nothing new while draining.

use std::collections::VecDeque;
use std::time::Duration;

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
    pub(super) publish: flume::Receiver<Envelope>,
    pub(super) control: flume::Receiver<Envelope>,
    pub(super) immediate: flume::Receiver<Envelope>,
}

impl RequestReceivers {
    /// Drops every queued request, so their notices report that the event loop is gone
    /// (the channels keep messages alive for as long as a client holds a sender).
    pub(super) fn discard_queued(&self) {
        for lane in [&self.publish, &self.control, &self.immediate] {
            lane.drain().for_each(drop);
        }
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
            publish,
            control,
            immediate,
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
    lanes: &RequestReceivers,
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
        .ok()
        .or_else(|| gate.window.then(|| lanes.publish.try_recv().ok()).flatten())?;
    Some(Pending {
        envelope,
        replay: false,
    })
}

/// Waits for the next request. Pending work goes first, paced by the pending throttle.
pub(super) async fn next_request(
    pending: &mut VecDeque<Pending>,
    lanes: &RequestReceivers,
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
    let open = |lane: &flume::Receiver<Envelope>| !(lane.is_disconnected() && lane.is_empty());
    loop {
        let control = gate.lanes && open(&lanes.control);
        let publish = gate.lanes && gate.window && open(&lanes.publish);
        let received = match (control, publish) {
            (false, false) => return std::future::pending().await,
            (true, false) => lanes.control.recv_async().await,
            (false, true) => lanes.publish.recv_async().await,
            (true, true) => tokio::select! {
                envelope = lanes.control.recv_async() => envelope,
                envelope = lanes.publish.recv_async() => envelope,
            },
        };
        // An error means that lane just closed and is empty: wait on the others.
        if let Ok(envelope) = received {
            return Ok(Pending {
                envelope,
                replay: false,
            });
        }
    }
}
