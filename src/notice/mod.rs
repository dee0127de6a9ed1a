//! Tracked notices: the handles a `*_tracked` call returns, their results and errors, and
//! the sender halves that travel with a request through the event loop and [`MqttState`].
//! A notice is resolved by a one-shot send that never waits; it knows nothing of the network.
//!
//! [`MqttState`]: crate::MqttState

use std::fmt;

use crate::mqttbytes::{PubAck, PubComp, QoS, SubAck, SubscribeReasonCode, UnsubAck};

/// How a tracked publish ended successfully.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishResult {
    /// QoS 0: the publish was written and the network flushed.
    Qos0Flushed,
    /// QoS 1: the broker's PUBACK.
    ///
    /// Also the result of a QoS 2 publish that the broker answered with PUBACK instead of
    /// PUBREC (RabbitMQ 3.x downgrades QoS 2 to QoS 1 and delivers): the message was
    /// delivered at QoS 1, at least once, so it is reported as delivered rather than
    /// failed, which would invite a duplicate by retry. The client logs a warning once
    /// per connection when this happens.
    Qos1(PubAck),
    /// QoS 2: the broker's PUBCOMP, which ends the four-step exchange.
    Qos2Completed(PubComp),
}

impl PublishResult {
    /// The QoS level at which the publish was delivered: the publish's own, except for a
    /// QoS 2 publish the broker downgraded to QoS 1 (see [`PublishResult::Qos1`]).
    pub const fn qos(&self) -> QoS {
        match self {
            Self::Qos0Flushed => QoS::AtMostOnce,
            Self::Qos1(_) => QoS::AtLeastOnce,
            Self::Qos2Completed(_) => QoS::ExactlyOnce,
        }
    }
}

/// Why a tracked publish did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PublishNoticeError {
    /// The event loop dropped the notice sender (loop dropped, or request abandoned).
    #[error("event loop dropped notice sender")]
    Recv,
    /// The broker lost the session, so the publish will never be acknowledged.
    #[error("message dropped due to session reset")]
    SessionReset,
    /// `disconnect_now` ended the connection before the publish was acknowledged.
    #[error("publish abandoned by an immediate disconnect")]
    Abandoned,
    /// The QoS 0 publish was written but the flush failed, or the connection ended first.
    #[error("qos0 publish was not flushed to the network")]
    Qos0NotFlushed,
    /// The session store failed to record the QoS 1/2 publish, so it was not sent (the
    /// event loop returns the store's error as `ConnectionError::SessionStore`).
    #[error("publish not sent: the session store failed to record it")]
    SessionStoreFailed,
}

/// Why a tracked subscribe did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubscribeNoticeError {
    /// The event loop dropped the notice sender.
    #[error("event loop dropped notice sender")]
    Recv,
    /// The broker lost the session, so the subscribe will never be acknowledged.
    #[error("message dropped due to session reset")]
    SessionReset,
    /// `disconnect_now` ended the connection before the SUBACK arrived.
    #[error("subscribe abandoned by an immediate disconnect")]
    Abandoned,
    /// The SUBACK refused filters (only from the `wait_completion*` methods): the failing codes.
    #[error("v4 suback returned {} failing return codes", .0.len())]
    V4SubAckFailure(Vec<SubscribeReasonCode>),
}

/// Why a tracked unsubscribe did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnsubscribeNoticeError {
    /// The event loop dropped the notice sender.
    #[error("event loop dropped notice sender")]
    Recv,
    /// The broker lost the session, so the unsubscribe will never be acknowledged.
    #[error("message dropped due to session reset")]
    SessionReset,
    /// `disconnect_now` ended the connection before the UNSUBACK arrived.
    #[error("unsubscribe abandoned by an immediate disconnect")]
    Abandoned,
}

/// Why tracked work held by the client is failed in bulk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoticeFailureReason {
    /// The broker answered `session_present = false` or the session was reset locally.
    SessionReset,
    /// `disconnect_now` ended the connection with the work unresolved.
    Abandoned,
    /// The session store failed to record a QoS 1/2 publish, which was therefore not sent.
    /// Only publishes are recorded, so only publish notices end this way
    /// ([`PublishNoticeError::SessionStoreFailed`]).
    SessionStoreFailed,
}

