//! CONNACK and its return codes.

/// CONNACK return codes (MQTT 3.1.1 §3.2.2.3).
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectReturnCode {
    /// 0: connection accepted.
    Success = 0,
    /// 1: unacceptable protocol version.
    RefusedProtocolVersion,
    /// 2: identifier rejected.
    BadClientId,
    /// 3: server unavailable.
    ServiceUnavailable,
    /// 4: bad user name or password.
    BadUserNamePassword,
    /// 5: not authorized.
    NotAuthorized,
}

/// CONNACK: the broker's answer to CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnAck {
    /// Whether the broker resumed a stored session.
    pub session_present: bool,
    /// Return code.
    pub code: ConnectReturnCode,
}

impl ConnAck {
    /// New CONNACK.
    pub const fn new(code: ConnectReturnCode, session_present: bool) -> Self {
        Self {
            session_present,
            code,
        }
    }
}
