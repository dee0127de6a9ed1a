//! Shared by the transport tests: rcgen certificates (a CA, a server certificate for
//! 127.0.0.1 and localhost, a client certificate, and an unrelated CA), mosquitto TLS
//! listener options, and the publish/subscribe round trip every transport test asserts.

use bytes::Bytes;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rumqttc::{MqttOptions, QoS};

use crate::support::mosquitto::{MosquittoConfig, connected, subscribe_granted, within};

/// Payloads every round trip sends, in order; the last one ends the burst.
pub(crate) const PAYLOADS: [&[u8]; 3] = [b"first", b"\x00binary\xff", b"end"];

/// PEM material for one test.
pub(crate) struct Certs {
    /// The CA that signed the server and client certificates.
    pub(crate) ca: String,
    /// The server certificate (SANs 127.0.0.1 and localhost) and its PKCS#8 key.
    pub(crate) server_cert: String,
    pub(crate) server_key: String,
    /// A client certificate signed by the CA, and its PKCS#8 key.
    pub(crate) client_cert: String,
    pub(crate) client_key: String,
    /// A CA that signed nothing here.
    pub(crate) other_ca: String,
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

fn leaf(
    issuer: &CertifiedIssuer<'static, KeyPair>,
    name: &str,
    sans: &[&str],
    usage: ExtendedKeyUsagePurpose,
) -> (String, String) {
    let sans: Vec<String> = sans.iter().map(|san| (*san).to_owned()).collect();
    let mut params = CertificateParams::new(sans).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![usage];
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, issuer).unwrap();
    (cert.pem(), key.serialize_pem())
}

impl Certs {
    /// Fresh certificates; the server certificate is valid for `server_names`.
    pub(crate) fn for_names(server_names: &[&str]) -> Self {
        let issuer = ca("rumqttc test ca");
        let (server_cert, server_key) = leaf(
            &issuer,
            "mosquitto",
            server_names,
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let (client_cert, client_key) =
            leaf(&issuer, "client", &[], ExtendedKeyUsagePurpose::ClientAuth);
        Self {
            ca: issuer.pem(),
            server_cert,
            server_key,
            client_cert,
            client_key,
            other_ca: ca("unrelated ca").pem(),
        }
    }

    /// Fresh certificates for 127.0.0.1 and localhost.
    pub(crate) fn new() -> Self {
        Self::for_names(&["127.0.0.1", "localhost"])
    }

    /// `config` with these certificate files and a TLS main listener;
    /// `require_client_cert` makes the broker demand a client certificate signed by the CA.
    pub(crate) fn tls_listener(
        &self,
        config: MosquittoConfig,
        require_client_cert: bool,
    ) -> MosquittoConfig {
        self.listener_options(require_client_cert)
            .into_iter()
            .fold(self.files(config), MosquittoConfig::listener_option)
    }

    /// `config` with these certificate files and an extra secure WebSocket listener named
    /// [`WSS_LISTENER`]. (mosquitto 2.0.11 exits when it has only WebSocket listeners, so
    /// the main listener stays plain MQTT.)
    pub(crate) fn wss_listener(&self, config: MosquittoConfig) -> MosquittoConfig {
        let mut options = self.listener_options(false);
        options.push("protocol websockets".to_owned());
        self.files(config).extra_listener(WSS_LISTENER, options)
    }

    fn files(&self, config: MosquittoConfig) -> MosquittoConfig {
        config
            .file("ca.pem", self.ca.clone())
            .file("server.pem", self.server_cert.clone())
            .file("server.key", self.server_key.clone())
    }

    fn listener_options(&self, require_client_cert: bool) -> Vec<String> {
        let mut options = vec![
            "cafile {dir}/ca.pem".to_owned(),
            "certfile {dir}/server.pem".to_owned(),
            "keyfile {dir}/server.key".to_owned(),
        ];
        if require_client_cert {
            options.push("require_certificate true".to_owned());
        }
        options
    }
}

/// The name of the extra WebSocket listener of [`Certs::wss_listener`] and [`ws_listener`].
pub(crate) const WSS_LISTENER: &str = "websockets";

/// `config` with an extra plain WebSocket listener named [`WSS_LISTENER`].
pub(crate) fn ws_listener(config: MosquittoConfig) -> MosquittoConfig {
    config.extra_listener(WSS_LISTENER, ["protocol websockets"])
}

/// Subscribes with `subscriber` to `topic` at QoS 1, publishes [`PAYLOADS`] at QoS 1 with
/// `publisher`, and asserts the subscriber received exactly those payloads on that topic,
/// in order; both clients then disconnect cleanly.
pub(crate) async fn assert_roundtrip(subscriber: MqttOptions, publisher: MqttOptions, topic: &str) {
    let (sub_client, mut inbox) = connected(subscriber).await;
    subscribe_granted(&sub_client, &[(topic, QoS::AtLeastOnce)]).await;
    let (pub_client, outbox) = connected(publisher).await;
    within("publishing", async {
        for payload in PAYLOADS {
            pub_client
                .publish(topic, QoS::AtLeastOnce, false, Bytes::from_static(payload))
                .await
                .unwrap();
        }
    })
    .await;
    let received = inbox.publishes_until(b"end").await;
    let payloads: Vec<&[u8]> = received.iter().map(|p| p.payload.as_ref()).collect();
    assert_eq!(payloads, PAYLOADS);
    assert!(
        received
            .iter()
            .all(|p| p.topic == topic.as_bytes() && p.qos == QoS::AtLeastOnce)
    );
    outbox.disconnect(&pub_client).await;
    inbox.disconnect(&sub_client).await;
}
