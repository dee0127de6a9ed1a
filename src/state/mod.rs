//! The sans-IO MQTT 3.1.1 client protocol state and the one owner of the session: QoS 0/1/2
//! flows, packet ids, the in-flight window, incoming QoS 2 dedupe, manual acks, the queue of
//! requests to send with the CONNACK decision over it, session records and notice completion.
//! It takes packets and requests and returns packets to write; it never does IO or reads a clock.

mod census;
mod incoming;
mod inflight;
mod journal;
mod pkid;
mod session;
mod subscriptions;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;

use incoming::{Delivery, IncomingState};
use inflight::{FlushState, InflightTable, Slot, StoredPublish};
use journal::Journal;
use pkid::PkidAllocator;
pub use subscriptions::{ConnectionKind, Resubscribe, Subscriptions};

pub use census::InflightCounts;
pub(crate) use session::{Pending, Resumption, SessionConnAck, SessionMismatch};

use crate::AckMode;
use crate::event::{Event, Incoming, Outgoing};
use crate::mqttbytes::{
    self, Packet, PacketType, PubAck, PubComp, Publish, QoS, SubAck, Subscribe,
    SubscribeReasonCode, UnsubAck, Unsubscribe,
};
use crate::notice::{
    NoticeTx, PublishNoticeError, PublishNoticeTx, SubscribeNoticeTx, UnsubscribeNoticeTx,
};
use crate::request::Request;

