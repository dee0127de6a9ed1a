//! Flushes, replay across reconnections, session loss, and publishes lent for encoding.

use super::*;

// ---- flush, replay and session ---------------------------------------------------------

#[test]
fn qos0_notice_resolves_on_flush_and_fails_on_flush_failure() {
    let mut state = auto(10);
    let (_, flushed) = send_tracked(&mut state, publish(QoS::AtMostOnce, 0));
    state.handle_flushed();
    let (_, failed) = send_tracked(&mut state, publish(QoS::AtMostOnce, 0));
    state.handle_flush_failed();
    assert_eq!(flushed.wait(), Ok(PublishResult::Qos0Flushed));
    assert_eq!(failed.wait(), Err(PublishNoticeError::Qos0NotFlushed));
}

#[test]
fn qos0_notice_still_unflushed_at_connection_loss_fails() {
    let mut state = auto(10);
    let (_, notice) = send_tracked(&mut state, publish(QoS::AtMostOnce, 0));
    assert!(state.take_replay().is_empty());
    assert_eq!(notice.wait(), Err(PublishNoticeError::Qos0NotFlushed));
}

/// Replay order: PUBRELs in PUBREC order, publishes oldest first, the collision, then
/// subscribes and unsubscribes in send order. DUP only where a flush was attempted.
#[test]
fn take_replay_exports_unfinished_work_in_replay_order() {
    let mut state = auto(10);
    send(&mut state, publish(QoS::ExactlyOnce, 0)); // 1: will be past PUBREC
    send(&mut state, publish(QoS::AtLeastOnce, 0)); // 2
    send(&mut state, unsubscribe(0)); // 3
    send(&mut state, publish(QoS::ExactlyOnce, 0)); // 4: will be past PUBREC, first
    send(&mut state, subscribe(0)); // 5
    state.handle_flushed();
    recv(&mut state, pubrec(4));
    recv(&mut state, pubrec(1));
    send(&mut state, publish(QoS::AtLeastOnce, 0)); // 6: never flushed
    send(&mut state, publish(QoS::AtLeastOnce, 2)); // collides with 2
    let replay = state.take_replay();
    let expected: Vec<Request> = vec![
        Request::PubRel(PubRel::new(4)),
        Request::PubRel(PubRel::new(1)),
        dup_publish(QoS::AtLeastOnce, 2).into(),
        publish(QoS::AtLeastOnce, 6).into(),
        publish(QoS::AtLeastOnce, 2).into(),
        unsubscribe(3).into(),
        subscribe(5).into(),
    ];
    assert_eq!(requests(&replay), expected);
    assert_eq!((state.inflight(), state.collision.clone()), (0, None));
    assert_eq!(state.packet_ids_in_use(), 6);
    assert!(!state.is_drained());
}

/// [MQTT-4.6.0-4] PUBRELs go out in the order their PUBRECs arrived, across a reconnect
/// too: a replayed PUBREL reaches the wire before the PUBREL answering a PUBREC that the new
/// connection brings for a replayed publish, even when the broker's answer to each replayed
/// request is handled before the next one is written (the event loop replays in batches).
#[test]
fn replayed_pubrel_precedes_the_pubrel_for_a_pubrec_of_the_new_connection() {
    let mut state = auto(10);
    send(&mut state, publish(QoS::ExactlyOnce, 0)); // 1
    send(&mut state, publish(QoS::ExactlyOnce, 0)); // 2
    state.handle_flushed();
    recv(&mut state, pubrec(1));
    let replay = state.take_replay();
    assert_eq!(connack(&mut state, true).failed, 0);
    let mut wire = Vec::new();
    for envelope in replay {
        let written = state
            .outgoing_request(envelope.request, envelope.notice)
            .unwrap();
        let packet = written.unwrap();
        wire.push(packet.clone());
        if let Packet::Publish(publish) = packet {
            // The broker answers at once.
            wire.extend(recv(&mut state, pubrec(publish.pkid)));
        }
    }
    assert_eq!(wire, [pubrel(1), dup(QoS::ExactlyOnce, 2), pubrel(2)]);
    assert_eq!(state.inflight(), 2);
}

