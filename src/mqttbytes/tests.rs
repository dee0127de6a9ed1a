//! Codec tests across packet types: exact wire vectors both ways, one table per rejection
//! rule (each citing its MQTT 3.1.1 statement), remaining-length boundaries, framing.

use bytes::{Bytes, BytesMut};

use super::*;

/// Generous limit for tests that are not about size limits.
const MAX: usize = 4 * 1024 * 1024;

/// Writes `packet`, checks the exact bytes and `size`, reads it back whole.
fn assert_codec(packet: &Packet, bytes: &[u8]) {
    let mut buffer = BytesMut::new();
    assert_eq!(
        packet.write(&mut buffer, MAX),
        Ok(bytes.len()),
        "{packet:?}"
    );
    assert_eq!(&buffer[..], bytes, "{packet:?}");
    assert_eq!(packet.size(), bytes.len(), "{packet:?}");
    let mut stream = BytesMut::from(bytes);
    assert_eq!(Packet::read(&mut stream, MAX).as_ref(), Ok(packet));
    assert!(stream.is_empty());
}

/// Reads `bytes` as one frame and returns the error it must produce.
fn read_error(bytes: &[u8]) -> Error {
    let mut stream = BytesMut::from(bytes);
    match Packet::read(&mut stream, MAX) {
        Ok(packet) => panic!("{bytes:02x?} decoded to {packet:?}"),
        Err(error) => error,
    }
}

/// Writes `packet`, which must fail, and checks the buffer kept its content.
fn write_error(packet: &Packet) -> Error {
    let mut buffer = BytesMut::from(&b"kept"[..]);
    let error = match packet.write(&mut buffer, MAX) {
        Ok(size) => panic!("{packet:?} encoded to {size} bytes"),
        Err(error) => error,
    };
    assert_eq!(&buffer[..], b"kept", "{packet:?}");
    error
}

fn publish(topic: &str, qos: QoS, pkid: u16, payload: &[u8]) -> Publish {
    let mut publish = Publish::new(topic, qos, payload);
    publish.pkid = pkid;
    publish
}

fn subscribe(pkid: u16, filters: &[(&str, QoS)]) -> Subscribe {
    let mut subscribe = Subscribe::new_many(
        filters
            .iter()
            .map(|&(path, qos)| SubscribeFilter::new(path.to_owned(), qos)),
    );
    subscribe.pkid = pkid;
    subscribe
}

fn unsubscribe(pkid: u16, topics: &[&str]) -> Unsubscribe {
    Unsubscribe {
        pkid,
        topics: topics.iter().map(|&topic| topic.to_owned()).collect(),
    }
}

/// One valid packet of every type, used by the framing tests.
fn every_packet() -> Vec<Packet> {
    let mut connect = Connect::new("client");
    connect.last_will = Some(LastWill::new("will", "gone", QoS::AtLeastOnce, true));
    connect.set_credentials("user", Bytes::from_static(b"\x00\xFFpw"));
    vec![
        Packet::Connect(connect),
        Packet::ConnAck(ConnAck::new(ConnectReturnCode::Success, true)),
        Packet::Publish(publish("a/b", QoS::ExactlyOnce, 7, &[0x5A; 300])),
        Packet::PubAck(PubAck::new(1)),
        Packet::PubRec(PubRec::new(2)),
        Packet::PubRel(PubRel::new(3)),
        Packet::PubComp(PubComp::new(4)),
        Packet::Subscribe(subscribe(
            5,
            &[("a/+", QoS::AtLeastOnce), ("#", QoS::AtMostOnce)],
        )),
        Packet::SubAck(SubAck::new(5, vec![SubscribeReasonCode::Failure])),
        Packet::Unsubscribe(unsubscribe(6, &["a/+"])),
        Packet::UnsubAck(UnsubAck::new(6)),
        Packet::PingReq,
        Packet::PingResp,
        Packet::Disconnect,
    ]
}

#[test]
fn connect_minimal_encodes_and_decodes_exact_bytes() {
    let bytes = [
        0x10, // CONNECT
        0x0E, // remaining length 14
        0x00, 0x04, b'M', b'Q', b'T', b'T', // protocol name
        0x04, // protocol level 4
        0x02, // connect flags: clean session
        0x00, 0x0A, // keep alive 10 s
        0x00, 0x02, b'i', b'd', // client id "id"
    ];
    assert_codec(&Packet::Connect(Connect::new("id")), &bytes);
}

