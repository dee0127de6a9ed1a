//! [`InflightCounts`]: the outgoing exchanges in flight, counted by kind, for diagnostics.
//! Reads the in-flight table; changes nothing.

use super::MqttState;
use super::slot::Slot;

/// Outgoing exchanges awaiting the broker, by kind (see
/// [`EventLoop::diagnostics`](crate::EventLoop::diagnostics)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct InflightCounts {
    /// QoS 1 publishes awaiting PUBACK.
    pub awaiting_puback: usize,
    /// QoS 2 publishes awaiting PUBREC.
    pub awaiting_pubrec: usize,
    /// QoS 2 publishes released (PUBREL sent) awaiting PUBCOMP.
    pub awaiting_pubcomp: usize,
    /// Subscribes awaiting SUBACK.
    pub subscribes: usize,
    /// Unsubscribes awaiting UNSUBACK.
    pub unsubscribes: usize,
    /// Packet ids held for requests exported for replay.
    pub reserved: usize,
}

impl MqttState {
    /// The outgoing exchanges in flight, counted by kind. Walks the in-flight table, so it
    /// costs one step per exchange: for diagnostics, not for every packet.
    pub fn inflight_counts(&self) -> InflightCounts {
        let mut counts = InflightCounts::default();
        for slot in self.outgoing.slots() {
            let count = match slot {
                Slot::AwaitingPubAck(_) => &mut counts.awaiting_puback,
                Slot::AwaitingPubRec(_) => &mut counts.awaiting_pubrec,
                Slot::AwaitingPubComp(_) => &mut counts.awaiting_pubcomp,
                Slot::Subscribe(..) => &mut counts.subscribes,
                Slot::Unsubscribe(..) => &mut counts.unsubscribes,
                Slot::Reserved => &mut counts.reserved,
            };
            *count += 1;
        }
        counts
    }
}