/// A publish stashed behind a collision with a QoS 2 flow past PUBREC waits for that
/// flow's PUBCOMP after a reconnect too: the replayed PUBREL takes its id back first.
#[test]
fn replayed_collision_with_a_pubrel_flow_waits_for_its_pubcomp() {
    let mut state = auto(10);
    send(&mut state, publish(QoS::ExactlyOnce, 0)); // 1
    recv(&mut state, pubrec(1));
    send(&mut state, publish(QoS::AtLeastOnce, 1)); // collides with 1
    let replay = state.take_replay();
    state.events.clear();
    assert_eq!(replay_into(&mut state, replay), [Some(pubrel(1)), None]);
    assert_eq!(
        recv(&mut state, pubcomp(1)),
        Some(publish_packet(QoS::AtLeastOnce, 1))
    );
}

#[test]
fn flush_failure_marks_stored_publishes_dup() {
    let mut state = auto(10);
    send(&mut state, publish(QoS::AtLeastOnce, 0));
    state.handle_flush_failed();
    assert_eq!(
        requests(&state.take_replay()),
        [dup_publish(QoS::AtLeastOnce, 1).into()]
    );
}

#[test]
fn replay_keeps_pkids_reserved_against_new_allocations() {
    let mut state = auto(10);
    send(&mut state, publish(QoS::AtLeastOnce, 0));
    send(&mut state, subscribe(0));
    let replay = state.take_replay();
    state.pkids = PkidAllocator::default(); // the cursor would hand out 1 next
    assert_eq!(
        send(&mut state, publish(QoS::AtLeastOnce, 0)),
        Some(publish_packet(QoS::AtLeastOnce, 3))
    );
    let packets = replay_into(&mut state, replay);
    assert_eq!(
        packets,
        [
            Some(publish_packet(QoS::AtLeastOnce, 1)),
            Some(Packet::Subscribe(subscribe(2)))
        ]
    );
    assert_eq!(state.collision, None);
    assert_eq!(state.inflight(), 2);
}

#[test]
fn replayed_work_keeps_its_notices_across_a_resumed_session() {
    let mut state = auto(10);
    let (_, qos1) = send_tracked(&mut state, publish(QoS::AtLeastOnce, 0));
    let (_, qos2) = send_tracked(&mut state, publish(QoS::ExactlyOnce, 0));
    let sub = subscribe_tracked(&mut state, subscribe(0));
    recv(&mut state, pubrec(2));
    let replay = state.take_replay();
    assert_eq!(connack(&mut state, true).failed, 0);
    state.events.clear();
    let packets = replay_into(&mut state, replay);
    assert_eq!(
        packets,
        [
            Some(pubrel(2)),
            Some(publish_packet(QoS::AtLeastOnce, 1)),
            Some(Packet::Subscribe(subscribe(3)))
        ]
    );
    assert_eq!(
        events(&mut state),
        [
            out(Outgoing::PubRel(2)),
            out(Outgoing::Publish(1)),
            out(Outgoing::Subscribe(3))
        ]
    );
    recv(&mut state, puback(1));
    recv(&mut state, pubcomp(2));
    recv(&mut state, suback(3, granted()));
    assert_eq!(qos1.wait(), Ok(PublishResult::Qos1(PubAck::new(1))));
    assert_eq!(
        qos2.wait(),
        Ok(PublishResult::Qos2Completed(PubComp::new(2)))
    );
    assert_eq!(sub.wait_completion(), Ok(()));
    assert!(state.is_drained());
}

#[test]
fn duplicate_incoming_qos2_is_not_delivered_twice_across_a_resumed_session() {
    let mut state = auto(10);
    recv(&mut state, publish_packet(QoS::ExactlyOnce, 9));
    state.take_replay();
    connack(&mut state, true);
    state.events.clear();
    assert_eq!(recv(&mut state, dup(QoS::ExactlyOnce, 9)), Some(pubrec(9)));
    assert_eq!(events(&mut state), [out(Outgoing::PubRec(9))]);
}

#[test]
fn incoming_qos2_memory_is_cleared_without_a_session() {
    let mut state = auto(10);
    recv(&mut state, publish_packet(QoS::ExactlyOnce, 9));
    state.take_replay();
    connack(&mut state, false);
    state.events.clear();
    recv(&mut state, publish_packet(QoS::ExactlyOnce, 9));
    assert_eq!(
        events(&mut state)[0],
        inc(publish_packet(QoS::ExactlyOnce, 9))
    );
}