/// A protocol-state violation. Each one ends the connection (the event loop reports it as
/// a connection error and reconnects); the state stays consistent for replay.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The broker acknowledged a packet id with no exchange in the matching phase.
    #[error("unsolicited {packet_type:?} for packet id {pkid}")]
    UnsolicitedAck {
        /// PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK or UNSUBACK.
        packet_type: PacketType,
        /// The packet id it carried.
        pkid: u16,
    },
    /// A SUBACK has a different number of return codes than its SUBSCRIBE had filters.
    #[error("[MQTT-3.8.4-5] suback {pkid} has {actual} return codes for {expected} filters")]
    SubAckReturnCodeCountMismatch {
        /// The packet id.
        pkid: u16,
        /// Filters in the SUBSCRIBE.
        expected: usize,
        /// Return codes in the SUBACK.
        actual: usize,
    },
    /// A CONNACK arrived on an established connection.
    #[error("unexpected second connack")]
    DuplicateConnAck,
    /// The broker sent a packet only a client may send.
    #[error("unexpected {0:?} packet from the broker")]
    UnexpectedIncomingPacket(PacketType),
    /// The request is a packet a client never sends (SUBACK, UNSUBACK, PINGRESP, PUBCOMP).
    #[error("a client cannot send {0:?}")]
    UnexpectedRequest(PacketType),
    /// A manual PUBACK/PUBREC matches no received publish still owed that ack.
    #[error("manual {packet_type:?} for packet id {pkid} matches no publish awaiting it")]
    InvalidManualAck {
        /// PUBACK or PUBREC.
        packet_type: PacketType,
        /// The packet id.
        pkid: u16,
    },
    /// A request carries a packet id held by another exchange.
    #[error("packet id {pkid} is in use, cannot send {packet_type:?} with it")]
    PacketIdInUse {
        /// The request's packet type.
        packet_type: PacketType,
        /// The packet id.
        pkid: u16,
    },
    /// A request that needs a packet id carries 0.
    #[error("[MQTT-2.3.1-1] {0:?} needs a non-zero packet id")]
    PacketIdZero(PacketType),
    /// Every packet id from 1 to 65535 is held by an unfinished exchange.
    #[error("all 65535 packet ids are in use")]
    PacketIdsExhausted,
    /// A QoS 1/2 publish was handed over while the in-flight window was full.
    #[error("publish window full: {max_inflight} qos 1/2 publishes in flight")]
    PublishWindowFull {
        /// The configured window.
        max_inflight: u16,
    },
    /// A QoS 1/2 publish was handed over while another waits behind a packet id collision.
    #[error("a publish waits for packet id {pkid} to be released")]
    CollisionPending {
        /// The packet id the stashed publish waits for.
        pkid: u16,
    },
    /// A SUBSCRIBE or UNSUBSCRIBE without filters.
    #[error("[MQTT-3.8.3-3] {0:?} without topic filters")]
    EmptySubscription(PacketType),
    /// The broker did not answer a PINGREQ in time (raised by the keep-alive clock).
    #[error("no pingresp within the keep-alive deadline")]
    AwaitPingResp,
    /// A packet from the broker could not be decoded. Never built by this crate: a decode
    /// error is reported once, as `ConnectionError::Decode`. Kept, with its `From`, so code
    /// written against 0.33.1 still compiles.
    #[error("cannot decode packet from the broker")]
    Deserialization(#[from] mqttbytes::Error),
}

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

    /// [`outgoing_request`](Self::outgoing_request) without copying a stored publish: a
    /// QoS 1/2 publish is lent from the in-flight table for encoding.
    pub(crate) fn prepare_outgoing(
        &mut self,
        request: Request,
        notice: Option<NoticeTx>,
    ) -> Result<Option<Outbound<'_>>, StateError> {
        let packet = match (request, notice) {
            (Request::Publish(publish), Some(NoticeTx::Publish(tx))) => {
                return self.outgoing_publish(publish, Some(tx));
            }
            (Request::Publish(publish), _) => return self.outgoing_publish(publish, None),
            (Request::Subscribe(subscribe), Some(NoticeTx::Subscribe(tx))) => {
                Some(self.outgoing_subscribe(subscribe, Some(tx))?)
            }
            (Request::Subscribe(subscribe), _) => Some(self.outgoing_subscribe(subscribe, None)?),
            (Request::Unsubscribe(unsubscribe), Some(NoticeTx::Unsubscribe(tx))) => {
                Some(self.outgoing_unsubscribe(unsubscribe, Some(tx))?)
            }
            (Request::Unsubscribe(unsub), _) => Some(self.outgoing_unsubscribe(unsub, None)?),
            (Request::PubRel(rel), Some(NoticeTx::Publish(tx))) => self
                .journal
                .written(Packet::PubRel(self.outgoing.resume_pubrel(rel, Some(tx))?)),
            (Request::PubRel(rel), _) => self
                .journal
                .written(Packet::PubRel(self.outgoing.resume_pubrel(rel, None)?)),
            (Request::PubAck(ack), _) => Some(Packet::PubAck(self.incoming.manual_puback(ack)?)),
            (Request::PubRec(ack), _) => self
                .journal
                .written(Packet::PubRec(self.incoming.manual_pubrec(ack)?)),
            (Request::PingReq, _) => Some(Packet::PingReq),
            (
                Request::Disconnect(_)
                | Request::DisconnectNow(_)
                | Request::DisconnectWithTimeout(..),
                _,
            ) => Some(Packet::Disconnect),
            (Request::PubComp(_), _) => return Err(unexpected_request(PacketType::PubComp)),
            (Request::PingResp, _) => return Err(unexpected_request(PacketType::PingResp)),
            (Request::SubAck(_), _) => return Err(unexpected_request(PacketType::SubAck)),
            (Request::UnsubAck(_), _) => return Err(unexpected_request(PacketType::UnsubAck)),
        };
        if let Some(packet) = &packet {
            self.events
                .extend(Outgoing::for_packet(packet).map(Event::Outgoing));
        }
        Ok(packet.map(Outbound::Packet))
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

    fn outgoing_publish(
        &mut self,
        mut publish: Publish,
        notice: Option<PublishNoticeTx>,
    ) -> Result<Option<Outbound<'_>>, StateError> {
        if publish.qos == QoS::AtMostOnce {
            // [MQTT-3.3.1-2] [MQTT-2.3.1-5] no DUP and no packet id at QoS 0
            publish.pkid = 0;
            publish.dup = false;
            self.outgoing.push_qos0(notice);
            self.events.push_back(Event::Outgoing(Outgoing::Publish(0)));
            return Ok(Some(Outbound::Packet(Packet::Publish(publish))));
        }
        if let Some(stashed) = &self.collision {
            return Err(StateError::CollisionPending { pkid: stashed.pkid });
        }
        if self.is_publish_window_full() {
            return Err(StateError::PublishWindowFull {
                max_inflight: self.max_inflight,
            });
        }
        if publish.pkid == 0 {
            publish.pkid = self.next_pkid()?;
        } else if !self.outgoing.is_free_for_replay(publish.pkid) {
            self.events
                .push_back(Event::Outgoing(Outgoing::AwaitAck(publish.pkid)));
            self.collision = Some(publish);
            self.outgoing.collision_notice = notice;
            return Ok(None);
        }
        self.events
            .push_back(Event::Outgoing(Outgoing::Publish(publish.pkid)));
        Ok(self.store_publish(publish, notice).map(Outbound::Stored))
    }

    /// Keeps a QoS 1/2 publish until its ack and lends it back for encoding (no copy: a
    /// clone of a payload built from a `Vec` would allocate).
    fn store_publish(
        &mut self,
        publish: Publish,
        notice: Option<PublishNoticeTx>,
    ) -> Option<&Publish> {
        let pkid = publish.pkid;
        let qos = publish.qos;
        self.journal.record_publish(&publish);
        let stored = StoredPublish {
            publish,
            notice,
            flush: FlushState::NotAttempted,
        };
        let slot = match qos {
            QoS::ExactlyOnce => Slot::AwaitingPubRec(stored),
            _ => Slot::AwaitingPubAck(stored),
        };
        self.outgoing.insert(pkid, slot).stored_publish()
    }

    fn outgoing_subscribe(
        &mut self,
        mut subscribe: Subscribe,
        notice: Option<SubscribeNoticeTx>,
    ) -> Result<Packet, StateError> {
        if subscribe.filters.is_empty() {
            return Err(StateError::EmptySubscription(PacketType::Subscribe));
        }
        subscribe.pkid = self.control_pkid(subscribe.pkid, PacketType::Subscribe)?;
        self.outgoing
            .insert(subscribe.pkid, Slot::Subscribe(subscribe.clone(), notice));
        Ok(Packet::Subscribe(subscribe))
    }

    fn outgoing_unsubscribe(
        &mut self,
        mut unsubscribe: Unsubscribe,
        notice: Option<UnsubscribeNoticeTx>,
    ) -> Result<Packet, StateError> {
        if unsubscribe.topics.is_empty() {
            return Err(StateError::EmptySubscription(PacketType::Unsubscribe));
        }
        unsubscribe.pkid = self.control_pkid(unsubscribe.pkid, PacketType::Unsubscribe)?;
        let slot = Slot::Unsubscribe(unsubscribe.clone(), notice);
        self.outgoing.insert(unsubscribe.pkid, slot);
        Ok(Packet::Unsubscribe(unsubscribe))
    }

    /// The id for a SUBSCRIBE/UNSUBSCRIBE: a fresh one for 0, else the caller's if free.
    fn control_pkid(&mut self, requested: u16, packet_type: PacketType) -> Result<u16, StateError> {
        match requested {
            0 => self.next_pkid(),
            pkid if self.outgoing.is_free_for_replay(pkid) => Ok(pkid),
            pkid => Err(StateError::PacketIdInUse { packet_type, pkid }),
        }
    }

    fn next_pkid(&mut self) -> Result<u16, StateError> {
        self.pkids
            .next_pkid(|pkid| self.outgoing.is_busy(pkid))
            .ok_or(StateError::PacketIdsExhausted)
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

    /// `pkid` was released: send the publish that waited for it, if any.
    fn release_collision(&mut self, pkid: u16) -> Option<Packet> {
        let publish = self.collision.take_if(|stashed| stashed.pkid == pkid)?;
        let notice = self.outgoing.collision_notice.take();
        let stored = self.store_publish(publish, notice)?;
        Some(Packet::Publish(stored.clone()))
    }
}

/// A packet [`MqttState`] hands out to be written: owned, or a stored QoS 1/2 publish lent
/// from the in-flight table so it is encoded without a copy.
#[derive(Debug)]
pub(crate) enum Outbound<'a> {
    /// A packet the state does not keep.
    Packet(Packet),
    /// A publish kept in the in-flight table until its ack.
    Stored(&'a Publish),
}

impl Outbound<'_> {
    /// The packet as an owned value (copies a lent publish).
    pub(crate) fn into_packet(self) -> Packet {
        match self {
            Self::Packet(packet) => packet,
            Self::Stored(publish) => Packet::Publish(publish.clone()),
        }
    }
}

impl StateError {
    /// [`StateError::UnsolicitedAck`] for `packet_type` and `pkid`.
    pub(crate) const fn unsolicited(packet_type: PacketType, pkid: u16) -> Self {
        Self::UnsolicitedAck { packet_type, pkid }
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

const fn unexpected_request(packet_type: PacketType) -> StateError {
    StateError::UnexpectedRequest(packet_type)
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
