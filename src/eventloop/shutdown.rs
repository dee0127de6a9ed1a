//! Ending the loop on request: a graceful disconnect finishes accepted work before
//! DISCONNECT (within an optional deadline); `disconnect_now` abandons it.

use tokio::time::Instant;

use super::EventLoop;
use crate::mqttbytes::Packet;
use crate::request::Envelope;
use crate::{ConnectionError, Event, NoticeFailureReason, Outgoing};

/// Whether the application asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shutdown {
    Running,
    /// Graceful disconnect: finish accepted work, then DISCONNECT (before `deadline`, if any).
    Draining {
        deadline: Option<Instant>,
    },
}

impl Shutdown {
    pub(super) const fn deadline(self) -> Option<Instant> {
        match self {
            Self::Running => None,
            Self::Draining { deadline } => deadline,
        }
    }
}

impl EventLoop {
    /// Starts a graceful disconnect: publishes already accepted are finished first.
    pub(super) fn begin_drain(&mut self, deadline: Option<Instant>) {
        self.shutdown = Shutdown::Draining { deadline };
        // Publishes already accepted are finished before DISCONNECT.
        self.requests
            .ordered
            .drain_publishes(&mut self.state.pending);
    }

    pub(super) fn is_drain_complete(&self) -> bool {
        matches!(self.shutdown, Shutdown::Draining { .. })
            && self.pending_is_empty()
            && self.state.is_drained()
    }

    /// True when every client is gone and nothing is left to finish.
    pub(super) fn is_requests_done(&self) -> bool {
        self.own_senders.is_none()
            && self.shutdown == Shutdown::Running
            && self.requests.ordered.is_done()
            && self.pending_is_empty()
            && self.state.is_drained()
    }

    /// `disconnect_now`: DISCONNECT at once; unresolved work is abandoned and its notices fail.
    pub(super) async fn disconnect_now(
        &mut self,
        _request: Envelope,
    ) -> Result<Event, ConnectionError> {
        self.state
            .drain_tracked_requests_as_failed(NoticeFailureReason::Abandoned);
        self.state
            .drain_pending_as_failed(NoticeFailureReason::Abandoned);
        self.send_disconnect().await
    }

    /// Writes and flushes DISCONNECT, then ends the loop.
    pub(super) async fn send_disconnect(&mut self) -> Result<Event, ConnectionError> {
        self.write_control(Packet::Disconnect, Outgoing::Disconnect)?;
        let flushed = self.flush(Instant::now()).await;
        self.finish();
        flushed?;
        self.next_event()
    }
}
