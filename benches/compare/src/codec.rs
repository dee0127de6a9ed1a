//! Codec timing for a 64 B QoS 0 PUBLISH: decode from and encode into a warm buffer, per
//! crate, against a plain copy of the same frame bytes. Simple timed batches, median taken.

use std::hint::black_box;
use std::time::Instant;

use bytes::BytesMut;

use crate::measure::median;
use crate::meter::thread_allocations;
use crate::scenario::{Figures, Impl};
use crate::wire::PublishTemplate;

/// Frames per timed batch (about 370 KiB of frames: like a read buffer just filled).
const FRAMES: usize = 4096;
/// Timed batches per measurement; the first few warm the caches and are dropped.
const BATCHES: usize = 105;
const WARMUP_BATCHES: usize = 5;
const TOPIC: &str = "sensors/42/temperature";
const PAYLOAD_BYTES: usize = 64;

fn frame() -> Vec<u8> {
    let template = PublishTemplate::new(TOPIC, 0, PAYLOAD_BYTES);
    let mut frame = Vec::new();
    template.append(&mut frame, 0, 0);
    frame
}

fn filled(frame: &[u8]) -> BytesMut {
    let mut buffer = BytesMut::with_capacity(frame.len() * FRAMES);
    for _ in 0..FRAMES {
        buffer.extend_from_slice(frame);
    }
    buffer
}

/// Times `run` over `BATCHES` batches prepared by `prepare`; returns (ns per op, allocations
/// per op), median over batches.
/// An empty buffer whose pages are already touched, so timed writes take no page faults.
fn warm_buffer(len: usize) -> BytesMut {
    let mut buffer = BytesMut::with_capacity(len);
    buffer.resize(len, 0);
    buffer.clear();
    buffer
}

fn timed<T>(mut prepare: impl FnMut() -> T, mut run: impl FnMut(&mut T)) -> (f64, f64) {
    let mut times = Vec::with_capacity(BATCHES);
    let mut allocations = Vec::with_capacity(BATCHES);
    for batch in 0..BATCHES {
        let mut input = prepare();
        let before = thread_allocations();
        let started = Instant::now();
        run(&mut input);
        let elapsed = started.elapsed();
        let allocated = thread_allocations() - before;
        drop(input);
        if batch >= WARMUP_BATCHES {
            times.push(elapsed.as_secs_f64() * 1e9 / FRAMES as f64);
            allocations.push(allocated as f64 / FRAMES as f64);
        }
    }
    (median(&times), median(&allocations))
}

/// Decode and encode with one crate's `Packet` (`$krate` is the renamed dependency).
macro_rules! crate_codec {
    ($krate:ident, $frame:expr) => {{
        use $krate::{Packet, Publish, QoS};
        let frame: &[u8] = $frame;
        let (decode_ns, decode_allocs) = timed(
            || filled(frame),
            |buffer| {
                for _ in 0..FRAMES {
                    match Packet::read(buffer, usize::MAX) {
                        Ok(packet) => drop(black_box(packet)),
                        Err(_) => crate::scenario::fail("decode failed"),
                    }
                }
            },
        );
        let packet = Packet::Publish(Publish::new(
            TOPIC,
            QoS::AtMostOnce,
            vec![0x5A; PAYLOAD_BYTES],
        ));
        let (encode_ns, encode_allocs) = timed(
            || warm_buffer(frame.len() * FRAMES),
            |buffer| {
                for _ in 0..FRAMES {
                    if black_box(&packet).write(buffer, usize::MAX).is_err() {
                        crate::scenario::fail("encode failed");
                    }
                }
            },
        );
        if frame.len() != packet.size() {
            crate::scenario::fail("encoded size differs from the reference frame");
        }
        (decode_ns, encode_ns, decode_allocs, encode_allocs)
    }};
}

/// Copy of each frame into a warm buffer: the floor both directions are compared with.
fn copy(frame: &[u8]) -> (f64, f64) {
    timed(
        || (filled(frame), warm_buffer(frame.len() * FRAMES)),
        |(source, destination)| {
            for chunk in source.chunks_exact(frame.len()) {
                destination.extend_from_slice(black_box(chunk));
            }
        },
    )
}

/// The least any zero-copy decoder that hands out topic and payload as two `Bytes` pays,
/// with no parsing at all: split the frame off the read buffer, take a second handle to
/// it, drop both (two reference-count increments and two decrements).
fn zero_copy_floor(frame: &[u8]) -> f64 {
    let (ns, _) = timed(
        || filled(frame),
        |buffer| {
            for _ in 0..FRAMES {
                let whole = buffer.split_to(frame.len()).freeze();
                let second = whole.clone();
                drop(black_box((whole, second)));
            }
        },
    );
    ns
}

/// Codec figures for `which` (the raw column is the plain copy, plus the zero-copy floor).
pub fn codec(which: Impl) -> Figures {
    let frame = frame();
    let (decode_ns, encode_ns, decode_allocs, encode_allocs) = match which {
        Impl::Raw => {
            let (ns, allocs) = copy(&frame);
            (ns, ns, allocs, allocs)
        }
        Impl::Ours => crate_codec!(ours, &frame),
        Impl::Reference => crate_codec!(reference, &frame),
        Impl::Bytebeam => crate_codec!(bytebeam, &frame),
    };
    let mut figures = vec![
        ("decode_ns", decode_ns),
        ("encode_ns", encode_ns),
        ("decode_allocs", decode_allocs),
        ("encode_allocs", encode_allocs),
    ];
    if which == Impl::Raw {
        figures.push(("decode_floor_ns", zero_copy_floor(&frame)));
    }
    figures
}
