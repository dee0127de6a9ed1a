//! SUBSCRIBE, its filters, and SUBACK with its return codes. Filter wildcard syntax is
//! checked by the client API ([`crate::valid_filter`]), not here.

use bytes::{BufMut, Bytes, BytesMut};

use super::header::{fixed_byte1, frame_size, write_packet};
use super::primitives::{
    has_filters, nonzero_pkid, read_mqtt_string, read_pkid, read_u8, write_mqtt_string,
};
use super::{Error, FixedHeader, PacketType, QoS, qos};

/// SUBSCRIBE: one or more topic filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribe {
    /// Packet identifier.
    pub pkid: u16,
    /// Filters with their requested QoS.
    pub filters: Vec<SubscribeFilter>,
}

/// One topic filter of a SUBSCRIBE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeFilter {
    /// Topic filter.
    pub path: String,
    /// Requested maximum QoS.
    pub qos: QoS,
}

/// SUBACK: the broker's answer to SUBSCRIBE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubAck {
    /// Packet identifier.
    pub pkid: u16,
    /// One return code per filter, in order.
    pub return_codes: Vec<SubscribeReasonCode>,
}

/// A SUBACK return code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscribeReasonCode {
    /// Granted with this maximum QoS.
    Success(QoS),
    /// 0x80: refused.
    Failure,
}

/// SUBACK failure return code.
const FAILURE: u8 = 0x80;

impl TryFrom<u8> for SubscribeReasonCode {
    type Error = Error;

    /// Maps 0, 1, 2 to `Success` and 0x80 to `Failure`.
    ///
    /// # Errors
    /// [`Error::InvalidSubscribeReasonCode`] for any other byte ([MQTT-3.9.3-2]).
    fn try_from(code: u8) -> Result<Self, Error> {
        match code {
            FAILURE => Ok(Self::Failure),
            code => qos(code)
                .map(Self::Success)
                .map_err(|_| Error::InvalidSubscribeReasonCode(code)),
        }
    }
}

impl From<SubscribeReasonCode> for u8 {
    fn from(code: SubscribeReasonCode) -> Self {
        match code {
            SubscribeReasonCode::Success(qos) => qos as Self,
            SubscribeReasonCode::Failure => FAILURE,
        }
    }
}

impl Subscribe {
    /// SUBSCRIBE with one filter.
    pub fn new(path: impl Into<String>, qos: QoS) -> Self {
        Self {
            pkid: 0,
            filters: vec![SubscribeFilter::new(path.into(), qos)],
        }
    }

    /// SUBSCRIBE with many filters.
    pub fn new_many(filters: impl IntoIterator<Item = SubscribeFilter>) -> Self {
        Self {
            pkid: 0,
            filters: filters.into_iter().collect(),
        }
    }

    /// Adds a filter.
    pub fn add(&mut self, path: String, qos: QoS) -> &mut Self {
        self.filters.push(SubscribeFilter::new(path, qos));
        self
    }

    /// Size of the whole frame.
    pub fn size(&self) -> usize {
        frame_size(self.remaining_len())
    }

    fn remaining_len(&self) -> usize {
        // Packet id, then per filter: string and options byte.
        let filters: usize = self.filters.iter().map(|f| 2 + f.path.len() + 1).sum();
        2 + filters
    }

    /// Decodes a SUBSCRIBE from its whole frame (fixed header included).
    ///
    /// # Errors
    /// [`Error::PacketIdZero`], [`Error::EmptySubscription`] without filters,
    /// [`Error::ReservedSubscribeOptions`], [`Error::InvalidQoS`], string errors and
    /// [`Error::BoundaryCrossed`] for a filter running past the body.
    pub fn read(fixed_header: FixedHeader, bytes: Bytes) -> Result<Self, Error> {
        Self::decode(fixed_header.body(PacketType::Subscribe, bytes)?)
    }

