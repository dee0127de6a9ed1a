//! CONNECT with its will message and credentials, decoded and encoded under the strict
//! rules of MQTT 3.1.1 §3.1. Choosing what to put in it is the options' job.

use bytes::{BufMut, Bytes, BytesMut};

use super::header::{fixed_byte1, frame_size, write_packet};
use super::primitives::{
    ensure_consumed, read_mqtt_bytes, read_mqtt_string, read_u8, read_u16, write_mqtt_bytes,
    write_mqtt_string,
};
use super::{Error, FixedHeader, PacketType, QoS, qos};

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

impl ConnectAuth {
    /// A user name without a password.
    pub fn with_username(username: impl Into<String>) -> Self {
        Self::Username {
            username: username.into(),
        }
    }

    /// A user name and a (binary) password.
    pub fn with_credentials(username: impl Into<String>, password: impl Into<Bytes>) -> Self {
        Self::UsernamePassword {
            username: username.into(),
            password: password.into(),
        }
    }

    /// True only for `UsernamePassword` holding exactly `username` and `password`.
    pub fn validate(&self, username: &str, password: impl AsRef<[u8]>) -> bool {
        match self {
            Self::UsernamePassword {
                username: own_username,
                password: own_password,
            } => own_username == username && own_password.as_ref() == password.as_ref(),
            Self::None | Self::Username { .. } => false,
        }
    }

    const fn username(&self) -> Option<&str> {
        match self {
            Self::None => None,
            Self::Username { username } | Self::UsernamePassword { username, .. } => {
                Some(username.as_str())
            }
        }
    }

    const fn password(&self) -> Option<&Bytes> {
        match self {
            Self::UsernamePassword { password, .. } => Some(password),
            Self::None | Self::Username { .. } => None,
        }
    }
}

/// Protocol name and level: `00 04 'M' 'Q' 'T' 'T' 04` ([MQTT-3.1.2-1], [MQTT-3.1.2-2]).
const PROTOCOL_NAME: &[u8] = b"MQTT";
const PROTOCOL_LEVEL: u8 = 4;

/// Connect-flag bits (MQTT 3.1.1 §3.1.2.3).
const USERNAME: u8 = 0x80;
const PASSWORD: u8 = 0x40;
const WILL_RETAIN: u8 = 0x20;
const WILL_QOS_SHIFT: u8 = 3;
const WILL: u8 = 0x04;
const CLEAN_SESSION: u8 = 0x02;
const RESERVED: u8 = 0x01;

/// The decoded connect flags.
struct ConnectFlags {
    username: bool,
    password: bool,
    /// Will QoS and retain when the will flag is set.
    will: Option<(QoS, bool)>,
    clean_session: bool,
}

