//! The blocking facade inside and outside a tokio runtime: no panics, finishing, timeouts.

use super::*;

#[tokio::test]
async fn blocking_client_inside_a_runtime_does_not_panic() {
    let (client, lanes) = client();
    let client = Client(client);
    assert_eq!(client.publish("a", QoS::AtLeastOnce, false, "x"), Ok(()));
    assert_eq!(client.subscribe("a", QoS::AtLeastOnce), Ok(()));
    assert!(
        client
            .publish_tracked("a", QoS::AtMostOnce, false, "x")
            .is_ok()
    );
    assert_eq!(client.disconnect_now(), Ok(()));
    let counts = (
        lanes.publish.len(),
        lanes.control.len(),
        lanes.immediate.len(),
    );
    assert_eq!(counts, (2, 1, 1));
}

/// After `disconnect_now`, every way of receiving reports the finished loop, and the
/// connection is dropped. Port 1: the loop must end before any connection attempt.
fn assert_finished_without_connecting() {
    let (client, mut connection) = Client::builder(MqttOptions::new("c", ("127.0.0.1", 1))).build();
    assert_eq!(client.disconnect_now(), Ok(()));
    assert!(matches!(connection.recv(), Err(RecvError)));
    let received = connection.try_recv();
    assert!(matches!(received, Err(TryRecvError::Disconnected)));
    let received = connection.recv_timeout(Duration::from_secs(1));
    assert!(matches!(received, Err(RecvTimeoutError::Disconnected)));
    assert_eq!(connection.iter().count(), 0);
    // Dropping a runtime inside async code panics unless it is shut down in the background.
    drop(connection);
}

#[test]
fn connection_after_disconnect_now_finishes_without_connecting() {
    assert_finished_without_connecting();
}

#[tokio::test]
async fn connection_inside_a_runtime_does_not_panic() {
    assert_finished_without_connecting();
}

#[test]
fn receive_from_a_silent_broker_times_out_or_is_empty() {
    // The kernel accepts the TCP connection, but nobody ever answers CONNECT.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (_client, mut connection) =
        Client::builder(MqttOptions::new("c", ("127.0.0.1", port))).build();
    let received = connection.recv_timeout(Duration::from_millis(50));
    assert!(matches!(received, Err(RecvTimeoutError::Timeout)));
    assert!(matches!(connection.try_recv(), Err(TryRecvError::Empty)));
}