    /// Decodes the body of a frame whose fixed header [`super::check`] accepted.
    pub(crate) fn decode(mut body: Bytes) -> Result<Self, Error> {
        let pkid = read_pkid(&mut body, PacketType::Subscribe)?;
        let mut filters = Vec::new();
        while !body.is_empty() {
            let path = read_mqtt_string(&mut body)?;
            let options = read_u8(&mut body)?;
            // [MQTT-3.8.3-4] bits 7-2 of the options byte are reserved.
            if options & 0xFC != 0 {
                return Err(Error::ReservedSubscribeOptions(options));
            }
            filters.push(SubscribeFilter::new(path, qos(options)?));
        }
        // [MQTT-3.8.3-3] at least one filter.
        has_filters(filters.len(), PacketType::Subscribe)?;
        Ok(Self { pkid, filters })
    }

    /// Writes the whole frame and returns its size.
    ///
    /// # Errors
    /// [`Error::PacketIdZero`], [`Error::EmptySubscription`], [`Error::NullCharacter`]
    /// or [`Error::PayloadTooLong`] in a filter; nothing is written on error.
    pub fn write(&self, buffer: &mut BytesMut) -> Result<usize, Error> {
        let pkid = nonzero_pkid(self.pkid, PacketType::Subscribe)?;
        has_filters(self.filters.len(), PacketType::Subscribe)?;
        let byte1 = fixed_byte1(PacketType::Subscribe);
        write_packet(buffer, byte1, self.remaining_len(), |buffer| {
            buffer.put_u16(pkid);
            for filter in &self.filters {
                write_mqtt_string(buffer, &filter.path)?;
                buffer.put_u8(filter.qos as u8);
            }
            Ok(())
        })
    }
}

impl SubscribeFilter {
    /// New filter.
    pub const fn new(path: String, qos: QoS) -> Self {
        Self { path, qos }
    }
}

impl SubAck {
    /// New SUBACK.
    pub const fn new(pkid: u16, return_codes: Vec<SubscribeReasonCode>) -> Self {
        Self { pkid, return_codes }
    }

    /// Size of the whole frame.
    pub const fn size(&self) -> usize {
        frame_size(2 + self.return_codes.len())
    }

    /// Decodes a SUBACK from its whole frame (fixed header included).
    ///
    /// # Errors
    /// [`Error::PacketIdZero`], [`Error::EmptySubAck`] without return codes and
    /// [`Error::InvalidSubscribeReasonCode`].
    pub fn read(fixed_header: FixedHeader, bytes: Bytes) -> Result<Self, Error> {
        Self::decode(fixed_header.body(PacketType::SubAck, bytes)?)
    }

    /// Decodes the body of a frame whose fixed header [`super::check`] accepted.
    pub(crate) fn decode(mut body: Bytes) -> Result<Self, Error> {
        let pkid = read_pkid(&mut body, PacketType::SubAck)?;
        if body.is_empty() {
            return Err(Error::EmptySubAck);
        }
        let return_codes = body
            .iter()
            .map(|&code| SubscribeReasonCode::try_from(code))
            .collect::<Result<_, _>>()?;
        Ok(Self { pkid, return_codes })
    }

    /// Writes the whole frame and returns its size.
    ///
    /// # Errors
    /// [`Error::PacketIdZero`] and [`Error::EmptySubAck`]; nothing is written on error.
    pub fn write(&self, buffer: &mut BytesMut) -> Result<usize, Error> {
        let pkid = nonzero_pkid(self.pkid, PacketType::SubAck)?;
        if self.return_codes.is_empty() {
            return Err(Error::EmptySubAck);
        }
        let remaining_len = 2 + self.return_codes.len();
        write_packet(
            buffer,
            fixed_byte1(PacketType::SubAck),
            remaining_len,
            |buffer| {
                buffer.put_u16(pkid);
                for &code in &self.return_codes {
                    buffer.put_u8(code.into());
                }
                Ok(())
            },
        )
    }
}