#[test]
fn connect_with_will_and_credentials_encodes_and_decodes_exact_bytes() {
    let mut connect = Connect::new("c");
    connect.keep_alive = 60;
    connect.clean_session = false;
    connect.last_will = Some(LastWill::new("w", "bye", QoS::AtLeastOnce, true));
    connect.set_credentials("u", Bytes::from_static(&[0x01, 0x02]));
    let bytes = [
        0x10, // CONNECT
        0x1C, // remaining length 28
        0x00, 0x04, b'M', b'Q', b'T', b'T', // protocol name
        0x04, // protocol level 4
        0xEC, // flags: user name, password, will retain, will QoS 1, will
        0x00, 0x3C, // keep alive 60 s
        0x00, 0x01, b'c', // client id
        0x00, 0x01, b'w', // will topic
        0x00, 0x03, b'b', b'y', b'e', // will message
        0x00, 0x01, b'u', // user name
        0x00, 0x02, 0x01, 0x02, // password (binary)
    ];
    assert_codec(&Packet::Connect(connect), &bytes);
}

#[test]
fn connect_with_username_only_sets_only_username_flag() {
    let mut connect = Connect::new("c");
    connect.set_username("u");
    let bytes = [
        0x10, // CONNECT
        0x10, // remaining length 16
        0x00, 0x04, b'M', b'Q', b'T', b'T', // protocol name
        0x04, // protocol level 4
        0x82, // flags: user name, clean session
        0x00, 0x0A, // keep alive 10 s
        0x00, 0x01, b'c', // client id
        0x00, 0x01, b'u', // user name
    ];
    assert_codec(&Packet::Connect(connect.clone()), &bytes);
    assert_eq!(connect.clear_auth().auth, ConnectAuth::None);
}

#[test]
fn connect_auth_validate_needs_matching_username_and_password() {
    let mut connect = Connect::new("c");
    connect.set_credentials("u", Bytes::from_static(b"p"));
    assert!(connect.auth.validate("u", b"p"));
    assert!(!connect.auth.validate("u", b"q"));
    assert!(!connect.auth.validate("v", b"p"));
    connect.set_username("u");
    assert!(!connect.auth.validate("u", b""));
}

#[test]
fn publish_qos0_encodes_and_decodes_exact_bytes() {
    let mut packet = publish("a/b", QoS::AtMostOnce, 0, b"hello");
    packet.retain = true;
    let bytes = [
        0x31, // PUBLISH, QoS 0, retain
        0x0A, // remaining length 10
        0x00, 0x03, b'a', b'/', b'b', // topic
        b'h', b'e', b'l', b'l', b'o', // payload (no packet id at QoS 0)
    ];
    assert_codec(&Packet::Publish(packet), &bytes);
}

#[test]
fn publish_qos0_ignores_pkid_when_writing() {
    let packet = publish("t", QoS::AtMostOnce, 9, b"");
    let mut buffer = BytesMut::new();
    assert_eq!(Packet::Publish(packet).write(&mut buffer, MAX), Ok(5));
    assert_eq!(&buffer[..], &[0x30, 0x03, 0x00, 0x01, b't']);
}

#[test]
fn publish_qos2_dup_with_empty_payload_encodes_and_decodes_exact_bytes() {
    let mut packet = publish("t", QoS::ExactlyOnce, 0x0102, b"");
    packet.dup = true;
    let bytes = [
        0x3C, // PUBLISH, DUP, QoS 2
        0x05, // remaining length 5
        0x00, 0x01, b't', // topic
        0x01, 0x02, // packet id 258; empty payload
    ];
    assert_codec(&Packet::Publish(packet), &bytes);
}

#[test]
fn publish_decode_slices_the_read_buffer() {
    let frame = [0x30, 0x06, 0x00, 0x01, b't', b'a', b'b', b'c'];
    let mut stream = BytesMut::from(&frame[..]);
    let start = stream.as_ptr() as usize;
    let Ok(Packet::Publish(packet)) = Packet::read(&mut stream, MAX) else {
        panic!("not a publish");
    };
    // Zero copy: topic and payload point into the original allocation.
    assert_eq!(packet.topic.as_ptr() as usize, start + 4);
    assert_eq!(packet.payload.as_ptr() as usize, start + 5);
    assert_eq!(packet.topic_str(), Ok("t"));
}

