//! Comparison harness: our client, the crates.io reference (`rumqttc-v4-next` 0.34) and a
//! raw-socket ceiling, run through the same scenarios against a private mosquitto.
//!
//! `cargo run --release --manifest-path benches/compare/Cargo.toml -- all` runs everything
//! (3 runs, medians) and prints a markdown table. Each (scenario, implementation, run) is
//! a fresh child process of this binary, so CPU, allocation and memory figures are its own.

mod broker;
mod client;
mod codec;
mod measure;
mod raw;
mod report;
mod scenario;
mod wire;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use scenario::{Figures, Impl};

#[global_allocator]
static ALLOCATOR: measure::CountingAlloc = measure::CountingAlloc;

/// Longest a child may run before it is killed and its run counted as failed.
const CHILD_LIMIT: Duration = Duration::from_secs(180);

/// What a scenario does, with its counts.
#[derive(Clone, Copy)]
pub enum Kind {
    /// One publisher to one raw subscriber.
    Throughput { size: usize, qos: u8, count: u64 },
    /// QoS 1 request/response.
    PingPong { warmup: u64, rounds: u64 },
    /// One raw publisher to many receivers.
    FanOut { subscribers: usize, count: u64 },
    /// Many idle connections.
    Idle { warmup: usize, count: usize },
    /// Codec encode/decode.
    Codec,
}

/// A named scenario and the implementations it runs.
pub struct Scenario {
    /// Unique name (also the command-line selector).
    pub name: &'static str,
    /// Group name for selecting several at once.
    pub group: &'static str,
    /// What it does.
    pub kind: Kind,
    /// Implementations compared.
    pub impls: &'static [Impl],
}

const NETWORK: &[Impl] = &[Impl::Raw, Impl::Ours, Impl::Reference];
const CODEC: &[Impl] = &[Impl::Raw, Impl::Ours, Impl::Reference, Impl::Bytebeam];

/// Every scenario; `divisor` scales the message counts down (`--quick`).
pub fn scenarios(divisor: u64) -> Vec<Scenario> {
    let n = |count: u64| (count / divisor).max(100);
    let tp = |name, size, qos, count| Scenario {
        name,
        group: "throughput",
        kind: Kind::Throughput {
            size,
            qos,
            count: n(count),
        },
        impls: NETWORK,
    };
    vec![
        tp("throughput-64B-qos0", 64, 0, 300_000),
        tp("throughput-64B-qos1", 64, 1, 150_000),
        tp("throughput-64B-qos2", 64, 2, 60_000),
        tp("throughput-1KiB-qos0", 1024, 0, 150_000),
        tp("throughput-1KiB-qos1", 1024, 1, 100_000),
        tp("throughput-1KiB-qos2", 1024, 2, 50_000),
        Scenario {
            name: "pingpong-qos1-64B",
            group: "pingpong",
            kind: Kind::PingPong {
                warmup: n(500),
                rounds: n(5_000),
            },
            impls: NETWORK,
        },
        Scenario {
            name: "fanout-10-qos1-64B",
            group: "fanout",
            kind: Kind::FanOut {
                subscribers: 10,
                count: n(20_000),
            },
            impls: NETWORK,
        },
        Scenario {
            name: "idle-2000",
            group: "idle",
            kind: Kind::Idle {
                warmup: 10,
                count: 2_000,
            },
            impls: NETWORK,
        },
        Scenario {
            name: "codec-publish-64B",
            group: "codec",
            kind: Kind::Codec,
            impls: CODEC,
        },
    ]
}

fn usage() -> ! {
    eprintln!(
        "usage: rumqttc-compare [all | throughput | pingpong | fanout | idle | codec | SCENARIO]... \
         [--runs N] [--quick]\n\
         scenarios: {}",
        scenarios(1)
            .iter()
            .map(|s| s.name)
            .collect::<Vec<_>>()
            .join(", ")
    );
    std::process::exit(1)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("child") {
        child(&args[1..]);
        return;
    }
    let mut runs = 3usize;
    let mut divisor = 1u64;
    let mut selectors = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--runs" => {
                runs = iter
                    .next()
                    .and_then(|r| r.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "--quick" => divisor = 10,
            "-h" | "--help" => usage(),
            other => selectors.push(other.to_owned()),
        }
    }
    if selectors.is_empty() {
        usage();
    }
    let chosen: Vec<Scenario> = scenarios(divisor)
        .into_iter()
        .filter(|s| {
            selectors
                .iter()
                .any(|sel| sel == "all" || sel == s.name || sel == s.group)
        })
        .collect();
    if chosen.is_empty() {
        usage();
    }
    measure::raise_fd_limit();
    let broker = broker::Broker::start().unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    eprintln!(
        "mosquitto pid {} on 127.0.0.1:{}",
        broker.pid(),
        broker.port
    );
    let mut results = report::Results::new(runs);
    for run in 0..runs {
        for scenario in &chosen {
            let count = scenario.impls.len();
            for k in 0..count {
                // Rotate the order each run so no implementation always goes first.
                let which = scenario.impls[(k + run) % count];
                let figures = if matches!(scenario.kind, Kind::Codec) {
                    let each = (0..CODEC_PROCESSES)
                        .map(|_| run_child(&broker, scenario, which, divisor))
                        .collect();
                    median_figures(each)
                } else {
                    run_child(&broker, scenario, which, divisor)
                };
                results.record(scenario.name, which, run, figures);
            }
        }
    }
    let log = broker.log();
    if !log.trim().is_empty() {
        eprintln!("mosquitto log:\n{log}");
    }
    drop(broker);
    print!("{}", report::render(&chosen, &results, runs, divisor));
}