/// An error type a notice can end with: it knows its `Recv` and bulk-failure variants.
pub(crate) trait NoticeError {
    /// The variant for a dropped sender.
    fn recv() -> Self;
    /// The variant for a bulk failure.
    fn from_reason(reason: NoticeFailureReason) -> Self;
}

macro_rules! notice_error {
    ($error:ident, $store_failed:ident) => {
        impl NoticeError for $error {
            fn recv() -> Self {
                Self::Recv
            }
            fn from_reason(reason: NoticeFailureReason) -> Self {
                match reason {
                    NoticeFailureReason::SessionReset => Self::SessionReset,
                    NoticeFailureReason::Abandoned => Self::Abandoned,
                    NoticeFailureReason::SessionStoreFailed => Self::$store_failed,
                }
            }
        }
    };
}

notice_error!(PublishNoticeError, SessionStoreFailed);
// Subscriptions are never recorded by a session store: the reason cannot reach them; were
// it used, the request was not sent, as with an abandoned one.
notice_error!(SubscribeNoticeError, Abandoned);
notice_error!(UnsubscribeNoticeError, Abandoned);

/// The sender half of one notice. Resolving consumes it; a send to a dropped receiver is
/// ignored, so an abandoned notice changes nothing on the wire.
pub(crate) struct NoticeSender<T, E>(flume::Sender<Result<T, E>>);

impl<T, E: NoticeError> NoticeSender<T, E> {
    /// Completes the notice. Never waits: the channel has room for exactly this one value.
    pub(crate) fn resolve(self, result: Result<T, E>) {
        let _ = self.0.try_send(result);
    }

    /// Fails the notice for a bulk reason such as a session reset.
    pub(crate) fn fail(self, reason: NoticeFailureReason) {
        self.resolve(Err(E::from_reason(reason)));
    }
}

impl<T, E> fmt::Debug for NoticeSender<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NoticeSender")
    }
}

/// Sender half of a [`PublishNotice`].
pub(crate) type PublishNoticeTx = NoticeSender<PublishResult, PublishNoticeError>;
/// Sender half of a [`SubscribeNotice`].
pub(crate) type SubscribeNoticeTx = NoticeSender<SubAck, SubscribeNoticeError>;
/// Sender half of an [`UnsubscribeNotice`].
pub(crate) type UnsubscribeNoticeTx = NoticeSender<UnsubAck, UnsubscribeNoticeError>;

/// The sender half stored beside a request, whichever kind of notice it completes.
#[derive(Debug)]
pub(crate) enum NoticeTx {
    /// Completes a [`PublishNotice`].
    Publish(PublishNoticeTx),
    /// Completes a [`SubscribeNotice`].
    Subscribe(SubscribeNoticeTx),
    /// Completes an [`UnsubscribeNotice`].
    Unsubscribe(UnsubscribeNoticeTx),
}

impl NoticeTx {
    /// Fails the notice, whatever its kind, for `reason`.
    pub(crate) fn fail(self, reason: NoticeFailureReason) {
        match self {
            Self::Publish(tx) => tx.fail(reason),
            Self::Subscribe(tx) => tx.fail(reason),
            Self::Unsubscribe(tx) => tx.fail(reason),
        }
    }
}

/// The receiving half shared by the three public notice types.
struct Waiter<T, E> {
    rx: flume::Receiver<Result<T, E>>,
    /// A result already taken by [`Waiter::try_wait`], kept for later waits.
    taken: Option<Result<T, E>>,
}

impl<T: Clone, E: NoticeError + Clone> Waiter<T, E> {
    fn pair() -> (NoticeSender<T, E>, Self) {
        let (tx, rx) = flume::bounded(1);
        (NoticeSender(tx), Self { rx, taken: None })
    }

    fn wait(self) -> Result<T, E> {
        match self.taken {
            Some(result) => result,
            None => self.rx.recv().unwrap_or_else(|_| Err(E::recv())),
        }
    }

    async fn wait_async(self) -> Result<T, E> {
        match self.taken {
            Some(result) => result,
            None => self
                .rx
                .recv_async()
                .await
                .unwrap_or_else(|_| Err(E::recv())),
        }
    }

    fn try_wait(&mut self) -> Option<Result<T, E>> {
        if self.taken.is_none() {
            self.taken = match self.rx.try_recv() {
                Ok(result) => Some(result),
                Err(flume::TryRecvError::Disconnected) => Some(Err(E::recv())),
                Err(flume::TryRecvError::Empty) => None,
            };
        }
        self.taken.clone()
    }
}

