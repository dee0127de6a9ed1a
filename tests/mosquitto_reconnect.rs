//! Reconnecting against real brokers: failover between two private mosquittos, one of them
//! stopped and started again, and a credentials provider asked once per attempt while the
//! broker's password file changes between attempts. Real clock, every wait bounded.

mod support;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rumqttc::{Backoff, ConnectAuth, ConnectReturnCode, ConnectionError, Event, EventLoop, Packet};
use support::mosquitto::{Mosquitto, MosquittoConfig, within};

const MS: Duration = Duration::from_millis(1);

/// Polls until the next CONNACK (`Ok`) or error (`Err`), skipping other events.
async fn next_connack(eventloop: &mut EventLoop) -> Result<(), ConnectionError> {
    loop {
        match within("poll", eventloop.poll()).await? {
            Event::Incoming(Packet::ConnAck(_)) => return Ok(()),
            _ => continue,
        }
    }
}

/// The port of the broker the loop uses now.
fn port_in_use(eventloop: &EventLoop) -> u16 {
    match eventloop.current_broker().tcp_address() {
        Some((_, port)) => port,
        None => panic!("not a tcp broker: {:?}", eventloop.current_broker()),
    }
}

#[tokio::test]
async fn failover_moves_to_the_broker_that_is_up_and_back() {
    let mut first = Mosquitto::start(MosquittoConfig::default());
    let mut second = Mosquitto::start(MosquittoConfig::default());
    let mut options = first.options("failover-client");
    options
        .add_fallback_broker(("127.0.0.1", second.port()))
        .set_reconnect_backoff(Some(
            Backoff::new(10 * MS, 50 * MS).with_reset_after(Duration::ZERO),
        ));
    let mut eventloop = EventLoop::new(options, 10);

    first.stop();
    let refused = next_connack(&mut eventloop).await;
    assert!(
        matches!(refused, Err(ConnectionError::Io(_))),
        "{refused:?}"
    );
    assert_eq!(port_in_use(&eventloop), second.port());
    next_connack(&mut eventloop)
        .await
        .expect("second broker accepts");
    assert_eq!(eventloop.diagnostics().broker_index, 1);
    second
        .wait_for_log("New client connected from 127.0.0.1")
        .await;

    // The second broker goes away: the loop retries it once, then fails over to the first.
    first.restart();
    second.stop();
    let lost = next_connack(&mut eventloop).await;
    assert!(lost.is_err(), "{lost:?}");
    assert_eq!(
        port_in_use(&eventloop),
        second.port(),
        "a lasting connection retries its broker"
    );
    let refused = next_connack(&mut eventloop).await;
    assert!(
        matches!(refused, Err(ConnectionError::Io(_))),
        "{refused:?}"
    );
    assert_eq!(port_in_use(&eventloop), first.port());
    next_connack(&mut eventloop)
        .await
        .expect("first broker accepts again");
    first
        .wait_for_log("New client connected from 127.0.0.1")
        .await;
    let diagnostics = eventloop.diagnostics();
    assert_eq!(diagnostics.broker_index, 0);
    assert_eq!((diagnostics.attempts, diagnostics.connections), (4, 2));
}

/// Sets `device`'s password in the broker's password file and reloads the broker.
async fn set_password(broker: &Mosquitto, password: &str) {
    let file = broker.dir().join("passwd");
    let status = Command::new("mosquitto_passwd")
        .arg("-b")
        .arg(&file)
        .args(["device", password])
        .status();
    assert!(
        matches!(status, Ok(status) if status.success()),
        "mosquitto_passwd: {status:?}"
    );
    broker.reload().await;
}

#[tokio::test]
async fn credentials_provider_gives_each_attempt_the_current_password() {
    let broker = Mosquitto::start(
        MosquittoConfig::default()
            .allow_anonymous(false)
            .line("password_file {dir}/passwd")
            .file("passwd", ""),
    );
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let mut options = broker.options("token-client");
    options
        .set_credentials("device", "stale-static-password")
        .set_reconnect_backoff(Some(Backoff::new(10 * MS, 10 * MS)))
        .set_credentials_provider(move || {
            let call = counter.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                Ok::<_, std::io::Error>(ConnectAuth::with_credentials(
                    "device",
                    format!("token-{call}"),
                ))
            }
        });
    let mut eventloop = EventLoop::new(options, 10);

    set_password(&broker, "token-1").await;
    next_connack(&mut eventloop)
        .await
        .expect("token-1 accepted");
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // The token rotates on the broker; the next connection asks the provider again.
    set_password(&broker, "token-2").await;
    eventloop.clean();
    next_connack(&mut eventloop)
        .await
        .expect("token-2 accepted");
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    // The broker expects a token the provider does not give yet: refused, one call.
    set_password(&broker, "token-4").await;
    eventloop.clean();
    let refused = next_connack(&mut eventloop).await;
    assert!(
        matches!(
            refused,
            Err(ConnectionError::ConnectionRefused(
                ConnectReturnCode::BadUserNamePassword | ConnectReturnCode::NotAuthorized
            ))
        ),
        "{refused:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    next_connack(&mut eventloop)
        .await
        .expect("token-4 accepted");
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    assert_eq!(eventloop.diagnostics().attempts, 4);
}
