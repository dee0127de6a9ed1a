//! PINGREQ, PINGRESP and DISCONNECT: packets with no body. Decoding them is the fixed
//! header's job ([`super::check`] refuses a body on them).

use bytes::BytesMut;

use super::header::{fixed_byte1, write_packet};
use super::{Error, PacketType};

/// PINGREQ
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PingReq;

/// PINGRESP
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PingResp;

/// DISCONNECT
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disconnect;

/// Generates `size` and `write` for a packet that is only a fixed header.
macro_rules! empty_packet {
    ($name:ident, $packet_type:expr) => {
        impl $name {
            /// Size of the whole frame: always 2.
            pub const fn size(&self) -> usize {
                2
            }

            /// Writes the two-byte frame and returns its size.
            ///
            /// # Errors
            /// None in practice; the `Result` keeps the shape every packet's `write` has.
            pub fn write(&self, buffer: &mut BytesMut) -> Result<usize, Error> {
                write_packet(buffer, fixed_byte1($packet_type), 0, |_| Ok(()))
            }
        }
    };
}

empty_packet!(PingReq, PacketType::PingReq);
empty_packet!(PingResp, PacketType::PingResp);
empty_packet!(Disconnect, PacketType::Disconnect);

#[cfg(test)]
mod tests {
    use super::super::Packet;
    use super::*;

    #[test]
    fn empty_packets_encode_to_their_two_bytes() {
        let cases = [
            (Packet::PingReq, [0xC0, 0x00]),
            (Packet::PingResp, [0xD0, 0x00]),
            (Packet::Disconnect, [0xE0, 0x00]),
        ];
        for (packet, bytes) in cases {
            let mut buffer = BytesMut::new();
            assert_eq!(packet.write(&mut buffer, 2), Ok(2));
            assert_eq!(&buffer[..], &bytes);
            assert_eq!(packet.size(), 2);
            assert_eq!(Packet::read(&mut buffer, 0), Ok(packet));
            assert!(buffer.is_empty());
        }
    }

    /// MQTT 3.1.1 §3.12.3, §3.13.3, §3.14.3: these packets have no payload, so a body
    /// is malformed rather than ignored.
    #[test]
    fn empty_packet_with_body_is_payload_size_incorrect() {
        for (byte1, packet_type) in [
            (0xC0, PacketType::PingReq),
            (0xD0, PacketType::PingResp),
            (0xE0, PacketType::Disconnect),
        ] {
            let mut stream = BytesMut::from(&[byte1, 0x01, 0x00][..]);
            assert_eq!(
                Packet::read(&mut stream, 10),
                Err(Error::PayloadSizeIncorrect {
                    packet_type,
                    expected: 0,
                    actual: 1
                })
            );
            assert_eq!(stream.len(), 3);
        }
    }
}
