//! Fixed-header and identifier rules: reserved flags, packet types, QoS and DUP, pkid 0.

use super::*;

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
