//! Short packet constructors for tests, and `encode`/`decode` through the crate codec.
//! Builds values only: no IO, no assertions beyond "this frame must encode/decode".

use bytes::{Bytes, BytesMut};
use rumqttc::{
    ConnAck, Connect, ConnectReturnCode, MAX_REMAINING_LENGTH, Packet, PubAck, PubComp, PubRec,
    PubRel, Publish, QoS, SubAck, Subscribe, SubscribeFilter, SubscribeReasonCode, UnsubAck,
    Unsubscribe,
};

/// The largest frame the test helpers accept: a 5-byte fixed header plus the largest body.
pub(crate) const MAX_FRAME_BYTES: usize = MAX_REMAINING_LENGTH + 5;

/// CONNECT with `client_id`, clean session, keep-alive 60 s, no will, no credentials.
pub(crate) fn connect(client_id: &str) -> Packet {
    let mut connect = Connect::new(client_id);
    connect.keep_alive = 60;
    Packet::Connect(connect)
}

/// CONNECT with `client_id`, `clean_session` and `keep_alive` seconds.
pub(crate) fn connect_with(client_id: &str, clean_session: bool, keep_alive: u16) -> Packet {
    let mut connect = Connect::new(client_id);
    connect.clean_session = clean_session;
    connect.keep_alive = keep_alive;
    Packet::Connect(connect)
}

/// CONNACK with a return code and the session-present flag.
pub(crate) fn connack(code: ConnectReturnCode, session_present: bool) -> Packet {
    Packet::ConnAck(ConnAck::new(code, session_present))
}

/// CONNACK accepting a clean session: `Success`, session not present.
pub(crate) fn connack_ok() -> Packet {
    connack(ConnectReturnCode::Success, false)
}

/// PUBLISH with `pkid` (use 0 for QoS 0), not retained, DUP clear.
pub(crate) fn publish(topic: &str, qos: QoS, pkid: u16, payload: impl Into<Vec<u8>>) -> Packet {
    let mut publish = Publish::new(topic, qos, payload);
    publish.pkid = pkid;
    Packet::Publish(publish)
}

/// PUBLISH as [`publish`] with the DUP and RETAIN flags set as given.
pub(crate) fn publish_flags(
    topic: &str,
    qos: QoS,
    pkid: u16,
    payload: impl Into<Vec<u8>>,
    dup: bool,
    retain: bool,
) -> Packet {
    let mut publish = Publish::new(topic, qos, payload);
    publish.pkid = pkid;
    publish.dup = dup;
    publish.retain = retain;
    Packet::Publish(publish)
}

/// PUBACK for `pkid`.
pub(crate) fn puback(pkid: u16) -> Packet {
    Packet::PubAck(PubAck::new(pkid))
}

/// PUBREC for `pkid`.
pub(crate) fn pubrec(pkid: u16) -> Packet {
    Packet::PubRec(PubRec::new(pkid))
}

/// PUBREL for `pkid`.
pub(crate) fn pubrel(pkid: u16) -> Packet {
    Packet::PubRel(PubRel::new(pkid))
}

/// PUBCOMP for `pkid`.
pub(crate) fn pubcomp(pkid: u16) -> Packet {
    Packet::PubComp(PubComp::new(pkid))
}

/// SUBSCRIBE with one filter.
pub(crate) fn subscribe(pkid: u16, filter: &str, qos: QoS) -> Packet {
    subscribe_many(pkid, [(filter, qos)])
}

/// SUBSCRIBE with several `(filter, qos)` pairs, in order.
pub(crate) fn subscribe_many<'a>(
    pkid: u16,
    filters: impl IntoIterator<Item = (&'a str, QoS)>,
) -> Packet {
    let mut subscribe = Subscribe::new_many(
        filters
            .into_iter()
            .map(|(path, qos)| SubscribeFilter::new(path.to_owned(), qos)),
    );
    subscribe.pkid = pkid;
    Packet::Subscribe(subscribe)
}

/// SUBACK for `pkid` with the return codes in order.
pub(crate) fn suback(pkid: u16, codes: impl IntoIterator<Item = SubscribeReasonCode>) -> Packet {
    Packet::SubAck(SubAck::new(pkid, codes.into_iter().collect()))
}

/// SUBACK return code granting `qos`.
pub(crate) const fn granted(qos: QoS) -> SubscribeReasonCode {
    SubscribeReasonCode::Success(qos)
}

/// UNSUBSCRIBE of one filter.
pub(crate) fn unsubscribe(pkid: u16, filter: &str) -> Packet {
    let mut unsubscribe = Unsubscribe::new(filter);
    unsubscribe.pkid = pkid;
    Packet::Unsubscribe(unsubscribe)
}

/// UNSUBACK for `pkid`.
pub(crate) fn unsuback(pkid: u16) -> Packet {
    Packet::UnsubAck(UnsubAck::new(pkid))
}

/// PINGREQ.
pub(crate) const fn pingreq() -> Packet {
    Packet::PingReq
}

/// PINGRESP.
pub(crate) const fn pingresp() -> Packet {
    Packet::PingResp
}

/// DISCONNECT.
pub(crate) const fn disconnect() -> Packet {
    Packet::Disconnect
}

/// The payload of a PUBLISH as `Bytes` (for comparing with received packets).
pub(crate) fn payload(bytes: &[u8]) -> Bytes {
    Bytes::copy_from_slice(bytes)
}

/// The exact bytes the crate codec writes for `packet`.
///
/// Panics (failing the test) when the codec refuses the packet or reports a size that
/// differs from the bytes it wrote.
pub(crate) fn encode(packet: &Packet) -> Vec<u8> {
    let mut buffer = BytesMut::new();
    let written = match packet.write(&mut buffer, MAX_FRAME_BYTES) {
        Ok(written) => written,
        Err(error) => panic!(
            "test helper encode: the codec refused {:?}: {error:?}",
            packet.packet_type()
        ),
    };
    assert_eq!(
        written,
        buffer.len(),
        "Packet::write returned a size that differs from the bytes it wrote"
    );
    buffer.to_vec()
}

/// Decodes exactly one whole frame from `bytes`.
///
/// Panics (failing the test) when the bytes are not exactly one valid frame.
pub(crate) fn decode(bytes: &[u8]) -> Packet {
    let mut buffer = BytesMut::from(bytes);
    let packet = match Packet::read(&mut buffer, MAX_FRAME_BYTES) {
        Ok(packet) => packet,
        Err(error) => panic!("test helper decode: {bytes:02x?} is not a valid frame: {error:?}"),
    };
    assert!(
        buffer.is_empty(),
        "test helper decode: {} bytes left after one frame in {bytes:02x?}",
        buffer.len()
    );
    packet
}
