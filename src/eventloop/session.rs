//! The event loop's side of the session: loads a stored session before the first
//! connection, turns packets sent and received into [`SessionRecord`]s and appends them
//! before each flush, and applies the CONNACK decisions (store cleared, subscriptions
//! restored). The decisions themselves are the state's and the store's.

use std::collections::VecDeque;
use std::sync::Arc;

use super::ConnectionError;
use super::lanes::Pending;
use crate::MqttOptions;
use crate::mqttbytes::{Packet, PubRel, Publish, QoS};
use crate::request::{Envelope, Request};
use crate::state::{ConnectionKind, MqttState};
use crate::store::{OutgoingEntry, SessionRecord, SessionStore, SessionStoreKey};

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

    /// Before the first connection: reads the stored session, if any, into `state`
    /// (incoming QoS 2 ids) and `pending` (PUBRELs, then publishes with DUP, as replay:
    /// the order of `InflightTable::take_replay`, so no PUBREL answering a PUBREC of the
    /// new connection overtakes a stored one, [MQTT-4.6.0-4]).
    /// A failed load is retried by the next connection attempt.
    pub(super) fn load(
        &mut self,
        options: &MqttOptions,
        state: &mut MqttState,
        pending: &mut VecDeque<Pending>,
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
        let Some(snapshot) = snapshot else {
            return Ok(());
        };
        state.restore_incoming_qos2(snapshot.incoming_qos2());
        let (publishes, pubrels): (Vec<_>, Vec<_>) = snapshot
            .outgoing()
            .partition(|entry| matches!(entry, OutgoingEntry::Publish(_)));
        for entry in pubrels.into_iter().chain(publishes) {
            let request = match entry {
                // The previous process may have sent it: DUP ([MQTT-3.3.1-1]).
                OutgoingEntry::Publish(publish) => {
                    let mut publish = publish.clone();
                    publish.dup = true;
                    Request::Publish(publish)
                }
                OutgoingEntry::PubRel(pkid) => Request::PubRel(PubRel::new(*pkid)),
            };
            let envelope = Envelope {
                request,
                notice: None,
            };
            pending.push_back(Pending {
                envelope,
                replay: true,
            });
        }
        Ok(())
    }

    /// A CONNACK was accepted. Without a session on the broker the stored one is
    /// cleared; lost subscriptions are queued ahead of everything else if the options
    /// ask for it.
    pub(super) fn handle_connack(
        &mut self,
        session_present: bool,
        options: &MqttOptions,
        state: &mut MqttState,
        pending: &mut VecDeque<Pending>,
    ) -> Result<(), ConnectionError> {
        if let (false, Some((store, key))) = (session_present, &self.store) {
            self.records.clear();
            store.clear(key)?;
            self.clear_pending = false;
        }
        let connection = std::mem::replace(&mut self.connection, ConnectionKind::Reconnect);
        let policy = options.resubscribe();
        let max_size = options.max_outgoing_packet_size();
        let subscribes =
            state.handle_connack_subscriptions(session_present, connection, policy, max_size);
        for subscribe in subscribes.into_iter().rev() {
            let envelope = Envelope {
                request: Request::Subscribe(subscribe),
                notice: None,
            };
            pending.push_front(Pending {
                envelope,
                replay: false,
            });
        }
        Ok(())
    }

    /// A packet was written: a QoS 1/2 PUBLISH, PUBREL, PUBREC or PUBCOMP is a record.
    pub(super) fn record_sent(&mut self, packet: &Packet) {
        if self.store.is_none() {
            return;
        }
        let record = match packet {
            Packet::Publish(publish) => return self.record_sent_publish(publish),
            Packet::PubRel(rel) => SessionRecord::PubRel(rel.pkid),
            Packet::PubRec(rec) => SessionRecord::IncomingReceived(rec.pkid),
            Packet::PubComp(comp) => SessionRecord::IncomingReleased(comp.pkid),
            _ => return,
        };
        self.records.push(record);
    }

    /// A publish was written; QoS 1/2 ones are kept until completed.
    pub(super) fn record_sent_publish(&mut self, publish: &Publish) {
        if self.store.is_some() && publish.qos != QoS::AtMostOnce {
            self.records.push(SessionRecord::Publish(publish.clone()));
        }
    }

    /// A packet arrived: PUBACK and PUBCOMP complete their outgoing exchange.
    pub(super) fn record_received(&mut self, packet: &Packet) {
        if self.store.is_none() {
            return;
        }
        match packet {
            Packet::PubAck(ack) => self.records.push(SessionRecord::Completed(ack.pkid)),
            Packet::PubComp(comp) => self.records.push(SessionRecord::Completed(comp.pkid)),
            _ => {}
        }
    }

    /// Appends the records gathered since the last call. Called before every flush and
    /// before events are handed out, so nothing leaves that the store does not hold. On
    /// error the records are kept for the next attempt and the connection is dropped.
    pub(super) fn persist(&mut self) -> Result<(), ConnectionError> {
        let Some((store, key)) = &self.store else {
            return Ok(());
        };
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
    pub(super) fn persist_before_error(&mut self) {
        if let Err(error) = self.persist() {
            log::debug!("session store append failed, retried before the next flush: {error}");
        }
    }
}
