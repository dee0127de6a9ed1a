//! Broker URLs (feature `url`): [`MqttOptions::parse_url`] and `TryFrom<Url>` turn
//! `scheme://[user[:password]@]host[:port][/path]?client_id=..&key=value` into options.
//! Pure: no socket, no certificate loading; every malformed part is an [`OptionError`].

use std::collections::HashMap;
use std::time::Duration;

use url::{Host, Url};

use super::{Backoff, Broker, MqttOptions, OptionError, Transport};

/// The port of `mqtt://` and `tcp://` URLs without one (IANA "mqtt").
const DEFAULT_MQTT_PORT: u16 = 1883;
/// The port of `mqtts://` and `ssl://` URLs without one (IANA "secure-mqtt").
const DEFAULT_MQTTS_PORT: u16 = 8883;

impl MqttOptions {
    /// Options from a broker URL.
    ///
    /// Schemes: `mqtt://` and `tcp://` (port 1883 by default); `unix:///path/to.sock` (Unix
    /// targets); `ws://` (feature `websocket`, port 80). `mqtts://` and `ssl://` (port 8883)
    /// and `wss://` (port 443) select TLS with the default configuration when exactly one TLS
    /// backend is compiled in; with none or both they are refused, so the transport must be
    /// chosen explicitly.
    ///
    /// Query keys: `client_id` (required, may be empty), `keep_alive_secs`, `clean_session`
    /// (`true`/`false`), `max_incoming_packet_size_bytes`, `max_outgoing_packet_size_bytes`,
    /// `request_channel_capacity_num`, `max_request_batch_num`, `read_batch_size_num`,
    /// `pending_throttle_usecs`, `inflight_num`, `reconnect_backoff` (`true`/`false`), and
    /// `reconnect_initial_delay_ms` / `reconnect_max_delay_ms` (each turns the backoff on);
    /// the last one given wins. User info gives
    /// the credentials (percent-decoded). The WebSocket request URL keeps the path but not
    /// the query or user info, which are all consumed as options.
    ///
    /// # Errors
    /// [`OptionError::Parse`] for a URL that does not parse or has no host,
    /// [`OptionError::Scheme`] and the secure-scheme errors above, [`OptionError::ClientId`]
    /// without `client_id`, the error named after a key whose value does not parse,
    /// [`OptionError::Unknown`] for any other key, and [`OptionError::Config`] when the
    /// result fails [`MqttOptions::validate`].
    ///
    /// # Examples
    /// ```
    /// use rumqttc::{MqttOptions, OptionError};
    ///
    /// let options = MqttOptions::parse_url("mqtt://broker.local:1884?client_id=probe&keep_alive_secs=5")?;
    /// assert_eq!(options.broker().tcp_address(), Some(("broker.local", 1884)));
    /// assert_eq!(options.keep_alive().as_secs(), 5);
    ///
    /// let missing = MqttOptions::parse_url("mqtt://broker.local");
    /// assert_eq!(missing.err(), Some(OptionError::ClientId));
    /// # Ok::<(), OptionError>(())
    /// ```
    pub fn parse_url(url: impl Into<String>) -> Result<Self, OptionError> {
        Self::try_from(Url::parse(&url.into())?)
    }
}

/// See [`MqttOptions::parse_url`].
impl TryFrom<Url> for MqttOptions {
    type Error = OptionError;

    fn try_from(url: Url) -> Result<Self, Self::Error> {
        let (broker, transport) = target(&url)?;
        let mut query: HashMap<String, String> = url.query_pairs().into_owned().collect();
        let client_id = query.remove("client_id").ok_or(OptionError::ClientId)?;
        let mut options = Self::new(client_id, broker);
        options.set_transport(transport);
        set_credentials(&mut options, &url);
        for (key, value) in query {
            apply(&mut options, &key, &value)?;
        }
        options.validate()?;
        Ok(options)
    }
}

