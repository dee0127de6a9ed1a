//! The topic filters the broker granted on the session (from SUBACK, minus UNSUBACK) and
//! the decision, at CONNACK, of which to subscribe again. Pure: no IO, no clock.

use std::collections::BTreeMap;

use crate::mqttbytes::{QoS, SubAck, Subscribe, SubscribeFilter, SubscribeReasonCode, Unsubscribe};

/// Filters per SUBSCRIBE when subscriptions are restored: few round trips, and a refused
/// filter is still reported on its own (one return code per filter).
pub(crate) const RESUBSCRIBE_MAX_FILTERS: usize = 32;

/// Whether lost subscriptions are subscribed again after a reconnect.
///
/// A broker that answers a reconnect with `session_present = false` (it restarted without
/// persistence, the session expired, or `clean_session = true`) has no subscriptions for
/// the client any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Resubscribe {
    /// Nothing is sent again; the granted set is emptied, as on the broker.
    #[default]
    Never,
    /// Every granted filter is subscribed again, with the QoS it was granted, before any
    /// queued request. The SUBSCRIBEs and SUBACKs are ordinary events; a refused filter
    /// shows as a failure return code in its SUBACK and leaves the set.
    OnSessionLoss,
}

/// Whether a CONNACK answers the first connection of this state or a reconnect after a
/// connection the broker had accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionKind {
    /// No connection was accepted before: nothing can have been lost.
    First,
    /// An earlier connection was accepted; subscriptions granted on it may be lost.
    Reconnect,
}

/// The topic filters granted on the current session, with the QoS the broker granted.
///
/// A filter enters with a success return code in a SUBACK (replacing the QoS of an equal
/// filter, [MQTT-3.8.4-3]) and leaves with a failure code (0x80) or an UNSUBACK. Filters
/// are compared character by character, as the broker does ([MQTT-3.10.4-1]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subscriptions {
    granted: BTreeMap<String, QoS>,
}

impl Subscriptions {
    /// The QoS granted for `filter`, if it is subscribed.
    pub fn get(&self, filter: &str) -> Option<QoS> {
        self.granted.get(filter).copied()
    }

    /// The granted filters with their QoS, in byte order of the filter.
    pub fn iter(&self) -> impl Iterator<Item = (&str, QoS)> {
        self.granted
            .iter()
            .map(|(filter, &qos)| (filter.as_str(), qos))
    }

    /// Number of granted filters.
    pub fn len(&self) -> usize {
        self.granted.len()
    }

    /// Whether no filter is granted.
    pub fn is_empty(&self) -> bool {
        self.granted.is_empty()
    }

    /// A SUBACK for `subscribe`: granted filters enter, refused ones leave. A SUBACK
    /// without one return code per filter changes nothing (the state rejects it).
    pub(crate) fn handle_suback(&mut self, subscribe: &Subscribe, suback: &SubAck) {
        if subscribe.filters.len() != suback.return_codes.len() {
            return;
        }
        for (filter, code) in subscribe.filters.iter().zip(&suback.return_codes) {
            match code {
                SubscribeReasonCode::Success(qos) => {
                    self.granted.insert(filter.path.clone(), *qos);
                }
                SubscribeReasonCode::Failure => {
                    self.granted.remove(&filter.path);
                }
            }
        }
    }

    /// An UNSUBACK for `unsubscribe`: its filters leave.
    pub(crate) fn handle_unsuback(&mut self, unsubscribe: &Unsubscribe) {
        for topic in &unsubscribe.topics {
            self.granted.remove(topic);
        }
    }

    /// The CONNACK decision (see `MqttState::handle_connack_subscriptions`).
    pub(crate) fn handle_connack(
        &mut self,
        session_present: bool,
        connection: ConnectionKind,
        policy: Resubscribe,
        max_packet_size: usize,
    ) -> Vec<Subscribe> {
        match (session_present, connection, policy) {
            (true, ..) => Vec::new(),
            (false, ConnectionKind::Reconnect, Resubscribe::OnSessionLoss) => {
                self.batches(max_packet_size)
            }
            (false, ..) => {
                self.granted.clear();
                Vec::new()
            }
        }
    }

    /// The granted filters as SUBSCRIBEs (packet id 0) of at most
    /// [`RESUBSCRIBE_MAX_FILTERS`] filters and at most `max_packet_size` bytes each; a
    /// filter too large for the budget goes alone (it was sent alone before).
    fn batches(&self, max_packet_size: usize) -> Vec<Subscribe> {
        let mut batches: Vec<Subscribe> = Vec::new();
        for (path, &qos) in &self.granted {
            let filter = SubscribeFilter::new(path.clone(), qos);
            match batches.last_mut() {
                Some(last) if fits(last, &filter, max_packet_size) => last.filters.push(filter),
                _ => batches.push(Subscribe::new_many([filter])),
            }
        }
        batches
    }
}

/// Whether `subscribe` can take `filter` and stay within the filter and byte budgets.
fn fits(subscribe: &Subscribe, filter: &SubscribeFilter, max_packet_size: usize) -> bool {
    // Each filter adds its string (2-byte length + bytes) and an options byte; the
    // remaining-length field may grow by a byte at most.
    let added = 2 + filter.path.len() + 1 + 1;
    subscribe.filters.len() < RESUBSCRIBE_MAX_FILTERS
        && subscribe.size().saturating_add(added) <= max_packet_size
}
