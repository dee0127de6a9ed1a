//! TLS over the broker stream: a [`TlsConfiguration`] (the options' type) turned into its
//! backend's connector, the handshake dispatch to rustls or native-tls, and [`TlsError`].
//! Also the default TLS transports whose platform roots are loaded at once.

mod error;
#[cfg(feature = "use-native-tls")]
mod native;
mod refusal;
#[cfg(feature = "use-rustls-no-provider")]
mod rustls;

#[cfg(feature = "use-rustls-no-provider")]
use std::sync::Arc;

#[cfg(feature = "use-rustls-no-provider")]
use tokio_rustls::rustls::ClientConfig;

use super::Stream;
use crate::options::{TlsConfiguration, Transport};

#[cfg(feature = "use-rustls-no-provider")]
pub use error::PemInput;
pub use error::TlsError;
pub(crate) use refusal::refusal;

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

impl TlsConfiguration {
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

/// The default TLS transports with the platform roots loaded now, by this module's code.
impl Transport {
    /// As [`Transport::tls_with_default_config`], loading the roots (or building the
    /// native-tls connector) now.
    ///
    /// # Errors
    /// The [`TlsError`] of loading the platform roots or building the connector.
    #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls")))
    )]
    pub fn try_tls_with_default_config() -> Result<Self, TlsError> {
        TlsConfiguration::try_preferred_default().map(Self::Tls)
    }

    /// As [`Transport::wss_with_default_config`], loading the roots (or building the
    /// native-tls connector) now.
    ///
    /// # Errors
    /// The [`TlsError`] of loading the platform roots or building the connector.
    #[cfg(all(
        feature = "websocket",
        any(feature = "use-rustls-no-provider", feature = "use-native-tls")
    ))]
    #[cfg_attr(
        docsrs,
        doc(cfg(all(
            feature = "websocket",
            any(feature = "use-rustls-no-provider", feature = "use-native-tls")
        )))
    )]
    pub fn try_wss_with_default_config() -> Result<Self, TlsError> {
        TlsConfiguration::try_preferred_default().map(Self::Wss)
    }
}
