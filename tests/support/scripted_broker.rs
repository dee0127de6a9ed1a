//! An in-process fake broker on `127.0.0.1:0` that plays a script of [`Step`]s per accepted
//! connection ([`ScriptedBroker`]) or is driven by the test ([`TestBroker::accept`] and
//! [`PacketConn`]). It speaks through the crate codec only and knows no MQTT state.
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

use bytes::BytesMut;
use rumqttc::{
    Connect, ConnectionError, Error, Event, EventLoop, MqttOptions, NetworkOptions, Packet,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};

use super::packets::MAX_FRAME_BYTES;

/// How long a read, an accept or a join waits before the harness reports a hang.
pub(crate) const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(120);

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

/// Why reading a packet failed.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The peer closed the connection on a frame boundary.
    Closed,
    /// The peer closed the connection with this many bytes of a frame buffered.
    ClosedMidPacket(usize),
    /// The codec refused the bytes.
    Codec(Error),
    /// The socket failed.
    Io(io::ErrorKind),
    /// Nothing complete arrived within the read guard.
    Timeout(Duration),
}

/// One end of a TCP connection that reads and writes whole MQTT packets.
///
/// The broker side comes from [`TestBroker::accept`]; [`PacketConn::connect`] gives a raw
/// client side for tests that play the client by hand.
pub(crate) struct PacketConn {
    stream: TcpStream,
    buffer: BytesMut,
    read_timeout: Duration,
}

/// The broker side of a connection, as handed out by [`TestBroker::accept`].
pub(crate) type BrokerConn = PacketConn;

impl PacketConn {
    /// Wraps a connected stream, with the default read guard.
    pub(crate) fn new(stream: TcpStream) -> Self {
        // Nagle would hold a small write until the peer's delayed ACK (real time), and a
        // paused clock would auto-advance past every guard meanwhile.
        if let Err(error) = stream.set_nodelay(true) {
            panic!("cannot set TCP_NODELAY on a test connection: {error}");
        }
        Self {
            stream,
            buffer: BytesMut::with_capacity(4096),
            read_timeout: DEFAULT_READ_TIMEOUT,
        }
    }

    /// Opens a raw client connection to `addr`. Panics (fails the test) when refused.
    pub(crate) async fn connect(addr: SocketAddr) -> Self {
        match TcpStream::connect(addr).await {
            Ok(stream) => Self::new(stream),
            Err(error) => panic!("raw connection to {addr} failed: {error}"),
        }
    }

    /// Sets how long one read waits for a whole packet.
    pub(crate) fn set_read_timeout(&mut self, timeout: Duration) {
        self.read_timeout = timeout;
    }

    /// Reads the next whole packet.
    pub(crate) async fn try_read_packet(&mut self) -> Result<Packet, ReadError> {
        let timeout = self.read_timeout;
        match tokio::time::timeout(timeout, self.read_unguarded()).await {
            Ok(result) => result,
            Err(_) => Err(ReadError::Timeout(timeout)),
        }
    }

    /// Reads the next whole packet with no time limit (returns on EOF).
    async fn read_unguarded(&mut self) -> Result<Packet, ReadError> {
        loop {
            match Packet::read(&mut self.buffer, MAX_FRAME_BYTES) {
                Ok(packet) => return Ok(packet),
                Err(Error::InsufficientBytes(_)) => {}
                Err(error) => return Err(ReadError::Codec(error)),
            }
            match self.stream.read_buf(&mut self.buffer).await {
                Ok(0) if self.buffer.is_empty() => return Err(ReadError::Closed),
                Ok(0) => return Err(ReadError::ClosedMidPacket(self.buffer.len())),
                Ok(_) => {}
                Err(error) => return Err(ReadError::Io(error.kind())),
            }
        }
    }

    /// Reads the next whole packet; panics (fails the test) on EOF, timeout or bad bytes.
    pub(crate) async fn read_packet(&mut self) -> Packet {
        match self.try_read_packet().await {
            Ok(packet) => packet,
            Err(error) => panic!("expected a packet, but the read failed: {error:?}"),
        }
    }

    /// Reads the next packet and asserts it equals `expected`.
    pub(crate) async fn expect(&mut self, expected: &Packet) {
        let received = self.read_packet().await;
        assert_eq!(
            &received, expected,
            "received packet (left) differs from the expected one (right)"
        );
    }

    /// Reads the next packet, asserts it is a CONNECT and returns it.
    pub(crate) async fn expect_connect(&mut self) -> Connect {
        match self.read_packet().await {
            Packet::Connect(connect) => connect,
            other => panic!("expected CONNECT, received {other:?}"),
        }
    }

    /// Asserts the peer closes the connection before sending anything more.
    pub(crate) async fn expect_closed(&mut self) {
        match self.try_read_packet().await {
            Err(ReadError::Closed) => {}
            Ok(packet) => panic!("expected the connection to close, received {packet:?}"),
            Err(error) => panic!("expected a clean close, got {error:?}"),
        }
    }

    /// Asserts nothing arrives for `quiet` (virtual time under a paused clock): a packet or
    /// a close within it fails the test. Bytes of an unfinished frame stay buffered.
    pub(crate) async fn expect_silence(&mut self, quiet: Duration) {
        if let Ok(result) = tokio::time::timeout(quiet, self.read_unguarded()).await {
            panic!("expected silence for {quiet:?}, got {result:?}");
        }
    }

