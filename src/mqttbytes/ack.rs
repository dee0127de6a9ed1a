//! PUBACK, PUBREC, PUBREL, PUBCOMP and UNSUBACK: packets whose whole body is a non-zero
//! packet id, decoded and encoded by one shared codec (`read_ack`, `write_ack`).

use bytes::{BufMut, Bytes, BytesMut};

use super::header::{fixed_byte1, write_packet};
use super::primitives::{ensure_consumed, nonzero_pkid, read_pkid};
use super::{Error, FixedHeader, PacketType};

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

/// Size of every ack frame: fixed header (2) and packet id (2).
const ACK_SIZE: usize = 4;

/// Decodes the packet id of an ack body: exactly two bytes, non-zero.
fn decode_ack(mut body: Bytes, packet_type: PacketType) -> Result<u16, Error> {
    let pkid = read_pkid(&mut body, packet_type)?;
    ensure_consumed(&body, packet_type)?;
    Ok(pkid)
}

/// Encodes an ack frame; refuses packet id 0 before writing anything.
fn write_ack(buffer: &mut BytesMut, packet_type: PacketType, pkid: u16) -> Result<usize, Error> {
    let pkid = nonzero_pkid(pkid, packet_type)?;
    write_packet(buffer, fixed_byte1(packet_type), 2, |buffer| {
        buffer.put_u16(pkid);
        Ok(())
    })
}

/// Generates the constructor and codec methods of one ack type over the shared codec.
macro_rules! ack_packet {
    ($name:ident, $packet_type:expr, $label:literal) => {
        impl $name {
            #[doc = concat!("New ", $label, " for `pkid`.")]
            pub const fn new(pkid: u16) -> Self {
                Self { pkid }
            }

            /// Size of the whole frame: always 4.
            pub const fn size(&self) -> usize {
                ACK_SIZE
            }

            #[doc = concat!("Decodes a ", $label, " from its whole frame (fixed header included).")]
            ///
            /// # Errors
            /// [`Error::PayloadSizeIncorrect`] unless the body is exactly 2 bytes,
            /// [`Error::PacketIdZero`] for packet id 0, [`Error::MalformedFlags`] for
            /// wrong reserved flags.
            pub fn read(fixed_header: FixedHeader, bytes: Bytes) -> Result<Self, Error> {
                Self::decode(fixed_header.body($packet_type, bytes)?)
            }

            /// Decodes the body of a frame whose fixed header [`super::check`] accepted.
            pub(crate) fn decode(body: Bytes) -> Result<Self, Error> {
                decode_ack(body, $packet_type).map(Self::new)
            }

            /// Writes the whole frame and returns its size.
            ///
            /// # Errors
            /// [`Error::PacketIdZero`] for packet id 0; nothing is written then.
            pub fn write(&self, buffer: &mut BytesMut) -> Result<usize, Error> {
                write_ack(buffer, $packet_type, self.pkid)
            }
        }
    };
}

ack_packet!(PubAck, PacketType::PubAck, "PUBACK");
ack_packet!(PubRec, PacketType::PubRec, "PUBREC");
ack_packet!(PubRel, PacketType::PubRel, "PUBREL");
ack_packet!(PubComp, PacketType::PubComp, "PUBCOMP");
ack_packet!(UnsubAck, PacketType::UnsubAck, "UNSUBACK");

#[cfg(test)]
mod tests {
    use super::super::Packet;
    use super::*;

    /// The five acks: the packet, its type and its wire form for packet id 0x1234.
    fn acks() -> [(Packet, PacketType, [u8; 4]); 5] {
        [
            // byte1, remaining length, pkid MSB, pkid LSB
            (
                Packet::PubAck(PubAck::new(0x1234)),
                PacketType::PubAck,
                [0x40, 0x02, 0x12, 0x34],
            ),
            (
                Packet::PubRec(PubRec::new(0x1234)),
                PacketType::PubRec,
                [0x50, 0x02, 0x12, 0x34],
            ),
            (
                Packet::PubRel(PubRel::new(0x1234)),
                PacketType::PubRel,
                [0x62, 0x02, 0x12, 0x34],
            ),
            (
                Packet::PubComp(PubComp::new(0x1234)),
                PacketType::PubComp,
                [0x70, 0x02, 0x12, 0x34],
            ),
            (
                Packet::UnsubAck(UnsubAck::new(0x1234)),
                PacketType::UnsubAck,
                [0xB0, 0x02, 0x12, 0x34],
            ),
        ]
    }