#[test]
fn subscribe_encodes_and_decodes_exact_bytes() {
    let packet = subscribe(10, &[("a/+", QoS::AtLeastOnce), ("#", QoS::AtMostOnce)]);
    let bytes = [
        0x82, // SUBSCRIBE, flags 0010
        0x0C, // remaining length 12
        0x00, 0x0A, // packet id 10
        0x00, 0x03, b'a', b'/', b'+', // filter "a/+"
        0x01, // options: QoS 1
        0x00, 0x01, b'#', // filter "#"
        0x00, // options: QoS 0
    ];
    assert_codec(&Packet::Subscribe(packet), &bytes);
}

#[test]
fn suback_encodes_and_decodes_exact_bytes() {
    let codes = vec![
        SubscribeReasonCode::Success(QoS::AtLeastOnce),
        SubscribeReasonCode::Failure,
        SubscribeReasonCode::Success(QoS::AtMostOnce),
        SubscribeReasonCode::Success(QoS::ExactlyOnce),
    ];
    let bytes = [
        0x90, // SUBACK
        0x06, // remaining length 6
        0x00, 0x0A, // packet id 10
        0x01, // granted QoS 1
        0x80, // failure
        0x00, // granted QoS 0
        0x02, // granted QoS 2
    ];
    assert_codec(&Packet::SubAck(SubAck::new(10, codes)), &bytes);
}

#[test]
fn unsubscribe_encodes_and_decodes_exact_bytes() {
    let bytes = [
        0xA2, // UNSUBSCRIBE, flags 0010
        0x0A, // remaining length 10
        0x00, 0x0B, // packet id 11
        0x00, 0x01, b'a', // filter "a"
        0x00, 0x03, b'b', b'/', b'c', // filter "b/c"
    ];
    assert_codec(&Packet::Unsubscribe(unsubscribe(11, &["a", "b/c"])), &bytes);
}

#[test]
fn subscribe_reason_code_try_from_accepts_only_granted_qos_and_failure() {
    for code in 0..=u8::MAX {
        let expected = match code {
            0 => Ok(SubscribeReasonCode::Success(QoS::AtMostOnce)),
            1 => Ok(SubscribeReasonCode::Success(QoS::AtLeastOnce)),
            2 => Ok(SubscribeReasonCode::Success(QoS::ExactlyOnce)),
            0x80 => Ok(SubscribeReasonCode::Failure),
            code => Err(Error::InvalidSubscribeReasonCode(code)),
        };
        assert_eq!(SubscribeReasonCode::try_from(code), expected);
    }
}

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

/// [MQTT-2.2.2-1], [MQTT-2.2.2-2]: reserved flags must be exactly as Table 2.2 lists
/// them, for every packet type but PUBLISH.
#[test]
fn reserved_flags_other_than_table_are_malformed_flags() {
    let types = [
        (PacketType::Connect, 0b0000),
        (PacketType::ConnAck, 0b0000),
        (PacketType::PubAck, 0b0000),
        (PacketType::PubRec, 0b0000),
        (PacketType::PubRel, 0b0010),
        (PacketType::PubComp, 0b0000),
        (PacketType::Subscribe, 0b0010),
        (PacketType::SubAck, 0b0000),
        (PacketType::Unsubscribe, 0b0010),
        (PacketType::UnsubAck, 0b0000),
        (PacketType::PingReq, 0b0000),
        (PacketType::PingResp, 0b0000),
        (PacketType::Disconnect, 0b0000),
    ];
    for (packet_type, required) in types {
        for flags in (0..16u8).filter(|&flags| flags != required) {
            let byte1 = ((packet_type as u8) << 4) | flags;
            // The first byte alone is enough to refuse.
            assert_eq!(
                read_error(&[byte1]),
                Error::MalformedFlags { packet_type, flags },
                "{byte1:#04x}"
            );
            assert_eq!(
                read_error(&[byte1, 0x02, 0x00, 0x01]),
                Error::MalformedFlags { packet_type, flags }
            );
        }
    }
}

/// MQTT 3.1.1 §2.2.1: packet types 0 and 15 are reserved.
#[test]
fn reserved_packet_type_is_invalid_packet_type() {
    assert_eq!(read_error(&[0x00, 0x00]), Error::InvalidPacketType(0));
    assert_eq!(read_error(&[0xF0, 0x00]), Error::InvalidPacketType(15));
}

