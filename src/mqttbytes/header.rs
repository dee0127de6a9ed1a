//! The fixed header: packet type, reserved flags and remaining length, checked before the
//! body is buffered. The one place where flag rules and per-type body-length shapes live;
//! the bodies themselves are parsed by the packet files.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use super::primitives::{MAX_VARINT_BYTES, write_remaining_length};
use super::{Error, MAX_REMAINING_LENGTH, PacketType};

/// A parsed fixed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd)]
pub struct FixedHeader {
    byte1: u8,
    header_len: usize,
    remaining_len: usize,
}

impl FixedHeader {
    /// New fixed header from its first byte, the length of its remaining-length varint
    /// and the remaining length itself.
    pub const fn new(byte1: u8, remaining_len_len: usize, remaining_len: usize) -> Self {
        Self {
            byte1,
            header_len: remaining_len_len.saturating_add(1),
            remaining_len,
        }
    }

    /// The packet type in the high nibble.
    ///
    /// # Errors
    /// [`Error::InvalidPacketType`] for the reserved nibbles 0 and 15.
    pub const fn packet_type(&self) -> Result<PacketType, Error> {
        Ok(match self.byte1 >> 4 {
            1 => PacketType::Connect,
            2 => PacketType::ConnAck,
            3 => PacketType::Publish,
            4 => PacketType::PubAck,
            5 => PacketType::PubRec,
            6 => PacketType::PubRel,
            7 => PacketType::PubComp,
            8 => PacketType::Subscribe,
            9 => PacketType::SubAck,
            10 => PacketType::Unsubscribe,
            11 => PacketType::UnsubAck,
            12 => PacketType::PingReq,
            13 => PacketType::PingResp,
            14 => PacketType::Disconnect,
            nibble => return Err(Error::InvalidPacketType(nibble)),
        })
    }

    /// Header plus body length.
    pub const fn frame_length(&self) -> usize {
        self.header_len.saturating_add(self.remaining_len)
    }

    /// The low nibble of the first byte (PUBLISH keeps DUP, QoS and RETAIN there).
    pub(crate) const fn flags(&self) -> u8 {
        self.byte1 & 0x0F
    }

    /// Validates this header for a packet of type `expected` and cuts the body out of
    /// `frame`, which must hold exactly the whole frame (header included).
    pub(crate) fn body(&self, expected: PacketType, mut frame: Bytes) -> Result<Bytes, Error> {
        let actual = validate_byte1(self.byte1)?;
        validate_body_len(actual, self.remaining_len)?;
        if actual != expected {
            return Err(Error::UnexpectedPacketType { expected, actual });
        }
        let frame_len = self.frame_length();
        if frame.len() < frame_len {
            return Err(Error::InsufficientBytes(frame_len - frame.len()));
        }
        if frame.len() > frame_len {
            return Err(Error::TrailingBytes {
                packet_type: actual,
                extra: frame.len() - frame_len,
            });
        }
        // In range: header_len <= frame_len == frame.len(). Advancing the owned frame
        // avoids the reference-count round trip a `slice` would cost.
        frame.advance(self.header_len);
        Ok(frame)
    }
}

/// Splits off the front of `stream` the frame [`check`] accepted with `header`, and returns
/// its body without re-validating the header.
#[inline]
pub(crate) fn split_body(header: &FixedHeader, stream: &mut BytesMut) -> Bytes {
    // `check` guarantees the whole frame is buffered and header_len <= frame_length.
    let mut frame = stream.split_to(header.frame_length()).freeze();
    frame.advance(header.header_len);
    frame
}

/// Checks `remaining_len` against the body shape of `packet_type`.
const fn validate_body_len(packet_type: PacketType, remaining_len: usize) -> Result<(), Error> {
    match exact_body_len(packet_type) {
        Some(expected) if remaining_len != expected => Err(Error::PayloadSizeIncorrect {
            packet_type,
            expected,
            actual: remaining_len,
        }),
        None if remaining_len == 0 => Err(Error::PayloadRequired(packet_type)),
        _ => Ok(()),
    }
}

/// The flags [MQTT-2.2.2-1] fixes for `packet_type`; `None` for PUBLISH, whose flags carry data.
const fn required_flags(packet_type: PacketType) -> Option<u8> {
    match packet_type {
        PacketType::Publish => None,
        PacketType::PubRel | PacketType::Subscribe | PacketType::Unsubscribe => Some(0b0010),
        _ => Some(0b0000),
    }
}

/// The only body length a fixed-size packet may have; `None` for packets whose body
/// varies but must not be empty.
const fn exact_body_len(packet_type: PacketType) -> Option<usize> {
    match packet_type {
        PacketType::PingReq | PacketType::PingResp | PacketType::Disconnect => Some(0),
        PacketType::ConnAck
        | PacketType::PubAck
        | PacketType::PubRec
        | PacketType::PubRel
        | PacketType::PubComp
        | PacketType::UnsubAck => Some(2),
        PacketType::Connect
        | PacketType::Publish
        | PacketType::Subscribe
        | PacketType::SubAck
        | PacketType::Unsubscribe => None,
    }
}

