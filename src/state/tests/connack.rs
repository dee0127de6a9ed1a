//! The CONNACK decision (`MqttState::handle_connack`, the call the event loop makes):
//! every outcome (session present or not, clean session asked or not) for every kind of
//! exchange in flight, tracked or not: the exact packets sent next and the notices failed.

use super::*;
use crate::store::{SessionRecord, SessionSnapshot};

/// What was in flight when the connection dropped (each gets packet id 1, flushed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InFlight {
    Qos1,
    Qos2BeforePubRec,
    Qos2AfterPubRec,
    Subscribe,
    Unsubscribe,
}

const IN_FLIGHT: [InFlight; 5] = [
    InFlight::Qos1,
    InFlight::Qos2BeforePubRec,
    InFlight::Qos2AfterPubRec,
    InFlight::Subscribe,
    InFlight::Unsubscribe,
];

/// A notice of any kind, reduced to what a CONNACK can do to it.
enum Notice {
    Publish(PublishNotice),
    Subscribe(SubscribeNotice),
    Unsubscribe(UnsubscribeNotice),
}

/// How a notice stands after the CONNACK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Waiting,
    SessionReset,
    Other,
}

impl Notice {
    fn outcome(&mut self) -> Outcome {
        let reset = match self {
            Self::Publish(n) => n
                .try_wait()
                .map(|r| r == Err(PublishNoticeError::SessionReset)),
            Self::Subscribe(n) => n
                .try_wait()
                .map(|r| r == Err(SubscribeNoticeError::SessionReset)),
            Self::Unsubscribe(n) => n
                .try_wait()
                .map(|r| r == Err(UnsubscribeNoticeError::SessionReset)),
        };
        match reset {
            None => Outcome::Waiting,
            Some(true) => Outcome::SessionReset,
            Some(false) => Outcome::Other,
        }
    }
}

/// A state with `in_flight` sent with packet id 1 and flushed; its notice if `tracked`.
fn with_in_flight(in_flight: InFlight, tracked: bool) -> (MqttState, Option<Notice>) {
    let mut state = auto(10);
    let request: Request = match in_flight {
        InFlight::Qos1 => publish(QoS::AtLeastOnce, 0).into(),
        InFlight::Qos2BeforePubRec | InFlight::Qos2AfterPubRec => {
            publish(QoS::ExactlyOnce, 0).into()
        }
        InFlight::Subscribe => subscribe(0).into(),
        InFlight::Unsubscribe => unsubscribe(0).into(),
    };
    let (tx, notice) = match (tracked, &request) {
        (false, _) => (None, None),
        (true, Request::Publish(_)) => {
            let (tx, notice) = PublishNotice::new();
            (Some(NoticeTx::Publish(tx)), Some(Notice::Publish(notice)))
        }
        (true, Request::Subscribe(_)) => {
            let (tx, notice) = SubscribeNotice::new();
            (
                Some(NoticeTx::Subscribe(tx)),
                Some(Notice::Subscribe(notice)),
            )
        }
        (true, _) => {
            let (tx, notice) = UnsubscribeNotice::new();
            (
                Some(NoticeTx::Unsubscribe(tx)),
                Some(Notice::Unsubscribe(notice)),
            )
        }
    };
    state.outgoing_request(request, tx).unwrap();
    state.handle_flushed();
    if in_flight == InFlight::Qos2AfterPubRec {
        recv(&mut state, pubrec(1));
    }
    state.events.clear();
    (state, notice)
}

/// With the session resumed: the same packet, same id, DUP on a publish that may have left.
fn resumed(in_flight: InFlight) -> Vec<Packet> {
    vec![match in_flight {
        InFlight::Qos1 => dup(QoS::AtLeastOnce, 1),
        InFlight::Qos2BeforePubRec => dup(QoS::ExactlyOnce, 1),
        InFlight::Qos2AfterPubRec => pubrel(1),
        InFlight::Subscribe => Packet::Subscribe(subscribe(1)),
        InFlight::Unsubscribe => Packet::Unsubscribe(unsubscribe(1)),
    }]
}

/// Without a session: untracked work as new (next id 2, no DUP), a PUBREL dropped.
fn restarted(in_flight: InFlight) -> Vec<Packet> {
    match in_flight {
        InFlight::Qos1 => vec![publish_packet(QoS::AtLeastOnce, 2)],
        InFlight::Qos2BeforePubRec => vec![publish_packet(QoS::ExactlyOnce, 2)],
        InFlight::Qos2AfterPubRec => Vec::new(),
        InFlight::Subscribe => vec![Packet::Subscribe(subscribe(2))],
        InFlight::Unsubscribe => vec![Packet::Unsubscribe(unsubscribe(2))],
    }
}