/// MQTT 3.1.1 §3.1-3.11: every packet but PINGREQ, PINGRESP and DISCONNECT has a body.
#[test]
fn zero_remaining_length_on_body_type_is_payload_required() {
    for (byte1, packet_type) in [
        (0x10, PacketType::Connect),
        (0x30, PacketType::Publish),
        (0x82, PacketType::Subscribe),
        (0x90, PacketType::SubAck),
        (0xA2, PacketType::Unsubscribe),
    ] {
        assert_eq!(
            read_error(&[byte1, 0x00]),
            Error::PayloadRequired(packet_type)
        );
    }
}

/// [MQTT-3.3.1-4]: QoS bits `11` in PUBLISH are malformed.
#[test]
fn publish_with_qos3_is_invalid_qos() {
    for byte1 in [0x36, 0x37, 0x3E, 0x3F] {
        assert_eq!(
            read_error(&[byte1, 0x05, 0x00, 0x01, b't', 0x00, 0x01]),
            Error::InvalidQoS(3)
        );
    }
    assert_eq!(qos(3), Err(Error::InvalidQoS(3)));
}

/// [MQTT-3.3.1-2]: DUP must be 0 on a QoS 0 PUBLISH, on decode and on encode.
#[test]
fn publish_dup_with_qos0_is_dup_with_qos0() {
    assert_eq!(
        read_error(&[0x38, 0x03, 0x00, 0x01, b't']),
        Error::DupWithQoS0
    );
    let mut packet = publish("t", QoS::AtMostOnce, 0, b"");
    packet.dup = true;
    assert_eq!(write_error(&Packet::Publish(packet)), Error::DupWithQoS0);
}

/// [MQTT-2.3.1-1]: PUBLISH (QoS > 0), SUBSCRIBE, SUBACK and UNSUBSCRIBE need a
/// non-zero packet id, on decode and on encode (the acks are covered in `ack.rs`).
#[test]
fn packet_id_zero_where_required_is_packet_id_zero() {
    let frames: [(&[u8], PacketType); 5] = [
        (
            &[0x32, 0x05, 0x00, 0x01, b't', 0x00, 0x00],
            PacketType::Publish,
        ),
        (
            &[0x34, 0x05, 0x00, 0x01, b't', 0x00, 0x00],
            PacketType::Publish,
        ),
        (
            &[0x82, 0x06, 0x00, 0x00, 0x00, 0x01, b'a', 0x00],
            PacketType::Subscribe,
        ),
        (&[0x90, 0x03, 0x00, 0x00, 0x00], PacketType::SubAck),
        (
            &[0xA2, 0x05, 0x00, 0x00, 0x00, 0x01, b'a'],
            PacketType::Unsubscribe,
        ),
    ];
    for (bytes, packet_type) in frames {
        assert_eq!(read_error(bytes), Error::PacketIdZero(packet_type));
    }
    let packets = [
        (
            Packet::Publish(publish("t", QoS::AtLeastOnce, 0, b"")),
            PacketType::Publish,
        ),
        (
            Packet::Publish(publish("t", QoS::ExactlyOnce, 0, b"")),
            PacketType::Publish,
        ),
        (
            Packet::Subscribe(subscribe(0, &[("a", QoS::AtMostOnce)])),
            PacketType::Subscribe,
        ),
        (
            Packet::SubAck(SubAck::new(0, vec![SubscribeReasonCode::Failure])),
            PacketType::SubAck,
        ),
        (
            Packet::Unsubscribe(unsubscribe(0, &["a"])),
            PacketType::Unsubscribe,
        ),
    ];
    for (packet, packet_type) in packets {
        assert_eq!(write_error(&packet), Error::PacketIdZero(packet_type));
    }
}

/// [MQTT-4.7.3-1]: a topic name is at least one character long.
#[test]
fn publish_with_empty_topic_is_empty_topic() {
    assert_eq!(read_error(&[0x30, 0x02, 0x00, 0x00]), Error::EmptyTopic);
    let packet = Packet::Publish(publish("", QoS::AtMostOnce, 0, b"x"));
    assert_eq!(write_error(&packet), Error::EmptyTopic);
}

