//! [`TlsError`]: a TLS configuration that cannot be used or a handshake that failed, and
//! [`PemInput`], the input a PEM error names.

#[cfg(feature = "use-rustls-no-provider")]
use std::fmt;
use std::io;

#[cfg(feature = "use-rustls-no-provider")]
use tokio_rustls::rustls::pki_types;

#[cfg(doc)]
use super::TlsConfiguration;
#[cfg(feature = "use-rustls-no-provider")]
use super::rustls;

/// Which PEM input of a [`TlsConfiguration::Simple`] could not be parsed.
#[cfg(feature = "use-rustls-no-provider")]
#[cfg_attr(docsrs, doc(cfg(feature = "use-rustls-no-provider")))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PemInput {
    /// The `ca` bundle.
    Ca,
    /// The client certificate chain.
    ClientCertificate,
    /// The client private key.
    ClientKey,
}

#[cfg(feature = "use-rustls-no-provider")]
impl fmt::Display for PemInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Ca => "ca",
            Self::ClientCertificate => "client certificate",
            Self::ClientKey => "client key",
        })
    }
}

/// A TLS configuration that cannot be used, or a TLS handshake that failed.
///
/// Configuration errors name the input at fault; handshake errors name the host.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The transport failed during the TLS handshake with `broker`.
    #[error("tls handshake with `{broker}` (server name `{host}`) failed")]
    Io {
        /// The server name that was checked.
        host: String,
        /// The address dialled, as `host:port`: the broker's, or the HTTPS proxy's.
        broker: String,
        /// The transport error.
        #[source]
        source: io::Error,
    },
    /// The CA input holds no certificate the backend can use.
    #[error("no valid ca certificate in the `ca` input")]
    NoValidCertInChain,
    /// The host is not a valid TLS server name (DNS name or IP literal).
    #[cfg(feature = "use-rustls-no-provider")]
    #[error("`{host}` is not a valid tls server name")]
    DNSName {
        /// The host that was rejected.
        host: String,
        /// Why.
        #[source]
        source: pki_types::InvalidDnsNameError,
    },
    /// rustls failed the handshake with `broker`: for example the certificate has an unknown
    /// issuer or is not valid for the server name `host`, or the broker sent an alert.
    #[cfg(feature = "use-rustls-no-provider")]
    #[error(
        "tls handshake with `{broker}` (server name `{host}`) failed{}",
        rustls::v1_certificate_hint(source)
    )]
    Handshake {
        /// The server name that was checked.
        host: String,
        /// The address dialled, as `host:port`: the broker's, or the HTTPS proxy's.
        broker: String,
        /// The rustls reason.
        #[source]
        source: tokio_rustls::rustls::Error,
    },
    /// rustls refused to build the client configuration (protocol versions or provider).
    #[cfg(feature = "use-rustls-no-provider")]
    #[error("cannot build the rustls client configuration")]
    Rustls(#[source] tokio_rustls::rustls::Error),
    /// rustls refused the client certificate chain or key (for example they do not match).
    #[cfg(feature = "use-rustls-no-provider")]
    #[error("the client certificate or key was rejected{}", rustls::v1_certificate_hint(.0))]
    ClientAuth(#[source] tokio_rustls::rustls::Error),
    /// The platform certificate store yielded no usable root (its load errors, if any).
    #[cfg(feature = "use-rustls-no-provider")]
    #[error("no usable platform root certificate ({} load errors)", .0.len())]
    NativeCerts(Vec<rustls_native_certs::Error>),
    /// No rustls crypto provider: none installed as process default and none compiled in.
    #[cfg(feature = "use-rustls-no-provider")]
    #[error(
        "no rustls crypto provider: enable `use-rustls-aws-lc` or `use-rustls-ring`, or \
         install a process-default CryptoProvider"
    )]
    CryptoProviderUnavailable,
    /// A PEM input is malformed.
    #[cfg(feature = "use-rustls-no-provider")]
    #[error("cannot parse the {input} pem")]
    Pem {
        /// Which input.
        input: PemInput,
        /// The parser's reason.
        #[source]
        source: pki_types::pem::Error,
    },
    /// The client certificate input holds no certificate.
    #[cfg(feature = "use-rustls-no-provider")]
    #[error("no valid certificate in the client certificate chain")]
    NoValidClientCertInChain,
    /// The client key input holds no PKCS#1, PKCS#8 or SEC1 private key.
    #[cfg(feature = "use-rustls-no-provider")]
    #[error("no valid private key (pkcs#1, pkcs#8 or sec1) in the client key")]
    NoValidKeyInChain,
    /// native-tls cannot parse a certificate of the `ca` input.
    #[cfg(feature = "use-native-tls")]
    #[error("cannot parse a certificate of the `ca` input")]
    NativeCa(#[source] native_tls::Error),
    /// native-tls cannot load the PKCS#12 client identity (bad data or password).
    #[cfg(feature = "use-native-tls")]
    #[error("cannot load the pkcs#12 client identity")]
    NativeIdentity(#[source] native_tls::Error),
    /// native-tls cannot build a connector.
    #[cfg(feature = "use-native-tls")]
    #[error("cannot build the native-tls connector")]
    NativeTls(#[source] native_tls::Error),
    /// native-tls failed the handshake with `broker` (certificate, server name `host`, or
    /// an alert).
    #[cfg(feature = "use-native-tls")]
    #[error("tls handshake with `{broker}` (server name `{host}`) failed")]
    NativeHandshake {
        /// The server name that was checked.
        host: String,
        /// The address dialled, as `host:port`: the broker's, or the HTTPS proxy's.
        broker: String,
        /// The native-tls reason.
        #[source]
        source: native_tls::Error,
    },
    /// The broker refused the native-tls session right after the client finished its side of
    /// the handshake (TLS 1.3 reports a missing or rejected client certificate this way).
    #[cfg(feature = "use-native-tls")]
    #[error("tls session with `{broker}` (server name `{host}`) was refused")]
    NativeRefused {
        /// The server name that was checked.
        host: String,
        /// The address dialled, as `host:port`.
        broker: String,
        /// The error the first read reported, holding the platform TLS library's reason.
        source: io::Error,
    },
}
