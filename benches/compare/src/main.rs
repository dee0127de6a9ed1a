//! Comparison harness: our client, the crates.io reference (`rumqttc-v4-next` 0.34) and a
//! raw-socket ceiling, run through the same scenarios against a private mosquitto.
//!
//! `cargo run --release --manifest-path benches/compare/Cargo.toml -- all` runs everything
//! (3 runs, medians) and prints a markdown table. Each (scenario, implementation, run) is
//! a fresh child process of this binary, so CPU, allocation and memory figures are its own.

mod broker;
mod catalog;
mod client;
mod codec;
mod measure;
mod meter;
mod raw;
mod report;
mod scenario;
mod sink;
mod targets;
mod wire;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use catalog::ALL_RUNTIMES;
pub use catalog::{Kind, Scenario, Via, scenarios};
use client::Wire;
use scenario::{End, Figures, Impl, Rt, Target};

#[global_allocator]
static ALLOCATOR: meter::CountingAlloc = meter::CountingAlloc;

/// Longest a child may run before it is killed and its run counted as failed.
const CHILD_LIMIT: Duration = Duration::from_secs(180);
/// Environment variable that hands the sink's CA certificate (PEM) to a TLS child.
const CA_ENV: &str = "COMPARE_SINK_CA";
/// How long the parent waits for the sink to see a finished publisher's connection close.
const SINK_CLOSE_WAIT: Duration = Duration::from_secs(10);

fn usage() -> ! {
    eprintln!(
        "usage: rumqttc-compare [all | throughput | sink | pingpong | fanout | idle | codec | SCENARIO]... \
         [--runs N] [--quick] [--runtime current|multi|multi-spawned|all]\n\
         scenarios: {}",
        scenarios(1)
            .iter()
            .map(|s| s.name)
            .collect::<Vec<_>>()
            .join(", ")
    );
    std::process::exit(1)
}

/// What the command line asked for.
struct Options {
    runs: usize,
    divisor: u64,
    runtimes: Vec<Rt>,
    chosen: Vec<Scenario>,
}

fn options(args: &[String]) -> Options {
    let mut runs = 3usize;
    let mut divisor = 1u64;
    let mut runtimes = ALL_RUNTIMES.to_vec();
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
            "--runtime" => {
                runtimes = match iter.next().map(String::as_str) {
                    Some("all") => ALL_RUNTIMES.to_vec(),
                    Some(name) => vec![Rt::parse(name).unwrap_or_else(|| usage())],
                    None => usage(),
                }
            }
            "-h" | "--help" => usage(),
            other => selectors.push(other.to_owned()),
        }
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
    Options {
        runs,
        divisor,
        runtimes,
        chosen,
    }
}

/// The (runtime, implementation) children of one scenario in one run, rotated so no
/// implementation always goes first. The raw socket has no runtime: it runs once, and
/// its figures stand beside both runtimes' rows.
fn children(scenario: &Scenario, runtimes: &[Rt], run: usize) -> Vec<(Rt, Impl)> {
    let mut list = Vec::new();
    for &rt in scenario.runtimes.iter().filter(|rt| runtimes.contains(rt)) {
        let count = scenario.impls.len();
        for k in 0..count {
            let which = scenario.impls[(k + run) % count];
            let raw_done = list.iter().any(|&(_, i)| i == Impl::Raw);
            if which != Impl::Raw || !raw_done {
                list.push((rt, which));
            }
        }
    }
    list
}

/// The servers the children talk to.
struct Servers {
    broker: broker::Broker,
    sink: Option<sink::Sink>,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("child") {
        child(&args[1..]);
        return;
    }
    let Options {
        runs,
        divisor,
        runtimes,
        chosen,
    } = options(&args);
    measure::raise_fd_limit();
    let exit = |e: String| -> ! {
        eprintln!("{e}");
        std::process::exit(1)
    };
    let broker = broker::Broker::start().unwrap_or_else(|e| exit(e));
    eprintln!(
        "mosquitto pid {} on 127.0.0.1:{}",
        broker.pid(),
        broker.port
    );
    let sink = chosen
        .iter()
        .any(|s| s.kind.uses_sink())
        .then(|| sink::Sink::start().unwrap_or_else(|e| exit(e)));
    if let Some(sink) = &sink {
        eprintln!(
            "sink on 127.0.0.1: tcp {}, tls {}, ws {}",
            sink.tcp, sink.tls, sink.ws
        );
    }
    let servers = Servers { broker, sink };
    let mut results = report::Results::new(runs);
    for run in 0..runs {
        for scenario in &chosen {
            for (rt, which) in children(scenario, &runtimes, run) {
                let figures = if matches!(scenario.kind, Kind::Codec) {
                    let each = (0..CODEC_PROCESSES)
                        .map(|_| run_child(&servers, scenario, rt, which, divisor))
                        .collect();
                    median_figures(each)
                } else {
                    run_child(&servers, scenario, rt, which, divisor)
                };
                // The raw socket's figures are kept under one runtime (see `Results`).
                let rt = if which == Impl::Raw { Rt::Current } else { rt };
                results.record(scenario.name, rt, which, run, figures);
            }
        }
    }
    let log = servers.broker.log();
    if !log.trim().is_empty() {
        eprintln!("mosquitto log:\n{log}");
    }
    drop(servers);
    print!(
        "{}",
        report::render(&chosen, &runtimes, &results, runs, divisor)
    );
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

/// The port a scenario's child connects to.
fn port_for(servers: &Servers, kind: Kind) -> u16 {
    match (kind, &servers.sink) {
        (Kind::Sink { via: Via::Tls, .. }, Some(sink)) => sink.tls,
        (Kind::Sink { via: Via::Ws, .. }, Some(sink)) => sink.ws,
        (Kind::Sink { .. } | Kind::Idle { sink: true, .. }, Some(sink)) => sink.tcp,
        _ => servers.broker.port,
    }
}

/// Waits for a child, killing it after [`CHILD_LIMIT`]; false when it did not end well.
fn wait_child(child: &mut std::process::Child, started: Instant, what: &str) -> bool {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.success(),
            Ok(None) if started.elapsed() > CHILD_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                eprintln!("{what}: killed after {CHILD_LIMIT:?}");
                return false;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => return false,
        }
    }
}

