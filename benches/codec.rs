//! Codec benchmarks: PUBLISH encode and decode at 64 B, 1 KiB and 64 KiB payloads, each
//! group with a plain copy of the same frame bytes as the reference line, so the ratios
//! come from one run. Decode is measured in steady state: frames already sit in one read
//! buffer (filled outside the timed section), as they do behind a socket.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rumqttc::{Packet, Publish, QoS};

/// Bytes of frames prepared per timed batch: like a read buffer just filled from a
/// socket, it is still in cache when decoding starts.
const BATCH_BYTES: usize = 256 * 1024;

/// Fewest frames per batch (for 64 KiB frames).
const MIN_BATCH: usize = 16;

fn publish_frame(payload_len: usize) -> (Packet, Vec<u8>) {
    let mut publish = Publish::new(
        "sensors/42/temperature",
        QoS::AtLeastOnce,
        vec![0x5A; payload_len],
    );
    publish.pkid = 42;
    let packet = Packet::Publish(publish);
    let mut frame = BytesMut::new();
    packet.write(&mut frame, usize::MAX).unwrap();
    (packet, frame.to_vec())
}

/// A read buffer holding `count` copies of `frame`.
fn frames(frame: &[u8], count: usize) -> BytesMut {
    let mut stream = BytesMut::with_capacity(frame.len() * count);
    for _ in 0..count {
        stream.extend_from_slice(frame);
    }
    stream
}

/// Runs `iters` timed rounds in batches; `prepare` builds a batch's input untimed and
/// `run` is timed over `batch` frames.
fn batched<T>(
    iters: u64,
    frame_len: usize,
    mut prepare: impl FnMut(usize) -> T,
    mut run: impl FnMut(&mut T, usize),
) -> Duration {
    let per_batch = (BATCH_BYTES / frame_len).max(MIN_BATCH) as u64;
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let batch = left.min(per_batch) as usize;
        let mut input = prepare(batch);
        let start = Instant::now();
        run(&mut input, batch);
        total += start.elapsed();
        left -= batch as u64;
    }
    total
}

fn codec(c: &mut Criterion) {
    for (label, payload_len) in [("64B", 64), ("1KiB", 1024), ("64KiB", 64 * 1024)] {
        let (packet, frame) = publish_frame(payload_len);
        let max = frame.len();
        let mut group = c.benchmark_group(format!("publish_{label}"));
        group.throughput(Throughput::Bytes(frame.len() as u64));

        // Reference: copy the frame bytes into a (pre-touched) buffer.
        group.bench_function("copy", |b| {
            b.iter_custom(|iters| {
                batched(
                    iters,
                    frame.len(),
                    |batch| {
                        // Written once here so the timed copy hits no page faults.
                        let mut dst = BytesMut::with_capacity(frame.len() * batch);
                        dst.resize(frame.len() * batch, 1);
                        dst.clear();
                        dst
                    },
                    |dst, batch| {
                        for _ in 0..batch {
                            dst.extend_from_slice(black_box(&frame));
                        }
                        black_box(dst);
                    },
                )
            });
        });

        // Decoded packets are kept and dropped after the timed section, as criterion's
        // `iter_batched` does with outputs: the line measures decoding alone.
        group.bench_function("decode", |b| {
            b.iter_custom(|iters| {
                batched(
                    iters,
                    frame.len(),
                    |batch| (frames(&frame, batch), Vec::with_capacity(batch)),
                    |(stream, decoded), batch| {
                        for _ in 0..batch {
                            decoded.push(Packet::read(stream, max).unwrap());
                        }
                        black_box(decoded);
                    },
                )
            });
        });

        // Floor of any zero-copy decode that hands out topic and payload as `Bytes`:
        // split the frame off the read buffer and take a second reference to it, with
        // no parsing at all (two reference-count increments).
        group.bench_function("zero_copy_floor", |b| {
            b.iter_custom(|iters| {
                batched(
                    iters,
                    frame.len(),
                    |batch| (frames(&frame, batch), Vec::with_capacity(batch)),
                    |(stream, kept), batch| {
                        for _ in 0..batch {
                            let frame = stream.split_to(frame.len()).freeze();
                            kept.push((frame.clone(), frame));
                        }
                        black_box(kept);
                    },
                )
            });
        });

        // The same, with each packet dropped as soon as it is decoded (two reference
        // count decrements: topic and payload).
        group.bench_function("decode_and_drop", |b| {
            b.iter_custom(|iters| {
                batched(
                    iters,
                    frame.len(),
                    |batch| frames(&frame, batch),
                    |stream, batch| {
                        for _ in 0..batch {
                            black_box(Packet::read(stream, max).unwrap());
                        }
                    },
                )
            });
        });

        group.bench_function("encode", |b| {
            let mut buffer = BytesMut::with_capacity(frame.len());
            b.iter(|| {
                buffer.clear();
                black_box(black_box(&packet).write(&mut buffer, max).unwrap());
            });
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = codec
}
criterion_main!(benches);
