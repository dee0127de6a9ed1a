//! Socket-free scenarios for [`MqttState`]: exact packets, ordered events, in-flight counts
//! and error variants; a `Harness` joining the state and the keep-alive clock to a scripted
//! in-memory broker under a virtual `now`; and a property test of the tracked-until-ends rule.

use std::collections::{BTreeSet, VecDeque};
use std::time::Duration;

use proptest::prelude::*;
use tokio::time::Instant;

use super::*;
use crate::ManualAck;
use crate::keepalive::KeepAlive;
use crate::mqttbytes::{
    ConnAck, ConnectReturnCode, Disconnect, PubAck, PubComp, PubRec, PubRel, SubAck,
    SubscribeReasonCode, UnsubAck,
};
use crate::notice::{
    PublishNotice, PublishResult, SubscribeNotice, SubscribeNoticeError, UnsubscribeNotice,
    UnsubscribeNoticeError,
};

// ---- helpers -------------------------------------------------------------------------

fn auto(max_inflight: u16) -> MqttState {
    MqttState::new(max_inflight, AckMode::Automatic)
}

fn manual(max_inflight: u16) -> MqttState {
    MqttState::builder(max_inflight)
        .ack_mode(AckMode::Manual)
        .build()
}

fn publish(qos: QoS, pkid: u16) -> Publish {
    let mut publish = Publish::new("a/b", qos, "payload");
    publish.pkid = pkid;
    publish
}

fn publish_packet(qos: QoS, pkid: u16) -> Packet {
    Packet::Publish(publish(qos, pkid))
}

fn dup_publish(qos: QoS, pkid: u16) -> Publish {
    let mut publish = publish(qos, pkid);
    publish.dup = true;
    publish
}

fn dup(qos: QoS, pkid: u16) -> Packet {
    Packet::Publish(dup_publish(qos, pkid))
}

fn puback(pkid: u16) -> Packet {
    Packet::PubAck(PubAck::new(pkid))
}

fn pubrec(pkid: u16) -> Packet {
    Packet::PubRec(PubRec::new(pkid))
}

fn pubrel(pkid: u16) -> Packet {
    Packet::PubRel(PubRel::new(pkid))
}

fn pubcomp(pkid: u16) -> Packet {
    Packet::PubComp(PubComp::new(pkid))
}

fn subscribe(pkid: u16) -> Subscribe {
    let mut subscribe = Subscribe::new("a/#", QoS::AtLeastOnce);
    subscribe.add("b/+".into(), QoS::ExactlyOnce);
    subscribe.pkid = pkid;
    subscribe
}

fn granted() -> Vec<SubscribeReasonCode> {
    vec![
        SubscribeReasonCode::Success(QoS::AtLeastOnce),
        SubscribeReasonCode::Success(QoS::ExactlyOnce),
    ]
}

fn suback(pkid: u16, codes: Vec<SubscribeReasonCode>) -> Packet {
    Packet::SubAck(SubAck::new(pkid, codes))
}

fn unsubscribe(pkid: u16) -> Unsubscribe {
    let mut unsubscribe = Unsubscribe::new("a/#");
    unsubscribe.pkid = pkid;
    unsubscribe
}

fn unsuback(pkid: u16) -> Packet {
    Packet::UnsubAck(UnsubAck::new(pkid))
}

fn out(outgoing: Outgoing) -> Event {
    Event::Outgoing(outgoing)
}

fn inc(packet: Packet) -> Event {
    Event::Incoming(packet)
}

/// Sends `request`, expecting success.
fn send(state: &mut MqttState, request: impl Into<Request>) -> Option<Packet> {
    state.handle_outgoing_packet(request.into()).unwrap()
}

/// Feeds a packet from the broker, expecting success.
fn recv(state: &mut MqttState, packet: Packet) -> Option<Packet> {
    state.handle_incoming_packet(packet).unwrap()
}

/// Drains the queued events.
fn events(state: &mut MqttState) -> Vec<Event> {
    state.events.drain(..).collect()
}

fn send_tracked(state: &mut MqttState, publish: Publish) -> (Option<Packet>, PublishNotice) {
    let (tx, notice) = PublishNotice::new();
    let packet = state
        .outgoing_request(Request::Publish(publish), Some(NoticeTx::Publish(tx)))
        .unwrap();
    (packet, notice)
}

fn subscribe_tracked(state: &mut MqttState, subscribe: Subscribe) -> SubscribeNotice {
    let (tx, notice) = SubscribeNotice::new();
    let request = Request::Subscribe(subscribe);
    state
        .outgoing_request(request, Some(NoticeTx::Subscribe(tx)))
        .unwrap();
    notice
}

fn unsubscribe_tracked(state: &mut MqttState, unsubscribe: Unsubscribe) -> UnsubscribeNotice {
    let (tx, notice) = UnsubscribeNotice::new();
    let request = Request::Unsubscribe(unsubscribe);
    state
        .outgoing_request(request, Some(NoticeTx::Unsubscribe(tx)))
        .unwrap();
    notice
}