/// Runs one cell of the matrix: cut, CONNACK, send the queue.
fn decide(
    in_flight: InFlight,
    tracked: bool,
    clean_session: bool,
    session_present: bool,
) -> (Result<Resumption, SessionMismatch>, Vec<Packet>, Outcome) {
    let (mut state, mut notice) = with_in_flight(in_flight, tracked);
    state.handle_connection_lost();
    let decision = state.handle_connack(SessionConnAck {
        clean_session,
        session_present,
        connection: ConnectionKind::Reconnect,
        resubscribe: Resubscribe::Never,
        max_packet_size: 1024,
    });
    let sent = match decision {
        Ok(_) => send_queued(&mut state).into_iter().flatten().collect(),
        Err(_) => Vec::new(),
    };
    let outcome = notice.as_mut().map_or(Outcome::Waiting, Notice::outcome);
    (decision, sent, outcome)
}

#[test]
fn connack_with_session_resends_every_exchange_with_its_id_and_dup() {
    for in_flight in IN_FLIGHT {
        for tracked in [true, false] {
            let (decision, sent, outcome) = decide(in_flight, tracked, false, true);
            let expected = Resumption {
                replayed: 1,
                ..Resumption::default()
            };
            assert_eq!(decision, Ok(expected), "{in_flight:?} tracked={tracked}");
            assert_eq!(sent, resumed(in_flight), "{in_flight:?} tracked={tracked}");
            assert_eq!(outcome, Outcome::Waiting, "{in_flight:?} tracked={tracked}");
        }
    }
}

/// [MQTT-3.2.2-1]: the broker must not resume a session for a clean session; nothing is
/// sent and no notice ends (the event loop reports the mismatch and reconnects).
#[test]
fn connack_with_session_for_a_clean_session_is_a_mismatch() {
    for in_flight in IN_FLIGHT {
        for tracked in [true, false] {
            let (decision, sent, outcome) = decide(in_flight, tracked, true, true);
            assert_eq!(decision, Err(SessionMismatch), "{in_flight:?}");
            assert!(sent.is_empty());
            assert_eq!(outcome, Outcome::Waiting, "{in_flight:?} tracked={tracked}");
        }
    }
}

#[test]
fn connack_without_session_fails_tracked_work_with_session_reset() {
    for in_flight in IN_FLIGHT {
        for clean_session in [false, true] {
            let (decision, sent, outcome) = decide(in_flight, true, clean_session, false);
            let expected = Resumption {
                failed: 1,
                ..Resumption::default()
            };
            assert_eq!(
                decision,
                Ok(expected),
                "{in_flight:?} clean={clean_session}"
            );
            assert_eq!(sent, [], "{in_flight:?} clean={clean_session}");
            assert_eq!(outcome, Outcome::SessionReset, "{in_flight:?}");
        }
    }
}

#[test]
fn connack_without_session_restarts_untracked_work_as_new_and_drops_pubrels() {
    for in_flight in IN_FLIGHT {
        for clean_session in [false, true] {
            let (decision, sent, _) = decide(in_flight, false, clean_session, false);
            let dropped = usize::from(in_flight == InFlight::Qos2AfterPubRec);
            let expected = Resumption {
                restarted: 1 - dropped,
                dropped,
                ..Resumption::default()
            };
            assert_eq!(
                decision,
                Ok(expected),
                "{in_flight:?} clean={clean_session}"
            );
            assert_eq!(
                sent,
                restarted(in_flight),
                "{in_flight:?} clean={clean_session}"
            );
        }
    }
}