macro_rules! notice {
    ($(#[$doc:meta])* $name:ident, $tx:ident, $ok:ty, $error:ty) => {
        $(#[$doc])*
        ///
        /// Every wait works inside or outside a tokio runtime; the blocking `wait` never
        /// panics (it blocks the calling thread). If the event loop is dropped before the
        /// outcome is known, the wait ends with the `Recv` error.
        pub struct $name(Waiter<$ok, $error>);

        impl $name {
            /// A connected sender and notice.
            pub(crate) fn new() -> ($tx, Self) {
                let (tx, waiter) = Waiter::pair();
                (tx, Self(waiter))
            }

            /// Blocks the current thread until the outcome is known.
            ///
            /// # Errors
            /// The request failed, or the event loop dropped it (`Recv`).
            pub fn wait(self) -> Result<$ok, $error> {
                self.0.wait()
            }

            /// Waits asynchronously until the outcome is known.
            ///
            /// # Errors
            /// The request failed, or the event loop dropped it (`Recv`).
            pub async fn wait_async(self) -> Result<$ok, $error> {
                self.0.wait_async().await
            }

            /// The outcome if it is already known, without consuming the notice; later waits
            /// return the same outcome.
            pub fn try_wait(&mut self) -> Option<Result<$ok, $error>> {
                self.0.try_wait()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    };
}

notice!(
    /// Resolves when a tracked publish completes: flushed (QoS 0), PUBACK (QoS 1) or PUBCOMP (QoS 2).
    PublishNotice, PublishNoticeTx, PublishResult, PublishNoticeError
);
notice!(
    /// Resolves with the SUBACK of a tracked subscribe (refused filters included).
    SubscribeNotice, SubscribeNoticeTx, SubAck, SubscribeNoticeError
);
notice!(
    /// Resolves with the UNSUBACK of a tracked unsubscribe.
    UnsubscribeNotice, UnsubscribeNoticeTx, UnsubAck, UnsubscribeNoticeError
);

impl PublishNotice {
    /// Blocks until the publish completes, discarding the ack packet.
    ///
    /// # Errors
    /// As [`PublishNotice::wait`].
    pub fn wait_completion(self) -> Result<(), PublishNoticeError> {
        self.wait().map(drop)
    }

    /// Waits asynchronously until the publish completes, discarding the ack packet.
    ///
    /// # Errors
    /// As [`PublishNotice::wait_async`].
    pub async fn wait_completion_async(self) -> Result<(), PublishNoticeError> {
        self.wait_async().await.map(drop)
    }
}

impl UnsubscribeNotice {
    /// Blocks until the UNSUBACK arrives, discarding it.
    ///
    /// # Errors
    /// As [`UnsubscribeNotice::wait`].
    pub fn wait_completion(self) -> Result<(), UnsubscribeNoticeError> {
        self.wait().map(drop)
    }

    /// Waits asynchronously until the UNSUBACK arrives, discarding it.
    ///
    /// # Errors
    /// As [`UnsubscribeNotice::wait_async`].
    pub async fn wait_completion_async(self) -> Result<(), UnsubscribeNoticeError> {
        self.wait_async().await.map(drop)
    }
}

impl SubscribeNotice {
    /// Blocks until the SUBACK arrives; refused filters become an error.
    ///
    /// # Errors
    /// As [`SubscribeNotice::wait`], plus [`SubscribeNoticeError::V4SubAckFailure`] with
    /// the failing codes when the broker refused any filter.
    pub fn wait_completion(self) -> Result<(), SubscribeNoticeError> {
        self.wait().and_then(require_granted)
    }

    /// Waits asynchronously until the SUBACK arrives; refused filters become an error.
    ///
    /// # Errors
    /// As [`SubscribeNotice::wait_completion`].
    pub async fn wait_completion_async(self) -> Result<(), SubscribeNoticeError> {
        self.wait_async().await.and_then(require_granted)
    }
}

/// `Ok` when every filter was granted, else the failing return codes.
fn require_granted(suback: SubAck) -> Result<(), SubscribeNoticeError> {
    let failures: Vec<_> = suback
        .return_codes
        .into_iter()
        .filter(|code| matches!(code, SubscribeReasonCode::Failure))
        .collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(SubscribeNoticeError::V4SubAckFailure(failures))
    }
}

#[cfg(test)]
mod tests;
