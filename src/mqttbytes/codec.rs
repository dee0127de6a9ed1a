//! (feature `codec`) [`Codec`]: a tokio-util `Decoder`/`Encoder` pair over [`Packet::read`]
//! and [`Packet::write`], for applications that frame MQTT themselves (a broker, a proxy).
//! The event loop does not use it.

use std::io;

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

use super::{Error, Packet};

/// Frames MQTT 3.1.1 packets for `tokio_util::codec::Framed`, with a size limit each way.
///
/// # Examples
/// ```
/// use bytes::BytesMut;
/// use rumqttc::mqttbytes::v4::Codec;
/// use rumqttc::{Packet, PubAck};
/// use tokio_util::codec::{Decoder, Encoder};
///
/// let mut codec = Codec { max_incoming_size: 1024, max_outgoing_size: 1024 };
/// let mut buffer = BytesMut::new();
/// codec.encode(Packet::PubAck(PubAck::new(10)), &mut buffer)?;
/// assert_eq!(&buffer[..], &[0x40, 0x02, 0x00, 0x0A]);
/// let mut partial = buffer.split_to(3);
/// assert_eq!(codec.decode(&mut partial)?, None);
/// partial.unsplit(buffer);
/// assert_eq!(codec.decode(&mut partial)?, Some(Packet::PubAck(PubAck::new(10))));
/// # Ok::<(), rumqttc::mqttbytes::v4::CodecError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Codec {
    /// Largest incoming packet accepted, in bytes.
    pub max_incoming_size: usize,
    /// Largest outgoing packet written, in bytes.
    pub max_outgoing_size: usize,
}

/// Why [`Codec`] failed: an invalid packet, or the transport under the `Framed`.
///
/// A separate type because [`Error`] (the codec error) never holds an `io::Error`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The packet could not be decoded or encoded.
    #[error(transparent)]
    Packet(#[from] Error),
    /// The transport failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl Decoder for Codec {
    type Item = Packet;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Packet>, CodecError> {
        match Packet::read(src, self.max_incoming_size) {
            Ok(packet) => Ok(Some(packet)),
            Err(Error::InsufficientBytes(missing)) => {
                src.reserve(missing);
                Ok(None)
            }
            Err(error) => Err(error.into()),
        }
    }
}

impl Encoder<Packet> for Codec {
    type Error = CodecError;

    fn encode(&mut self, packet: Packet, dst: &mut BytesMut) -> Result<(), CodecError> {
        packet.write(dst, self.max_outgoing_size)?;
        Ok(())
    }
}
