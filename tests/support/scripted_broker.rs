//! An in-process fake broker on `127.0.0.1:0` that plays a script of [`Step`]s per accepted
//! connection ([`ScriptedBroker`], made by [`TestBroker::play`]). It speaks through the crate
//! codec only and knows no MQTT state. The time notes below hold for [`TestBroker`] and
//! [`PacketConn`] too.
//!
//! # Time and the paused clock
//!
//! Everything here waits on tokio time (`Step::Sleep`, the read guard of
//! [`PacketConn`]), so it works under `#[tokio::test(start_paused = true)]`. With a paused
//! clock tokio *auto-advances* time to the next timer as soon as every task is idle, even
//! while a socket read is pending. Between two tasks of the same runtime on loopback that is
//! exactly what we want (written bytes are readable at once, so time only moves when the
//! client and the broker are both really waiting on a timer), but bytes that come from
//! outside the runtime (another process such as mosquitto, a `std::thread`, a blocking
//! call) arrive "late" and any pending timeout fires first. The pattern for tests:
//!
//! - paused clock: client and [`ScriptedBroker`]/[`TestBroker`] in the same runtime, nothing
//!   else; assert virtual time (`tokio::time::Instant`) with exact expectations;
//! - real broker process: real clock (plain `#[tokio::test]`), bounded waits, no time asserts;
//! - the read guard (default [`DEFAULT_READ_TIMEOUT`]) must exceed every deadline the
//!   scenario expects (keep-alive, connect timeout), or the guard fires first: raise it with
//!   [`TestBroker::read_timeout`] for long keep-alive scenarios.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rumqttc::{Connect, Error, Packet};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};

use super::packet_conn::{PacketConn, ReadError};
use super::test_broker::TestBroker;

/// One step of a per-connection script.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// Read one packet and require it to equal this one.
    Expect(Packet),
    /// Read one packet and require it to be a CONNECT (any content; the test gets it from
    /// the events).
    ExpectConnect,
    /// Write this packet.
    Send(Packet),
    /// Write these bytes as they are (malformed frames, split frames, two frames at once).
    SendRaw(Vec<u8>),
    /// Read one packet and answer nothing (withhold its ack).
    Withhold,
    /// Read and discard every packet, answering nothing, until the client closes.
    Silent,
    /// Close the connection; the script ends here.
    Drop,
    /// Wait on the tokio clock (auto-advanced under a paused clock).
    Sleep(Duration),
}

/// What a [`ScriptedBroker`] reports, in the order it happened per connection.
#[derive(Debug)]
pub(crate) enum BrokerEvent {
    /// Connection `conn` (0-based accept order) was accepted.
    Accepted {
        /// Connection index.
        conn: usize,
    },
    /// A packet arrived on connection `conn` (in any step, including `Silent`).
    Received {
        /// Connection index.
        conn: usize,
        /// The packet as decoded by the crate codec.
        packet: Packet,
    },
    /// Every step of connection `conn` ran; it now reads silently until the client closes.
    ScriptDone {
        /// Connection index.
        conn: usize,
    },
    /// The client closed connection `conn` after its script ran.
    Closed {
        /// Connection index.
        conn: usize,
    },
    /// A step failed; the connection was closed.
    Failed(ScriptFailure),
}

/// A step that did not go as scripted.
#[derive(Debug, Clone)]
pub(crate) struct ScriptFailure {
    /// Connection index (accept order); for [`FailureKind::Unfinished`], the number of
    /// scripts that did finish (no single connection is to blame).
    pub(crate) conn: usize,
    /// Index of the failing step in that connection's script (0 for `Unfinished`).
    pub(crate) step: usize,
    /// What went wrong.
    pub(crate) kind: FailureKind,
}

