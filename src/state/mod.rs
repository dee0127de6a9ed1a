//! The sans-IO MQTT 3.1.1 client protocol state and the one owner of the session: QoS 0/1/2
//! flows, packet ids, the in-flight window, incoming QoS 2 dedupe, manual acks, the queue of
//! requests to send with the CONNACK decision over it, session records and notice completion.
//! It takes packets and requests and returns packets to write; it never does IO or reads a clock.
//!
//! Here: [`MqttState`] and incoming packets. `outgoing` handles requests, `inflight` and
//! `slot` keep outgoing exchanges, `incoming` the received QoS 2 and manual acks, `pkid`
//! allocates ids, `session` decides at CONNACK, `journal` emits session records,
//! `subscriptions` and `census` count, `error` holds [`StateError`].

mod census;
mod error;
mod incoming;
mod inflight;
mod journal;
mod outgoing;
mod pkid;
mod session;
mod slot;
mod subscriptions;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;

pub use error::StateError;
use incoming::{Delivery, IncomingState};
use inflight::InflightTable;
use journal::Journal;
pub(crate) use outgoing::Outbound;
use pkid::PkidAllocator;
use slot::Slot;
pub use subscriptions::{ConnectionKind, Resubscribe, Subscriptions};

pub use census::InflightCounts;
pub(crate) use session::{Pending, Resumption, SessionConnAck, SessionMismatch};

use crate::AckMode;
use crate::event::{Event, Incoming, Outgoing};
use crate::mqttbytes::{
    self, Packet, PubAck, PubComp, Publish, SubAck, SubscribeReasonCode, UnsubAck,
};
use crate::notice::{NoticeTx, PublishNoticeError};
use crate::request::Request;

/// The client side of an MQTT 3.1.1 session, without IO.
///
/// Feed it requests ([`handle_outgoing_packet`](Self::handle_outgoing_packet)) and packets
/// from the broker ([`handle_incoming_packet`](Self::handle_incoming_packet)); each returns
/// the packet to write, if any, and queues [`Event`]s: the `Incoming` event of a packet
/// before the `Outgoing` events derived from it.
///
/// Packet ids come from one allocator over `1..=65535` shared by publishes, subscribes
/// and unsubscribes; an id is reused only after its exchange completed. At most
/// `max_inflight` QoS 1/2 publishes are in flight; subscribes do not count.
///
/// Cloning copies the session without its notices: each completes once, in the original.
#[derive(Debug, Clone)]
pub struct MqttState {
    /// Events waiting to be returned by the event loop.
    pub events: VecDeque<Event>,
    /// A publish whose caller-chosen packet id was busy; it is sent when that id is released.
    pub collision: Option<Publish>,
    /// Who acknowledges incoming publishes.
    pub ack_mode: AckMode,
    max_inflight: u16,
    outgoing: InflightTable,
    incoming: IncomingState,
    pkids: PkidAllocator,
    subscriptions: Subscriptions,
    /// Requests waiting to be written: work of earlier connections, then requests taken
    /// from the client but not yet sent (see `session.rs`).
    pub(crate) pending: VecDeque<Pending>,
    /// Session records for a store, when one is in use.
    journal: Journal,
}

/// Builds an [`MqttState`].
#[derive(Debug, Clone)]
pub struct MqttStateBuilder {
    max_inflight: u16,
    ack_mode: AckMode,
}

impl MqttStateBuilder {
    /// A builder for a window of `max_inflight` QoS 1/2 publishes (0 is taken as 1).
    pub const fn new(max_inflight: u16) -> Self {
        Self {
            max_inflight,
            ack_mode: AckMode::Automatic,
        }
    }

    /// Sets who acknowledges incoming publishes.
    #[must_use]
    pub const fn ack_mode(mut self, ack_mode: AckMode) -> Self {
        self.ack_mode = ack_mode;
        self
    }

    /// The 0.33.1 spelling of [`MqttStateBuilder::ack_mode`]: `true` is
    /// [`AckMode::Manual`], `false` [`AckMode::Automatic`].
    #[must_use]
    pub const fn manual_acks(self, manual_acks: bool) -> Self {
        self.ack_mode(if manual_acks {
            AckMode::Manual
        } else {
            AckMode::Automatic
        })
    }

