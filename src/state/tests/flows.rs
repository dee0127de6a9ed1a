//! Outgoing and incoming QoS flows and manual acknowledgements.

use super::*;

// ---- outgoing flows ------------------------------------------------------------------

/// [MQTT-2.3.1-5] [MQTT-3.3.1-2] a QoS 0 publish has no packet id and never DUP.
#[test]
fn outgoing_qos0_publish_has_no_pkid_and_is_not_tracked() {
    let mut state = auto(10);
    assert_eq!(
        send(&mut state, dup_publish(QoS::AtMostOnce, 9)),
        Some(publish_packet(QoS::AtMostOnce, 0))
    );
    assert_eq!(events(&mut state), [out(Outgoing::Publish(0))]);
    assert_eq!(state.inflight(), 0);
    assert!(state.is_drained());
}

#[test]
fn outgoing_qos1_publish_takes_pkid_one_and_a_window_slot() {
    let mut state = auto(10);
    assert_eq!(
        send(&mut state, publish(QoS::AtLeastOnce, 0)),
        Some(publish_packet(QoS::AtLeastOnce, 1))
    );
    assert_eq!(events(&mut state), [out(Outgoing::Publish(1))]);
    assert_eq!(state.inflight(), 1);
    assert!(!state.is_drained());
}

#[test]
fn outgoing_qos1_puback_releases_the_slot_and_resolves_the_notice() {
    let mut state = auto(10);
    let (_, notice) = send_tracked(&mut state, publish(QoS::AtLeastOnce, 0));
    state.events.clear();
    assert_eq!(recv(&mut state, puback(1)), None);
    assert_eq!(events(&mut state), [inc(puback(1))]);
    assert_eq!(state.inflight(), 0);
    assert!(state.is_drained());
    assert_eq!(notice.wait(), Ok(PublishResult::Qos1(PubAck::new(1))));
}

#[test]
fn outgoing_qos2_flow_releases_pubrel_on_pubrec_and_completes_on_pubcomp() {
    let mut state = auto(10);
    let (packet, mut notice) = send_tracked(&mut state, publish(QoS::ExactlyOnce, 0));
    assert_eq!(packet, Some(publish_packet(QoS::ExactlyOnce, 1)));
    assert_eq!(recv(&mut state, pubrec(1)), Some(pubrel(1)));
    assert_eq!(
        notice.try_wait(),
        None,
        "a QoS 2 notice resolves on PUBCOMP, not PUBREC"
    );
    assert_eq!(state.inflight(), 1);
    assert_eq!(recv(&mut state, pubcomp(1)), None);
    assert_eq!(
        events(&mut state),
        [
            out(Outgoing::Publish(1)),
            inc(pubrec(1)),
            out(Outgoing::PubRel(1)),
            inc(pubcomp(1)),
        ]
    );
    assert_eq!(state.inflight(), 0);
    assert_eq!(
        notice.wait(),
        Ok(PublishResult::Qos2Completed(PubComp::new(1)))
    );
}

/// [MQTT-4.3.3-2] a repeated PUBREC is answered with PUBREL again.
#[test]
fn repeated_pubrec_is_answered_with_pubrel_again() {
    let mut state = auto(10);
    send(&mut state, publish(QoS::ExactlyOnce, 0));
    assert_eq!(recv(&mut state, pubrec(1)), Some(pubrel(1)));
    assert_eq!(recv(&mut state, pubrec(1)), Some(pubrel(1)));
    assert_eq!(state.inflight(), 1);
}

/// RabbitMQ 3.x answers a QoS 2 PUBLISH with PUBACK (it downgrades to QoS 1 and
/// delivers): the publish ends as delivered at QoS 1, its packet id and its place in the
/// window are freed, and the state goes on (no error, so the connection stays).
#[test]
fn puback_answering_a_qos2_publish_completes_it_as_delivered_at_qos1() {
    let mut state = auto(1);
    let (_, notice) = send_tracked(&mut state, publish(QoS::ExactlyOnce, 0));
    assert!(state.is_publish_window_full());
    assert_eq!(recv(&mut state, puback(1)), None);
    assert_eq!(
        events(&mut state),
        [out(Outgoing::Publish(1)), inc(puback(1))]
    );
    assert_eq!(notice.wait(), Ok(PublishResult::Qos1(PubAck::new(1))));
    assert_eq!((state.inflight(), state.packet_ids_in_use()), (0, 0));
    assert!(!state.is_publish_window_full());
    assert_eq!(
        send(&mut state, publish(QoS::ExactlyOnce, 0)),
        Some(publish_packet(QoS::ExactlyOnce, 2))
    );
    // A second downgrade on the same connection is handled the same way (logged once).
    assert_eq!(recv(&mut state, puback(2)), None);
    assert!(state.is_drained());
}

