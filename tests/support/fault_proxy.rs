//! A TCP proxy on 127.0.0.1 between one client and a broker that injects faults: cuts of
//! every live connection at seeded random intervals, a black hole (nothing forwarded, nothing
//! closed), one byte per write, and coalesced writes. It records a [`wire_trace`] of what it
//! delivered. It knows nothing of the client under test.
//!
//! [`wire_trace`]: super::wire_trace

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{AbortHandle, JoinHandle};
use tokio::time::{Instant, timeout_at};

use super::seed::SplitMix64;
use super::wire_trace::{Direction, FrameScanner, TraceEntry};

/// How many bytes one read takes from a socket.
const READ_CHUNK_BYTES: usize = 16 * 1024;
/// [`Shaping::Coalesce`]: how long bytes are gathered before they are forwarded.
const COALESCE_WINDOW: Duration = Duration::from_millis(5);
/// [`Shaping::Coalesce`]: forward at once when this much is gathered.
const COALESCE_MAX_BYTES: usize = 64 * 1024;

/// How the proxy writes what it read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shaping {
    /// Each read is written as it came.
    Pass,
    /// Every byte is its own write (both sockets have `TCP_NODELAY`, so its own segment).
    OneBytePerWrite,
    /// Everything read within [`COALESCE_WINDOW`] (up to [`COALESCE_MAX_BYTES`]) is one write.
    Coalesce,
}

/// What the proxy tasks share.
#[derive(Debug)]
struct Shared {
    upstream: SocketAddr,
    shaping: Shaping,
    /// True while the black hole holds every connection.
    hold: watch::Sender<bool>,
    live: Mutex<Vec<AbortHandle>>,
    next_connection: AtomicU64,
    /// Cuts that closed at least one live connection.
    cuts: watch::Sender<usize>,
    trace: Mutex<Vec<TraceEntry>>,
    /// Notified whenever packets are added to `trace`.
    traced: watch::Sender<()>,
}

/// A running fault proxy; every task it started ends on drop.
#[derive(Debug)]
pub(crate) struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
    cutter: Mutex<Option<JoinHandle<()>>>,
}

impl FaultProxy {
    /// Listens on a free 127.0.0.1 port and forwards every connection to `upstream`.
    pub(crate) async fn start(upstream: SocketAddr, shaping: Shaping) -> Self {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .unwrap_or_else(|error| panic!("fault proxy cannot bind: {error}"));
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            upstream,
            shaping,
            hold: watch::Sender::new(false),
            live: Mutex::new(Vec::new()),
            next_connection: AtomicU64::new(0),
            cuts: watch::Sender::new(0),
            trace: Mutex::new(Vec::new()),
            traced: watch::Sender::new(()),
        });
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Self {
            addr,
            shared,
            accept,
            cutter: Mutex::new(None),
        }
    }

    /// The port clients connect to.
    pub(crate) const fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Cuts every live connection at intervals drawn from `min..=max` by a generator seeded
    /// with `seed`, until [`FaultProxy::stop_cuts`].
    pub(crate) fn start_cuts(&self, min: Duration, max: Duration, seed: u64) {
        let shared = Arc::clone(&self.shared);
        let task = tokio::spawn(async move {
            let mut rng = SplitMix64::new(seed);
            loop {
                tokio::time::sleep(rng.duration_between(min, max)).await;
                if shared.close_live() > 0 {
                    shared.cuts.send_modify(|cuts| *cuts += 1);
                }
            }
        });
        let previous = lock(&self.cutter).replace(task);
        assert!(previous.is_none(), "cuts are already running");
    }

    /// Stops cutting; connections open now stay open.
    pub(crate) fn stop_cuts(&self) {
        if let Some(task) = lock(&self.cutter).take() {
            task.abort();
        }
    }

    /// Cuts that closed at least one live connection.
    pub(crate) fn cuts(&self) -> usize {
        *self.shared.cuts.borrow()
    }

    /// Waits until at least `count` cuts were made (unbounded: wrap it in a timeout).
    pub(crate) async fn wait_for_cuts(&self, count: usize) {
        let mut cuts = self.shared.cuts.subscribe();
        // The sender lives in `self`, so the wait cannot fail.
        let _ = cuts.wait_for(|cuts| *cuts >= count).await;
    }

    /// Connections accepted so far.
    pub(crate) fn connections(&self) -> u64 {
        self.shared.next_connection.load(Ordering::Relaxed)
    }

    /// Stops forwarding in both directions on every connection, open or new, without
    /// closing anything: bytes stay in the kernel's socket buffers, as on a dead link.
    pub(crate) fn black_hole(&self) {
        self.shared.hold.send_replace(true);
    }

    /// Ends the black hole: the connections it held are closed (that path is dead), and
    /// new connections are forwarded again.
    pub(crate) fn heal(&self) {
        self.shared.close_live();
        self.shared.hold.send_replace(false);
    }

    /// Every packet delivered so far, in delivery order.
    pub(crate) fn trace(&self) -> Vec<TraceEntry> {
        lock(&self.shared.trace).clone()
    }

    /// Waits until `done` holds for the trace (unbounded: wrap it in a timeout).
    pub(crate) async fn wait_for_trace(&self, done: impl Fn(&[TraceEntry]) -> bool) {
        let mut traced = self.shared.traced.subscribe();
        traced.mark_changed();
        // The sender lives in `self`, so `changed` cannot fail.
        while traced.changed().await.is_ok() {
            if done(&lock(&self.shared.trace)) {
                return;
            }
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop_cuts();
        self.accept.abort();
        self.shared.close_live();
    }
}