/// [MQTT-3.3.2-2]: a PUBLISH topic name must not contain wildcards.
#[test]
fn publish_with_wildcard_topic_is_wildcard_in_topic() {
    for topic in ["+", "#", "a/+", "a/#", "a+b"] {
        let mut frame = vec![0x30, 2 + topic.len() as u8, 0x00, topic.len() as u8];
        frame.extend_from_slice(topic.as_bytes());
        assert_eq!(read_error(&frame), Error::WildcardInTopic, "{topic}");
        let packet = Packet::Publish(publish(topic, QoS::AtMostOnce, 0, b""));
        assert_eq!(write_error(&packet), Error::WildcardInTopic, "{topic}");
    }
}

/// [MQTT-1.5.3-1]: strings must be well-formed UTF-8 (no surrogates, no overlong
/// forms), in every packet that carries one.
#[test]
fn string_with_invalid_utf8_is_topic_not_utf8() {
    let frames: [&[u8]; 5] = [
        // PUBLISH topic: U+D800 encoded as a surrogate.
        &[0x30, 0x05, 0x00, 0x03, 0xED, 0xA0, 0x80],
        // CONNECT client id: overlong '/'.
        &[
            0x10, 0x0E, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x0A, 0x00, 0x02,
            0xC0, 0xAF,
        ],
        // CONNECT user name: a lone continuation byte.
        &[
            0x10, 0x0F, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x82, 0x00, 0x0A, 0x00, 0x00,
            0x00, 0x01, 0x80,
        ],
        // SUBSCRIBE filter: 0xFF never appears in UTF-8.
        &[0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0xFF, 0x00],
        // UNSUBSCRIBE filter: truncated two-byte sequence.
        &[0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, 0xC3],
    ];
    for bytes in frames {
        assert_eq!(read_error(bytes), Error::TopicNotUtf8, "{bytes:02x?}");
    }
    let mut packet = publish("t", QoS::AtMostOnce, 0, b"");
    packet.topic = Bytes::from_static(&[0xC0, 0xAF]);
    assert_eq!(packet.topic_str(), Err(Error::TopicNotUtf8));
    assert_eq!(write_error(&Packet::Publish(packet)), Error::TopicNotUtf8);
}

/// [MQTT-1.5.3-2]: strings must not contain U+0000, on decode and on encode.
#[test]
fn string_with_null_character_is_null_character() {
    let frames: [&[u8]; 3] = [
        &[0x30, 0x05, 0x00, 0x03, b'a', 0x00, b'b'],
        &[
            0x10, 0x0E, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x0A, 0x00, 0x02,
            b'a', 0x00,
        ],
        &[0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, 0x00],
    ];
    for bytes in frames {
        assert_eq!(read_error(bytes), Error::NullCharacter, "{bytes:02x?}");
    }
    let mut will = Connect::new("c");
    will.last_will = Some(LastWill::new("w\0", "", QoS::AtMostOnce, false));
    let packets = [
        Packet::Publish(publish("a\0", QoS::AtMostOnce, 0, b"")),
        Packet::Connect(Connect::new("a\0")),
        Packet::Connect(will),
        Packet::Subscribe(subscribe(
            1,
            &[("a", QoS::AtMostOnce), ("\0", QoS::AtMostOnce)],
        )),
        Packet::Unsubscribe(unsubscribe(1, &["a", "b\0"])),
    ];
    for packet in packets {
        assert_eq!(write_error(&packet), Error::NullCharacter, "{packet:?}");
    }
}

/// MQTT 3.1.1 §1.5.3: a string is at most 65,535 bytes; longer cannot be written.
#[test]
fn string_over_65535_bytes_is_payload_too_long() {
    let long = "a".repeat(65_536);
    let mut connect = Connect::new("c");
    connect.set_username(long.clone());
    let packets = [
        Packet::Publish(publish(&long, QoS::AtMostOnce, 0, b"")),
        Packet::Connect(Connect::new(long.clone())),
        Packet::Connect(connect),
        Packet::Subscribe(subscribe(1, &[(&long, QoS::AtMostOnce)])),
        Packet::Unsubscribe(unsubscribe(1, &[&long])),
    ];
    for packet in packets {
        assert_eq!(write_error(&packet), Error::PayloadTooLong(65_536));
    }
}