    /// Reads exactly `len` raw bytes (buffered bytes first), bypassing the codec.
    pub(crate) async fn read_raw(&mut self, len: usize) -> Vec<u8> {
        while self.buffer.len() < len {
            let read =
                tokio::time::timeout(self.read_timeout, self.stream.read_buf(&mut self.buffer));
            match read.await {
                Ok(Ok(0)) => panic!(
                    "connection closed after {} of {len} bytes",
                    self.buffer.len()
                ),
                Ok(Ok(_)) => {}
                Ok(Err(error)) => panic!("raw read failed: {error}"),
                Err(_) => panic!(
                    "raw read of {len} bytes timed out after {:?}",
                    self.read_timeout
                ),
            }
        }
        self.buffer.split_to(len).to_vec()
    }

    /// Writes `packet` through the crate codec.
    pub(crate) async fn send(&mut self, packet: &Packet) {
        if let Err(error) = self.try_send(packet).await {
            panic!("sending {:?} failed: {error:?}", packet.packet_type());
        }
    }

    /// Writes `bytes` as they are.
    pub(crate) async fn send_raw(&mut self, bytes: &[u8]) {
        if let Err(error) = self.stream.write_all(bytes).await {
            panic!("raw write of {} bytes failed: {error}", bytes.len());
        }
    }

    /// Writes `packet`, reporting a refused packet or a socket error.
    async fn try_send(&mut self, packet: &Packet) -> Result<(), FailureKind> {
        let mut frame = BytesMut::new();
        packet
            .write(&mut frame, MAX_FRAME_BYTES)
            .map_err(FailureKind::Encode)?;
        self.try_send_raw(&frame).await
    }

    /// Writes `bytes` as they are, reporting a socket error (for a peer expected to close).
    pub(crate) async fn try_send_raw(&mut self, bytes: &[u8]) -> Result<(), FailureKind> {
        self.stream
            .write_all(bytes)
            .await
            .map_err(|error| FailureKind::Write(error.kind()))
    }

    /// Closes the connection (FIN after everything written).
    pub(crate) async fn close(mut self) {
        // The peer may already be gone; closing is best effort either way.
        let _ = self.stream.shutdown().await;
    }
}

/// A bound listener on `127.0.0.1:0`, driven by the test or turned into a [`ScriptedBroker`].
pub(crate) struct TestBroker {
    listener: TcpListener,
    addr: SocketAddr,
    read_timeout: Duration,
}

impl TestBroker {
    /// Binds a free port on 127.0.0.1. The broker accepts connections once this returns.
    pub(crate) async fn bind() -> Self {
        let listener = match TcpListener::bind("127.0.0.1:0").await {
            Ok(listener) => listener,
            Err(error) => panic!("cannot bind a test broker on 127.0.0.1:0: {error}"),
        };
        let addr = match listener.local_addr() {
            Ok(addr) => addr,
            Err(error) => panic!("test broker has no local address: {error}"),
        };
        Self {
            listener,
            addr,
            read_timeout: DEFAULT_READ_TIMEOUT,
        }
    }

    /// Sets the read/accept guard used by this broker and its connections.
    pub(crate) fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// The listening address.
    pub(crate) const fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The listening port.
    pub(crate) const fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Accepts the next connection; panics (fails the test) when none comes within the guard.
    pub(crate) async fn accept(&self) -> BrokerConn {
        match tokio::time::timeout(self.read_timeout, self.listener.accept()).await {
            Ok(Ok((stream, _))) => {
                let mut conn = PacketConn::new(stream);
                conn.set_read_timeout(self.read_timeout);
                conn
            }
            Ok(Err(error)) => panic!("test broker accept failed: {error}"),
            Err(_) => panic!("no client connected within {:?}", self.read_timeout),
        }
    }

    /// Accepts the next connection, reads its CONNECT and answers `connack`.
    pub(crate) async fn accept_session(&self, connack: &Packet) -> (BrokerConn, Connect) {
        let mut conn = self.accept().await;
        let connect = conn.expect_connect().await;
        conn.send(connack).await;
        (conn, connect)
    }

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
            let _ = packet_conn.stream.shutdown().await;
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

/// Options for a client of a test broker at `port`: defaults, but with `TCP_NODELAY`, since
/// under a paused clock a segment held back by Nagle's algorithm (until the broker's
/// delayed ACK, in real time) would let virtual time run past every deadline.
pub(crate) fn client_options(client_id: &str, port: u16) -> MqttOptions {
    let mut options = MqttOptions::new(client_id, ("127.0.0.1", port));
    let mut network = NetworkOptions::new();
    network.set_tcp_nodelay(true);
    options.set_network_options(network);
    options
}

/// The next result of `eventloop.poll()`, or a panic when none comes within the guard
/// ([`DEFAULT_READ_TIMEOUT`] of tokio time), so a hung loop fails the test.
pub(crate) async fn poll_within_guard(eventloop: &mut EventLoop) -> Result<Event, ConnectionError> {
    match tokio::time::timeout(DEFAULT_READ_TIMEOUT, eventloop.poll()).await {
        Ok(result) => result,
        Err(_) => panic!("EventLoop::poll returned nothing within {DEFAULT_READ_TIMEOUT:?}"),
    }
}

/// The next event of `eventloop`; panics on an error.
pub(crate) async fn poll_event(eventloop: &mut EventLoop) -> Event {
    match poll_within_guard(eventloop).await {
        Ok(event) => event,
        Err(error) => panic!("expected an event, EventLoop::poll failed: {error:?}"),
    }
}

/// The next error of `eventloop`; panics on an event.
pub(crate) async fn poll_error(eventloop: &mut EventLoop) -> ConnectionError {
    match poll_within_guard(eventloop).await {
        Ok(event) => panic!("expected an error, EventLoop::poll returned {event:?}"),
        Err(error) => error,
    }
}
