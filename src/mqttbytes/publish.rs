//! PUBLISH: decoded without copying (topic and payload are slices of the read buffer) and
//! checked by the same rules on both directions. QoS flows are the state machine's job.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use super::header::{fixed_byte1, frame_size};
use super::primitives::{nonzero_pkid, put_varint, split_u16};
use super::topic::{self, is_plain_topic_name};
use super::{Error, FixedHeader, MAX_REMAINING_LENGTH, PacketType, QoS, qos};

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
        let body = fixed_header.body(PacketType::Publish, bytes)?;
        Self::decode(fixed_header.flags(), body)
    }

    /// Decodes the body of a frame whose fixed header [`super::check`] accepted;
    /// `flags` is the low nibble of its first byte.
    // Inlined into `Packet::read`, the result stays in registers instead of taking a
    // store-forwarding stall through the stack (figures in BENCHMARKS.md, "Measurements
    // behind code comments"). For the same reason the variable header is read from the
    // slice, and `body` is moved into a fresh `payload` before it is advanced: advancing
    // the handle the topic was just cloned from kept it on the stack, and moving it into
    // the packet then read two fresh 8-byte stores with one 16-byte load.
    #[inline(always)]
    pub(crate) fn decode(flags: u8, body: Bytes) -> Result<Self, Error> {
        // [MQTT-3.3.1-4] QoS bits 11 are malformed.
        let qos = qos((flags >> 1) & 0b11)?;
        let dup = flags & DUP != 0;
        check_dup(dup, qos)?;
        let (topic_end, pkid, header_len) = read_variable_header(&body, qos)?;
        // In range: 2 <= topic_end <= header_len <= body.len(), checked by the read above.
        // Cut with the inlined clone/truncate/advance rather than `slice`: whether LLVM
        // inlines the generic `slice` varied between builds, and out of line its result
        // came back through the stack with the same stall.
        let mut topic = body.clone();
        topic.truncate(topic_end);
        topic.advance(2);
        // Everything after the variable header is payload; it may be empty.
        let mut payload = body;
        payload.advance(header_len);
        Ok(Self {
            dup,
            qos,
            retain: flags & RETAIN != 0,
            topic,
            pkid,
            payload,
        })
    }

    /// Writes the whole frame and returns its size. At QoS 0 no packet id is written,
    /// whatever `pkid` holds.
    ///
    /// # Errors
    /// The rules of [`Publish::read`], plus [`Error::PayloadTooLong`] for a topic over
    /// 65,535 bytes or a frame over 268,435,455; nothing is written on error.
    pub fn write(&self, buffer: &mut BytesMut) -> Result<usize, Error> {
        self.write_within(buffer, usize::MAX)
    }

    /// [`Publish::write`] that first refuses a frame over `max_size` with
    /// [`Error::OutgoingPacketTooLarge`]. Every rule is checked before the first byte is
    /// written, so a failed write leaves `buffer` as it was without rolling back; the
    /// buffer is reserved once and the frame appended field by field.
    #[inline(always)]
    pub(crate) fn write_within(
        &self,
        buffer: &mut BytesMut,
        max_size: usize,
    ) -> Result<usize, Error> {
        let remaining_len = self.remaining_len();
        let pkt_size = frame_size(remaining_len);
        if pkt_size > max_size {
            return Err(Error::OutgoingPacketTooLarge {
                pkt_size,
                max: max_size,
            });
        }
        check_dup(self.dup, self.qos)?;
        check_topic_name(&self.topic)?;
        let pkid = match self.qos {
            QoS::AtMostOnce => None,
            QoS::AtLeastOnce | QoS::ExactlyOnce => {
                Some(nonzero_pkid(self.pkid, PacketType::Publish)?)
            }
        };
        if remaining_len > MAX_REMAINING_LENGTH {
            return Err(Error::PayloadTooLong(remaining_len));
        }
        let topic_len =
            u16::try_from(self.topic.len()).map_err(|_| Error::PayloadTooLong(self.topic.len()))?;
        buffer.reserve(pkt_size);
        buffer.put_u8(self.byte1());
        put_varint(buffer, remaining_len);
        buffer.put_u16(topic_len);
        buffer.put_slice(&self.topic);
        if let Some(pkid) = pkid {
            buffer.put_u16(pkid);
        }
        buffer.put_slice(&self.payload);
        Ok(pkt_size)
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

/// Reads the variable header at the front of `body` without consuming it and checks
/// the topic name; returns where the topic ends, the packet id (0 at QoS 0) and where
/// the payload starts.
#[inline(always)]
fn read_variable_header(body: &[u8], qos: QoS) -> Result<(usize, u16, usize), Error> {
    let (len, rest) = split_u16(body)?;
    let len = usize::from(len);
    let Some((topic, rest)) = rest.split_at_checked(len) else {
        return Err(Error::BoundaryCrossed {
            needed: len,
            available: rest.len(),
        });
    };
    check_topic_name(topic)?;
    let topic_end = 2 + len;
    match qos {
        QoS::AtMostOnce => Ok((topic_end, 0, topic_end)),
        QoS::AtLeastOnce | QoS::ExactlyOnce => {
            let (pkid, _) = split_u16(rest)?;
            let pkid = nonzero_pkid(pkid, PacketType::Publish)?;
            Ok((topic_end, pkid, topic_end + 2))
        }
    }
}

/// [MQTT-3.3.1-2] DUP must be 0 on a QoS 0 message.
const fn check_dup(dup: bool, qos: QoS) -> Result<(), Error> {
    match (dup, qos) {
        (true, QoS::AtMostOnce) => Err(Error::DupWithQoS0),
        _ => Ok(()),
    }
}

/// All topic-name rules (this runs once per PUBLISH, on the hot path): [MQTT-4.7.3-1]
/// non-empty, [MQTT-1.5.3-1] well-formed UTF-8, [MQTT-1.5.3-2] no U+0000 and
/// [MQTT-3.3.2-2] no wildcards. In UTF-8 the bytes `0`, `+` and `#` only ever encode
/// those characters, so they can be searched bytewise.
///
/// The fast path tests eight bytes at a time for `0`, `+`, `#` or a non-ASCII byte (the
/// tail as one last word overlapping the previous one); only a topic with one of those
/// takes the slow path, which names the broken rule.
#[inline(always)]
fn check_topic_name(topic: &[u8]) -> Result<(), Error> {
    if is_plain_topic_name(topic) {
        return Ok(());
    }
    check_topic_name_slow(topic)
}

/// The rare path of [`check_topic_name`]: [MQTT-1.5.3-1] well-formed UTF-8 (a string rule,
/// the codec's), then the topic-name rules of `topic::check_topic_name`, which names the
/// broken rule or accepts a valid non-ASCII topic.
#[cold]
#[inline(never)]
fn check_topic_name_slow(topic: &[u8]) -> Result<(), Error> {
    let topic = std::str::from_utf8(topic).map_err(|_| Error::TopicNotUtf8)?;
    topic::check_topic_name(topic).map_err(Error::from_invalid_topic)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-at-a-time scan finds `0`, `+`, `#` and bad UTF-8 at every position of
    /// topics of every length up to 40 (whole words and tails), and lets neighbouring
    /// bytes and valid multi-byte characters through.
    #[test]
    fn check_topic_name_finds_forbidden_byte_at_every_position() {
        assert_eq!(check_topic_name(b""), Err(Error::EmptyTopic));
        for len in 1..=40 {
            let clean = vec![b'a'; len];
            assert_eq!(check_topic_name(&clean), Ok(()));
            for at in 0..len {
                let cases = [
                    (0x00, Err(Error::NullCharacter)),
                    (b'+', Err(Error::WildcardInTopic)),
                    (b'#', Err(Error::WildcardInTopic)),
                    (0xFF, Err(Error::TopicNotUtf8)),
                    (0x80, Err(Error::TopicNotUtf8)),
                    (0x01, Ok(())),
                    (b'*', Ok(())),
                    (b',', Ok(())),
                    (b'"', Ok(())),
                    (b'$', Ok(())),
                    (0x7F, Ok(())),
                ];
                for (byte, expected) in cases {
                    let mut topic = clean.clone();
                    topic[at] = byte;
                    assert_eq!(check_topic_name(&topic), expected, "{len} {at} {byte:#04x}");
                }
                if at + 1 < len {
                    let mut topic = clean.clone();
                    topic[at..at + 2].copy_from_slice("é".as_bytes());
                    assert_eq!(check_topic_name(&topic), Ok(()), "{len} {at}");
                }
            }
        }
    }
}
