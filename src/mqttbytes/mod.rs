//! The strict MQTT 3.1.1 wire codec: bytes to [`Packet`] and back, with size limits.
//! Pure code: no IO, no clock, no protocol state.

mod ack;
#[cfg(feature = "codec")]
mod codec;
mod connack;
mod connect;
mod error;
mod header;
mod ping;
pub(crate) mod primitives;
mod publish;
mod subscribe;
pub(crate) mod topic;
mod unsubscribe;

#[cfg(test)]
mod tests;

use bytes::{Bytes, BytesMut};

pub use ack::{PubAck, PubComp, PubRec, PubRel, UnsubAck};
#[cfg(feature = "codec")]
#[cfg_attr(docsrs, doc(cfg(feature = "codec")))]
pub use codec::{Codec, CodecError};
pub use connack::{ConnAck, ConnectReturnCode};
pub use connect::{Connect, ConnectAuth, LastWill};
pub use error::Error;
pub use header::{FixedHeader, check};
use header::{check_frame, split_body};
pub use ping::{Disconnect, PingReq, PingResp};
pub use publish::Publish;
pub use subscribe::{SubAck, Subscribe, SubscribeFilter, SubscribeReasonCode};
pub use topic::{has_wildcards, matches, valid_filter, valid_topic};
pub use unsubscribe::Unsubscribe;

/// The MQTT 3.1.1 packet types, under the spec's `mqttbytes::v4` path.
pub mod v4 {
    #[cfg(feature = "codec")]
    #[cfg_attr(docsrs, doc(cfg(feature = "codec")))]
    pub use super::{Codec, CodecError};
    pub use super::{
        ConnAck, Connect, ConnectAuth, ConnectReturnCode, Disconnect, LastWill, Packet, PingReq,
        PingResp, PubAck, PubComp, PubRec, PubRel, Publish, SubAck, Subscribe, SubscribeFilter,
        SubscribeReasonCode, UnsubAck, Unsubscribe,
    };
}

/// Largest remaining length a 4-byte varint can carry (MQTT 3.1.1 §2.2.3).
pub const MAX_REMAINING_LENGTH: usize = 268_435_455;

/// Quality of service of a publish or subscription.
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum QoS {
    /// QoS 0: fire and forget.
    #[default]
    AtMostOnce = 0,
    /// QoS 1: acknowledged by PUBACK, may be duplicated.
    AtLeastOnce = 1,
    /// QoS 2: four-step handshake, delivered exactly once.
    ExactlyOnce = 2,
}

/// The protocol version of a CONNECT, as in 0.33.1. This crate speaks only
/// [`Protocol::V4`] (MQTT 3.1.1, protocol level 4): it always writes level 4 and refuses a
/// CONNECT of any other level with [`Error::InvalidProtocolLevel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// MQTT 3.1.1 (protocol level 4).
    V4,
    /// MQTT 5 (protocol level 5): named for compatibility, never read or written.
    V5,
}

impl Protocol {
    /// The protocol level byte of the CONNECT variable header.
    ///
    /// ```
    /// assert_eq!(rumqttc::mqttbytes::Protocol::V4.level(), 4);
    /// ```
    pub const fn level(self) -> u8 {
        match self {
            Self::V4 => 4,
            Self::V5 => 5,
        }
    }
}

/// Converts a wire value to [`QoS`].
///
/// # Errors
/// [`Error::InvalidQoS`] for values above 2 ([MQTT-3.3.1-4]).
pub const fn qos(num: u8) -> Result<QoS, Error> {
    match num {
        0 => Ok(QoS::AtMostOnce),
        1 => Ok(QoS::AtLeastOnce),
        2 => Ok(QoS::ExactlyOnce),
        n => Err(Error::InvalidQoS(n)),
    }
}

/// The 14 MQTT 3.1.1 control packet types (the high nibble of the first byte).
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketType {
    /// CONNECT
    Connect = 1,
    /// CONNACK
    ConnAck,
    /// PUBLISH
    Publish,
    /// PUBACK
    PubAck,
    /// PUBREC
    PubRec,
    /// PUBREL
    PubRel,
    /// PUBCOMP
    PubComp,
    /// SUBSCRIBE
    Subscribe,
    /// SUBACK
    SubAck,
    /// UNSUBSCRIBE
    Unsubscribe,
    /// UNSUBACK
    UnsubAck,
    /// PINGREQ
    PingReq,
    /// PINGRESP
    PingResp,
    /// DISCONNECT
    Disconnect,
}

