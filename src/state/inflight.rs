//! The one table of outgoing exchanges, keyed by packet id: each slot is the phase of its
//! flow and holds the notice it completes. It checks acks against the phase and exports
//! unfinished work for replay; the window, ids and collisions are decided in `state`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::StateError;
use super::slot::{FlushState, Slot};
use crate::mqttbytes::{Packet, PacketType, PubRec, PubRel};
use crate::notice::{
    NoticeError, NoticeFailureReason, NoticeSender, NoticeTx, PublishNoticeError, PublishNoticeTx,
    PublishResult,
};
use crate::request::{Envelope, Request};

/// A slot with its send-order sequence number (replay order).
#[derive(Debug, Clone)]
struct Entry {
    seq: u64,
    slot: Slot,
}

/// Hashes a packet id by one multiplication (Fibonacci hashing): ids are small, mostly
/// sequential integers chosen by us or the broker, so no DoS-resistant hash is needed.
#[derive(Debug, Default, Clone, Copy)]
struct PkidHasher(u64);

impl Hasher for PkidHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u16(u16::from(byte));
        }
    }

    fn write_u16(&mut self, pkid: u16) {
        self.0 = (self.0 ^ u64::from(pkid)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Outgoing exchanges keyed by packet id. Memory grows with the exchanges in flight only.
///
/// A hash map: acks arrive roughly in send order, so a `BTreeMap` spent its time
/// rebalancing (figures in BENCHMARKS.md); order comes from `Entry::seq`.
#[derive(Debug, Default)]
pub(crate) struct InflightTable {
    entries: HashMap<u16, Entry, BuildHasherDefault<PkidHasher>>,
    /// Number of publish slots (the in-flight window in use).
    publishes: u16,
    /// Sequence number for the next insert.
    next_seq: u64,
    /// Publishes inserted since the last flush.
    unflushed: Vec<u16>,
    /// Notices of QoS 0 publishes written since the last flush.
    qos0_unflushed: Vec<PublishNoticeTx>,
    /// The notice of the publish stashed behind a packet id collision (`MqttState::collision`).
    pub(crate) collision_notice: Option<PublishNoticeTx>,
    /// Whether this connection already logged a QoS 2 publish answered with PUBACK.
    downgrade: Downgrade,
}

/// Whether a PUBACK answering a QoS 2 publish was seen on the current connection (the
/// warning is logged once per connection).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Downgrade {
    /// Not seen on this connection.
    #[default]
    Unseen,
    /// Seen and logged.
    Logged,
}

impl InflightTable {
    /// The slot for `pkid`, if any.
    pub(crate) fn get(&self, pkid: u16) -> Option<&Slot> {
        self.entries.get(&pkid).map(|entry| &entry.slot)
    }

    /// Whether `pkid` is held by any exchange or reservation.
    pub(crate) fn is_busy(&self, pkid: u16) -> bool {
        self.entries.contains_key(&pkid)
    }

    /// Whether `pkid` is free or reserved for a replayed request.
    pub(crate) fn is_free_for_replay(&self, pkid: u16) -> bool {
        matches!(self.get(pkid), None | Some(Slot::Reserved))
    }

    /// Outgoing QoS 1/2 publishes not yet completed.
    pub(crate) const fn publishes(&self) -> u16 {
        self.publishes
    }

    /// Whether no exchange or reservation remains.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of slots (exchanges and reservations).
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Every slot, in no particular order.
    pub(crate) fn slots(&self) -> impl Iterator<Item = &Slot> {
        self.entries.values().map(|entry| &entry.slot)
    }

    /// Stores `slot` at `pkid` as the newest exchange, replacing a reservation; returns the
    /// stored slot.
    pub(crate) fn insert(&mut self, pkid: u16, slot: Slot) -> &Slot {
        if matches!(slot, Slot::AwaitingPubAck(_) | Slot::AwaitingPubRec(_)) {
            self.unflushed.push(pkid);
        }
        self.remove(pkid);
        self.publishes += u16::from(slot.is_publish());
        let seq = self.next_seq;
        self.next_seq += 1;
        &self.entries.entry(pkid).or_insert(Entry { seq, slot }).slot
    }

    /// Removes and returns the slot at `pkid`.
    pub(crate) fn remove(&mut self, pkid: u16) -> Option<Slot> {
        let entry = self.entries.remove(&pkid)?;
        self.publishes -= u16::from(entry.slot.is_publish());
        Some(entry.slot)
    }

    /// Removes a QoS 1/2 publish still awaiting PUBACK or PUBREC; returns its notice slot
    /// (`None` when `pkid` holds no such publish).
    pub(crate) fn remove_publish(&mut self, pkid: u16) -> Option<Option<PublishNoticeTx>> {
        self.take(pkid, |slot| match slot {
            Slot::AwaitingPubAck(stored) | Slot::AwaitingPubRec(stored) => Ok(stored.notice),
            other => Err(other),
        })
    }

    /// Removes the slot at `pkid` if `extract` accepts it (`Ok`); a refused slot stays.
    fn take<T>(&mut self, pkid: u16, extract: impl FnOnce(Slot) -> Result<T, Slot>) -> Option<T> {
        let Entry { seq, slot } = self.entries.remove(&pkid)?;
        let is_publish = slot.is_publish();
        match extract(slot) {
            Ok(taken) => {
                self.publishes -= u16::from(is_publish);
                Some(taken)
            }
            Err(slot) => {
                self.entries.insert(pkid, Entry { seq, slot });
                None
            }
        }
    }

    /// PUBACK, PUBCOMP, SUBACK or UNSUBACK for `pkid`: ends the exchange if it is in the
    /// phase this ack completes, and resolves its notice with the ack.
    ///
    /// A PUBACK for a QoS 2 publish still awaiting PUBREC ends it as delivered at QoS 1
    /// (`PublishResult::Qos1`): RabbitMQ 3.x downgrades QoS 2 to QoS 1 and delivers, so
    /// failing the notice would invite a duplicate by retry. Logged once per connection.
    pub(crate) fn handle_ack(&mut self, ack: &Packet, pkid: u16) -> Result<(), StateError> {
        let downgraded = matches!(
            (ack, self.get(pkid)),
            (Packet::PubAck(_), Some(Slot::AwaitingPubRec(_)))
        );
        if let (Packet::SubAck(suback), Some(Slot::Subscribe(subscribe, _))) = (ack, self.get(pkid))
        {
            let (expected, actual) = (subscribe.filters.len(), suback.return_codes.len());
            if expected != actual {
                return Err(StateError::SubAckReturnCodeCountMismatch {
                    pkid,
                    expected,
                    actual,
                });
            }
        }
        let completed = self.take(pkid, |slot| match (slot, ack) {
            (Slot::AwaitingPubAck(stored) | Slot::AwaitingPubRec(stored), Packet::PubAck(ack)) => {
                resolve(stored.notice, Ok(PublishResult::Qos1(*ack)))
            }
            (Slot::AwaitingPubComp(notice), Packet::PubComp(comp)) => {
                resolve(notice, Ok(PublishResult::Qos2Completed(*comp)))
            }
            (Slot::Subscribe(_, notice), Packet::SubAck(ack)) => resolve(notice, Ok(ack.clone())),
            (Slot::Unsubscribe(_, notice), Packet::UnsubAck(ack)) => resolve(notice, Ok(*ack)),
            (slot, _) => Err(slot),
        });
        completed.ok_or(StateError::unsolicited(ack.packet_type(), pkid))?;
        if downgraded && self.downgrade == Downgrade::Unseen {
            self.downgrade = Downgrade::Logged;
            log::warn!(
                "broker answered qos 2 publish {pkid} with PUBACK: completed as delivered at \
                 qos 1 (exactly-once not guaranteed by this broker; logged once per connection)"
            );
        }
        Ok(())
    }

    /// PUBREC: the QoS 2 publish moves to the PUBREL phase (newest in PUBREC order); the
    /// PUBREL to send. [MQTT-4.3.3-2] a repeated PUBREC is answered with PUBREL again.
    pub(crate) fn handle_pubrec(&mut self, rec: PubRec) -> Result<PubRel, StateError> {
        if !matches!(self.get(rec.pkid), Some(Slot::AwaitingPubComp(_))) {
            let stored = self
                .take(rec.pkid, |slot| match slot {
                    Slot::AwaitingPubRec(stored) => Ok(stored),
                    other => Err(other),
                })
                .ok_or(StateError::unsolicited(PacketType::PubRec, rec.pkid))?;
            self.insert(rec.pkid, Slot::AwaitingPubComp(stored.notice));
        }
        Ok(PubRel::new(rec.pkid))
    }

    /// A replayed or re-sent PUBREL: the QoS 2 flow waits for PUBCOMP again, keeping the
    /// earlier notice unless a new one comes with it.
    pub(crate) fn resume_pubrel(
        &mut self,
        pubrel: PubRel,
        notice: Option<PublishNoticeTx>,
    ) -> Result<PubRel, StateError> {
        let pkid = StateError::require_pkid(pubrel.pkid, PacketType::PubRel)?;
        let previous = match self.get(pkid) {
            None | Some(Slot::Reserved) => None,
            Some(Slot::AwaitingPubComp(_)) => self
                .take(pkid, |slot| match slot {
                    Slot::AwaitingPubComp(notice) => Ok(notice),
                    other => Err(other),
                })
                .flatten(),
            Some(_) => {
                let packet_type = PacketType::PubRel;
                return Err(StateError::PacketIdInUse { packet_type, pkid });
            }
        };
        self.insert(pkid, Slot::AwaitingPubComp(notice.or(previous)));
        Ok(pubrel)
    }

    /// Tracks the notice of a QoS 0 publish until the next flush.
    pub(crate) fn push_qos0(&mut self, notice: Option<PublishNoticeTx>) {
        self.qos0_unflushed.extend(notice);
    }

    /// A flush ran: QoS 0 notices resolve (`Qos0Flushed`, or `Qos0NotFlushed` when it
    /// failed), and every publish written since the previous flush may have reached the
    /// broker, so its replay carries DUP.
    pub(crate) fn handle_flush(&mut self, flushed: Result<(), PublishNoticeError>) {
        let result = flushed.map(|()| PublishResult::Qos0Flushed);
        for notice in self.qos0_unflushed.drain(..) {
            notice.resolve(result.clone());
        }
        for pkid in self.unflushed.drain(..) {
            if let Some(Entry {
                slot: Slot::AwaitingPubAck(stored) | Slot::AwaitingPubRec(stored),
                ..
            }) = self.entries.get_mut(&pkid)
            {
                stored.flush = FlushState::Attempted;
            }
        }
    }

    /// Exports every exchange for replay in replay order and leaves a reservation in each
    /// slot: one PUBREL per QoS 2 flow in PUBREC order, then publishes oldest first (DUP if a
    /// flush was attempted), then `collision`, then subscribes and unsubscribes in send order.
    /// Reservations are skipped: their requests are already out for replay.
    ///
    /// PUBRELs go first so that none of them can be overtaken by the PUBREL answering a
    /// PUBREC the new connection brings for a replayed publish ([MQTT-4.6.0-4]: PUBRELs in
    /// the order their PUBRECs arrived; a broker that releases on PUBREL would deliver the
    /// newer message first). MQTT 3.1.1 §4.6 orders PUBLISH among PUBLISH
    /// ([MQTT-4.6.0-1], kept here) and PUBREL among PUBREL, never one kind against the
    /// other, and [MQTT-4.4.0-1] only asks that both be re-sent with their original ids.
    pub(crate) fn take_replay(&mut self, collision: Option<Envelope>) -> Vec<Envelope> {
        self.unflushed.clear(); // first: never flushed, so no DUP
        self.handle_flush(Err(PublishNoticeError::Qos0NotFlushed));
        self.downgrade = Downgrade::Unseen; // the connection is gone
        let mut exported: Vec<(ReplayRank, u64, u16, Slot)> = Vec::new();
        for (&pkid, entry) in &mut self.entries {
            let rank = match entry.slot {
                Slot::AwaitingPubComp(_) => ReplayRank::PubRel,
                Slot::AwaitingPubAck(_) | Slot::AwaitingPubRec(_) => ReplayRank::Publish,
                Slot::Subscribe(..) | Slot::Unsubscribe(..) => ReplayRank::Control,
                Slot::Reserved => continue,
            };
            let slot = std::mem::replace(&mut entry.slot, Slot::Reserved);
            exported.push((rank, entry.seq, pkid, slot));
        }
        self.publishes = 0;
        exported.sort_by_key(|&(rank, seq, ..)| (rank, seq));
        let split = exported.partition_point(|&(rank, ..)| rank <= ReplayRank::Publish);
        let control = exported.split_off(split);
        let mut replay: Vec<Envelope> = exported.into_iter().filter_map(replay_envelope).collect();
        replay.extend(collision);
        replay.extend(control.into_iter().filter_map(replay_envelope));
        replay
    }

    /// Drops every reservation (the replayed requests were handed elsewhere for good).
    pub(crate) fn release_reserved(&mut self) {
        self.entries
            .retain(|_, entry| !matches!(entry.slot, Slot::Reserved));
    }

    /// Empties the table, failing every notice (QoS 0 and collision notices included);
    /// returns how many notices failed.
    pub(crate) fn drain_failed(&mut self, reason: NoticeFailureReason) -> usize {
        self.publishes = 0;
        self.unflushed.clear();
        let mut failed = 0;
        let stashed = self.collision_notice.take();
        for notice in self.qos0_unflushed.drain(..).chain(stashed) {
            notice.fail(reason);
            failed += 1;
        }
        for entry in std::mem::take(&mut self.entries).into_values() {
            failed += usize::from(entry.slot.fail(reason));
        }
        failed
    }
}

/// Clones the exchanges without their notices (QoS 0 and collision notices included).
impl Clone for InflightTable {
    fn clone(&self) -> Self {
        Self {
            entries: self.entries.clone(),
            publishes: self.publishes,
            next_seq: self.next_seq,
            unflushed: self.unflushed.clone(),
            qos0_unflushed: Vec::new(),
            collision_notice: None,
            downgrade: self.downgrade,
        }
    }
}

/// Completes an optional notice; `Ok` so a `take` extractor can end with it.
fn resolve<T, E: NoticeError>(
    notice: Option<NoticeSender<T, E>>,
    result: Result<T, E>,
) -> Result<(), Slot> {
    if let Some(notice) = notice {
        notice.resolve(result);
    }
    Ok(())
}

/// Where an exported slot goes in the replay list (declaration order is replay order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ReplayRank {
    /// A QoS 2 flow past PUBREC: its PUBREL.
    PubRel,
    /// A QoS 1/2 publish awaiting PUBACK or PUBREC.
    Publish,
    /// A subscribe or unsubscribe.
    Control,
}

/// The request that replays an exported slot, with its notice.
fn replay_envelope((_, _, pkid, slot): (ReplayRank, u64, u16, Slot)) -> Option<Envelope> {
    let (request, notice) = match slot {
        Slot::AwaitingPubAck(stored) | Slot::AwaitingPubRec(stored) => {
            let mut publish = stored.publish;
            publish.dup |= stored.flush == FlushState::Attempted;
            (
                Request::Publish(publish),
                stored.notice.map(NoticeTx::Publish),
            )
        }
        Slot::AwaitingPubComp(notice) => (
            Request::PubRel(PubRel::new(pkid)),
            notice.map(NoticeTx::Publish),
        ),
        Slot::Subscribe(subscribe, notice) => (
            Request::Subscribe(subscribe),
            notice.map(NoticeTx::Subscribe),
        ),
        Slot::Unsubscribe(unsubscribe, notice) => (
            Request::Unsubscribe(unsubscribe),
            notice.map(NoticeTx::Unsubscribe),
        ),
        Slot::Reserved => return None,
    };
    Some(Envelope { request, notice })
}
