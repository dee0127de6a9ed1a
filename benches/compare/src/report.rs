//! Collects child figures per (scenario, runtime, implementation, run) and renders the
//! markdown report: machine, per-scenario medians with same-run ratios; the targets are in
//! `targets.rs`.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::measure::median;
use crate::scenario::{Figures, Impl, Rt};
use crate::sink::Tally;
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
    "sink_cpu_load",
    "switches_per_msg",
    "cpu_us_per_round",
    "switches_per_round",
    "allocs_per_round",
    "switches_per_delivery",
    "allocs_per_delivery",
    "loop_bytes",
];

/// The static name for a figure key, if known.
pub fn intern(key: &str) -> Option<&'static str> {
    KEYS.iter().copied().find(|k| *k == key)
}

/// Adds what the sink counted for one publisher: rate (first to last arrival) and checks
/// against the `count` sent; a missing tally counts everything as lost.
pub fn push_tally(figures: &mut Figures, tally: Option<&Tally>, count: u64) {
    let Some(tally) = tally else {
        figures.push(("lost", count as f64));
        return;
    };
    let span = match (tally.first, tally.last) {
        (Some(first), Some(last)) => (last - first).as_secs_f64(),
        _ => 0.0,
    };
    figures.push(("msg_per_s", tally.unique as f64 / span.max(1e-9)));
    figures.push(("lost", count.saturating_sub(tally.unique) as f64));
    figures.push(("duplicates", tally.duplicates as f64));
    figures.push(("out_of_order", tally.out_of_order as f64));
    figures.push(("foreign", tally.foreign as f64));
}

/// Figures of every run, by scenario, runtime and implementation. The raw socket has no
/// runtime: its figures are stored under [`Rt::Current`] and read for both.
pub struct Results {
    runs: usize,
    by_key: HashMap<(&'static str, Rt, Impl), Vec<Option<Figures>>>,
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
        rt: Rt,
        which: Impl,
        run: usize,
        figures: Option<Figures>,
    ) {
        let slot = self
            .by_key
            .entry((scenario, rt, which))
            .or_insert_with(|| vec![None; self.runs]);
        if let Some(cell) = slot.get_mut(run) {
            *cell = figures;
        }
    }

    /// One figure of one run.
    pub fn value(
        &self,
        scenario: &str,
        rt: Rt,
        which: Impl,
        run: usize,
        metric: &str,
    ) -> Option<f64> {
        let rt = if which == Impl::Raw { Rt::Current } else { rt };
        let figures = self
            .by_key
            .get(&(intern_scenario(scenario)?, rt, which))?
            .get(run)?
            .as_ref()?;
        figures.iter().find(|(k, _)| *k == metric).map(|(_, v)| *v)
    }

    /// Median over runs of one figure.
    pub fn median(&self, scenario: &str, rt: Rt, which: Impl, metric: &str) -> f64 {
        let values: Vec<f64> = (0..self.runs)
            .filter_map(|run| self.value(scenario, rt, which, run, metric))
            .collect();
        median(&values)
    }

    /// Median over runs of the same-run ratio `f(run)`.
    pub fn median_ratio(&self, f: impl Fn(usize) -> Option<f64>) -> f64 {
        let values: Vec<f64> = (0..self.runs)
            .filter_map(f)
            .filter(|v| v.is_finite())
            .collect();
        median(&values)
    }

    /// Median over runs of `num` / `den` for one figure.
    pub fn ratio(&self, scenario: &str, rt: Rt, metric: &str, num: Impl, den: Impl) -> f64 {
        self.median_ratio(|run| {
            let den = self.value(scenario, rt, den, run, metric)?;
            // A ratio to (nearly) nothing, like allocations against the raw socket, says nothing.
            (den.abs() > 1e-3).then_some(self.value(scenario, rt, num, run, metric)? / den)
        })
    }

