//! The session across connections: the queue of requests waiting to be sent (work of an
//! earlier connection and requests taken but not yet written), the export of unfinished
//! work when a connection ends, and the one decision taken at CONNACK. No IO: the event
//! loop sends what is queued here and applies nothing of its own.

use super::{ConnectionKind, MqttState, Resubscribe};
use crate::event::{Event, Outgoing};
use crate::mqttbytes::{PubRel, Subscribe, SubscribeFilter};
use crate::notice::{NoticeFailureReason, NoticeTx};
use crate::request::{Envelope, Request};
use crate::store::{OutgoingEntry, SessionRecord, SessionSnapshot};

/// A request waiting in the session's queue to be written on the current connection.
#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) envelope: Envelope,
    /// Written on an earlier connection (or by an earlier process), so it belongs to the
    /// session that connection had: the CONNACK decides whether it is re-sent as it is.
    pub(crate) replay: bool,
}

/// Clones the request without its notice, like [`MqttState`]'s clone.
impl Clone for Pending {
    fn clone(&self) -> Self {
        Self {
            envelope: Envelope {
                request: self.envelope.request.clone(),
                notice: None,
            },
            replay: self.replay,
        }
    }
}

/// What the client asked for and what the broker answered, at a CONNACK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SessionConnAck {
    /// The CONNECT asked for a clean session.
    pub(crate) clean_session: bool,
    /// The CONNACK's session-present flag.
    pub(crate) session_present: bool,
    /// Whether a connection was accepted before this one.
    pub(crate) connection: ConnectionKind,
    /// What to do with granted subscriptions when the broker lost them.
    pub(crate) resubscribe: Resubscribe,
    /// The largest packet the client may send (bounds each re-subscription).
    pub(crate) max_packet_size: usize,
}

/// What a CONNACK decided for the queued work of earlier connections. The requests stay in
/// the session's queue, in the order they are to be sent, ahead of new ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Resumption {
    /// Re-sent as they were, with their packet ids (DUP on a publish that may have left).
    pub(crate) replayed: usize,
    /// Untracked publishes, subscribes and unsubscribes re-sent as new: packet id 0, no DUP.
    pub(crate) restarted: usize,
    /// Tracked requests whose notice failed with [`NoticeFailureReason::SessionReset`].
    pub(crate) failed: usize,
    /// Untracked PUBRELs dropped: the broker no longer holds their publish.
    pub(crate) dropped: usize,
    /// SUBSCRIBEs queued first to restore the granted subscriptions.
    pub(crate) resubscribed: usize,
    /// Untracked SUBSCRIBEs dropped because the resubscription asks for each of their
    /// filters again (one an earlier CONNACK queued and no SUBACK answered, say).
    pub(crate) superseded: usize,
}

/// The broker reported a present session although a clean one was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SessionMismatch;

impl MqttState {
    /// The connection ended: exports every unfinished exchange for replay on the next
    /// connection, in replay order, with its notice, keeping its packet id reserved.
    ///
    /// Order: one PUBREL per QoS 2 flow past PUBREC in PUBREC order, then QoS 1/2 publishes
    /// awaiting PUBACK/PUBREC oldest first (DUP when a flush was attempted), the
    /// collision-stashed publish, then subscribes and unsubscribes in send order. PUBRELs
    /// lead so that no PUBREL of the new connection overtakes them ([MQTT-4.6.0-4]; see
    /// `InflightTable::take_replay`). QoS 0 notices still
    /// waiting for a flush fail. Acks owed to the old connection are forgotten; incoming
    /// QoS 2 ids already PUBREC'd are kept. Feed the envelopes back through
    /// `outgoing_request` after a CONNACK with `session_present = true`, or fail them.
    pub(crate) fn take_replay(&mut self) -> Vec<Envelope> {
        let collision = self.collision.take().map(|publish| Envelope {
            request: Request::Publish(publish),
            notice: self.outgoing.collision_notice.take().map(NoticeTx::Publish),
        });
        self.outgoing.collision_notice = None;
        self.incoming.handle_connection_lost();
        self.outgoing.take_replay(collision)
    }

