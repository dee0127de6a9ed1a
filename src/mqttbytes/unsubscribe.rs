//! UNSUBSCRIBE: one or more topic filters to remove. Filter syntax is the client API's job.

use bytes::{BufMut, Bytes, BytesMut};

use super::header::{fixed_byte1, frame_size, write_packet};
use super::primitives::{
    has_filters, nonzero_pkid, read_mqtt_string, read_pkid, write_mqtt_string,
};
use super::{Error, FixedHeader, PacketType};

/// UNSUBSCRIBE: one or more topic filters to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    /// Packet identifier.
    pub pkid: u16,
    /// Topic filters.
    pub topics: Vec<String>,
}

impl Unsubscribe {
    /// UNSUBSCRIBE of one filter.
    pub fn new(topic: impl Into<String>) -> Self {
        Self {
            pkid: 0,
            topics: vec![topic.into()],
        }
    }

    /// Size of the whole frame.
    pub fn size(&self) -> usize {
        frame_size(self.remaining_len())
    }

    fn remaining_len(&self) -> usize {
        2 + self
            .topics
            .iter()
            .map(|topic| 2 + topic.len())
            .sum::<usize>()
    }

    /// Decodes an UNSUBSCRIBE from its whole frame (fixed header included).
    ///
    /// # Errors
    /// [`Error::PacketIdZero`], [`Error::EmptySubscription`] without filters, string
    /// errors and [`Error::BoundaryCrossed`] for a filter running past the body.
    pub fn read(fixed_header: FixedHeader, bytes: Bytes) -> Result<Self, Error> {
        Self::decode(fixed_header.body(PacketType::Unsubscribe, bytes)?)
    }

    /// Decodes the body of a frame whose fixed header [`super::check`] accepted.
    pub(crate) fn decode(mut body: Bytes) -> Result<Self, Error> {
        let pkid = read_pkid(&mut body, PacketType::Unsubscribe)?;
        let mut topics = Vec::new();
        while !body.is_empty() {
            topics.push(read_mqtt_string(&mut body)?);
        }
        // [MQTT-3.10.3-2] at least one filter.
        has_filters(topics.len(), PacketType::Unsubscribe)?;
        Ok(Self { pkid, topics })
    }

    /// Writes the whole frame and returns its size.
    ///
    /// # Errors
    /// [`Error::PacketIdZero`], [`Error::EmptySubscription`], [`Error::NullCharacter`]
    /// or [`Error::PayloadTooLong`] in a filter; nothing is written on error.
    pub fn write(&self, buffer: &mut BytesMut) -> Result<usize, Error> {
        let pkid = nonzero_pkid(self.pkid, PacketType::Unsubscribe)?;
        has_filters(self.topics.len(), PacketType::Unsubscribe)?;
        let byte1 = fixed_byte1(PacketType::Unsubscribe);
        write_packet(buffer, byte1, self.remaining_len(), |buffer| {
            buffer.put_u16(pkid);
            for topic in &self.topics {
                write_mqtt_string(buffer, topic)?;
            }
            Ok(())
        })
    }
}
