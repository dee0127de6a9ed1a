//! Bounded reads and writes of the MQTT field types: u8, u16, UTF-8 strings (no U+0000),
//! binary data, the remaining-length varint and the trailing-bytes check. Every read
//! checks what is left first, so nothing here panics; reads slice, they do not copy.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use super::{Error, MAX_REMAINING_LENGTH, PacketType};

/// Most bytes a remaining-length varint may take (MQTT 3.1.1 §2.2.3).
pub(crate) const MAX_VARINT_BYTES: usize = 4;

/// Reads one byte.
pub(crate) fn read_u8(stream: &mut Bytes) -> Result<u8, Error> {
    stream.try_get_u8().map_err(|e| Error::BoundaryCrossed {
        needed: e.requested,
        available: e.available,
    })
}

/// Reads a big-endian u16.
#[inline]
pub(crate) fn read_u16(stream: &mut Bytes) -> Result<u16, Error> {
    stream.try_get_u16().map_err(|e| Error::BoundaryCrossed {
        needed: e.requested,
        available: e.available,
    })
}

/// Reads a big-endian u16 from the front of a slice, returning it and the rest.
#[inline]
pub(crate) fn split_u16(bytes: &[u8]) -> Result<(u16, &[u8]), Error> {
    match bytes.split_first_chunk::<2>() {
        Some((&word, rest)) => Ok((u16::from_be_bytes(word), rest)),
        None => Err(Error::BoundaryCrossed {
            needed: 2,
            available: bytes.len(),
        }),
    }
}

/// Reads a packet id that [MQTT-2.3.1-1] requires to be non-zero.
#[inline]
pub(crate) fn read_pkid(stream: &mut Bytes, packet_type: PacketType) -> Result<u16, Error> {
    read_u16(stream).and_then(|pkid| nonzero_pkid(pkid, packet_type))
}

/// [MQTT-2.3.1-1] refuses packet id 0 where an id is required. The one home of this rule:
/// the codec (read and write), the client's manual acks and the state's replayed PUBREL
/// call it.
#[inline]
pub(crate) const fn nonzero_pkid(pkid: u16, packet_type: PacketType) -> Result<u16, Error> {
    match pkid {
        0 => Err(Error::PacketIdZero(packet_type)),
        pkid => Ok(pkid),
    }
}

/// [MQTT-3.8.3-3], [MQTT-3.10.3-2] a SUBSCRIBE or UNSUBSCRIBE carries at least one topic
/// filter. The one home of this rule: the codec (read and write), the client and the state
/// call it.
#[inline]
pub(crate) const fn has_filters(count: usize, packet_type: PacketType) -> Result<(), Error> {
    match count {
        0 => Err(Error::EmptySubscription(packet_type)),
        _ => Ok(()),
    }
}

/// Reads a u16 length prefix and that many bytes, as a slice of `stream`.
#[inline]
pub(crate) fn read_mqtt_bytes(stream: &mut Bytes) -> Result<Bytes, Error> {
    let len = usize::from(read_u16(stream)?);
    if len > stream.len() {
        return Err(Error::BoundaryCrossed {
            needed: len,
            available: stream.len(),
        });
    }
    Ok(stream.split_to(len))
}

/// Reads an MQTT UTF-8 string into an owned `String`.
pub(crate) fn read_mqtt_string(stream: &mut Bytes) -> Result<String, Error> {
    let bytes = read_mqtt_bytes(stream)?;
    validate_mqtt_string(&bytes).map(str::to_owned)
}

/// Checks the MQTT string rules that Rust's `str` does not already guarantee.
///
/// [MQTT-1.5.3-1] well-formed UTF-8 (no surrogates, no overlong forms) and
/// [MQTT-1.5.3-2] no U+0000.
pub(crate) fn validate_mqtt_string(bytes: &[u8]) -> Result<&str, Error> {
    let text = std::str::from_utf8(bytes).map_err(|_| Error::TopicNotUtf8)?;
    // In UTF-8 a zero byte only ever encodes U+0000.
    if bytes.contains(&0) {
        return Err(Error::NullCharacter);
    }
    Ok(text)
}

/// Fails when bytes remain after the last field of a packet (rustls `Reader::expect_empty`).
pub(crate) fn ensure_consumed(stream: &Bytes, packet_type: PacketType) -> Result<(), Error> {
    match stream.len() {
        0 => Ok(()),
        extra => Err(Error::TrailingBytes { packet_type, extra }),
    }
}

/// Appends `len` as a varint, byte by byte (no copy call for a few bytes); the caller
/// has checked it is at most [`MAX_REMAINING_LENGTH`].
#[inline]
pub(crate) fn put_varint(buffer: &mut BytesMut, mut len: usize) {
    loop {
        // Masked to 7 bits, so the cast keeps every bit.
        let digit = (len & 0x7F) as u8;
        len >>= 7;
        if len == 0 {
            buffer.put_u8(digit);
            return;
        }
        buffer.put_u8(digit | 0x80);
    }
}

/// Writes a remaining-length varint and returns how many bytes it took.
///
/// # Errors
/// [`Error::PayloadTooLong`] above [`MAX_REMAINING_LENGTH`]; nothing is written then.
pub(crate) fn write_remaining_length(buffer: &mut BytesMut, len: usize) -> Result<usize, Error> {
    if len > MAX_REMAINING_LENGTH {
        return Err(Error::PayloadTooLong(len));
    }
    let start = buffer.len();
    put_varint(buffer, len);
    Ok(buffer.len() - start)
}