/// Processes per codec figure in each run. A nanosecond loop's speed depends on where the
/// process's code and data happen to land: one binary measured our encode at 11 ns in some
/// processes and 21 ns in others, always 11 ns with address randomization off
/// (`setarch -R`), and the other crates move the same way now and then. The median over
/// several fresh processes measures the code rather than one layout.
const CODEC_PROCESSES: usize = 7;

/// Per-figure median over several children's figures; `None` when none succeeded.
fn median_figures(each: Vec<Option<Figures>>) -> Option<Figures> {
    let each: Vec<Figures> = each.into_iter().flatten().collect();
    let first = each.first()?;
    Some(
        first
            .iter()
            .map(|&(key, _)| {
                let values: Vec<f64> = each
                    .iter()
                    .filter_map(|figures| figures.iter().find(|(k, _)| *k == key))
                    .map(|&(_, v)| v)
                    .collect();
                (key, measure::median(&values))
            })
            .collect(),
    )
}

/// Runs one child and parses its `RESULT` line; `None` when it failed.
fn run_child(
    broker: &broker::Broker,
    scenario: &Scenario,
    which: Impl,
    divisor: u64,
) -> Option<Figures> {
    let exe = std::env::current_exe().ok()?;
    let cpu_before = broker.cpu_secs();
    let started = Instant::now();
    let mut child = Command::new(exe)
        .args(["child", scenario.name, which.name()])
        .arg(broker.port.to_string())
        .arg(divisor.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .ok()?;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() > CHILD_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                eprintln!(
                    "{} {}: killed after {:?}",
                    scenario.name,
                    which.name(),
                    CHILD_LIMIT
                );
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => return None,
        }
    }
    let broker_cpu = broker.cpu_secs() - cpu_before;
    let mut out = String::new();
    child.stdout.take()?.read_to_string(&mut out).ok()?;
    let line = out.lines().find_map(|l| l.strip_prefix("RESULT "))?;
    let mut figures: Figures = line
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .filter_map(|(k, v)| Some((report::intern(k)?, v.parse().ok()?)))
        .collect();
    if let Some(&(_, elapsed)) = figures.iter().find(|(k, _)| *k == "elapsed_s")
        && elapsed > 0.0
    {
        figures.push(("broker_cpu_load", broker_cpu / elapsed));
    }
    eprintln!("{} {}: {}", scenario.name, which.name(), line);
    Some(figures)
}

/// Child process entry: `child SCENARIO IMPL PORT DIVISOR`.
fn child(args: &[String]) {
    let [name, which, port, divisor] = args else {
        scenario::fail("child needs SCENARIO IMPL PORT DIVISOR");
    };
    let which = Impl::parse(which).unwrap_or_else(|| scenario::fail("unknown implementation"));
    let port: u16 = port.parse().unwrap_or_else(|_| scenario::fail("bad port"));
    let divisor: u64 = divisor
        .parse()
        .unwrap_or_else(|_| scenario::fail("bad divisor"));
    let all = scenarios(divisor);
    let Some(found) = all.iter().find(|s| s.name == name.as_str()) else {
        scenario::fail("unknown scenario");
    };
    let figures = match found.kind {
        Kind::Throughput { size, qos, count } => {
            scenario::throughput(which, port, size, qos, count)
        }
        Kind::PingPong { warmup, rounds } => scenario::ping_pong(which, port, warmup, rounds),
        Kind::FanOut { subscribers, count } => scenario::fan_out(which, port, subscribers, count),
        Kind::Idle { warmup, count } => scenario::idle(which, port, warmup, count),
        Kind::Codec => codec::codec(which),
    };
    let line: Vec<String> = figures.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("RESULT {}", line.join(" "));
}
