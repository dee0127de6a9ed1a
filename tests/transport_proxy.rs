//! HTTP CONNECT proxies: TCP, TLS and WebSocket round trips to a private mosquitto through
//! a tiny in-test proxy on 127.0.0.1:0 (which records each CONNECT head), Basic auth, and
//! refusals, malformed answers and unreachable proxies as typed errors.

#![cfg(feature = "proxy")]

mod support;

use std::sync::{Arc, Mutex};

use rumqttc::{
    ConnectionError, EventLoop, MqttOptions, NetworkOptions, Proxy, ProxyAuth, ProxyError,
    ProxyType, default_socket_connect,
};
use support::mosquitto::{Mosquitto, MosquittoConfig, connected, free_port, within};
use support::transport::assert_roundtrip;
use tokio::io::{AsyncReadExt, AsyncWriteExt, copy_bidirectional};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// A CONNECT proxy answering every request with `status`; on `200` it tunnels to the
/// requested target. Each request head is sent to `heads`.
struct TestProxy {
    port: u16,
    heads: mpsc::UnboundedReceiver<String>,
}

impl TestProxy {
    async fn start(status: &'static str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, heads) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve(client, status, tx.clone()));
            }
        });
        Self { port, heads }
    }

    fn proxy(&self, auth: ProxyAuth) -> Proxy {
        Proxy {
            ty: ProxyType::Http,
            auth,
            addr: "127.0.0.1".to_owned(),
            port: self.port,
        }
    }

    async fn next_head(&mut self) -> String {
        within("the proxy's next request", self.heads.recv())
            .await
            .unwrap()
    }
}

async fn serve(mut client: TcpStream, status: &str, heads: mpsc::UnboundedSender<String>) {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(client.read_u8().await.unwrap());
    }
    let head = String::from_utf8(head).unwrap();
    let target = head.split(' ').nth(1).unwrap().to_owned();
    heads.send(head).unwrap();
    client
        .write_all(format!("{status}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    if status.starts_with("HTTP/1.1 200") {
        let mut upstream = TcpStream::connect(target).await.unwrap();
        let _ = copy_bidirectional(&mut client, &mut upstream).await;
    }
}

const ESTABLISHED: &str = "HTTP/1.1 200 Connection established";

fn connect_head(port: u16, extra: &str) -> String {
    format!("CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}\r\n")
}

fn through(mut options: MqttOptions, proxy: Proxy) -> MqttOptions {
    options.set_proxy(proxy);
    options
}

async fn first_error(options: MqttOptions) -> ConnectionError {
    within("the first poll", EventLoop::new(options, 10).poll())
        .await
        .unwrap_err()
}

#[tokio::test]
async fn tcp_through_proxy_delivers_exact_payloads_after_exact_connect_heads() {
    let broker = Mosquitto::start(MosquittoConfig::default());
    let mut proxy = TestProxy::start(ESTABLISHED).await;
    let sub = through(broker.options("proxy-sub"), proxy.proxy(ProxyAuth::None));
    let publisher = through(broker.options("proxy-pub"), proxy.proxy(ProxyAuth::None));

    assert_roundtrip(sub, publisher, "proxy/tcp").await;

    let expected = connect_head(broker.port(), "");
    assert_eq!(proxy.next_head().await, expected);
    assert_eq!(proxy.next_head().await, expected);
}

#[tokio::test]
async fn proxy_basic_auth_sends_exact_authorization_header() {
    let broker = Mosquitto::start(MosquittoConfig::default());
    let mut proxy = TestProxy::start(ESTABLISHED).await;
    let auth = ProxyAuth::Basic {
        username: "user".to_owned(),
        password: "pa:ss".to_owned(),
    };
    let options = through(broker.options("proxy-auth"), proxy.proxy(auth));

    let (client, driven) = connected(options).await;
    driven.disconnect(&client).await;

    // base64("user:pa:ss")
    let auth_line = "Proxy-Authorization: Basic dXNlcjpwYTpzcw==\r\n";
    assert_eq!(
        proxy.next_head().await,
        connect_head(broker.port(), auth_line)
    );
}