/// Writes a u16 length prefix and `bytes`; on error nothing is written.
pub(crate) fn write_mqtt_bytes(buffer: &mut BytesMut, bytes: &[u8]) -> Result<(), Error> {
    let len = u16::try_from(bytes.len()).map_err(|_| Error::PayloadTooLong(bytes.len()))?;
    buffer.put_u16(len);
    buffer.put_slice(bytes);
    Ok(())
}

/// Writes an MQTT UTF-8 string; on error nothing is written.
pub(crate) fn write_mqtt_string(buffer: &mut BytesMut, text: &str) -> Result<(), Error> {
    // A `str` is UTF-8 already; a zero byte in it can only be U+0000.
    if text.as_bytes().contains(&0) {
        return Err(Error::NullCharacter);
    }
    write_mqtt_bytes(buffer, text.as_bytes())
}

/// MQTT 3.1.1 §2.2.3 Table 2.4: remaining lengths at every varint width boundary, with
/// their encodings (shared by the encode and decode tests).
#[cfg(test)]
pub(super) const REMAINING_LENGTH_BOUNDARIES: [(usize, &[u8]); 8] = [
    (0, &[0x00]),
    (127, &[0x7F]),
    (128, &[0x80, 0x01]),
    (16_383, &[0xFF, 0x7F]),
    (16_384, &[0x80, 0x80, 0x01]),
    (2_097_151, &[0xFF, 0xFF, 0x7F]),
    (2_097_152, &[0x80, 0x80, 0x80, 0x01]),
    (268_435_455, &[0xFF, 0xFF, 0xFF, 0x7F]),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// [MQTT-1.5.3-1]: a length prefix promising more than is left is refused.
    #[test]
    fn read_mqtt_bytes_longer_than_stream_is_boundary_crossed() {
        let mut stream = Bytes::from_static(&[0x00, 0x05, b'a', b'b']);
        assert_eq!(
            read_mqtt_bytes(&mut stream),
            Err(Error::BoundaryCrossed {
                needed: 5,
                available: 2
            })
        );
    }

    #[test]
    fn read_u16_on_one_byte_is_boundary_crossed() {
        let mut stream = Bytes::from_static(&[0x01]);
        assert_eq!(
            read_u16(&mut stream),
            Err(Error::BoundaryCrossed {
                needed: 2,
                available: 1
            })
        );
        assert_eq!(
            read_u8(&mut Bytes::new()),
            Err(Error::BoundaryCrossed {
                needed: 1,
                available: 0
            })
        );
    }

    #[test]
    fn read_mqtt_bytes_returns_slice_of_stream() {
        let mut stream = Bytes::from_static(&[0x00, 0x03, b'a', b'/', b'b', 0xFF]);
        let start = stream.as_ptr() as usize;
        let field = read_mqtt_bytes(&mut stream).unwrap();
        assert_eq!(&field[..], b"a/b");
        assert_eq!(field.as_ptr() as usize, start + 2);
        assert_eq!(&stream[..], &[0xFF]);
    }

    /// [MQTT-1.5.3-1] surrogates and overlong forms; [MQTT-1.5.3-2] U+0000.
    #[test]
    fn validate_mqtt_string_rejects_bad_utf8_and_null() {
        let cases: [(&[u8], Error); 4] = [
            (&[0xED, 0xA0, 0x80], Error::TopicNotUtf8), // U+D800 surrogate
            (&[0xC0, 0xAF], Error::TopicNotUtf8),       // overlong '/'
            (&[0xFF], Error::TopicNotUtf8),             // never valid
            (b"a\0b", Error::NullCharacter),            // U+0000
        ];
        for (bytes, error) in cases {
            assert_eq!(validate_mqtt_string(bytes), Err(error), "{bytes:?}");
        }
        // A byte-order mark is kept, not stripped (MQTT 3.1.1 §1.5.3).
        assert_eq!(validate_mqtt_string(b"\xEF\xBB\xBFa"), Ok("\u{FEFF}a"));
    }

    #[test]
    fn encode_remaining_length_matches_spec_table() {
        // MQTT 3.1.1 §2.2.3 Table 2.4 boundaries.
        for (len, bytes) in REMAINING_LENGTH_BOUNDARIES {
            let mut buffer = BytesMut::new();
            assert_eq!(write_remaining_length(&mut buffer, len), Ok(bytes.len()));
            assert_eq!(&buffer[..], bytes, "{len}");
        }
        let mut buffer = BytesMut::new();
        assert_eq!(
            write_remaining_length(&mut buffer, 268_435_456),
            Err(Error::PayloadTooLong(268_435_456))
        );
        assert!(buffer.is_empty());
    }

    #[test]
    fn write_mqtt_string_over_u16_is_payload_too_long_and_writes_nothing() {
        let long = "a".repeat(65_536);
        let mut buffer = BytesMut::new();
        assert_eq!(
            write_mqtt_string(&mut buffer, &long),
            Err(Error::PayloadTooLong(65_536))
        );
        assert_eq!(
            write_mqtt_string(&mut buffer, "a\0"),
            Err(Error::NullCharacter)
        );
        assert!(buffer.is_empty());
        assert_eq!(write_mqtt_string(&mut buffer, &long[1..]), Ok(()));
        assert_eq!(buffer.len(), 65_537);
        assert_eq!(&buffer[..2], &[0xFF, 0xFF]);
    }
}
