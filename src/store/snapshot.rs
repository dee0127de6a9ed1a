//! What a session store keeps: the records the event loop appends at each step of a QoS 1/2
//! exchange, and the snapshot they fold into. Pure data; no file, no clock.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use crate::mqttbytes::{PacketType, Publish, QoS};

/// One step of the session, appended by the event loop as it happens.
///
/// A record is written ahead of what it stands for: before the packet it implies leaves
/// and before the event or notice it causes is visible. A record lost in a crash therefore
/// stands for an action the broker and the application never saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionRecord {
    /// An outgoing QoS 1/2 publish was accepted with its packet id (`pkid != 0`).
    Publish(Publish),
    /// PUBREC arrived for an outgoing QoS 2 publish: a PUBREL is owed until PUBCOMP.
    PubRel(u16),
    /// The outgoing exchange with this packet id ended (PUBACK, PUBCOMP, or failed).
    Completed(u16),
    /// PUBREC was sent for an incoming QoS 2 publish with this packet id: a redelivery
    /// must not reach the application again. (In manual-ack mode that is when the
    /// application acknowledges it; a publish delivered but not yet acknowledged is
    /// delivered again after a restart.)
    IncomingReceived(u16),
    /// PUBREL arrived for an incoming QoS 2 publish (PUBCOMP sent): the id is free again.
    IncomingReleased(u16),
}

impl SessionRecord {
    /// The packet id the record is about.
    pub const fn pkid(&self) -> u16 {
        match self {
            Self::Publish(publish) => publish.pkid,
            Self::PubRel(pkid)
            | Self::Completed(pkid)
            | Self::IncomingReceived(pkid)
            | Self::IncomingReleased(pkid) => *pkid,
        }
    }

    /// Whether the record can be stored: a non-zero packet id, and a publish at QoS 1 or 2.
    /// Otherwise the packet type it is written as, with its packet id.
    pub(crate) fn check(&self) -> Result<(), (PacketType, u16)> {
        let packet_type = match self {
            Self::Publish(publish) if publish.qos == QoS::AtMostOnce => {
                return Err((PacketType::Publish, publish.pkid));
            }
            Self::Publish(_) => PacketType::Publish,
            Self::PubRel(_) => PacketType::PubRel,
            Self::Completed(_) => PacketType::PubAck,
            Self::IncomingReceived(_) => PacketType::PubRec,
            Self::IncomingReleased(_) => PacketType::PubComp,
        };
        match self.pkid() {
            0 => Err((packet_type, 0)),
            _ => Ok(()),
        }
    }
}

/// An outgoing exchange still open in a [`SessionSnapshot`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutgoingEntry {
    /// A QoS 1/2 publish awaiting PUBACK or PUBREC, as it was accepted.
    Publish(Publish),
    /// A QoS 2 publish past PUBREC: PUBREL is owed until PUBCOMP.
    PubRel(u16),
}

impl OutgoingEntry {
    /// The packet id of the exchange.
    pub const fn pkid(&self) -> u16 {
        match self {
            Self::Publish(publish) => publish.pkid,
            Self::PubRel(pkid) => *pkid,
        }
    }
}

/// The session a store holds: open outgoing exchanges in order and incoming QoS 2 ids.
///
/// Built by folding [`SessionRecord`]s with [`apply`](Self::apply). Folding is idempotent
/// per record and lenient: completing an unknown id does nothing, and a record for an id
/// already open replaces it, so replaying a log twice gives the same snapshot. Memory is
/// bounded by the open exchanges (at most 65535 ids each way).
///
/// Order of [`outgoing`](Self::outgoing): publishes in the order they were accepted; an
/// exchange moves to the end when its PUBREC arrives (PUBREL order is PUBREC order).
#[derive(Clone, Default)]
pub struct SessionSnapshot {
    outgoing: BTreeMap<u64, OutgoingEntry>,
    seq_of: HashMap<u16, u64>,
    next_seq: u64,
    incoming_qos2: BTreeSet<u16>,
}

impl SessionSnapshot {
    /// An empty session.
    pub fn new() -> Self {
        Self::default()
    }

