//! The codec's error type: one variant per rejection rule, carrying the facts. No IO
//! errors here; those belong to the connection layer.

use super::PacketType;
use super::topic::InvalidTopic;

/// Every way the codec can refuse bytes or a packet.
///
/// Each rejection rule has its own variant carrying the facts (packet type,
/// sizes, offending value), so callers can match on the cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The frame is incomplete: at least this many more bytes are needed.
    #[error("at least {0} more bytes required to frame the packet")]
    InsufficientBytes(usize),
    /// Packet type nibble 0 or 15.
    #[error("invalid packet type {0}")]
    InvalidPacketType(u8),
    /// A packet's own `read` was handed a frame of another type.
    #[error("expected a {expected:?} packet, got {actual:?}")]
    UnexpectedPacketType {
        /// The type the reader decodes.
        expected: PacketType,
        /// The type in the fixed header.
        actual: PacketType,
    },
    /// Reserved fixed-header flags do not match the packet type.
    #[error("[MQTT-2.2.2-1] invalid fixed header flags {flags:#06b} for {packet_type:?}")]
    MalformedFlags {
        /// The packet type.
        packet_type: PacketType,
        /// The low nibble received.
        flags: u8,
    },
    /// The remaining-length varint is longer than 4 bytes.
    #[error("malformed remaining length: more than 4 bytes")]
    MalformedRemainingLength,
    /// An incoming packet is larger than the configured maximum.
    #[error("packet of {size} bytes exceeds the maximum packet size of {max} bytes")]
    PayloadSizeLimitExceeded {
        /// Remaining length announced by the fixed header.
        size: usize,
        /// Configured limit.
        max: usize,
    },
    /// An outgoing packet is larger than the configured maximum.
    #[error("cannot send a packet of {pkt_size} bytes: the maximum packet size is {max} bytes")]
    OutgoingPacketTooLarge {
        /// Whole frame size.
        pkt_size: usize,
        /// Configured limit.
        max: usize,
    },
    /// A fixed-size packet announced the wrong remaining length.
    #[error("{packet_type:?} must have a remaining length of {expected}, got {actual}")]
    PayloadSizeIncorrect {
        /// The packet type.
        packet_type: PacketType,
        /// The only valid remaining length.
        expected: usize,
        /// What the fixed header said.
        actual: usize,
    },
    /// A packet that needs a body arrived with remaining length 0.
    #[error("{0:?} packet has no body")]
    PayloadRequired(PacketType),
    /// Bytes remain after the last field of the packet.
    #[error("{packet_type:?} has {extra} unexpected trailing bytes")]
    TrailingBytes {
        /// The packet type.
        packet_type: PacketType,
        /// How many bytes were left over.
        extra: usize,
    },
    /// A field runs past the end of the packet.
    #[error("a field of {needed} bytes runs past the end of the packet ({available} left)")]
    BoundaryCrossed {
        /// Bytes the field needs.
        needed: usize,
        /// Bytes left in the packet.
        available: usize,
    },
    /// A string or binary field is longer than 65,535 bytes, or a packet longer than 268,435,455.
    #[error("field of {0} bytes is too long to encode")]
    PayloadTooLong(usize),
    /// A string is not valid UTF-8.
    #[error("[MQTT-1.5.3-1] string is not valid UTF-8")]
    TopicNotUtf8,
    /// A string contains U+0000.
    #[error("[MQTT-1.5.3-2] string contains the null character U+0000")]
    NullCharacter,
    /// QoS value 3 (or above).
    #[error("[MQTT-3.3.1-4] invalid QoS level {0}")]
    InvalidQoS(u8),
    /// Packet identifier 0 where a non-zero one is required.
    #[error("[MQTT-2.3.1-1] {0:?} packet id must not be zero")]
    PacketIdZero(PacketType),
    /// CONNECT protocol name is not `MQTT`.
    #[error("[MQTT-3.1.2-1] invalid protocol name")]
    InvalidProtocol,
    /// CONNECT protocol level is not 4.
    #[error("[MQTT-3.1.2-2] unsupported protocol level {0}")]
    InvalidProtocolLevel(u8),
    /// CONNECT reserved flag bit 0 is set.
    #[error("[MQTT-3.1.2-3] reserved connect flag is set")]
    ReservedConnectFlag,
    /// Will QoS or will retain set while the will flag is clear.
    #[error("[MQTT-3.1.2-11] will qos or retain set without the will flag")]
    WillFlagMismatch,
    /// Password flag set without the user name flag.
    #[error("[MQTT-3.1.2-22] password without user name")]
    PasswordWithoutUsername,
    /// Empty client id with clean session off.
    #[error("[MQTT-3.1.3-7] empty client id requires clean session")]
    EmptyClientIdWithPersistentSession,
    /// CONNACK return code above 5.
    #[error("invalid connect return code {0}")]
    InvalidConnectReturnCode(u8),
    /// CONNACK acknowledge flags bits 1-7 are set.
    #[error("[MQTT-3.2.2-1] reserved connack flags {0:#04x} are set")]
    ReservedConnAckFlags(u8),
    /// CONNACK with session present and a non-zero return code.
    #[error("[MQTT-3.2.2-4] session present with a refused connection")]
    SessionPresentWithRefusal,
    /// DUP set on a QoS 0 PUBLISH.
    #[error("[MQTT-3.3.1-2] dup flag set on a qos 0 publish")]
    DupWithQoS0,
    /// Empty PUBLISH topic.
    #[error("[MQTT-4.7.3-1] topic name is empty")]
    EmptyTopic,
    /// Wildcard in a PUBLISH topic.
    #[error("[MQTT-3.3.2-2] topic name contains a wildcard")]
    WildcardInTopic,
    /// SUBSCRIBE or UNSUBSCRIBE with no filters.
    #[error("[MQTT-3.8.3-3] {0:?} must contain at least one topic filter")]
    EmptySubscription(PacketType),
    /// Reserved bits of a SUBSCRIBE options byte are set.
    #[error("[MQTT-3.8.3-4] reserved subscribe option bits set in {0:#04x}")]
    ReservedSubscribeOptions(u8),
    /// SUBACK without return codes.
    #[error("suback must contain at least one return code")]
    EmptySubAck,
    /// SUBACK return code other than 0, 1, 2 or 0x80.
    #[error("[MQTT-3.9.3-2] invalid suback return code {0:#04x}")]
    InvalidSubscribeReasonCode(u8),
}

impl Error {
    /// The codec's name for a broken topic-name rule (the rules and [`InvalidTopic`] live in
    /// `topic.rs`; the codec keeps its own public variants for them).
    pub(crate) const fn from_invalid_topic(reason: InvalidTopic) -> Self {
        match reason {
            InvalidTopic::Empty => Self::EmptyTopic,
            InvalidTopic::NullCharacter => Self::NullCharacter,
            InvalidTopic::Wildcard | InvalidTopic::MisplacedWildcard => Self::WildcardInTopic,
            InvalidTopic::TooLong { len } => Self::PayloadTooLong(len),
        }
    }
}
