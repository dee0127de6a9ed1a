//! Session store cost per QoS 1 publish, store on vs off, in one run: N QoS 1 publishes
//! through an `EventLoop` to an in-process sink that answers every PUBLISH with its PUBACK
//! at once, with no store (`clean_session = true`), the in-memory store, and the file store
//! with `FsyncPolicy::Never` and `FsyncPolicy::EveryAppend`. Prints µs per publish and the
//! ratio to "no store" for each of `RUNS` rounds (variants interleaved, so drift hits all).
//!
//! `cargo bench --bench session_store` (env: `SESSION_BENCH_N`, default 20000;
//! `SESSION_BENCH_RUNS`, default 3; `SESSION_BENCH_ONLY=<variant>` runs one variant, for
//! `valgrind --tool=callgrind`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::time::Instant;

use rumqttc::{
    AsyncClient, Event, FileSessionStore, FsyncPolicy, MemorySessionStore, MqttOptions, Packet, QoS,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    NoStore,
    Memory,
    FileNever,
    FileEveryAppend,
}

const VARIANTS: [Variant; 4] = [
    Variant::NoStore,
    Variant::Memory,
    Variant::FileNever,
    Variant::FileEveryAppend,
];

impl Variant {
    const fn name(self) -> &'static str {
        match self {
            Self::NoStore => "no-store",
            Self::Memory => "memory",
            Self::FileNever => "file-never",
            Self::FileEveryAppend => "file-every-append",
        }
    }
}

/// Length of the frame at the start of `buf` (header + body), if it is complete.
fn frame_len(buf: &[u8]) -> Option<usize> {
    let mut len = 0usize;
    for (i, byte) in buf.iter().skip(1).take(4).enumerate() {
        len |= usize::from(byte & 0x7F) << (7 * i);
        if byte & 0x80 == 0 {
            let total = 2 + i + len;
            return (buf.len() >= total).then_some(total);
        }
    }
    None
}

/// The broker side: CONNACK for the CONNECT, then a PUBACK for every QoS 1 PUBLISH.
async fn sink(mut stream: TcpStream) {
    stream.set_nodelay(true).unwrap();
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut chunk = vec![0u8; 64 * 1024];
    let mut out = Vec::with_capacity(16 * 1024);
    loop {
        let n = match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        let mut start = 0;
        while let Some(len) = frame_len(&buf[start..]) {
            let frame = &buf[start..start + len];
            let header = 2 + frame[1..].iter().take_while(|b| *b & 0x80 != 0).count();
            match frame[0] >> 4 {
                1 => out.extend_from_slice(&[0x20, 0x02, 0x00, 0x00]),
                3 if frame[0] & 0x06 == 0x02 => {
                    let topic_len =
                        usize::from(u16::from_be_bytes([frame[header], frame[header + 1]]));
                    let at = header + 2 + topic_len;
                    out.extend_from_slice(&[0x40, 0x02, frame[at], frame[at + 1]]);
                }
                _ => {}
            }
            start += len;
        }
        buf.drain(..start);
        if !out.is_empty() {
            if stream.write_all(&out).await.is_err() {
                return;
            }
            out.clear();
        }
    }
}

fn options(variant: Variant, port: u16, dir: &Path) -> MqttOptions {
    let mut options = MqttOptions::new(format!("bench-{}", variant.name()), ("127.0.0.1", port));
    options.set_inflight(100);
    match variant {
        Variant::NoStore => {
            options.set_clean_session(true);
        }
        Variant::Memory => {
            options
                .set_clean_session(false)
                .set_session_store(MemorySessionStore::new());
        }
        Variant::FileNever | Variant::FileEveryAppend => {
            let policy = if variant == Variant::FileNever {
                FsyncPolicy::Never
            } else {
                FsyncPolicy::EveryAppend
            };
            let store = FileSessionStore::open(dir.join(variant.name()))
                .unwrap()
                .fsync(policy);
            options.set_clean_session(false).set_session_store(store);
        }
    }
    options
}

/// Publishes `n` QoS 1 messages and waits for every PUBACK; returns µs per publish.
async fn run(variant: Variant, n: usize, dir: &Path) -> f64 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let broker = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        sink(stream).await;
    });
    let (client, mut eventloop) = AsyncClient::builder(options(variant, port, dir)).build();
    // Connect outside the timed section.
    match eventloop.poll().await.unwrap() {
        Event::Incoming(Packet::ConnAck(_)) => {}
        other => panic!("expected CONNACK, got {other:?}"),
    }
    let payload = vec![0x5A_u8; 64];
    let publisher = tokio::spawn(async move {
        for _ in 0..n {
            client
                .publish("bench/session", QoS::AtLeastOnce, false, payload.clone())
                .await
                .unwrap();
        }
        client
    });
    let start = Instant::now();
    let mut acked = 0;
    while acked < n {
        if let Event::Incoming(Packet::PubAck(_)) = eventloop.poll().await.unwrap() {
            acked += 1;
        }
    }
    let elapsed = start.elapsed();
    drop(publisher.await.unwrap());
    drop(eventloop);
    broker.abort();
    elapsed.as_secs_f64() * 1e6 / n as f64
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is read from the command line.
    let n = env("SESSION_BENCH_N", 20_000);
    let runs = env("SESSION_BENCH_RUNS", 3);
    let only = std::env::var("SESSION_BENCH_ONLY").ok();
    let dir = std::env::temp_dir().join(format!("rumqttc-session-bench-{}", std::process::id()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("session store cost, {n} QoS 1 publishes of 64 B per variant, {runs} run(s)");
    for round in 1..=runs {
        let mut base = None;
        for variant in VARIANTS {
            if only.as_deref().is_some_and(|only| only != variant.name()) {
                continue;
            }
            let _ = std::fs::remove_dir_all(&dir);
            let us = runtime.block_on(run(variant, n, &dir));
            let base_us = *base.get_or_insert(us);
            println!(
                "run {round} {:<18} {us:8.2} µs/publish  x{:.2} of {}",
                variant.name(),
                us / base_us,
                if only.is_some() {
                    variant.name()
                } else {
                    "no-store"
                },
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
