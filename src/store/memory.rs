//! [`MemorySessionStore`]: sessions kept in the process's memory. It survives a new
//! `EventLoop` in the same process, not a restart of the process.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::{SessionRecord, SessionSnapshot, SessionStore, SessionStoreError, SessionStoreKey};

/// A [`SessionStore`] in memory: one [`SessionSnapshot`] per key, updated in place.
///
/// Memory is bounded by the open exchanges of each key. Appends never fail except for an
/// invalid record.
///
/// # Examples
/// ```
/// use rumqttc::{MemorySessionStore, SessionRecord, SessionStore, SessionStoreKey};
///
/// # fn main() -> Result<(), rumqttc::SessionStoreError> {
/// let store = MemorySessionStore::new();
/// let key = SessionStoreKey::new("localhost:1883", "sensor-17");
/// store.append(&key, &[SessionRecord::IncomingReceived(4)])?;
/// let session = store.load(&key)?.unwrap_or_default();
/// assert_eq!(session.incoming_qos2().collect::<Vec<_>>(), [4]);
/// store.clear(&key)?;
/// assert_eq!(store.load(&key)?, None);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Default)]
pub struct MemorySessionStore {
    sessions: Mutex<HashMap<SessionStoreKey, SessionSnapshot>>,
}

impl MemorySessionStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The map, even if a thread panicked while holding it (each update is one
    /// `apply`, which leaves a snapshot whole).
    fn sessions(&self) -> MutexGuard<'_, HashMap<SessionStoreKey, SessionSnapshot>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SessionStore for MemorySessionStore {
    fn load(&self, key: &SessionStoreKey) -> Result<Option<SessionSnapshot>, SessionStoreError> {
        Ok(self.sessions().get(key).cloned())
    }

    fn append(
        &self,
        key: &SessionStoreKey,
        records: &[SessionRecord],
    ) -> Result<(), SessionStoreError> {
        records.iter().try_for_each(SessionStoreError::check)?;
        let mut sessions = self.sessions();
        let session = sessions.entry(key.clone()).or_default();
        records
            .iter()
            .for_each(|record| session.apply(record.clone()));
        Ok(())
    }

    fn save(
        &self,
        key: &SessionStoreKey,
        snapshot: &SessionSnapshot,
    ) -> Result<(), SessionStoreError> {
        self.sessions().insert(key.clone(), snapshot.clone());
        Ok(())
    }

    fn clear(&self, key: &SessionStoreKey) -> Result<(), SessionStoreError> {
        self.sessions().remove(key);
        Ok(())
    }
}