/// Checks the type nibble and the reserved flags of a first byte.
fn validate_byte1(byte1: u8) -> Result<PacketType, Error> {
    let header = FixedHeader::new(byte1, 0, 0);
    let packet_type = header.packet_type()?;
    match required_flags(packet_type) {
        Some(required) if header.flags() != required => Err(Error::MalformedFlags {
            packet_type,
            flags: header.flags(),
        }),
        _ => Ok(packet_type),
    }
}

/// The first byte of a packet of `packet_type` with its fixed flags (0 flags for PUBLISH).
pub(crate) const fn fixed_byte1(packet_type: PacketType) -> u8 {
    let flags = match required_flags(packet_type) {
        Some(flags) => flags,
        None => 0,
    };
    ((packet_type as u8) << 4) | flags
}

/// Bytes taken by the remaining-length varint of `remaining_len`.
pub(crate) const fn remaining_length_len(remaining_len: usize) -> usize {
    match remaining_len {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        _ => 4,
    }
}

/// Size of a whole frame whose body is `remaining_len` bytes.
pub(crate) const fn frame_size(remaining_len: usize) -> usize {
    1 + remaining_length_len(remaining_len) + remaining_len
}

/// Writes a whole packet: the fixed header, then `body`, which must write exactly
/// `remaining_len` bytes. Reserves once; on any error `buffer` is left as it was.
/// Returns the frame size.
pub(crate) fn write_packet(
    buffer: &mut BytesMut,
    byte1: u8,
    remaining_len: usize,
    body: impl FnOnce(&mut BytesMut) -> Result<(), Error>,
) -> Result<usize, Error> {
    // Checked first, so a too-long packet fails before anything is reserved or written.
    if remaining_len > MAX_REMAINING_LENGTH {
        return Err(Error::PayloadTooLong(remaining_len));
    }
    let start = buffer.len();
    buffer.reserve(frame_size(remaining_len));
    buffer.put_u8(byte1);
    let written = write_remaining_length(buffer, remaining_len).and_then(|_| body(buffer));
    match written {
        Ok(()) => Ok(buffer.len() - start),
        Err(error) => {
            buffer.truncate(start);
            Err(error)
        }
    }
}

/// Parses the fixed header at the front of `stream` and checks the frame is whole.
///
/// Errors come as soon as the bytes show them: the type and reserved flags from the
/// first byte, the body-length rules and `max_packet_size` from the remaining length,
/// all before the body has arrived.
///
/// # Errors
/// - [`Error::InsufficientBytes`] with at least how many more bytes are needed, until
///   the whole frame is present;
/// - [`Error::InvalidPacketType`], [`Error::MalformedFlags`] from the first byte;
/// - [`Error::MalformedRemainingLength`] for a varint longer than 4 bytes;
/// - [`Error::PayloadRequired`], [`Error::PayloadSizeIncorrect`] when the remaining
///   length cannot be right for the type;
/// - [`Error::PayloadSizeLimitExceeded`] when the remaining length exceeds
///   `max_packet_size`.
#[inline]
pub fn check(
    stream: std::slice::Iter<'_, u8>,
    max_packet_size: usize,
) -> Result<FixedHeader, Error> {
    check_frame(stream.as_slice(), max_packet_size).map(|(header, _)| header)
}

/// [`check`] over a slice, also returning the packet type so decoding need not recheck it.
#[inline]
pub(crate) fn check_frame(
    stream: &[u8],
    max_packet_size: usize,
) -> Result<(FixedHeader, PacketType), Error> {
    let Some((&byte1, rest)) = stream.split_first() else {
        return Err(Error::InsufficientBytes(2));
    };
    let packet_type = validate_byte1(byte1)?;
    let (remaining_len, varint_len) = read_remaining_length(rest)?;
    validate_body_len(packet_type, remaining_len)?;
    if remaining_len > max_packet_size {
        return Err(Error::PayloadSizeLimitExceeded {
            size: remaining_len,
            max: max_packet_size,
        });
    }
    let header = FixedHeader::new(byte1, varint_len, remaining_len);
    let frame_len = header.frame_length();
    if stream.len() < frame_len {
        return Err(Error::InsufficientBytes(frame_len - stream.len()));
    }
    Ok((header, packet_type))
}

/// Decodes the remaining-length varint; returns the value and the varint's length.
/// Non-minimal encodings are accepted.
#[inline]
fn read_remaining_length(bytes: &[u8]) -> Result<(usize, usize), Error> {
    let mut value = 0usize;
    let mut read = 0;
    for &byte in bytes.iter().take(MAX_VARINT_BYTES) {
        value |= usize::from(byte & 0x7F) << (7 * read);
        read += 1;
        if byte & 0x80 == 0 {
            return Ok((value, read));
        }
    }
    if read == MAX_VARINT_BYTES {
        // The 4th byte still has its continuation bit set.
        Err(Error::MalformedRemainingLength)
    } else {
        Err(Error::InsufficientBytes(1))
    }
}