impl ConnectFlags {
    fn parse(flags: u8) -> Result<Self, Error> {
        // [MQTT-3.1.2-3] the reserved bit must be zero.
        if flags & RESERVED != 0 {
            return Err(Error::ReservedConnectFlag);
        }
        let will_qos = (flags >> WILL_QOS_SHIFT) & 0b11;
        let will_retain = flags & WILL_RETAIN != 0;
        let will = if flags & WILL == 0 {
            // [MQTT-3.1.2-11], [MQTT-3.1.2-13], [MQTT-3.1.2-15] no will QoS or retain without a will.
            if will_qos != 0 || will_retain {
                return Err(Error::WillFlagMismatch);
            }
            None
        } else {
            // [MQTT-3.1.2-14] will QoS 3 is malformed.
            Some((qos(will_qos)?, will_retain))
        };
        let username = flags & USERNAME != 0;
        let password = flags & PASSWORD != 0;
        // [MQTT-3.1.2-22] no password without a user name.
        if password && !username {
            return Err(Error::PasswordWithoutUsername);
        }
        Ok(Self {
            username,
            password,
            will,
            clean_session: flags & CLEAN_SESSION != 0,
        })
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

    /// Sets the credentials.
    pub fn set_auth(&mut self, auth: ConnectAuth) -> &mut Self {
        self.auth = auth;
        self
    }

    /// Removes the credentials.
    pub fn clear_auth(&mut self) -> &mut Self {
        self.auth = ConnectAuth::None;
        self
    }

    /// Sets a user name without a password.
    pub fn set_username(&mut self, username: impl Into<String>) -> &mut Self {
        self.set_auth(ConnectAuth::with_username(username))
    }

    /// Sets a user name and a (binary) password.
    pub fn set_credentials(
        &mut self,
        username: impl Into<String>,
        password: impl Into<Bytes>,
    ) -> &mut Self {
        self.set_auth(ConnectAuth::with_credentials(username, password))
    }

    /// Size of the whole frame.
    pub const fn size(&self) -> usize {
        frame_size(self.remaining_len())
    }

    const fn remaining_len(&self) -> usize {
        // Protocol name (2 + 4), level, flags, keep-alive.
        let mut len = 2 + PROTOCOL_NAME.len() + 1 + 1 + 2 + 2 + self.client_id.len();
        if let Some(will) = &self.last_will {
            len += 2 + will.topic.len() + 2 + will.message.len();
        }
        if let Some(username) = self.auth.username() {
            len += 2 + username.len();
        }
        if let Some(password) = self.auth.password() {
            len += 2 + password.len();
        }
        len
    }

    /// Decodes a CONNECT from its whole frame (fixed header included).
    ///
    /// # Errors
    /// [`Error::InvalidProtocol`], [`Error::InvalidProtocolLevel`],
    /// [`Error::ReservedConnectFlag`], [`Error::WillFlagMismatch`], [`Error::InvalidQoS`]
    /// (will QoS 3), [`Error::PasswordWithoutUsername`],
    /// [`Error::EmptyClientIdWithPersistentSession`], string errors
    /// ([`Error::TopicNotUtf8`], [`Error::NullCharacter`]), [`Error::BoundaryCrossed`]
    /// for a field running past the body and [`Error::TrailingBytes`] after the last one.
    pub fn read(fixed_header: FixedHeader, bytes: Bytes) -> Result<Self, Error> {
        Self::decode(fixed_header.body(PacketType::Connect, bytes)?)
    }

    /// Decodes the body of a frame whose fixed header [`super::check`] accepted.
    pub(crate) fn decode(mut body: Bytes) -> Result<Self, Error> {
        if read_mqtt_bytes(&mut body)? != PROTOCOL_NAME {
            return Err(Error::InvalidProtocol);
        }
        let level = read_u8(&mut body)?;
        if level != PROTOCOL_LEVEL {
            return Err(Error::InvalidProtocolLevel(level));
        }
        let flags = ConnectFlags::parse(read_u8(&mut body)?)?;
        let keep_alive = read_u16(&mut body)?;
        // Payload order is fixed by [MQTT-3.1.3-1].
        let client_id = read_mqtt_string(&mut body)?;
        let last_will = match flags.will {
            Some((qos, retain)) => Some(LastWill {
                topic: read_mqtt_string(&mut body)?,
                message: read_mqtt_bytes(&mut body)?,
                qos,
                retain,
            }),
            None => None,
        };
        let auth = match (flags.username, flags.password) {
            (false, _) => ConnectAuth::None,
            (true, false) => ConnectAuth::Username {
                username: read_mqtt_string(&mut body)?,
            },
            (true, true) => ConnectAuth::UsernamePassword {
                username: read_mqtt_string(&mut body)?,
                password: read_mqtt_bytes(&mut body)?,
            },
        };
        ensure_consumed(&body, PacketType::Connect)?;
        let connect = Self {
            keep_alive,
            client_id,
            clean_session: flags.clean_session,
            last_will,
            auth,
        };
        connect.validate()?;
        Ok(connect)
    }

    /// Writes the whole frame and returns its size.
    ///
    /// # Errors
    /// [`Error::EmptyClientIdWithPersistentSession`], [`Error::NullCharacter`] in a
    /// string, [`Error::PayloadTooLong`] for a field over 65,535 bytes or a frame over
    /// 268,435,455; nothing is written on error.
    pub fn write(&self, buffer: &mut BytesMut) -> Result<usize, Error> {
        self.validate()?;
        let byte1 = fixed_byte1(PacketType::Connect);
        write_packet(buffer, byte1, self.remaining_len(), |buffer| {
            write_mqtt_bytes(buffer, PROTOCOL_NAME)?;
            buffer.put_u8(PROTOCOL_LEVEL);
            buffer.put_u8(self.flags());
            buffer.put_u16(self.keep_alive);
            write_mqtt_string(buffer, &self.client_id)?;
            if let Some(will) = &self.last_will {
                write_mqtt_string(buffer, &will.topic)?;
                write_mqtt_bytes(buffer, &will.message)?;
            }
            if let Some(username) = self.auth.username() {
                write_mqtt_string(buffer, username)?;
            }
            if let Some(password) = self.auth.password() {
                write_mqtt_bytes(buffer, password)?;
            }
            Ok(())
        })
    }

    fn flags(&self) -> u8 {
        let mut flags = 0;
        if self.clean_session {
            flags |= CLEAN_SESSION;
        }
        if let Some(will) = &self.last_will {
            flags |= WILL | ((will.qos as u8) << WILL_QOS_SHIFT);
            if will.retain {
                flags |= WILL_RETAIN;
            }
        }
        if self.auth.username().is_some() {
            flags |= USERNAME;
        }
        if self.auth.password().is_some() {
            flags |= PASSWORD;
        }
        flags
    }

    /// [MQTT-3.1.3-7] an empty client id needs a clean session.
    const fn validate(&self) -> Result<(), Error> {
        if self.client_id.is_empty() && !self.clean_session {
            return Err(Error::EmptyClientIdWithPersistentSession);
        }
        Ok(())
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