/// A length prefix promising more bytes than the packet holds crosses its boundary.
#[test]
fn field_past_end_of_packet_is_boundary_crossed() {
    let cases: [(&[u8], usize, usize); 4] = [
        // PUBLISH topic length 5 with 2 bytes left.
        (&[0x30, 0x04, 0x00, 0x05, b'a', b'b'], 5, 2),
        // QoS 1 PUBLISH with only one byte for the packet id.
        (&[0x32, 0x04, 0x00, 0x01, b't', 0x00], 2, 1),
        // CONNECT client id length 3 with 1 byte left.
        (
            &[
                0x10, 0x0D, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x0A, 0x00, 0x03,
                b'a',
            ],
            3,
            1,
        ),
        // SUBSCRIBE filter without its options byte.
        (&[0x82, 0x05, 0x00, 0x01, 0x00, 0x01, b'a'], 1, 0),
    ];
    for (bytes, needed, available) in cases {
        assert_eq!(
            read_error(bytes),
            Error::BoundaryCrossed { needed, available }
        );
    }
}

/// rustls-style exact consumption: CONNECT must end with its last field.
#[test]
fn connect_with_trailing_bytes_is_trailing_bytes() {
    let bytes = [
        0x10, 0x10, // CONNECT, remaining length 16
        0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x0A, // header fields
        0x00, 0x02, b'i', b'd', // client id
        0xAA, 0xBB, // two bytes after the last field
    ];
    assert_eq!(
        read_error(&bytes),
        Error::TrailingBytes {
            packet_type: PacketType::Connect,
            extra: 2
        }
    );
}

/// MQTT 3.1.1 §3.2.1: CONNACK has a remaining length of exactly 2.
#[test]
fn connack_with_extra_byte_is_payload_size_incorrect() {
    assert_eq!(
        read_error(&[0x20, 0x03, 0x00, 0x00, 0x00]),
        Error::PayloadSizeIncorrect {
            packet_type: PacketType::ConnAck,
            expected: 2,
            actual: 3
        }
    );
}

/// [MQTT-3.1.2-1]: the protocol name must be "MQTT".
#[test]
fn connect_with_other_protocol_name_is_invalid_protocol() {
    for name in [&b"MQIsdp"[..], b"mqtt", b"MQT", b"\xFF\xFF\xFF\xFF"] {
        let mut frame = vec![0x10, (2 + name.len() + 6) as u8, 0x00, name.len() as u8];
        frame.extend_from_slice(name);
        frame.extend_from_slice(&[0x04, 0x02, 0x00, 0x0A, 0x00, 0x00]);
        assert_eq!(read_error(&frame), Error::InvalidProtocol, "{name:?}");
    }
}

/// [MQTT-3.1.2-2]: only protocol level 4 is MQTT 3.1.1.
#[test]
fn connect_with_other_level_is_invalid_protocol_level() {
    for level in [3, 5, 0, 0xFF] {
        let frame = [
            0x10, 0x0C, 0x00, 0x04, b'M', b'Q', b'T', b'T', level, 0x02, 0x00, 0x0A, 0x00, 0x00,
        ];
        assert_eq!(read_error(&frame), Error::InvalidProtocolLevel(level));
    }
}

/// Connect flags rules of MQTT 3.1.1 §3.1.2.3, one row per statement.
#[test]
fn connect_flags_breaking_a_rule_are_refused() {
    let cases = [
        // [MQTT-3.1.2-3] reserved bit 0 set.
        (0x03, Error::ReservedConnectFlag),
        // [MQTT-3.1.2-13] will QoS without the will flag.
        (0x0A, Error::WillFlagMismatch),
        (0x12, Error::WillFlagMismatch),
        // [MQTT-3.1.2-15] will retain without the will flag.
        (0x22, Error::WillFlagMismatch),
        // [MQTT-3.1.2-14] will QoS 3.
        (0x1E, Error::InvalidQoS(3)),
        // [MQTT-3.1.2-22] password without user name.
        (0x42, Error::PasswordWithoutUsername),
    ];
    for (flags, error) in cases {
        let frame = [
            0x10, 0x0C, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, flags, 0x00, 0x0A, 0x00, 0x00,
        ];
        assert_eq!(read_error(&frame), error, "{flags:#04x}");
    }
}

/// [MQTT-3.1.3-7]: an empty client id needs clean session, on decode and on encode.
#[test]
fn connect_empty_client_id_without_clean_session_is_refused() {
    let frame = [
        0x10, 0x0C, // CONNECT, remaining length 12
        0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, // protocol
        0x00, // flags: clean session off
        0x00, 0x0A, // keep alive
        0x00, 0x00, // empty client id
    ];
    assert_eq!(
        read_error(&frame),
        Error::EmptyClientIdWithPersistentSession
    );
    let mut connect = Connect::new("");
    connect.clean_session = false;
    assert_eq!(
        write_error(&Packet::Connect(connect.clone())),
        Error::EmptyClientIdWithPersistentSession
    );
    connect.clean_session = true;
    assert_eq!(
        Packet::Connect(connect).write(&mut BytesMut::new(), MAX),
        Ok(14)
    );
}