/// One MQTT 3.1.1 control packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// CONNECT
    Connect(Connect),
    /// CONNACK
    ConnAck(ConnAck),
    /// PUBLISH
    Publish(Publish),
    /// PUBACK
    PubAck(PubAck),
    /// PUBREC
    PubRec(PubRec),
    /// PUBREL
    PubRel(PubRel),
    /// PUBCOMP
    PubComp(PubComp),
    /// SUBSCRIBE
    Subscribe(Subscribe),
    /// SUBACK
    SubAck(SubAck),
    /// UNSUBSCRIBE
    Unsubscribe(Unsubscribe),
    /// UNSUBACK
    UnsubAck(UnsubAck),
    /// PINGREQ
    PingReq,
    /// PINGRESP
    PingResp,
    /// DISCONNECT
    Disconnect,
}

impl Packet {
    /// The packet's type.
    pub const fn packet_type(&self) -> PacketType {
        match self {
            Self::Connect(_) => PacketType::Connect,
            Self::ConnAck(_) => PacketType::ConnAck,
            Self::Publish(_) => PacketType::Publish,
            Self::PubAck(_) => PacketType::PubAck,
            Self::PubRec(_) => PacketType::PubRec,
            Self::PubRel(_) => PacketType::PubRel,
            Self::PubComp(_) => PacketType::PubComp,
            Self::Subscribe(_) => PacketType::Subscribe,
            Self::SubAck(_) => PacketType::SubAck,
            Self::Unsubscribe(_) => PacketType::Unsubscribe,
            Self::UnsubAck(_) => PacketType::UnsubAck,
            Self::PingReq => PacketType::PingReq,
            Self::PingResp => PacketType::PingResp,
            Self::Disconnect => PacketType::Disconnect,
        }
    }

    /// Reads one whole frame from the front of `stream`, consuming exactly it.
    ///
    /// The fixed header is checked first: on a partial frame nothing is consumed and
    /// [`Error::InsufficientBytes`] says at least how many more bytes to read; a frame
    /// whose remaining length exceeds `max_size` is refused from its header alone,
    /// before its body arrives. A whole frame is then split off `stream` and decoded
    /// without copying: a PUBLISH topic and payload are slices of the read buffer.
    ///
    /// # Errors
    /// [`Error::InsufficientBytes`] when more bytes are needed (nothing consumed); any
    /// other variant when the frame is invalid (see [`Error`]). A header error consumes
    /// nothing, a body error consumes the frame; either way the stream cannot be trusted
    /// further and the connection should be closed.
    ///
    /// # Examples
    /// ```
    /// use bytes::BytesMut;
    /// use rumqttc::{Packet, PubAck};
    ///
    /// // PUBACK for packet id 10, then the first byte of the next frame.
    /// let mut stream = BytesMut::from(&[0x40, 0x02, 0x00, 0x0A, 0xD0][..]);
    /// let packet = Packet::read(&mut stream, 1024)?;
    /// assert_eq!(packet, Packet::PubAck(PubAck::new(10)));
    /// assert_eq!(&stream[..], &[0xD0]);
    /// // A partial frame asks for more and consumes nothing.
    /// assert_eq!(Packet::read(&mut stream, 1024), Err(rumqttc::Error::InsufficientBytes(1)));
    /// assert_eq!(&stream[..], &[0xD0]);
    /// # Ok::<(), rumqttc::Error>(())
    /// ```
    pub fn read(stream: &mut BytesMut, max_size: usize) -> Result<Self, Error> {
        let (header, packet_type) = check_frame(stream, max_size)?;
        // From here the frame is consumed; its header needs no second validation.
        let body = split_body(&header, stream);
        // PUBLISH, the hot path, is decoded here; the rest out of line keep this frame small.
        match packet_type {
            PacketType::Publish => Publish::decode(header.flags(), body).map(Self::Publish),
            _ => Self::decode_body(packet_type, header.flags(), body),
        }
    }

