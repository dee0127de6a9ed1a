//! Proves the test harnesses (private mosquitto, scripted broker, packet helpers) work,
//! using the crate codec and raw sockets only: no client code is involved.

mod support;

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use rumqttc::{ConnAck, Connect, ConnectAuth, ConnectReturnCode, Packet, Publish, QoS};
use support::mosquitto::{Mosquitto, MosquittoConfig, TempDir};
use support::packet_conn::{PacketConn, ReadError};
use support::packets::{
    connack, connack_ok, connect, connect_with, decode, disconnect, encode, granted, pingreq,
    puback, publish, pubrel, suback, subscribe,
};
use support::scripted_broker::{BrokerEvent, FailureKind, ScriptedBroker, Step};
use support::test_broker::TestBroker;
use tokio::time::Instant;

/// Read guard for raw connections to a real broker (real clock).
const BROKER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A raw connection to `addr` that has sent CONNECT for `client_id` and got CONNACK.
async fn raw_session(addr: SocketAddr, client_id: &str) -> (PacketConn, Packet) {
    let mut conn = PacketConn::connect(addr).await;
    conn.set_read_timeout(BROKER_READ_TIMEOUT);
    conn.send(&connect(client_id)).await;
    let connack = conn.read_packet().await;
    (conn, connack)
}

fn success_connack() -> Packet {
    Packet::ConnAck(ConnAck {
        session_present: false,
        code: ConnectReturnCode::Success,
    })
}

#[tokio::test]
async fn private_mosquitto_answers_raw_connect_with_success_connack() {
    let broker = Mosquitto::start(MosquittoConfig::default());

    let (_conn, connack) = raw_session(broker.addr(), "selftest-connect").await;

    assert_eq!(connack, success_connack());
}

#[tokio::test]
async fn private_mosquitto_relays_qos1_publish_to_raw_subscriber_exactly() {
    let broker = Mosquitto::start(MosquittoConfig::default());
    let (mut subscriber, _) = raw_session(broker.addr(), "selftest-sub").await;
    subscriber
        .send(&subscribe(1, "selftest/qos1", QoS::AtLeastOnce))
        .await;
    subscriber
        .expect(&suback(1, [granted(QoS::AtLeastOnce)]))
        .await;
    let (mut publisher, _) = raw_session(broker.addr(), "selftest-pub").await;

    publisher
        .send(&publish("selftest/qos1", QoS::AtLeastOnce, 7, *b"payload"))
        .await;

    publisher.expect(&puback(7)).await;
    // Mosquitto numbers its own outgoing publishes from 1 per client.
    let expected = Packet::Publish(Publish {
        dup: false,
        qos: QoS::AtLeastOnce,
        retain: false,
        topic: Bytes::from_static(b"selftest/qos1"),
        pkid: 1,
        payload: Bytes::from_static(b"payload"),
    });
    subscriber.expect(&expected).await;
    subscriber.send(&puback(1)).await;
}

#[tokio::test]
async fn private_mosquitto_restart_keeps_port_and_accepts_connect() {
    let mut broker = Mosquitto::start(MosquittoConfig::default());
    let port = broker.port();
    let pid = broker.pid();
    let (mut before, _) = raw_session(broker.addr(), "selftest-restart").await;

    broker.restart();

    assert_eq!(broker.port(), port);
    assert_ne!(broker.pid(), pid);
    before.expect_closed().await;
    let (_after, connack) = raw_session(broker.addr(), "selftest-restart").await;
    assert_eq!(connack, success_connack());
}

