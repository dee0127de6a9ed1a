//! Property: every accepted publish ends; the window and packet ids hold.

use super::*;

// ---- property: every accepted publish ends; window and ids hold ----------------------

/// One step of the random schedule.
#[derive(Debug, Clone)]
enum Step {
    /// The application hands over a QoS 1 (false) or QoS 2 (true) publish if the window
    /// allows, tracked by a notice or not.
    Publish(bool, Tracking),
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
        4 => (any::<bool>(), prop_oneof![Just(Tracking::Tracked), Just(Tracking::Untracked)])
            .prop_map(|(qos2, tracking)| Step::Publish(qos2, tracking)),
        1 => Just(Step::Subscribe),
        6 => any::<usize>().prop_map(Step::Ack),
        2 => Just(Step::Flush),
        1 => any::<bool>().prop_map(Step::Reconnect),
    ]
}

/// Whether the application holds a notice for a publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tracking {
    Tracked,
    Untracked,
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

/// What became of an untracked publish, seen from the broker (its payload is its index).
#[derive(Debug, Default, Clone, Copy)]
struct Untracked {
    /// PUBACK or PUBCOMP sent for it.
    completed: usize,
    /// PUBREC sent for it (QoS 2): a session loss may then drop its PUBREL.
    received: bool,
}

/// The application, the wire and the broker around one `MqttState`.
struct Simulation {
    state: MqttState,
    /// Exchanges the broker has seen and not yet acked (the live ids on the wire).
    owed: Vec<Owed>,
    publishes: Vec<(QoS, PublishNotice)>,
    subscribes: Vec<SubscribeNotice>,
    untracked: Vec<Untracked>,
    /// Which untracked publish each live packet id carries, by payload index.
    carried: BTreeMap<u16, usize>,
}

impl Simulation {
    /// Records a packet the state asked to write, checking its id is not live already.
    fn wrote(&mut self, packet: Option<Packet>) {
        if let Some(Packet::Publish(p)) = &packet
            && let Some(index) = untracked_index(p)
        {
            self.carried.insert(p.pkid, index);
        }
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
            Step::Publish(qos2, tracking) if !self.state.is_publish_window_full() => {
                let qos = if qos2 {
                    QoS::ExactlyOnce
                } else {
                    QoS::AtLeastOnce
                };
                let packet = if tracking == Tracking::Tracked {
                    let (packet, notice) = send_tracked(&mut self.state, publish(qos, 0));
                    self.publishes.push((qos, notice));
                    packet
                } else {
                    let payload = self.untracked.len().to_string();
                    self.untracked.push(Untracked::default());
                    send(&mut self.state, Publish::new("u", qos, payload))
                };
                self.wrote(packet);
            }
            Step::Publish(..) => {}
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
                self.broker_answered(owed);
                let reply = self.state.handle_incoming_packet(owed.packet()).unwrap();
                self.wrote(reply);
            }
            Step::Flush => self.state.handle_flushed(),
            Step::Reconnect(session_present) => self.reconnect(session_present),
        }
        assert!(self.state.inflight() <= self.state.max_inflight());
    }

    /// The broker answers `owed`: an untracked publish completes, or is received (PUBREC).
    fn broker_answered(&mut self, owed: Owed) {
        let Some(&index) = self.carried.get(&owed.pkid()) else {
            return;
        };
        match owed {
            Owed::PubAck(pkid) | Owed::PubComp(pkid) => {
                self.carried.remove(&pkid);
                self.untracked[index].completed += 1;
            }
            Owed::PubRec(_) => self.untracked[index].received = true,
            Owed::SubAck(_) => {}
        }
    }

    /// The connection drops; the state decides at the CONNACK what goes out again (the
    /// event loop's calls), and the queue is written in order.
    fn reconnect(&mut self, session_present: bool) {
        self.owed.clear();
        self.carried.clear();
        cut_and_reconnect(&mut self.state, session_present);
        for packet in send_queued(&mut self.state) {
            self.wrote(packet);
        }
    }
}

/// The payload index of an untracked publish (topic `u`).
fn untracked_index(publish: &Publish) -> Option<usize> {
    if publish.topic != "u" {
        return None;
    }
    std::str::from_utf8(&publish.payload).ok()?.parse().ok()
}

proptest! {
    // Seeded, so a run is reproducible on any machine; bounded to 200 cases of at most
    // 150 steps.
    #![proptest_config(ProptestConfig {
        cases: 200,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5e55_1011),
        ..ProptestConfig::default()
    })]

    /// Under random ack orders, reconnects and session losses, on the shipped CONNACK
    /// decision: in-flight never exceeds the window, no id is reused while live, every
    /// tracked publish and subscribe ends acknowledged or failed with `SessionReset`, and
    /// every untracked publish completes exactly once (re-sent as new after a session
    /// loss), unless a session loss dropped the PUBREL of a QoS 2 one already received.
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
            untracked: Vec::new(),
            carried: BTreeMap::new(),
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
        // Untracked: completed exactly once, or a QoS 2 one whose PUBREL a session loss
        // dropped after the broker had received it.
        for (index, ended) in sim.untracked.iter().enumerate() {
            prop_assert!(
                ended.completed == 1 || (ended.completed == 0 && ended.received),
                "untracked publish {} ended {:?}", index, ended
            );
        }
        for mut notice in sim.subscribes {
            let ended = notice.try_wait();
            prop_assert!(matches!(ended, Some(Ok(_) | Err(SubscribeNoticeError::SessionReset))));
        }
    }
}