    /// The state with no exchange in flight.
    pub fn build(self) -> MqttState {
        MqttState {
            events: VecDeque::new(),
            collision: None,
            ack_mode: self.ack_mode,
            max_inflight: self.max_inflight.max(1),
            outgoing: InflightTable::default(),
            incoming: IncomingState::default(),
            pkids: PkidAllocator::default(),
            subscriptions: Subscriptions::default(),
            pending: VecDeque::new(),
            journal: Journal::default(),
        }
    }
}

impl MqttState {
    /// A state with a window of `max_inflight` QoS 1/2 publishes (0 is taken as 1).
    pub fn new(max_inflight: u16, ack_mode: AckMode) -> Self {
        MqttStateBuilder::new(max_inflight)
            .ack_mode(ack_mode)
            .build()
    }

    /// A builder for a window of `max_inflight` QoS 1/2 publishes.
    pub const fn builder(max_inflight: u16) -> MqttStateBuilder {
        MqttStateBuilder::new(max_inflight)
    }

    /// Outgoing QoS 1/2 publishes not yet completed (PUBACK, or PUBCOMP for QoS 2).
    pub const fn inflight(&self) -> u16 {
        self.outgoing.publishes()
    }

    /// The in-flight window.
    pub const fn max_inflight(&self) -> u16 {
        self.max_inflight
    }

    /// True when no QoS 1/2 publish may be handed over now: the window is full or a
    /// publish waits behind a packet id collision. Subscribes are never limited.
    pub const fn is_publish_window_full(&self) -> bool {
        self.collision.is_some() || self.inflight() >= self.max_inflight
    }

    /// True when no QoS 1/2 publish, PUBREL, subscribe, unsubscribe or replay reservation
    /// is outstanding.
    pub fn is_drained(&self) -> bool {
        self.outgoing.is_empty() && self.collision.is_none()
    }

    /// The topic filters the broker granted on this session, with their granted QoS.
    pub const fn subscriptions(&self) -> &Subscriptions {
        &self.subscriptions
    }

    /// Number of packet ids held by unfinished exchanges or replay reservations.
    pub fn packet_ids_in_use(&self) -> usize {
        self.outgoing.len()
    }

    /// Processes a request from the client: the packet to write, if any.
    ///
    /// A QoS 1/2 publish with packet id 0 gets the next free id; one that carries an id
    /// (a replay) keeps it, or waits in [`collision`](Self::collision) while that id is busy.
    ///
    /// # Errors
    /// A [`StateError`] for a request invalid in this state: window full, invalid manual
    /// ack, busy or exhausted packet ids, empty subscription, a packet a client never sends.
    pub fn handle_outgoing_packet(
        &mut self,
        request: Request,
    ) -> Result<Option<Packet>, StateError> {
        self.outgoing_request(request, None)
    }

    /// [`handle_outgoing_packet`](Self::handle_outgoing_packet) for a request tracked by
    /// `notice` (a notice of another kind than the request is dropped).
    pub(crate) fn outgoing_request(
        &mut self,
        request: Request,
        notice: Option<NoticeTx>,
    ) -> Result<Option<Packet>, StateError> {
        Ok(self
            .prepare_outgoing(request, notice)?
            .map(Outbound::into_packet))
    }

    /// Processes a packet from the broker: the reply to write, if any.
    ///
    /// A stray acknowledgement (PUBACK, PUBREC, PUBCOMP, SUBACK or UNSUBACK for a packet id
    /// with nothing in flight) is logged and ignored, as libmosquitto and paho do, so one
    /// broker bug does not cost a reconnect; a stray PUBREC is still answered with PUBREL
    /// [MQTT-4.3.3-1], and a PUBREL for an unknown id with PUBCOMP.
    ///
    /// # Errors
    /// A [`StateError`] when the packet violates the protocol: an ack in the wrong phase
    /// of its exchange, SUBACK return-code count mismatch, second CONNACK, a packet only a
    /// client sends.
    pub fn handle_incoming_packet(
        &mut self,
        packet: Incoming,
    ) -> Result<Option<Packet>, StateError> {
        let deliver = Delivery::Deliver;
        self.journal.record_received(&packet);
        if let Some(pkid) = stray_ack_pkid(&packet, &self.outgoing) {
            let reply = self.handle_stray_ack(&packet, pkid);
            reply
                .iter()
                .for_each(|reply| self.journal.record_sent(reply));
            return Ok(reply);
        }
        let (delivery, reply) = match &packet {
            Packet::Publish(publish) => self.incoming.handle_publish(publish, self.ack_mode),
            Packet::PubRec(rec) => (
                deliver,
                Some(Packet::PubRel(self.outgoing.handle_pubrec(*rec)?)),
            ),
            Packet::PubRel(rel) => (
                deliver,
                Some(Packet::PubComp(self.incoming.handle_pubrel(*rel)?)),
            ),
            Packet::PubAck(PubAck { pkid })
            | Packet::PubComp(PubComp { pkid })
            | Packet::SubAck(SubAck { pkid, .. })
            | Packet::UnsubAck(UnsubAck { pkid }) => {
                self.track_subscriptions(&packet, *pkid);
                self.outgoing.handle_ack(&packet, *pkid)?;
                warn_refused_subscriptions(&packet);
                (deliver, self.release_collision(*pkid))
            }
            Packet::PingResp => (deliver, None),
            Packet::ConnAck(_) => return Err(StateError::DuplicateConnAck),
            other => return Err(StateError::UnexpectedIncomingPacket(other.packet_type())),
        };
        let reply_event = reply.as_ref().and_then(Outgoing::for_packet);
        if delivery == Delivery::Deliver {
            self.events.push_back(Event::Incoming(packet));
        }
        self.events.extend(reply_event.map(Event::Outgoing));
        // A publish released from a collision was recorded when it was stored.
        reply
            .iter()
            .for_each(|reply| self.journal.record_sent(reply));
        Ok(reply)
    }