#[tokio::test]
async fn private_mosquitto_with_persistence_keeps_session_across_restart() {
    let mut broker = Mosquitto::start(MosquittoConfig::default().persistence(true));
    let mut first = PacketConn::connect(broker.addr()).await;
    first.set_read_timeout(BROKER_READ_TIMEOUT);
    first
        .send(&connect_with("selftest-persist", false, 60))
        .await;
    first.expect(&success_connack()).await;
    first
        .send(&subscribe(1, "selftest/persist", QoS::AtLeastOnce))
        .await;
    first.expect(&suback(1, [granted(QoS::AtLeastOnce)])).await;
    first.send(&disconnect()).await;
    first.expect_closed().await;

    broker.restart();

    let mut second = PacketConn::connect(broker.addr()).await;
    second.set_read_timeout(BROKER_READ_TIMEOUT);
    second
        .send(&connect_with("selftest-persist", false, 60))
        .await;
    second
        .expect(&connack(ConnectReturnCode::Success, true))
        .await;
}

#[tokio::test]
async fn private_mosquitto_drop_kills_process_and_port_refuses() {
    let broker = Mosquitto::start(MosquittoConfig::default());
    let addr = broker.addr();
    let pid = broker.pid();

    drop(broker);

    // Killed and reaped: the process entry is gone, and nothing listens on the port.
    assert!(!Path::new(&format!("/proc/{pid}")).exists());
    let error = tokio::net::TcpStream::connect(addr)
        .await
        .expect_err("the port must refuse connections after drop");
    assert_eq!(error.kind(), std::io::ErrorKind::ConnectionRefused);
}

#[tokio::test]
async fn private_mosquitto_log_records_connected_client() {
    let broker = Mosquitto::start(MosquittoConfig::default());

    let _session = raw_session(broker.addr(), "selftest-log").await;

    // p2: protocol 3.1.1, c1: clean session, k60: keep-alive 60 s.
    let log = broker.wait_for_log("as selftest-log (p2, c1, k60)").await;
    assert!(log.contains("Sending CONNACK to selftest-log (0, 0)"));
}

#[tokio::test]
async fn private_mosquitto_extra_listener_answers_on_its_own_port() {
    let config = MosquittoConfig::default().extra_listener("second", ["max_connections 10"]);
    let broker = Mosquitto::start(config);
    let second = broker.port_of("second");
    assert_ne!(second, broker.port());

    let addr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, second));
    let (_conn, connack) = raw_session(addr, "selftest-second").await;

    assert_eq!(connack, success_connack());
}

#[tokio::test]
async fn private_mosquitto_password_file_refuses_anonymous_and_accepts_credentials() {
    let scratch = TempDir::new("passwd");
    let passwd_path = scratch.path().join("passwd");
    let status = std::process::Command::new("mosquitto_passwd")
        .args(["-c", "-b"])
        .arg(&passwd_path)
        .args(["alice", "secret"])
        .status()
        .expect("mosquitto_passwd (from the mosquitto package) must be installed");
    assert!(status.success());
    let passwd = std::fs::read(&passwd_path).expect("mosquitto_passwd wrote the file");
    let config = MosquittoConfig::default()
        .allow_anonymous(false)
        .file("passwd", passwd)
        .line("password_file {dir}/passwd");
    let broker = Mosquitto::start(config);

    let (_anonymous, refused) = raw_session(broker.addr(), "selftest-anon").await;
    let mut login = Connect::new("selftest-alice");
    login.keep_alive = 60;
    login.auth = ConnectAuth::UsernamePassword {
        username: "alice".to_owned(),
        password: Bytes::from_static(b"secret"),
    };
    let mut alice = PacketConn::connect(broker.addr()).await;
    alice.set_read_timeout(BROKER_READ_TIMEOUT);
    alice.send(&Packet::Connect(login)).await;

    assert_eq!(refused, connack(ConnectReturnCode::NotAuthorized, false));
    alice.expect(&success_connack()).await;
}

/// CI guarantees the shared broker (`mosquitto -d -c /etc/mosquitto/mosquitto.conf`).
#[tokio::test]
async fn shared_broker_on_1883_answers_connect() {
    let addr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 1883));
    let client_id = format!("rumqttc-selftest-{}", std::process::id());

    let (mut conn, connack) = raw_session(addr, &client_id).await;

    assert_eq!(connack, success_connack());
    conn.send(&disconnect()).await;
    conn.expect_closed().await;
}

