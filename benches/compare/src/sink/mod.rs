//! The acking sink: a stand-in broker in the harness process that answers at once (CONNACK,
//! SUBACK, PUBACK, PUBREC then PUBCOMP, PINGRESP) and routes nothing, so the client under
//! test is the bottleneck. It listens on plain TCP, TLS (rustls, a certificate made at
//! start) and WebSocket, counts each publisher's sequence numbers, and hands the tally to
//! the parent once the connection has closed.

mod session;
mod tls;
mod ws;

use std::collections::HashMap;
use std::net::TcpListener as StdListener;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use session::Session;
pub use session::Tally;

/// Tallies of closed connections that received PUBLISH packets, by client id.
type Tallies = Arc<Mutex<HashMap<String, Tally>>>;

/// Smallest and largest read reservation of one connection: idle connections stay small,
/// busy ones grow while reads fill the buffer.
const READ_MIN: usize = 1024;
const READ_MAX: usize = 256 * 1024;

/// A running sink (its thread ends with the process).
pub struct Sink {
    /// Plain TCP port on 127.0.0.1.
    pub tcp: u16,
    /// TLS port.
    pub tls: u16,
    /// WebSocket port.
    pub ws: u16,
    /// PEM of the CA that signed the TLS certificate (for 127.0.0.1 and localhost).
    pub ca_pem: String,
    tallies: Tallies,
}

fn bind() -> Result<(StdListener, u16), String> {
    let listener = StdListener::bind(("127.0.0.1", 0)).map_err(|e| format!("sink bind: {e}"))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("sink listener: {e}"))?;
    let port = listener
        .local_addr()
        .map_err(|e| format!("sink address: {e}"))?
        .port();
    Ok((listener, port))
}

impl Sink {
    /// Binds the three listeners and serves them on a thread of their own (one
    /// current-thread runtime, a task per connection).
    pub fn start() -> Result<Self, String> {
        let (acceptor, ca_pem) = tls::acceptor()?;
        let (tcp, tcp_port) = bind()?;
        let (tls, tls_port) = bind()?;
        let (ws, ws_port) = bind()?;
        let tallies = Tallies::default();
        let shared = Arc::clone(&tallies);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("sink runtime: {e}"))?;
        std::thread::Builder::new()
            .name("sink".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    let listen = |l| TcpListener::from_std(l).map_err(|e| e.to_string());
                    let (Ok(tcp), Ok(tls), Ok(ws)) = (listen(tcp), listen(tls), listen(ws)) else {
                        eprintln!("sink: cannot register its listeners");
                        return;
                    };
                    let plain = Arc::clone(&shared);
                    tokio::spawn(accept(tcp, move |s| serve(s, Arc::clone(&plain))));
                    let secure = Arc::clone(&shared);
                    tokio::spawn(accept(tls, move |s| {
                        tls::serve(s, acceptor.clone(), Arc::clone(&secure))
                    }));
                    accept(ws, move |s| ws::serve(s, Arc::clone(&shared))).await;
                });
            })
            .map_err(|e| format!("sink thread: {e}"))?;
        Ok(Self {
            tcp: tcp_port,
            tls: tls_port,
            ws: ws_port,
            ca_pem,
            tallies,
        })
    }

    /// The tally of the connection with `client_id`, once it has closed (waiting at most
    /// `wait`); `None` when it never published or did not close in time.
    pub fn take(&self, client_id: &str, wait: Duration) -> Option<Tally> {
        let deadline = Instant::now() + wait;
        loop {
            let found = self
                .tallies
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(client_id);
            if found.is_some() || Instant::now() > deadline {
                return found;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Accepts connections for ever, each served by its own task.
async fn accept<F, Fut>(listener: TcpListener, serve: F)
where
    F: Fn(TcpStream) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    loop {
        if let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            tokio::spawn(serve(stream));
        }
    }
}

/// Serves one byte-stream connection (plain or TLS) until it ends.
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, tallies: Tallies) {
    let mut session = Session::default();
    let mut input = Vec::with_capacity(READ_MIN);
    let mut reserve = READ_MIN;
    let mut out = Vec::new();
    while !session.is_done() {
        if input.capacity() - input.len() < reserve / 2 {
            input.reserve(reserve);
        }
        let room = input.capacity() - input.len();
        match stream.read_buf(&mut input).await {
            Ok(0) | Err(_) => break,
            Ok(read) if read == room => reserve = (reserve * 2).min(READ_MAX),
            Ok(_) => {}
        }
        let used = session.answer(&input, &mut out);
        input.drain(..used);
        if !out.is_empty() {
            if stream.write_all(&out).await.is_err() || stream.flush().await.is_err() {
                break;
            }
            out.clear();
        }
    }
    session.close(&tallies);
}
