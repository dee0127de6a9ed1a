//! Connection errors say where: a refused port, a name that does not resolve and a missing
//! Unix socket stay `ConnectionError::Io` with their kind and cause, and their message names
//! the broker; a TLS 1.3 broker refusing the session after the handshake is a TLS error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::error::Error as _;
use std::io;

use rumqttc::{ConnectionError, EventLoop, MqttOptions};
use support::mosquitto::{free_port, within};
use tokio::io::AsyncReadExt;

/// The first poll's error for `options`.
async fn first_error(options: MqttOptions) -> ConnectionError {
    match within("the first poll", EventLoop::new(options, 10).poll()).await {
        Ok(event) => panic!("expected a connection error, got {event:?}"),
        Err(error) => error,
    }
}

/// The IO error inside `error`; panics when it is another variant.
fn io_error(error: &ConnectionError) -> &io::Error {
    match error {
        ConnectionError::Io(io) => io,
        other => panic!("expected ConnectionError::Io, got {other:?}"),
    }
}

#[tokio::test]
async fn refused_port_is_io_connection_refused_naming_host_and_port() {
    let port = free_port();

    let error = first_error(MqttOptions::new("refused", ("127.0.0.1", port))).await;

    assert_eq!(io_error(&error).kind(), io::ErrorKind::ConnectionRefused);
    let text = error.to_string();
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    let cause = error.source().and_then(|s| s.downcast_ref::<io::Error>());
    assert_eq!(
        cause.map(io::Error::kind),
        Some(io::ErrorKind::ConnectionRefused),
        "{error:?}"
    );
}

/// `.invalid` never resolves (RFC 6761 §6.4).
#[tokio::test]
async fn unresolvable_host_is_io_naming_host_and_port() {
    let error = first_error(MqttOptions::new("dns", ("no-such-broker.invalid", 1884))).await;

    let text = io_error(&error).to_string();
    assert!(text.contains("no-such-broker.invalid:1884"), "{text}");
    assert!(text.contains("resolve"), "{text}");
    assert!(error.source().is_some(), "{error:?}");
}

/// The broker reads CONNECT and resets the connection (zero linger) instead of answering.
#[tokio::test]
async fn reset_before_connack_is_io_connection_reset_naming_the_broker() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let broker = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut connect = [0; 2 + 10 + 2 + 5];
        stream.read_exact(&mut connect).await.unwrap();
        stream.set_zero_linger().unwrap();
    });

    let error = first_error(MqttOptions::new("reset", ("127.0.0.1", port))).await;

    broker.await.unwrap();
    assert_eq!(io_error(&error).kind(), io::ErrorKind::ConnectionReset);
    let text = error.to_string();
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert!(text.contains("connack"), "{text}");
}

#[cfg(unix)]
#[tokio::test]
async fn missing_unix_socket_is_io_not_found_naming_the_path() {
    let path = std::env::temp_dir().join(format!("rumqttc-missing-{}.sock", std::process::id()));
    let mut options = MqttOptions::new("unix-missing", rumqttc::Broker::unix(&path));
    // A Unix broker never uses the socket connector.
    options.set_socket_connector(|_, _| async {
        Err::<tokio::io::DuplexStream, _>(io::Error::other("the connector must not be called"))
    });

    let error = first_error(options).await;

    assert_eq!(io_error(&error).kind(), io::ErrorKind::NotFound);
    let text = error.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(!text.contains("connector"), "{text}");
}

/// A broker that finishes its TLS 1.3 handshake flight but requires a client certificate
/// the client does not have: the client sees the refusal on its first read, after its own
/// handshake succeeded. The server keeps the socket open (reading to the end) so the alert
/// is not lost to a connection reset.
#[cfg(all(
    any(feature = "use-rustls-aws-lc", feature = "use-rustls-ring"),
    feature = "use-native-tls"
))]
mod tls_refusal {
    use std::sync::Arc;

    use rumqttc::tokio_native_tls::native_tls::{self, Certificate};
    use rumqttc::tokio_rustls::TlsAcceptor;
    use rumqttc::tokio_rustls::rustls::pki_types::pem::PemObject;
    use rumqttc::tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use rumqttc::tokio_rustls::rustls::server::WebPkiClientVerifier;
    use rumqttc::tokio_rustls::rustls::{
        AlertDescription, Error as RustlsError, RootCertStore, ServerConfig,
    };
    use rumqttc::{TlsConfiguration, TlsError, Transport};
    use tokio::net::TcpListener;

    use super::*;

    use crate::support::transport::Certs;

    /// Accepts one connection, refuses its TLS session for lack of a client certificate and
    /// reads until the client closes. Returns the port.
    async fn refusing_server(certs: &Certs) -> u16 {
        let mut roots = RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(certs.ca.as_bytes()).unwrap())
            .unwrap();
        let verifier = WebPkiClientVerifier::builder(Arc::new(roots))
            .build()
            .unwrap();
        let config = ServerConfig::builder()
            .with_client_cert_verifier(verifier)
            .with_single_cert(
                vec![CertificateDer::from_pem_slice(certs.server_cert.as_bytes()).unwrap()],
                PrivateKeyDer::from_pem_slice(certs.server_key.as_bytes()).unwrap(),
            )
            .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            match acceptor.accept(tcp).into_fallible().await {
                Ok(_) => panic!("a session without client certificate was accepted"),
                Err((_, mut tcp)) => {
                    let mut rest = Vec::new();
                    let _ = tcp.read_to_end(&mut rest).await;
                }
            }
        });
        port
    }

    fn options(client_id: &str, port: u16, config: TlsConfiguration) -> MqttOptions {
        let mut options = MqttOptions::new(client_id, ("127.0.0.1", port));
        options.set_transport(Transport::tls_with_config(config));
        options
    }

    #[tokio::test]
    async fn native_tls_session_refused_after_handshake_is_a_tls_error_naming_the_broker() {
        let certs = Certs::new();
        let port = refusing_server(&certs).await;
        let connector = native_tls::TlsConnector::builder()
            .add_root_certificate(Certificate::from_pem(certs.ca.as_bytes()).unwrap())
            .min_protocol_version(Some(native_tls::Protocol::Tlsv12))
            .build()
            .unwrap();

        let error = first_error(options("native-refused", port, connector.into())).await;

        assert!(
            matches!(&error, ConnectionError::Tls(TlsError::NativeRefused { host, .. }) if host == "127.0.0.1"),
            "{error:?}"
        );
        let text = error.to_string();
        assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    }

    #[tokio::test]
    async fn rustls_session_refused_after_handshake_is_a_tls_error_naming_the_broker() {
        let certs = Certs::new();
        let port = refusing_server(&certs).await;
        let config = TlsConfiguration::Simple {
            ca: certs.ca.clone().into_bytes(),
            alpn: None,
            client_auth: None,
        };

        let error = first_error(options("rustls-refused", port, config)).await;

        assert!(
            matches!(
                &error,
                ConnectionError::Tls(TlsError::Handshake {
                    host,
                    source: RustlsError::AlertReceived(AlertDescription::CertificateRequired),
                    ..
                }) if host == "127.0.0.1"
            ),
            "{error:?}"
        );
        let text = error.to_string();
        assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    }
}
