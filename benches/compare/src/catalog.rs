//! The scenarios: what each does, against which server, with which implementations and
//! runtimes, and with what counts.

use crate::scenario::{Impl, Rt};

/// How a sink scenario's client reaches the sink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// Plain TCP.
    Tcp,
    /// TLS (rustls).
    Tls,
    /// WebSocket.
    Ws,
}

/// What a scenario does, with its counts.
#[derive(Clone, Copy)]
pub enum Kind {
    /// One publisher through the broker to one raw subscriber.
    Throughput { size: usize, qos: u8, count: u64 },
    /// One publisher to the acking sink (client-bound).
    Sink {
        size: usize,
        qos: u8,
        count: u64,
        via: Via,
    },
    /// QoS 1 request/response.
    PingPong { warmup: u64, rounds: u64 },
    /// One raw publisher to many receivers.
    FanOut { subscribers: usize, count: u64 },
    /// Many idle connections, to the broker or to the sink.
    Idle {
        warmup: usize,
        count: usize,
        sink: bool,
    },
    /// Codec encode/decode.
    Codec,
}

impl Kind {
    /// Whether the scenario talks to the sink rather than to mosquitto.
    pub fn uses_sink(self) -> bool {
        matches!(self, Self::Sink { .. } | Self::Idle { sink: true, .. })
    }
}

/// A named scenario and the implementations and runtimes it runs.
pub struct Scenario {
    /// Unique name (also the command-line selector).
    pub name: &'static str,
    /// Group name for selecting several at once.
    pub group: &'static str,
    /// What it does.
    pub kind: Kind,
    /// Implementations compared.
    pub impls: &'static [Impl],
    /// Runtimes the clients run on (the raw socket runs once, with the first).
    pub runtimes: &'static [Rt],
}

const CLIENTS: &[Impl] = &[Impl::Raw, Impl::Ours, Impl::Reference, Impl::Bytebeam];
const NETWORK: &[Impl] = &[Impl::Raw, Impl::Ours, Impl::Reference];
const SECURE: &[Impl] = &[Impl::Ours, Impl::Reference];
const CODEC: &[Impl] = &[Impl::Raw, Impl::Ours, Impl::Reference, Impl::Bytebeam];
/// The current-thread runtime and the README-shaped multi-thread one.
pub const BOTH: &[Rt] = &[Rt::Current, Rt::Multi];
/// Those two and the multi-thread runtime with a spawned event loop.
pub const ALL_RUNTIMES: &[Rt] = &[Rt::Current, Rt::Multi, Rt::Spawned];

/// Every scenario; `divisor` scales the message counts down (`--quick`).
pub fn scenarios(divisor: u64) -> Vec<Scenario> {
    let n = |count: u64| (count / divisor).max(100);
    let mut all = message_scenarios(&n);
    all.extend(other_scenarios(&n));
    all
}

/// One publisher's scenarios: through the broker, and against the sink.
fn message_scenarios(n: &dyn Fn(u64) -> u64) -> Vec<Scenario> {
    // The multi-thread runtime with a spawned event loop too, where the targets look.
    let runtimes = |size| if size == 64 { ALL_RUNTIMES } else { BOTH };
    let tp = |name, size, qos, count| Scenario {
        name,
        group: "throughput",
        kind: Kind::Throughput {
            size,
            qos,
            count: n(count),
        },
        impls: CLIENTS,
        runtimes: runtimes(size),
    };
    let sink = |name, size, qos, count, via| Scenario {
        name,
        group: "sink",
        kind: Kind::Sink {
            size,
            qos,
            count: n(count),
            via,
        },
        impls: if via == Via::Tcp { CLIENTS } else { SECURE },
        runtimes: if via == Via::Tcp {
            runtimes(size)
        } else {
            BOTH
        },
    };
    vec![
        tp("throughput-64B-qos0", 64, 0, 300_000),
        tp("throughput-64B-qos1", 64, 1, 150_000),
        tp("throughput-64B-qos2", 64, 2, 60_000),
        tp("throughput-1KiB-qos0", 1024, 0, 150_000),
        tp("throughput-1KiB-qos1", 1024, 1, 100_000),
        tp("throughput-1KiB-qos2", 1024, 2, 50_000),
        sink("sink-64B-qos0", 64, 0, 1_000_000, Via::Tcp),
        sink("sink-64B-qos1", 64, 1, 300_000, Via::Tcp),
        sink("sink-64B-qos2", 64, 2, 150_000, Via::Tcp),
        sink("sink-1KiB-qos0", 1024, 0, 500_000, Via::Tcp),
        sink("sink-1KiB-qos1", 1024, 1, 200_000, Via::Tcp),
        sink("sink-1KiB-qos2", 1024, 2, 100_000, Via::Tcp),
        sink("sink-64B-qos1-tls", 64, 1, 300_000, Via::Tls),
        sink("sink-64B-qos1-ws", 64, 1, 300_000, Via::Ws),
    ]
}

/// The ping-pong, fan-out, idle and codec scenarios.
fn other_scenarios(n: &dyn Fn(u64) -> u64) -> Vec<Scenario> {
    let idle = |name, count, sink| Scenario {
        name,
        group: "idle",
        kind: Kind::Idle {
            warmup: 10,
            count,
            sink,
        },
        impls: NETWORK,
        runtimes: BOTH,
    };
    vec![
        Scenario {
            name: "pingpong-qos1-64B",
            group: "pingpong",
            kind: Kind::PingPong {
                warmup: n(500),
                rounds: n(5_000),
            },
            impls: CLIENTS,
            runtimes: ALL_RUNTIMES,
        },
        Scenario {
            name: "fanout-10-qos1-64B",
            group: "fanout",
            kind: Kind::FanOut {
                subscribers: 10,
                count: n(20_000),
            },
            impls: NETWORK,
            runtimes: BOTH,
        },
        idle("idle-2000", 2_000, false),
        idle("idle-10000-sink", 10_000, true),
        Scenario {
            name: "codec-publish-64B",
            group: "codec",
            kind: Kind::Codec,
            impls: CODEC,
            runtimes: &[Rt::Current],
        },
    ]
}
