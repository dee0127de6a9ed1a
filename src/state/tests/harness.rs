//! The state and the keep-alive clock driven against a scripted in-memory broker under a
//! virtual clock.

use super::*;

// ---- harness: state + keep-alive + scripted broker under a virtual clock --------------

/// How the scripted broker answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BrokerMode {
    /// Acks everything and answers pings.
    Answering,
    /// Answers pings but withholds every ack.
    WithholdingAcks,
    /// Reads everything, answers nothing (a half-open link).
    Silent,
}

/// An in-memory broker that records what it received and queues its answers.
struct Broker {
    mode: BrokerMode,
    received: Vec<Packet>,
    to_client: VecDeque<Packet>,
}

impl Broker {
    fn handle(&mut self, packet: Packet) {
        self.received.push(packet.clone());
        let reply = match (self.mode, packet) {
            (BrokerMode::Silent, _) => None,
            (_, Packet::PingReq) => Some(Packet::PingResp),
            (BrokerMode::WithholdingAcks, _) => None,
            (_, Packet::Publish(publish)) => match publish.qos {
                QoS::AtMostOnce => None,
                QoS::AtLeastOnce => Some(puback(publish.pkid)),
                QoS::ExactlyOnce => Some(pubrec(publish.pkid)),
            },
            (_, Packet::PubRel(rel)) => Some(pubcomp(rel.pkid)),
            (_, Packet::Subscribe(sub)) => {
                let codes = sub
                    .filters
                    .iter()
                    .map(|f| SubscribeReasonCode::Success(f.qos))
                    .collect();
                Some(suback(sub.pkid, codes))
            }
            (_, Packet::Unsubscribe(unsub)) => Some(unsuback(unsub.pkid)),
            _ => None,
        };
        self.to_client.extend(reply);
    }
}

/// `MqttState` and `KeepAlive` wired to a `Broker` the way the event loop wires them to a
/// network, with a virtual clock (quinn's `Pair`).
struct Harness {
    state: MqttState,
    keepalive: KeepAlive,
    keep_alive: Duration,
    broker: Broker,
    /// Written but not yet flushed.
    unflushed: Vec<Packet>,
    now: Instant,
}

impl Harness {
    fn new(keep_alive_secs: u64, max_inflight: u16) -> Self {
        let now = Instant::now();
        let keep_alive = Duration::from_secs(keep_alive_secs);
        Self {
            state: auto(max_inflight),
            keepalive: KeepAlive::new(keep_alive, now),
            keep_alive,
            broker: Broker {
                mode: BrokerMode::Answering,
                received: Vec::new(),
                to_client: VecDeque::new(),
            },
            unflushed: Vec::new(),
            now,
        }
    }

    fn request(&mut self, request: Request, notice: Option<NoticeTx>) -> Result<(), StateError> {
        let packet = self.state.outgoing_request(request, notice)?;
        self.unflushed.extend(packet);
        Ok(())
    }

    fn publish_tracked(&mut self, qos: QoS) -> PublishNotice {
        let (tx, notice) = PublishNotice::new();
        self.request(publish(qos, 0).into(), Some(NoticeTx::Publish(tx)))
            .unwrap();
        notice
    }

    /// Flushes written packets to the broker.
    fn flush(&mut self) {
        if self.unflushed.is_empty() {
            return;
        }
        for packet in self.unflushed.drain(..) {
            self.broker.handle(packet);
        }
        self.keepalive.handle_transmit(self.now);
        self.state.handle_flushed();
    }

    /// Exchanges packets until both sides are quiet.
    fn drive(&mut self) -> Result<(), StateError> {
        for _ in 0..1000 {
            self.flush();
            let Some(packet) = self.broker.to_client.pop_front() else {
                return Ok(());
            };
            self.keepalive.handle_receive(&packet, self.now);
            let reply = self.state.handle_incoming_packet(packet)?;
            self.unflushed.extend(reply);
        }
        panic!("harness did not settle");
    }

