//! CONNECT with its will message and credentials.

use bytes::Bytes;

use super::QoS;

/// CONNECT: the first packet a client sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connect {
    /// Keep-alive interval in seconds (0 disables).
    pub keep_alive: u16,
    /// Client identifier.
    pub client_id: String,
    /// Clean session flag.
    pub clean_session: bool,
    /// Will message.
    pub last_will: Option<LastWill>,
    /// User name and password.
    pub auth: ConnectAuth,
}

/// The will message the broker publishes when the client vanishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastWill {
    /// Will topic.
    pub topic: String,
    /// Will payload.
    pub message: Bytes,
    /// Will QoS.
    pub qos: QoS,
    /// Will retain flag.
    pub retain: bool,
}

/// Credentials carried by CONNECT.
#[derive(Clone, PartialEq, Eq, Default)]
pub enum ConnectAuth {
    /// No credentials.
    #[default]
    None,
    /// A user name only.
    Username {
        /// User name.
        username: String,
    },
    /// A user name and a (binary) password.
    UsernamePassword {
        /// User name.
        username: String,
        /// Password bytes.
        password: Bytes,
    },
}

impl std::fmt::Debug for ConnectAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Username { username } => f
                .debug_struct("Username")
                .field("username", username)
                .finish(),
            Self::UsernamePassword { username, .. } => f
                .debug_struct("UsernamePassword")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
        }
    }
}

impl Connect {
    /// New CONNECT with keep-alive 10 s, clean session and no will or credentials.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            keep_alive: 10,
            client_id: id.into(),
            clean_session: true,
            last_will: None,
            auth: ConnectAuth::None,
        }
    }
}

impl LastWill {
    /// New will message.
    pub fn new(
        topic: impl Into<String>,
        payload: impl Into<Vec<u8>>,
        qos: QoS,
        retain: bool,
    ) -> Self {
        Self {
            topic: topic.into(),
            message: Bytes::from(payload.into()),
            qos,
            retain,
        }
    }
}
