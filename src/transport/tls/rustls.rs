//! The rustls backend: crypto-provider choice, root stores from PEM/DER or the platform,
//! client identities, and the handshake. Knows nothing of MQTT or WebSocket.

use std::io;
use std::sync::Arc;

use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::crypto::CryptoProvider;
use tokio_rustls::rustls::pki_types::pem::{self, PemObject};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

use super::{Peer, PemInput, TlsError};
use crate::transport::Stream;

/// A hint for the error users hit most with home-made certificates: `openssl x509 -req`
/// without an extensions file writes X.509 v1, which webpki refuses. Empty otherwise.
pub(super) fn v1_certificate_hint(error: &rustls::Error) -> &'static str {
    let rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other)) = error else {
        return "";
    };
    match other.0.downcast_ref::<webpki::Error>() {
        Some(webpki::Error::UnsupportedCertVersion) => {
            ": a certificate is X.509 v1 and rustls accepts only v3 (sign it with \
             `openssl x509 -req -extfile FILE` naming v3 extensions, or use scripts/dev-broker)"
        }
        _ => "",
    }
}

/// The first byte of a DER `SEQUENCE`, which every certificate and key starts with.
const DER_SEQUENCE_TAG: u8 = 0x30;

/// The provider for new configurations: the process default if one is installed, else the
/// one compiled in (aws-lc-rs or ring).
fn provider() -> Result<Arc<CryptoProvider>, TlsError> {
    match CryptoProvider::get_default() {
        Some(provider) => Ok(Arc::clone(provider)),
        None => compiled_provider().ok_or(TlsError::CryptoProviderUnavailable),
    }
}

#[cfg(feature = "use-rustls-aws-lc")]
fn compiled_provider() -> Option<Arc<CryptoProvider>> {
    Some(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
}

#[cfg(all(feature = "use-rustls-ring", not(feature = "use-rustls-aws-lc")))]
fn compiled_provider() -> Option<Arc<CryptoProvider>> {
    Some(Arc::new(rustls::crypto::ring::default_provider()))
}

#[cfg(not(any(feature = "use-rustls-aws-lc", feature = "use-rustls-ring")))]
const fn compiled_provider() -> Option<Arc<CryptoProvider>> {
    None
}

/// The configuration of a `TlsConfiguration::Simple`: `ca` as the only roots, an optional
/// client identity, and ALPN protocols.
pub(super) fn simple_config(
    ca: &[u8],
    client_auth: Option<&(Vec<u8>, Vec<u8>)>,
    alpn: Option<&[Vec<u8>]>,
) -> Result<Arc<ClientConfig>, TlsError> {
    let mut roots = RootCertStore::empty();
    let (added, ignored) = roots.add_parsable_certificates(certificates(ca, PemInput::Ca)?);
    if ignored > 0 {
        log::warn!("skipped {ignored} certificates of the `ca` input that rustls cannot use");
    }
    if added == 0 {
        return Err(TlsError::NoValidCertInChain);
    }
    let mut config = config_with_roots(roots, client_auth)?;
    config
        .alpn_protocols
        .extend(alpn.unwrap_or_default().iter().cloned());
    Ok(Arc::new(config))
}

/// The configuration trusting the platform roots; unusable ones are skipped with a warning.
pub(super) fn native_roots_config() -> Result<Arc<ClientConfig>, TlsError> {
    let loaded = rustls_native_certs::load_native_certs();
    for error in &loaded.errors {
        log::warn!("skipping platform certificates that failed to load: {error}");
    }
    let mut roots = RootCertStore::empty();
    let (added, ignored) = roots.add_parsable_certificates(loaded.certs);
    if ignored > 0 {
        log::warn!("skipped {ignored} platform root certificates that rustls cannot use");
    }
    if added == 0 {
        return Err(TlsError::NativeCerts(loaded.errors));
    }
    config_with_roots(roots, None).map(Arc::new)
}

fn config_with_roots(
    roots: RootCertStore,
    client_auth: Option<&(Vec<u8>, Vec<u8>)>,
) -> Result<ClientConfig, TlsError> {
    let builder = ClientConfig::builder_with_provider(provider()?)
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Rustls)?
        .with_root_certificates(roots);
    let Some((chain, key)) = client_auth else {
        return Ok(builder.with_no_client_auth());
    };
    let chain = certificates(chain, PemInput::ClientCertificate)?;
    if chain.is_empty() {
        return Err(TlsError::NoValidClientCertInChain);
    }
    builder
        .with_client_auth_cert(chain, private_key(key)?)
        .map_err(TlsError::ClientAuth)
}