/// Acks owed to a dead connection are void: the broker redelivers.
#[test]
fn manual_ack_state_does_not_survive_a_connection_loss() {
    let mut state = manual(10);
    recv(&mut state, publish_packet(QoS::AtLeastOnce, 7));
    recv(&mut state, publish_packet(QoS::ExactlyOnce, 8));
    state.take_replay();
    let invalid = |packet_type, pkid| Err(StateError::InvalidManualAck { packet_type, pkid });
    assert_eq!(
        state.handle_outgoing_packet(Request::PubAck(PubAck::new(7))),
        invalid(PacketType::PubAck, 7)
    );
    assert_eq!(
        state.handle_outgoing_packet(Request::PubRec(PubRec::new(8))),
        invalid(PacketType::PubRec, 8)
    );
    state.events.clear();
    assert_eq!(recv(&mut state, dup(QoS::ExactlyOnce, 8)), None);
    assert_eq!(events(&mut state), [inc(dup(QoS::ExactlyOnce, 8))]);
}

#[test]
fn session_present_false_fails_every_tracked_notice_with_session_reset() {
    let mut state = auto(10);
    let (_, qos1) = send_tracked(&mut state, publish(QoS::AtLeastOnce, 0));
    let (_, qos2) = send_tracked(&mut state, publish(QoS::ExactlyOnce, 0));
    let sub = subscribe_tracked(&mut state, subscribe(0));
    let unsub = unsubscribe_tracked(&mut state, unsubscribe(0));
    send(&mut state, publish(QoS::AtLeastOnce, 0)); // untracked: fails no notice
    let (_, stashed) = send_tracked(&mut state, publish(QoS::AtLeastOnce, 1));
    recv(&mut state, pubrec(2));
    assert_eq!(connack(&mut state, false).failed, 5);
    assert!(state.is_drained());
    assert_eq!(state.inflight(), 0);
    for notice in [qos1, qos2, stashed] {
        assert_eq!(notice.wait(), Err(PublishNoticeError::SessionReset));
    }
    assert_eq!(sub.wait(), Err(SubscribeNoticeError::SessionReset));
    assert_eq!(unsub.wait(), Err(UnsubscribeNoticeError::SessionReset));
}

#[test]
fn drain_tracked_requests_releases_replay_reservations() {
    let mut state = auto(10);
    send(&mut state, publish(QoS::AtLeastOnce, 0));
    let replay = state.take_replay();
    assert_eq!(replay.len(), 1);
    assert_eq!(
        state.drain_tracked_requests_as_failed(NoticeFailureReason::SessionReset),
        0
    );
    assert!(state.is_drained());
    assert_eq!(state.packet_ids_in_use(), 0);
}

#[test]
fn clean_returns_plain_requests_releases_ids_and_drops_notices() {
    let mut state = auto(10);
    let (_, notice) = send_tracked(&mut state, publish(QoS::AtLeastOnce, 0));
    state.handle_flushed();
    assert_eq!(state.clean(), [dup_publish(QoS::AtLeastOnce, 1).into()]);
    assert!(state.is_drained());
    assert_eq!(notice.wait(), Err(PublishNoticeError::Recv));
    assert_eq!(
        send(&mut state, dup_publish(QoS::AtLeastOnce, 1)),
        Some(dup(QoS::AtLeastOnce, 1))
    );
}

#[test]
fn dropped_notice_changes_nothing_on_the_wire() {
    let mut tracked = auto(10);
    let mut untracked = auto(10);
    let (_, notice) = send_tracked(&mut tracked, publish(QoS::ExactlyOnce, 0));
    drop(notice);
    send(&mut untracked, publish(QoS::ExactlyOnce, 0));
    for packet in [pubrec(1), pubcomp(1)] {
        assert_eq!(
            recv(&mut tracked, packet.clone()),
            recv(&mut untracked, packet)
        );
    }
    assert_eq!(events(&mut tracked), events(&mut untracked));
}

