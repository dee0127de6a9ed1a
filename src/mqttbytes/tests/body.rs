//! Packet-body rules: trailing bytes, CONNECT and CONNACK fields, SUBSCRIBE and SUBACK contents.

use super::*;

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
