//! Decode fuzzer: arbitrary bytes into `Packet::read` until it stops, and every decoded
//! packet must re-encode and decode to itself (rustls `fuzz_message` style). Not part of
//! the main build: run with `cargo fuzz run decode`.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use rumqttc::{Error, Packet};

/// Incoming limit used for the fuzzed stream; larger frames must be refused from the header.
const MAX_SIZE: usize = 64 * 1024;

fuzz_target!(|data: &[u8]| {
    let mut stream = BytesMut::from(data);
    loop {
        let before = stream.len();
        let capacity = stream.capacity();
        match Packet::read(&mut stream, MAX_SIZE) {
            Ok(packet) => {
                let consumed = before - stream.len();
                let frame = &data[data.len() - before..][..consumed];
                check_round_trip(&packet, frame);
            }
            Err(Error::InsufficientBytes(needed)) => {
                assert!(needed >= 1, "asked for zero bytes");
                assert_eq!(stream.len(), before, "partial frame consumed");
                assert_eq!(
                    stream.capacity(),
                    capacity,
                    "buffer grew on a partial frame"
                );
                break;
            }
            Err(_) => break,
        }
    }
});

/// Re-encodes `packet`: it must decode to itself, and match the original `frame` byte
/// for byte unless that frame used a longer-than-minimal remaining-length varint.
fn check_round_trip(packet: &Packet, frame: &[u8]) {
    let mut encoded = BytesMut::new();
    let size = packet
        .write(&mut encoded, usize::MAX)
        .unwrap_or_else(|error| panic!("{packet:?} decoded but does not encode: {error}"));
    assert_eq!(size, encoded.len());
    assert_eq!(size, packet.size());
    assert!(size <= frame.len(), "re-encoding grew the frame");
    if size == frame.len() {
        assert_eq!(&encoded[..], frame, "same length, different bytes");
    }
    let mut again = encoded.clone();
    let decoded = Packet::read(&mut again, MAX_SIZE)
        .unwrap_or_else(|error| panic!("{packet:?} re-encoded does not decode: {error}"));
    assert_eq!(&decoded, packet);
    assert!(again.is_empty());
}