/// Requests never written are no part of the lost session: they stay queued as they are,
/// behind the restarted work, and the restored subscriptions go before everything.
#[test]
fn connack_without_session_queues_resubscriptions_then_restarted_then_new_work() {
    let mut state = auto(10);
    send(&mut state, Subscribe::new("x/#", QoS::AtLeastOnce)); // 1
    recv(
        &mut state,
        suback(1, vec![SubscribeReasonCode::Success(QoS::AtLeastOnce)]),
    );
    send(&mut state, publish(QoS::AtLeastOnce, 0)); // 2, untracked
    state.handle_connection_lost();
    state.pending.push_back(Pending {
        envelope: Envelope {
            request: publish(QoS::AtMostOnce, 0).into(),
            notice: None,
        },
        replay: false,
    });
    let resumption = state.handle_connack(SessionConnAck {
        clean_session: false,
        session_present: false,
        connection: ConnectionKind::Reconnect,
        resubscribe: Resubscribe::OnSessionLoss,
        max_packet_size: 1024,
    });
    let expected = Resumption {
        restarted: 1,
        resubscribed: 1,
        ..Resumption::default()
    };
    assert_eq!(resumption, Ok(expected));
    let sent: Vec<_> = send_queued(&mut state).into_iter().flatten().collect();
    let mut resubscribe = Subscribe::new("x/#", QoS::AtLeastOnce);
    resubscribe.pkid = 3;
    assert_eq!(
        sent,
        [
            Packet::Subscribe(resubscribe),
            publish_packet(QoS::AtLeastOnce, 4),
            publish_packet(QoS::AtMostOnce, 0),
        ]
    );
}

/// Two session losses in a row, the first resubscription not yet answered (never written,
/// or written and cut before its SUBACK): the broker gets each filter once, not once per
/// CONNACK, while a SUBSCRIBE of the application's own with another QoS still goes.
#[test]
fn a_second_session_loss_sends_the_resubscription_once() {
    for written in [false, true] {
        let mut state = auto(10);
        send(&mut state, Subscribe::new("x/#", QoS::AtLeastOnce)); // 1
        recv(
            &mut state,
            suback(1, vec![SubscribeReasonCode::Success(QoS::AtLeastOnce)]),
        );
        state.handle_connection_lost();
        let lost = SessionConnAck {
            clean_session: false,
            session_present: false,
            connection: ConnectionKind::Reconnect,
            resubscribe: Resubscribe::OnSessionLoss,
            max_packet_size: 1024,
        };
        assert_eq!(state.handle_connack(lost).map(|r| r.resubscribed), Ok(1));
        state.pending.push_back(Pending {
            envelope: Envelope {
                request: Subscribe::new("x/#", QoS::AtMostOnce).into(),
                notice: None,
            },
            replay: false,
        });
        if written {
            let first = send_queued(&mut state);
            assert_eq!(first.len(), 2, "written: {written}");
            state.handle_flushed();
        }
        state.handle_connection_lost();
        let resumption = state.handle_connack(lost).unwrap();
        assert_eq!(
            (resumption.resubscribed, resumption.superseded),
            (1, 1),
            "written: {written}"
        );
        let sent: Vec<_> = send_queued(&mut state).into_iter().flatten().collect();
        let next = if written { 4 } else { 2 };
        let mut resubscribe = Subscribe::new("x/#", QoS::AtLeastOnce);
        resubscribe.pkid = next;
        let mut own = Subscribe::new("x/#", QoS::AtMostOnce);
        own.pkid = next + 1;
        assert_eq!(
            sent,
            [Packet::Subscribe(resubscribe), Packet::Subscribe(own)],
            "written: {written}"
        );
    }
}

/// A stored session (an earlier process) that the broker no longer has: its publishes
/// go out as new, its PUBRELs are dropped.
#[test]
fn restored_session_without_session_on_the_broker_restarts_publishes() {
    let mut snapshot = SessionSnapshot::default();
    snapshot.apply(SessionRecord::Publish(publish(QoS::AtLeastOnce, 7)));
    snapshot.apply(SessionRecord::Publish(publish(QoS::ExactlyOnce, 8)));
    snapshot.apply(SessionRecord::PubRel(8));
    snapshot.apply(SessionRecord::Publish(publish(QoS::ExactlyOnce, 9)));
    let mut state = auto(10);
    state.restore_session(&snapshot);
    let mut resumed = state.clone();
    assert_eq!(
        connack(&mut resumed, true),
        Resumption {
            replayed: 3,
            ..Resumption::default()
        }
    );
    let sent: Vec<_> = send_queued(&mut resumed).into_iter().flatten().collect();
    assert_eq!(
        sent,
        [
            pubrel(8),
            dup(QoS::AtLeastOnce, 7),
            dup(QoS::ExactlyOnce, 9)
        ]
    );
    let lost = connack(&mut state, false);
    assert_eq!(
        lost,
        Resumption {
            restarted: 2,
            dropped: 1,
            ..Resumption::default()
        }
    );
    let sent: Vec<_> = send_queued(&mut state).into_iter().flatten().collect();
    assert_eq!(
        sent,
        [
            publish_packet(QoS::AtLeastOnce, 1),
            publish_packet(QoS::ExactlyOnce, 2)
        ]
    );
}
