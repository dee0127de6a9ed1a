//! [`FileSessionStore`]: one append-only log per session in a directory, compacted by
//! writing a temporary file and renaming it over the log. Std files only; the byte
//! format is in `log`.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use bytes::BytesMut;

use super::log::{self, Scan};
use super::{SessionRecord, SessionSnapshot, SessionStore, SessionStoreError, SessionStoreKey};

/// Records a log may hold before it is compacted (if most of them are closed exchanges).
const DEFAULT_COMPACT_AFTER_RECORDS: u64 = 4096;

/// When [`FileSessionStore`] asks the OS to put appended records on disk (`fdatasync`).
///
/// Every append is written with one `write` call, so its records survive the process
/// being killed whatever the policy. Only a power loss or kernel crash can lose records
/// that were written but not synced; a sync waits for the disk, typically milliseconds
/// rather than the microseconds of the write. The event loop appends once per batch of
/// work, so a sync per append is a sync per batch, not per publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FsyncPolicy {
    /// Never sync records (compaction still syncs its new file before the rename).
    /// Survives the process being killed; a power loss may lose the last records.
    #[default]
    Never,
    /// Sync after every append: a record is on disk before its packet is sent.
    EveryAppend,
    /// Sync after every n-th append: a power loss loses at most n - 1 appends.
    EveryNthAppend(NonZeroU32),
}

/// A [`SessionStore`] keeping each session in a file of a directory.
///
/// Each session is an append-only log of MQTT frames (a header naming the key, then one
/// PUBLISH, PUBREL, PUBACK, PUBREC or PUBCOMP frame per [`SessionRecord`]). Crash safety
/// comes from the format: a crash can only cut the last append short, and a record cut
/// short is dropped at the next load. That is safe because records are written ahead of
/// the wire: a torn record stands for a packet that was never sent. When the log holds
/// [`compact_after_records`](Self::compact_after_records) records and at least twice as
/// many as the open exchanges, it is rewritten with only the open ones into a temporary
/// file, synced, and renamed over the log; the directory is then synced.
///
/// A file that cannot be read (bad header, invalid frame in the middle, another key) gives
/// [`SessionStoreError::Corrupted`] or [`SessionStoreError::KeyMismatch`] naming it,
/// unless [`start_clean_on_corruption`](Self::start_clean_on_corruption) is set. Limits:
/// frames carry no checksum, so a flipped bit inside a payload is not detected, and a
/// damaged length field reads as a torn last record.
///
/// # Examples
/// ```no_run
/// use rumqttc::{FileSessionStore, FsyncPolicy, SessionStore, SessionStoreKey};
///
/// # fn main() -> Result<(), rumqttc::SessionStoreError> {
/// let store = FileSessionStore::open("/var/lib/my-app/mqtt-sessions")?
///     .fsync(FsyncPolicy::EveryAppend);
/// let key = SessionStoreKey::new("broker.local:1883", "sensor-17");
/// if let Some(session) = store.load(&key)? {
///     println!("{} exchanges open", session.len());
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct FileSessionStore {
    dir: PathBuf,
    fsync: FsyncPolicy,
    start_clean: bool,
    compact_after: u64,
    logs: Mutex<HashMap<SessionStoreKey, OpenLog>>,
}

/// A log open for appending, with the snapshot its records fold into.
#[derive(Debug)]
struct OpenLog {
    file: File,
    path: PathBuf,
    snapshot: SessionSnapshot,
    records: u64,
    len: u64,
    unsynced: u32,
    buffer: BytesMut,
}

