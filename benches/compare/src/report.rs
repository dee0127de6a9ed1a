//! Collects child figures per (scenario, implementation, run) and renders the markdown
//! report: machine, per-scenario medians with same-run ratios, and the targets.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::measure::median;
use crate::scenario::{Figures, Impl};
use crate::{Kind, Scenario};

/// Every figure name a child may report (so parsed names can be `&'static str`).
const KEYS: &[&str] = &[
    "msg_per_s",
    "cpu_us_per_msg",
    "allocs_per_msg",
    "elapsed_s",
    "lost",
    "duplicates",
    "out_of_order",
    "foreign",
    "p50_us",
    "p99_us",
    "rounds",
    "deliveries_per_s",
    "cpu_us_per_delivery",
    "kib_per_conn",
    "connects_per_s",
    "decode_ns",
    "decode_floor_ns",
    "encode_ns",
    "decode_allocs",
    "encode_allocs",
    "broker_cpu_load",
];

/// The static name for a figure key, if known.
pub fn intern(key: &str) -> Option<&'static str> {
    KEYS.iter().copied().find(|k| *k == key)
}

/// Figures of every run, by scenario and implementation.
pub struct Results {
    runs: usize,
    by_key: HashMap<(&'static str, Impl), Vec<Option<Figures>>>,
}

impl Results {
    /// Empty results for `runs` runs.
    pub fn new(runs: usize) -> Self {
        Self {
            runs,
            by_key: HashMap::new(),
        }
    }

    /// Stores one child's figures (`None`: it failed).
    pub fn record(
        &mut self,
        scenario: &'static str,
        which: Impl,
        run: usize,
        figures: Option<Figures>,
    ) {
        let slot = self
            .by_key
            .entry((scenario, which))
            .or_insert_with(|| vec![None; self.runs]);
        if let Some(cell) = slot.get_mut(run) {
            *cell = figures;
        }
    }

    fn value(&self, scenario: &str, which: Impl, run: usize, metric: &str) -> Option<f64> {
        let figures = self
            .by_key
            .get(&(intern_scenario(scenario)?, which))?
            .get(run)?
            .as_ref()?;
        figures.iter().find(|(k, _)| *k == metric).map(|(_, v)| *v)
    }

    /// Median over runs of one figure.
    fn median(&self, scenario: &str, which: Impl, metric: &str) -> f64 {
        let values: Vec<f64> = (0..self.runs)
            .filter_map(|run| self.value(scenario, which, run, metric))
            .collect();
        median(&values)
    }

    /// Median over runs of the same-run ratio `f(run)`.
    fn median_ratio(&self, f: impl Fn(usize) -> Option<f64>) -> f64 {
        let values: Vec<f64> = (0..self.runs)
            .filter_map(f)
            .filter(|v| v.is_finite())
            .collect();
        median(&values)
    }

    /// Median over runs of `num` / `den` for one figure.
    fn ratio(&self, scenario: &str, metric: &str, num: Impl, den: Impl) -> f64 {
        self.median_ratio(|run| {
            let den = self.value(scenario, den, run, metric)?;
            // A ratio to (nearly) nothing, like allocations against the raw socket, says nothing.
            (den.abs() > 1e-3).then_some(self.value(scenario, num, run, metric)? / den)
        })
    }

    fn fault_cell(&self, scenario: &str, which: Impl) -> String {
        let sum = |metric| -> f64 {
            (0..self.runs)
                .filter_map(|run| self.value(scenario, which, run, metric))
                .sum()
        };
        let failed = (0..self.runs)
            .filter(|&run| self.value(scenario, which, run, "elapsed_s").is_none())
            .count();
        let mut cell = format!(
            "{}/{}/{}",
            sum("lost") + sum("foreign"),
            sum("duplicates"),
            sum("out_of_order")
        );
        if failed > 0 {
            let _ = write!(cell, " ({failed} failed)");
        }
        cell
    }
}

fn intern_scenario(name: &str) -> Option<&'static str> {
    crate::scenarios(1)
        .into_iter()
        .map(|s| s.name)
        .find(|n| *n == name)
}

