//! CONNACK and its return codes. Whether a refusal ends the connection is the event
//! loop's decision, not the codec's.

use bytes::{BufMut, Bytes, BytesMut};

use super::header::{fixed_byte1, write_packet};
use super::primitives::{ensure_consumed, read_u8};
use super::{Error, FixedHeader, PacketType};

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

impl TryFrom<u8> for ConnectReturnCode {
    type Error = Error;

    /// Maps 0..=5 to a return code.
    ///
    /// # Errors
    /// [`Error::InvalidConnectReturnCode`] for 6..=255 (reserved, MQTT 3.1.1 §3.2.2.3).
    fn try_from(code: u8) -> Result<Self, Error> {
        Ok(match code {
            0 => Self::Success,
            1 => Self::RefusedProtocolVersion,
            2 => Self::BadClientId,
            3 => Self::ServiceUnavailable,
            4 => Self::BadUserNamePassword,
            5 => Self::NotAuthorized,
            code => return Err(Error::InvalidConnectReturnCode(code)),
        })
    }
}

/// CONNACK: the broker's answer to CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnAck {
    /// Whether the broker resumed a stored session.
    pub session_present: bool,
    /// Return code.
    pub code: ConnectReturnCode,
}

/// Size of a CONNACK frame: fixed header (2), acknowledge flags (1), return code (1).
const CONNACK_SIZE: usize = 4;

impl ConnAck {
    /// New CONNACK.
    pub const fn new(code: ConnectReturnCode, session_present: bool) -> Self {
        Self {
            session_present,
            code,
        }
    }

    /// Size of the whole frame: always 4.
    pub const fn size(&self) -> usize {
        CONNACK_SIZE
    }

    /// Decodes a CONNACK from its whole frame (fixed header included).
    ///
    /// # Errors
    /// [`Error::PayloadSizeIncorrect`] unless the body is exactly 2 bytes,
    /// [`Error::ReservedConnAckFlags`], [`Error::InvalidConnectReturnCode`] and
    /// [`Error::SessionPresentWithRefusal`] for the rules of MQTT 3.1.1 §3.2.
    pub fn read(fixed_header: FixedHeader, bytes: Bytes) -> Result<Self, Error> {
        Self::decode(fixed_header.body(PacketType::ConnAck, bytes)?)
    }

    /// Decodes the body of a frame whose fixed header [`super::check`] accepted.
    pub(crate) fn decode(mut body: Bytes) -> Result<Self, Error> {
        let flags = read_u8(&mut body)?;
        let code = ConnectReturnCode::try_from(read_u8(&mut body)?)?;
        ensure_consumed(&body, PacketType::ConnAck)?;
        // [MQTT-3.2.2-1] bits 7-1 of the acknowledge flags are reserved.
        if flags & 0xFE != 0 {
            return Err(Error::ReservedConnAckFlags(flags));
        }
        let connack = Self::new(code, flags & 0x01 == 1);
        connack.validate()?;
        Ok(connack)
    }

    /// Writes the whole frame and returns its size.
    ///
    /// # Errors
    /// [`Error::SessionPresentWithRefusal`] for session present with a refusal code.
    pub fn write(&self, buffer: &mut BytesMut) -> Result<usize, Error> {
        self.validate()?;
        write_packet(buffer, fixed_byte1(PacketType::ConnAck), 2, |buffer| {
            buffer.put_u8(u8::from(self.session_present));
            buffer.put_u8(self.code as u8);
            Ok(())
        })
    }

    /// [MQTT-3.2.2-4] a refusal must clear session present.
    const fn validate(&self) -> Result<(), Error> {
        if self.session_present && !matches!(self.code, ConnectReturnCode::Success) {
            return Err(Error::SessionPresentWithRefusal);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::Packet;
    use super::*;

    #[test]
    fn connack_encodes_and_decodes_exact_bytes() {
        let cases = [
            (
                ConnAck::new(ConnectReturnCode::Success, true),
                [
                    0x20, // CONNACK, flags 0
                    0x02, // remaining length
                    0x01, // session present
                    0x00, // return code: accepted
                ],
            ),
            (
                ConnAck::new(ConnectReturnCode::NotAuthorized, false),
                [
                    0x20, // CONNACK, flags 0
                    0x02, // remaining length
                    0x00, // no session
                    0x05, // return code: not authorized
                ],
            ),
        ];
        for (connack, bytes) in cases {
            let mut buffer = BytesMut::new();
            assert_eq!(Packet::ConnAck(connack).write(&mut buffer, 4), Ok(4));
            assert_eq!(&buffer[..], &bytes);
            assert_eq!(Packet::read(&mut buffer, 2), Ok(Packet::ConnAck(connack)));
        }
    }

    #[test]
    fn connect_return_code_try_from_covers_every_byte() {
        for code in 0..=u8::MAX {
            match ConnectReturnCode::try_from(code) {
                Ok(parsed) => assert_eq!(parsed as u8, code),
                Err(error) => {
                    assert!(code > 5);
                    assert_eq!(error, Error::InvalidConnectReturnCode(code));
                }
            }
        }
    }
}
