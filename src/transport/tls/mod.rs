//! TLS over the broker stream: [`TlsConfiguration`] (which backend, which roots, which client
//! identity), [`TlsError`], and the handshake dispatch to the rustls or native-tls backend.
//! Each configuration variant names its backend, so dual-backend builds stay explicit.

#[cfg(feature = "use-native-tls")]
mod native;
mod refusal;
#[cfg(feature = "use-rustls-no-provider")]
mod rustls;

use std::fmt;
use std::io;
#[cfg(feature = "use-rustls-no-provider")]
use std::sync::Arc;

#[cfg(feature = "use-rustls-no-provider")]
use tokio_rustls::rustls::{ClientConfig, pki_types};

use super::Stream;

pub(crate) use refusal::refusal;

/// How to secure a TLS (or WSS) connection, and with which backend.
///
/// The variant chooses the backend: `Simple`, `Rustls` and `RustlsNativeRoots` use rustls;
/// `SimpleNative`, `Native` and `NativeConnector` use native-tls. The handshake's server
/// name is the broker host (an IP literal is verified against the certificate's IP SANs).
///
/// `Default` exists only when exactly one backend is compiled in; with both, choose
/// explicitly (`TlsConfiguration::default_rustls()` or `TlsConfiguration::default_native()`).
///
/// `Debug` never shows private keys or passwords.
#[derive(Clone)]
pub enum TlsConfiguration {
    /// rustls trusting only the certificates in `ca`.
    ///
    /// `ca` holds one or more PEM certificates, or one DER certificate. `client_auth` is a
    /// certificate chain (PEM or DER) and its private key (PEM or DER; PKCS#1, PKCS#8 or
    /// SEC1). `alpn` lists protocols to offer, such as `b"mqtt"` or `b"x-amzn-mqtt-ca"`.
    #[cfg(feature = "use-rustls-no-provider")]
    #[cfg_attr(docsrs, doc(cfg(feature = "use-rustls-no-provider")))]
    Simple {
        /// CA certificates (PEM bundle or one DER certificate).
        ca: Vec<u8>,
        /// ALPN protocols offered in the handshake.
        alpn: Option<Vec<Vec<u8>>>,
        /// Client certificate chain and private key.
        client_auth: Option<(Vec<u8>, Vec<u8>)>,
    },
    /// rustls trusting the platform's root certificates, loaded at each connection.
    ///
    /// This is what [`TlsConfiguration::default_rustls`] returns: it cannot fail to build,
    /// and a failure to load the roots is reported when connecting
    /// ([`TlsError::NativeCerts`]). Unusable platform certificates are skipped with a warning.
    #[cfg(feature = "use-rustls-no-provider")]
    #[cfg_attr(docsrs, doc(cfg(feature = "use-rustls-no-provider")))]
    RustlsNativeRoots,
    /// A ready rustls client configuration, used as is.
    #[cfg(feature = "use-rustls-no-provider")]
    #[cfg_attr(docsrs, doc(cfg(feature = "use-rustls-no-provider")))]
    Rustls(Arc<ClientConfig>),
    /// native-tls with an extra root from `ca` (PEM; every certificate in it is added) and
    /// an optional client identity: PKCS#12 DER and its password.
    #[cfg(feature = "use-native-tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "use-native-tls")))]
    SimpleNative {
        /// CA certificates in PEM.
        ca: Vec<u8>,
        /// PKCS#12 client identity (DER) and its password.
        client_auth: Option<(Vec<u8>, String)>,
    },
    /// native-tls with the platform's defaults, built at each connection.
    #[cfg(feature = "use-native-tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "use-native-tls")))]
    Native,
    /// A ready native-tls connector, used as is.
    #[cfg(feature = "use-native-tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "use-native-tls")))]
    NativeConnector(native_tls::TlsConnector),
}

impl TlsConfiguration {
    /// rustls with the platform's root certificates, loaded when connecting.
    ///
    /// Never panics: a platform store that yields no usable root is reported by the
    /// connection attempt as [`TlsError::NativeCerts`]. Use
    /// [`TlsConfiguration::try_default_rustls`] to load the roots now instead.
    #[cfg(feature = "use-rustls-no-provider")]
    #[cfg_attr(docsrs, doc(cfg(feature = "use-rustls-no-provider")))]
    pub const fn default_rustls() -> Self {
        Self::RustlsNativeRoots
    }