impl Shared {
    /// Closes every live connection (its task drops both sockets); returns how many.
    fn close_live(&self) -> usize {
        let mut live = lock(&self.live);
        let open = live.drain(..).filter(|task| !task.is_finished());
        open.map(|task| task.abort()).count()
    }

    fn record(
        &self,
        connection: u64,
        direction: Direction,
        scanner: &mut FrameScanner,
        bytes: &[u8],
    ) {
        let packets = scanner.feed(bytes);
        if packets.is_empty() {
            return;
        }
        let mut trace = lock(&self.trace);
        for (packet_type, pkid, payload) in packets {
            trace.push(TraceEntry {
                connection,
                direction,
                packet_type,
                pkid,
                payload,
            });
        }
        drop(trace);
        self.traced.send_replace(());
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        let Ok(broker) = TcpStream::connect(shared.upstream).await else {
            // The client sees its connection close, as if the broker were down.
            continue;
        };
        let _ = client.set_nodelay(true);
        let _ = broker.set_nodelay(true);
        let connection = shared.next_connection.fetch_add(1, Ordering::Relaxed);
        let task = tokio::spawn(forward(Arc::clone(&shared), connection, client, broker));
        let mut live = lock(&shared.live);
        live.retain(|task| !task.is_finished());
        live.push(task.abort_handle());
    }
}

/// Forwards both ways until either side closes or fails; then both sockets are dropped.
async fn forward(shared: Arc<Shared>, connection: u64, client: TcpStream, broker: TcpStream) {
    let (client_read, client_write) = client.into_split();
    let (broker_read, broker_write) = broker.into_split();
    let up = Pump {
        shared: Arc::clone(&shared),
        connection,
        direction: Direction::ToBroker,
    };
    let down = Pump {
        shared,
        connection,
        direction: Direction::ToClient,
    };
    tokio::select! {
        _ = up.run(client_read, broker_write) => {}
        _ = down.run(broker_read, client_write) => {}
    }
}

/// One direction of one connection.
struct Pump {
    shared: Arc<Shared>,
    connection: u64,
    direction: Direction,
}

impl Pump {
    async fn run(self, mut from: OwnedReadHalf, mut to: OwnedWriteHalf) -> std::io::Result<()> {
        let mut hold = self.shared.hold.subscribe();
        let mut scanner = FrameScanner::default();
        let mut buffer = vec![0; READ_CHUNK_BYTES];
        loop {
            wait_while_held(&mut hold).await;
            let read = from.read(&mut buffer).await;
            // A close or an error is news from one side: the black hole keeps it too.
            wait_while_held(&mut hold).await;
            let n = read?;
            if n == 0 {
                return Ok(());
            }
            let mut chunk = buffer[..n].to_vec();
            let open = match self.shared.shaping {
                Shaping::Coalesce => gather(&mut from, &mut buffer, &mut chunk).await?,
                Shaping::Pass | Shaping::OneBytePerWrite => true,
            };
            wait_while_held(&mut hold).await;
            self.deliver(&mut to, &mut scanner, &chunk).await?;
            if !open {
                return Ok(());
            }
        }
    }

    async fn deliver(
        &self,
        to: &mut OwnedWriteHalf,
        scanner: &mut FrameScanner,
        chunk: &[u8],
    ) -> std::io::Result<()> {
        let writes: Vec<&[u8]> = match self.shared.shaping {
            Shaping::OneBytePerWrite => chunk.chunks(1).collect(),
            Shaping::Pass | Shaping::Coalesce => vec![chunk],
        };
        for bytes in writes {
            to.write_all(bytes).await?;
            self.shared
                .record(self.connection, self.direction, scanner, bytes);
        }
        Ok(())
    }
}

/// Reads more into `chunk` for [`COALESCE_WINDOW`]; false when the source closed meanwhile.
async fn gather(
    from: &mut OwnedReadHalf,
    buffer: &mut [u8],
    chunk: &mut Vec<u8>,
) -> std::io::Result<bool> {
    let deadline = Instant::now() + COALESCE_WINDOW;
    while chunk.len() < COALESCE_MAX_BYTES {
        match timeout_at(deadline, from.read(buffer)).await {
            Err(_) => break,
            Ok(Ok(0)) => return Ok(false),
            Ok(Ok(n)) => chunk.extend_from_slice(&buffer[..n]),
            Ok(Err(error)) => return Err(error),
        }
    }
    Ok(true)
}

async fn wait_while_held(hold: &mut watch::Receiver<bool>) {
    // An error means the proxy is gone, and its tasks are being aborted.
    let _ = hold.wait_for(|held| !*held).await;
}