fn number(v: f64) -> String {
    if v.is_nan() {
        return "–".to_owned();
    }
    match v.abs() {
        a if a >= 100.0 => format!("{v:.0}"),
        a if a >= 10.0 => format!("{v:.1}"),
        _ => format!("{v:.2}"),
    }
}

fn times(v: f64) -> String {
    if v.is_nan() {
        "–".to_owned()
    } else {
        format!("{v:.2}×")
    }
}

/// Rows shown for a scenario: (figure key, label).
fn rows(kind: Kind) -> &'static [(&'static str, &'static str)] {
    match kind {
        Kind::Throughput { .. } => &[
            ("msg_per_s", "msg/s"),
            ("cpu_us_per_msg", "publisher CPU µs/msg"),
            ("allocs_per_msg", "publisher allocations/msg"),
            ("broker_cpu_load", "broker CPU (cores)"),
        ],
        Kind::PingPong { .. } => &[
            ("p50_us", "round trip p50 µs"),
            ("p99_us", "round trip p99 µs"),
        ],
        Kind::FanOut { .. } => &[
            ("deliveries_per_s", "deliveries/s (all receivers)"),
            ("cpu_us_per_delivery", "receiver CPU µs/delivery"),
            ("broker_cpu_load", "broker CPU (cores)"),
        ],
        Kind::Idle { .. } => &[
            ("kib_per_conn", "RSS KiB/connection"),
            ("connects_per_s", "connects/s (sequential)"),
        ],
        Kind::Codec => &[
            ("decode_ns", "decode ns (raw: copy)"),
            (
                "decode_floor_ns",
                "zero-copy decode floor ns (split, 2nd handle, drop; no parsing)",
            ),
            ("encode_ns", "encode ns (raw: copy)"),
            ("decode_allocs", "decode allocations/op"),
            ("encode_allocs", "encode allocations/op"),
        ],
    }
}

fn machine() -> String {
    let read = |path| std::fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown", |(_, m)| m.trim())
        .to_owned();
    let meminfo = read("/proc/meminfo");
    let mem = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .map_or("unknown".to_owned(), |m| m.trim().to_owned());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let date = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let load = read("/proc/loadavg");
    let load = load
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "- date: {date}\n- cores (nproc): {cores}; CPU: {model}; memory: {mem}\n\
         - load average at the end of the run: {load}\n"
    )
}

