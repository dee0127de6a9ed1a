//! Persistent sessions: the [`SessionStore`] trait the event loop writes the session
//! through, its key and errors, and two stores: in memory and a directory of logs.
//! Stores do IO but know nothing of sockets, channels or the MQTT flows themselves.
//!
//! # What is durable, and when
//!
//! A store records the session *ahead* of the wire: the event loop gathers a
//! [`SessionRecord`] for each QoS 1/2 packet it writes or acknowledgement it receives, and
//! appends them before the next flush to the broker and before the events they cause are
//! returned. So after a crash the store holds every exchange the broker may have seen,
//! and a record lost to the crash stands for a packet that never left. If an append
//! fails, the event loop drops the connection before flushing and reports
//! [`SessionStoreError`] through `ConnectionError`, logged at `error`; the QoS 1/2
//! publishes that append was to record are never sent (not after the reconnect either):
//! a tracked one's notice fails with `PublishNoticeError::SessionStoreFailed`, an
//! untracked one is reported by that error alone. Other records are retried before the
//! next flush.
//!
//! Limits: a publish abandoned by `disconnect_now` stays in the store and is replayed by
//! the next process; the store is cleared when the broker reports `session_present =
//! false`, so publishes re-sent as new after that are recorded again only when handled.
//! The event loop calls the store inline (a blocking call in its task); an `fsync` per
//! append therefore delays the loop by the disk's flush time.
//!
//! `publish().await` returning means the request is in the client's channel, not yet in
//! the store: a publish becomes durable when the event loop takes it from the channel and
//! gives it a packet id, before its PUBLISH is written. A process killed before that loses
//! it like any other queued request; a tracked publish's notice had not resolved.
//!
//! [`FileSessionStore`] writes each append with one `write` call: the data survives the
//! process being killed. Surviving a power loss needs an `fsync`, chosen by
//! [`FsyncPolicy`].

mod file;
mod log;
mod memory;
mod snapshot;
#[cfg(test)]
mod tests;

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::mqttbytes::{self, PacketType};

pub use file::{FileSessionStore, FsyncPolicy};
pub use memory::MemorySessionStore;
pub use snapshot::{OutgoingEntry, SessionRecord, SessionSnapshot};

/// Which session a store entry belongs to: the broker it was made with (`scope`, e.g.
/// `"broker.local:1883"`) and the client id. A session is only valid with both.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionStoreKey {
    scope: String,
    client_id: String,
}

impl SessionStoreKey {
    /// The key of client `client_id`'s session with the broker named by `scope`.
    pub fn new(scope: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self {
            scope: scope.into(),
            client_id: client_id.into(),
        }
    }

    /// The broker the session was made with.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }
}

/// Keeps sessions across restarts of the process.
///
/// Object safe, so options can hold an `Arc<dyn SessionStore>`. The methods are blocking
/// and short (a file store writes and, by its policy, syncs); the event loop may call them
/// inline or through `tokio::task::spawn_blocking`. One event loop at a time uses a key.
///
/// Contract: [`load`](Self::load) returns the snapshot that folding every appended record
/// gives (records of a failed `append` may be missing, never half applied);
/// [`save`](Self::save) replaces the session atomically; [`clear`](Self::clear) forgets it.
pub trait SessionStore: fmt::Debug + Send + Sync + 'static {
    /// The session stored under `key`, or `None` if there is none.
    ///
    /// # Errors
    /// A [`SessionStoreError`] if it cannot be read or is corrupted.
    fn load(&self, key: &SessionStoreKey) -> Result<Option<SessionSnapshot>, SessionStoreError>;

    /// Appends `records`, in order, to the session under `key` (creating it).
    ///
    /// # Errors
    /// [`SessionStoreError::InvalidRecord`] for a record that cannot be stored, or the
    /// store's write error. Records of a failed call may be missing from the next load.
    fn append(
        &self,
        key: &SessionStoreKey,
        records: &[SessionRecord],
    ) -> Result<(), SessionStoreError>;

    /// Replaces the session under `key` with `snapshot`, atomically.
    ///
    /// # Errors
    /// The store's write error; the previous session is then kept.
    fn save(
        &self,
        key: &SessionStoreKey,
        snapshot: &SessionSnapshot,
    ) -> Result<(), SessionStoreError>;

    /// Forgets the session under `key` (nothing to forget is not an error).
    ///
    /// # Errors
    /// The store's IO error.
    fn clear(&self, key: &SessionStoreKey) -> Result<(), SessionStoreError>;
}

/// A session store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionStoreError {
    /// Reading or writing a store file failed.
    #[error("session store io failed on {}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// A store file cannot be read back. [`FileSessionStore::start_clean_on_corruption`]
    /// moves such a file aside instead; [`SessionStore::clear`] removes it.
    #[error("session store file {} is corrupted at byte {offset}: {reason}", path.display())]
    Corrupted {
        /// The file.
        path: PathBuf,
        /// Offset of the first byte that cannot be read.
        offset: u64,
        /// What is wrong there.
        reason: Corruption,
    },
    /// A store file belongs to another key (scope or client id differ).
    #[error("session store file {} holds the session of another client or broker", path.display())]
    KeyMismatch {
        /// The file.
        path: PathBuf,
    },
    /// A record that no session can hold: packet id 0, or a QoS 0 publish.
    #[error("cannot store {packet_type:?} record with packet id {pkid}")]
    InvalidRecord {
        /// The packet type the record is written as.
        packet_type: PacketType,
        /// Its packet id.
        pkid: u16,
    },
    /// The codec refused a record (a publish that breaks a rule of MQTT 3.1.1).
    #[error("cannot encode session record for packet id {pkid}")]
    Encode {
        /// The record's packet id.
        pkid: u16,
        /// The codec's error.
        #[source]
        source: mqttbytes::Error,
    },
    /// A store implemented outside this crate failed (wrap any error with
    /// `io::Error::other`).
    #[error("session store backend failed")]
    Backend(#[source] io::Error),
}

/// Why a store file cannot be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Corruption {
    /// The file does not start with a complete store header.
    #[error("no valid header")]
    Header,
    /// The header names a format this version cannot read.
    #[error("unsupported format version {0}")]
    UnsupportedVersion(u8),
    /// A record is not a valid MQTT frame.
    #[error("invalid frame ({0})")]
    Frame(mqttbytes::Error),
    /// A valid frame that is no session record (e.g. a QoS 0 PUBLISH, a SUBSCRIBE, pkid 0).
    #[error("{0:?} is not a session record")]
    UnexpectedRecord(PacketType),
}

impl SessionStoreError {
    /// [`SessionStoreError::InvalidRecord`] for a record refused by its check.
    pub(crate) fn check(record: &SessionRecord) -> Result<(), Self> {
        record
            .check()
            .map_err(|(packet_type, pkid)| Self::InvalidRecord { packet_type, pkid })
    }
}
