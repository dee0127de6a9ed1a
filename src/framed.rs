//! [`Network`]: the read buffer and decode loop that turns bytes into packets, and the write
//! buffer that batches encoded packets until a flush, counting bytes and packets and
//! logging each packet at `trace` (see `summary`) into [`Traffic`]. Knows nothing of
//! `MqttState`.

use std::io;

use bytes::BytesMut;
use log::trace;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::mqttbytes::{Error as CodecError, Packet, Publish};
use crate::summary::{PublishSummary, Summary};
use crate::transport::Stream;

/// First read reservation: enough for a CONNACK or a few acks, so an idle connection
/// holds a small buffer.
const MIN_READ_CHUNK_BYTES: usize = 256;
/// Largest read reservation the adaptive growth reaches (a received payload keeps its
/// whole read allocation alive, so this also bounds what one held message pins).
const MAX_READ_CHUNK_BYTES: usize = 4 * 1024;

/// Bytes and packets through the network, counted where they are read and written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Traffic {
    /// Bytes read from the transport.
    pub bytes_in: u64,
    /// Bytes written to the transport.
    pub bytes_out: u64,
    /// Whole packets decoded.
    pub packets_in: u64,
    /// Packets encoded for sending (CONNECT included).
    pub packets_out: u64,
}

impl Traffic {
    /// The sum of two counts (saturating, never panicking).
    pub(crate) const fn add(self, other: Self) -> Self {
        Self {
            bytes_in: self.bytes_in.saturating_add(other.bytes_in),
            bytes_out: self.bytes_out.saturating_add(other.bytes_out),
            packets_in: self.packets_in.saturating_add(other.packets_in),
            packets_out: self.packets_out.saturating_add(other.packets_out),
        }
    }
}

/// A connected transport with MQTT framing on top.
#[derive(Debug)]
pub(crate) struct Network {
    stream: Stream,
    read: BytesMut,
    write: BytesMut,
    /// Spare room reserved before the next read; doubles each time a read fills it.
    read_chunk: usize,
    max_incoming_size: usize,
    max_outgoing_size: usize,
    traffic: Traffic,
}

impl Network {
    /// Wraps a connected stream; buffers are allocated on first use.
    pub(crate) fn new(stream: Stream, max_incoming_size: usize, max_outgoing_size: usize) -> Self {
        Self {
            stream,
            read: BytesMut::new(),
            write: BytesMut::new(),
            read_chunk: MIN_READ_CHUNK_BYTES,
            max_incoming_size,
            max_outgoing_size,
            traffic: Traffic::default(),
        }
    }

    /// Bytes and packets through this connection so far.
    pub(crate) const fn traffic(&self) -> Traffic {
        self.traffic
    }

    /// Reads the next packet, waiting for the network when no whole frame is buffered.
    ///
    /// Cancel safe: bytes read so far stay in the buffer and a frame is consumed only whole.
    pub(crate) async fn read(&mut self) -> Result<Packet, NetworkError> {
        loop {
            let needed = match Packet::read(&mut self.read, self.max_incoming_size) {
                Ok(packet) => return Ok(self.received(packet)),
                Err(CodecError::InsufficientBytes(needed)) => needed,
                Err(error) => return Err(NetworkError::Decode(error)),
            };
            self.read.reserve(needed.max(self.read_chunk));
            let spare = self.read.capacity() - self.read.len();
            let filled = self.stream.read_buf(&mut self.read).await?;
            self.traffic.bytes_in = self.traffic.bytes_in.saturating_add(filled as u64);
            match filled {
                0 => return Err(self.closed_error()),
                filled if filled >= spare => {
                    self.read_chunk = (self.read_chunk * 2).min(MAX_READ_CHUNK_BYTES);
                }
                _ => {}
            }
        }
    }

    /// Returns a packet that is already whole in the read buffer, without waiting.
    pub(crate) fn read_buffered(&mut self) -> Result<Option<Packet>, NetworkError> {
        match Packet::read(&mut self.read, self.max_incoming_size) {
            Ok(packet) => Ok(Some(self.received(packet))),
            Err(CodecError::InsufficientBytes(_)) => Ok(None),
            Err(error) => Err(NetworkError::Decode(error)),
        }
    }

    /// Encodes `packet` into the write buffer; nothing reaches the network until [`Self::flush`].
    pub(crate) fn write(&mut self, packet: &Packet) -> Result<usize, NetworkError> {
        let size = packet
            .write(&mut self.write, self.max_outgoing_size)
            .map_err(NetworkError::Encode)?;
        trace!("out: {}", Summary(packet));
        self.traffic.packets_out = self.traffic.packets_out.saturating_add(1);
        Ok(size)
    }

    /// Encodes a publish the caller keeps (a stored QoS 1/2 publish), checked against the
    /// maximum outgoing packet size like [`Self::write`].
    pub(crate) fn write_publish(&mut self, publish: &Publish) -> Result<usize, NetworkError> {
        let pkt_size = publish.size();
        if pkt_size > self.max_outgoing_size {
            let max = self.max_outgoing_size;
            let error = CodecError::OutgoingPacketTooLarge { pkt_size, max };
            return Err(NetworkError::Encode(error));
        }
        let size = publish
            .write(&mut self.write)
            .map_err(NetworkError::Encode)?;
        trace!("out: {}", PublishSummary(publish));
        self.traffic.packets_out = self.traffic.packets_out.saturating_add(1);
        Ok(size)
    }

    /// True when encoded bytes wait for a flush.
    pub(crate) fn has_unflushed(&self) -> bool {
        !self.write.is_empty()
    }

    /// Writes every buffered byte to the stream and flushes it.
    ///
    /// Cancel safe: bytes are removed from the buffer only once written, so a later
    /// flush continues where a cancelled one stopped.
    pub(crate) async fn flush(&mut self) -> io::Result<()> {
        while !self.write.is_empty() {
            match self.stream.write_buf(&mut self.write).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                written => {
                    self.traffic.bytes_out = self.traffic.bytes_out.saturating_add(written as u64);
                }
            }
        }
        self.stream.flush().await
    }

    /// Counts and traces a decoded packet.
    fn received(&mut self, packet: Packet) -> Packet {
        trace!("in: {}", Summary(&packet));
        self.traffic.packets_in = self.traffic.packets_in.saturating_add(1);
        packet
    }

    fn closed_error(&self) -> NetworkError {
        match self.read.len() {
            0 => NetworkError::ConnectionClosed,
            buffered => NetworkError::TruncatedPacket { buffered },
        }
    }
}

/// Why reading or writing packets failed. The network's own error: the event loop reports
/// each variant under the public `ConnectionError` variant of the same name.
#[derive(Debug)]
pub(crate) enum NetworkError {
    /// The broker sent bytes the codec refuses.
    Decode(CodecError),
    /// An outgoing packet cannot be encoded (or exceeds the outgoing size limit).
    Encode(CodecError),
    /// The socket failed.
    Io(io::Error),
    /// The broker closed the connection on a packet boundary.
    ConnectionClosed,
    /// The broker closed the connection with part of a packet buffered.
    TruncatedPacket {
        /// Bytes of the unfinished packet received.
        buffered: usize,
    },
}

impl From<io::Error> for NetworkError {
    fn from(error: io::Error) -> Self {
        Self::Io(error)
    }
}
