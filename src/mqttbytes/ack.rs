//! PUBACK, PUBREC, PUBREL, PUBCOMP and UNSUBACK: packets whose whole body is a packet id.

/// PUBACK: acknowledges a QoS 1 publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PubAck {
    /// Packet identifier.
    pub pkid: u16,
}

/// PUBREC: first answer to a QoS 2 publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PubRec {
    /// Packet identifier.
    pub pkid: u16,
}

/// PUBREL: releases a QoS 2 publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PubRel {
    /// Packet identifier.
    pub pkid: u16,
}

/// PUBCOMP: completes a QoS 2 exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PubComp {
    /// Packet identifier.
    pub pkid: u16,
}

/// UNSUBACK: acknowledges an UNSUBSCRIBE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsubAck {
    /// Packet identifier.
    pub pkid: u16,
}

impl PubAck {
    /// New PUBACK for `pkid`.
    pub const fn new(pkid: u16) -> Self {
        Self { pkid }
    }
}
impl PubRec {
    /// New PUBREC for `pkid`.
    pub const fn new(pkid: u16) -> Self {
        Self { pkid }
    }
}
impl PubRel {
    /// New PUBREL for `pkid`.
    pub const fn new(pkid: u16) -> Self {
        Self { pkid }
    }
}
impl PubComp {
    /// New PUBCOMP for `pkid`.
    pub const fn new(pkid: u16) -> Self {
        Self { pkid }
    }
}
impl UnsubAck {
    /// New UNSUBACK for `pkid`.
    pub const fn new(pkid: u16) -> Self {
        Self { pkid }
    }
}