/// Hand-written frames, so the harness is checked against bytes and not only the codec.
const CONNECT_C1: [u8; 16] = [
    0x10, 0x0E, // CONNECT, remaining length 14
    0x00, 0x04, b'M', b'Q', b'T', b'T', // protocol name
    0x04, // protocol level 4 (3.1.1)
    0x02, // connect flags: clean session
    0x00, 0x3C, // keep-alive 60 s
    0x00, 0x02, b'c', b'1', // client id "c1"
];
const CONNACK_SUCCESS: [u8; 4] = [0x20, 0x02, 0x00, 0x00];
const PUBLISH_QOS1_PKID1: [u8; 11] = [
    0x32, 0x09, // PUBLISH, QoS 1, remaining length 9
    0x00, 0x03, b'a', b'/', b'b', // topic "a/b"
    0x00, 0x01, // pkid 1
    b'h', b'i', // payload
];
const PUBACK_PKID1: [u8; 4] = [0x40, 0x02, 0x00, 0x01];

#[tokio::test(start_paused = true)]
async fn scripted_broker_plays_script_against_raw_client_with_exact_bytes() {
    let mut broker = ScriptedBroker::start(vec![vec![
        Step::ExpectConnect,
        Step::Send(connack_ok()),
        Step::Expect(publish("a/b", QoS::AtLeastOnce, 1, *b"hi")),
        Step::SendRaw(PUBACK_PKID1.to_vec()),
        Step::Drop,
    ]])
    .await;
    let mut client = PacketConn::connect(broker.addr()).await;

    client.send_raw(&CONNECT_C1).await;
    assert_eq!(client.read_raw(4).await, CONNACK_SUCCESS);
    client.send_raw(&PUBLISH_QOS1_PKID1).await;
    assert_eq!(client.read_raw(4).await, PUBACK_PKID1);
    client.expect_closed().await;

    assert!(matches!(
        broker.next_event().await,
        BrokerEvent::Accepted { conn: 0 }
    ));
    let (conn, received) = broker.next_connect().await;
    assert_eq!((conn, Packet::Connect(received)), (0, connect("c1")));
    assert_eq!(
        broker.next_packet().await,
        (0, publish("a/b", QoS::AtLeastOnce, 1, *b"hi"))
    );
    assert!(matches!(
        broker.next_event().await,
        BrokerEvent::ScriptDone { conn: 0 }
    ));
    broker.finish().await;
}

#[tokio::test(start_paused = true)]
async fn scripted_broker_gives_each_reconnect_the_next_script_then_refuses() {
    let broker = ScriptedBroker::start(vec![
        vec![Step::ExpectConnect, Step::Send(connack_ok()), Step::Drop],
        vec![
            Step::ExpectConnect,
            Step::Send(connack(ConnectReturnCode::Success, true)),
        ],
    ])
    .await;

    let mut first = PacketConn::connect(broker.addr()).await;
    first.send(&connect("c1")).await;
    first.expect(&connack_ok()).await;
    first.expect_closed().await;
    let mut second = PacketConn::connect(broker.addr()).await;
    second.send(&connect("c1")).await;
    second
        .expect(&connack(ConnectReturnCode::Success, true))
        .await;

    // Every script has a connection now: the listener is closed.
    let third = tokio::net::TcpStream::connect(broker.addr()).await;
    assert_eq!(
        third.map(|_| ()).map_err(|error| error.kind()),
        Err(std::io::ErrorKind::ConnectionRefused)
    );
    broker.finish().await;
}

