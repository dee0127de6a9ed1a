//! Property tests of the codec over owned-data strategies: `read(write(p)) == p` for every
//! packet type; arbitrary bytes never panic and either ask for more, fail, or consume one
//! frame without growing the buffer; a stream fed in pieces decodes as if fed whole.
// Strategy and helper functions sit outside `#[test]` functions but are test code.
#![allow(clippy::unwrap_used)]

use bytes::{Bytes, BytesMut};
use proptest::collection::vec;
use proptest::prelude::*;
use rumqttc::{
    ConnAck, Connect, ConnectAuth, ConnectReturnCode, Error, LastWill, Packet, PubAck, PubComp,
    PubRec, PubRel, Publish, QoS, SubAck, Subscribe, SubscribeFilter, SubscribeReasonCode,
    UnsubAck, Unsubscribe, check,
};

/// Incoming limit for the decoding properties.
const MAX_SIZE: usize = 4096;

fn qos() -> impl Strategy<Value = QoS> {
    prop_oneof![
        Just(QoS::AtMostOnce),
        Just(QoS::AtLeastOnce),
        Just(QoS::ExactlyOnce)
    ]
}

/// Any MQTT UTF-8 string: any scalar value except U+0000.
fn mqtt_string() -> impl Strategy<Value = String> {
    "[^\u{0}]{0,16}"
}

/// A topic name: non-empty, no wildcards, no U+0000.
fn topic_name() -> impl Strategy<Value = String> {
    "[^\u{0}+#]{1,16}"
}

fn pkid() -> impl Strategy<Value = u16> {
    1..=u16::MAX
}

fn payload() -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..300).prop_map(Bytes::from)
}

fn connect() -> impl Strategy<Value = Connect> {
    let will = (topic_name(), payload(), qos(), any::<bool>()).prop_map(
        |(topic, message, qos, retain)| LastWill {
            topic,
            message,
            qos,
            retain,
        },
    );
    let auth = prop_oneof![
        Just(ConnectAuth::None),
        mqtt_string().prop_map(|username| ConnectAuth::Username { username }),
        (mqtt_string(), payload())
            .prop_map(|(username, password)| ConnectAuth::UsernamePassword { username, password }),
    ];
    (
        mqtt_string(),
        any::<u16>(),
        any::<bool>(),
        proptest::option::of(will),
        auth,
    )
        .prop_map(|(client_id, keep_alive, clean_session, last_will, auth)| {
            Connect {
                keep_alive,
                // [MQTT-3.1.3-7] an empty id needs a clean session.
                clean_session: clean_session || client_id.is_empty(),
                client_id,
                last_will,
                auth,
            }
        })
}

fn connack() -> impl Strategy<Value = ConnAck> {
    (0u8..=5, any::<bool>()).prop_map(|(code, session_present)| {
        let code = ConnectReturnCode::try_from(code).unwrap();
        // [MQTT-3.2.2-4] session present only on success.
        ConnAck::new(code, session_present && code == ConnectReturnCode::Success)
    })
}

fn publish() -> impl Strategy<Value = Publish> {
    (
        topic_name(),
        qos(),
        any::<bool>(),
        any::<bool>(),
        pkid(),
        payload(),
    )
        .prop_map(|(topic, qos, dup, retain, pkid, payload)| {
            let mut publish = Publish::from_bytes(topic, qos, payload);
            let acked = qos != QoS::AtMostOnce;
            publish.dup = dup && acked;
            publish.retain = retain;
            publish.pkid = if acked { pkid } else { 0 };
            publish
        })
}

fn subscribe() -> impl Strategy<Value = Subscribe> {
    let filter = (mqtt_string(), qos()).prop_map(|(path, qos)| SubscribeFilter::new(path, qos));
    (pkid(), vec(filter, 1..5)).prop_map(|(pkid, filters)| Subscribe { pkid, filters })
}

fn suback() -> impl Strategy<Value = SubAck> {
    let code = prop_oneof![
        qos().prop_map(SubscribeReasonCode::Success),
        Just(SubscribeReasonCode::Failure)
    ];
    (pkid(), vec(code, 1..8)).prop_map(|(pkid, codes)| SubAck::new(pkid, codes))
}

fn unsubscribe() -> impl Strategy<Value = Unsubscribe> {
    (pkid(), vec(mqtt_string(), 1..5)).prop_map(|(pkid, topics)| Unsubscribe { pkid, topics })
}

/// Any valid packet of any type.
fn packet() -> impl Strategy<Value = Packet> {
    prop_oneof![
        connect().prop_map(Packet::Connect),
        connack().prop_map(Packet::ConnAck),
        publish().prop_map(Packet::Publish),
        pkid().prop_map(|pkid| Packet::PubAck(PubAck::new(pkid))),
        pkid().prop_map(|pkid| Packet::PubRec(PubRec::new(pkid))),
        pkid().prop_map(|pkid| Packet::PubRel(PubRel::new(pkid))),
        pkid().prop_map(|pkid| Packet::PubComp(PubComp::new(pkid))),
        subscribe().prop_map(Packet::Subscribe),
        suback().prop_map(Packet::SubAck),
        unsubscribe().prop_map(Packet::Unsubscribe),
        pkid().prop_map(|pkid| Packet::UnsubAck(UnsubAck::new(pkid))),
        Just(Packet::PingReq),
        Just(Packet::PingResp),
        Just(Packet::Disconnect),
    ]
}