/// CONNACK rules of MQTT 3.1.1 §3.2.2, one row per statement.
#[test]
fn connack_breaking_a_rule_is_refused() {
    let cases = [
        // [MQTT-3.2.2-1] reserved acknowledge flags.
        ([0x20, 0x02, 0x02, 0x00], Error::ReservedConnAckFlags(0x02)),
        ([0x20, 0x02, 0x81, 0x00], Error::ReservedConnAckFlags(0x81)),
        // §3.2.2.3 return codes 6-255 are reserved.
        ([0x20, 0x02, 0x00, 0x06], Error::InvalidConnectReturnCode(6)),
        (
            [0x20, 0x02, 0x00, 0xFF],
            Error::InvalidConnectReturnCode(0xFF),
        ),
        // [MQTT-3.2.2-4] session present with a refusal.
        ([0x20, 0x02, 0x01, 0x05], Error::SessionPresentWithRefusal),
    ];
    for (frame, error) in cases {
        assert_eq!(read_error(&frame), error, "{frame:02x?}");
    }
    let refused = ConnAck::new(ConnectReturnCode::BadClientId, true);
    assert_eq!(
        write_error(&Packet::ConnAck(refused)),
        Error::SessionPresentWithRefusal
    );
}

/// [MQTT-3.8.3-3], [MQTT-3.10.3-2]: SUBSCRIBE and UNSUBSCRIBE carry at least one filter.
#[test]
fn subscribe_or_unsubscribe_without_filters_is_empty_subscription() {
    // Body is only the packet id.
    assert_eq!(
        read_error(&[0x82, 0x02, 0x00, 0x01]),
        Error::EmptySubscription(PacketType::Subscribe)
    );
    assert_eq!(
        read_error(&[0xA2, 0x02, 0x00, 0x01]),
        Error::EmptySubscription(PacketType::Unsubscribe)
    );
    assert_eq!(
        write_error(&Packet::Subscribe(subscribe(1, &[]))),
        Error::EmptySubscription(PacketType::Subscribe)
    );
    assert_eq!(
        write_error(&Packet::Unsubscribe(unsubscribe(1, &[]))),
        Error::EmptySubscription(PacketType::Unsubscribe)
    );
}

/// [MQTT-3.8.3-4]: SUBSCRIBE option bits 7-2 are reserved; QoS 3 is malformed.
#[test]
fn subscribe_with_bad_options_byte_is_refused() {
    for (options, error) in [
        (0x04, Error::ReservedSubscribeOptions(0x04)),
        (0x81, Error::ReservedSubscribeOptions(0x81)),
        (0xFC, Error::ReservedSubscribeOptions(0xFC)),
        (0x03, Error::InvalidQoS(3)),
    ] {
        let frame = [0x82, 0x06, 0x00, 0x01, 0x00, 0x01, b'a', options];
        assert_eq!(read_error(&frame), error, "{options:#04x}");
    }
}

/// MQTT 3.1.1 §3.9.3: SUBACK carries one return code per filter, so at least one.
#[test]
fn suback_without_return_codes_is_empty_suback() {
    assert_eq!(read_error(&[0x90, 0x02, 0x00, 0x01]), Error::EmptySubAck);
    assert_eq!(
        write_error(&Packet::SubAck(SubAck::new(1, vec![]))),
        Error::EmptySubAck
    );
}

/// [MQTT-3.9.3-2]: SUBACK return codes other than 0x00, 0x01, 0x02, 0x80 are reserved.
#[test]
fn suback_with_reserved_code_is_invalid_subscribe_reason_code() {
    for code in [0x03, 0x7F, 0x81, 0xFF] {
        assert_eq!(
            read_error(&[0x90, 0x04, 0x00, 0x01, 0x00, code]),
            Error::InvalidSubscribeReasonCode(code)
        );
    }
}