#[tokio::test]
async fn proxy_refusing_with_407_reports_the_status_and_target() {
    let mut proxy = TestProxy::start("HTTP/1.1 407 Proxy Authentication Required").await;
    let options = through(
        MqttOptions::new("proxy-407", ("127.0.0.1", 1883)),
        proxy.proxy(ProxyAuth::None),
    );

    let error = first_error(options).await;

    assert!(
        matches!(
            &error,
            ConnectionError::Proxy(ProxyError::Status { status: 407, target, proxy: name })
                if target == "127.0.0.1:1883" && *name == format!("127.0.0.1:{}", proxy.port)
        ),
        "{error:?}"
    );
    assert_eq!(proxy.next_head().await, connect_head(1883, ""));
}

/// With a proxy and a socket connector, the connector opens the stream to the proxy (once,
/// with the proxy's address), and the proxy is asked for the broker.
#[tokio::test]
async fn socket_connector_reaches_the_proxy_not_the_broker() {
    let mut proxy = TestProxy::start("HTTP/1.1 407 Proxy Authentication Required").await;
    let mut options = through(
        MqttOptions::new("proxy-connector", ("broker.test", 1883)),
        proxy.proxy(ProxyAuth::None),
    );
    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&calls);
    options.set_socket_connector(move |host: String, network: NetworkOptions| {
        seen.lock().unwrap().push(host.clone());
        default_socket_connect(host, network)
    });

    let error = first_error(options).await;

    assert!(
        matches!(
            &error,
            ConnectionError::Proxy(ProxyError::Status { status: 407, target, .. })
                if target == "broker.test:1883"
        ),
        "{error:?}"
    );
    assert_eq!(
        *calls.lock().unwrap(),
        vec![format!("127.0.0.1:{}", proxy.port)]
    );
    assert_eq!(
        proxy.next_head().await,
        "CONNECT broker.test:1883 HTTP/1.1\r\nHost: broker.test:1883\r\n\r\n"
    );
}

#[tokio::test]
async fn proxy_answering_garbage_reports_a_malformed_response() {
    let proxy = TestProxy::start("SSH-2.0-OpenSSH_9.2").await;
    let options = through(
        MqttOptions::new("proxy-garbage", ("127.0.0.1", 1883)),
        proxy.proxy(ProxyAuth::None),
    );

    let error = first_error(options).await;

    assert!(
        matches!(
            error,
            ConnectionError::Proxy(ProxyError::MalformedResponse { .. })
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn unreachable_proxy_fails_with_a_proxy_io_error() {
    let proxy = Proxy {
        ty: ProxyType::Http,
        auth: ProxyAuth::None,
        addr: "127.0.0.1".to_owned(),
        port: free_port(),
    };
    let options = through(MqttOptions::new("proxy-down", ("127.0.0.1", 1883)), proxy);

    let error = first_error(options).await;

    assert!(
        matches!(
            &error,
            ConnectionError::Proxy(ProxyError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::ConnectionRefused
        ),
        "{error:?}"
    );
}

#[cfg(any(feature = "use-rustls-aws-lc", feature = "use-rustls-ring"))]
#[tokio::test]
async fn tls_through_proxy_verifies_the_broker_and_delivers_exact_payloads() {
    let certs = support::transport::Certs::new();
    let broker = Mosquitto::start(certs.tls_listener(MosquittoConfig::default(), false));
    let mut proxy = TestProxy::start(ESTABLISHED).await;
    let options = |id: &str| {
        let mut options = through(broker.options(id), proxy.proxy(ProxyAuth::None));
        options.set_transport(rumqttc::Transport::tls(
            certs.ca.clone().into_bytes(),
            None,
            None,
        ));
        options
    };

    assert_roundtrip(
        options("proxy-tls-sub"),
        options("proxy-tls-pub"),
        "proxy/tls",
    )
    .await;

    assert_eq!(proxy.next_head().await, connect_head(broker.port(), ""));
}

#[cfg(feature = "websocket")]
#[tokio::test]
async fn websocket_through_proxy_delivers_exact_payloads() {
    use support::transport::{WSS_LISTENER, ws_listener};

    let broker = Mosquitto::start(ws_listener(MosquittoConfig::default()));
    let port = broker.port_of(WSS_LISTENER);
    let mut proxy = TestProxy::start(ESTABLISHED).await;
    let options = |id: &str| {
        let url = format!("ws://127.0.0.1:{port}/mqtt");
        let ws = rumqttc::Broker::websocket(url).unwrap();
        through(MqttOptions::new(id, ws), proxy.proxy(ProxyAuth::None))
    };

    assert_roundtrip(options("proxy-ws-sub"), options("proxy-ws-pub"), "proxy/ws").await;

    assert_eq!(proxy.next_head().await, connect_head(port, ""));
}
