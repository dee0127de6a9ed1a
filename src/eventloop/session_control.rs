//! Application control over the session the loop carries: fail the pending queue, or start
//! over with an empty session. The 0.33.1 `EventLoop` methods; no IO, no clock.

use crate::{EventLoop, MqttState, NoticeFailureReason};

impl EventLoop {
    /// Removes every request waiting in the loop (replays of the last connection and
    /// requests taken from the channels but not yet sent), failing their notices with
    /// `reason`. Untracked requests are dropped. Returns how many requests were removed.
    ///
    /// Work already in flight on the current connection is not touched; use
    /// [`EventLoop::reset_session_state`] to abandon that too.
    ///
    /// # Examples
    /// ```
    /// use rumqttc::{EventLoop, MqttOptions, NoticeFailureReason};
    ///
    /// let mut eventloop = EventLoop::new(MqttOptions::new("id", ("127.0.0.1", 1883)), 10);
    /// assert_eq!(eventloop.drain_pending_as_failed(NoticeFailureReason::SessionReset), 0);
    /// ```
    pub fn drain_pending_as_failed(&mut self, reason: NoticeFailureReason) -> usize {
        // Replayed requests kept their packet ids reserved; nobody will send them now.
        self.state.drain_pending_as_failed(reason)
    }

    /// Starts over with an empty session: pending requests and every exchange held by the
    /// protocol state (in-flight publishes, PUBRELs, subscribes, unsubscribes) end, tracked
    /// ones with [`NoticeFailureReason::SessionReset`], and the state is replaced by a fresh
    /// one (packet ids restart, incoming QoS 2 memory is cleared). Events not yet returned by
    /// [`EventLoop::poll`] are kept. The connection, if any, stays up: acknowledgements still
    /// due for the old exchanges are then strays.
    /// A session store in the options is cleared too, before the next append.
    ///
    /// # Examples
    /// ```
    /// use rumqttc::{EventLoop, MqttOptions};
    ///
    /// let mut eventloop = EventLoop::new(MqttOptions::new("id", ("127.0.0.1", 1883)), 10);
    /// eventloop.reset_session_state();
    /// assert!(eventloop.pending_is_empty());
    /// assert_eq!(eventloop.state.inflight(), 0);
    /// ```
    pub fn reset_session_state(&mut self) {
        self.drain_pending_as_failed(NoticeFailureReason::SessionReset);
        self.state
            .drain_tracked_requests_as_failed(NoticeFailureReason::SessionReset);
        let mut fresh = MqttState::new(self.mqtt_options.inflight(), self.mqtt_options.ack_mode());
        fresh.events = std::mem::take(&mut self.state.events);
        fresh.set_recording(self.state.is_recording());
        self.state = fresh;
        self.session.reset();
    }
}
