//! [`StateError`]: the protocol-state violations, each of which ends the connection.

use crate::mqttbytes::primitives::{has_filters, nonzero_pkid};
use crate::mqttbytes::{self, PacketType};

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
    /// A request that needs a packet id carries 0 (the codec's rule; built only by
    /// `StateError::require_pkid`).
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
    /// A SUBSCRIBE or UNSUBSCRIBE without filters (the codec's rule; built only by
    /// `StateError::require_filters`).
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

impl StateError {
    /// [`StateError::UnsolicitedAck`] for `packet_type` and `pkid`.
    pub(crate) const fn unsolicited(packet_type: PacketType, pkid: u16) -> Self {
        Self::UnsolicitedAck { packet_type, pkid }
    }

    /// `pkid` if it is not 0. The rule is the codec's (`primitives::nonzero_pkid`); this is
    /// the one place the state builds [`StateError::PacketIdZero`], kept as a public variant
    /// for code written against 0.33.1.
    pub(super) fn require_pkid(pkid: u16, packet_type: PacketType) -> Result<u16, Self> {
        nonzero_pkid(pkid, packet_type).map_err(|_| Self::PacketIdZero(packet_type))
    }

    /// `Ok` if a SUBSCRIBE/UNSUBSCRIBE has filters. The rule is the codec's
    /// (`primitives::has_filters`); this is the one place the state builds
    /// [`StateError::EmptySubscription`], kept as a public variant for code written
    /// against 0.33.1.
    pub(super) fn require_filters(count: usize, packet_type: PacketType) -> Result<(), Self> {
        has_filters(count, packet_type).map_err(|_| Self::EmptySubscription(packet_type))
    }
}

/// [`StateError::UnexpectedRequest`] for `packet_type`.
pub(super) const fn unexpected_request(packet_type: PacketType) -> StateError {
    StateError::UnexpectedRequest(packet_type)
}
