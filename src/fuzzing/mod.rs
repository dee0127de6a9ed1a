//! Fuzzing entry points, compiled only under `cfg(fuzzing)` (as in quinn): crate-internal
//! machinery driven by operations decoded from arbitrary bytes, with its invariants asserted
//! after every step. Not part of the API of a normal build; unit tests run it on a fixed
//! set of generated inputs.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use tokio::time::Instant;

use crate::keepalive::KeepAlive;
use crate::mqttbytes::{
    Packet, PubAck, PubComp, PubRec, PubRel, Publish, QoS, SubAck, Subscribe, SubscribeFilter,
    SubscribeReasonCode, UnsubAck, Unsubscribe,
};
use crate::notice::{
    NoticeFailureReason, NoticeTx, PublishNotice, PublishNoticeError, SubscribeNotice,
    SubscribeNoticeError, UnsubscribeNotice, UnsubscribeNoticeError,
};
use crate::options::AckMode;
use crate::request::{Envelope, Request};
use crate::state::{ConnectionKind, MqttState, Pending, Resubscribe, SessionConnAck};

/// The in-flight window of the fuzzed state: small, so the window and collisions are hit.
const MAX_INFLIGHT: u16 = 4;
/// The keep-alive of the fuzzed clock.
const KEEP_ALIVE: Duration = Duration::from_secs(10);
/// Events one operation or replayed request may queue at most (a publish and its ack, a
/// reply, a ping).
const EVENTS_PER_STEP_MAX: usize = 4;

