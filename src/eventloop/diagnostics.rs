//! [`EventLoop::diagnostics`]: a snapshot of the connection, its history and its traffic,
//! built on demand from plain counters the loop keeps anyway. No locks, no hot-path cost.

use std::time::Duration;

use tokio::time::Instant;

use super::shutdown::Shutdown;
use super::{EventLoop, Phase};
use crate::framed::Traffic;
use crate::{Broker, InflightCounts};

/// Where the event loop is with its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionStatus {
    /// Not connected; the next poll connects at once.
    Disconnected,
    /// Not connected; the next poll waits until `until` (the reconnect backoff), then connects.
    WaitingToReconnect {
        /// When the next attempt starts.
        until: Instant,
    },
    /// Connected since `since` (when the CONNACK arrived).
    Connected {
        /// When the connection was accepted.
        since: Instant,
    },
    /// The loop has finished (disconnected for good, or every client dropped).
    Finished,
}

/// A snapshot of an event loop: see [`EventLoop::diagnostics`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Diagnostics {
    /// Connected, waiting to reconnect, disconnected or finished.
    pub status: ConnectionStatus,
    /// The broker in use, or the one the next attempt uses.
    pub broker: Broker,
    /// Index of `broker` in [`MqttOptions::brokers`](crate::MqttOptions::brokers).
    pub broker_index: usize,
    /// Connection attempts started (each CONNECT tried, whatever its outcome).
    pub attempts: u64,
    /// Connections the broker accepted.
    pub connections: u64,
    /// Accepted connections after the first.
    pub reconnects: u64,
    /// Consecutive rounds in which every broker failed (0 once a connection lasted).
    pub failed_rounds: u32,
    /// The backoff delay drawn after the last failed round, until a connection lasts.
    pub backoff: Option<Duration>,
    /// The last connection error and its causes, as text.
    pub last_error: Option<String>,
    /// Outgoing exchanges awaiting the broker, by kind.
    pub inflight: InflightCounts,
    /// Requests held by the loop for (re)transmission (replays and requests taken early).
    pub pending_requests: usize,
    /// Publishes queued in the client channel, not yet taken by the loop (may race with the
    /// clients).
    pub queued_publishes: usize,
    /// Subscribes, unsubscribes, acks and disconnects queued in the client channels.
    pub queued_control: usize,
    /// A graceful disconnect is finishing accepted work.
    pub disconnecting: bool,
    /// Events queued for the next polls.
    pub queued_events: usize,
    /// Traffic of every connection so far, the current one included.
    pub traffic: Traffic,
}

impl Diagnostics {
    /// How long the current connection has been up (reads the clock); `None` when not
    /// connected.
    pub fn connected_for(&self) -> Option<Duration> {
        match self.status {
            ConnectionStatus::Connected { since } => Some(since.elapsed()),
            _ => None,
        }
    }
}

impl EventLoop {
    /// A snapshot of the connection: status, broker, attempts, backoff, work in flight,
    /// last error and traffic.
    ///
    /// Cheap: it copies counters the loop keeps anyway, walks the in-flight table once and
    /// clones the broker address; nothing on the packet path takes a lock or pays for it.
    ///
    /// # Examples
    /// ```
    /// use rumqttc::{ConnectionStatus, EventLoop, MqttOptions};
    ///
    /// let eventloop = EventLoop::new(MqttOptions::new("probe", ("localhost", 1883)), 10);
    /// let diagnostics = eventloop.diagnostics();
    /// assert_eq!(diagnostics.status, ConnectionStatus::Disconnected);
    /// assert_eq!(diagnostics.broker.tcp_address(), Some(("localhost", 1883)));
    /// assert_eq!((diagnostics.attempts, diagnostics.traffic.bytes_out), (0, 0));
    /// ```
    pub fn diagnostics(&self) -> Diagnostics {
        let lifecycle = &self.lifecycle;
        let (status, live) = match &self.phase {
            Phase::Connected { network, .. } => {
                let since = lifecycle.connected_since.unwrap_or_else(Instant::now);
                (ConnectionStatus::Connected { since }, network.traffic())
            }
            Phase::Finished => (ConnectionStatus::Finished, Traffic::default()),
            Phase::Disconnected => match lifecycle.reconnect_at {
                Some(until) => (
                    ConnectionStatus::WaitingToReconnect { until },
                    Traffic::default(),
                ),
                None => (ConnectionStatus::Disconnected, Traffic::default()),
            },
        };
        Diagnostics {
            status,
            broker: self.current_broker().clone(),
            broker_index: lifecycle.schedule.current(),
            attempts: lifecycle.attempts,
            connections: lifecycle.connections,
            reconnects: lifecycle.connections.saturating_sub(1),
            failed_rounds: lifecycle.schedule.failed_rounds(),
            backoff: lifecycle.schedule.delay(),
            last_error: lifecycle.last_error.clone(),
            inflight: self.state.inflight_counts(),
            pending_requests: self.state.pending_len(),
            queued_publishes: self.requests.ordered.queued_publishes(),
            queued_control: self.requests.ordered.queued_control() + self.requests.immediate.len(),
            disconnecting: matches!(self.shutdown, Shutdown::Draining { .. }),
            queued_events: self.state.events.len(),
            traffic: lifecycle.traffic.add(live),
        }
    }

    /// The broker in use, or the one the next connection attempt uses.
    ///
    /// # Examples
    ///
    /// ```
    /// use rumqttc::{AsyncClient, MqttOptions};
    ///
    /// let mut options = MqttOptions::new("sensor-7", ("mqtt-a.local", 1883));
    /// options.add_fallback_broker(("mqtt-b.local", 1883));
    /// let (_client, eventloop) = AsyncClient::builder(options).build();
    /// // Before the first attempt fails over, the primary broker is the one in use.
    /// assert_eq!(Some(eventloop.current_broker()), eventloop.mqtt_options.brokers().next());
    /// ```
    pub fn current_broker(&self) -> &Broker {
        self.lifecycle.broker(&self.mqtt_options)
    }
}
