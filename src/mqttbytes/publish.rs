//! PUBLISH.

use bytes::Bytes;

use super::QoS;

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
