//! The native-tls backend (OpenSSL, Secure Transport or SChannel): connectors from PEM roots
//! and PKCS#12 identities, and the handshake. Knows nothing of MQTT or WebSocket.

use native_tls::{Certificate, Identity, TlsConnector};

use super::{Peer, TlsError};
use crate::transport::Stream;

/// The line that opens each certificate of a PEM bundle.
const PEM_CERTIFICATE_BEGIN: &str = "-----BEGIN CERTIFICATE-----";

/// The platform-default connector.
pub(super) fn default_connector() -> Result<TlsConnector, TlsError> {
    TlsConnector::new().map_err(TlsError::NativeTls)
}

/// A connector trusting every certificate of the PEM bundle `ca` in addition to the platform
/// roots, presenting the PKCS#12 identity in `client_auth` if given.
pub(super) fn simple_connector(
    ca: &[u8],
    client_auth: Option<&(Vec<u8>, String)>,
) -> Result<TlsConnector, TlsError> {
    let mut builder = TlsConnector::builder();
    let certificates = pem_certificates(ca)?;
    if certificates.is_empty() {
        return Err(TlsError::NoValidCertInChain);
    }
    for certificate in certificates {
        builder.add_root_certificate(certificate);
    }
    if let Some((pkcs12, password)) = client_auth {
        let identity = Identity::from_pkcs12(pkcs12, password).map_err(TlsError::NativeIdentity)?;
        builder.identity(identity);
    }
    builder.build().map_err(TlsError::NativeTls)
}

/// Every certificate of a PEM bundle (native-tls parses one certificate per call).
fn pem_certificates(ca: &[u8]) -> Result<Vec<Certificate>, TlsError> {
    let text = String::from_utf8_lossy(ca);
    text.match_indices(PEM_CERTIFICATE_BEGIN)
        .map(|(start, _)| {
            let section = text.get(start..).unwrap_or_default();
            Certificate::from_pem(section.as_bytes()).map_err(TlsError::NativeCa)
        })
        .collect()
}

/// The handshake over `stream`, verifying the certificate for the peer's server name.
pub(super) async fn connect(
    peer: Peer<'_>,
    connector: TlsConnector,
    stream: Stream,
) -> Result<Stream, TlsError> {
    match tokio_native_tls::TlsConnector::from(connector)
        .connect(peer.server_name, stream)
        .await
    {
        Ok(tls) => Ok(Stream::NativeTls(Box::new(tls))),
        Err(source) => {
            let (host, broker) = peer.names();
            Err(TlsError::NativeHandshake {
                host,
                broker,
                source,
            })
        }
    }
}
