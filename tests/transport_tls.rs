//! TLS against a private mosquitto with rcgen certificates: server verification and
//! required client certificates over rustls and native-tls, a wrong CA and a wrong name as
//! typed handshake errors, and bad configurations refused before any network traffic.

#![cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]

mod support;

use rumqttc::{ConnectionError, EventLoop, MqttOptions, Transport};
use support::mosquitto::{Mosquitto, MosquittoConfig, within};
use support::transport::{Certs, assert_roundtrip};

/// Options for `client_id` to the broker's TLS listener at 127.0.0.1 over `transport`.
fn tls_options(broker: &Mosquitto, client_id: &str, transport: Transport) -> MqttOptions {
    let mut options = broker.options(client_id);
    options.set_transport(transport);
    options
}

/// The first poll's error for `options`.
async fn first_error(options: MqttOptions) -> ConnectionError {
    let mut eventloop = EventLoop::new(options, 10);
    match within("the first poll", eventloop.poll()).await {
        Ok(event) => panic!("expected a connection error, got {event:?}"),
        Err(error) => error,
    }
}

/// Options for a broker nobody listens on: a configuration error must come first.
fn unreachable_options(transport: Transport) -> MqttOptions {
    let mut options = MqttOptions::new("tls-config", ("127.0.0.1", 9));
    options.set_transport(transport);
    options
}

#[cfg(any(feature = "use-rustls-aws-lc", feature = "use-rustls-ring"))]
mod rustls_backend {
    use rumqttc::tokio_rustls::rustls::pki_types::pem::PemObject;
    use rumqttc::tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use rumqttc::tokio_rustls::rustls::{
        CertificateError, ClientConfig, Error as RustlsError, RootCertStore,
    };
    use rumqttc::{PemInput, TlsConfiguration, TlsError};

    use super::*;

    fn simple(certs: &Certs, client_auth: bool) -> Transport {
        let client_auth = client_auth.then(|| {
            (
                certs.client_cert.clone().into_bytes(),
                certs.client_key.clone().into_bytes(),
            )
        });
        Transport::tls(certs.ca.clone().into_bytes(), client_auth, None)
    }

    #[tokio::test]
    async fn rustls_with_server_verification_delivers_exact_payloads() {
        let certs = Certs::new();
        let broker = Mosquitto::start(certs.tls_listener(MosquittoConfig::default(), false));
        let sub = tls_options(&broker, "rustls-sub", simple(&certs, false));
        let publisher = tls_options(&broker, "rustls-pub", simple(&certs, false));
        assert_roundtrip(sub, publisher, "tls/rustls").await;
    }

    #[tokio::test]
    async fn rustls_with_required_client_certificate_delivers_exact_payloads() {
        let certs = Certs::new();
        let broker = Mosquitto::start(certs.tls_listener(MosquittoConfig::default(), true));
        let sub = tls_options(&broker, "rustls-mtls-sub", simple(&certs, true));
        let publisher = tls_options(&broker, "rustls-mtls-pub", simple(&certs, true));
        assert_roundtrip(sub, publisher, "tls/rustls/mtls").await;
    }