/// The broker and transport the scheme names.
fn target(url: &Url) -> Result<(Broker, Transport), OptionError> {
    match url.scheme() {
        "mqtt" | "tcp" => Ok((tcp_broker(url, DEFAULT_MQTT_PORT)?, Transport::Tcp)),
        "mqtts" | "ssl" => {
            let transport = secure_tcp_transport()?;
            Ok((tcp_broker(url, DEFAULT_MQTTS_PORT)?, transport))
        }
        "unix" => unix_target(url),
        "ws" => websocket_target(url, false),
        "wss" => websocket_target(url, true),
        _ => Err(OptionError::Scheme),
    }
}

fn tcp_broker(url: &Url, default_port: u16) -> Result<Broker, OptionError> {
    let host = match url.host() {
        Some(Host::Domain(domain)) if !domain.is_empty() => domain.to_owned(),
        Some(Host::Ipv4(addr)) => addr.to_string(),
        // Dialled without brackets.
        Some(Host::Ipv6(addr)) => addr.to_string(),
        _ => return Err(OptionError::Parse(url::ParseError::EmptyHost)),
    };
    Ok(Broker::tcp(host, url.port().unwrap_or(default_port)))
}

/// `mqtts://` selects the default TLS configuration of the only compiled backend.
#[cfg(any(
    all(feature = "use-rustls-no-provider", not(feature = "use-native-tls")),
    all(feature = "use-native-tls", not(feature = "use-rustls-no-provider"))
))]
fn secure_tcp_transport() -> Result<Transport, OptionError> {
    Ok(Transport::Tls(crate::TlsConfiguration::default()))
}

/// No TLS backend, or two: the transport must be chosen explicitly.
#[cfg(not(any(
    all(feature = "use-rustls-no-provider", not(feature = "use-native-tls")),
    all(feature = "use-native-tls", not(feature = "use-rustls-no-provider"))
)))]
const fn secure_tcp_transport() -> Result<Transport, OptionError> {
    Err(OptionError::SecureUrlRequiresExplicitTransport)
}

/// `unix:///path`: no host, a percent-decoded path other than `/`.
#[cfg(unix)]
fn unix_target(url: &Url) -> Result<(Broker, Transport), OptionError> {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;

    if url.host_str().is_some_and(|host| !host.is_empty()) {
        return Err(OptionError::UnixSocketPath);
    }
    let path = percent_decode(url.path());
    if path.is_empty() || path == b"/" {
        return Err(OptionError::UnixSocketPath);
    }
    let path = std::path::PathBuf::from(OsString::from_vec(path));
    Ok((Broker::unix(path), Transport::Unix))
}

/// Unix sockets exist only on Unix targets.
#[cfg(not(unix))]
fn unix_target(_: &Url) -> Result<(Broker, Transport), OptionError> {
    Err(OptionError::Scheme)
}

/// `ws://` or `wss://`: the URL without user info, query or fragment is the request URL.
#[cfg(feature = "websocket")]
fn websocket_target(url: &Url, secure: bool) -> Result<(Broker, Transport), OptionError> {
    let transport = if secure {
        secure_websocket_transport()?
    } else {
        Transport::Ws
    };
    let mut request_url = url.clone();
    request_url.set_query(None);
    request_url.set_fragment(None);
    // Cannot fail for ws/wss URLs, which always have a host.
    let _ = request_url.set_username("");
    let _ = request_url.set_password(None);
    // `Broker::websocket` takes the ws:// form; the transport says whether TLS is used.
    let text = request_url.as_str();
    let plain = match text.strip_prefix("wss") {
        Some(rest) => format!("ws{rest}"),
        None => text.to_owned(),
    };
    Ok((Broker::websocket(plain)?, transport))
}

/// WebSocket URLs need the `websocket` feature.
#[cfg(not(feature = "websocket"))]
fn websocket_target(_: &Url, _: bool) -> Result<(Broker, Transport), OptionError> {
    Err(OptionError::Scheme)
}

/// `wss://` selects the default TLS configuration of the only compiled backend.
#[cfg(all(
    feature = "websocket",
    any(
        all(feature = "use-rustls-no-provider", not(feature = "use-native-tls")),
        all(feature = "use-native-tls", not(feature = "use-rustls-no-provider"))
    )
))]
fn secure_websocket_transport() -> Result<Transport, OptionError> {
    Ok(Transport::Wss(crate::TlsConfiguration::default()))
}

