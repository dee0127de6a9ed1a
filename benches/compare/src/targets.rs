//! The issues' targets, each computed from same-run figures: issue 6 on the current-thread
//! runtime, issue 16 on the multi-thread runtime and against the sink.

use std::fmt::Write as _;

use crate::report::{Results, number};
use crate::scenario::Impl::{Bytebeam, Ours, Raw, Reference};
use crate::scenario::Rt::{self, Current, Multi, Spawned};

struct Target {
    what: String,
    value: f64,
    limit: f64,
    at_least: bool,
}

fn at_most(what: impl Into<String>, value: f64, limit: f64) -> Target {
    Target {
        what: what.into(),
        value,
        limit,
        at_least: false,
    }
}

fn at_least(what: impl Into<String>, value: f64, limit: f64) -> Target {
    Target {
        what: what.into(),
        value,
        limit,
        at_least: true,
    }
}

/// Median over runs of ours / min(reference, bytebeam) for one figure (lower is better).
fn vs_better_reference(r: &Results, scenario: &str, rt: Rt, metric: &str) -> f64 {
    r.median_ratio(|run| {
        let ours = r.value(scenario, rt, Ours, run, metric)?;
        let reference = r.value(scenario, rt, Reference, run, metric)?;
        let bytebeam = r.value(scenario, rt, Bytebeam, run, metric)?;
        Some(ours / reference.min(bytebeam))
    })
}

fn issue6(r: &Results) -> Vec<Target> {
    let q0 = "throughput-64B-qos0";
    let q1 = "throughput-64B-qos1";
    let q2 = "throughput-64B-qos2";
    let pp = "pingpong-qos1-64B";
    let idle = "idle-2000";
    let codec = "codec-publish-64B";
    vec![
        at_least(
            "QoS 0 64 B throughput, ours/raw",
            r.ratio(q0, Current, "msg_per_s", Ours, Raw),
            0.98,
        ),
        at_most(
            "QoS 0 64 B CPU/msg, ours/reference",
            r.ratio(q0, Current, "cpu_us_per_msg", Ours, Reference),
            0.3,
        ),
        at_least(
            "QoS 1 64 B throughput, ours/raw",
            r.ratio(q1, Current, "msg_per_s", Ours, Raw),
            0.95,
        ),
        at_most(
            "QoS 1 64 B CPU/msg, ours/reference",
            r.ratio(q1, Current, "cpu_us_per_msg", Ours, Reference),
            0.5,
        ),
        at_least(
            "QoS 2 64 B throughput, ours/reference",
            r.ratio(q2, Current, "msg_per_s", Ours, Reference),
            1.2,
        ),
        at_most(
            "QoS 1 round trip p50, ours/raw",
            r.ratio(pp, Current, "p50_us", Ours, Raw),
            1.5,
        ),
        at_most(
            "QoS 1 round trip p99, ours/reference",
            r.ratio(pp, Current, "p99_us", Ours, Reference),
            0.7,
        ),
        at_most(
            "RSS per idle connection, ours (KiB)",
            r.median(idle, Current, Ours, "kib_per_conn"),
            8.0,
        ),
        at_least(
            "sequential connects/s, ours/raw",
            r.ratio(idle, Current, "connects_per_s", Ours, Raw),
            0.8,
        ),
        at_most(
            "decode 64 B PUBLISH, ours/reference",
            r.ratio(codec, Current, "decode_ns", Ours, Reference),
            0.4,
        ),
        at_most(
            "encode 64 B PUBLISH, ours/min(reference, bytebeam)",
            vs_better_reference(r, codec, Current, "encode_ns"),
            1.0,
        ),
        at_most(
            "QoS 0 publish path allocations/msg, ours (payload = 1)",
            r.median(q0, Current, Ours, "allocs_per_msg"),
            1.0,
        ),
    ]
}

fn issue16(r: &Results) -> Vec<Target> {
    let pp = "pingpong-qos1-64B";
    let q0 = "throughput-64B-qos0";
    let mut list = Vec::new();
    for rt in [Multi, Spawned] {
        let name = rt.name();
        let better = |scenario, metric| vs_better_reference(r, scenario, rt, metric);
        list.extend([
            at_most(format!("{name}: QoS 1 round trip p50, ours/min(reference, bytebeam)"), better(pp, "p50_us"), 0.9),
            at_most(format!("{name}: QoS 1 round trip p99, ours/min(reference, bytebeam)"), better(pp, "p99_us"), 0.9),
            at_most(
                format!("{name}: process CPU per round trip, ours/min(reference, bytebeam)"),
                better(pp, "cpu_us_per_round"),
                1.0,
            ),
            at_most(
                format!("{name}: QoS 0 64 B context switches/msg (broker), ours/min(reference, bytebeam)"),
                better(q0, "switches_per_msg"),
                1.0,
            ),
            at_most(
                format!("{name}: QoS 0 64 B context switches/msg (sink), ours/min(reference, bytebeam)"),
                better("sink-64B-qos0", "switches_per_msg"),
                1.0,
            ),
        ]);
    }
    for rt in [Multi, Spawned, Current] {
        let name = rt.name();
        for (scenario, what) in [("sink-64B-qos1", "QoS 1"), ("sink-64B-qos2", "QoS 2")] {
            list.push(at_least(
                format!("{name}: sink {what} 64 B msg/s, ours/reference"),
                r.ratio(scenario, rt, "msg_per_s", Ours, Reference),
                1.5,
            ));
        }
        // The TLS and idle scenarios run on the current and README-shaped runtimes only.
        if rt == Spawned {
            continue;
        }
        let tls = r.median_ratio(|run| {
            Some(
                r.value("sink-64B-qos1-tls", rt, Ours, run, "msg_per_s")?
                    / r.value("sink-64B-qos1", rt, Ours, run, "msg_per_s")?,
            )
        });
        list.push(at_least(
            format!("{name}: sink QoS 1 64 B msg/s, ours TLS/ours TCP"),
            tls,
            0.8,
        ));
        list.push(at_most(
            format!("{name}: RSS per idle connection (10,000, sink), ours (KiB)"),
            r.median("idle-10000-sink", rt, Ours, "kib_per_conn"),
            8.0,
        ));
    }
    list
}

fn table(out: &mut String, title: &str, list: Vec<Target>) {
    let _ = write!(
        out,
        "\n## {title}\n\n| target | measured | limit | met |\n|---|---:|---:|---|\n"
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
}

/// Both target tables.
pub fn render(r: &Results) -> String {
    let mut out = String::new();
    table(
        &mut out,
        "Targets (issue 6, item 2; current-thread runtime)",
        issue6(r),
    );
    table(&mut out, "Targets (issue 16, item 3)", issue16(r));
    out
}
