//! HTTP CONNECT proxies: the tunnel exchange for a [`Proxy`] of the options (request,
//! optional Basic auth, status check) and [`ProxyError`]. What runs through the tunnel (TCP,
//! TLS, WebSocket) is the caller's.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
use super::tls::TlsError;
use super::{SocketConnector, Stream, authority, dial};
use crate::options::{NetworkOptions, Proxy, ProxyAuth, ProxyType};

/// The longest CONNECT response head accepted, in bytes.
const MAX_RESPONSE_HEAD_BYTES: usize = 8 * 1024;
/// The end of an HTTP message head.
const HEAD_END: &[u8] = b"\r\n\r\n";

/// Why the tunnel through the proxy could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// Connecting to the proxy, or talking to it, failed.
    #[error("cannot talk to the proxy `{proxy}`")]
    Io {
        /// The proxy, as `host:port`.
        proxy: String,
        /// The transport error.
        #[source]
        source: io::Error,
    },
    /// The proxy answered CONNECT with a status other than 2xx (407: credentials needed).
    #[error("proxy `{proxy}` refused to connect to `{target}` with http status {status}")]
    Status {
        /// The proxy, as `host:port`.
        proxy: String,
        /// The broker, as `host:port`.
        target: String,
        /// The HTTP status code.
        status: u16,
    },
    /// The proxy's answer is not an HTTP response head (or exceeds 8 KiB).
    #[error("proxy `{proxy}` sent a malformed response to connect")]
    MalformedResponse {
        /// The proxy, as `host:port`.
        proxy: String,
    },
    /// TLS to an HTTPS proxy failed.
    #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
    #[error("tls to the proxy failed")]
    Tls(#[source] TlsError),
}

impl Proxy {
    /// `addr:port`, for messages.
    fn name(&self) -> String {
        authority(&self.addr, self.port)
    }
}

impl ProxyType {
    /// Adds TLS to the proxy connection when the proxy speaks HTTPS.
    async fn secure(&self, _proxy: &Proxy, stream: Stream) -> Result<Stream, ProxyError> {
        match self {
            Self::Http => Ok(stream),
            #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
            Self::Https(config) => {
                let connector = config.connector().map_err(ProxyError::Tls)?;
                connector
                    .connect(&_proxy.addr, &_proxy.name(), stream)
                    .await
                    .map_err(ProxyError::Tls)
            }
        }
    }
}

/// Opens a tunnel to `host:port` through `proxy`, reaching the proxy through the socket
/// connector if one is given.
pub(crate) async fn connect(
    proxy: &Proxy,
    host: &str,
    port: u16,
    network: &NetworkOptions,
    connector: Option<&SocketConnector>,
) -> Result<Stream, ProxyError> {
    let io_error = |source| ProxyError::Io {
        proxy: proxy.name(),
        source,
    };
    let stream = dial(&proxy.addr, proxy.port, network, connector)
        .await
        .map_err(io_error)?;
    let mut stream = proxy.ty.secure(proxy, stream).await?;
    let target = authority(host, port);
    let request = connect_request(&target, &proxy.auth).map_err(io_error)?;
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(io_error)?;
    stream.flush().await.map_err(io_error)?;
    let head = read_head(&mut stream).await.map_err(io_error)?;
    match head.as_deref().and_then(status_code) {
        Some(200..=299) => Ok(stream),
        Some(status) => Err(ProxyError::Status {
            proxy: proxy.name(),
            target,
            status,
        }),
        None => Err(ProxyError::MalformedResponse {
            proxy: proxy.name(),
        }),
    }
}

/// The CONNECT request head; refuses a target that would inject header lines.
fn connect_request(target: &str, auth: &ProxyAuth) -> io::Result<String> {
    if target.contains(['\r', '\n']) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the broker host contains a line break",
        ));
    }
    let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let ProxyAuth::Basic { username, password } = auth {
        let credentials = base64(format!("{username}:{password}").as_bytes());
        request.push_str(&format!("Proxy-Authorization: Basic {credentials}\r\n"));
    }
    request.push_str("\r\n");
    Ok(request)
}

/// Reads the response head byte by byte, so no byte of the tunnelled protocol is consumed.
/// `None` when the head exceeds [`MAX_RESPONSE_HEAD_BYTES`].
async fn read_head(stream: &mut Stream) -> io::Result<Option<Vec<u8>>> {
    let mut head = Vec::with_capacity(256);
    while !head.ends_with(HEAD_END) {
        if head.len() >= MAX_RESPONSE_HEAD_BYTES {
            return Ok(None);
        }
        head.push(stream.read_u8().await?);
    }
    Ok(Some(head))
}

/// The status code of an `HTTP/1.x NNN reason` status line.
fn status_code(head: &[u8]) -> Option<u16> {
    let line = head.split(|&byte| byte == b'\r').next()?;
    let mut parts = std::str::from_utf8(line).ok()?.split(' ');
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let code = parts.next()?;
    if code.len() != 3 {
        return None;
    }
    code.parse().ok()
}

/// Standard base64 with padding (RFC 4648 §4), for the Basic credentials.
fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sextet = |index: u32| char::from(ALPHABET[(index & 0x3f) as usize]);
    let mut output = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let bytes = [0, 1, 2].map(|i| chunk.get(i).copied().map_or(0, u32::from));
        let group = (bytes[0] << 16) | (bytes[1] << 8) | bytes[2];
        output.push(sextet(group >> 18));
        output.push(sextet(group >> 12));
        output.push(if chunk.len() > 1 {
            sextet(group >> 6)
        } else {
            '='
        });
        output.push(if chunk.len() > 2 { sextet(group) } else { '=' });
    }
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4648 §10 test vectors.
    #[test]
    fn base64_matches_rfc4648_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in vectors {
            assert_eq!(base64(input.as_bytes()), expected, "input {input:?}");
        }
    }

    #[test]
    fn connect_request_with_basic_auth_is_exact() {
        let auth = ProxyAuth::Basic {
            username: "Aladdin".to_owned(),
            password: "open sesame".to_owned(),
        };
        let request = connect_request("broker:1883", &auth).unwrap();
        assert_eq!(
            request,
            "CONNECT broker:1883 HTTP/1.1\r\nHost: broker:1883\r\n\
             Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n"
        );
    }

    #[test]
    fn connect_request_with_line_break_in_host_is_refused() {
        let error = connect_request("evil\r\nX: y:1883", &ProxyAuth::None).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn status_code_reads_only_wellformed_status_lines() {
        let cases: [(&[u8], Option<u16>); 6] = [
            (b"HTTP/1.1 200 Connection established\r\n\r\n", Some(200)),
            (
                b"HTTP/1.0 407 Proxy Authentication Required\r\n\r\n",
                Some(407),
            ),
            (b"HTTP/1.1 200\r\n\r\n", Some(200)),
            (b"HTTP/2 200 OK\r\n\r\n", None),
            (b"HTTP/1.1 2000 OK\r\n\r\n", None),
            (b"SSH-2.0-OpenSSH\r\n\r\n", None),
        ];
        for (head, expected) in cases {
            assert_eq!(
                status_code(head),
                expected,
                "head {:?}",
                String::from_utf8_lossy(head)
            );
        }
    }

    #[test]
    fn proxy_auth_debug_redacts_password() {
        let auth = ProxyAuth::Basic {
            username: "user".to_owned(),
            password: "hunter2".to_owned(),
        };
        assert!(!format!("{auth:?}").contains("hunter2"));
    }
}