#[test]
fn clone_copies_the_session_but_not_the_notices() {
    let mut state = auto(10);
    let (_, mut notice) = send_tracked(&mut state, publish(QoS::AtLeastOnce, 0));
    let mut copy = state.clone();
    assert_eq!(recv(&mut copy, puback(1)), None);
    assert_eq!(notice.try_wait(), None);
    recv(&mut state, puback(1));
    assert_eq!(notice.wait(), Ok(PublishResult::Qos1(PubAck::new(1))));
}

// ---- lent publishes and the in-flight table ------------------------------------------

/// The event loop's path: a stored QoS 1/2 publish is lent, not copied, with the same
/// packet id, bytes and events as `outgoing_request` produces.
#[test]
fn prepare_outgoing_lends_the_stored_qos1_publish_with_its_events() {
    let mut state = auto(10);
    let request = publish(QoS::AtLeastOnce, 0);
    let payload_at = request.payload.as_ptr();

    let lent = state.prepare_outgoing(Request::Publish(request), None);

    let Ok(Some(Outbound::Stored(stored))) = lent else {
        panic!("expected a lent publish, got {lent:?}");
    };
    assert_eq!(*stored, publish(QoS::AtLeastOnce, 1));
    assert_eq!(stored.payload.as_ptr(), payload_at);
    assert_eq!(events(&mut state), [Event::Outgoing(Outgoing::Publish(1))]);
    assert_eq!(state.inflight(), 1);
}

#[test]
fn prepare_outgoing_hands_a_qos0_publish_over_as_an_owned_packet() {
    let mut state = auto(10);
    let mut request = publish(QoS::AtMostOnce, 9);
    request.dup = true;

    let packet = state
        .prepare_outgoing(Request::Publish(request), None)
        .unwrap()
        .map(Outbound::into_packet);

    assert_eq!(packet, Some(publish_packet(QoS::AtMostOnce, 0)));
    assert_eq!(events(&mut state), [Event::Outgoing(Outgoing::Publish(0))]);
    assert_eq!(state.inflight(), 0);
}

#[test]
fn prepare_outgoing_lends_nothing_for_a_publish_stashed_behind_a_collision() {
    let mut state = auto(10);
    state
        .handle_outgoing_packet(publish(QoS::AtLeastOnce, 0).into())
        .unwrap();
    events(&mut state);

    let lent = state
        .prepare_outgoing(Request::Publish(publish(QoS::ExactlyOnce, 1)), None)
        .unwrap()
        .map(Outbound::into_packet);

    assert_eq!(lent, None);
    assert_eq!(events(&mut state), [Event::Outgoing(Outgoing::AwaitAck(1))]);
    assert_eq!(state.collision, Some(publish(QoS::ExactlyOnce, 1)));
}

/// The table is hashed by packet id: replay order must still be send order, whatever ids.
#[test]
fn replay_keeps_send_order_for_scattered_packet_ids() {
    let mut state = auto(10);
    let ids = [40_000, 7, 300, 65_535, 1, 128];
    for pkid in ids {
        state
            .handle_outgoing_packet(publish(QoS::AtLeastOnce, pkid).into())
            .unwrap();
    }

    let replay = state.clean();

    let expected: Vec<Request> = ids
        .into_iter()
        .map(|pkid| Request::Publish(publish(QoS::AtLeastOnce, pkid)))
        .collect();
    assert_eq!(replay, expected);
}

/// Every id acked in an order unlike the send order leaves the table empty and the ids free.
#[test]
fn acks_in_any_order_empty_the_table_across_a_packet_id_wrap() {
    let mut state = auto(100);
    let mut sent = Vec::new();
    for round in 0..700_u32 {
        for _ in 0..100 {
            let packet = state
                .handle_outgoing_packet(publish(QoS::AtLeastOnce, 0).into())
                .unwrap();
            let Some(Packet::Publish(publish)) = packet else {
                panic!("expected a publish, got {packet:?}");
            };
            sent.push(publish.pkid);
        }
        if round % 2 == 1 {
            sent.reverse();
        }
        for pkid in sent.drain(..) {
            let ack = Packet::PubAck(PubAck::new(pkid));
            assert_eq!(state.handle_incoming_packet(ack), Ok(None));
        }
        assert!(state.is_drained());
        state.events.clear();
    }
    assert_eq!(state.packet_ids_in_use(), 0);
    assert_eq!(state.inflight(), 0);
}