/// The whole markdown report.
pub fn render(chosen: &[Scenario], results: &Results, runs: usize, divisor: u64) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Machine\n\n{}", machine());
    let _ = writeln!(
        out,
        "Medians of {runs} runs{}; every ratio is the median of per-run ratios (same run, same broker).\n",
        if divisor > 1 {
            " (QUICK: counts divided by 10)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "| scenario | figure | raw | ours | reference | bytebeam 0.25 | ours/raw | ours/reference |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|");
    for scenario in chosen {
        let has = |i: Impl| scenario.impls.contains(&i);
        let cell = |i: Impl, metric| {
            if has(i) {
                number(results.median(scenario.name, i, metric))
            } else {
                "–".to_owned()
            }
        };
        for (metric, label) in rows(scenario.kind) {
            let _ = writeln!(
                out,
                "| {} | {label} | {} | {} | {} | {} | {} | {} |",
                scenario.name,
                cell(Impl::Raw, metric),
                cell(Impl::Ours, metric),
                cell(Impl::Reference, metric),
                cell(Impl::Bytebeam, metric),
                times(results.ratio(scenario.name, metric, Impl::Ours, Impl::Raw)),
                times(results.ratio(scenario.name, metric, Impl::Ours, Impl::Reference)),
            );
        }
        if matches!(scenario.kind, Kind::Throughput { .. } | Kind::FanOut { .. }) {
            let _ = writeln!(
                out,
                "| {} | lost/duplicated/out of order (sum of runs) | {} | {} | {} | – | | |",
                scenario.name,
                results.fault_cell(scenario.name, Impl::Raw),
                results.fault_cell(scenario.name, Impl::Ours),
                results.fault_cell(scenario.name, Impl::Reference),
            );
        }
    }
    out.push_str(&targets(results));
    out
}

struct Target {
    what: &'static str,
    value: f64,
    limit: f64,
    at_least: bool,
}

fn targets(r: &Results) -> String {
    use Impl::{Bytebeam, Ours, Raw, Reference};
    let q0 = "throughput-64B-qos0";
    let q1 = "throughput-64B-qos1";
    let q2 = "throughput-64B-qos2";
    let pp = "pingpong-qos1-64B";
    let idle = "idle-2000";
    let codec = "codec-publish-64B";
    let encode_vs_best = r.median_ratio(|run| {
        let ours = r.value(codec, Ours, run, "encode_ns")?;
        let best = r.value(codec, Reference, run, "encode_ns")?.min(r.value(
            codec,
            Bytebeam,
            run,
            "encode_ns",
        )?);
        Some(ours / best)
    });
    let list = [
        Target {
            what: "QoS 0 64 B throughput, ours/raw",
            value: r.ratio(q0, "msg_per_s", Ours, Raw),
            limit: 0.98,
            at_least: true,
        },
        Target {
            what: "QoS 0 64 B CPU/msg, ours/reference",
            value: r.ratio(q0, "cpu_us_per_msg", Ours, Reference),
            limit: 0.3,
            at_least: false,
        },
        Target {
            what: "QoS 1 64 B throughput, ours/raw",
            value: r.ratio(q1, "msg_per_s", Ours, Raw),
            limit: 0.95,
            at_least: true,
        },
        Target {
            what: "QoS 1 64 B CPU/msg, ours/reference",
            value: r.ratio(q1, "cpu_us_per_msg", Ours, Reference),
            limit: 0.5,
            at_least: false,
        },
        Target {
            what: "QoS 2 64 B throughput, ours/reference",
            value: r.ratio(q2, "msg_per_s", Ours, Reference),
            limit: 1.2,
            at_least: true,
        },
        Target {
            what: "QoS 1 round trip p50, ours/raw",
            value: r.ratio(pp, "p50_us", Ours, Raw),
            limit: 1.5,
            at_least: false,
        },
        Target {
            what: "QoS 1 round trip p99, ours/reference",
            value: r.ratio(pp, "p99_us", Ours, Reference),
            limit: 0.7,
            at_least: false,
        },
        Target {
            what: "RSS per idle connection, ours (KiB)",
            value: r.median(idle, Ours, "kib_per_conn"),
            limit: 8.0,
            at_least: false,
        },
        Target {
            what: "sequential connects/s, ours/raw",
            value: r.ratio(idle, "connects_per_s", Ours, Raw),
            limit: 0.8,
            at_least: true,
        },
        Target {
            what: "decode 64 B PUBLISH, ours/reference",
            value: r.ratio(codec, "decode_ns", Ours, Reference),
            limit: 0.4,
            at_least: false,
        },
        Target {
            what: "encode 64 B PUBLISH, ours/min(reference, bytebeam)",
            value: encode_vs_best,
            limit: 1.0,
            at_least: false,
        },
        Target {
            what: "QoS 0 publish path allocations/msg, ours (payload = 1)",
            value: r.median(q0, Ours, "allocs_per_msg"),
            limit: 1.0,
            at_least: false,
        },
    ];
    let mut out = String::from(
        "\n## Targets (issue 6, item 2)\n\n| target | measured | limit | met |\n|---|---:|---:|---|\n",
    );
    for t in list {
        let met = if t.value.is_nan() {
            "not measured"
        } else if (t.at_least && t.value >= t.limit) || (!t.at_least && t.value <= t.limit) {
            "met"
        } else {
            "NOT met"
        };
        let op = if t.at_least { "≥" } else { "≤" };
        let _ = writeln!(
            out,
            "| {} | {} | {op} {} | {met} |",
            t.what,
            number(t.value),
            t.limit
        );
    }
    out
}
