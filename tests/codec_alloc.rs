//! Allocation count of steady-state decoding, under a counting global allocator: PUBLISH
//! frames read from a buffer holding many cost no allocation per packet, because topic
//! and payload are slices of the read buffer. One test only, so nothing else allocates.

use std::alloc::System;

use bytes::BytesMut;
use rumqttc::{Packet, Publish, QoS};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Frames in the read buffer.
const FRAMES: usize = 1000;

#[test]
fn publish_decode_from_buffer_of_many_frames_allocates_once_in_total() {
    let mut publish = Publish::new("sensors/1/temperature", QoS::AtLeastOnce, vec![0xAB; 1024]);
    publish.pkid = 7;
    let packet = Packet::Publish(publish);
    let mut stream = BytesMut::with_capacity(packet.size() * FRAMES);
    for _ in 0..FRAMES {
        packet.write(&mut stream, usize::MAX).unwrap();
    }

    let region = Region::new(GLOBAL);
    for _ in 0..FRAMES {
        let decoded = Packet::read(&mut stream, 4096).unwrap();
        assert_eq!(decoded, packet);
    }
    let stats = region.change();

    assert!(stream.is_empty());
    // The first split turns the buffer's storage into a shared, reference-counted one:
    // that is the only allocation; every packet after it costs none.
    assert_eq!(stats.allocations, 1);
    assert_eq!(stats.reallocations, 0);
}
