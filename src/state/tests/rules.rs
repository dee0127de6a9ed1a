//! Protocol violations, packet-id allocation, the in-flight window and collisions.

use super::*;

// ---- protocol violations -------------------------------------------------------------

/// A stray ack (nothing in flight with its id) is ignored: no error, no event, no change;
/// a stray PUBREC is still answered with PUBREL [MQTT-4.3.3-1].
#[test]
fn acks_for_unknown_pkids_are_ignored_and_a_stray_pubrec_gets_its_pubrel() {
    let cases = [
        (puback(9), None),
        (pubrec(9), Some(pubrel(9))),
        (pubcomp(9), None),
        (suback(9, granted()), None),
        (unsuback(9), None),
    ];
    for (packet, reply) in cases {
        let mut state = auto(10);
        send(&mut state, publish(QoS::AtLeastOnce, 0));
        state.events.clear();
        let expected_events: Vec<Event> = reply.iter().map(|_| out(Outgoing::PubRel(9))).collect();
        assert_eq!(state.handle_incoming_packet(packet), Ok(reply));
        assert_eq!(events(&mut state), expected_events);
        assert_eq!(state.inflight(), 1);
        assert_eq!(state.packet_ids_in_use(), 1);
    }
}

#[test]
fn acks_in_the_wrong_phase_are_unsolicited_and_change_nothing() {
    let mut state = auto(10);
    send(&mut state, publish(QoS::ExactlyOnce, 0));
    send(&mut state, publish(QoS::AtLeastOnce, 0));
    let unsolicited = |packet_type, pkid| Err(StateError::UnsolicitedAck { packet_type, pkid });
    assert_eq!(
        state.handle_incoming_packet(pubcomp(1)),
        unsolicited(PacketType::PubComp, 1)
    );
    assert_eq!(
        state.handle_incoming_packet(pubrec(2)),
        unsolicited(PacketType::PubRec, 2)
    );
    assert_eq!(
        state.handle_incoming_packet(suback(2, granted())),
        unsolicited(PacketType::SubAck, 2)
    );
    assert_eq!(state.inflight(), 2);
    assert_eq!(recv(&mut state, pubrec(1)), Some(pubrel(1)));
    // Past PUBREC the broker has the message at QoS 2: a PUBACK no longer fits.
    assert_eq!(
        state.handle_incoming_packet(puback(1)),
        unsolicited(PacketType::PubAck, 1)
    );
    assert_eq!(state.inflight(), 2);
}

#[test]
fn suback_with_wrong_return_code_count_is_a_violation_and_keeps_the_subscribe() {
    let mut state = auto(10);
    send(&mut state, subscribe(0));
    assert_eq!(
        state.handle_incoming_packet(suback(1, vec![SubscribeReasonCode::Failure])),
        Err(StateError::SubAckReturnCodeCountMismatch {
            pkid: 1,
            expected: 2,
            actual: 1
        })
    );
    assert_eq!(state.packet_ids_in_use(), 1);
}

#[test]
fn connack_on_an_established_connection_is_a_duplicate() {
    let mut state = auto(10);
    let connack = Packet::ConnAck(ConnAck::new(ConnectReturnCode::Success, false));
    assert_eq!(
        state.handle_incoming_packet(connack),
        Err(StateError::DuplicateConnAck)
    );
}

#[test]
fn client_only_packets_from_the_broker_are_unexpected() {
    let mut state = auto(10);
    let cases = [
        (Packet::PingReq, PacketType::PingReq),
        (Packet::Disconnect, PacketType::Disconnect),
        (Packet::Subscribe(subscribe(1)), PacketType::Subscribe),
        (Packet::Unsubscribe(unsubscribe(1)), PacketType::Unsubscribe),
    ];
    for (packet, packet_type) in cases {
        assert_eq!(
            state.handle_incoming_packet(packet),
            Err(StateError::UnexpectedIncomingPacket(packet_type))
        );
    }
    assert!(state.events.is_empty());
}

// ---- packet ids and the window -------------------------------------------------------

#[test]
fn pkid_allocation_is_shared_by_publishes_and_subscribes() {
    let mut state = auto(10);
    assert_eq!(
        send(&mut state, subscribe(0)),
        Some(Packet::Subscribe(subscribe(1)))
    );
    assert_eq!(
        send(&mut state, publish(QoS::AtLeastOnce, 0)),
        Some(publish_packet(QoS::AtLeastOnce, 2))
    );
    assert_eq!(
        send(&mut state, unsubscribe(0)),
        Some(Packet::Unsubscribe(unsubscribe(3)))
    );
    assert_eq!(state.packet_ids_in_use(), 3);
}

/// [MQTT-2.3.1-2] an id is not reused while its exchange is live: allocation moves on
/// round-robin instead of taking an id freed by an out-of-order ack.
#[test]
fn pkid_freed_out_of_order_is_not_reused_before_the_cursor_wraps() {
    let mut state = auto(3);
    for _ in 0..3 {
        send(&mut state, publish(QoS::AtLeastOnce, 0));
    }
    recv(&mut state, puback(2));
    assert_eq!(
        send(&mut state, publish(QoS::AtLeastOnce, 0)),
        Some(publish_packet(QoS::AtLeastOnce, 4))
    );
}