/// Reads operation arguments from the fuzzer's bytes; past the end everything is 0.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        let Some((&first, rest)) = self.0.split_first() else {
            return 0;
        };
        self.0 = rest;
        first
    }

    fn pkid(&mut self) -> u16 {
        // Mostly small ids, so acks hit live exchanges; sometimes any id, 0 included.
        match self.byte() {
            byte @ 0..=200 => u16::from(byte % 8),
            _ => u16::from_be_bytes([self.byte(), self.byte()]),
        }
    }

    fn qos(&mut self) -> QoS {
        match self.byte() % 3 {
            0 => QoS::AtMostOnce,
            1 => QoS::AtLeastOnce,
            _ => QoS::ExactlyOnce,
        }
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The receiving half of a tracked request, and what the checks know about it.
enum Probe {
    Publish(PublishNotice),
    Subscribe(SubscribeNotice),
    Unsubscribe(UnsubscribeNotice),
}

struct Tracked {
    probe: Probe,
    /// The first outcome seen, as text: a later look must see the same.
    outcome: Option<String>,
}

impl Tracked {
    /// The outcome, if known, and whether it is the "dropped without an outcome" error.
    fn look(&mut self) -> Option<(String, bool)> {
        let (text, dropped) = match &mut self.probe {
            Probe::Publish(notice) => {
                let result = notice.try_wait()?;
                let dropped = matches!(result, Err(PublishNoticeError::Recv));
                (format!("{result:?}"), dropped)
            }
            Probe::Subscribe(notice) => {
                let result = notice.try_wait()?;
                let dropped = matches!(result, Err(SubscribeNoticeError::Recv));
                (format!("{result:?}"), dropped)
            }
            Probe::Unsubscribe(notice) => {
                let result = notice.try_wait()?;
                let dropped = matches!(result, Err(UnsubscribeNoticeError::Recv));
                (format!("{result:?}"), dropped)
            }
        };
        Some((text, dropped))
    }
}

/// The state, its keep-alive clock under a virtual `now`, and every notice handed out.
struct Fuzzer {
    state: MqttState,
    keepalive: KeepAlive,
    now: Instant,
    tracked: Vec<Tracked>,
    /// False between a connection loss and the next CONNACK.
    connected: bool,
    /// Tracked requests the state refused with an error, which drops their notice (the
    /// event loop never hands such a request over: the client validates it first).
    refused: usize,
    /// Operations plus replayed requests: what the state was fed.
    fed: usize,
}

/// Runs the operations encoded in `data` against a fresh [`MqttState`] and panics when an
/// invariant breaks: no panic inside the state, every notice ends at most once and the ones
/// that must end do, new packet ids are not in use, in-flight stays within the window, and
/// the event queue holds no more than the operations fed could have queued.
pub fn state(data: &[u8]) {
    let now = Instant::now();
    let mut fuzzer = Fuzzer {
        state: MqttState::new(MAX_INFLIGHT, AckMode::Automatic),
        keepalive: KeepAlive::new(KEEP_ALIVE, now),
        now,
        tracked: Vec::new(),
        connected: true,
        refused: 0,
        fed: 0,
    };
    let mut input = Input(data);
    while !input.is_empty() {
        fuzzer.step(&mut input);
        fuzzer.check();
    }
    fuzzer.finish();
}

impl Fuzzer {
    fn step(&mut self, input: &mut Input<'_>) {
        self.fed += 1;
        let op = input.byte() % 16;
        if !self.connected && op != 12 {
            // Nothing moves between a loss and the next CONNACK: the event loop is
            // reconnecting, requests wait in their lanes and no packet arrives.
            return;
        }
        match op {
            0 => {
                let qos = input.qos();
                let tracked = input.byte() & 1 == 1;
                let publish = Publish::new("t", qos, vec![input.byte()]);
                self.request(Request::Publish(publish), tracked);
            }
            1 => {
                let filters = usize::from(input.byte() % 3);
                let filters =
                    (0..filters).map(|_| SubscribeFilter::new("t/#".into(), QoS::AtLeastOnce));
                let subscribe = Subscribe::new_many(filters);
                let tracked = !subscribe.filters.is_empty() && input.byte() & 1 == 1;
                self.request(Request::Subscribe(subscribe), tracked);
            }
            2 => {
                let unsubscribe = Unsubscribe {
                    pkid: 0,
                    topics: vec!["t/#".into()],
                };
                let tracked = input.byte() & 1 == 1;
                self.request(Request::Unsubscribe(unsubscribe), tracked);
            }
            3 => self.incoming(Packet::PubAck(PubAck::new(input.pkid()))),
            4 => self.incoming(Packet::PubRec(PubRec::new(input.pkid()))),
            5 => self.incoming(Packet::PubComp(PubComp::new(input.pkid()))),
            6 => self.incoming(Packet::PubRel(PubRel::new(input.pkid()))),
            7 => {
                let pkid = input.pkid();
                let codes = (0..input.byte() % 3)
                    .map(|_| match input.byte() % 4 {
                        0 => SubscribeReasonCode::Success(QoS::AtMostOnce),
                        1 => SubscribeReasonCode::Success(QoS::AtLeastOnce),
                        2 => SubscribeReasonCode::Success(QoS::ExactlyOnce),
                        _ => SubscribeReasonCode::Failure,
                    })
                    .collect();
                self.incoming(Packet::SubAck(SubAck::new(pkid, codes)));
            }
            8 => self.incoming(Packet::UnsubAck(UnsubAck::new(input.pkid()))),
            9 => {
                let qos = input.qos();
                let mut publish = Publish::new("t", qos, vec![1]);
                publish.pkid = match qos {
                    QoS::AtMostOnce => 0,
                    _ => input.pkid().max(1),
                };
                self.incoming(Packet::Publish(publish));
            }
            10 => self.incoming(Packet::PingResp),
            11 => self.time_step(Duration::from_millis(u64::from(input.byte()) * 250)),
            12 => {
                let session_present = input.byte() & 1 == 1;
                self.reconnect(session_present);
            }
            13 => self.state.handle_flushed(),
            14 => self.state.handle_flush_failed(),
            _ => self.state.events.clear(),
        }
    }

    /// Queues `request` behind the requests already waiting, as the client's lanes do, and
    /// hands over what the event loop would.
    fn request(&mut self, request: Request, tracked: bool) {
        let notice = if tracked { self.track(&request) } else { None };
        let envelope = Envelope { request, notice };
        self.state.pending.push_back(Pending {
            envelope,
            replay: false,
        });
        self.hand_over();
    }

    /// Hands queued requests to the state in order, as the event loop does: a QoS 1/2
    /// publish waits while the window is full or a collision is stashed, and the requests
    /// behind it wait too (a simplification of the loop, which lets control requests pass).
    fn hand_over(&mut self) {
        while self.connected {
            let Some(front) = self.state.pending.front() else {
                return;
            };
            let request = &front.envelope.request;
            let needs_window = matches!(request, Request::Publish(p) if p.qos != QoS::AtMostOnce);
            if needs_window
                && (self.state.is_publish_window_full() || self.state.collision.is_some())
            {
                return;
            }
            let fresh = match request {
                Request::Publish(publish) => needs_window && publish.pkid == 0,
                Request::Subscribe(subscribe) => subscribe.pkid == 0,
                Request::Unsubscribe(unsubscribe) => unsubscribe.pkid == 0,
                _ => false,
            };
            let Some(Pending { envelope, .. }) = self.state.pending.pop_front() else {
                return;
            };
            self.fed += 1;
            let tracked = envelope.notice.is_some();
            let ids_before = self.state.packet_ids_in_use();
            match self
                .state
                .outgoing_request(envelope.request, envelope.notice)
            {
                Ok(Some(packet)) => {
                    self.keepalive.handle_transmit(self.now);
                    if fresh {
                        let pkid = packet_id(&packet);
                        assert_ne!(pkid, Some(0), "[MQTT-2.3.1-1] new exchange with pkid 0");
                        assert_eq!(
                            self.state.packet_ids_in_use(),
                            ids_before + 1,
                            "new packet id {pkid:?} was already in use"
                        );
                    }
                }
                Ok(None) => {}
                Err(_) => {
                    if tracked {
                        self.refused += 1;
                    }
                    self.connection_lost();
                }
            }
        }
    }

    /// A notice for `request`, kept for the checks; its sender goes to the state.
    fn track(&mut self, request: &Request) -> Option<NoticeTx> {
        let (tx, probe) = match request {
            Request::Publish(_) => {
                let (tx, notice) = PublishNotice::new();
                (NoticeTx::Publish(tx), Probe::Publish(notice))
            }
            Request::Subscribe(_) => {
                let (tx, notice) = SubscribeNotice::new();
                (NoticeTx::Subscribe(tx), Probe::Subscribe(notice))
            }
            Request::Unsubscribe(_) => {
                let (tx, notice) = UnsubscribeNotice::new();
                (NoticeTx::Unsubscribe(tx), Probe::Unsubscribe(notice))
            }
            _ => return None,
        };
        self.tracked.push(Tracked {
            probe,
            outcome: None,
        });
        Some(tx)
    }

    fn incoming(&mut self, packet: Packet) {
        self.keepalive.handle_receive(&packet, self.now);
        match self.state.handle_incoming_packet(packet) {
            Ok(Some(_reply)) => self.keepalive.handle_transmit(self.now),
            Ok(None) => {}
            Err(_) => return self.connection_lost(),
        }
        self.hand_over();
    }

    /// Moves the virtual clock on and lets the keep-alive clock act: a due PINGREQ is sent,
    /// an overdue PINGRESP loses the connection.
    fn time_step(&mut self, step: Duration) {
        self.now += step;
        match self.keepalive.handle_timeout(self.now) {
            Ok(Some(_ping)) => match self.state.handle_outgoing_packet(Request::PingReq) {
                Ok(_) => self.keepalive.handle_transmit(self.now),
                Err(_) => self.connection_lost(),
            },
            Ok(None) => {}
            Err(_) => self.connection_lost(),
        }
    }

    /// The connection failed: unfinished work goes back to the front of the queue for the
    /// next connection (the event loop's `clean`), and the clock restarts with it.
    fn connection_lost(&mut self) {
        self.connected = false;
        self.state.handle_flush_failed();
        self.state.handle_connection_lost();
        self.keepalive = KeepAlive::new(KEEP_ALIVE, self.now);
    }

    /// A connection loss (if connected) then a CONNACK with `session_present`, on a
    /// persistent session, as the event loop applies them: the state decides what the
    /// queued work becomes, then the queue is handed over.
    fn reconnect(&mut self, session_present: bool) {
        if self.connected {
            self.connection_lost();
        }
        let connack = SessionConnAck {
            clean_session: false,
            session_present,
            connection: ConnectionKind::Reconnect,
            resubscribe: Resubscribe::default(),
            max_packet_size: usize::MAX,
        };
        if self.state.handle_connack(connack).is_err() {
            panic!("a persistent session refused a CONNACK");
        }
        self.connected = true;
        self.hand_over();
    }

    /// The invariants after every step.
    fn check(&mut self) {
        assert!(
            self.state.inflight() <= MAX_INFLIGHT,
            "in-flight {} over the window {MAX_INFLIGHT}",
            self.state.inflight()
        );
        assert!(
            self.state.events.len() <= EVENTS_PER_STEP_MAX * self.fed,
            "{} events after {} operations and replays",
            self.state.events.len(),
            self.fed
        );
        for tracked in &mut self.tracked {
            let seen = tracked.look().map(|(text, _)| text);
            match (&tracked.outcome, seen) {
                (None, seen) => tracked.outcome = seen,
                (Some(first), Some(now)) => assert_eq!(first, &now, "a notice ended twice"),
                (Some(_), None) => panic!("a notice's outcome went away"),
            }
        }
    }

    /// The loop ends for good: every unfinished request fails, and then every notice must
    /// have an outcome other than "dropped", unless the state refused its request.
    fn finish(mut self) {
        self.connection_lost();
        self.state
            .drain_pending_as_failed(NoticeFailureReason::Abandoned);
        self.state
            .drain_tracked_requests_as_failed(NoticeFailureReason::Abandoned);
        let mut dropped = 0;
        for (index, tracked) in self.tracked.iter_mut().enumerate() {
            let Some((_, was_dropped)) = tracked.look() else {
                panic!("notice {index} never ended");
            };
            dropped += usize::from(was_dropped);
        }
        assert!(
            dropped <= self.refused,
            "{dropped} notices dropped without an outcome, {} refused requests",
            self.refused
        );
    }
}

/// The packet id of an outgoing PUBLISH, SUBSCRIBE or UNSUBSCRIBE.
const fn packet_id(packet: &Packet) -> Option<u16> {
    match packet {
        Packet::Publish(publish) => Some(publish.pkid),
        Packet::Subscribe(subscribe) => Some(subscribe.pkid),
        Packet::Unsubscribe(unsubscribe) => Some(unsubscribe.pkid),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
