//! A hostile broker, on a paused clock: malformed frames (a 268,435,455-byte remaining
//! length with no body, a 5-byte varint, PUBLISH with an invalid UTF-8 topic, QoS 3 or
//! packet id 0), protocol violations (SUBACK with the wrong count, a second CONNACK) and a
//! stream of up to 1 GiB of seeded random bytes. Each ends in a typed error from `poll()`,
//! with bounded memory, and the next `poll()` reconnects. (A refused CONNACK is covered in
//! `eventloop_scripted.rs`.)

mod support;

use std::alloc::System;

use rumqttc::Error as CodecError;
use rumqttc::{
    AsyncClient, ConnectionError, Event, EventLoop, PacketType, QoS, StateError,
    SubscribeReasonCode,
};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};
use support::loop_driver::{poll_event, poll_within_guard};
use support::packet_conn::PacketConn;
use support::packets::{connack_ok, granted, suback, subscribe};
use support::scripted_broker::{ScriptedBroker, Step};
use support::seed::SplitMix64;
use support::test_broker::{TestBroker, client_options};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes of random data offered per connection at most (never held in memory at once).
const RANDOM_STREAM_BYTES: u64 = 1 << 30;
/// Size of one random write.
const RANDOM_CHUNK_BYTES: usize = 64 * 1024;
/// Connections fed with random bytes, each from its own seed.
const RANDOM_ROUNDS: u64 = 32;
/// Most bytes a client may take in before it reports the stream invalid: its 10 KiB packet
/// limit plus what the two kernel socket buffers hold on loopback.
const RANDOM_BYTES_BOUND: u64 = 32 << 20;
/// Most the live heap may grow while a random stream plays.
const HEAP_GROWTH_BOUND_BYTES: i128 = 4 << 20;

/// A malformed frame and the decode error it must raise.
struct Malformed {
    name: &'static str,
    bytes: Vec<u8>,
    expected: CodecError,
}

