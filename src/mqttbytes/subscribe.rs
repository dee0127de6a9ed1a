//! SUBSCRIBE, its filters, and SUBACK with return codes.

use super::QoS;

/// SUBSCRIBE: one or more topic filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribe {
    /// Packet identifier.
    pub pkid: u16,
    /// Filters with their requested QoS.
    pub filters: Vec<SubscribeFilter>,
}

/// One topic filter of a SUBSCRIBE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeFilter {
    /// Topic filter.
    pub path: String,
    /// Requested maximum QoS.
    pub qos: QoS,
}

/// SUBACK: the broker's answer to SUBSCRIBE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubAck {
    /// Packet identifier.
    pub pkid: u16,
    /// One return code per filter, in order.
    pub return_codes: Vec<SubscribeReasonCode>,
}

/// A SUBACK return code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscribeReasonCode {
    /// Granted with this maximum QoS.
    Success(QoS),
    /// 0x80: refused.
    Failure,
}

impl Subscribe {
    /// SUBSCRIBE with one filter.
    pub fn new(path: impl Into<String>, qos: QoS) -> Self {
        Self {
            pkid: 0,
            filters: vec![SubscribeFilter::new(path.into(), qos)],
        }
    }

    /// SUBSCRIBE with many filters.
    pub fn new_many(filters: impl IntoIterator<Item = SubscribeFilter>) -> Self {
        Self {
            pkid: 0,
            filters: filters.into_iter().collect(),
        }
    }

    /// Adds a filter.
    pub fn add(&mut self, path: String, qos: QoS) -> &mut Self {
        self.filters.push(SubscribeFilter::new(path, qos));
        self
    }
}

impl SubscribeFilter {
    /// New filter.
    pub const fn new(path: String, qos: QoS) -> Self {
        Self { path, qos }
    }
}

impl SubAck {
    /// New SUBACK.
    pub const fn new(pkid: u16, return_codes: Vec<SubscribeReasonCode>) -> Self {
        Self { pkid, return_codes }
    }
}
