//! The byte format of a session log: a header naming the key, then one MQTT frame per
//! record, encoded and decoded by the crate's codec. No file handling here.
//!
//! Record frames: `Publish` is the PUBLISH itself, `PubRel` a PUBREL, `Completed` a PUBACK,
//! `IncomingReceived` a PUBREC and `IncomingReleased` a PUBCOMP; one packet type per record
//! kind, so the log needs no other tag.

use std::path::Path;

use bytes::{BufMut, BytesMut};

use super::{Corruption, SessionRecord, SessionSnapshot, SessionStoreError, SessionStoreKey};
use crate::mqttbytes::{self, Packet, PubAck, PubComp, PubRec, PubRel};

/// First bytes of every log file.
const MAGIC: &[u8; 8] = b"RMQTTSES";
/// Format version written after the magic.
const FORMAT_VERSION: u8 = 1;

/// What reading a log found.
#[derive(Debug)]
pub(super) struct Scan {
    /// The records folded.
    pub(super) snapshot: SessionSnapshot,
    /// Number of whole records read.
    pub(super) records: u64,
    /// Length of the header and the whole records; bytes past it are a torn record.
    pub(super) valid_len: u64,
}

impl Scan {
    /// Whether the file ends in a torn (incomplete) record.
    pub(super) const fn is_torn(&self, file_len: u64) -> bool {
        self.valid_len < file_len
    }
}

/// The header of `key`'s log: magic, version, then scope and client id (u32 length each).
pub(super) fn header(key: &SessionStoreKey) -> BytesMut {
    let mut buffer = BytesMut::new();
    buffer.put_slice(MAGIC);
    buffer.put_u8(FORMAT_VERSION);
    for part in [key.scope(), key.client_id()] {
        // Lengths beyond u32 cannot occur: a client id is at most 65535 bytes in MQTT.
        buffer.put_u32(u32::try_from(part.len()).unwrap_or(u32::MAX));
        buffer.put_slice(part.as_bytes());
    }
    buffer
}

/// Appends the frames of `records` to `buffer`.
///
/// # Errors
/// [`SessionStoreError::InvalidRecord`] or [`SessionStoreError::Encode`]; `buffer` may
/// then hold the frames of the records before the failing one.
pub(super) fn encode(
    records: impl IntoIterator<Item = SessionRecord>,
    buffer: &mut BytesMut,
) -> Result<(), SessionStoreError> {
    for record in records {
        SessionStoreError::check(&record)?;
        let pkid = record.pkid();
        let packet = match record {
            SessionRecord::Publish(publish) => Packet::Publish(publish),
            SessionRecord::PubRel(pkid) => Packet::PubRel(PubRel::new(pkid)),
            SessionRecord::Completed(pkid) => Packet::PubAck(PubAck::new(pkid)),
            SessionRecord::IncomingReceived(pkid) => Packet::PubRec(PubRec::new(pkid)),
            SessionRecord::IncomingReleased(pkid) => Packet::PubComp(PubComp::new(pkid)),
        };
        packet
            .write(buffer, usize::MAX)
            .map_err(|source| SessionStoreError::Encode { pkid, source })?;
    }
    Ok(())
}

/// Reads the log of `key` held in `bytes` (the whole file at `path`).
///
/// A last record cut short is a write torn by a crash: it is left out and reported by
/// [`Scan::is_torn`]. It is safe to drop because records are written ahead of the wire.
///
/// # Errors
/// [`SessionStoreError::Corrupted`] for a bad header or record, naming `path` and the
/// offset; [`SessionStoreError::KeyMismatch`] if the header names another key.
pub(super) fn scan(
    path: &Path,
    bytes: &[u8],
    key: &SessionStoreKey,
) -> Result<Scan, SessionStoreError> {
    let corrupted = |offset: usize, reason| SessionStoreError::Corrupted {
        path: path.to_path_buf(),
        offset: offset as u64,
        reason,
    };
    let expected = header(key);
    let version_at = MAGIC.len();
    match bytes.get(..=version_at) {
        Some([magic @ .., version]) if magic == MAGIC && *version != FORMAT_VERSION => {
            return Err(corrupted(
                version_at,
                Corruption::UnsupportedVersion(*version),
            ));
        }
        Some(start) if start == &expected[..=version_at] => {}
        _ => return Err(corrupted(0, Corruption::Header)),
    }
    match bytes.get(..expected.len()) {
        Some(found) if found == &expected[..] => {}
        Some(_) => return Err(SessionStoreError::KeyMismatch { path: path.into() }),
        // A header cut short is corruption, not a torn write: files are created whole
        // (written to a temporary file, then renamed).
        None => return Err(corrupted(bytes.len(), Corruption::Header)),
    }
    let mut stream = BytesMut::from(&bytes[expected.len()..]);
    let mut scan = Scan {
        snapshot: SessionSnapshot::new(),
        records: 0,
        valid_len: expected.len() as u64,
    };
    while !stream.is_empty() {
        let offset = bytes.len() - stream.len();
        let record = match Packet::read(&mut stream, usize::MAX) {
            Ok(packet) => record_of(packet).map_err(|reason| corrupted(offset, reason))?,
            Err(mqttbytes::Error::InsufficientBytes(_)) => break,
            Err(error) => return Err(corrupted(offset, Corruption::Frame(error))),
        };
        scan.snapshot.apply(record);
        scan.records += 1;
        scan.valid_len = (bytes.len() - stream.len()) as u64;
    }
    Ok(scan)
}

/// The record a frame stands for.
fn record_of(packet: Packet) -> Result<SessionRecord, Corruption> {
    let packet_type = packet.packet_type();
    let record = match packet {
        Packet::Publish(publish) => SessionRecord::Publish(publish),
        Packet::PubRel(PubRel { pkid }) => SessionRecord::PubRel(pkid),
        Packet::PubAck(PubAck { pkid }) => SessionRecord::Completed(pkid),
        Packet::PubRec(PubRec { pkid }) => SessionRecord::IncomingReceived(pkid),
        Packet::PubComp(PubComp { pkid }) => SessionRecord::IncomingReleased(pkid),
        _ => return Err(Corruption::UnexpectedRecord(packet_type)),
    };
    record
        .check()
        .map_err(|_| Corruption::UnexpectedRecord(packet_type))?;
    Ok(record)
}
