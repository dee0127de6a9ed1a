//! Codec tests across packet types: exact wire vectors both ways, one table per rejection
//! rule (each citing its MQTT 3.1.1 statement), remaining-length boundaries, framing.

use bytes::{Bytes, BytesMut};

use super::*;

mod body;
mod framing;
mod header;
mod length;
mod strings;
mod vectors;

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