fn malformed_cases() -> Vec<Malformed> {
    vec![
        Malformed {
            name: "remaining length 268,435,455 with no body",
            bytes: vec![0x30, 0xFF, 0xFF, 0xFF, 0x7F],
            expected: CodecError::PayloadSizeLimitExceeded {
                size: 268_435_455,
                max: 10 * 1024,
            },
        },
        Malformed {
            name: "5-byte remaining length varint",
            bytes: vec![0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
            expected: CodecError::MalformedRemainingLength,
        },
        Malformed {
            name: "PUBLISH with an invalid UTF-8 topic",
            // topic length 2: 0xC3 0x28 (a lead byte followed by a non-continuation byte)
            bytes: vec![0x30, 0x05, 0x00, 0x02, 0xC3, 0x28, b'm'],
            expected: CodecError::TopicNotUtf8,
        },
        Malformed {
            name: "PUBLISH with QoS 3",
            // flags 0b0110: QoS bits 11
            bytes: vec![0x36, 0x06, 0x00, 0x01, b't', 0x00, 0x01, b'm'],
            expected: CodecError::InvalidQoS(3),
        },
        Malformed {
            name: "QoS 1 PUBLISH with packet id 0",
            bytes: vec![0x32, 0x06, 0x00, 0x01, b't', 0x00, 0x00, b'm'],
            expected: CodecError::PacketIdZero(PacketType::Publish),
        },
    ]
}

/// Plays `first` on the first connection and a plain CONNACK on the second, polls the
/// connection's events until its error, then the reconnection's CONNACK; returns the
/// events before the error and the error.
async fn error_then_reconnect(
    first: Vec<Step>,
    eventloop_for: impl FnOnce(u16) -> (AsyncClient, EventLoop),
) -> (Vec<Event>, ConnectionError) {
    let broker = ScriptedBroker::start(vec![
        first,
        vec![Step::ExpectConnect, Step::Send(connack_ok())],
    ])
    .await;
    // The client stays alive: without one, the loop ends with `RequestsDone` after the error.
    let (_client, mut eventloop) = eventloop_for(broker.port());
    let mut events = Vec::new();
    let error = loop {
        match poll_within_guard(&mut eventloop).await {
            Ok(event) => events.push(event),
            Err(error) => break error,
        }
    };
    assert_eq!(
        poll_event(&mut eventloop).await,
        Event::Incoming(connack_ok())
    );
    drop(eventloop);
    broker.finish().await;
    (events, error)
}

fn plain_eventloop(port: u16) -> (AsyncClient, EventLoop) {
    AsyncClient::builder(client_options("hostile", port)).build()
}

#[tokio::test(start_paused = true)]
async fn malformed_frames_are_decode_errors_and_the_next_poll_reconnects() {
    for case in malformed_cases() {
        let script = vec![
            Step::ExpectConnect,
            Step::Send(connack_ok()),
            Step::SendRaw(case.bytes),
        ];
        let (events, error) = error_then_reconnect(script, plain_eventloop).await;
        assert_eq!(events, [Event::Incoming(connack_ok())], "{}", case.name);
        assert!(
            matches!(&error, ConnectionError::Decode(decoded) if *decoded == case.expected),
            "{}: {error:?}",
            case.name
        );
    }
}

/// [MQTT-3.9.3-1] a SUBACK has one return code per filter of its SUBSCRIBE.
#[tokio::test(start_paused = true)]
async fn suback_with_the_wrong_count_is_a_state_error_and_the_next_poll_reconnects() {
    let script = vec![
        Step::ExpectConnect,
        Step::Send(connack_ok()),
        Step::Expect(subscribe(1, "a", QoS::AtLeastOnce)),
        Step::Send(suback(
            1,
            [granted(QoS::AtLeastOnce), SubscribeReasonCode::Failure],
        )),
    ];
    let (events, error) = error_then_reconnect(script, |port| {
        let (client, eventloop) = AsyncClient::builder(client_options("hostile", port)).build();
        client.try_subscribe("a", QoS::AtLeastOnce).unwrap();
        (client, eventloop)
    })
    .await;
    assert_eq!(events.len(), 2, "{events:?}"); // CONNACK, Outgoing(Subscribe)
    assert!(
        matches!(
            error,
            ConnectionError::MqttState(StateError::SubAckReturnCodeCountMismatch {
                pkid: 1,
                expected: 1,
                actual: 2
            })
        ),
        "{error:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn second_connack_is_a_state_error_and_the_next_poll_reconnects() {
    let script = vec![
        Step::ExpectConnect,
        Step::Send(connack_ok()),
        Step::Send(connack_ok()),
    ];
    let (events, error) = error_then_reconnect(script, plain_eventloop).await;
    assert_eq!(events, [Event::Incoming(connack_ok())]);
    assert!(
        matches!(
            error,
            ConnectionError::MqttState(StateError::DuplicateConnAck)
        ),
        "{error:?}"
    );
}

/// Bytes live on the heap of this test binary now.
fn live_heap() -> i128 {
    // stats_alloc books a reallocation's growth or shrink into these two as well.
    let stats = GLOBAL.stats();
    stats.bytes_allocated as i128 - stats.bytes_deallocated as i128
}

/// Writes random bytes from `seed` until the client closes or [`RANDOM_STREAM_BYTES`] are
/// written, one reused chunk at a time; returns the bytes written and the largest live-heap
/// growth seen after a write.
async fn stream_random(mut conn: PacketConn, seed: u64, heap_before: i128) -> (u64, i128) {
    let mut rng = SplitMix64::new(seed);
    let mut chunk = vec![0; RANDOM_CHUNK_BYTES];
    let (mut written, mut growth) = (0, 0);
    while written < RANDOM_STREAM_BYTES {
        rng.fill(&mut chunk);
        if conn.try_send_raw(&chunk).await.is_err() {
            break;
        }
        written += RANDOM_CHUNK_BYTES as u64;
        growth = growth.max(live_heap() - heap_before);
    }
    (written, growth)
}

/// The seed of the random stream: `HOSTILE_SEED` when set (to replay a failure), else the
/// clock.
fn base_seed() -> u64 {
    if let Some(seed) = std::env::var("HOSTILE_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
    {
        return seed;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos() as u64)
        .unwrap_or_default()
}

/// Up to 1 GiB of random bytes per connection, 32 connections with consecutive seeds: the
/// client fails each with a typed error (a decode error, or a state error where the
/// bytes happened to frame a packet the state refuses) after taking in a bounded amount,
/// with a bounded live heap, and reconnects on the next poll. The seed is printed; set
/// `HOSTILE_SEED` to replay a failure.
#[tokio::test(start_paused = true)]
async fn random_bytes_stream_is_a_typed_error_with_bounded_memory_and_the_next_poll_reconnects() {
    let seed = base_seed();
    eprintln!("random byte streams from seed {seed} (replay with HOSTILE_SEED={seed})");
    let broker = TestBroker::bind().await;
    let (_client, mut eventloop) =
        AsyncClient::builder(client_options("hostile-random", broker.port())).build();
    let connack = connack_ok();
    let (event, (mut conn, _)) =
        tokio::join!(poll_event(&mut eventloop), broker.accept_session(&connack));
    assert_eq!(event, Event::Incoming(connack_ok()));
    let (mut most_written, mut most_growth, mut decode_errors) = (0, 0, 0);
    for round in 0..RANDOM_ROUNDS {
        let seed = seed.wrapping_add(round);
        let heap_before = live_heap();
        let stream = tokio::spawn(stream_random(conn, seed, heap_before));
        let mut events = 0;
        let error = loop {
            match poll_within_guard(&mut eventloop).await {
                Ok(_) => events += 1,
                Err(error) => break error,
            }
            assert!(events < 10_000, "seed {seed}: random bytes never failed");
        };
        let (written, growth) = stream.await.unwrap();
        assert!(
            matches!(
                error,
                ConnectionError::Decode(_) | ConnectionError::MqttState(_)
            ) && !matches!(error, ConnectionError::MqttState(StateError::AwaitPingResp)),
            "seed {seed}: {error:?}"
        );
        assert!(
            written <= RANDOM_BYTES_BOUND,
            "seed {seed}: {written} bytes taken in"
        );
        most_written = most_written.max(written);
        most_growth = most_growth.max(growth);
        decode_errors += u32::from(matches!(error, ConnectionError::Decode(_)));
        assert!(
            growth <= HEAP_GROWTH_BOUND_BYTES,
            "seed {seed}: live heap grew by {growth} bytes"
        );
        let (event, (next, _)) =
            tokio::join!(poll_event(&mut eventloop), broker.accept_session(&connack));
        assert_eq!(event, Event::Incoming(connack_ok()), "seed {seed}");
        conn = next;
    }
    eprintln!(
        "{RANDOM_ROUNDS} streams: {decode_errors} ended in decode errors, the others in state \
         errors; at most \
         {most_written} bytes written before the client closed, live heap grew by at most \
         {most_growth} bytes"
    );
}