#[tokio::test(start_paused = true)]
async fn scripted_broker_reports_expect_mismatch_as_typed_failure() {
    let broker = ScriptedBroker::start(vec![vec![Step::Expect(pingreq())]]).await;
    let mut client = PacketConn::connect(broker.addr()).await;

    client.send(&disconnect()).await;
    client.expect_closed().await;

    let failures = broker.join().await;
    assert_eq!(failures.len(), 1);
    assert_eq!((failures[0].conn, failures[0].step), (0, 0));
    assert!(matches!(
        &failures[0].kind,
        FailureKind::Mismatch { expected, received }
            if **expected == Packet::PingReq && **received == Packet::Disconnect
    ));
}

#[tokio::test(start_paused = true)]
async fn scripted_broker_sleep_step_advances_paused_clock_exactly() {
    let broker = ScriptedBroker::start(vec![vec![
        Step::ExpectConnect,
        Step::Sleep(Duration::from_secs(30)),
        Step::Send(connack_ok()),
    ]])
    .await;
    let mut client = PacketConn::connect(broker.addr()).await;
    let start = Instant::now();

    client.send(&connect("c1")).await;
    client.expect(&connack_ok()).await;

    // Virtual time: the broker's sleep is the only timer that fired (1 ms wheel rounding).
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_secs(30), "{elapsed:?}");
    assert!(elapsed <= Duration::from_millis(30_001), "{elapsed:?}");
    broker.finish().await;
}

#[tokio::test(start_paused = true)]
async fn scripted_broker_withhold_and_silent_record_packets_without_answering() {
    let mut broker = ScriptedBroker::start(vec![vec![
        Step::ExpectConnect,
        Step::Send(connack_ok()),
        Step::Withhold,
        Step::Silent,
    ]])
    .await;
    let mut client = PacketConn::connect(broker.addr()).await;
    client.send(&connect("c1")).await;
    client.expect(&connack_ok()).await;

    client.send(&publish("t", QoS::ExactlyOnce, 3, *b"x")).await;
    client.send(&pubrel(3)).await;
    client.send(&pingreq()).await;
    client.set_read_timeout(Duration::from_secs(5));
    let unanswered = client.try_read_packet().await;
    client.close().await;

    assert!(matches!(unanswered, Err(ReadError::Timeout(_))));
    broker.next_connect().await;
    assert_eq!(
        broker.next_packet().await,
        (0, publish("t", QoS::ExactlyOnce, 3, *b"x"))
    );
    assert_eq!(broker.next_packet().await, (0, pubrel(3)));
    assert_eq!(broker.next_packet().await, (0, pingreq()));
    assert!(matches!(
        broker.next_event().await,
        BrokerEvent::Closed { conn: 0 }
    ));
    assert!(matches!(
        broker.next_event().await,
        BrokerEvent::ScriptDone { conn: 0 }
    ));
    broker.finish().await;
}

#[tokio::test(start_paused = true)]
async fn test_broker_accept_drives_one_connection_interactively() {
    let broker = TestBroker::bind().await;
    let mut client = PacketConn::connect(broker.addr()).await;
    client.send(&connect("c1")).await;

    let mut server = broker.accept().await;
    let received = server.expect_connect().await;
    server.send(&connack_ok()).await;
    client.expect(&connack_ok()).await;
    client.send(&pingreq()).await;
    server.expect(&pingreq()).await;
    server.close().await;

    assert_eq!(received.client_id, "c1");
    client.expect_closed().await;
}

#[test]
fn packets_encode_gives_exact_bytes_and_decode_inverts_it() {
    let publish = publish("a/b", QoS::AtLeastOnce, 1, *b"hi");

    assert_eq!(encode(&publish), PUBLISH_QOS1_PKID1);
    assert_eq!(encode(&puback(1)), PUBACK_PKID1);
    assert_eq!(encode(&connack_ok()), CONNACK_SUCCESS);
    assert_eq!(decode(&PUBLISH_QOS1_PKID1), publish);
    assert_eq!(decode(&CONNECT_C1), connect("c1"));
}
