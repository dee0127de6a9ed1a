//! How often `loop { eventloop.poll().await }` tries to connect to a closed port in two
//! seconds: with the default reconnect backoff, and with the backoff turned off (rumqttc's
//! behaviour, which spins as fast as the kernel refuses connections).
//!
//! Run with `cargo run --example reconnect_storm`; `RUST_LOG=info` shows the waits.

use std::time::Duration;

use rumqttc::{EventLoop, MqttOptions};
use tokio::time::{Instant, timeout_at};

const RUN_FOR: Duration = Duration::from_secs(2);

/// Polls against `port` for [`RUN_FOR`]; returns the connection attempts made.
async fn attempts(port: u16, backoff_on: bool) -> u64 {
    let mut options = MqttOptions::new("storm", ("127.0.0.1", port));
    if !backoff_on {
        options.set_reconnect_backoff(None);
    }
    let mut eventloop = EventLoop::new(options, 10);
    let deadline = Instant::now() + RUN_FOR;
    // The loop applications write, bounded to two seconds.
    let _ = timeout_at(deadline, async {
        loop {
            let _ = eventloop.poll().await;
        }
    })
    .await;
    eventloop.diagnostics().attempts
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    env_logger::init();
    // A port nobody listens on: bind one, then close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let with_backoff = attempts(port, true).await;
    let without_backoff = attempts(port, false).await;
    println!("closed port 127.0.0.1:{port}, {RUN_FOR:?} of `loop {{ eventloop.poll().await }}`:");
    println!("  default options (backoff 100 ms doubling to 30 s): {with_backoff} attempts");
    println!("  set_reconnect_backoff(None):                       {without_backoff} attempts");
    Ok(())
}
