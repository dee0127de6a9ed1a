//! Property: every accepted publish ends; the window and packet ids hold.

use super::*;

// ---- property: every accepted publish ends; window and ids hold ----------------------

/// One step of the random schedule.
#[derive(Debug, Clone)]
enum Step {
    /// The application hands over a QoS 1 (false) or QoS 2 (true) publish if the window allows.
    Publish(bool),
    /// The application subscribes.
    Subscribe,
    /// The broker answers the `n % live`-th outstanding exchange.
    Ack(usize),
    /// The network flushes.
    Flush,
    /// The connection drops; the broker resumes the session (true) or not.
    Reconnect(bool),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => any::<bool>().prop_map(Step::Publish),
        1 => Just(Step::Subscribe),
        6 => any::<usize>().prop_map(Step::Ack),
        2 => Just(Step::Flush),
        1 => any::<bool>().prop_map(Step::Reconnect),
    ]
}

/// What the broker owes for a packet it received: the packet id and the ack it will send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owed {
    PubAck(u16),
    PubRec(u16),
    PubComp(u16),
    SubAck(u16),
}

impl Owed {
    const fn pkid(self) -> u16 {
        match self {
            Self::PubAck(pkid) | Self::PubRec(pkid) | Self::PubComp(pkid) | Self::SubAck(pkid) => {
                pkid
            }
        }
    }

    fn packet(self) -> Packet {
        match self {
            Self::PubAck(pkid) => puback(pkid),
            Self::PubRec(pkid) => pubrec(pkid),
            Self::PubComp(pkid) => pubcomp(pkid),
            Self::SubAck(pkid) => suback(pkid, granted()),
        }
    }
}

/// The application, the wire and the broker around one `MqttState`.
struct Simulation {
    state: MqttState,
    /// Exchanges the broker has seen and not yet acked (the live ids on the wire).
    owed: Vec<Owed>,
    publishes: Vec<(QoS, PublishNotice)>,
    subscribes: Vec<SubscribeNotice>,
}

impl Simulation {
    /// Records a packet the state asked to write, checking its id is not live already.
    fn wrote(&mut self, packet: Option<Packet>) {
        let owed = match packet {
            Some(Packet::Publish(p)) if p.qos == QoS::AtLeastOnce => Owed::PubAck(p.pkid),
            Some(Packet::Publish(p)) if p.qos == QoS::ExactlyOnce => Owed::PubRec(p.pkid),
            Some(Packet::PubRel(rel)) => Owed::PubComp(rel.pkid),
            Some(Packet::Subscribe(sub)) => Owed::SubAck(sub.pkid),
            _ => return,
        };
        let live: BTreeSet<u16> = self.owed.iter().map(|o| o.pkid()).collect();
        assert!(
            !live.contains(&owed.pkid()),
            "pkid {} reused while live",
            owed.pkid()
        );
        self.owed.push(owed);
    }

    fn apply(&mut self, step: Step) {
        match step {
            Step::Publish(qos2) if !self.state.is_publish_window_full() => {
                let qos = if qos2 {
                    QoS::ExactlyOnce
                } else {
                    QoS::AtLeastOnce
                };
                let (packet, notice) = send_tracked(&mut self.state, publish(qos, 0));
                self.publishes.push((qos, notice));
                self.wrote(packet);
            }
            Step::Publish(_) => {}
            Step::Subscribe => {
                let (tx, notice) = SubscribeNotice::new();
                let request = Request::Subscribe(subscribe(0));
                let packet = self
                    .state
                    .outgoing_request(request, Some(NoticeTx::Subscribe(tx)));
                self.subscribes.push(notice);
                self.wrote(packet.unwrap());
            }
            Step::Ack(_) if self.owed.is_empty() => {}
            Step::Ack(n) => {
                let owed = self.owed.remove(n % self.owed.len());
                let reply = self.state.handle_incoming_packet(owed.packet()).unwrap();
                self.wrote(reply);
            }
            Step::Flush => self.state.handle_flushed(),
            Step::Reconnect(session_present) => self.reconnect(session_present),
        }
        assert!(self.state.inflight() <= self.state.max_inflight());
    }

    fn reconnect(&mut self, session_present: bool) {
        let replay = self.state.take_replay();
        self.owed.clear();
        self.state.handle_session_present(session_present);
        for envelope in replay {
            if session_present {
                let packet = self
                    .state
                    .outgoing_request(envelope.request, envelope.notice);
                self.wrote(packet.unwrap());
            } else {
                envelope.fail(NoticeFailureReason::SessionReset);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Under random ack orders, reconnects and session losses: in-flight never exceeds the
    /// window, no id is reused while live, and every accepted publish and subscribe ends
    /// acknowledged or failed with `SessionReset` (replayed work ends one of those ways too).
    #[test]
    fn random_ack_order_keeps_window_ids_and_ends_every_request(
        max_inflight in 1u16..6,
        steps in proptest::collection::vec(step(), 1..150),
    ) {
        let mut sim = Simulation {
            state: auto(max_inflight),
            owed: Vec::new(),
            publishes: Vec::new(),
            subscribes: Vec::new(),
        };
        for step in steps {
            sim.apply(step);
        }
        sim.reconnect(true);
        while !sim.owed.is_empty() {
            sim.apply(Step::Ack(0));
        }
        prop_assert!(sim.state.is_drained());
        for (qos, mut notice) in sim.publishes {
            match notice.try_wait() {
                Some(Ok(result)) => prop_assert_eq!(result.qos(), qos),
                Some(Err(error)) => prop_assert_eq!(error, PublishNoticeError::SessionReset),
                None => prop_assert!(false, "a publish notice never ended"),
            }
        }
        for mut notice in sim.subscribes {
            let ended = notice.try_wait();
            prop_assert!(matches!(ended, Some(Ok(_) | Err(SubscribeNoticeError::SessionReset))));
        }
    }
}
