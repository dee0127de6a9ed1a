//! The broker refusing a TLS session after the client finished its side of the handshake
//! (with TLS 1.3 a missing client certificate is reported this way): the alert surfaces on
//! the first read as an IO error, which is turned back into the [`TlsError`] it is.

use std::io;

use super::{Peer, TlsConfiguration, TlsError};

/// The TLS error `error` really is, or `error` back when it is an ordinary IO error.
///
/// rustls wraps its alert in the IO error; native-tls gives an `Other` error holding the
/// platform library's error, which is what a `Native*` configuration is recognised by.
pub(crate) fn refusal(
    config: &TlsConfiguration,
    peer: Peer<'_>,
    error: io::Error,
) -> Result<TlsError, io::Error> {
    #[cfg(feature = "use-rustls-no-provider")]
    if error
        .get_ref()
        .is_some_and(|inner| inner.is::<tokio_rustls::rustls::Error>())
    {
        return Ok(super::rustls::handshake_error(peer, error));
    }
    #[cfg(feature = "use-native-tls")]
    if config.is_native() && is_native_library_error(&error) {
        let (host, broker) = peer.names();
        return Ok(TlsError::NativeRefused {
            host,
            broker,
            source: error,
        });
    }
    let _ = (config, peer);
    Err(error)
}

/// Whether `error` comes from the TLS library rather than the socket: tokio-native-tls
/// reports those as `Other` with the library's error inside, and socket errors as they are.
#[cfg(feature = "use-native-tls")]
fn is_native_library_error(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::Other
        && error
            .get_ref()
            .is_some_and(|inner| !inner.is::<io::Error>())
}
