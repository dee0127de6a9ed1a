//! The runner of the fault scenarios: a private mosquitto, a numbered-message publisher
//! and a subscriber with persistent sessions, the fault proxy on one side, and the counts
//! (lost, duplicated, out of order) of what the subscriber received. Real clock, bounded.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use rumqttc::{AsyncClient, ConnectionError, Event, EventLoop, MqttOptions, Packet, QoS};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout_at};

use super::fault_proxy::{FaultProxy, Shaping};
use super::mosquitto::{Mosquitto, MosquittoConfig, subscribe_granted};
use super::seed::{SeedGuard, seed};
use super::wire_trace::{Direction, TraceEntry, is_settled, release_order, resent_after_release};

/// The environment variable naming a directory to write each scenario's wire trace to.
const TRACE_DIR_VAR: &str = "FAULT_TRACE_DIR";
/// Payload of the message published after the numbered ones.
const END: &[u8] = b"end";
/// Mosquitto's per-client queue, above any scenario's message count (its default, 1,000,
/// would drop messages for a subscriber that is cut off while an unpaced publisher runs).
const BROKER_QUEUE_LIMIT: u32 = 100_000;

/// Where the proxy sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// Between the publisher and the broker; the subscriber connects directly.
    Publisher,
    /// Between the broker and the subscriber; the publisher connects directly.
    Subscriber,
}

/// Cuts of every live connection at random intervals.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cuts {
    pub(crate) min: Duration,
    pub(crate) max: Duration,
    /// The scenario publishes until this many cuts were made, and cuts until then.
    pub(crate) at_least: usize,
}

/// Cuts 20 to 300 ms apart.
pub(crate) const CUTS_20_300_MS: Cuts = Cuts {
    min: Duration::from_millis(20),
    max: Duration::from_millis(300),
    at_least: 100,
};

/// The harsh variant: cuts 1 to 10 ms apart.
pub(crate) const CUTS_1_10_MS: Cuts = Cuts {
    min: Duration::from_millis(1),
    max: Duration::from_millis(10),
    at_least: 300,
};

/// One scenario.
#[derive(Debug, Clone)]
pub(crate) struct Scenario {
    /// Unique per test: names the topic and the client ids.
    pub(crate) name: &'static str,
    pub(crate) side: Side,
    pub(crate) qos: QoS,
    pub(crate) shaping: Shaping,
    pub(crate) cuts: Option<Cuts>,
    /// Upper bound of numbered messages (fewer when the cuts are done first).
    pub(crate) max_messages: u32,
    /// The whole scenario fails when it takes longer.
    pub(crate) time_limit: Duration,
}

/// What the subscriber received of the numbered messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Numbered messages published.
    pub(crate) messages: u32,
    /// Published, never received.
    pub(crate) lost: usize,
    /// Arrivals beyond the first of a message.
    pub(crate) duplicated: usize,
    /// Of `duplicated`, those the wire trace shows the broker re-sent after releasing
    /// their id (only counted for [`Side::Subscriber`]).
    pub(crate) duplicated_after_release: usize,
    /// First arrivals of a lower number than an earlier first arrival.
    pub(crate) out_of_order: usize,
    /// Arrivals that are not a published number nor the end marker.
    pub(crate) unexpected: usize,
    /// QoS 2, [`Side::Publisher`]: messages whose first PUBREL the publisher sent after
    /// that of a later message (from the wire trace; evidence for `out_of_order`).
    pub(crate) pubrels_out_of_order: usize,
}

/// The outcome of one run, for the test's assertions and the printed summary.
#[derive(Debug)]
pub(crate) struct Report {
    pub(crate) counts: Counts,
    pub(crate) cuts: usize,
    pub(crate) connections: u64,
    /// CONNACKs with `session_present = false` after the first one (the broker lost the session).
    pub(crate) sessions_lost: usize,
    /// Whether every message and the end marker arrived before the time limit.
    pub(crate) finished: bool,
    /// Whether every acknowledgement flow through the proxy was complete before the time
    /// limit (the trace is taken then).
    pub(crate) settled: bool,
    pub(crate) wall: Duration,
    pub(crate) trace: Vec<TraceEntry>,
    /// Keeps the seed printed if an assertion on this report fails.
    pub(crate) guard: SeedGuard,
}

impl Report {
    /// The one-line summary the lead quotes.
    pub(crate) fn summary(&self) -> String {
        let c = &self.counts;
        format!(
            "fault scenario {}: seed={} cuts={} connections={} messages={} lost={} \
             duplicated={} (after release: {}) out_of_order={} (pubrels: {}) unexpected={} \
             sessions_lost={} finished={} settled={} wall={:.1}s",
            self.guard.scenario,
            self.guard.seed,
            self.cuts,
            self.connections,
            c.messages,
            c.lost,
            c.duplicated,
            c.duplicated_after_release,
            c.out_of_order,
            c.pubrels_out_of_order,
            c.unexpected,
            self.sessions_lost,
            self.finished,
            self.settled,
            self.wall.as_secs_f64(),
        )
    }
}