/// [MQTT-2.3.1-1] ids run over 1..=65535, wrap to 1 and skip every busy id.
#[test]
fn pkid_allocation_exhausts_all_ids_then_wraps_to_the_freed_ones() {
    let mut state = auto(1);
    for expected in 1..=u16::MAX {
        let packet = send(&mut state, unsubscribe(0));
        assert_eq!(packet, Some(Packet::Unsubscribe(unsubscribe(expected))));
    }
    assert_eq!(
        state.handle_outgoing_packet(unsubscribe(0).into()),
        Err(StateError::PacketIdsExhausted)
    );
    recv(&mut state, unsuback(7));
    recv(&mut state, unsuback(3));
    assert_eq!(
        send(&mut state, unsubscribe(0)),
        Some(Packet::Unsubscribe(unsubscribe(3)))
    );
    assert_eq!(
        send(&mut state, publish(QoS::AtLeastOnce, 0)),
        Some(publish_packet(QoS::AtLeastOnce, 7))
    );
}

#[test]
fn full_window_refuses_qos1_but_not_qos0_or_subscribe() {
    let mut state = auto(2);
    send(&mut state, publish(QoS::AtLeastOnce, 0));
    send(&mut state, publish(QoS::ExactlyOnce, 0));
    assert!(state.is_publish_window_full());
    assert_eq!(
        state.handle_outgoing_packet(publish(QoS::AtLeastOnce, 0).into()),
        Err(StateError::PublishWindowFull { max_inflight: 2 })
    );
    assert_eq!(
        send(&mut state, publish(QoS::AtMostOnce, 0)),
        Some(publish_packet(QoS::AtMostOnce, 0))
    );
    assert_eq!(
        send(&mut state, subscribe(0)),
        Some(Packet::Subscribe(subscribe(3)))
    );
    assert_eq!(state.inflight(), 2);
}

#[test]
fn qos2_holds_its_window_slot_until_pubcomp() {
    let mut state = auto(1);
    send(&mut state, publish(QoS::ExactlyOnce, 0));
    recv(&mut state, pubrec(1));
    assert!(state.is_publish_window_full());
    recv(&mut state, pubcomp(1));
    assert!(!state.is_publish_window_full());
    assert_eq!(
        send(&mut state, publish(QoS::ExactlyOnce, 0)),
        Some(publish_packet(QoS::ExactlyOnce, 2))
    );
}

#[test]
fn zero_max_inflight_is_taken_as_one() {
    let mut state = auto(0);
    assert_eq!(state.max_inflight(), 1);
    send(&mut state, publish(QoS::AtLeastOnce, 0));
    assert!(state.is_publish_window_full());
}

// ---- collisions ----------------------------------------------------------------------

#[test]
fn caller_chosen_free_pkid_is_kept() {
    let mut state = auto(10);
    assert_eq!(
        send(&mut state, publish(QoS::AtLeastOnce, 500)),
        Some(publish_packet(QoS::AtLeastOnce, 500))
    );
    assert_eq!(state.inflight(), 1);
}

#[test]
fn caller_chosen_busy_pkid_is_stashed_and_sent_when_released() {
    let mut state = auto(10);
    send(&mut state, publish(QoS::AtLeastOnce, 0));
    state.events.clear();
    let (packet, notice) = send_tracked(&mut state, publish(QoS::AtLeastOnce, 1));
    assert_eq!(packet, None);
    assert_eq!(events(&mut state), [out(Outgoing::AwaitAck(1))]);
    assert_eq!(state.collision, Some(publish(QoS::AtLeastOnce, 1)));
    assert!(state.is_publish_window_full());
    assert_eq!(
        state.handle_outgoing_packet(publish(QoS::AtLeastOnce, 0).into()),
        Err(StateError::CollisionPending { pkid: 1 })
    );
    assert_eq!(
        recv(&mut state, puback(1)),
        Some(publish_packet(QoS::AtLeastOnce, 1))
    );
    assert_eq!(
        events(&mut state),
        [inc(puback(1)), out(Outgoing::Publish(1))]
    );
    assert_eq!((state.collision.clone(), state.inflight()), (None, 1));
    assert_eq!(recv(&mut state, puback(1)), None);
    assert_eq!(notice.wait(), Ok(PublishResult::Qos1(PubAck::new(1))));
}

#[test]
fn collision_with_a_subscribe_is_released_by_its_suback() {
    let mut state = auto(10);
    send(&mut state, subscribe(0));
    assert_eq!(send(&mut state, publish(QoS::ExactlyOnce, 1)), None);
    assert_eq!(
        recv(&mut state, suback(1, granted())),
        Some(publish_packet(QoS::ExactlyOnce, 1))
    );
    assert_eq!(state.inflight(), 1);
}

#[test]
fn collision_with_a_qos2_flow_is_released_by_pubcomp_not_pubrec() {
    let mut state = auto(10);
    send(&mut state, publish(QoS::ExactlyOnce, 0));
    send(&mut state, publish(QoS::AtLeastOnce, 1));
    assert_eq!(recv(&mut state, pubrec(1)), Some(pubrel(1)));
    assert_eq!(
        recv(&mut state, pubcomp(1)),
        Some(publish_packet(QoS::AtLeastOnce, 1))
    );
}

#[test]
fn caller_chosen_busy_pkid_for_subscribe_is_in_use() {
    let mut state = auto(10);
    send(&mut state, publish(QoS::AtLeastOnce, 0));
    assert_eq!(
        state.handle_outgoing_packet(subscribe(1).into()),
        Err(StateError::PacketIdInUse {
            packet_type: PacketType::Subscribe,
            pkid: 1
        })
    );
}