    /// rustls with the platform's root certificates, loaded now.
    ///
    /// # Errors
    /// [`TlsError::NativeCerts`] when the platform store yields no usable root,
    /// [`TlsError::CryptoProviderUnavailable`] when no crypto provider is available.
    #[cfg(feature = "use-rustls-no-provider")]
    #[cfg_attr(docsrs, doc(cfg(feature = "use-rustls-no-provider")))]
    pub fn try_default_rustls() -> Result<Self, TlsError> {
        rustls::native_roots_config().map(Self::Rustls)
    }

    /// native-tls with an extra CA (PEM) and an optional PKCS#12 identity and password.
    #[cfg(feature = "use-native-tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "use-native-tls")))]
    pub const fn simple_native(ca: Vec<u8>, client_auth: Option<(Vec<u8>, String)>) -> Self {
        Self::SimpleNative { ca, client_auth }
    }

    /// native-tls with the platform's defaults.
    #[cfg(feature = "use-native-tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "use-native-tls")))]
    pub const fn default_native() -> Self {
        Self::Native
    }
}

/// The platform-root configuration of the only compiled backend (rustls).
#[cfg(all(feature = "use-rustls-no-provider", not(feature = "use-native-tls")))]
impl Default for TlsConfiguration {
    fn default() -> Self {
        Self::default_rustls()
    }
}

/// The platform-default configuration of the only compiled backend (native-tls).
#[cfg(all(feature = "use-native-tls", not(feature = "use-rustls-no-provider")))]
impl Default for TlsConfiguration {
    fn default() -> Self {
        Self::default_native()
    }
}

/// A rustls configuration used as is.
#[cfg(feature = "use-rustls-no-provider")]
impl From<ClientConfig> for TlsConfiguration {
    fn from(config: ClientConfig) -> Self {
        Self::Rustls(Arc::new(config))
    }
}

/// A shared rustls configuration used as is.
#[cfg(feature = "use-rustls-no-provider")]
impl From<Arc<ClientConfig>> for TlsConfiguration {
    fn from(config: Arc<ClientConfig>) -> Self {
        Self::Rustls(config)
    }
}

/// A native-tls connector used as is.
#[cfg(feature = "use-native-tls")]
impl From<native_tls::TlsConnector> for TlsConfiguration {
    fn from(connector: native_tls::TlsConnector) -> Self {
        Self::NativeConnector(connector)
    }
}

/// Shows the variant, sizes and ALPN; private keys and passwords are redacted.
impl fmt::Debug for TlsConfiguration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            #[cfg(feature = "use-rustls-no-provider")]
            Self::Simple {
                ca,
                alpn,
                client_auth,
            } => f
                .debug_struct("Simple")
                .field("ca_bytes", &ca.len())
                .field("alpn", alpn)
                .field("client_auth", &client_auth.as_ref().map(|_| "<redacted>"))
                .finish(),
            #[cfg(feature = "use-rustls-no-provider")]
            Self::RustlsNativeRoots => f.write_str("RustlsNativeRoots"),
            #[cfg(feature = "use-rustls-no-provider")]
            Self::Rustls(config) => f.debug_tuple("Rustls").field(config).finish(),
            #[cfg(feature = "use-native-tls")]
            Self::SimpleNative { ca, client_auth } => f
                .debug_struct("SimpleNative")
                .field("ca_bytes", &ca.len())
                .field("client_auth", &client_auth.as_ref().map(|_| "<redacted>"))
                .finish(),
            #[cfg(feature = "use-native-tls")]
            Self::Native => f.write_str("Native"),
            #[cfg(feature = "use-native-tls")]
            Self::NativeConnector(_) => f.write_str("NativeConnector(..)"),
        }
    }
}

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

