//! Socket-free scenarios for [`MqttState`]: exact packets, ordered events, in-flight counts
//! and error variants; a `Harness` joining the state and the keep-alive clock to a scripted
//! in-memory broker under a virtual `now`; and a property test of the tracked-until-ends rule.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use proptest::prelude::*;
use tokio::time::Instant;

use super::*;
use crate::ManualAck;
use crate::keepalive::KeepAlive;
use crate::mqttbytes::{
    ConnAck, ConnectReturnCode, Disconnect, PacketType, PubAck, PubComp, PubRec, PubRel, QoS,
    SubAck, Subscribe, SubscribeReasonCode, UnsubAck, Unsubscribe,
};
use crate::notice::NoticeFailureReason;
use crate::notice::{
    PublishNotice, PublishResult, SubscribeNotice, SubscribeNoticeError, UnsubscribeNotice,
    UnsubscribeNoticeError,
};
use crate::request::Envelope;

mod connack;
mod flows;
mod harness;
mod properties;
mod records;
mod rules;
mod session;
mod subscriptions;
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

/// A CONNACK as the event loop hands it to the state: `clean_session = false`, a reconnect,
/// re-subscription off.
fn connack(state: &mut MqttState, session_present: bool) -> Resumption {
    state
        .handle_connack(SessionConnAck {
            clean_session: false,
            session_present,
            connection: ConnectionKind::Reconnect,
            resubscribe: Resubscribe::Never,
            max_packet_size: 1024,
        })
        .unwrap()
}

/// The connection drops and the next CONNACK answers `session_present`: the code path of
/// the event loop (`EventLoop::clean`, then the CONNACK decision).
fn cut_and_reconnect(state: &mut MqttState, session_present: bool) -> Resumption {
    state.handle_connection_lost();
    connack(state, session_present)
}

/// Sends every queued request, in queue order, as the event loop does after a CONNACK.
fn send_queued(state: &mut MqttState) -> Vec<Option<Packet>> {
    let queued = state.take_pending();
    replay_into(state, queued)
}
