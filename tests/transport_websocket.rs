//! MQTT over WebSocket: ws and wss (rustls and native-tls) round trips through a private
//! mosquitto, and the upgrade itself against a hand-written server: the `mqtt` sub-protocol
//! and request-modifier headers are sent, packets split across binary messages are
//! reassembled, and refusals come back as typed errors.

#![cfg(feature = "websocket")]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_tungstenite::tungstenite::error::SubProtocolError;
use async_tungstenite::tungstenite::handshake::derive_accept_key;
use async_tungstenite::tungstenite::http;
use rumqttc::{
    Broker, ConnAck, ConnectReturnCode, ConnectionError, Event, EventLoop, MqttOptions, Packet,
    Transport, WebsocketError,
};
use support::mosquitto::{Mosquitto, MosquittoConfig, within};
use support::transport::{WSS_LISTENER, assert_roundtrip, ws_listener};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Options for `client_id` to `ws://127.0.0.1:port/mqtt` over `transport`.
fn ws_options(port: u16, client_id: &str, transport: Transport) -> MqttOptions {
    let broker = Broker::websocket(format!("ws://127.0.0.1:{port}/mqtt")).unwrap();
    let mut options = MqttOptions::new(client_id, broker);
    options.set_transport(transport);
    options
}

#[tokio::test]
async fn websocket_pubsub_through_mosquitto_delivers_exact_payloads() {
    let broker = Mosquitto::start(ws_listener(MosquittoConfig::default()));
    let sub = ws_options(broker.port_of(WSS_LISTENER), "ws-sub", Transport::ws());
    let publisher = ws_options(broker.port_of(WSS_LISTENER), "ws-pub", Transport::ws());
    assert_roundtrip(sub, publisher, "ws/plain").await;
}

#[cfg(any(feature = "use-rustls-aws-lc", feature = "use-rustls-ring"))]
#[tokio::test]
async fn wss_with_rustls_through_mosquitto_delivers_exact_payloads() {
    let certs = support::transport::Certs::new();
    let broker = Mosquitto::start(certs.wss_listener(MosquittoConfig::default()));
    let wss = || Transport::wss(certs.ca.clone().into_bytes(), None, None);
    let sub = ws_options(broker.port_of(WSS_LISTENER), "wss-rustls-sub", wss());
    let publisher = ws_options(broker.port_of(WSS_LISTENER), "wss-rustls-pub", wss());
    assert_roundtrip(sub, publisher, "ws/rustls").await;
}

#[cfg(feature = "use-native-tls")]
#[tokio::test]
async fn wss_with_native_tls_through_mosquitto_delivers_exact_payloads() {
    let certs = support::transport::Certs::new();
    let broker = Mosquitto::start(certs.wss_listener(MosquittoConfig::default()));
    let wss = || {
        let config = rumqttc::TlsConfiguration::simple_native(certs.ca.clone().into_bytes(), None);
        Transport::wss_with_config(config)
    };
    let sub = ws_options(broker.port_of(WSS_LISTENER), "wss-native-sub", wss());
    let publisher = ws_options(broker.port_of(WSS_LISTENER), "wss-native-pub", wss());
    assert_roundtrip(sub, publisher, "ws/native").await;
}

/// The TLS server-name override applies to secure WebSocket too: the certificate names only
/// `broker.test`, the URL dials 127.0.0.1.
#[cfg(any(feature = "use-rustls-aws-lc", feature = "use-rustls-ring"))]
#[tokio::test]
async fn wss_with_tls_server_name_override_verifies_the_certificate_name() {
    let certs = support::transport::Certs::for_names(&["broker.test"]);
    let broker = Mosquitto::start(certs.wss_listener(MosquittoConfig::default()));
    let wss = |client_id: &str| {
        let transport = Transport::wss(certs.ca.clone().into_bytes(), None, None);
        let mut options = ws_options(broker.port_of(WSS_LISTENER), client_id, transport);
        options.set_tls_server_name("broker.test");
        options
    };
    assert_roundtrip(wss("wss-sni-sub"), wss("wss-sni-pub"), "ws/rustls/sni").await;
}

/// A one-connection HTTP server on 127.0.0.1:0 that reads the upgrade request, writes
/// `respond(request)` (raw bytes), then drains the socket until the client closes. The
/// task yields the request head.
async fn upgrade_server(respond: fn(&str) -> Vec<u8>) -> (u16, JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let head = read_head(&mut socket).await;
        socket.write_all(&respond(&head)).await.unwrap();
        let mut sink = Vec::new();
        let _ = socket.read_to_end(&mut sink).await;
        head
    });
    (port, task)
}

async fn read_head(socket: &mut TcpStream) -> String {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(socket.read_u8().await.unwrap());
    }
    String::from_utf8(head).unwrap()
}

/// The value of header `name` (case-insensitive) in a request head.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// `101 Switching Protocols` for `request`, with `extra` header lines.
fn switching(request: &str, extra: &str) -> Vec<u8> {
    let key = header(request, "sec-websocket-key").unwrap();
    let accept = derive_accept_key(key.as_bytes());
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n{extra}\r\n"
    )
    .into_bytes()
}

