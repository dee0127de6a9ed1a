//! PUBLISH: decoded without copying (topic and payload are slices of the read buffer) and
//! checked by the same rules on both directions. QoS flows are the state machine's job.

use bytes::{BufMut, Bytes, BytesMut};

use super::header::{fixed_byte1, frame_size, write_packet};
use super::primitives::{nonzero_pkid, read_mqtt_bytes, read_pkid, write_mqtt_bytes};
use super::{Error, FixedHeader, PacketType, QoS, qos};

/// PUBLISH: an application message. The topic is kept as UTF-8 `Bytes` so decoding does not copy.
#[derive(Clone, PartialEq, Eq)]
pub struct Publish {
    /// DUP flag (redelivery).
    pub dup: bool,
    /// QoS.
    pub qos: QoS,
    /// RETAIN flag.
    pub retain: bool,
    /// Topic name (valid UTF-8).
    pub topic: Bytes,
    /// Packet identifier (0 for QoS 0).
    pub pkid: u16,
    /// Payload.
    pub payload: Bytes,
}

/// DUP bit of the PUBLISH fixed-header flags.
const DUP: u8 = 0b1000;
/// RETAIN bit of the PUBLISH fixed-header flags.
const RETAIN: u8 = 0b0001;

impl Publish {
    /// New PUBLISH.
    pub fn new(topic: impl Into<String>, qos: QoS, payload: impl Into<Vec<u8>>) -> Self {
        Self::from_bytes(topic, qos, Bytes::from(payload.into()))
    }

    /// New PUBLISH over an existing `Bytes` payload (no copy).
    pub fn from_bytes(topic: impl Into<String>, qos: QoS, payload: Bytes) -> Self {
        Self {
            dup: false,
            qos,
            retain: false,
            topic: Bytes::from(topic.into()),
            pkid: 0,
            payload,
        }
    }

    /// The topic as `&str`, for [`crate::matches`] and display.
    ///
    /// # Errors
    /// [`Error::TopicNotUtf8`] when the public `topic` field was set to bytes that are
    /// not UTF-8; never for a decoded PUBLISH, whose topic was checked.
    pub fn topic_str(&self) -> Result<&str, Error> {
        std::str::from_utf8(&self.topic).map_err(|_| Error::TopicNotUtf8)
    }

    /// Size of the whole frame. The packet id counts whenever QoS is above 0.
    pub const fn size(&self) -> usize {
        frame_size(self.remaining_len())
    }

    const fn remaining_len(&self) -> usize {
        let pkid_len = match self.qos {
            QoS::AtMostOnce => 0,
            QoS::AtLeastOnce | QoS::ExactlyOnce => 2,
        };
        2 + self.topic.len() + pkid_len + self.payload.len()
    }

    /// Decodes a PUBLISH from its whole frame; topic and payload slice `bytes`.
    ///
    /// # Errors
    /// [`Error::InvalidQoS`] for QoS bits `11`, [`Error::DupWithQoS0`],
    /// [`Error::TopicNotUtf8`], [`Error::NullCharacter`], [`Error::EmptyTopic`],
    /// [`Error::WildcardInTopic`], [`Error::PacketIdZero`] for QoS > 0 with id 0, and
    /// [`Error::BoundaryCrossed`] when the topic or id runs past the body.
    pub fn read(fixed_header: FixedHeader, bytes: Bytes) -> Result<Self, Error> {
        let mut body = fixed_header.body(PacketType::Publish, bytes)?;
        let flags = fixed_header.flags();
        // [MQTT-3.3.1-4] QoS bits 11 are malformed.
        let qos = qos((flags >> 1) & 0b11)?;
        let dup = flags & DUP != 0;
        check_dup(dup, qos)?;
        let topic = read_mqtt_bytes(&mut body)?;
        check_topic_name(&topic)?;
        let pkid = match qos {
            QoS::AtMostOnce => 0,
            QoS::AtLeastOnce | QoS::ExactlyOnce => read_pkid(&mut body, PacketType::Publish)?,
        };
        Ok(Self {
            dup,
            qos,
            retain: flags & RETAIN != 0,
            topic,
            pkid,
            // Everything after the variable header is payload; it may be empty.
            payload: body,
        })
    }

    /// Writes the whole frame and returns its size. At QoS 0 no packet id is written,
    /// whatever `pkid` holds.
    ///
    /// # Errors
    /// The rules of [`Publish::read`], plus [`Error::PayloadTooLong`] for a topic over
    /// 65,535 bytes or a frame over 268,435,455; nothing is written on error.
    pub fn write(&self, buffer: &mut BytesMut) -> Result<usize, Error> {
        check_dup(self.dup, self.qos)?;
        check_topic_name(&self.topic)?;
        let pkid = match self.qos {
            QoS::AtMostOnce => None,
            QoS::AtLeastOnce | QoS::ExactlyOnce => {
                Some(nonzero_pkid(self.pkid, PacketType::Publish)?)
            }
        };
        write_packet(buffer, self.byte1(), self.remaining_len(), |buffer| {
            write_mqtt_bytes(buffer, &self.topic)?;
            if let Some(pkid) = pkid {
                buffer.put_u16(pkid);
            }
            buffer.put_slice(&self.payload);
            Ok(())
        })
    }

    fn byte1(&self) -> u8 {
        let mut byte1 = fixed_byte1(PacketType::Publish) | ((self.qos as u8) << 1);
        if self.dup {
            byte1 |= DUP;
        }
        if self.retain {
            byte1 |= RETAIN;
        }
        byte1
    }
}

/// [MQTT-3.3.1-2] DUP must be 0 on a QoS 0 message.
const fn check_dup(dup: bool, qos: QoS) -> Result<(), Error> {
    match (dup, qos) {
        (true, QoS::AtMostOnce) => Err(Error::DupWithQoS0),
        _ => Ok(()),
    }
}

/// All topic-name rules in one pass (this runs once per PUBLISH, on the hot path):
/// [MQTT-4.7.3-1] non-empty, [MQTT-1.5.3-2] no U+0000, [MQTT-3.3.2-2] no wildcards, and
/// [MQTT-1.5.3-1] well-formed UTF-8, validated only when a non-ASCII byte is present.
/// In UTF-8 the bytes `0`, `+` and `#` only ever encode those characters.
fn check_topic_name(topic: &[u8]) -> Result<(), Error> {
    if topic.is_empty() {
        return Err(Error::EmptyTopic);
    }
    let mut ascii = true;
    for &byte in topic {
        match byte {
            0 => return Err(Error::NullCharacter),
            b'+' | b'#' => return Err(Error::WildcardInTopic),
            0x80.. => ascii = false,
            _ => {}
        }
    }
    if !ascii {
        std::str::from_utf8(topic).map_err(|_| Error::TopicNotUtf8)?;
    }
    Ok(())
}

impl std::fmt::Debug for Publish {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publish")
            .field("topic", &String::from_utf8_lossy(&self.topic))
            .field("qos", &self.qos)
            .field("retain", &self.retain)
            .field("dup", &self.dup)
            .field("pkid", &self.pkid)
            .field("payload_len", &self.payload.len())
            .finish()
    }
}
