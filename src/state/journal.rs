//! The session records the state emits as its exchanges move, for a session store to
//! append (`eventloop/session.rs` does). Off unless a store is in use; no IO here.

use crate::mqttbytes::{Packet, Publish, QoS};
use crate::store::SessionRecord;

/// Records gathered since the event loop last took them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Journal {
    enabled: bool,
    records: Vec<SessionRecord>,
}

impl Journal {
    /// Starts (or stops) gathering records.
    pub(crate) const fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
    }

    /// Whether records are gathered.
    pub(crate) const fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// A QoS 1/2 publish entered the in-flight table to be written: kept until completed.
    pub(crate) fn record_publish(&mut self, publish: &Publish) {
        if self.enabled && publish.qos != QoS::AtMostOnce {
            self.records.push(SessionRecord::Publish(publish.clone()));
        }
    }

    /// A packet other than PUBLISH is to be written: PUBREL, PUBREC and PUBCOMP are records.
    pub(crate) fn record_sent(&mut self, packet: &Packet) {
        let record = match packet {
            Packet::PubRel(rel) => SessionRecord::PubRel(rel.pkid),
            Packet::PubRec(rec) => SessionRecord::IncomingReceived(rec.pkid),
            Packet::PubComp(comp) => SessionRecord::IncomingReleased(comp.pkid),
            _ => return,
        };
        self.push(record);
    }

    /// `packet`, recorded as [`record_sent`](Self::record_sent) does, for a request's reply.
    pub(crate) fn written(&mut self, packet: Packet) -> Option<Packet> {
        self.record_sent(&packet);
        Some(packet)
    }

    /// A packet arrived: PUBACK and PUBCOMP complete their outgoing exchange.
    pub(crate) fn record_received(&mut self, packet: &Packet) {
        match packet {
            Packet::PubAck(ack) => self.push(SessionRecord::Completed(ack.pkid)),
            Packet::PubComp(comp) => self.push(SessionRecord::Completed(comp.pkid)),
            _ => {}
        }
    }

    /// The exchange with `pkid` ended without an ack (its publish was abandoned).
    pub(crate) fn record_completed(&mut self, pkid: u16) {
        self.push(SessionRecord::Completed(pkid));
    }

    /// Forgets the records not yet taken (the stored session is cleared).
    pub(crate) fn clear(&mut self) {
        self.records.clear();
    }

    /// The records gathered since the last call, in order.
    pub(crate) fn take(&mut self) -> Vec<SessionRecord> {
        std::mem::take(&mut self.records)
    }

    fn push(&mut self, record: SessionRecord) {
        if self.enabled {
            self.records.push(record);
        }
    }
}
