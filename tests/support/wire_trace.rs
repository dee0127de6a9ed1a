//! The wire trace of the fault proxy: every whole MQTT packet it delivered, per connection
//! and direction, in delivery order. It reads only the fixed header, the packet id and a
//! PUBLISH payload; it is not the crate's codec (a trace must not trust what it checks).

use std::collections::{HashMap, HashSet};

/// Which way a packet went through the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Direction {
    /// From the client to the broker.
    ToBroker,
    /// From the broker to the client.
    ToClient,
}

/// One packet the proxy wrote whole to its destination socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TraceEntry {
    /// The proxied connection, numbered from 0 in accept order.
    pub(crate) connection: u64,
    pub(crate) direction: Direction,
    /// The MQTT control packet type (1 CONNECT to 14 DISCONNECT).
    pub(crate) packet_type: u8,
    /// The packet id of a PUBLISH with QoS > 0 and of the acks, SUBSCRIBE and UNSUBSCRIBE.
    pub(crate) pkid: Option<u16>,
    /// The payload of a PUBLISH.
    pub(crate) payload: Option<Vec<u8>>,
}

/// MQTT control packet types the trace looks at.
pub(crate) const PUBLISH: u8 = 3;
pub(crate) const PUBACK: u8 = 4;
pub(crate) const PUBREC: u8 = 5;
pub(crate) const PUBREL: u8 = 6;
pub(crate) const PUBCOMP: u8 = 7;

/// Cuts a byte stream into whole MQTT packets as they are delivered.
#[derive(Debug, Default)]
pub(crate) struct FrameScanner {
    buffer: Vec<u8>,
    /// Set when the stream stopped looking like MQTT; nothing more is traced.
    lost_framing: bool,
}

impl FrameScanner {
    /// Adds delivered bytes and returns the packets they complete, as `(type, pkid, payload)`.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Vec<(u8, Option<u16>, Option<Vec<u8>>)> {
        if self.lost_framing {
            return Vec::new();
        }
        self.buffer.extend_from_slice(bytes);
        let mut packets = Vec::new();
        loop {
            match frame_len(&self.buffer) {
                Frame::Incomplete => break,
                Frame::Malformed => {
                    self.lost_framing = true;
                    self.buffer.clear();
                    break;
                }
                Frame::Whole { header_len, len } => {
                    let frame: Vec<u8> = self.buffer.drain(..header_len + len).collect();
                    packets.push(describe(&frame, header_len));
                }
            }
        }
        packets
    }
}

enum Frame {
    Incomplete,
    Malformed,
    Whole { header_len: usize, len: usize },
}

/// The fixed header's length and the body length of the first packet in `buffer`.
fn frame_len(buffer: &[u8]) -> Frame {
    let mut len = 0usize;
    for index in 0..4 {
        let Some(byte) = buffer.get(1 + index) else {
            return Frame::Incomplete;
        };
        len |= usize::from(byte & 0x7F) << (7 * index);
        if byte & 0x80 == 0 {
            let header_len = 2 + index;
            return if buffer.len() >= header_len + len {
                Frame::Whole { header_len, len }
            } else {
                Frame::Incomplete
            };
        }
    }
    Frame::Malformed
}

/// The type, packet id and (for PUBLISH) payload of one whole frame.
fn describe(frame: &[u8], header_len: usize) -> (u8, Option<u16>, Option<Vec<u8>>) {
    let first = frame.first().copied().unwrap_or_default();
    let packet_type = first >> 4;
    let body = frame.get(header_len..).unwrap_or_default();
    let read_u16 = |at: usize| {
        let bytes = body.get(at..at + 2)?;
        Some(u16::from_be_bytes([bytes[0], bytes[1]]))
    };
    match packet_type {
        PUBLISH => {
            let topic_len = read_u16(0).map_or(0, usize::from);
            let qos = (first >> 1) & 0b11;
            let (pkid, payload_at) = if qos > 0 {
                (read_u16(2 + topic_len), 4 + topic_len)
            } else {
                (None, 2 + topic_len)
            };
            let payload = body.get(payload_at..).unwrap_or_default().to_vec();
            (packet_type, pkid, Some(payload))
        }
        4..=11 => (packet_type, read_u16(0), None),
        _ => (packet_type, None, None),
    }
}

/// Payloads the broker sent the client again with a packet id it had already released:
/// a PUBLISH whose id and payload match an earlier PUBLISH that a PUBREL of that id
/// followed (on any connection, as delivered to the client).
///
/// After the client has received the PUBREL it no longer knows the id, so MQTT-4.3.3
/// obliges it to deliver the re-sent PUBLISH as a new message.
pub(crate) fn resent_after_release(trace: &[TraceEntry]) -> HashSet<Vec<u8>> {
    let mut last_publish: HashMap<u16, Vec<u8>> = HashMap::new();
    let mut released: HashMap<u16, Vec<u8>> = HashMap::new();
    let mut resent = HashSet::new();
    let to_client = trace.iter().filter(|e| e.direction == Direction::ToClient);
    for entry in to_client {
        let (Some(pkid), payload) = (entry.pkid, &entry.payload) else {
            continue;
        };
        match (entry.packet_type, payload) {
            (PUBLISH, Some(payload)) => {
                if released.get(&pkid) == Some(payload) {
                    resent.insert(payload.clone());
                }
                last_publish.insert(pkid, payload.clone());
            }
            (PUBREL, _) => {
                if let Some(payload) = last_publish.get(&pkid) {
                    released.insert(pkid, payload.clone());
                }
            }
            _ => {}
        }
    }
    resent
}

/// The payloads of the PUBLISHes sent towards `direction`, in the order their first PUBREL
/// went the same way: the order in which the receiver was told to release them.
pub(crate) fn release_order(trace: &[TraceEntry], direction: Direction) -> Vec<Vec<u8>> {
    let mut last_publish: HashMap<u16, Vec<u8>> = HashMap::new();
    let mut released = HashSet::new();
    let mut order = Vec::new();
    for entry in trace.iter().filter(|e| e.direction == direction) {
        let Some(pkid) = entry.pkid else {
            continue;
        };
        match (entry.packet_type, &entry.payload) {
            (PUBLISH, Some(payload)) => {
                last_publish.insert(pkid, payload.clone());
            }
            (PUBREL, _) => {
                if let Some(payload) = last_publish.get(&pkid)
                    && released.insert(payload.clone())
                {
                    order.push(payload.clone());
                }
            }
            _ => {}
        }
    }
    order
}

/// True when every QoS 1 and QoS 2 PUBLISH in the trace was closed by a PUBACK or PUBCOMP
/// of its id going the other way: no acknowledgement flow is still under way.
pub(crate) fn is_settled(trace: &[TraceEntry]) -> bool {
    let mut open = HashSet::new();
    for entry in trace {
        let Some(pkid) = entry.pkid else {
            continue;
        };
        match entry.packet_type {
            PUBLISH => {
                open.insert((entry.direction, pkid));
            }
            PUBACK | PUBCOMP => {
                open.remove(&(entry.direction.reverse(), pkid));
            }
            _ => {}
        }
    }
    open.is_empty()
}

impl Direction {
    /// The other way.
    pub(crate) const fn reverse(self) -> Self {
        match self {
            Self::ToBroker => Self::ToClient,
            Self::ToClient => Self::ToBroker,
        }
    }
}