/// The upgrade answer, then CONNACK split over two binary messages with a ping between.
fn accept_then_split_connack(request: &str) -> Vec<u8> {
    let mut bytes = switching(request, "Sec-WebSocket-Protocol: mqtt\r\n");
    bytes.extend_from_slice(&[0x82, 0x02, 0x20, 0x02]); // binary, 2 bytes: CONNACK header
    bytes.extend_from_slice(&[0x89, 0x00]); // ping, empty
    bytes.extend_from_slice(&[0x82, 0x02, 0x00, 0x00]); // binary: session absent, accepted
    bytes
}

async fn first_poll(options: MqttOptions) -> Result<Event, ConnectionError> {
    within("the first poll", EventLoop::new(options, 10).poll()).await
}

#[tokio::test]
async fn websocket_upgrade_sends_subprotocol_and_modifier_header_and_reassembles_connack() {
    let (port, server) = upgrade_server(accept_then_split_connack).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let mut options = ws_options(port, "ws-modifier", Transport::ws());
    options.set_request_modifier(move |mut request: http::Request<()>| {
        counter.fetch_add(1, Ordering::SeqCst);
        async move {
            let value = http::HeaderValue::from_static("Bearer token-1");
            request
                .headers_mut()
                .insert(http::header::AUTHORIZATION, value);
            request
        }
    });

    let mut eventloop = EventLoop::new(options, 10);
    let event = within("the CONNACK", eventloop.poll()).await.unwrap();
    drop(eventloop);
    let head = server.await.unwrap();

    let connack = ConnAck::new(ConnectReturnCode::Success, false);
    assert_eq!(event, Event::Incoming(Packet::ConnAck(connack)));
    assert_eq!(head.lines().next(), Some("GET /mqtt HTTP/1.1"));
    assert_eq!(header(&head, "sec-websocket-protocol"), Some("mqtt"));
    assert_eq!(header(&head, "authorization"), Some("Bearer token-1"));
    assert_eq!(
        header(&head, "host"),
        Some(format!("127.0.0.1:{port}").as_str())
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn websocket_upgrade_answered_without_subprotocol_fails_with_subprotocol_error() {
    let (port, _server) = upgrade_server(|request| switching(request, "")).await;

    let error = first_poll(ws_options(port, "ws-no-protocol", Transport::ws())).await;

    assert!(
        matches!(
            &error,
            Err(ConnectionError::Websocket(WebsocketError::Subprotocol {
                broker,
                source: SubProtocolError::NoSubProtocol,
            })) if *broker == format!("ws://127.0.0.1:{port}/mqtt")
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn websocket_upgrade_refused_with_404_reports_the_status() {
    let not_found = |_: &str| b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec();
    let (port, _server) = upgrade_server(not_found).await;

    let error = first_poll(ws_options(port, "ws-404", Transport::ws())).await;

    assert!(
        matches!(
            &error,
            Err(ConnectionError::Websocket(WebsocketError::UpgradeRejected { status: 404, broker }))
                if *broker == format!("ws://127.0.0.1:{port}/mqtt")
        ),
        "{error:?}"
    );
    let text = error.unwrap_err().to_string();
    assert!(
        text.contains(&format!("ws://127.0.0.1:{port}/mqtt")),
        "{text}"
    );
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("token service unavailable")]
struct TokenError;

#[tokio::test]
async fn fallible_request_modifier_error_ends_the_attempt_with_its_source() {
    let (port, _server) = upgrade_server(|_| Vec::new()).await;
    let mut options = ws_options(port, "ws-fallible", Transport::ws());
    options.set_fallible_request_modifier(|_request: http::Request<()>| async {
        Err::<http::Request<()>, _>(TokenError)
    });

    let error = first_poll(options).await;

    let Err(ConnectionError::Websocket(WebsocketError::RequestModifier(source))) = error else {
        panic!("expected a request modifier error, got {error:?}");
    };
    assert_eq!(source.downcast_ref::<TokenError>(), Some(&TokenError));
}

#[test]
fn websocket_broker_accepts_only_ws_urls() {
    use rumqttc::OptionError;

    let cases: [(&str, Result<&str, OptionError>); 5] = [
        ("ws://127.0.0.1:8080/mqtt", Ok("ws://127.0.0.1:8080/mqtt")),
        (
            "wss://broker/mqtt",
            Err(OptionError::WssRequiresExplicitTransport),
        ),
        ("mqtt://broker", Err(OptionError::Scheme)),
        ("broker:8080/mqtt", Err(OptionError::Scheme)),
        ("ws:///mqtt", Err(OptionError::WebsocketUrl)),
    ];
    for (url, expected) in cases {
        let url_back =
            Broker::websocket(url).map(|broker| broker.websocket_url().map(str::to_owned));
        assert_eq!(url_back, expected.map(|url| Some(url.to_owned())), "{url}");
    }
}