/// An event loop polled in its own task; after an error it polls again at once (which
/// reconnects). Forwards every received PUBLISH payload.
struct Driven {
    task: JoinHandle<()>,
    sessions_lost: Arc<AtomicUsize>,
}

impl Driven {
    fn spawn(mut eventloop: EventLoop, inbox: Option<mpsc::UnboundedSender<Bytes>>) -> Self {
        let sessions_lost = Arc::new(AtomicUsize::new(0));
        let lost = Arc::clone(&sessions_lost);
        let task = tokio::spawn(async move {
            let mut connacks = 0usize;
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(connack))) => {
                        connacks += 1;
                        if connacks > 1 && !connack.session_present {
                            lost.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Ok(Event::Incoming(Packet::Publish(publish))) => {
                        if let Some(inbox) = &inbox {
                            let _ = inbox.send(publish.payload);
                        }
                    }
                    Ok(_) => {}
                    Err(ConnectionError::RequestsDone) => break,
                    Err(_) => {}
                }
            }
        });
        Self {
            task,
            sessions_lost,
        }
    }
}

impl Drop for Driven {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Options for a client of the fault tests: a persistent session (`clean_session = false`)
/// and no reconnect backoff, so every poll after an error reconnects at once (the default
/// backoff counts a connection shorter than 10 s as a failure and would wait up to 30 s).
pub(crate) fn fault_options(id: impl Into<String>, port: u16) -> MqttOptions {
    let mut options = MqttOptions::new(id, ("127.0.0.1", port));
    options.set_clean_session(false).set_reconnect_backoff(None);
    options
}

/// A client with [`fault_options`] on `port`, polled.
fn client(
    id: String,
    port: u16,
    inbox: Option<mpsc::UnboundedSender<Bytes>>,
) -> (AsyncClient, Driven) {
    let options = fault_options(id, port);
    let (client, eventloop) = AsyncClient::builder(options).capacity(10).build();
    (client, Driven::spawn(eventloop, inbox))
}

/// The broker of the fault tests: [`MosquittoConfig::bulk`], a queue above any scenario's
/// message count, and a log of connections only (no line per packet: a failing run of
/// 30,000 messages prints a readable log).
pub(crate) fn broker_config() -> MosquittoConfig {
    MosquittoConfig::bulk()
        .line(format!("max_queued_messages {BROKER_QUEUE_LIMIT}"))
        .log_types(&["error", "warning", "notice", "information"])
}

/// Runs `scenario` and returns its report (its counts are not asserted here).
pub(crate) async fn run(scenario: &Scenario) -> Report {
    let guard = SeedGuard {
        scenario: scenario.name.to_owned(),
        seed: seed(),
    };
    let started = Instant::now();
    let deadline = started + scenario.time_limit;
    let broker = Mosquitto::start(broker_config());
    let proxy = FaultProxy::start(broker.addr(), scenario.shaping).await;
    let (subscriber_port, publisher_port) = match scenario.side {
        Side::Publisher => (broker.port(), proxy.port()),
        Side::Subscriber => (proxy.port(), broker.port()),
    };
    let topic = format!("fault/{}", scenario.name);
    let (tx, mut inbox) = mpsc::unbounded_channel();
    let (subscriber, sub_loop) =
        client(format!("{}-sub", scenario.name), subscriber_port, Some(tx));
    subscribe_granted(&subscriber, &[(&topic, scenario.qos)]).await;
    let (publisher, pub_loop) = client(format!("{}-pub", scenario.name), publisher_port, None);
    if let Some(cuts) = scenario.cuts {
        proxy.start_cuts(cuts.min, cuts.max, guard.seed);
    }

    let published = publish_numbered(&publisher, &topic, scenario, &proxy, deadline).await;
    if let Some(cuts) = scenario.cuts {
        let _ = timeout_at(deadline, proxy.wait_for_cuts(cuts.at_least)).await;
    }
    proxy.stop_cuts();
    let publish_end = publisher.publish(&topic, scenario.qos, false, END);
    let _ = timeout_at(deadline, publish_end).await;
    let (arrivals, finished) = collect(&mut inbox, published, deadline).await;
    let settled = timeout_at(deadline, proxy.wait_for_trace(is_settled))
        .await
        .is_ok();

    let trace = proxy.trace();
    let excused = match scenario.side {
        Side::Subscriber => resent_after_release(&trace),
        Side::Publisher => HashSet::new(),
    };
    let mut counts = tally(&arrivals, published, &excused);
    if scenario.side == Side::Publisher {
        let releases = release_order(&trace, Direction::ToBroker);
        counts.pubrels_out_of_order = count_out_of_order(releases.iter().map(Vec::as_slice));
    }
    let report = Report {
        counts,
        cuts: proxy.cuts(),
        connections: proxy.connections(),
        sessions_lost: sub_loop.sessions_lost.load(Ordering::Relaxed)
            + pub_loop.sessions_lost.load(Ordering::Relaxed),
        finished,
        settled,
        wall: started.elapsed(),
        trace,
        guard,
    };
    println!("{}", report.summary());
    if let Ok(dir) = std::env::var(TRACE_DIR_VAR) {
        write_trace(&report, &dir);
    }
    report
}

/// Writes the report's wire trace to `<dir>/<scenario>.trace`, one packet a line.
fn write_trace(report: &Report, dir: &str) {
    let path = std::path::Path::new(dir).join(format!("{}.trace", report.guard.scenario));
    let lines: Vec<String> = report
        .trace
        .iter()
        .map(|e| {
            let payload = e.payload.as_deref().map(String::from_utf8_lossy);
            format!(
                "{} {:?} type={} pkid={:?} payload={:?}",
                e.connection, e.direction, e.packet_type, e.pkid, payload
            )
        })
        .collect();
    if let Err(error) = std::fs::write(&path, lines.join("\n")) {
        eprintln!("cannot write {}: {error}", path.display());
    }
}

/// Publishes `"0"`, `"1"`, ... until the cuts are done or `max_messages` were published;
/// returns how many were.
async fn publish_numbered(
    publisher: &AsyncClient,
    topic: &str,
    scenario: &Scenario,
    proxy: &FaultProxy,
    deadline: Instant,
) -> u32 {
    let cuts_done = || {
        scenario
            .cuts
            .is_some_and(|cuts| proxy.cuts() >= cuts.at_least)
    };
    let mut published = 0;
    while published < scenario.max_messages && !cuts_done() && Instant::now() < deadline {
        let payload = Bytes::from(published.to_string());
        let sent = publisher.publish(topic, scenario.qos, false, payload);
        match timeout_at(deadline, sent).await {
            Ok(Ok(())) => published += 1,
            Ok(Err(error)) => panic!("publish {published} was refused: {error:?}"),
            Err(_) => break,
        }
    }
    published
}

/// Every arrival (in order) until each of `published` numbers and the end marker have
/// arrived, or until `deadline`; the flag says whether everything came.
async fn collect(
    inbox: &mut mpsc::UnboundedReceiver<Bytes>,
    published: u32,
    deadline: Instant,
) -> (Vec<Bytes>, bool) {
    let mut arrivals = Vec::new();
    let mut seen = HashSet::new();
    let mut end_seen = false;
    while !(end_seen && seen.len() == published as usize) {
        match timeout_at(deadline, inbox.recv()).await {
            Ok(Some(payload)) => {
                end_seen |= payload.as_ref() == END;
                seen.insert(payload.clone());
                seen.remove(END);
                arrivals.push(payload);
            }
            Ok(None) | Err(_) => return (arrivals, false),
        }
    }
    (arrivals, true)
}

/// The number in a numbered payload.
fn number(payload: &[u8]) -> Option<usize> {
    std::str::from_utf8(payload).ok()?.parse().ok()
}

/// How many first occurrences among `payloads` come after a higher number's first one.
fn count_out_of_order<'a>(payloads: impl Iterator<Item = &'a [u8]>) -> usize {
    let mut seen = HashSet::new();
    let mut highest = None;
    let mut out_of_order = 0;
    for number in payloads.filter_map(number) {
        if !seen.insert(number) {
            continue;
        }
        if highest.is_some_and(|highest| number < highest) {
            out_of_order += 1;
        } else {
            highest = Some(number);
        }
    }
    out_of_order
}

/// Counts lost, duplicated and out-of-order messages among `arrivals`.
fn tally(arrivals: &[Bytes], published: u32, excused: &HashSet<Vec<u8>>) -> Counts {
    let numbered: Vec<&Bytes> = arrivals.iter().filter(|p| p.as_ref() != END).collect();
    let mut times_seen = vec![0u32; published as usize];
    let mut counts = Counts {
        messages: published,
        out_of_order: count_out_of_order(numbered.iter().map(|p| p.as_ref())),
        ..Counts::default()
    };
    for payload in numbered {
        let Some(times) = number(payload).and_then(|n| times_seen.get_mut(n)) else {
            counts.unexpected += 1;
            continue;
        };
        *times += 1;
        if *times > 1 {
            counts.duplicated += 1;
            if excused.contains(payload.as_ref()) {
                counts.duplicated_after_release += 1;
            }
        }
    }
    counts.lost = times_seen.iter().filter(|times| **times == 0).count();
    counts
}