    /// ALPN is offered (mosquitto ignores it without `alpn_protocols`), and a ready rustls
    /// `ClientConfig` is used as is.
    #[tokio::test]
    async fn rustls_with_alpn_or_ready_client_config_delivers_exact_payloads() {
        let certs = Certs::new();
        let broker = Mosquitto::start(certs.tls_listener(MosquittoConfig::default(), false));
        let alpn = Transport::tls(
            certs.ca.clone().into_bytes(),
            None,
            Some(vec![b"mqtt".to_vec()]),
        );
        let mut roots = RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(certs.ca.as_bytes()).unwrap())
            .unwrap();
        let ready = ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let sub = tls_options(&broker, "rustls-alpn-sub", alpn);
        let publisher = tls_options(
            &broker,
            "rustls-ready-pub",
            Transport::tls_with_config(ready.into()),
        );
        assert_roundtrip(sub, publisher, "tls/rustls/alpn").await;
    }

    #[test]
    fn default_rustls_defers_loading_the_platform_roots() {
        assert!(matches!(
            TlsConfiguration::default_rustls(),
            TlsConfiguration::RustlsNativeRoots
        ));
    }

    #[tokio::test]
    async fn rustls_with_wrong_ca_fails_with_unknown_issuer_naming_the_host() {
        let certs = Certs::new();
        let broker = Mosquitto::start(certs.tls_listener(MosquittoConfig::default(), false));
        let wrong = Transport::tls(certs.other_ca.clone().into_bytes(), None, None);

        let error = first_error(tls_options(&broker, "rustls-wrong-ca", wrong)).await;

        assert!(
            matches!(
                &error,
                ConnectionError::Tls(TlsError::Handshake {
                    host,
                    broker: dialled,
                    source: RustlsError::InvalidCertificate(CertificateError::UnknownIssuer),
                }) if host == "127.0.0.1" && *dialled == format!("127.0.0.1:{}", broker.port())
            ),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn rustls_to_host_missing_from_certificate_fails_with_name_mismatch() {
        let certs = Certs::for_names(&["mqtt.example"]);
        let broker = Mosquitto::start(certs.tls_listener(MosquittoConfig::default(), false));

        let error = first_error(tls_options(&broker, "rustls-name", simple(&certs, false))).await;

        assert!(
            matches!(
                &error,
                ConnectionError::Tls(TlsError::Handshake {
                    source: RustlsError::InvalidCertificate(
                        CertificateError::NotValidForName
                            | CertificateError::NotValidForNameContext { .. }
                    ),
                    ..
                })
            ),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn rustls_default_config_uses_platform_roots_and_rejects_test_ca() {
        let certs = Certs::new();
        let broker = Mosquitto::start(certs.tls_listener(MosquittoConfig::default(), false));
        let transport = Transport::try_tls_with_default_config().unwrap();

        let error = first_error(tls_options(&broker, "rustls-default", transport)).await;

        assert!(
            matches!(
                &error,
                ConnectionError::Tls(TlsError::Handshake {
                    source: RustlsError::InvalidCertificate(CertificateError::UnknownIssuer),
                    ..
                })
            ),
            "{error:?}"
        );
    }

    /// Which [`TlsError`] a case expects.
    type Expected = fn(&TlsError) -> bool;

    /// Each broken input is reported by name before any connection is attempted (the
    /// broker address is unreachable, so a network attempt would give `Io` instead).
    #[tokio::test]
    async fn rustls_bad_inputs_fail_with_the_input_named() {
        let certs = Certs::new();
        let ca = || certs.ca.clone().into_bytes();
        let cert = || certs.client_cert.clone().into_bytes();
        let truncated = b"-----BEGIN CERTIFICATE-----\nMIIB\n".to_vec();
        let cases: Vec<(&str, Transport, Expected)> = vec![
            (
                "no certificate in ca",
                Transport::tls(b"hello".to_vec(), None, None),
                |e| matches!(e, TlsError::NoValidCertInChain),
            ),
            (
                "truncated ca pem",
                Transport::tls(truncated, None, None),
                |e| {
                    matches!(
                        e,
                        TlsError::Pem {
                            input: PemInput::Ca,
                            ..
                        }
                    )
                },
            ),
            (
                "empty client chain",
                Transport::tls(ca(), Some((Vec::new(), cert())), None),
                |e| matches!(e, TlsError::NoValidClientCertInChain),
            ),
            (
                "certificate as key",
                Transport::tls(ca(), Some((cert(), cert())), None),
                |e| matches!(e, TlsError::NoValidKeyInChain),
            ),
            (
                "key of another certificate",
                Transport::tls(
                    ca(),
                    Some((cert(), certs.server_key.clone().into_bytes())),
                    None,
                ),
                |e| matches!(e, TlsError::ClientAuth(_)),
            ),
        ];
        for (name, transport, expected) in cases {
            let error = first_error(unreachable_options(transport)).await;
            match &error {
                ConnectionError::Tls(tls) => assert!(expected(tls), "{name}: {tls:?}"),
                other => panic!("{name}: expected a tls error, got {other:?}"),
            }
        }
    }

    #[test]
    fn der_ca_and_der_key_are_accepted_like_pem() {
        let certs = Certs::new();
        let ca_der = CertificateDer::from_pem_slice(certs.ca.as_bytes())
            .unwrap()
            .to_vec();
        let cert_der = CertificateDer::from_pem_slice(certs.client_cert.as_bytes()).unwrap();
        let key_der = PrivateKeyDer::from_pem_slice(certs.client_key.as_bytes()).unwrap();
        let config = TlsConfiguration::Simple {
            ca: ca_der,
            alpn: None,
            client_auth: Some((cert_der.to_vec(), key_der.secret_der().to_vec())),
        };
        let debug = format!("{config:?}");
        assert!(
            debug.contains("<redacted>") && !debug.contains(&format!("{:?}", key_der.secret_der()))
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let error = runtime.block_on(first_error(unreachable_options(Transport::Tls(config))));
        // Parsing succeeded, so the attempt reached the network (nothing listens on port 9).
        assert!(matches!(error, ConnectionError::Io(_)), "{error:?}");
    }
}

#[cfg(feature = "use-native-tls")]
mod native_backend {
    use rumqttc::tokio_native_tls::native_tls::{Certificate, Identity, TlsConnector};
    use rumqttc::{TlsConfiguration, TlsError};

    use super::*;

    fn simple_native(certs: &Certs) -> Transport {
        Transport::tls_with_config(TlsConfiguration::simple_native(
            certs.ca.clone().into_bytes(),
            None,
        ))
    }

    #[tokio::test]
    async fn native_tls_with_server_verification_delivers_exact_payloads() {
        let certs = Certs::new();
        let broker = Mosquitto::start(certs.tls_listener(MosquittoConfig::default(), false));
        let sub = tls_options(&broker, "native-sub", simple_native(&certs));
        let publisher = tls_options(&broker, "native-pub", simple_native(&certs));
        assert_roundtrip(sub, publisher, "tls/native").await;
    }

    #[tokio::test]
    async fn native_tls_with_required_client_certificate_delivers_exact_payloads() {
        let certs = Certs::new();
        let broker = Mosquitto::start(certs.tls_listener(MosquittoConfig::default(), true));
        let connector = || {
            let identity =
                Identity::from_pkcs8(certs.client_cert.as_bytes(), certs.client_key.as_bytes())
                    .unwrap();
            let ca = Certificate::from_pem(certs.ca.as_bytes()).unwrap();
            let connector = TlsConnector::builder()
                .add_root_certificate(ca)
                .identity(identity)
                .build()
                .unwrap();
            Transport::tls_with_config(connector.into())
        };
        let sub = tls_options(&broker, "native-mtls-sub", connector());
        let publisher = tls_options(&broker, "native-mtls-pub", connector());
        assert_roundtrip(sub, publisher, "tls/native/mtls").await;
    }

    #[tokio::test]
    async fn native_tls_with_wrong_ca_fails_with_handshake_error_naming_the_host() {
        let certs = Certs::new();
        let broker = Mosquitto::start(certs.tls_listener(MosquittoConfig::default(), false));
        let wrong = Transport::tls_with_config(TlsConfiguration::simple_native(
            certs.other_ca.clone().into_bytes(),
            None,
        ));

        let error = first_error(tls_options(&broker, "native-wrong-ca", wrong)).await;

        assert!(
            matches!(
                &error,
                ConnectionError::Tls(TlsError::NativeHandshake { host, broker: dialled, .. })
                    if host == "127.0.0.1" && *dialled == format!("127.0.0.1:{}", broker.port())
            ),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn native_tls_bad_inputs_fail_before_connecting() {
        let no_cert = TlsConfiguration::simple_native(b"hello".to_vec(), None);
        let bad_identity = TlsConfiguration::simple_native(
            Certs::new().ca.into_bytes(),
            Some((b"not pkcs12".to_vec(), "password".to_owned())),
        );

        let no_cert = first_error(unreachable_options(Transport::Tls(no_cert))).await;
        let bad_identity = first_error(unreachable_options(Transport::Tls(bad_identity))).await;

        assert!(
            matches!(no_cert, ConnectionError::Tls(TlsError::NoValidCertInChain)),
            "{no_cert:?}"
        );
        assert!(
            matches!(
                bad_identity,
                ConnectionError::Tls(TlsError::NativeIdentity(_))
            ),
            "{bad_identity:?}"
        );
    }
}

/// A Tls transport needs a TCP broker: accepted there, refused for a Unix broker.
#[cfg(unix)]
#[test]
fn tls_transport_fits_tcp_broker_and_not_unix_broker() {
    let mut unix = MqttOptions::new("mismatch", rumqttc::Broker::unix("/tmp/none.sock"));
    unix.set_transport(Transport::tls_with_default_config());
    let mut tcp = MqttOptions::new("match", ("127.0.0.1", 8883));

    assert_eq!(
        unix.validate(),
        Err(rumqttc::ConfigError::BrokerTransportMismatch)
    );
    assert!(
        tcp.try_set_transport(Transport::tls_with_default_config())
            .is_ok()
    );
}

/// The certificate names only `broker.test` while the client dials 127.0.0.1: the handshake
/// fails naming both, unless the server name is overridden.
mod server_name {
    use super::*;

    /// The name the test certificate is issued for.
    pub(super) const SERVER_NAME: &str = "broker.test";

    /// A broker whose certificate is valid for [`SERVER_NAME`] only.
    pub(super) fn broker(certs: &Certs) -> Mosquitto {
        Mosquitto::start(certs.tls_listener(MosquittoConfig::default(), false))
    }

    /// Options dialling 127.0.0.1 over `transport`, with the server-name override if asked.
    pub(super) fn options(
        broker: &Mosquitto,
        client_id: &str,
        transport: Transport,
        override_name: bool,
    ) -> MqttOptions {
        let mut options = tls_options(broker, client_id, transport);
        if override_name {
            options.set_tls_server_name(SERVER_NAME);
        }
        options
    }

    /// The error names the dialled address (with its port) and the server name checked.
    pub(super) fn assert_names_dialled_address(error: &ConnectionError, broker: &Mosquitto) {
        let text = error.to_string();
        assert!(
            text.contains(&format!("127.0.0.1:{}", broker.port())),
            "{text}"
        );
    }
}

#[cfg(any(feature = "use-rustls-aws-lc", feature = "use-rustls-ring"))]
mod rustls_server_name {
    use rumqttc::TlsError;
    use rumqttc::tokio_rustls::rustls::{CertificateError, Error as RustlsError};

    use super::server_name::{SERVER_NAME, assert_names_dialled_address, broker, options};
    use super::*;

    fn transport(certs: &Certs) -> Transport {
        Transport::tls(certs.ca.clone().into_bytes(), None, None)
    }

    #[tokio::test]
    async fn rustls_dialling_an_ip_without_override_fails_naming_the_host() {
        let certs = Certs::for_names(&[SERVER_NAME]);
        let broker = broker(&certs);

        let error = first_error(options(&broker, "sni-none", transport(&certs), false)).await;

        assert!(
            matches!(
                &error,
                ConnectionError::Tls(TlsError::Handshake {
                    host,
                    source: RustlsError::InvalidCertificate(
                        CertificateError::NotValidForName
                            | CertificateError::NotValidForNameContext { .. }
                    ),
                    ..
                }) if host == "127.0.0.1"
            ),
            "{error:?}"
        );
        assert_names_dialled_address(&error, &broker);
    }

    #[tokio::test]
    async fn rustls_with_server_name_override_verifies_the_certificate_name() {
        let certs = Certs::for_names(&[SERVER_NAME]);
        let broker = broker(&certs);
        let sub = options(&broker, "sni-rustls-sub", transport(&certs), true);
        let publisher = options(&broker, "sni-rustls-pub", transport(&certs), true);
        assert_roundtrip(sub, publisher, "tls/rustls/sni").await;
    }
}

#[cfg(feature = "use-native-tls")]
mod native_server_name {
    use rumqttc::tokio_native_tls::native_tls::{Certificate, Protocol, TlsConnector};
    use rumqttc::{TlsConfiguration, TlsError};

    use super::server_name::{SERVER_NAME, assert_names_dialled_address, broker, options};
    use super::*;

    fn transport(certs: &Certs) -> Transport {
        Transport::tls_with_config(TlsConfiguration::simple_native(
            certs.ca.clone().into_bytes(),
            None,
        ))
    }

    #[tokio::test]
    async fn native_tls_dialling_an_ip_without_override_fails_naming_the_host() {
        let certs = Certs::for_names(&[SERVER_NAME]);
        let broker = broker(&certs);

        let error = first_error(options(
            &broker,
            "sni-native-none",
            transport(&certs),
            false,
        ))
        .await;

        assert!(
            matches!(
                &error,
                ConnectionError::Tls(TlsError::NativeHandshake { host, .. }) if host == "127.0.0.1"
            ),
            "{error:?}"
        );
        assert_names_dialled_address(&error, &broker);
    }

    #[tokio::test]
    async fn native_tls_with_server_name_override_verifies_the_certificate_name() {
        let certs = Certs::for_names(&[SERVER_NAME]);
        let broker = broker(&certs);
        let sub = options(&broker, "sni-native-sub", transport(&certs), true);
        let publisher = options(&broker, "sni-native-pub", transport(&certs), true);
        assert_roundtrip(sub, publisher, "tls/native/sni").await;
    }

    /// The broker demands a client certificate the client does not have, and refuses the
    /// handshake (the client caps TLS at 1.2, where the refusal comes inside the handshake):
    /// a TLS error, not an IO error. The TLS 1.3 refusal, which comes after the client's
    /// handshake, is in `transport_errors.rs` against an in-process server (with mosquitto
    /// it races a connection reset).
    #[tokio::test]
    async fn native_tls_handshake_refused_by_the_broker_is_a_tls_error_naming_the_broker() {
        let certs = Certs::for_names(&[SERVER_NAME]);
        let broker = Mosquitto::start(certs.tls_listener(MosquittoConfig::default(), true));
        let connector = TlsConnector::builder()
            .add_root_certificate(Certificate::from_pem(certs.ca.as_bytes()).unwrap())
            .max_protocol_version(Some(Protocol::Tlsv12))
            .build()
            .unwrap();
        let transport = Transport::tls_with_config(connector.into());

        let error = first_error(options(&broker, "native-refused", transport, true)).await;

        assert!(
            matches!(&error, ConnectionError::Tls(TlsError::NativeHandshake { host, .. }) if host == SERVER_NAME),
            "{error:?}"
        );
        assert_names_dialled_address(&error, &broker);
    }
}
