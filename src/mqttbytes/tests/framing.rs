//! Framing: size limits before the body arrives, split frames, streams of frames, failed writes.

use super::*;

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
