//! The event loop's connection bookkeeping: attempts, connections, the reconnect deadline,
//! the last error and the traffic of closed connections, with the `log` records of each
//! step. Takes `now` from the caller; never reads the clock or touches the network.

use std::collections::hash_map::RandomState;
use std::error::Error as StdError;
use std::fmt::Write as _;
use std::hash::BuildHasher;

use log::{debug, info, warn};
use tokio::time::Instant;

use super::backoff::Schedule;
use crate::framed::Traffic;
use crate::mqttbytes::ConnAck;
use crate::{Broker, ConnectionError, MqttOptions};

/// Connection history of one event loop.
#[derive(Debug)]
pub(super) struct Lifecycle {
    pub(super) schedule: Schedule,
    /// When the next attempt may start; kept across dropped polls (cancel safety).
    pub(super) reconnect_at: Option<Instant>,
    pub(super) attempts: u64,
    pub(super) connections: u64,
    pub(super) connected_since: Option<Instant>,
    pub(super) last_error: Option<String>,
    /// Traffic of the connections already closed.
    pub(super) traffic: Traffic,
}

impl Lifecycle {
    /// Fresh bookkeeping; the jitter is seeded from the process's random hash keys, so
    /// event loops started together draw different delays.
    pub(super) fn new(options: &MqttOptions) -> Self {
        let seed = RandomState::new().hash_one(options.client_id());
        Self {
            schedule: Schedule::new(options.reconnect_backoff(), options.brokers().count(), seed),
            reconnect_at: None,
            attempts: 0,
            connections: 0,
            connected_since: None,
            last_error: None,
            traffic: Traffic::default(),
        }
    }

    /// The broker the next attempt uses (or the connection in use).
    pub(super) fn broker<'a>(&self, options: &'a MqttOptions) -> &'a Broker {
        options
            .brokers()
            .nth(self.schedule.current())
            .unwrap_or_else(|| options.broker())
    }

    /// An attempt starts on `broker`; `options` may have changed since the last one.
    pub(super) fn handle_attempt(&mut self, options: &MqttOptions, broker: &Broker) {
        self.schedule
            .configure(options.reconnect_backoff(), options.brokers().count());
        // A connection dropped by `EventLoop::clean` ended without an error to count.
        self.connected_since = None;
        self.attempts = self.attempts.saturating_add(1);
        debug!("connecting to {} (attempt {})", broker, self.attempts);
    }

    /// `broker` accepted the connection at `now`; `replay` requests of the session resume.
    pub(super) fn handle_connected(
        &mut self,
        now: Instant,
        broker: &Broker,
        connack: &ConnAck,
        replay: usize,
    ) {
        debug!(
            "CONNACK from {}: {:?}, session present: {}",
            broker, connack.code, connack.session_present
        );
        self.connections = self.connections.saturating_add(1);
        self.connected_since = Some(now);
        self.schedule.handle_connected(now);
        info!(
            "connected to {} (session present: {})",
            broker, connack.session_present
        );
        if replay > 0 {
            info!("resuming the session: replaying {replay} request(s)");
        }
    }

    /// The attempt failed, or the connection ended, at `now` with `unfinished` requests
    /// (in flight or waiting) to resume; schedules the next attempt and logs the wait.
    pub(super) fn handle_error(
        &mut self,
        now: Instant,
        options: &MqttOptions,
        error: &ConnectionError,
        unfinished: usize,
    ) {
        let broker = self.broker(options);
        let cause = chain(error);
        match self.connected_since.take() {
            Some(_) => {
                warn!("connection to {broker} lost: {cause} ({unfinished} request(s) unfinished)")
            }
            None => warn!("connection to {broker} failed: {cause}"),
        }
        self.last_error = Some(cause);
        self.reconnect_at = self.schedule.handle_failure(now);
        if let (Some(delay), Some(_)) = (self.schedule.delay(), self.reconnect_at) {
            info!(
                "reconnecting to {} in {delay:?} after {} failed round(s)",
                self.broker(options),
                self.schedule.failed_rounds()
            );
        }
    }
}

/// An error and its sources, joined by ": " (a transparent wrapper shows its cause once).
pub(super) fn chain(error: &dyn StdError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(text, ": {cause}");
        source = cause.source();
    }
    text
}