impl FileSessionStore {
    /// A store in directory `dir`, created if missing, with [`FsyncPolicy::Never`].
    ///
    /// # Errors
    /// [`SessionStoreError::Io`] if the directory cannot be created.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, SessionStoreError> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(|source| io_error(&dir, source))?;
        Ok(Self {
            dir,
            fsync: FsyncPolicy::Never,
            start_clean: false,
            compact_after: DEFAULT_COMPACT_AFTER_RECORDS,
            logs: Mutex::new(HashMap::new()),
        })
    }

    /// Sets when appended records are synced to disk.
    #[must_use]
    pub const fn fsync(mut self, policy: FsyncPolicy) -> Self {
        self.fsync = policy;
        self
    }

    /// On `true`, a corrupted file or one of another key is renamed to `*.corrupt` (with
    /// a warning) and the session starts empty instead of failing the load.
    #[must_use]
    pub const fn start_clean_on_corruption(mut self, start_clean: bool) -> Self {
        self.start_clean = start_clean;
        self
    }

    /// Sets the number of records (at least 1) a log holds before it may be compacted.
    #[must_use]
    pub fn compact_after_records(mut self, records: u64) -> Self {
        self.compact_after = records.max(1);
        self
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file holding `key`'s session: a hash of the key (the header holds the key).
    pub fn path(&self, key: &SessionStoreKey) -> PathBuf {
        let mut hash = Fnv64::default();
        hash.write(key.scope().as_bytes());
        hash.write(&[0]);
        hash.write(key.client_id().as_bytes());
        self.dir.join(format!("{:016x}.session", hash.0))
    }

    fn logs(&self) -> MutexGuard<'_, HashMap<SessionStoreKey, OpenLog>> {
        self.logs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens `key`'s log, recovering a torn tail; `None` if there is none and `create` is
    /// false.
    fn open_log(
        &self,
        key: &SessionStoreKey,
        create: bool,
    ) -> Result<Option<OpenLog>, SessionStoreError> {
        let path = self.path(key);
        let scan = match self.read(&path, key)? {
            Some(scan) => scan,
            None if create => {
                self.write_new(&path, key, &SessionSnapshot::new())?;
                return self.open_log(key, false);
            }
            None => return Ok(None),
        };
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|source| io_error(&path, source))?;
        let len = file
            .metadata()
            .map_err(|source| io_error(&path, source))?
            .len();
        if scan.is_torn(len) {
            let torn = len - scan.valid_len;
            ::log::warn!(
                "dropping a torn last record ({torn} bytes) of {}",
                path.display()
            );
            file.set_len(scan.valid_len)
                .map_err(|source| io_error(&path, source))?;
        }
        Ok(Some(OpenLog::new(file, path, scan)))
    }

    /// Reads and scans the log at `path`; `None` if it does not exist (or was moved aside).
    fn read(&self, path: &Path, key: &SessionStoreKey) -> Result<Option<Scan>, SessionStoreError> {
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(io_error(path, source)),
        };
        match log::scan(path, &bytes, key) {
            Ok(scan) => Ok(Some(scan)),
            Err(
                error @ (SessionStoreError::Corrupted { .. }
                | SessionStoreError::KeyMismatch { .. }),
            ) if self.start_clean => {
                let aside = path.with_extension("corrupt");
                ::log::warn!("{error}; moved to {} and starting clean", aside.display());
                fs::rename(path, &aside).map_err(|source| io_error(path, source))?;
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    /// Atomically replaces the log at `path` with one holding `snapshot`: writes a
    /// temporary file, syncs it, renames it over the log and syncs the directory.
    fn write_new(
        &self,
        path: &Path,
        key: &SessionStoreKey,
        snapshot: &SessionSnapshot,
    ) -> Result<(), SessionStoreError> {
        let mut buffer = log::header(key);
        log::encode(snapshot.records(), &mut buffer)?;
        let temp = path.with_extension("tmp");
        let write = |file: &mut File| file.write_all(&buffer).and_then(|()| file.sync_data());
        File::create(&temp)
            .and_then(|mut file| write(&mut file))
            .map_err(|source| io_error(&temp, source))?;
        fs::rename(&temp, path).map_err(|source| io_error(path, source))?;
        sync_dir(&self.dir).map_err(|source| io_error(&self.dir, source))
    }

    /// Rewrites `log` with its open exchanges only, and reopens it.
    fn compact(&self, key: &SessionStoreKey, log: &mut OpenLog) -> Result<(), SessionStoreError> {
        self.write_new(&log.path, key, &log.snapshot)?;
        if let Some(compacted) = self.open_log(key, false)? {
            *log = compacted;
        }
        Ok(())
    }

    /// Writes, syncs and folds `records` into `log`; compacts when due.
    fn append_to(
        &self,
        key: &SessionStoreKey,
        log: &mut OpenLog,
        records: &[SessionRecord],
    ) -> Result<(), SessionStoreError> {
        log.buffer.clear();
        log::encode(records.iter().cloned(), &mut log.buffer)?;
        if let Err(source) = log.file.write_all(&log.buffer) {
            // Best effort: cut a partial write off so later appends do not follow it.
            let _ = log.file.set_len(log.len);
            return Err(io_error(&log.path, source));
        }
        log.len += log.buffer.len() as u64;
        log.records += records.len() as u64;
        records
            .iter()
            .for_each(|record| log.snapshot.apply(record.clone()));
        log.unsynced += 1;
        let due = match self.fsync {
            FsyncPolicy::Never => false,
            FsyncPolicy::EveryAppend => true,
            FsyncPolicy::EveryNthAppend(n) => log.unsynced >= n.get(),
        };
        if due {
            log.file
                .sync_data()
                .map_err(|source| io_error(&log.path, source))?;
            log.unsynced = 0;
        }
        let live = log.snapshot.len() as u64;
        let due = log.records >= self.compact_after && log.records >= live.saturating_mul(2);
        if due && let Err(error) = self.compact(key, log) {
            // The appended records are in the log; only the space is not reclaimed.
            ::log::warn!("session log compaction failed: {error}");
        }
        Ok(())
    }
}

impl SessionStore for FileSessionStore {
    fn load(&self, key: &SessionStoreKey) -> Result<Option<SessionSnapshot>, SessionStoreError> {
        let mut logs = self.logs();
        logs.remove(key);
        let Some(log) = self.open_log(key, false)? else {
            return Ok(None);
        };
        let snapshot = log.snapshot.clone();
        logs.insert(key.clone(), log);
        Ok(Some(snapshot))
    }

    fn append(
        &self,
        key: &SessionStoreKey,
        records: &[SessionRecord],
    ) -> Result<(), SessionStoreError> {
        records.iter().try_for_each(SessionStoreError::check)?;
        let mut logs = self.logs();
        let mut log = match logs.remove(key) {
            Some(log) => log,
            None => self
                .open_log(key, true)?
                .ok_or_else(|| missing(&self.path(key)))?,
        };
        // On error the log is not put back: the next call re-reads the file.
        self.append_to(key, &mut log, records)?;
        logs.insert(key.clone(), log);
        Ok(())
    }

    fn save(
        &self,
        key: &SessionStoreKey,
        snapshot: &SessionSnapshot,
    ) -> Result<(), SessionStoreError> {
        let mut logs = self.logs();
        logs.remove(key);
        self.write_new(&self.path(key), key, snapshot)?;
        if let Some(log) = self.open_log(key, false)? {
            logs.insert(key.clone(), log);
        }
        Ok(())
    }

    fn clear(&self, key: &SessionStoreKey) -> Result<(), SessionStoreError> {
        self.logs().remove(key);
        let path = self.path(key);
        match fs::remove_file(&path) {
            Ok(()) => sync_dir(&self.dir).map_err(|source| io_error(&self.dir, source)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(io_error(&path, source)),
        }
    }
}

impl OpenLog {
    fn new(file: File, path: PathBuf, scan: Scan) -> Self {
        Self {
            file,
            path,
            snapshot: scan.snapshot,
            records: scan.records,
            len: scan.valid_len,
            unsynced: 0,
            buffer: BytesMut::new(),
        }
    }
}

fn io_error(path: &Path, source: io::Error) -> SessionStoreError {
    SessionStoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The log vanished between being created and opened (removed by someone else).
fn missing(path: &Path) -> SessionStoreError {
    io_error(path, io::Error::from(io::ErrorKind::NotFound))
}

/// Makes a rename or removal in `dir` durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Directories cannot be opened for syncing here; the rename is atomic regardless.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// FNV-1a, 64 bits: a stable file name for a key (std's hasher may change between
/// releases, which would orphan every log).
#[derive(Debug)]
struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv64 {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}