fn requests(replay: &[Envelope]) -> Vec<Request> {
    replay
        .iter()
        .map(|envelope| envelope.request.clone())
        .collect()
}

/// Feeds replay envelopes back as the event loop does after a resumed session.
fn replay_into(state: &mut MqttState, replay: Vec<Envelope>) -> Vec<Option<Packet>> {
    replay
        .into_iter()
        .map(|envelope| {
            state
                .outgoing_request(envelope.request, envelope.notice)
                .unwrap()
        })
        .collect()
}

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

// ---- protocol violations -------------------------------------------------------------

#[test]
fn acks_for_unknown_pkids_are_unsolicited() {
    let cases = [
        (puback(9), PacketType::PubAck),
        (pubrec(9), PacketType::PubRec),
        (pubcomp(9), PacketType::PubComp),
        (suback(9, granted()), PacketType::SubAck),
        (unsuback(9), PacketType::UnsubAck),
    ];
    for (packet, packet_type) in cases {
        let mut state = auto(10);
        assert_eq!(
            state.handle_incoming_packet(packet),
            Err(StateError::UnsolicitedAck {
                packet_type,
                pkid: 9
            })
        );
        assert!(state.events.is_empty());
    }
}

#[test]
fn acks_in_the_wrong_phase_are_unsolicited_and_change_nothing() {
    let mut state = auto(10);
    send(&mut state, publish(QoS::ExactlyOnce, 0));
    send(&mut state, publish(QoS::AtLeastOnce, 0));
    let unsolicited = |packet_type, pkid| Err(StateError::UnsolicitedAck { packet_type, pkid });
    assert_eq!(
        state.handle_incoming_packet(puback(1)),
        unsolicited(PacketType::PubAck, 1)
    );
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

/// Replay order: publishes oldest first, the collision, PUBRELs in PUBREC order, then
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
        dup_publish(QoS::AtLeastOnce, 2).into(),
        publish(QoS::AtLeastOnce, 6).into(),
        publish(QoS::AtLeastOnce, 2).into(),
        Request::PubRel(PubRel::new(4)),
        Request::PubRel(PubRel::new(1)),
        unsubscribe(3).into(),
        subscribe(5).into(),
    ];
    assert_eq!(requests(&replay), expected);
    assert_eq!((state.inflight(), state.collision.clone()), (0, None));
    assert_eq!(state.packet_ids_in_use(), 6);
    assert!(!state.is_drained());
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
    assert_eq!(state.handle_session_present(true), 0);
    state.events.clear();
    let packets = replay_into(&mut state, replay);
    assert_eq!(
        packets,
        [
            Some(publish_packet(QoS::AtLeastOnce, 1)),
            Some(pubrel(2)),
            Some(Packet::Subscribe(subscribe(3)))
        ]
    );
    assert_eq!(
        events(&mut state),
        [
            out(Outgoing::Publish(1)),
            out(Outgoing::PubRel(2)),
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
    state.handle_session_present(true);
    state.events.clear();
    assert_eq!(recv(&mut state, dup(QoS::ExactlyOnce, 9)), Some(pubrec(9)));
    assert_eq!(events(&mut state), [out(Outgoing::PubRec(9))]);
}

#[test]
fn incoming_qos2_memory_is_cleared_without_a_session() {
    let mut state = auto(10);
    recv(&mut state, publish_packet(QoS::ExactlyOnce, 9));
    state.take_replay();
    state.handle_session_present(false);
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
    assert_eq!(state.handle_session_present(false), 5);
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
            if packet == Packet::PingResp {
                self.keepalive.handle_pingresp();
            }
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

    /// Drops the connection and connects again; the broker answers `session_present`.
    fn reconnect(&mut self, session_present: bool) {
        let replay = self.state.take_replay();
        self.unflushed.clear();
        self.broker.to_client.clear();
        self.keepalive = KeepAlive::new(self.keep_alive, self.now);
        self.state.handle_session_present(session_present);
        for envelope in replay {
            if session_present {
                self.request(envelope.request, envelope.notice).unwrap();
            } else {
                envelope.fail(NoticeFailureReason::SessionReset);
            }
        }
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

/// A silent broker is detected 1.5 × keep-alive after the last transmission.
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

#[test]
fn harness_publishing_client_postpones_its_ping() {
    let mut harness = Harness::new(10, 10);
    harness.advance(Duration::from_secs(6)).unwrap();
    harness
        .request(publish(QoS::AtMostOnce, 0).into(), None)
        .unwrap();
    harness.drive().unwrap();
    harness.advance(Duration::from_secs(9)).unwrap();
    assert_eq!(harness.pings_sent(), 0);
    harness.advance(Duration::from_secs(1)).unwrap();
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
