//! Hand-encoded MQTT 3.1.1 frames for the raw-socket ceiling, and a minimal frame splitter.
//! Deliberately independent of both client crates.

/// PUBACK packet type nibble (high four bits of byte 1).
pub const PUBACK: u8 = 4;
/// PUBREC packet type nibble.
pub const PUBREC: u8 = 5;
/// PUBREL packet type nibble.
pub const PUBREL: u8 = 6;
/// PUBCOMP packet type nibble.
pub const PUBCOMP: u8 = 7;
/// PUBLISH packet type nibble.
pub const PUBLISH: u8 = 3;
/// CONNACK packet type nibble.
pub const CONNACK: u8 = 2;
/// SUBACK packet type nibble.
pub const SUBACK: u8 = 9;
/// CONNECT packet type nibble.
pub const CONNECT: u8 = 1;
/// SUBSCRIBE packet type nibble.
pub const SUBSCRIBE: u8 = 8;
/// PINGREQ packet type nibble.
pub const PINGREQ: u8 = 12;
/// DISCONNECT packet type nibble.
pub const DISCONNECT: u8 = 14;

/// DISCONNECT.
pub fn disconnect() -> [u8; 2] {
    [DISCONNECT << 4, 0]
}

/// CONNACK accepting the connection (no session present).
pub fn connack() -> [u8; 4] {
    [CONNACK << 4, 2, 0, 0]
}

/// PINGRESP.
pub fn pingresp() -> [u8; 2] {
    [0xD0, 0]
}

fn push_remaining_length(out: &mut Vec<u8>, mut len: usize) {
    loop {
        let mut byte = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            byte |= 0x80;
        }
        out.push(byte);
        if len == 0 {
            break;
        }
    }
}

fn push_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// CONNECT with a clean session, no will, no credentials.
pub fn connect(client_id: &str, keep_alive_secs: u16) -> Vec<u8> {
    let mut body = Vec::new();
    push_str(&mut body, "MQTT");
    body.push(4); // protocol level 3.1.1
    body.push(0x02); // clean session
    body.extend_from_slice(&keep_alive_secs.to_be_bytes());
    push_str(&mut body, client_id);
    frame(0x10, &body)
}

/// SUBSCRIBE to one filter.
pub fn subscribe(pkid: u16, filter: &str, qos: u8) -> Vec<u8> {
    let mut body = pkid.to_be_bytes().to_vec();
    push_str(&mut body, filter);
    body.push(qos);
    frame(0x82, &body)
}

/// An acknowledgement (PUBACK, PUBREC, PUBREL or PUBCOMP) for `pkid`.
pub fn ack(kind: u8, pkid: u16) -> [u8; 4] {
    let flags = if kind == PUBREL { 0x02 } else { 0 };
    let [hi, lo] = pkid.to_be_bytes();
    [(kind << 4) | flags, 2, hi, lo]
}

fn frame(byte1: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![byte1];
    push_remaining_length(&mut out, body.len());
    out.extend_from_slice(body);
    out
}

/// One PUBLISH frame encoded once; each message copies it and patches the packet id and
/// the 8-byte sequence number at the start of the payload.
pub struct PublishTemplate {
    bytes: Vec<u8>,
    pkid_at: Option<usize>,
    seq_at: usize,
}

impl PublishTemplate {
    /// A PUBLISH to `topic` at `qos` with a `payload_len`-byte payload (at least 8).
    pub fn new(topic: &str, qos: u8, payload_len: usize) -> Self {
        let mut body = Vec::new();
        push_str(&mut body, topic);
        let pkid_offset = (qos > 0).then(|| {
            body.extend_from_slice(&[0, 1]);
            body.len() - 2
        });
        let seq_offset = body.len();
        body.resize(body.len() + payload_len.max(8), 0x5A);
        let bytes = frame(0x30 | (qos << 1), &body);
        let header = bytes.len() - body.len();
        Self {
            pkid_at: pkid_offset.map(|at| at + header),
            seq_at: seq_offset + header,
            bytes,
        }
    }

    /// Appends the frame for message `seq` with packet id `pkid` to `out`.
    pub fn append(&self, out: &mut Vec<u8>, seq: u64, pkid: u16) {
        let start = out.len();
        out.extend_from_slice(&self.bytes);
        let frame = &mut out[start..];
        if let Some(at) = self.pkid_at {
            frame[at..at + 2].copy_from_slice(&pkid.to_be_bytes());
        }
        frame[self.seq_at..self.seq_at + 8].copy_from_slice(&seq.to_be_bytes());
    }

    /// Bytes per frame.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }
}

/// One frame found in a buffer.
pub struct Frame<'a> {
    /// Packet type nibble.
    pub kind: u8,
    /// Low four bits of byte 1.
    pub flags: u8,
    /// Variable header and payload.
    pub body: &'a [u8],
}

impl Frame<'_> {
    /// Packet id of an acknowledgement or of a QoS > 0 PUBLISH; 0 when absent.
    pub fn pkid(&self) -> u16 {
        if self.kind == PUBLISH {
            if self.flags & 0b0110 == 0 {
                return 0;
            }
            let topic_len = self.u16_at(0) as usize;
            return self.u16_at(2 + topic_len);
        }
        self.u16_at(0)
    }

    /// QoS of a PUBLISH.
    pub fn qos(&self) -> u8 {
        (self.flags >> 1) & 0b11
    }

    /// Payload of a PUBLISH.
    pub fn payload(&self) -> &[u8] {
        let topic_len = self.u16_at(0) as usize;
        let start = 2 + topic_len + if self.qos() > 0 { 2 } else { 0 };
        self.body.get(start..).unwrap_or(&[])
    }

    /// Client id of a CONNECT (empty when malformed).
    pub fn client_id(&self) -> &[u8] {
        // Protocol name, then level, flags and keep-alive (4 bytes), then the id.
        let at = 2 + self.u16_at(0) as usize + 4;
        let len = self.u16_at(at) as usize;
        self.body.get(at + 2..at + 2 + len).unwrap_or(&[])
    }

    /// SUBACK for this SUBSCRIBE, granting each filter the QoS it asked for.
    pub fn suback(&self) -> Vec<u8> {
        let mut granted = Vec::new();
        let mut at = 2;
        while at + 2 <= self.body.len() {
            at += 2 + self.u16_at(at) as usize;
            granted.push(self.body.get(at).map_or(0x80, |qos| qos & 0b11));
            at += 1;
        }
        let mut body = self.pkid().to_be_bytes().to_vec();
        body.extend_from_slice(&granted);
        frame(SUBACK << 4, &body)
    }

    fn u16_at(&self, at: usize) -> u16 {
        match self.body.get(at..at + 2) {
            Some(&[hi, lo]) => u16::from_be_bytes([hi, lo]),
            _ => 0,
        }
    }
}

/// Splits the first whole frame off `buf`: `Some((frame, frame_len))`, or `None` when
/// more bytes are needed.
pub fn next_frame(buf: &[u8]) -> Option<(Frame<'_>, usize)> {
    let byte1 = *buf.first()?;
    let mut len = 0usize;
    let mut shift = 0;
    let mut at = 1;
    loop {
        let byte = *buf.get(at)?;
        len |= usize::from(byte & 0x7F) << shift;
        at += 1;
        if byte & 0x80 == 0 {
            break;
        }
        shift += 7;
        if shift > 21 {
            return None;
        }
    }
    let body = buf.get(at..at + len)?;
    let frame = Frame {
        kind: byte1 >> 4,
        flags: byte1 & 0x0F,
        body,
    };
    Some((frame, at + len))
}
