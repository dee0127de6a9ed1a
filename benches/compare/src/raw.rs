//! The raw-socket ceiling: blocking `std` sockets writing pre-encoded frames and counting
//! what comes back. No client library, no async runtime.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::measure::SeqCheck;
use crate::wire::{self, Frame, PublishTemplate};

/// Read buffer size of a raw connection.
const READ_BUFFER_BYTES: usize = 256 * 1024;
/// Bytes of pre-encoded frames written per `write` at QoS 0.
const WRITE_BATCH_BYTES: usize = 64 * 1024;

/// A connected raw MQTT session over a blocking socket.
pub struct RawConn {
    stream: TcpStream,
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl RawConn {
    /// Connects, sends CONNECT and waits for CONNACK.
    pub fn connect(port: u16, client_id: &str, nodelay: bool) -> io::Result<Self> {
        Self::connect_with_buffer(port, client_id, nodelay, READ_BUFFER_BYTES)
    }

    /// [`RawConn::connect`] with a read buffer of `buffer_bytes` (small for idle sessions).
    pub fn connect_with_buffer(
        port: u16,
        client_id: &str,
        nodelay: bool,
        buffer_bytes: usize,
    ) -> io::Result<Self> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_nodelay(nodelay)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut conn = Self {
            stream,
            buf: vec![0; buffer_bytes],
            start: 0,
            end: 0,
        };
        conn.stream.write_all(&wire::connect(client_id, 0))?;
        conn.wait_for(wire::CONNACK)?;
        Ok(conn)
    }

    /// Subscribes to `filter` and waits for the SUBACK.
    pub fn subscribe(&mut self, filter: &str, qos: u8) -> io::Result<()> {
        self.stream.write_all(&wire::subscribe(1, filter, qos))?;
        self.wait_for(wire::SUBACK)
    }

    /// Sets how long a read may wait before it fails with a timeout.
    pub fn set_read_timeout(&self, timeout: Duration) -> io::Result<()> {
        self.stream.set_read_timeout(Some(timeout))
    }

    fn wait_for(&mut self, kind: u8) -> io::Result<()> {
        let mut found = false;
        while !found {
            self.read_frames(|frame| found |= frame.kind == kind)?;
        }
        Ok(())
    }

    /// Reads once (waiting for data) and hands every whole frame to `each`.
    pub fn read_frames(&mut self, mut each: impl FnMut(Frame<'_>)) -> io::Result<()> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let read = self.stream.read(&mut self.buf[self.end..])?;
        if read == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.end += read;
        while let Some((frame, len)) = wire::next_frame(&self.buf[self.start..self.end]) {
            each(frame);
            self.start += len;
        }
        Ok(())
    }

    /// Writes all of `bytes`.
    pub fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }
}

/// Packet id for message `seq`: cycles through 1..=65535.
fn pkid_for(seq: u64) -> u16 {
    (seq % 65_535) as u16 + 1
}

/// Publishes `count` messages with at most `window` unacknowledged, returning when all
/// are written (QoS 0) or acknowledged (PUBACK / PUBCOMP).
pub fn publish(
    conn: &mut RawConn,
    template: &PublishTemplate,
    qos: u8,
    count: u64,
    window: u64,
) -> io::Result<()> {
    let mut out = Vec::with_capacity(WRITE_BATCH_BYTES + template.len());
    if qos == 0 {
        for seq in 0..count {
            template.append(&mut out, seq, 0);
            if out.len() >= WRITE_BATCH_BYTES {
                conn.write_all(&out)?;
                out.clear();
            }
        }
        return conn.write_all(&out);
    }
    let (mut next, mut done, mut inflight) = (0u64, 0u64, 0u64);
    while done < count {
        while inflight < window && next < count {
            template.append(&mut out, next, pkid_for(next));
            inflight += 1;
            next += 1;
        }
        if !out.is_empty() {
            conn.write_all(&out)?;
            out.clear();
        }
        conn.read_frames(|frame| match frame.kind {
            wire::PUBACK | wire::PUBCOMP => {
                inflight -= 1;
                done += 1;
            }
            wire::PUBREC => out.extend_from_slice(&wire::ack(wire::PUBREL, frame.pkid())),
            _ => {}
        })?;
    }
    Ok(())
}

/// Receives until `check` is complete or nothing arrives for `idle`; acknowledges QoS 1
/// and 2 deliveries. Returns when the last new message arrived.
pub fn receive(conn: &mut RawConn, check: &mut SeqCheck, idle: Duration) -> Option<Instant> {
    let _ = conn.set_read_timeout(idle);
    let mut last = None;
    let mut out = Vec::new();
    while !check.is_complete() {
        let mut fresh = false;
        let read = conn.read_frames(|frame| match frame.kind {
            wire::PUBLISH => {
                fresh |= check.record(frame.payload());
                match frame.qos() {
                    1 => out.extend_from_slice(&wire::ack(wire::PUBACK, frame.pkid())),
                    2 => out.extend_from_slice(&wire::ack(wire::PUBREC, frame.pkid())),
                    _ => {}
                }
            }
            wire::PUBREL => out.extend_from_slice(&wire::ack(wire::PUBCOMP, frame.pkid())),
            _ => {}
        });
        if fresh {
            last = Some(Instant::now());
        }
        if !out.is_empty() {
            if conn.write_all(&out).is_err() {
                break;
            }
            out.clear();
        }
        if read.is_err() {
            break;
        }
    }
    last
}

/// QoS 1 request/response: publish one message to `topic` (to which `conn` is subscribed)
/// and wait for it to come back, `rounds` times. Returns each round trip.
pub fn ping_pong(
    conn: &mut RawConn,
    template: &PublishTemplate,
    rounds: u64,
) -> io::Result<Vec<Duration>> {
    let mut rtts = Vec::with_capacity(rounds as usize);
    let mut out = Vec::new();
    for seq in 0..rounds {
        let started = Instant::now();
        template.append(&mut out, seq, pkid_for(seq));
        conn.write_all(&out)?;
        out.clear();
        let mut back = false;
        while !back {
            conn.read_frames(|frame| {
                if frame.kind == wire::PUBLISH {
                    out.extend_from_slice(&wire::ack(wire::PUBACK, frame.pkid()));
                    back = true;
                }
            })?;
        }
        conn.write_all(&out)?;
        out.clear();
        rtts.push(started.elapsed());
    }
    Ok(rtts)
}