fn encode(packets: &[Packet]) -> Vec<u8> {
    let mut buffer = BytesMut::new();
    for packet in packets {
        packet.write(&mut buffer, usize::MAX).unwrap();
    }
    buffer.to_vec()
}

/// Bytes that are mostly nearly valid: encoded packets with one byte changed or cut
/// short, mixed with plain random bytes.
fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
    let mutated = (
        vec(packet(), 1..4),
        any::<prop::sample::Index>(),
        any::<u8>(),
        any::<bool>(),
    )
        .prop_map(|(packets, index, byte, truncate)| {
            let mut bytes = encode(&packets);
            let at = index.index(bytes.len());
            if truncate {
                bytes.truncate(at);
            } else {
                bytes[at] = byte;
            }
            bytes
        });
    prop_oneof![vec(any::<u8>(), 0..600), mutated]
}

/// What decoding a stream produced: the packets in order, then the result that stopped it.
type Outcome = (Vec<Packet>, Error);

/// Appends each chunk to one read buffer and decodes everything that became whole.
fn decode_in_chunks<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Outcome {
    let mut stream = BytesMut::new();
    let mut packets = Vec::new();
    let mut last = Error::InsufficientBytes(2);
    for chunk in chunks {
        stream.extend_from_slice(chunk);
        loop {
            match Packet::read(&mut stream, MAX_SIZE) {
                Ok(packet) => packets.push(packet),
                Err(Error::InsufficientBytes(needed)) => {
                    last = Error::InsufficientBytes(needed);
                    break;
                }
                Err(error) => return (packets, error),
            }
        }
    }
    (packets, last)
}

/// Cuts `bytes` at the sorted, deduplicated `cuts`.
fn split_at<'a>(bytes: &'a [u8], cuts: &[prop::sample::Index]) -> Vec<&'a [u8]> {
    let mut offsets: Vec<usize> = cuts.iter().map(|cut| cut.index(bytes.len() + 1)).collect();
    offsets.sort_unstable();
    offsets.dedup();
    let mut pieces = Vec::new();
    let mut start = 0;
    for offset in offsets {
        pieces.push(&bytes[start..offset]);
        start = offset;
    }
    pieces.push(&bytes[start..]);
    pieces
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// Every valid packet encodes to `size()` bytes and decodes to itself.
    #[test]
    fn any_valid_packet_round_trips(packet in packet()) {
        let mut buffer = BytesMut::new();
        let written = packet.write(&mut buffer, usize::MAX).unwrap();
        prop_assert_eq!(written, buffer.len());
        prop_assert_eq!(written, packet.size());
        let decoded = Packet::read(&mut buffer, usize::MAX).unwrap();
        prop_assert_eq!(decoded, packet);
        prop_assert!(buffer.is_empty());
    }

    /// Arbitrary bytes never panic. Each read either asks for more (consuming nothing),
    /// fails, or consumes exactly the frame its header announced; the buffer never grows.
    #[test]
    fn arbitrary_bytes_decode_or_fail_without_growing(bytes in hostile_bytes()) {
        let mut stream = BytesMut::from(&bytes[..]);
        loop {
            let before = stream.len();
            let capacity = stream.capacity();
            let header = check(stream.iter(), MAX_SIZE);
            let result = Packet::read(&mut stream, MAX_SIZE);
            prop_assert!(stream.capacity() <= capacity, "read reserved");
            match result {
                Ok(_) => {
                    let frame = header.unwrap().frame_length();
                    prop_assert!(frame <= MAX_SIZE + 5);
                    prop_assert_eq!(before - stream.len(), frame);
                }
                Err(Error::InsufficientBytes(needed)) => {
                    prop_assert!(needed >= 1);
                    prop_assert_eq!(stream.len(), before);
                    prop_assert_eq!(header, Err(Error::InsufficientBytes(needed)));
                    break;
                }
                Err(_) => break,
            }
        }
    }

    /// Valid packets fed in random pieces decode to the same packets as fed whole.
    #[test]
    fn valid_stream_in_pieces_equals_whole(
        packets in vec(packet(), 1..5),
        cuts in vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let bytes = encode(&packets);
        let whole = decode_in_chunks([&bytes[..]]);
        prop_assert_eq!(&whole, &(packets, Error::InsufficientBytes(2)));
        prop_assert_eq!(decode_in_chunks(split_at(&bytes, &cuts)), whole);
    }

    /// Any bytes fed in random pieces give the same packets and the same final error as
    /// fed whole: framing errors do not depend on how the bytes arrived.
    #[test]
    fn any_stream_in_pieces_equals_whole(
        bytes in hostile_bytes(),
        cuts in vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let whole = decode_in_chunks([&bytes[..]]);
        prop_assert_eq!(decode_in_chunks(split_at(&bytes, &cuts)), whole);
    }
}
