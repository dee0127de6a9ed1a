//! One end of a TCP connection that reads and writes whole MQTT packets through the crate
//! codec, under a read guard on tokio time; the broker side of every scripted test and the
//! raw client side of tests that play the client by hand.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::BytesMut;
use rumqttc::{Connect, Error, Packet};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::packets::MAX_FRAME_BYTES;
use super::scripted_broker::FailureKind;

/// How long a read, an accept or a join waits before the harness reports a hang.
pub(crate) const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(120);

/// Why reading a packet failed.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The peer closed the connection on a frame boundary.
    Closed,
    /// The peer closed the connection with this many bytes of a frame buffered.
    ClosedMidPacket(usize),
    /// The codec refused the bytes.
    Codec(Error),
    /// The socket failed.
    Io(io::ErrorKind),
    /// Nothing complete arrived within the read guard.
    Timeout(Duration),
}

/// One end of a TCP connection that reads and writes whole MQTT packets.
///
/// The broker side comes from [`TestBroker::accept`]; [`PacketConn::connect`] gives a raw
/// client side for tests that play the client by hand.
pub(crate) struct PacketConn {
    stream: TcpStream,
    buffer: BytesMut,
    read_timeout: Duration,
}

impl PacketConn {
    /// Wraps a connected stream, with the default read guard.
    pub(crate) fn new(stream: TcpStream) -> Self {
        // Nagle would hold a small write until the peer's delayed ACK (real time), and a
        // paused clock would auto-advance past every guard meanwhile.
        if let Err(error) = stream.set_nodelay(true) {
            panic!("cannot set TCP_NODELAY on a test connection: {error}");
        }
        Self {
            stream,
            buffer: BytesMut::with_capacity(4096),
            read_timeout: DEFAULT_READ_TIMEOUT,
        }
    }

    /// Opens a raw client connection to `addr`. Panics (fails the test) when refused.
    pub(crate) async fn connect(addr: SocketAddr) -> Self {
        match TcpStream::connect(addr).await {
            Ok(stream) => Self::new(stream),
            Err(error) => panic!("raw connection to {addr} failed: {error}"),
        }
    }

    /// Sets how long one read waits for a whole packet.
    pub(crate) fn set_read_timeout(&mut self, timeout: Duration) {
        self.read_timeout = timeout;
    }

    /// Reads the next whole packet.
    pub(crate) async fn try_read_packet(&mut self) -> Result<Packet, ReadError> {
        let timeout = self.read_timeout;
        match tokio::time::timeout(timeout, self.read_unguarded()).await {
            Ok(result) => result,
            Err(_) => Err(ReadError::Timeout(timeout)),
        }
    }

    /// Reads the next whole packet with no time limit (returns on EOF).
    pub(super) async fn read_unguarded(&mut self) -> Result<Packet, ReadError> {
        loop {
            match Packet::read(&mut self.buffer, MAX_FRAME_BYTES) {
                Ok(packet) => return Ok(packet),
                Err(Error::InsufficientBytes(_)) => {}
                Err(error) => return Err(ReadError::Codec(error)),
            }
            match self.stream.read_buf(&mut self.buffer).await {
                Ok(0) if self.buffer.is_empty() => return Err(ReadError::Closed),
                Ok(0) => return Err(ReadError::ClosedMidPacket(self.buffer.len())),
                Ok(_) => {}
                Err(error) => return Err(ReadError::Io(error.kind())),
            }
        }
    }

    /// Reads the next whole packet; panics (fails the test) on EOF, timeout or bad bytes.
    pub(crate) async fn read_packet(&mut self) -> Packet {
        match self.try_read_packet().await {
            Ok(packet) => packet,
            Err(error) => panic!("expected a packet, but the read failed: {error:?}"),
        }
    }

    /// Reads the next packet and asserts it equals `expected`.
    pub(crate) async fn expect(&mut self, expected: &Packet) {
        let received = self.read_packet().await;
        assert_eq!(
            &received, expected,
            "received packet (left) differs from the expected one (right)"
        );
    }

    /// Reads the next packet, asserts it is a CONNECT and returns it.
    pub(crate) async fn expect_connect(&mut self) -> Connect {
        match self.read_packet().await {
            Packet::Connect(connect) => connect,
            other => panic!("expected CONNECT, received {other:?}"),
        }
    }

    /// Asserts the peer closes the connection before sending anything more.
    pub(crate) async fn expect_closed(&mut self) {
        match self.try_read_packet().await {
            Err(ReadError::Closed) => {}
            Ok(packet) => panic!("expected the connection to close, received {packet:?}"),
            Err(error) => panic!("expected a clean close, got {error:?}"),
        }
    }

    /// Asserts nothing arrives for `quiet` (virtual time under a paused clock): a packet or
    /// a close within it fails the test. Bytes of an unfinished frame stay buffered.
    pub(crate) async fn expect_silence(&mut self, quiet: Duration) {
        if let Ok(result) = tokio::time::timeout(quiet, self.read_unguarded()).await {
            panic!("expected silence for {quiet:?}, got {result:?}");
        }
    }

    /// Reads exactly `len` raw bytes (buffered bytes first), bypassing the codec.
    pub(crate) async fn read_raw(&mut self, len: usize) -> Vec<u8> {
        while self.buffer.len() < len {
            let read =
                tokio::time::timeout(self.read_timeout, self.stream.read_buf(&mut self.buffer));
            match read.await {
                Ok(Ok(0)) => panic!(
                    "connection closed after {} of {len} bytes",
                    self.buffer.len()
                ),
                Ok(Ok(_)) => {}
                Ok(Err(error)) => panic!("raw read failed: {error}"),
                Err(_) => panic!(
                    "raw read of {len} bytes timed out after {:?}",
                    self.read_timeout
                ),
            }
        }
        self.buffer.split_to(len).to_vec()
    }

    /// Writes `packet` through the crate codec.
    pub(crate) async fn send(&mut self, packet: &Packet) {
        if let Err(error) = self.try_send(packet).await {
            panic!("sending {:?} failed: {error:?}", packet.packet_type());
        }
    }

    /// Writes `bytes` as they are.
    pub(crate) async fn send_raw(&mut self, bytes: &[u8]) {
        if let Err(error) = self.stream.write_all(bytes).await {
            panic!("raw write of {} bytes failed: {error}", bytes.len());
        }
    }

    /// Writes `packet`, reporting a refused packet or a socket error.
    pub(super) async fn try_send(&mut self, packet: &Packet) -> Result<(), FailureKind> {
        let mut frame = BytesMut::new();
        packet
            .write(&mut frame, MAX_FRAME_BYTES)
            .map_err(FailureKind::Encode)?;
        self.try_send_raw(&frame).await
    }

    /// Writes `bytes` as they are, reporting a socket error (for a peer expected to close).
    pub(crate) async fn try_send_raw(&mut self, bytes: &[u8]) -> Result<(), FailureKind> {
        self.stream
            .write_all(bytes)
            .await
            .map_err(|error| FailureKind::Write(error.kind()))
    }

    /// Closes the connection (FIN after everything written).
    pub(crate) async fn close(mut self) {
        self.shutdown().await;
    }

    /// Sends FIN after everything written, keeping the connection value.
    pub(super) async fn shutdown(&mut self) {
        // The peer may already be gone; closing is best effort either way.
        let _ = self.stream.shutdown().await;
    }
}