#[test]
fn subscribe_notice_resolves_with_suback_including_failure_codes() {
    let mut state = auto(10);
    let notice = subscribe_tracked(&mut state, subscribe(0));
    assert_eq!(events(&mut state), [out(Outgoing::Subscribe(1))]);
    let codes = vec![
        SubscribeReasonCode::Failure,
        SubscribeReasonCode::Success(QoS::AtMostOnce),
    ];
    assert_eq!(recv(&mut state, suback(1, codes.clone())), None);
    assert_eq!(events(&mut state), [inc(suback(1, codes.clone()))]);
    assert!(state.is_drained());
    assert_eq!(
        notice.wait_completion(),
        Err(SubscribeNoticeError::V4SubAckFailure(vec![
            SubscribeReasonCode::Failure
        ]))
    );
}

#[test]
fn unsubscribe_notice_resolves_with_unsuback() {
    let mut state = auto(10);
    let notice = unsubscribe_tracked(&mut state, unsubscribe(0));
    assert_eq!(recv(&mut state, unsuback(1)), None);
    assert_eq!(
        events(&mut state),
        [out(Outgoing::Unsubscribe(1)), inc(unsuback(1))]
    );
    assert!(state.is_drained());
    assert_eq!(notice.wait(), Ok(UnsubAck::new(1)));
}

#[test]
fn pingreq_and_disconnect_requests_return_their_packets_and_events() {
    let mut state = auto(10);
    assert_eq!(send(&mut state, Request::PingReq), Some(Packet::PingReq));
    assert_eq!(
        send(&mut state, Request::Disconnect(Disconnect)),
        Some(Packet::Disconnect)
    );
    assert_eq!(
        send(&mut state, Request::DisconnectNow(Disconnect)),
        Some(Packet::Disconnect)
    );
    assert_eq!(
        events(&mut state),
        [
            out(Outgoing::PingReq),
            out(Outgoing::Disconnect),
            out(Outgoing::Disconnect)
        ]
    );
}

#[test]
fn requests_a_client_never_sends_are_unexpected() {
    let mut state = auto(10);
    let cases = [
        (Request::PubComp(PubComp::new(1)), PacketType::PubComp),
        (Request::PingResp, PacketType::PingResp),
        (
            Request::SubAck(SubAck::new(1, granted())),
            PacketType::SubAck,
        ),
        (Request::UnsubAck(UnsubAck::new(1)), PacketType::UnsubAck),
    ];
    for (request, packet_type) in cases {
        assert_eq!(
            state.handle_outgoing_packet(request),
            Err(StateError::UnexpectedRequest(packet_type))
        );
    }
    assert!(state.events.is_empty());
}

/// [MQTT-3.8.3-3] [MQTT-3.10.3-2] at least one topic filter.
#[test]
fn empty_subscribe_and_unsubscribe_are_refused_without_taking_an_id() {
    let mut state = auto(10);
    let empty_subscribe = Subscribe::new_many([]);
    let mut empty_unsubscribe = unsubscribe(0);
    empty_unsubscribe.topics.clear();
    assert_eq!(
        state.handle_outgoing_packet(empty_subscribe.into()),
        Err(StateError::EmptySubscription(PacketType::Subscribe))
    );
    assert_eq!(
        state.handle_outgoing_packet(empty_unsubscribe.into()),
        Err(StateError::EmptySubscription(PacketType::Unsubscribe))
    );
    assert_eq!(state.packet_ids_in_use(), 0);
}

// ---- incoming flows ------------------------------------------------------------------

#[test]
fn incoming_qos0_publish_is_delivered_without_reply() {
    let mut state = auto(10);
    assert_eq!(recv(&mut state, publish_packet(QoS::AtMostOnce, 0)), None);
    assert_eq!(
        events(&mut state),
        [inc(publish_packet(QoS::AtMostOnce, 0))]
    );
}

/// The `Incoming` event is queued before the `Outgoing` event derived from it.
#[test]
fn incoming_qos1_publish_in_automatic_mode_is_delivered_then_acked() {
    let mut state = auto(10);
    assert_eq!(
        recv(&mut state, publish_packet(QoS::AtLeastOnce, 5)),
        Some(puback(5))
    );
    assert_eq!(
        events(&mut state),
        [
            inc(publish_packet(QoS::AtLeastOnce, 5)),
            out(Outgoing::PubAck(5))
        ]
    );
}

#[test]
fn incoming_qos2_flow_in_automatic_mode_answers_pubrec_then_pubcomp() {
    let mut state = auto(10);
    assert_eq!(
        recv(&mut state, publish_packet(QoS::ExactlyOnce, 5)),
        Some(pubrec(5))
    );
    assert_eq!(recv(&mut state, pubrel(5)), Some(pubcomp(5)));
    assert_eq!(
        events(&mut state),
        [
            inc(publish_packet(QoS::ExactlyOnce, 5)),
            out(Outgoing::PubRec(5)),
            inc(pubrel(5)),
            out(Outgoing::PubComp(5)),
        ]
    );
}

/// [MQTT-4.3.3-2] a redelivered QoS 2 publish before PUBREL is not delivered again; PUBREC
/// is sent again.
#[test]
fn duplicate_incoming_qos2_before_pubrel_is_not_delivered_twice() {
    let mut state = auto(10);
    recv(&mut state, publish_packet(QoS::ExactlyOnce, 5));
    state.events.clear();
    assert_eq!(recv(&mut state, dup(QoS::ExactlyOnce, 5)), Some(pubrec(5)));
    assert_eq!(events(&mut state), [out(Outgoing::PubRec(5))]);
}

