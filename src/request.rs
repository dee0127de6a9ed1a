//! What a client asks the event loop to do: [`Request`] and manual acks, and the
//! crate-internal [`Envelope`] that carries a request with its notice sender.

use std::time::Duration;

use crate::mqttbytes::{
    Disconnect, PubAck, PubComp, PubRec, PubRel, Publish, SubAck, Subscribe, UnsubAck, Unsubscribe,
};
use crate::notice::{NoticeFailureReason, NoticeTx};

/// A request from a client handle to the event loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Publish a message.
    Publish(Publish),
    /// Acknowledge a QoS 1 publish (manual acks).
    PubAck(PubAck),
    /// Acknowledge a QoS 2 publish (manual acks).
    PubRec(PubRec),
    /// Complete a QoS 2 exchange.
    PubComp(PubComp),
    /// Release a QoS 2 publish.
    PubRel(PubRel),
    /// Ping the broker.
    PingReq,
    /// Answer a ping (never valid from a client).
    PingResp,
    /// Subscribe to filters.
    Subscribe(Subscribe),
    /// Subscription acknowledgement (never valid from a client).
    SubAck(SubAck),
    /// Unsubscribe from filters.
    Unsubscribe(Unsubscribe),
    /// Unsubscription acknowledgement (never valid from a client).
    UnsubAck(UnsubAck),
    /// Graceful disconnect: drain accepted work, then DISCONNECT.
    Disconnect(Disconnect),
    /// Immediate disconnect: DISCONNECT now, abandon unresolved work.
    DisconnectNow(Disconnect),
    /// Graceful disconnect bounded by a timeout.
    DisconnectWithTimeout(Disconnect, Duration),
}

/// An acknowledgement prepared for an incoming publish in [`AckMode::Manual`](crate::AckMode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManualAck {
    /// PUBACK for a QoS 1 publish.
    PubAck(PubAck),
    /// PUBREC for a QoS 2 publish.
    PubRec(PubRec),
}

/// A request on its way through the event loop, with the notice it completes, if tracked.
#[derive(Debug)]
pub(crate) struct Envelope {
    /// What to do.
    pub(crate) request: Request,
    /// The sender half of the caller's notice.
    pub(crate) notice: Option<NoticeTx>,
}

impl Envelope {
    /// Ends the request without sending it: its notice, if any, fails with `reason`.
    pub(crate) fn fail(self, reason: NoticeFailureReason) {
        if let Some(notice) = self.notice {
            notice.fail(reason);
        }
    }
}

impl From<Publish> for Request {
    fn from(publish: Publish) -> Self {
        Self::Publish(publish)
    }
}

impl From<Subscribe> for Request {
    fn from(subscribe: Subscribe) -> Self {
        Self::Subscribe(subscribe)
    }
}

impl From<Unsubscribe> for Request {
    fn from(unsubscribe: Unsubscribe) -> Self {
        Self::Unsubscribe(unsubscribe)
    }
}

impl From<ManualAck> for Request {
    fn from(ack: ManualAck) -> Self {
        match ack {
            ManualAck::PubAck(ack) => Self::PubAck(ack),
            ManualAck::PubRec(ack) => Self::PubRec(ack),
        }
    }
}