    /// Moves the virtual clock forward by `by`, firing every keep-alive deadline on the way.
    fn advance(&mut self, by: Duration) -> Result<(), StateError> {
        let target = self.now + by;
        while let Some(deadline) = self.keepalive.poll_timeout().filter(|d| *d <= target) {
            self.now = deadline;
            if let Some(ping) = self.keepalive.handle_timeout(self.now)? {
                self.state
                    .events
                    .extend(Outgoing::for_packet(&ping).map(Event::Outgoing));
                self.unflushed.push(ping);
            }
            self.drive()?;
        }
        self.now = target;
        Ok(())
    }

    /// Drops the connection and connects again; the broker answers `session_present`. The
    /// state decides what is re-sent (`MqttState::handle_connack`, the event loop's call)
    /// and the queue goes out in order.
    fn reconnect(&mut self, session_present: bool) -> Resumption {
        self.state.handle_connection_lost();
        self.unflushed.clear();
        self.broker.to_client.clear();
        self.keepalive = KeepAlive::new(self.keep_alive, self.now);
        let resumption = connack(&mut self.state, session_present);
        for packet in send_queued(&mut self.state) {
            self.unflushed.extend(packet);
        }
        resumption
    }

    fn pings_sent(&self) -> usize {
        self.broker
            .received
            .iter()
            .filter(|p| **p == Packet::PingReq)
            .count()
    }
}

#[test]
fn harness_idle_client_pings_every_keep_alive_while_the_broker_answers() {
    let mut harness = Harness::new(10, 10);
    harness.advance(Duration::from_secs(35)).unwrap();
    assert_eq!(harness.pings_sent(), 3);
    assert_eq!(
        events(&mut harness.state),
        [
            out(Outgoing::PingReq),
            inc(Packet::PingResp),
            out(Outgoing::PingReq),
            inc(Packet::PingResp),
            out(Outgoing::PingReq),
            inc(Packet::PingResp),
        ]
    );
}

/// A silent broker is detected 1.5 × keep-alive after its last packet.
#[test]
fn harness_silent_broker_is_detected_half_a_keep_alive_after_the_ping() {
    let mut harness = Harness::new(10, 10);
    harness.broker.mode = BrokerMode::Silent;
    harness.advance(Duration::from_secs(14)).unwrap();
    assert_eq!(harness.pings_sent(), 1);
    assert_eq!(
        harness.advance(Duration::from_secs(1)),
        Err(StateError::AwaitPingResp)
    );
}

/// An acknowledged publish is traffic both ways: the ping moves an interval past it.
#[test]
fn harness_acknowledged_publish_postpones_the_ping() {
    let mut harness = Harness::new(10, 10);
    harness.advance(Duration::from_secs(6)).unwrap();
    harness
        .request(publish(QoS::AtLeastOnce, 0).into(), None)
        .unwrap();
    harness.drive().unwrap();
    harness.advance(Duration::from_secs(9)).unwrap();
    assert_eq!(harness.pings_sent(), 0);
    harness.advance(Duration::from_secs(1)).unwrap();
    assert_eq!(harness.pings_sent(), 1);
}

/// A QoS 0 publisher behind a half-open link: its writes do not postpone the ping, which
/// falls due an interval after the last reception, and the link is reported dead half an
/// interval later.
#[test]
fn harness_qos0_publisher_detects_a_silent_broker_within_one_and_a_half_intervals() {
    let mut harness = Harness::new(10, 10);
    harness.broker.mode = BrokerMode::Silent;
    let mut failed = None;
    for second in 1..=20 {
        if let Err(error) = harness.advance(Duration::from_secs(1)) {
            failed = Some((second, error));
            break;
        }
        harness
            .request(publish(QoS::AtMostOnce, 0).into(), None)
            .unwrap();
        harness.drive().unwrap();
    }
    assert_eq!(failed, Some((15, StateError::AwaitPingResp)));
    assert_eq!(harness.pings_sent(), 1);
}

/// Incoming traffic does not postpone the ping: the broker must hear from us.
#[test]
fn harness_receiving_only_client_still_pings() {
    let mut harness = Harness::new(10, 10);
    harness.advance(Duration::from_secs(5)).unwrap();
    harness
        .broker
        .to_client
        .push_back(publish_packet(QoS::AtMostOnce, 0));
    harness.drive().unwrap();
    harness.advance(Duration::from_secs(5)).unwrap();
    assert_eq!(harness.pings_sent(), 1);
}