/// A configuration turned into its backend's connector, ready for handshakes.
pub(crate) enum Connector {
    #[cfg(feature = "use-rustls-no-provider")]
    Rustls(Arc<ClientConfig>),
    #[cfg(feature = "use-native-tls")]
    Native(native_tls::TlsConnector),
}

impl TlsConfiguration {
    /// Builds the backend connector: parses certificates and keys, loads platform roots.
    /// Done before dialing, so a bad configuration fails without touching the network.
    pub(crate) fn connector(&self) -> Result<Connector, TlsError> {
        Ok(match self {
            #[cfg(feature = "use-rustls-no-provider")]
            Self::Simple {
                ca,
                alpn,
                client_auth,
            } => Connector::Rustls(rustls::simple_config(
                ca,
                client_auth.as_ref(),
                alpn.as_deref(),
            )?),
            #[cfg(feature = "use-rustls-no-provider")]
            Self::RustlsNativeRoots => Connector::Rustls(rustls::native_roots_config()?),
            #[cfg(feature = "use-rustls-no-provider")]
            Self::Rustls(config) => Connector::Rustls(Arc::clone(config)),
            #[cfg(feature = "use-native-tls")]
            Self::SimpleNative { ca, client_auth } => {
                Connector::Native(native::simple_connector(ca, client_auth.as_ref())?)
            }
            #[cfg(feature = "use-native-tls")]
            Self::Native => Connector::Native(native::default_connector()?),
            #[cfg(feature = "use-native-tls")]
            Self::NativeConnector(connector) => Connector::Native(connector.clone()),
        })
    }
}

impl TlsConfiguration {
    /// Whether the configuration uses native-tls.
    #[cfg(feature = "use-native-tls")]
    const fn is_native(&self) -> bool {
        matches!(
            self,
            Self::SimpleNative { .. } | Self::Native | Self::NativeConnector(_)
        )
    }
}

impl Connector {
    /// Runs the TLS handshake over `stream` (dialled to `broker`, for errors), sending and
    /// verifying the certificate for `server_name`.
    pub(crate) async fn connect(
        self,
        server_name: &str,
        broker: &str,
        stream: Stream,
    ) -> Result<Stream, TlsError> {
        let peer = Peer::new(server_name, broker);
        match self {
            #[cfg(feature = "use-rustls-no-provider")]
            Self::Rustls(config) => rustls::connect(peer, config, stream).await,
            #[cfg(feature = "use-native-tls")]
            Self::Native(connector) => native::connect(peer, connector, stream).await,
        }
    }
}

/// Who a handshake is with: the name checked and the address dialled.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer<'a> {
    server_name: &'a str,
    broker: &'a str,
}

impl<'a> Peer<'a> {
    /// The handshake checks `server_name`; the stream was dialled to `broker`.
    pub(crate) const fn new(server_name: &'a str, broker: &'a str) -> Self {
        Self {
            server_name,
            broker,
        }
    }

    /// The server name and the address dialled, owned, for an error.
    fn names(self) -> (String, String) {
        (self.server_name.to_owned(), self.broker.to_owned())
    }
}

/// The configurations the default TLS transports use: rustls when compiled in (even next to
/// native-tls, as the seed does), else native-tls.
impl TlsConfiguration {
    /// The platform-root configuration of the preferred backend, built at connect time.
    #[cfg(feature = "use-rustls-no-provider")]
    pub(crate) const fn preferred_default() -> Self {
        Self::default_rustls()
    }

    /// The platform-root configuration of the preferred backend, built at connect time.
    #[cfg(all(feature = "use-native-tls", not(feature = "use-rustls-no-provider")))]
    pub(crate) const fn preferred_default() -> Self {
        Self::default_native()
    }

    /// The platform-root configuration of the preferred backend, built now.
    #[cfg(feature = "use-rustls-no-provider")]
    pub(crate) fn try_preferred_default() -> Result<Self, TlsError> {
        Self::try_default_rustls()
    }

    /// The platform-root configuration of the preferred backend, built now.
    #[cfg(all(feature = "use-native-tls", not(feature = "use-rustls-no-provider")))]
    pub(crate) fn try_preferred_default() -> Result<Self, TlsError> {
        native::default_connector().map(Self::NativeConnector)
    }
}