/// Runs one child and parses its `RESULT` line; `None` when it failed.
fn run_child(
    servers: &Servers,
    scenario: &Scenario,
    rt: Rt,
    which: Impl,
    divisor: u64,
) -> Option<Figures> {
    let what = format!("{} {} {}", scenario.name, rt.name(), which.name());
    let exe = std::env::current_exe().ok()?;
    let broker_cpu = servers.broker.cpu_secs();
    let sink_cpu = meter::named_threads_cpu("sink");
    let started = Instant::now();
    let mut command = Command::new(exe);
    command
        .args(["child", scenario.name, rt.name(), which.name()])
        .arg(port_for(servers, scenario.kind).to_string())
        .arg(divisor.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(sink) = &servers.sink {
        command.env(CA_ENV, &sink.ca_pem);
    }
    let mut child = command.spawn().ok()?;
    let ok = wait_child(&mut child, started, &what);
    let broker_cpu = servers.broker.cpu_secs() - broker_cpu;
    let mut out = String::new();
    child.stdout.take()?.read_to_string(&mut out).ok()?;
    let line = out.lines().find_map(|l| l.strip_prefix("RESULT "))?;
    let mut figures: Figures = line
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .filter_map(|(k, v)| Some((report::intern(k)?, v.parse().ok()?)))
        .collect();
    if let (Kind::Sink { count, .. }, Some(sink)) = (scenario.kind, &servers.sink) {
        let tally = sink.take(&format!("pub-{}", child.id()), SINK_CLOSE_WAIT);
        report::push_tally(&mut figures, tally.as_ref(), count);
    }
    let sink_cpu = meter::named_threads_cpu("sink").saturating_sub(sink_cpu);
    if let Some(&(_, elapsed)) = figures.iter().find(|(k, _)| *k == "elapsed_s")
        && elapsed > 0.0
    {
        let load = if scenario.kind.uses_sink() {
            ("sink_cpu_load", sink_cpu.as_secs_f64() / elapsed)
        } else {
            ("broker_cpu_load", broker_cpu / elapsed)
        };
        figures.push(load);
    }
    eprintln!("{what}: {line}{}", if ok { "" } else { " (child failed)" });
    Some(figures)
}

/// Child process entry: `child SCENARIO RUNTIME IMPL PORT DIVISOR`.
fn child(args: &[String]) {
    let [name, rt, which, port, divisor] = args else {
        scenario::fail("child needs SCENARIO RUNTIME IMPL PORT DIVISOR");
    };
    let rt = Rt::parse(rt).unwrap_or_else(|| scenario::fail("unknown runtime"));
    let which = Impl::parse(which).unwrap_or_else(|| scenario::fail("unknown implementation"));
    let port: u16 = port.parse().unwrap_or_else(|_| scenario::fail("bad port"));
    let divisor: u64 = divisor
        .parse()
        .unwrap_or_else(|_| scenario::fail("bad divisor"));
    let all = scenarios(divisor);
    let Some(found) = all.iter().find(|s| s.name == name.as_str()) else {
        scenario::fail("unknown scenario");
    };
    let wire = match found.kind {
        Kind::Sink { via: Via::Tls, .. } => Wire::Tls {
            ca: std::env::var(CA_ENV)
                .unwrap_or_else(|_| scenario::fail("no sink CA"))
                .into_bytes(),
        },
        Kind::Sink { via: Via::Ws, .. } => Wire::Ws,
        _ => Wire::Tcp,
    };
    let target = Target { port, wire };
    let figures = match found.kind {
        Kind::Throughput { size, qos, count } => {
            scenario::throughput(which, rt, &target, size, qos, count, End::Receiver)
        }
        Kind::Sink {
            size, qos, count, ..
        } => scenario::throughput(which, rt, &target, size, qos, count, End::Disconnect),
        Kind::PingPong { warmup, rounds } => {
            scenario::ping_pong(which, rt, &target, warmup, rounds)
        }
        Kind::FanOut { subscribers, count } => {
            scenario::fan_out(which, rt, &target, subscribers, count)
        }
        Kind::Idle { warmup, count, .. } => scenario::idle(which, rt, &target, warmup, count),
        Kind::Codec => codec::codec(which),
    };
    let line: Vec<String> = figures.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("RESULT {}", line.join(" "));
}