/// What went wrong in a [`ScriptFailure`].
#[derive(Debug, Clone)]
pub(crate) enum FailureKind {
    /// `Expect` read a different packet.
    Mismatch {
        /// The scripted packet.
        expected: Box<Packet>,
        /// The packet that arrived.
        received: Box<Packet>,
    },
    /// `ExpectConnect` read something else.
    NotConnect(Box<Packet>),
    /// The client closed the connection while a packet was expected.
    Closed,
    /// The client closed the connection in the middle of a frame.
    ClosedMidPacket(usize),
    /// The codec refused the incoming bytes.
    Decode(Error),
    /// The codec refused a scripted packet.
    Encode(Error),
    /// Reading failed.
    Read(io::ErrorKind),
    /// Writing failed.
    Write(io::ErrorKind),
    /// Nothing arrived within the read guard.
    Timeout(Duration),
    /// `join` gave up: only this many of the scripts finished.
    Unfinished {
        /// Scripts that ran to their end (or failed).
        finished: usize,
        /// Scripts given to the broker.
        expected: usize,
    },
}

impl From<ReadError> for FailureKind {
    fn from(error: ReadError) -> Self {
        match error {
            ReadError::Closed => Self::Closed,
            ReadError::ClosedMidPacket(len) => Self::ClosedMidPacket(len),
            ReadError::Codec(error) => Self::Decode(error),
            ReadError::Io(kind) => Self::Read(kind),
            ReadError::Timeout(timeout) => Self::Timeout(timeout),
        }
    }
}

impl fmt::Display for ScriptFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "scripted broker: connection {} step {}: {:?}",
            self.conn, self.step, self.kind
        )
    }
}

/// Handles shared by the acceptor and the connection tasks.
#[derive(Clone)]
struct Shared {
    events: mpsc::UnboundedSender<BrokerEvent>,
    finished: Arc<watch::Sender<usize>>,
    failures: Arc<Mutex<Vec<ScriptFailure>>>,
    read_timeout: Duration,
}

impl Shared {
    fn emit(&self, event: BrokerEvent) {
        // The test may have stopped listening; the record is then simply not wanted.
        let _ = self.events.send(event);
    }

    fn fail(&self, failure: ScriptFailure) {
        self.failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(failure.clone());
        self.emit(BrokerEvent::Failed(failure));
    }

    fn script_finished(&self) {
        self.finished.send_modify(|count| *count += 1);
    }
}

/// Accepts one connection per script, then closes the listener and keeps the scripts running.
async fn accept_loop(listener: TcpListener, scripts: Vec<Vec<Step>>, shared: Shared) {
    let mut tasks = JoinSet::new();
    for (conn, script) in scripts.into_iter().enumerate() {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                shared.fail(ScriptFailure {
                    conn,
                    step: 0,
                    kind: FailureKind::Read(error.kind()),
                });
                shared.script_finished();
                continue;
            }
        };
        shared.emit(BrokerEvent::Accepted { conn });
        let mut packet_conn = PacketConn::new(stream);
        packet_conn.set_read_timeout(shared.read_timeout);
        tasks.spawn(run_script(conn, packet_conn, script, shared.clone()));
    }
    drop(listener);
    // Keep the connection tasks alive until the broker is dropped (which aborts this task).
    while tasks.join_next().await.is_some() {}
}

/// Plays one script, then reads silently until the client closes.
async fn run_script(conn: usize, mut packet_conn: PacketConn, script: Vec<Step>, shared: Shared) {
    for (index, step) in script.into_iter().enumerate() {
        match play_step(conn, &mut packet_conn, step, &shared).await {
            Ok(Flow::Continue) => {}
            Ok(Flow::Stop) => {
                shared.emit(BrokerEvent::ScriptDone { conn });
                shared.script_finished();
                return;
            }
            Err(kind) => {
                shared.fail(ScriptFailure {
                    conn,
                    step: index,
                    kind,
                });
                shared.script_finished();
                return;
            }
        }
    }
    shared.emit(BrokerEvent::ScriptDone { conn });
    shared.script_finished();
    read_until_closed(conn, &mut packet_conn, &shared).await;
}

