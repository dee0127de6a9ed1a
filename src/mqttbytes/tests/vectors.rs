//! Exact wire vectors for each packet type, encoded and decoded both ways.

use super::*;

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
