//! The event loop's side of the session: loads a stored session before the first
//! connection, appends the [`SessionRecord`]s the state emits before each flush, and
//! clears the store when a CONNACK finds no session. What happens
//! to queued work at a CONNACK is the state's decision ([`MqttState::handle_connack`]).

use std::sync::Arc;

use super::ConnectionError;
use crate::mqttbytes::ConnAck;
use crate::state::{ConnectionKind, MqttState, Resumption, SessionConnAck, SessionMismatch};
use crate::store::{SessionRecord, SessionStore, SessionStoreKey};
use crate::{MqttOptions, NoticeFailureReason, SessionStoreError};

/// The store in use (only with `clean_session = false`), the records not yet appended,
/// and whether a connection was accepted before.
#[derive(Debug)]
pub(super) struct SessionShell {
    store: Option<(Arc<dyn SessionStore>, SessionStoreKey)>,
    records: Vec<SessionRecord>,
    loaded: bool,
    connection: ConnectionKind,
    /// The application reset the session: the stored one is cleared before the next append.
    clear_pending: bool,
}

impl SessionShell {
    pub(super) const fn new() -> Self {
        Self {
            store: None,
            records: Vec::new(),
            loaded: false,
            connection: ConnectionKind::First,
            clear_pending: false,
        }
    }

    /// `EventLoop::reset_session_state`: the session starts over, so the stored one is
    /// cleared (before the next append; the reset itself cannot report an error).
    pub(super) fn reset(&mut self) {
        self.records.clear();
        self.clear_pending = self.store.is_some();
    }

    /// Before the first connection: reads the stored session, if any, into the state
    /// ([`MqttState::restore_session`]). A failed load is retried by the next attempt.
    pub(super) fn load(
        &mut self,
        options: &MqttOptions,
        state: &mut MqttState,
    ) -> Result<(), ConnectionError> {
        if self.loaded {
            return Ok(());
        }
        let store = options.session_store().filter(|_| !options.clean_session());
        self.store = store.map(|store| (store, options.session_store_key()));
        let snapshot = match &self.store {
            Some((store, key)) => store.load(key)?,
            None => None,
        };
        self.loaded = true;
        state.set_recording(self.store.is_some());
        if let Some(snapshot) = snapshot {
            state.restore_session(&snapshot);
        }
        Ok(())
    }

    /// A CONNACK was accepted: the state decides what the earlier connections' work becomes
    /// ([`MqttState::handle_connack`]); without a session on the broker the stored one is
    /// cleared too.
    pub(super) fn handle_connack(
        &mut self,
        options: &MqttOptions,
        connack: &ConnAck,
        state: &mut MqttState,
    ) -> Result<Resumption, ConnectionError> {
        let decision = SessionConnAck {
            clean_session: options.clean_session(),
            session_present: connack.session_present,
            connection: self.connection,
            resubscribe: options.resubscribe(),
            max_packet_size: options.max_outgoing_packet_size(),
        };
        let resumption = state.handle_connack(decision).map_err(|SessionMismatch| {
            ConnectionError::SessionStateMismatch {
                clean_session: decision.clean_session,
                session_present: decision.session_present,
            }
        })?;
        self.connection = ConnectionKind::Reconnect;
        if let (false, Some((store, key))) = (connack.session_present, &self.store) {
            self.records.clear();
            store.clear(key)?;
            self.clear_pending = false;
        }
        Ok(resumption)
    }

    /// Appends the records gathered since the last call. Called before every flush, so
    /// nothing leaves that the store does not hold.
    ///
    /// When the append fails, the publishes it was to record are not sent: they leave the
    /// state and their notices fail with [`NoticeFailureReason::SessionStoreFailed`] (an
    /// untracked one is reported only by the returned error); the caller then drops the
    /// connection before anything is flushed. The other records are kept for the next
    /// attempt (their packets are re-sent or redelivered after the reconnect).
    pub(super) fn persist(&mut self, state: &mut MqttState) -> Result<(), ConnectionError> {
        let Err(error) = self.append(state) else {
            return Ok(());
        };
        let unstored: Vec<u16> = self
            .records
            .iter()
            .filter_map(|record| match record {
                SessionRecord::Publish(publish) => Some(publish.pkid),
                _ => None,
            })
            .collect();
        self.records
            .retain(|record| !matches!(record, SessionRecord::Publish(_)));
        let failed = state.abandon_publishes(unstored, NoticeFailureReason::SessionStoreFailed);
        self.records.extend(state.take_records());
        log::error!(
            "session store append failed ({error}): {} qos 1/2 publish(es) not sent, \
             tracked ones fail with SessionStoreFailed; the connection is dropped",
            failed.len()
        );
        Err(error.into())
    }

    /// Appends the records the state emitted since the last call (and a pending clear
    /// first); on error they are kept.
    fn append(&mut self, state: &mut MqttState) -> Result<(), SessionStoreError> {
        let Some((store, key)) = &self.store else {
            return Ok(());
        };
        self.records.extend(state.take_records());
        if self.clear_pending {
            store.clear(key)?;
            self.clear_pending = false;
        }
        if self.records.is_empty() {
            return Ok(());
        }
        store.append(key, &self.records)?;
        self.records.clear();
        Ok(())
    }

    /// The connection failed: appends what was gathered so events still queued are on
    /// record. A failure is retried by the next flush, which reports it.
    pub(super) fn persist_before_error(&mut self, state: &mut MqttState) {
        if let Err(error) = self.append(state) {
            log::debug!("session store append failed, retried before the next flush: {error}");
        }
    }
}
