//! The sink's TLS listener: a CA and a server certificate for 127.0.0.1 and localhost made
//! with rcgen at start, served with rustls (ring).

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

use super::Tallies;

fn err(what: &str) -> impl Fn(rcgen::Error) -> String + '_ {
    move |e| format!("sink certificate ({what}): {e}")
}

/// A TLS acceptor and the PEM of the CA its certificate chains to.
pub(super) fn acceptor() -> Result<(TlsAcceptor, String), String> {
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(err("ca params"))?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "compare sink ca");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let issuer = CertifiedIssuer::self_signed(ca, KeyPair::generate().map_err(err("ca key"))?)
        .map_err(err("ca"))?;
    let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .map_err(err("server params"))?;
    leaf.distinguished_name
        .push(DnType::CommonName, "compare sink");
    let key = KeyPair::generate().map_err(err("server key"))?;
    let cert = leaf.signed_by(&key, &issuer).map_err(err("server"))?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("sink tls versions: {e}"))?
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key)
        .map_err(|e| format!("sink tls config: {e}"))?;
    Ok((TlsAcceptor::from(Arc::new(config)), issuer.pem()))
}

/// Completes the handshake, then serves the connection like a plain one.
pub(super) async fn serve(stream: TcpStream, acceptor: TlsAcceptor, tallies: Tallies) {
    if let Ok(stream) = acceptor.accept(stream).await {
        super::serve(stream, tallies).await;
    }
}
