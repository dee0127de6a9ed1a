//! [`TlsConfiguration`]: which TLS backend, which roots and which client identity a TLS or
//! WSS transport uses. It only names the choice; `transport::tls` builds the connector and
//! runs the handshake.

use std::fmt;
#[cfg(feature = "use-rustls-no-provider")]
use std::sync::Arc;

#[cfg(feature = "use-rustls-no-provider")]
use tokio_rustls::rustls::ClientConfig;

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
    /// ([`TlsError::NativeCerts`](crate::TlsError::NativeCerts)). Unusable platform certificates are skipped with a warning.
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
    /// connection attempt as [`TlsError::NativeCerts`](crate::TlsError::NativeCerts). Use
    /// [`TlsConfiguration::try_default_rustls`] to load the roots now instead.
    #[cfg(feature = "use-rustls-no-provider")]
    #[cfg_attr(docsrs, doc(cfg(feature = "use-rustls-no-provider")))]
    pub const fn default_rustls() -> Self {
        Self::RustlsNativeRoots
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
}