#[test]
fn incoming_qos2_after_pubrel_with_same_pkid_is_a_new_message() {
    let mut state = auto(10);
    recv(&mut state, publish_packet(QoS::ExactlyOnce, 5));
    recv(&mut state, pubrel(5));
    state.events.clear();
    assert_eq!(
        recv(&mut state, publish_packet(QoS::ExactlyOnce, 5)),
        Some(pubrec(5))
    );
    assert_eq!(
        events(&mut state),
        [
            inc(publish_packet(QoS::ExactlyOnce, 5)),
            out(Outgoing::PubRec(5))
        ]
    );
}

/// An unknown PUBREL (e.g. replayed by the broker after our restart) is completed, not an
/// error, so the broker and client do not loop through reconnects.
#[test]
fn incoming_pubrel_for_unknown_pkid_is_answered_with_pubcomp() {
    let mut state = auto(10);
    assert_eq!(recv(&mut state, pubrel(42)), Some(pubcomp(42)));
    assert_eq!(
        events(&mut state),
        [inc(pubrel(42)), out(Outgoing::PubComp(42))]
    );
}

#[test]
fn incoming_pingresp_is_delivered_without_reply() {
    let mut state = auto(10);
    assert_eq!(recv(&mut state, Packet::PingResp), None);
    assert_eq!(events(&mut state), [inc(Packet::PingResp)]);
}

// ---- manual acks ---------------------------------------------------------------------

#[test]
fn manual_qos1_is_acked_once_by_the_application() {
    let mut state = manual(10);
    assert_eq!(recv(&mut state, publish_packet(QoS::AtLeastOnce, 7)), None);
    assert_eq!(
        send(&mut state, ManualAck::PubAck(PubAck::new(7))),
        Some(puback(7))
    );
    assert_eq!(
        events(&mut state),
        [
            inc(publish_packet(QoS::AtLeastOnce, 7)),
            out(Outgoing::PubAck(7))
        ]
    );
    assert_eq!(
        state.handle_outgoing_packet(Request::PubAck(PubAck::new(7))),
        Err(StateError::InvalidManualAck {
            packet_type: PacketType::PubAck,
            pkid: 7
        })
    );
}

#[test]
fn manual_qos2_pubrec_then_pubrel_completes() {
    let mut state = manual(10);
    assert_eq!(recv(&mut state, publish_packet(QoS::ExactlyOnce, 8)), None);
    assert_eq!(
        send(&mut state, ManualAck::PubRec(PubRec::new(8))),
        Some(pubrec(8))
    );
    assert_eq!(recv(&mut state, pubrel(8)), Some(pubcomp(8)));
    assert_eq!(
        events(&mut state),
        [
            inc(publish_packet(QoS::ExactlyOnce, 8)),
            out(Outgoing::PubRec(8)),
            inc(pubrel(8)),
            out(Outgoing::PubComp(8)),
        ]
    );
}

#[test]
fn manual_qos2_pubrel_before_pubrec_is_unsolicited() {
    let mut state = manual(10);
    recv(&mut state, publish_packet(QoS::ExactlyOnce, 8));
    assert_eq!(
        state.handle_incoming_packet(pubrel(8)),
        Err(StateError::UnsolicitedAck {
            packet_type: PacketType::PubRel,
            pkid: 8
        })
    );
}

#[test]
fn manual_qos2_duplicate_before_pubrec_is_suppressed_without_reply() {
    let mut state = manual(10);
    recv(&mut state, publish_packet(QoS::ExactlyOnce, 8));
    state.events.clear();
    assert_eq!(recv(&mut state, dup(QoS::ExactlyOnce, 8)), None);
    assert!(state.events.is_empty());
}

#[test]
fn manual_acks_for_unknown_or_wrong_qos_ids_are_invalid() {
    let mut state = manual(10);
    recv(&mut state, publish_packet(QoS::AtLeastOnce, 3));
    let invalid = |packet_type, pkid| Err(StateError::InvalidManualAck { packet_type, pkid });
    let pubrec_for_qos1 = state.handle_outgoing_packet(Request::PubRec(PubRec::new(3)));
    assert_eq!(pubrec_for_qos1, invalid(PacketType::PubRec, 3));
    let unknown = state.handle_outgoing_packet(Request::PubAck(PubAck::new(4)));
    assert_eq!(unknown, invalid(PacketType::PubAck, 4));
}

#[test]
fn manual_ack_in_automatic_mode_is_invalid_because_the_state_acked_already() {
    let mut state = auto(10);
    recv(&mut state, publish_packet(QoS::AtLeastOnce, 3));
    assert_eq!(
        state.handle_outgoing_packet(Request::PubAck(PubAck::new(3))),
        Err(StateError::InvalidManualAck {
            packet_type: PacketType::PubAck,
            pkid: 3
        })
    );
}
