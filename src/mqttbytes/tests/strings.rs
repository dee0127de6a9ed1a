//! Topic and string rules: empty and wildcard topics, UTF-8, U+0000, length, field bounds.

use super::*;

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
