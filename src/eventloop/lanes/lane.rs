//! One request lane's receiving end: the request held from it, and the stream the loop
//! waits on where the bell cannot tell it of a request.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};

use flume::r#async::RecvStream;
use futures_core::Stream;

use super::Stamped;

/// The receiving end of one lane, with a stream kept for waiting on it, and the one request
/// the loop may hold taken from it but not yet handled.
///
/// The loop waits on the stream only where the bell cannot tell it of a request: the
/// immediate lane (`disconnect_now` must not wait for a bell), and a rendezvous lane
/// (capacity 0), whose senders wait in the channel until the loop takes their request.
/// A fresh `recv_async` future registers a new wait hook with the channel (an `Arc`
/// allocation and a waker clone) every time it goes pending and unregisters it when dropped;
/// the stream keeps its hook registered between waits and needs a new one only after it
/// yields a request, or after [`Lane::try_recv`] took a request while the hook was
/// registered.
#[derive(Debug)]
pub(in crate::eventloop) struct Lane {
    /// For taking requests without waiting, and for the lane's state.
    pub(super) receiver: flume::Receiver<Stamped>,
    /// For waiting; a clone of `receiver`.
    stream: RecvStream<'static, Stamped>,
    /// The stream's last poll was pending, so its hook is registered with the channel.
    armed: bool,
    /// Taken from the channel, not yet handled: kept here across a dropped poll.
    pub(super) head: Option<Stamped>,
    /// The channel's bound (`None`: unbounded), kept so that asking whether the lane is
    /// full takes the channel's lock once (flume's `is_full` takes it twice).
    capacity: Option<usize>,
}

impl Lane {
    pub(super) fn new(receiver: flume::Receiver<Stamped>) -> Self {
        Self {
            stream: receiver.clone().into_stream(),
            capacity: receiver.capacity(),
            receiver,
            armed: false,
            head: None,
        }
    }

    /// Takes a queued request without waiting.
    pub(in crate::eventloop) fn try_recv(&mut self) -> Option<Stamped> {
        let stamped = self.receiver.try_recv().ok()?;
        if self.armed {
            // The request may have fired the stream's hook. A fired hook that then finds the
            // channel empty is queued with the channel again on every pending poll (flume
            // never clears its fired flag), so the channel's list of waiters would grow until
            // the next send. Dropping the stream unregisters its hook.
            self.stream = self.receiver.clone().into_stream();
            self.armed = false;
        }
        Some(stamped)
    }

    /// Takes the next request into the head unless one is held; true if one was taken now.
    pub(super) fn fill(&mut self) -> bool {
        if self.head.is_some() {
            return false;
        }
        self.head = self.try_recv();
        self.head.is_some()
    }

    /// Takes the next request into the head unless one is held; true if the head holds one.
    /// An empty rendezvous lane also registers `cx` with the channel, since its senders wait
    /// there and ring only once the loop took their request.
    pub(super) fn fill_or_watch(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.fill()
            && self.head.is_none()
            && self.capacity == Some(0)
            && !self.is_done()
            && let Poll::Ready(received) = self.poll_recv(cx)
        {
            self.head = received;
        }
        self.head.is_some()
    }

    /// Waits for the next request; `None` once every sender is gone and the lane is empty.
    ///
    /// Cancel safe: a request leaves the channel only in the poll that returns it, and the
    /// stream's hook outlives the future.
    pub(in crate::eventloop) fn recv(&mut self) -> impl Future<Output = Option<Stamped>> + '_ {
        poll_fn(|cx| self.poll_recv(cx))
    }

    pub(super) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Stamped>> {
        let polled = Pin::new(&mut self.stream).poll_next(cx);
        self.armed = polled.is_pending();
        polled
    }

    /// True when every sender is gone and nothing is queued or held: the lane yields nothing
    /// more.
    pub(super) fn is_done(&self) -> bool {
        self.head.is_none() && self.receiver.is_disconnected() && self.receiver.is_empty()
    }

    /// True when a bounded lane holds as many queued requests as it can take (may race with
    /// the clients).
    pub(super) fn is_full(&self) -> bool {
        self.capacity
            .is_some_and(|capacity| self.receiver.len() >= capacity)
    }

    /// Requests queued in the lane or held from it (may race with the clients).
    pub(in crate::eventloop) fn len(&self) -> usize {
        self.receiver.len() + usize::from(self.head.is_some())
    }
}