/// Whether the script goes on after a step.
enum Flow {
    Continue,
    Stop,
}

async fn play_step(
    conn: usize,
    packet_conn: &mut PacketConn,
    step: Step,
    shared: &Shared,
) -> Result<Flow, FailureKind> {
    match step {
        Step::Expect(expected) => {
            let received = receive(conn, packet_conn, shared).await?;
            if received != expected {
                return Err(FailureKind::Mismatch {
                    expected: Box::new(expected),
                    received: Box::new(received),
                });
            }
        }
        Step::ExpectConnect => {
            let received = receive(conn, packet_conn, shared).await?;
            if !matches!(received, Packet::Connect(_)) {
                return Err(FailureKind::NotConnect(Box::new(received)));
            }
        }
        Step::Send(packet) => packet_conn.try_send(&packet).await?,
        Step::SendRaw(bytes) => packet_conn.try_send_raw(&bytes).await?,
        Step::Withhold => {
            receive(conn, packet_conn, shared).await?;
        }
        Step::Silent => {
            read_until_closed(conn, packet_conn, shared).await;
            return Ok(Flow::Stop);
        }
        Step::Drop => {
            packet_conn.shutdown().await;
            return Ok(Flow::Stop);
        }
        Step::Sleep(duration) => tokio::time::sleep(duration).await,
    }
    Ok(Flow::Continue)
}

/// Reads one packet under the guard and records it.
async fn receive(
    conn: usize,
    packet_conn: &mut PacketConn,
    shared: &Shared,
) -> Result<Packet, FailureKind> {
    let packet = packet_conn.try_read_packet().await?;
    shared.emit(BrokerEvent::Received {
        conn,
        packet: packet.clone(),
    });
    Ok(packet)
}

/// Records every packet until the client closes; no guard (silence may be the point).
async fn read_until_closed(conn: usize, packet_conn: &mut PacketConn, shared: &Shared) {
    while let Ok(packet) = packet_conn.read_unguarded().await {
        shared.emit(BrokerEvent::Received { conn, packet });
    }
    shared.emit(BrokerEvent::Closed { conn });
}

/// A broker playing scripts; see the module docs for the paused-clock pattern.
///
/// Failures are collected: [`ScriptedBroker::finish`] panics with them, and dropping the
/// broker without joining panics too when a step failed, so a mismatch never goes unseen.
pub(crate) struct ScriptedBroker {
    addr: SocketAddr,
    events: mpsc::UnboundedReceiver<BrokerEvent>,
    finished: watch::Receiver<usize>,
    failures: Arc<Mutex<Vec<ScriptFailure>>>,
    expected: usize,
    read_timeout: Duration,
    acceptor: JoinHandle<()>,
    joined: bool,
}

impl ScriptedBroker {
    /// Binds `127.0.0.1:0` and plays `scripts[i]` on the `i`-th connection.
    pub(crate) async fn start(scripts: Vec<Vec<Step>>) -> Self {
        TestBroker::bind().await.play(scripts)
    }

    /// The listening address.
    pub(crate) const fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The listening port.
    pub(crate) const fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The next event; panics (fails the test) when none comes within the guard.
    pub(crate) async fn next_event(&mut self) -> BrokerEvent {
        match tokio::time::timeout(self.read_timeout, self.events.recv()).await {
            Ok(Some(event)) => event,
            Ok(None) => panic!("scripted broker stopped: no more events"),
            Err(_) => panic!("no broker event within {:?}", self.read_timeout),
        }
    }

    /// The next packet received on any connection, skipping bookkeeping events.
    ///
    /// Panics when a step failed first.
    pub(crate) async fn next_packet(&mut self) -> (usize, Packet) {
        loop {
            match self.next_event().await {
                BrokerEvent::Received { conn, packet } => return (conn, packet),
                BrokerEvent::Failed(failure) => panic!("{failure}"),
                BrokerEvent::Accepted { .. }
                | BrokerEvent::ScriptDone { .. }
                | BrokerEvent::Closed { .. } => {}
            }
        }
    }