/// The incoming size limit is judged from the fixed header alone: nothing of the body
/// needs to arrive, nothing is consumed and nothing is allocated.
#[test]
fn oversize_frame_is_refused_before_body_arrives() {
    // PUBLISH announcing 2,097,152 bytes; only the header is here.
    let mut stream = BytesMut::from(&[0x30, 0x80, 0x80, 0x80, 0x01][..]);
    let capacity = stream.capacity();
    assert_eq!(
        Packet::read(&mut stream, 1024),
        Err(Error::PayloadSizeLimitExceeded {
            size: 2_097_152,
            max: 1024
        })
    );
    assert_eq!(stream.len(), 5);
    assert_eq!(stream.capacity(), capacity);
    // The limit is on the remaining length: exactly `max` is accepted.
    let mut stream = BytesMut::from(&[0x30, 0x03, 0x00, 0x01, b't'][..]);
    assert!(Packet::read(&mut stream, 3).is_ok());
}

/// Outgoing frames over the limit are refused before anything is written.
#[test]
fn write_over_max_size_is_outgoing_packet_too_large() {
    for packet in every_packet() {
        let size = packet.size();
        let mut buffer = BytesMut::from(&b"kept"[..]);
        assert_eq!(
            packet.write(&mut buffer, size - 1),
            Err(Error::OutgoingPacketTooLarge {
                pkt_size: size,
                max: size - 1
            })
        );
        assert_eq!(&buffer[..], b"kept");
        assert_eq!(packet.write(&mut buffer, size), Ok(size));
        assert_eq!(buffer.len(), 4 + size);
    }
}

/// A frame fed one split at a time asks for more (consuming nothing) until it is whole,
/// then decodes to the same packet, for every packet type and every split offset.
#[test]
fn frame_fed_at_every_split_offset_decodes_once_whole() {
    for packet in every_packet() {
        let mut encoded = BytesMut::new();
        packet.write(&mut encoded, MAX).unwrap();
        for split in 0..encoded.len() {
            let mut stream = BytesMut::from(&encoded[..split]);
            let Err(Error::InsufficientBytes(needed)) = Packet::read(&mut stream, MAX) else {
                panic!("{packet:?} split at {split} did not ask for more");
            };
            assert!(
                needed >= 1 && split + needed <= encoded.len(),
                "{split} {needed}"
            );
            assert_eq!(stream.len(), split, "consumed on a partial frame");
            stream.extend_from_slice(&encoded[split..]);
            assert_eq!(Packet::read(&mut stream, MAX).as_ref(), Ok(&packet));
            assert!(stream.is_empty());
        }
    }
}

#[test]
fn insufficient_bytes_counts_exactly_the_missing_body() {
    let mut stream = BytesMut::from(&[0x30, 0x0A, 0x00, 0x01, b't'][..]);
    assert_eq!(
        Packet::read(&mut stream, MAX),
        Err(Error::InsufficientBytes(7))
    );
    assert_eq!(
        Packet::read(&mut BytesMut::new(), MAX),
        Err(Error::InsufficientBytes(2))
    );
    assert_eq!(
        Packet::read(&mut BytesMut::from(&[0x30, 0x80][..]), MAX),
        Err(Error::InsufficientBytes(1))
    );
}

#[test]
fn stream_of_many_frames_decodes_in_order() {
    let packets = every_packet();
    let mut stream = BytesMut::new();
    for packet in &packets {
        packet.write(&mut stream, MAX).unwrap();
    }
    for packet in &packets {
        assert_eq!(Packet::read(&mut stream, MAX).as_ref(), Ok(packet));
    }
    assert_eq!(
        Packet::read(&mut stream, MAX),
        Err(Error::InsufficientBytes(2))
    );
}

/// A write that fails half way (second filter invalid) leaves the buffer untouched.
#[test]
fn write_failing_mid_packet_leaves_buffer_unchanged() {
    let packet = Packet::Subscribe(subscribe(
        1,
        &[("ok", QoS::AtMostOnce), ("a\0", QoS::AtMostOnce)],
    ));
    assert_eq!(write_error(&packet), Error::NullCharacter);
}

#[test]
fn fixed_header_reports_type_and_frame_length() {
    let header = FixedHeader::new(0x62, 1, 2);
    assert_eq!(header.packet_type(), Ok(PacketType::PubRel));
    assert_eq!(header.frame_length(), 4);
    assert_eq!(
        FixedHeader::new(0xF0, 1, 0).packet_type(),
        Err(Error::InvalidPacketType(15))
    );
    // Absurd lengths saturate rather than overflow.
    assert_eq!(
        FixedHeader::new(0x30, usize::MAX, 5).frame_length(),
        usize::MAX
    );
}
