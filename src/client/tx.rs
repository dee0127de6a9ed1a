//! `RequestTx`, the one send path of every client handle, with exactly three modes (async,
//! try, blocking), and the notice each tracked request carries.

use super::error::ClientError;
use crate::eventloop::{RequestSenders, Stamped};
use crate::notice::{NoticeTx, PublishNotice, SubscribeNotice, UnsubscribeNotice};
use crate::request::Envelope;
use crate::request::Request;

/// A notice type that a tracked request can carry.
pub(crate) trait Notice: Sized {
    /// A connected sender, wrapped for the envelope, and notice.
    fn pair() -> (NoticeTx, Self);
}

impl Notice for PublishNotice {
    fn pair() -> (NoticeTx, Self) {
        let (tx, notice) = Self::new();
        (NoticeTx::Publish(tx), notice)
    }
}

impl Notice for SubscribeNotice {
    fn pair() -> (NoticeTx, Self) {
        let (tx, notice) = Self::new();
        (NoticeTx::Subscribe(tx), notice)
    }
}

impl Notice for UnsubscribeNotice {
    fn pair() -> (NoticeTx, Self) {
        let (tx, notice) = Self::new();
        (NoticeTx::Unsubscribe(tx), notice)
    }
}

/// Where a client's requests go: the event loop's three lanes, or one plain sink.
#[derive(Debug, Clone)]
pub(crate) enum RequestTx {
    /// Made by a builder: publishes, control requests and `disconnect_now` each have a lane.
    Lanes(RequestSenders),
    /// Made from a plain sender: every request, in call order, untracked.
    Sink(flume::Sender<Request>),
}

/// A request matched with the channel it goes to.
enum Routed<'a> {
    /// The lane, the senders whose bell to ring once the request is queued, the request.
    Lane(&'a flume::Sender<Stamped>, &'a RequestSenders, Stamped),
    Sink(&'a flume::Sender<Request>, Request),
}

/// What a channel carries: a request, possibly wrapped.
trait Carried {
    fn into_request(self) -> Request;
}

impl Carried for Stamped {
    fn into_request(self) -> Request {
        self.envelope.request
    }
}

impl Carried for Request {
    fn into_request(self) -> Request {
        self
    }
}

impl RequestTx {
    /// Pairs a valid `request` with a fresh notice.
    ///
    /// # Errors
    /// [`ClientError::TrackingUnavailable`] in sink mode, where nothing would complete it.
    pub(crate) fn track<N: Notice>(&self, request: Request) -> Result<(Envelope, N), ClientError> {
        if let Self::Sink(_) = self {
            return Err(ClientError::TrackingUnavailable(Box::new(request)));
        }
        let (tx, notice) = N::pair();
        let envelope = Envelope {
            request,
            notice: Some(tx),
        };
        Ok((envelope, notice))
    }

    /// Sends, waiting asynchronously while the channel is full.
    ///
    /// # Errors
    /// [`ClientError::RequestChannelDisconnected`] when the event loop is gone.
    pub(crate) async fn send(&self, envelope: Envelope) -> Result<(), ClientError> {
        match self.route(envelope) {
            Routed::Lane(tx, lanes, envelope) => {
                tx.send_async(envelope).await.map_err(disconnected)?;
                lanes.ring();
                Ok(())
            }
            Routed::Sink(tx, request) => tx.send_async(request).await.map_err(disconnected),
        }
    }

    /// Sends without waiting.
    ///
    /// # Errors
    /// [`ClientError::RequestChannelFull`] or [`ClientError::RequestChannelDisconnected`].
    pub(crate) fn try_send(&self, envelope: Envelope) -> Result<(), ClientError> {
        match self.route(envelope) {
            Routed::Lane(tx, lanes, envelope) => {
                tx.try_send(envelope).map_err(refused)?;
                lanes.ring();
                Ok(())
            }
            Routed::Sink(tx, request) => tx.try_send(request).map_err(refused),
        }
    }

    /// Sends, blocking the thread while the channel is full. Never panics, in or out of a
    /// tokio runtime (but blocking a runtime thread stalls its other tasks).
    ///
    /// # Errors
    /// [`ClientError::RequestChannelDisconnected`] when the event loop is gone.
    pub(crate) fn send_blocking(&self, envelope: Envelope) -> Result<(), ClientError> {
        match self.route(envelope) {
            Routed::Lane(tx, lanes, envelope) => {
                tx.send(envelope).map_err(disconnected)?;
                lanes.ring();
                Ok(())
            }
            Routed::Sink(tx, request) => tx.send(request).map_err(disconnected),
        }
    }

    /// Publishes take the publish lane, `disconnect_now` the immediate lane, the rest the
    /// control lane, each stamped with its place in the call order, which the event loop
    /// restores across lanes. A sink takes everything, in order.
    fn route(&self, envelope: Envelope) -> Routed<'_> {
        match self {
            Self::Sink(tx) => Routed::Sink(tx, envelope.request),
            Self::Lanes(lanes) => {
                let lane = match envelope.request {
                    Request::Publish(_) => &lanes.publish,
                    Request::DisconnectNow(_) => &lanes.immediate,
                    _ => &lanes.control,
                };
                Routed::Lane(lane, lanes, lanes.stamp(envelope))
            }
        }
    }
}

fn disconnected<T: Carried>(error: flume::SendError<T>) -> ClientError {
    ClientError::RequestChannelDisconnected(Box::new(error.into_inner().into_request()))
}

fn refused<T: Carried>(error: flume::TrySendError<T>) -> ClientError {
    match error {
        flume::TrySendError::Full(item) => {
            ClientError::RequestChannelFull(Box::new(item.into_request()))
        }
        flume::TrySendError::Disconnected(item) => {
            ClientError::RequestChannelDisconnected(Box::new(item.into_request()))
        }
    }
}