    #[test]
    fn ack_encodes_and_decodes_exact_bytes() {
        for (packet, _, bytes) in acks() {
            let mut buffer = BytesMut::new();
            assert_eq!(packet.write(&mut buffer, 4), Ok(4));
            assert_eq!(&buffer[..], &bytes);
            assert_eq!(packet.size(), 4);
            assert_eq!(Packet::read(&mut buffer, 2), Ok(packet));
            assert!(buffer.is_empty());
        }
    }

    /// [MQTT-2.3.1-1]: packet id 0 is refused on decode and on encode.
    #[test]
    fn ack_with_pkid_zero_is_packet_id_zero() {
        for (packet, packet_type, bytes) in acks() {
            let mut stream = BytesMut::from(&[bytes[0], 0x02, 0x00, 0x00][..]);
            assert_eq!(
                Packet::read(&mut stream, 2),
                Err(Error::PacketIdZero(packet_type))
            );
            let zero = match packet {
                Packet::PubAck(_) => Packet::PubAck(PubAck::new(0)),
                Packet::PubRec(_) => Packet::PubRec(PubRec::new(0)),
                Packet::PubRel(_) => Packet::PubRel(PubRel::new(0)),
                Packet::PubComp(_) => Packet::PubComp(PubComp::new(0)),
                _ => Packet::UnsubAck(UnsubAck::new(0)),
            };
            let mut buffer = BytesMut::from(&b"kept"[..]);
            assert_eq!(
                zero.write(&mut buffer, 10),
                Err(Error::PacketIdZero(packet_type))
            );
            assert_eq!(&buffer[..], b"kept");
        }
    }

    /// MQTT 3.1.1 §3.4.1 (and §3.5-3.7, §3.11): the remaining length of an ack is 2.
    #[test]
    fn ack_with_wrong_remaining_length_is_payload_size_incorrect() {
        for (_, packet_type, bytes) in acks() {
            for (frame, actual) in [
                (&[bytes[0], 0x03, 0x00, 0x01, 0x00][..], 3),
                (&[bytes[0], 0x01, 0x01][..], 1),
                (&[bytes[0], 0x00][..], 0),
            ] {
                let mut stream = BytesMut::from(frame);
                assert_eq!(
                    Packet::read(&mut stream, 10),
                    Err(Error::PayloadSizeIncorrect {
                        packet_type,
                        expected: 2,
                        actual
                    })
                );
            }
        }
    }

    #[test]
    fn ack_read_with_other_type_header_is_unexpected_packet_type() {
        let frame = Bytes::from_static(&[0x50, 0x02, 0x00, 0x01]);
        let header = FixedHeader::new(0x50, 1, 2);
        assert_eq!(
            PubAck::read(header, frame.clone()),
            Err(Error::UnexpectedPacketType {
                expected: PacketType::PubAck,
                actual: PacketType::PubRec
            })
        );
        assert_eq!(PubRec::read(header, frame), Ok(PubRec::new(1)));
    }

    #[test]
    fn ack_read_with_short_or_long_frame_is_refused() {
        let header = FixedHeader::new(0x40, 1, 2);
        assert_eq!(
            PubAck::read(header, Bytes::from_static(&[0x40, 0x02, 0x00])),
            Err(Error::InsufficientBytes(1))
        );
        assert_eq!(
            PubAck::read(header, Bytes::from_static(&[0x40, 0x02, 0x00, 0x01, 0x00])),
            Err(Error::TrailingBytes {
                packet_type: PacketType::PubAck,
                extra: 1
            })
        );
    }
}