    /// Folds one record into the snapshot.
    ///
    /// # Examples
    /// ```
    /// use rumqttc::{OutgoingEntry, Publish, QoS, SessionRecord, SessionSnapshot};
    ///
    /// let mut publish = Publish::new("a/b", QoS::ExactlyOnce, "hi");
    /// publish.pkid = 7;
    /// let mut session = SessionSnapshot::new();
    /// session.apply(SessionRecord::Publish(publish));
    /// session.apply(SessionRecord::PubRel(7));
    /// session.apply(SessionRecord::IncomingReceived(3));
    /// assert_eq!(session.outgoing().collect::<Vec<_>>(), [&OutgoingEntry::PubRel(7)]);
    /// assert_eq!(session.incoming_qos2().collect::<Vec<_>>(), [3]);
    /// session.apply(SessionRecord::Completed(7));
    /// session.apply(SessionRecord::IncomingReleased(3));
    /// assert!(session.is_empty());
    /// ```
    pub fn apply(&mut self, record: SessionRecord) {
        match record {
            SessionRecord::Publish(publish) => self.open(OutgoingEntry::Publish(publish), false),
            SessionRecord::PubRel(pkid) => self.open(OutgoingEntry::PubRel(pkid), true),
            SessionRecord::Completed(pkid) => {
                if let Some(seq) = self.seq_of.remove(&pkid) {
                    self.outgoing.remove(&seq);
                }
            }
            SessionRecord::IncomingReceived(pkid) => {
                self.incoming_qos2.insert(pkid);
            }
            SessionRecord::IncomingReleased(pkid) => {
                self.incoming_qos2.remove(&pkid);
            }
        }
    }

    /// Open outgoing exchanges, in replay order (see the type's docs).
    pub fn outgoing(&self) -> impl Iterator<Item = &OutgoingEntry> {
        self.outgoing.values()
    }

    /// Incoming QoS 2 packet ids received and not yet released, ascending.
    pub fn incoming_qos2(&self) -> impl Iterator<Item = u16> + '_ {
        self.incoming_qos2.iter().copied()
    }

    /// Number of open exchanges, outgoing and incoming.
    pub fn len(&self) -> usize {
        self.outgoing.len() + self.incoming_qos2.len()
    }

    /// Whether nothing is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The fewest records that rebuild this snapshot from empty (a compacted log).
    pub fn records(&self) -> impl Iterator<Item = SessionRecord> + '_ {
        let outgoing = self.outgoing().map(|entry| match entry {
            OutgoingEntry::Publish(publish) => SessionRecord::Publish(publish.clone()),
            OutgoingEntry::PubRel(pkid) => SessionRecord::PubRel(*pkid),
        });
        outgoing.chain(self.incoming_qos2().map(SessionRecord::IncomingReceived))
    }

    /// Opens (or replaces) the exchange of `entry`'s id; `to_back` moves it to the end.
    fn open(&mut self, entry: OutgoingEntry, to_back: bool) {
        let pkid = entry.pkid();
        let seq = match self.seq_of.get(&pkid) {
            Some(&seq) if !to_back => seq,
            previous => {
                if let Some(seq) = previous {
                    self.outgoing.remove(seq);
                }
                let seq = self.next_seq;
                self.next_seq += 1;
                self.seq_of.insert(pkid, seq);
                seq
            }
        };
        self.outgoing.insert(seq, entry);
    }
}

/// Shows the open exchanges in order, not the bookkeeping behind the order.
impl fmt::Debug for SessionSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionSnapshot")
            .field("outgoing", &self.outgoing.values().collect::<Vec<_>>())
            .field("incoming_qos2", &self.incoming_qos2)
            .finish()
    }
}

/// Equal when the open exchanges are equal and in the same order.
impl PartialEq for SessionSnapshot {
    fn eq(&self, other: &Self) -> bool {
        self.outgoing().eq(other.outgoing()) && self.incoming_qos2 == other.incoming_qos2
    }
}

impl Eq for SessionSnapshot {}

impl FromIterator<SessionRecord> for SessionSnapshot {
    fn from_iter<I: IntoIterator<Item = SessionRecord>>(records: I) -> Self {
        let mut snapshot = Self::new();
        records
            .into_iter()
            .for_each(|record| snapshot.apply(record));
        snapshot
    }
}