/// Every PEM `CERTIFICATE` in `input`; input without PEM markers is taken as one DER
/// certificate.
fn certificates(input: &[u8], which: PemInput) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(input)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| TlsError::Pem {
            input: which,
            source,
        })?;
    if certs.is_empty() && input.first() == Some(&DER_SEQUENCE_TAG) {
        return Ok(vec![CertificateDer::from(input.to_vec())]);
    }
    Ok(certs)
}

/// The first private key in `input` (PEM), or `input` itself as a DER key; PKCS#1, PKCS#8
/// and SEC1 are recognised.
fn private_key(input: &[u8]) -> Result<PrivateKeyDer<'static>, TlsError> {
    match PrivateKeyDer::from_pem_slice(input) {
        Ok(key) => Ok(key),
        Err(pem::Error::NoItemsFound) => PrivateKeyDer::try_from(input)
            .map(|key| key.clone_key())
            .map_err(|_| TlsError::NoValidKeyInChain),
        Err(source) => Err(TlsError::Pem {
            input: PemInput::ClientKey,
            source,
        }),
    }
}

/// The handshake over `stream`, verifying the certificate for the peer's server name (an IP
/// literal is verified against the certificate's IP addresses and sends no SNI).
pub(super) async fn connect(
    peer: Peer<'_>,
    config: Arc<ClientConfig>,
    stream: Stream,
) -> Result<Stream, TlsError> {
    let server_name =
        ServerName::try_from(peer.server_name.to_owned()).map_err(|source| TlsError::DNSName {
            host: peer.server_name.to_owned(),
            source,
        })?;
    match TlsConnector::from(config)
        .connect(server_name, stream)
        .await
    {
        Ok(tls) => Ok(Stream::Rustls(Box::new(tls))),
        Err(error) => Err(handshake_error(peer, error)),
    }
}

/// rustls reports its own failures as an `io::Error` wrapping a `rustls::Error`; unwrap it
/// so the caller can match the reason.
pub(super) fn handshake_error(peer: Peer<'_>, error: io::Error) -> TlsError {
    let (host, broker) = peer.names();
    if !error
        .get_ref()
        .is_some_and(|inner| inner.is::<rustls::Error>())
    {
        return TlsError::Io {
            host,
            broker,
            source: error,
        };
    }
    let kind = error.kind();
    match error
        .into_inner()
        .map(|inner| inner.downcast::<rustls::Error>())
    {
        Some(Ok(source)) => TlsError::Handshake {
            host,
            broker,
            source: *source,
        },
        Some(Err(inner)) => TlsError::Io {
            host,
            broker,
            source: io::Error::new(kind, inner),
        },
        None => TlsError::Io {
            host,
            broker,
            source: kind.into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid_certificate(cause: webpki::Error) -> rustls::Error {
        let other = rustls::OtherError(Arc::new(cause));
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other))
    }

    #[test]
    fn v1_certificate_error_gets_the_v3_hint_and_others_none() {
        let v1 = invalid_certificate(webpki::Error::UnsupportedCertVersion);
        assert!(v1_certificate_hint(&v1).contains("X.509 v1"));
        let expired = invalid_certificate(webpki::Error::BadDer);
        assert_eq!(v1_certificate_hint(&expired), "");
        assert_eq!(v1_certificate_hint(&rustls::Error::DecryptError), "");
    }
}
