//! Requests from the client: each handed to the in-flight table, the pending collision or
//! the incoming side (manual acks), and returned as the packet to write.

use super::error::unexpected_request;
use super::slot::{FlushState, Slot, StoredPublish};
use super::{MqttState, StateError};
use crate::event::{Event, Outgoing};
use crate::mqttbytes::{Packet, PacketType, Publish, QoS, Subscribe, Unsubscribe};
use crate::notice::{NoticeTx, PublishNoticeTx, SubscribeNoticeTx, UnsubscribeNoticeTx};
use crate::request::Request;

impl MqttState {
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
        StateError::require_filters(subscribe.filters.len(), PacketType::Subscribe)?;
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
        StateError::require_filters(unsubscribe.topics.len(), PacketType::Unsubscribe)?;
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

    /// `pkid` was released: send the publish that waited for it, if any.
    pub(super) fn release_collision(&mut self, pkid: u16) -> Option<Packet> {
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