    /// The next packet, which must be a CONNECT; returns its connection index and content.
    pub(crate) async fn next_connect(&mut self) -> (usize, Connect) {
        match self.next_packet().await {
            (conn, Packet::Connect(connect)) => (conn, connect),
            (conn, other) => panic!("connection {conn}: expected CONNECT, received {other:?}"),
        }
    }

    /// Every packet received, in arrival order, until the client closes connection `conn`
    /// (whose script must end without `Drop`, so its close is reported). Panics when a step
    /// failed first.
    pub(crate) async fn received_until_closed(&mut self, conn: usize) -> Vec<(usize, Packet)> {
        let mut packets = Vec::new();
        loop {
            match self.next_event().await {
                BrokerEvent::Received { conn, packet } => packets.push((conn, packet)),
                BrokerEvent::Closed { conn: closed } if closed == conn => return packets,
                BrokerEvent::Failed(failure) => panic!("{failure}"),
                _ => {}
            }
        }
    }

    /// Waits until the script of connection `conn` has run all its steps.
    ///
    /// Panics when a step failed first. Packets received meanwhile are skipped.
    pub(crate) async fn script_done(&mut self, conn: usize) {
        loop {
            match self.next_event().await {
                BrokerEvent::ScriptDone { conn: done } if done == conn => return,
                BrokerEvent::Failed(failure) => panic!("{failure}"),
                _ => {}
            }
        }
    }

    /// Waits (under the guard) until every script has ended, and returns the failures.
    ///
    /// A script ends after its last step; the connection itself stays open (read
    /// silently) until the client closes it or the broker is dropped.
    pub(crate) async fn join(mut self) -> Vec<ScriptFailure> {
        self.joined = true;
        let expected = self.expected;
        let wait = self.finished.wait_for(|finished| *finished >= expected);
        let completed = matches!(
            tokio::time::timeout(self.read_timeout, wait).await,
            Ok(Ok(_))
        );
        let mut failures = self.take_failures();
        if !completed {
            let finished = *self.finished.borrow();
            failures.push(ScriptFailure {
                conn: finished,
                step: 0,
                kind: FailureKind::Unfinished { finished, expected },
            });
        }
        failures
    }

    /// [`join`](Self::join), then panics (fails the test) listing any failure.
    pub(crate) async fn finish(self) {
        let failures = self.join().await;
        assert!(
            failures.is_empty(),
            "scripted broker failures:\n{}",
            failures
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    fn take_failures(&self) -> Vec<ScriptFailure> {
        std::mem::take(&mut *self.failures.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Drop for ScriptedBroker {
    fn drop(&mut self) {
        self.acceptor.abort();
        if self.joined || std::thread::panicking() {
            return;
        }
        let failures = self.take_failures();
        if let Some(first) = failures.first() {
            panic!(
                "scripted broker dropped with {} unreported failure(s), first: {first}",
                failures.len()
            );
        }
    }
}

impl TestBroker {
    /// Plays `scripts[i]` on the `i`-th accepted connection, each in its own task.
    ///
    /// After the last script's connection is accepted the listener closes, so a further
    /// connection attempt is refused.
    pub(crate) fn play(self, scripts: Vec<Vec<Step>>) -> ScriptedBroker {
        let (events_tx, events) = mpsc::unbounded_channel();
        let (finished_tx, finished) = watch::channel(0);
        let failures = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            events: events_tx,
            finished: Arc::new(finished_tx),
            failures: Arc::clone(&failures),
            read_timeout: self.read_timeout,
        };
        let expected = scripts.len();
        let addr = self.addr;
        let acceptor = tokio::spawn(accept_loop(self.listener, scripts, shared));
        ScriptedBroker {
            addr,
            events,
            finished,
            failures,
            expected,
            read_timeout: self.read_timeout,
            acceptor,
            joined: false,
        }
    }
}
