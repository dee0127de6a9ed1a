//! Remaining-length varint: every boundary, over-long and non-minimal encodings, the write limit.

use super::*;

/// MQTT 3.1.1 §2.2.3: remaining lengths at every varint width boundary decode, with the
/// header alone asking for exactly the body.
#[test]
fn remaining_length_boundaries_decode_from_header() {
    for (len, varint) in primitives::REMAINING_LENGTH_BOUNDARIES {
        // PUBLISH allows any length (0 only where the type allows it: use PINGREQ).
        let byte1 = if len == 0 { 0xC0 } else { 0x30 };
        let mut header = vec![byte1];
        header.extend_from_slice(varint);
        let result = check(header.iter(), MAX_REMAINING_LENGTH);
        if len == 0 {
            assert_eq!(result, Ok(FixedHeader::new(0xC0, 1, 0)));
        } else {
            assert_eq!(result, Err(Error::InsufficientBytes(len)), "{len}");
        }
    }
}

/// MQTT 3.1.1 §2.2.3: whole PUBLISH frames at the boundaries up to 2,097,152 round-trip
/// with the expected header length.
#[test]
fn publish_at_remaining_length_boundaries_round_trips() {
    for (remaining, header_len) in [
        (127, 2),
        (128, 3),
        (16_383, 3),
        (16_384, 4),
        (2_097_151, 4),
        (2_097_152, 5),
    ] {
        // Topic field "t" takes 3 bytes of the body.
        let packet = Packet::Publish(publish("t", QoS::AtMostOnce, 0, &vec![7; remaining - 3]));
        assert_eq!(packet.size(), remaining + header_len);
        let mut buffer = BytesMut::new();
        assert_eq!(packet.write(&mut buffer, MAX), Ok(remaining + header_len));
        assert_eq!(Packet::read(&mut buffer, MAX), Ok(packet));
        assert!(buffer.is_empty());
    }
}

/// MQTT 3.1.1 §2.2.3: at most four remaining-length bytes; a fourth with its
/// continuation bit set is malformed before any fifth byte arrives.
#[test]
fn remaining_length_over_four_bytes_is_malformed() {
    let cases: [&[u8]; 3] = [
        &[0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
        &[0x30, 0x80, 0x80, 0x80, 0x80],
        &[0xC0, 0x80, 0x80, 0x80, 0x80, 0x00],
    ];
    for bytes in cases {
        assert_eq!(read_error(bytes), Error::MalformedRemainingLength);
    }
}

#[test]
fn remaining_length_non_minimal_encoding_is_accepted() {
    let mut stream = BytesMut::from(&[0xC0, 0x80, 0x00][..]);
    assert_eq!(Packet::read(&mut stream, MAX), Ok(Packet::PingReq));
    assert!(stream.is_empty());
}

/// MQTT 3.1.1 §2.2.3: nothing longer than 268,435,455 can be framed, so writing it fails.
#[test]
fn write_over_max_remaining_length_is_payload_too_long() {
    // Zeroed pages: the payload is never touched because the check comes first.
    let payload = Bytes::from(vec![0u8; MAX_REMAINING_LENGTH - 2]);
    let packet = Packet::Publish(Publish::from_bytes("t", QoS::AtMostOnce, payload));
    let mut buffer = BytesMut::new();
    assert_eq!(
        packet.write(&mut buffer, usize::MAX),
        Err(Error::PayloadTooLong(MAX_REMAINING_LENGTH + 1))
    );
    assert!(buffer.is_empty());
    assert_eq!(buffer.capacity(), 0);
}