    /// Decodes the body of a frame `check_frame` accepted; `flags` is the low nibble of
    /// its first byte. Kept out of line: [`Packet::read`] decodes PUBLISH itself.
    #[inline(never)]
    fn decode_body(packet_type: PacketType, flags: u8, body: Bytes) -> Result<Self, Error> {
        Ok(match packet_type {
            PacketType::Connect => Self::Connect(Connect::decode(body)?),
            PacketType::ConnAck => Self::ConnAck(ConnAck::decode(body)?),
            PacketType::Publish => Self::Publish(Publish::decode(flags, body)?),
            PacketType::PubAck => Self::PubAck(PubAck::decode(body)?),
            PacketType::PubRec => Self::PubRec(PubRec::decode(body)?),
            PacketType::PubRel => Self::PubRel(PubRel::decode(body)?),
            PacketType::PubComp => Self::PubComp(PubComp::decode(body)?),
            PacketType::Subscribe => Self::Subscribe(Subscribe::decode(body)?),
            PacketType::SubAck => Self::SubAck(SubAck::decode(body)?),
            PacketType::Unsubscribe => Self::Unsubscribe(Unsubscribe::decode(body)?),
            PacketType::UnsubAck => Self::UnsubAck(UnsubAck::decode(body)?),
            // `check` has verified these have no body.
            PacketType::PingReq => Self::PingReq,
            PacketType::PingResp => Self::PingResp,
            PacketType::Disconnect => Self::Disconnect,
        })
    }

    /// Writes the whole frame to `buffer` and returns its size.
    ///
    /// The size is checked against `max_size` before anything is written; the buffer
    /// is then reserved once and the packet encoded straight into it. On any error
    /// `buffer` is left as it was.
    ///
    /// # Errors
    /// [`Error::OutgoingPacketTooLarge`] when the frame exceeds `max_size`, or the
    /// validation error of the packet when it breaks a rule of MQTT 3.1.1 (the same
    /// rules [`Packet::read`] enforces).
    ///
    /// # Examples
    /// ```
    /// use bytes::BytesMut;
    /// use rumqttc::{Packet, Publish, QoS};
    ///
    /// let mut publish = Publish::new("a/b", QoS::AtLeastOnce, "hi");
    /// publish.pkid = 1;
    /// let mut buffer = BytesMut::new();
    /// let size = Packet::Publish(publish).write(&mut buffer, 1024)?;
    /// assert_eq!(size, 11);
    /// assert_eq!(
    ///     &buffer[..],
    ///     &[0x32, 0x09, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x01, b'h', b'i']
    /// );
    /// # Ok::<(), rumqttc::Error>(())
    /// ```
    pub fn write(&self, buffer: &mut BytesMut, max_size: usize) -> Result<usize, Error> {
        // PUBLISH, the hot path, sizes and checks itself in one pass; the rest out of line.
        match self {
            Self::Publish(publish) => publish.write_within(buffer, max_size),
            _ => self.write_control(buffer, max_size),
        }
    }

    /// [`Packet::write`] for every packet but PUBLISH.
    #[inline(never)]
    fn write_control(&self, buffer: &mut BytesMut, max_size: usize) -> Result<usize, Error> {
        let pkt_size = self.size();
        if pkt_size > max_size {
            return Err(Error::OutgoingPacketTooLarge {
                pkt_size,
                max: max_size,
            });
        }
        match self {
            Self::Connect(packet) => packet.write(buffer),
            Self::ConnAck(packet) => packet.write(buffer),
            Self::Publish(packet) => packet.write_within(buffer, max_size),
            Self::PubAck(packet) => packet.write(buffer),
            Self::PubRec(packet) => packet.write(buffer),
            Self::PubRel(packet) => packet.write(buffer),
            Self::PubComp(packet) => packet.write(buffer),
            Self::Subscribe(packet) => packet.write(buffer),
            Self::SubAck(packet) => packet.write(buffer),
            Self::Unsubscribe(packet) => packet.write(buffer),
            Self::UnsubAck(packet) => packet.write(buffer),
            Self::PingReq => PingReq.write(buffer),
            Self::PingResp => PingResp.write(buffer),
            Self::Disconnect => Disconnect.write(buffer),
        }
    }

    /// Size of the whole frame in bytes.
    pub fn size(&self) -> usize {
        match self {
            Self::Connect(packet) => packet.size(),
            Self::ConnAck(packet) => packet.size(),
            Self::Publish(packet) => packet.size(),
            Self::PubAck(packet) => packet.size(),
            Self::PubRec(packet) => packet.size(),
            Self::PubRel(packet) => packet.size(),
            Self::PubComp(packet) => packet.size(),
            Self::Subscribe(packet) => packet.size(),
            Self::SubAck(packet) => packet.size(),
            Self::Unsubscribe(packet) => packet.size(),
            Self::UnsubAck(packet) => packet.size(),
            Self::PingReq => PingReq.size(),
            Self::PingResp => PingResp.size(),
            Self::Disconnect => Disconnect.size(),
        }
    }
}