    /// Ignores an acknowledgement for a packet id with nothing in flight, with a warning; a
    /// PUBREC still gets its PUBREL (the broker may have lost our earlier one).
    fn handle_stray_ack(&mut self, packet: &Packet, pkid: u16) -> Option<Packet> {
        let packet_type = packet.packet_type();
        log::warn!("ignoring {packet_type:?} for packet id {pkid}: nothing in flight with that id");
        let Packet::PubRec(_) = packet else {
            return None;
        };
        let reply = Packet::PubRel(mqttbytes::PubRel::new(pkid));
        self.events
            .extend(Outgoing::for_packet(&reply).map(Event::Outgoing));
        Some(reply)
    }

    /// A write and flush succeeded: QoS 0 notices resolve, and every stored publish written
    /// since the last flush is marked as possibly seen by the broker (DUP on replay).
    pub(crate) fn handle_flushed(&mut self) {
        self.outgoing.handle_flush(Ok(()));
    }

    /// A write or flush failed: QoS 0 notices fail; stored publishes count as flushed,
    /// since part of the buffer may have reached the broker.
    pub(crate) fn handle_flush_failed(&mut self) {
        self.outgoing
            .handle_flush(Err(PublishNoticeError::Qos0NotFlushed));
    }

    /// A SUBACK or UNSUBACK for `pkid` updates the granted set from the request in its
    /// slot (the ack itself is checked by `handle_ack`; nothing changes when it is refused).
    fn track_subscriptions(&mut self, ack: &Packet, pkid: u16) {
        match (ack, self.outgoing.get(pkid)) {
            (Packet::SubAck(suback), Some(Slot::Subscribe(subscribe, _))) => {
                self.subscriptions.handle_suback(subscribe, suback);
            }
            (Packet::UnsubAck(_), Some(Slot::Unsubscribe(unsubscribe, _))) => {
                self.subscriptions.handle_unsuback(unsubscribe);
            }
            _ => {}
        }
    }
}

/// The packet id of an acknowledgement for which nothing is in flight (no exchange, or only
/// a replay reservation), if `packet` is one.
fn stray_ack_pkid(packet: &Packet, outgoing: &InflightTable) -> Option<u16> {
    let pkid = match packet {
        Packet::PubAck(PubAck { pkid })
        | Packet::PubRec(mqttbytes::PubRec { pkid })
        | Packet::PubComp(PubComp { pkid })
        | Packet::SubAck(SubAck { pkid, .. })
        | Packet::UnsubAck(UnsubAck { pkid }) => *pkid,
        _ => return None,
    };
    outgoing.is_free_for_replay(pkid).then_some(pkid)
}

/// Logs a SUBACK that refused some of its filters (the event carries the details).
fn warn_refused_subscriptions(packet: &Packet) {
    if let Packet::SubAck(suback) = packet {
        let codes = &suback.return_codes;
        let refused = codes
            .iter()
            .filter(|code| matches!(code, SubscribeReasonCode::Failure))
            .count();
        if refused > 0 {
            log::warn!(
                "broker refused {refused} of {} subscription filter(s) (SUBACK pkid={})",
                codes.len(),
                suback.pkid
            );
        }
    }
}