    /// Like the event loop's replay export, as plain requests: releases their packet ids
    /// and drops their notices (a waiting notice then ends with `Recv`).
    pub fn clean(&mut self) -> Vec<Request> {
        let replay = self.take_replay();
        self.outgoing.release_reserved();
        replay
            .into_iter()
            .map(|envelope| envelope.request)
            .collect()
    }

    /// Reconciles the granted subscriptions with a CONNACK; returns the SUBSCRIBEs to send
    /// before any other request (packet id 0: ids are given when they are handed over).
    ///
    /// - `session_present = true`: the broker kept them; nothing is sent.
    /// - `session_present = false` on the [`First`](ConnectionKind::First) connection, or
    ///   with [`Resubscribe::Never`]: nothing is sent and the set is emptied, as on the
    ///   broker.
    /// - `session_present = false` on a [`Reconnect`](ConnectionKind::Reconnect) with
    ///   [`Resubscribe::OnSessionLoss`]: every granted filter with its granted QoS, in
    ///   filter order, batched up to 32 filters and `max_packet_size` bytes per SUBSCRIBE.
    ///   The set is kept until the SUBACKs update it, so a connection lost before them
    ///   restores it again.
    ///
    /// # Examples
    /// ```
    /// use rumqttc::{
    ///     AckMode, ConnectionKind, MqttState, Packet, QoS, Resubscribe, SubAck, Subscribe,
    ///     SubscribeReasonCode,
    /// };
    ///
    /// # fn main() -> Result<(), rumqttc::StateError> {
    /// let mut state = MqttState::new(10, AckMode::Automatic);
    /// state.handle_outgoing_packet(Subscribe::new("a/#", QoS::AtLeastOnce).into())?;
    /// let granted = vec![SubscribeReasonCode::Success(QoS::AtLeastOnce)];
    /// state.handle_incoming_packet(Packet::SubAck(SubAck::new(1, granted)))?;
    /// assert_eq!(state.subscriptions().get("a/#"), Some(QoS::AtLeastOnce));
    ///
    /// // The broker restarted without persistence.
    /// let policy = Resubscribe::OnSessionLoss;
    /// let again = state.handle_connack_subscriptions(false, ConnectionKind::Reconnect, policy, 1024);
    /// assert_eq!(again, [Subscribe::new("a/#", QoS::AtLeastOnce)]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn handle_connack_subscriptions(
        &mut self,
        session_present: bool,
        connection: ConnectionKind,
        policy: Resubscribe,
        max_packet_size: usize,
    ) -> Vec<Subscribe> {
        self.subscriptions
            .handle_connack(session_present, connection, policy, max_packet_size)
    }

    /// Clears every outgoing exchange (publishes, PUBRELs, subscribes, unsubscribes, the
    /// collision and replay reservations), failing their notices with `reason`. Returns
    /// the number of notices failed.
    pub fn drain_tracked_requests_as_failed(&mut self, reason: NoticeFailureReason) -> usize {
        self.collision = None;
        self.outgoing.drain_failed(reason)
    }

    /// Starts (or stops) emitting [`SessionRecord`]s as exchanges move: on while a
    /// session store is in use.
    pub(crate) const fn set_recording(&mut self, enabled: bool) {
        self.journal.set_enabled(enabled);
    }

    /// Whether [`SessionRecord`]s are emitted.
    pub(crate) const fn is_recording(&self) -> bool {
        self.journal.is_enabled()
    }

    /// The [`SessionRecord`]s emitted since the last call, in order: a QoS 1/2 publish when
    /// it is stored to be written, PUBREL/PUBREC/PUBCOMP when they are to be written, and
    /// `Completed` when PUBACK/PUBCOMP arrive or a publish is abandoned.
    pub(crate) fn take_records(&mut self) -> Vec<SessionRecord> {
        self.journal.take()
    }

    /// Requests waiting in the session's queue.
    pub(crate) fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// The connection ended: unfinished exchanges go to the front of the queue, in replay
    /// order (see [`take_replay`](Self::take_replay)), as work of the lost connection.
    pub(crate) fn handle_connection_lost(&mut self) {
        let replay = self.take_replay();
        for envelope in replay.into_iter().rev() {
            self.pending.push_front(Pending {
                envelope,
                replay: true,
            });
        }
    }

    /// The one decision taken at a CONNACK, for every request an earlier connection left.
    ///
    /// - `session_present = true`: queued replays are re-sent as they are, with their
    ///   packet ids and DUP ([MQTT-4.4.0-1]).
    /// - `session_present = false`: the broker holds nothing of ours. Tracked replays
    ///   (and any exchange still held) fail with [`NoticeFailureReason::SessionReset`];
    ///   untracked publishes, subscribes and unsubscribes are re-sent as new requests
    ///   (packet id 0, no DUP: at-least-once); untracked PUBRELs are dropped; incoming
    ///   QoS 2 memory is cleared. Requests never written stay queued as they are.
    /// - Either way the granted subscriptions are reconciled
    ///   ([`handle_connack_subscriptions`](Self::handle_connack_subscriptions)); the
    ///   SUBSCRIBEs it returns go first.
    ///
    /// # Errors
    /// [`SessionMismatch`] when a clean session was asked for and the broker reports one
    /// present ([MQTT-3.2.2-1]); nothing changes then.
    pub(crate) fn handle_connack(
        &mut self,
        connack: SessionConnAck,
    ) -> Result<Resumption, SessionMismatch> {
        if connack.clean_session && connack.session_present {
            return Err(SessionMismatch);
        }
        let mut resumption = if connack.session_present {
            let replayed = self.pending.iter().filter(|item| item.replay).count();
            Resumption {
                replayed,
                ..Resumption::default()
            }
        } else {
            self.forget_session()
        };
        let subscribes = self.handle_connack_subscriptions(
            connack.session_present,
            connack.connection,
            connack.resubscribe,
            connack.max_packet_size,
        );
        resumption.resubscribed = subscribes.len();
        resumption.superseded = self.drop_superseded_subscribes(&subscribes);
        for subscribe in subscribes.into_iter().rev() {
            let envelope = Envelope {
                request: Request::Subscribe(subscribe),
                notice: None,
            };
            self.pending.push_front(Pending {
                envelope,
                replay: false,
            });
        }
        Ok(resumption)
    }

    /// Drops every queued untracked SUBSCRIBE whose filters `resubscribe` all asks for again,
    /// with the same QoS: sent twice, each would make the broker send its retained messages
    /// again ([MQTT-3.8.4-3]). Returns how many were dropped.
    fn drop_superseded_subscribes(&mut self, resubscribe: &[Subscribe]) -> usize {
        if resubscribe.is_empty() {
            return 0;
        }
        let asked = |filter: &SubscribeFilter| {
            resubscribe
                .iter()
                .flat_map(|subscribe| &subscribe.filters)
                .any(|again| again.path == filter.path && again.qos == filter.qos)
        };
        let before = self.pending.len();
        self.pending.retain(|item| {
            let Request::Subscribe(subscribe) = &item.envelope.request else {
                return true;
            };
            item.envelope.notice.is_some() || !subscribe.filters.iter().all(asked)
        });
        before - self.pending.len()
    }

    /// `session_present = false`: applies the lost-session rule to every queued replay.
    fn forget_session(&mut self) -> Resumption {
        self.incoming.clear();
        // The stored session is cleared with it: records not yet appended are void.
        self.journal.clear();
        let mut resumption = Resumption {
            failed: self.drain_tracked_requests_as_failed(NoticeFailureReason::SessionReset),
            ..Resumption::default()
        };
        for item in std::mem::take(&mut self.pending) {
            if !item.replay {
                self.pending.push_back(item);
            } else if item.envelope.notice.is_some() {
                item.envelope.fail(NoticeFailureReason::SessionReset);
                resumption.failed += 1;
            } else if let Some(request) = restart_request(item.envelope.request) {
                resumption.restarted += 1;
                self.pending.push_back(Pending {
                    envelope: Envelope {
                        request,
                        notice: None,
                    },
                    replay: false,
                });
            } else {
                resumption.dropped += 1;
            }
        }
        resumption
    }

    /// Reads a stored session (before the first connection): incoming QoS 2 ids already
    /// PUBREC'd, then the PUBRELs and the publishes (with DUP: the previous process may
    /// have sent them, [MQTT-3.3.1-1]) queued as replays, PUBRELs first, the order of
    /// [`take_replay`](Self::take_replay), so no PUBREL answering a PUBREC of the new
    /// connection overtakes a stored one ([MQTT-4.6.0-4]).
    pub(crate) fn restore_session(&mut self, snapshot: &SessionSnapshot) {
        for pkid in snapshot.incoming_qos2() {
            self.incoming.restore_pubrec_sent(pkid);
        }
        let (publishes, pubrels): (Vec<_>, Vec<_>) = snapshot
            .outgoing()
            .partition(|entry| matches!(entry, OutgoingEntry::Publish(_)));
        for entry in pubrels.into_iter().chain(publishes) {
            let request = match entry {
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
            self.pending.push_back(Pending {
                envelope,
                replay: true,
            });
        }
    }

    /// Removes every queued request, failing its notice with `reason`, and frees the packet
    /// ids replays kept reserved. Returns how many requests were removed.
    pub(crate) fn drain_pending_as_failed(&mut self, reason: NoticeFailureReason) -> usize {
        let drained = self.pending.len();
        for item in self.pending.drain(..) {
            item.envelope.fail(reason);
        }
        self.outgoing.release_reserved();
        drained
    }

    /// Ends the exchanges of these QoS 1/2 publishes without sending them again: each
    /// leaves the in-flight table, its notice, if tracked, fails with `reason`, and its
    /// `Outgoing::Publish` event, if not yet handed out, goes (it never reached the wire).
    /// Returns the ids that were in flight (the others had ended already). A publish
    /// stashed behind a collision is not in flight and is not touched.
    pub(crate) fn abandon_publishes(
        &mut self,
        pkids: impl IntoIterator<Item = u16>,
        reason: NoticeFailureReason,
    ) -> Vec<u16> {
        let mut abandoned = Vec::new();
        for pkid in pkids {
            if let Some(notice) = self.outgoing.remove_publish(pkid) {
                notice.into_iter().for_each(|tx| tx.fail(reason));
                // A replayed publish may be stored from an earlier append: it has ended.
                self.journal.record_completed(pkid);
                abandoned.push(pkid);
            }
        }
        self.events.retain(|event| {
            !matches!(event, Event::Outgoing(Outgoing::Publish(pkid)) if abandoned.contains(pkid))
        });
        abandoned
    }

    /// Removes every queued request, in send order (tests drive them by hand).
    #[cfg(test)]
    pub(crate) fn take_pending(&mut self) -> Vec<Envelope> {
        self.pending.drain(..).map(|item| item.envelope).collect()
    }
}

/// Turns untracked work of a lost session into a new request; PUBRELs have none.
fn restart_request(request: Request) -> Option<Request> {
    match request {
        Request::Publish(mut publish) => {
            // [MQTT-3.3.1-3] a new publish is not a redelivery
            publish.pkid = 0;
            publish.dup = false;
            Some(Request::Publish(publish))
        }
        Request::Subscribe(mut subscribe) => {
            subscribe.pkid = 0;
            Some(Request::Subscribe(subscribe))
        }
        Request::Unsubscribe(mut unsubscribe) => {
            unsubscribe.pkid = 0;
            Some(Request::Unsubscribe(unsubscribe))
        }
        _ => None,
    }
}