#[test]
fn harness_reconnect_with_session_replays_with_dup_and_same_pkids() {
    let mut harness = Harness::new(10, 10);
    harness.broker.mode = BrokerMode::WithholdingAcks;
    let notices: Vec<_> = (0..3)
        .map(|_| harness.publish_tracked(QoS::AtLeastOnce))
        .collect();
    let qos2 = harness.publish_tracked(QoS::ExactlyOnce);
    harness.drive().unwrap();
    harness.broker.received.clear();
    harness.broker.mode = BrokerMode::Answering;
    harness.reconnect(true);
    harness.drive().unwrap();
    let expected: Vec<Packet> = vec![
        dup(QoS::AtLeastOnce, 1),
        dup(QoS::AtLeastOnce, 2),
        dup(QoS::AtLeastOnce, 3),
        dup(QoS::ExactlyOnce, 4),
        pubrel(4),
    ];
    assert_eq!(harness.broker.received, expected);
    for (notice, pkid) in notices.into_iter().zip(1..) {
        assert_eq!(notice.wait(), Ok(PublishResult::Qos1(PubAck::new(pkid))));
    }
    assert_eq!(
        qos2.wait(),
        Ok(PublishResult::Qos2Completed(PubComp::new(4)))
    );
    assert!(harness.state.is_drained());
}

/// A QoS 2 exchange cut after PUBREC resumes with PUBREL only, never the PUBLISH again.
#[test]
fn harness_reconnect_after_pubrec_replays_only_pubrel() {
    let mut harness = Harness::new(10, 10);
    let notice = harness.publish_tracked(QoS::ExactlyOnce);
    harness.flush();
    let rec = harness.broker.to_client.pop_front().unwrap();
    assert_eq!(
        harness.state.handle_incoming_packet(rec),
        Ok(Some(pubrel(1)))
    );
    harness.broker.received.clear();
    harness.reconnect(true);
    harness.drive().unwrap();
    assert_eq!(harness.broker.received, [pubrel(1)]);
    assert_eq!(
        notice.wait(),
        Ok(PublishResult::Qos2Completed(PubComp::new(1)))
    );
}

#[test]
fn harness_reconnect_without_session_fails_tracked_work() {
    let mut harness = Harness::new(10, 10);
    harness.broker.mode = BrokerMode::WithholdingAcks;
    let qos1 = harness.publish_tracked(QoS::AtLeastOnce);
    harness.drive().unwrap();
    harness.broker.received.clear();
    harness.reconnect(false);
    harness.drive().unwrap();
    assert!(harness.broker.received.is_empty());
    assert_eq!(qos1.wait(), Err(PublishNoticeError::SessionReset));
    assert!(harness.state.is_drained());
}

/// Without a session, untracked work is sent again as new (fresh packet id, no DUP) while
/// tracked work fails: the shipped policy, not a copy of it.
#[test]
fn harness_reconnect_without_session_restarts_untracked_publishes_as_new() {
    let mut harness = Harness::new(10, 10);
    harness.broker.mode = BrokerMode::WithholdingAcks;
    let tracked = harness.publish_tracked(QoS::AtLeastOnce); // 1
    harness
        .request(publish(QoS::AtLeastOnce, 0).into(), None) // 2
        .unwrap();
    harness
        .request(publish(QoS::ExactlyOnce, 0).into(), None) // 3
        .unwrap();
    harness.drive().unwrap();
    harness.broker.received.clear();
    harness.broker.mode = BrokerMode::Answering;
    let resumption = harness.reconnect(false);
    harness.drive().unwrap();
    assert_eq!(
        resumption,
        Resumption {
            failed: 1,
            restarted: 2,
            ..Resumption::default()
        }
    );
    assert_eq!(
        harness.broker.received,
        [
            // New ids from the allocator's cursor, not the old 2 and 3.
            publish_packet(QoS::AtLeastOnce, 4),
            publish_packet(QoS::ExactlyOnce, 5),
            pubrel(5)
        ]
    );
    assert_eq!(tracked.wait(), Err(PublishNoticeError::SessionReset));
    assert!(harness.state.is_drained());
}