    fn fault_cell(&self, scenario: &str, rt: Rt, which: Impl) -> String {
        let sum = |metric| -> f64 {
            (0..self.runs)
                .filter_map(|run| self.value(scenario, rt, which, run, metric))
                .sum()
        };
        let failed = (0..self.runs)
            .filter(|&run| self.value(scenario, rt, which, run, "elapsed_s").is_none())
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

pub fn number(v: f64) -> String {
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
            ("switches_per_msg", "publisher context switches/msg"),
            ("allocs_per_msg", "publisher allocations/msg"),
            ("broker_cpu_load", "broker CPU (cores)"),
        ],
        Kind::Sink { .. } => &[
            ("msg_per_s", "msg/s (at the sink)"),
            ("cpu_us_per_msg", "publisher CPU µs/msg"),
            ("switches_per_msg", "publisher context switches/msg"),
            ("allocs_per_msg", "publisher allocations/msg"),
            ("sink_cpu_load", "sink CPU (cores)"),
        ],
        Kind::PingPong { .. } => &[
            ("p50_us", "round trip p50 µs"),
            ("p99_us", "round trip p99 µs"),
            ("cpu_us_per_round", "process CPU µs/round trip"),
            ("switches_per_round", "process context switches/round trip"),
        ],
        Kind::FanOut { .. } => &[
            ("deliveries_per_s", "deliveries/s (all receivers)"),
            ("cpu_us_per_delivery", "receiver CPU µs/delivery"),
            (
                "switches_per_delivery",
                "receiver context switches/delivery",
            ),
            ("broker_cpu_load", "broker CPU (cores)"),
        ],
        Kind::Idle { .. } => &[
            ("kib_per_conn", "RSS KiB/connection"),
            ("connects_per_s", "connects/s (sequential)"),
            ("loop_bytes", "size of the event loop value (bytes)"),
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
pub fn render(
    chosen: &[Scenario],
    runtimes: &[Rt],
    results: &Results,
    runs: usize,
    divisor: u64,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Machine\n\n{}", machine());
    let _ = writeln!(
        out,
        "Medians of {runs} runs{}; every ratio is the median of per-run ratios (same run, same \
         broker or sink). The raw socket has no runtime: its figures stand in both rows.\n",
        if divisor > 1 {
            " (QUICK: counts divided by 10)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "| scenario | runtime | figure | raw | ours | reference | bytebeam 0.25 | ours/raw | ours/reference | ours/bytebeam |"
    );
    let _ = writeln!(out, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for scenario in chosen {
        for &rt in scenario.runtimes.iter().filter(|rt| runtimes.contains(rt)) {
            scenario_rows(&mut out, scenario, rt, results);
        }
    }
    out.push_str(&crate::targets::render(results));
    out
}

fn scenario_rows(out: &mut String, scenario: &Scenario, rt: Rt, results: &Results) {
    let has = |i: Impl| scenario.impls.contains(&i);
    let cell = |i: Impl, metric| {
        if has(i) {
            number(results.median(scenario.name, rt, i, metric))
        } else {
            "–".to_owned()
        }
    };
    let ratio = |metric, den: Impl| {
        if has(den) {
            times(results.ratio(scenario.name, rt, metric, Impl::Ours, den))
        } else {
            "–".to_owned()
        }
    };
    let runtime = if matches!(scenario.kind, Kind::Codec) {
        "–"
    } else {
        rt.name()
    };
    for (metric, label) in rows(scenario.kind) {
        let _ = writeln!(
            out,
            "| {} | {runtime} | {label} | {} | {} | {} | {} | {} | {} | {} |",
            scenario.name,
            cell(Impl::Raw, metric),
            cell(Impl::Ours, metric),
            cell(Impl::Reference, metric),
            cell(Impl::Bytebeam, metric),
            ratio(metric, Impl::Raw),
            ratio(metric, Impl::Reference),
            ratio(metric, Impl::Bytebeam),
        );
    }
    if matches!(
        scenario.kind,
        Kind::Throughput { .. } | Kind::Sink { .. } | Kind::FanOut { .. }
    ) {
        let faults = |i: Impl| {
            if has(i) {
                results.fault_cell(scenario.name, rt, i)
            } else {
                "–".to_owned()
            }
        };
        let _ = writeln!(
            out,
            "| {} | {runtime} | lost/duplicated/out of order (sum of runs) | {} | {} | {} | {} | | | |",
            scenario.name,
            faults(Impl::Raw),
            faults(Impl::Ours),
            faults(Impl::Reference),
            faults(Impl::Bytebeam),
        );
    }
}