/// No TLS backend, or two: the transport must be chosen explicitly.
#[cfg(all(
    feature = "websocket",
    not(any(
        all(feature = "use-rustls-no-provider", not(feature = "use-native-tls")),
        all(feature = "use-native-tls", not(feature = "use-rustls-no-provider"))
    ))
))]
const fn secure_websocket_transport() -> Result<Transport, OptionError> {
    Err(OptionError::WssRequiresExplicitTransport)
}

/// `user:password@` sets both (the user may be empty); a lone non-empty `user@` sets the
/// user name only.
fn set_credentials(options: &mut MqttOptions, url: &Url) {
    let username = String::from_utf8_lossy(&percent_decode(url.username())).into_owned();
    match url.password() {
        Some(password) => {
            options.set_credentials(username, percent_decode(password));
        }
        None if !username.is_empty() => {
            options.set_username(username);
        }
        None => {}
    }
}

/// Applies one query key.
fn apply(options: &mut MqttOptions, key: &str, value: &str) -> Result<(), OptionError> {
    match key {
        "keep_alive_secs" => options.set_keep_alive(parse(value, OptionError::KeepAlive)?),
        "clean_session" => options.set_clean_session(parse(value, OptionError::CleanSession)?),
        "max_incoming_packet_size_bytes" => {
            let incoming = parse(value, OptionError::MaxIncomingPacketSize)?;
            let outgoing = options.max_outgoing_packet_size();
            options.set_max_packet_size(incoming, outgoing)
        }
        "max_outgoing_packet_size_bytes" => {
            let outgoing = parse(value, OptionError::MaxOutgoingPacketSize)?;
            let incoming = options.max_incoming_packet_size();
            options.set_max_packet_size(incoming, outgoing)
        }
        "request_channel_capacity_num" => {
            options.set_request_channel_capacity(parse(value, OptionError::RequestChannelCapacity)?)
        }
        "max_request_batch_num" => {
            options.set_max_request_batch(parse(value, OptionError::MaxRequestBatch)?)
        }
        "read_batch_size_num" => {
            options.set_read_batch_size(parse(value, OptionError::ReadBatchSize)?)
        }
        "pending_throttle_usecs" => options.set_pending_throttle(Duration::from_micros(parse(
            value,
            OptionError::PendingThrottle,
        )?)),
        "inflight_num" => options.set_inflight(parse(value, OptionError::Inflight)?),
        "reconnect_backoff" => {
            let on: bool = parse(value, OptionError::ReconnectBackoff)?;
            let backoff = options.reconnect_backoff().unwrap_or_default();
            options.set_reconnect_backoff(on.then_some(backoff))
        }
        "reconnect_initial_delay_ms" | "reconnect_max_delay_ms" => {
            let millis = parse(value, OptionError::ReconnectDelay)?;
            let backoff = options.reconnect_backoff().unwrap_or_default();
            let (initial, max) = match key {
                "reconnect_initial_delay_ms" => (Duration::from_millis(millis), backoff.max()),
                _ => (backoff.initial(), Duration::from_millis(millis)),
            };
            let resized = Backoff::new(initial, max)
                .with_multiplier(backoff.multiplier())
                .with_reset_after(backoff.reset_after());
            options.set_reconnect_backoff(Some(resized))
        }
        _ => return Err(OptionError::Unknown(key.to_owned())),
    };
    Ok(())
}

fn parse<T: std::str::FromStr>(value: &str, error: OptionError) -> Result<T, OptionError> {
    value.parse().map_err(|_| error)
}

/// `%XX` sequences to bytes; a `%` not followed by two hex digits is kept as is (WHATWG).
fn percent_decode(input: &str) -> Vec<u8> {
    let bytes = input.as_bytes();
    let mut output = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        let escaped = (byte == b'%')
            .then(|| bytes.get(index + 1..index + 3))
            .flatten()
            .filter(|hex| hex.iter().all(u8::is_ascii_hexdigit))
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(decoded) => {
                output.push(decoded);
                index += 3;
            }
            None => {
                output.push(byte);
                index += 1;
            }
        }
    }
    output
}
