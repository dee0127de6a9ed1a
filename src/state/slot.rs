//! One outgoing exchange: the phase of its flow (a [`Slot`] of the in-flight table) and the
//! notice it completes.

use crate::mqttbytes::{Publish, Subscribe, Unsubscribe};
use crate::notice::{
    NoticeFailureReason, NoticeTx, PublishNoticeTx, SubscribeNoticeTx, UnsubscribeNoticeTx,
};

/// Whether a network flush was attempted while a publish was stored (DUP on replay).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlushState {
    /// Written into the buffer at most; the broker cannot have seen it.
    NotAttempted,
    /// A flush ran (or failed) after it was written; the broker may have seen it.
    Attempted,
}

/// An outgoing QoS 1/2 publish kept until its ack, for replay.
#[derive(Debug)]
pub(crate) struct StoredPublish {
    pub(crate) publish: Publish,
    pub(crate) notice: Option<PublishNoticeTx>,
    pub(crate) flush: FlushState,
}

/// The phase of one outgoing exchange.
#[derive(Debug)]
pub(crate) enum Slot {
    /// QoS 1 publish sent, PUBACK not yet received.
    AwaitingPubAck(StoredPublish),
    /// QoS 2 publish sent, PUBREC not yet received.
    AwaitingPubRec(StoredPublish),
    /// QoS 2 publish received by the broker (PUBREL sent), PUBCOMP not yet received.
    AwaitingPubComp(Option<PublishNoticeTx>),
    /// SUBSCRIBE sent, SUBACK not yet received.
    Subscribe(Subscribe, Option<SubscribeNoticeTx>),
    /// UNSUBSCRIBE sent, UNSUBACK not yet received.
    Unsubscribe(Unsubscribe, Option<UnsubscribeNoticeTx>),
    /// Exported for replay: the id stays taken until the replayed request comes back.
    Reserved,
}

impl Slot {
    /// Whether the slot is an outgoing publish counted against the in-flight window.
    pub(super) const fn is_publish(&self) -> bool {
        matches!(
            self,
            Self::AwaitingPubAck(_) | Self::AwaitingPubRec(_) | Self::AwaitingPubComp(_)
        )
    }

    /// The publish a QoS 1/2 slot keeps for replay, if the slot holds one.
    pub(crate) const fn stored_publish(&self) -> Option<&Publish> {
        match self {
            Self::AwaitingPubAck(stored) | Self::AwaitingPubRec(stored) => Some(&stored.publish),
            _ => None,
        }
    }

    /// Fails the slot's notice; true if there was one.
    pub(super) fn fail(self, reason: NoticeFailureReason) -> bool {
        let notice = match self {
            Self::AwaitingPubAck(stored) | Self::AwaitingPubRec(stored) => {
                stored.notice.map(NoticeTx::Publish)
            }
            Self::AwaitingPubComp(notice) => notice.map(NoticeTx::Publish),
            Self::Subscribe(_, notice) => notice.map(NoticeTx::Subscribe),
            Self::Unsubscribe(_, notice) => notice.map(NoticeTx::Unsubscribe),
            Self::Reserved => None,
        };
        notice.map(|notice| notice.fail(reason)).is_some()
    }
}

/// Clones everything but the notice: a notice completes exactly once, in the original.
impl Clone for Slot {
    fn clone(&self) -> Self {
        let stored = |stored: &StoredPublish| StoredPublish {
            publish: stored.publish.clone(),
            notice: None,
            flush: stored.flush,
        };
        match self {
            Self::AwaitingPubAck(s) => Self::AwaitingPubAck(stored(s)),
            Self::AwaitingPubRec(s) => Self::AwaitingPubRec(stored(s)),
            Self::AwaitingPubComp(_) => Self::AwaitingPubComp(None),
            Self::Subscribe(subscribe, _) => Self::Subscribe(subscribe.clone(), None),
            Self::Unsubscribe(unsubscribe, _) => Self::Unsubscribe(unsubscribe.clone(), None),
            Self::Reserved => Self::Reserved,
        }
    }
}
