//! [`EventLoop`]: connects and reconnects, and moves requests and packets between the client
//! channels, [`MqttState`] and the network. The IO shell's driver: it awaits the network,
//! the request lanes and the timers (so do the client handles and the transports), and it
//! is where the clock is read (each loop iteration, plus error, connect and disconnect paths).
//!
//! Here: the loop's phases, `poll` and the wait. Each submodule adds one job: `connect`
//! (backoff wait, CONNECT/CONNACK), `requests` (taking requests in batches), `packets`
//! (handling broker packets in batches), `jam` (reading on while a blocked publish fills its
//! lane), `shutdown` (graceful and immediate disconnect), `timer`, `lanes` (the request
//! channels and their order), `session` (the session store), `lifecycle` and `backoff`
//! (connection history, reconnect delay), `diagnostics`, `session_control`, `error`.

use std::time::Duration;

use tokio::time::{self, Instant};

mod backoff;
mod connect;
mod diagnostics;
mod error;
mod jam;
mod lanes;
mod lifecycle;
mod packets;
mod requests;
mod session;
mod session_control;
mod shutdown;
mod timer;

use crate::framed::Network;
use crate::keepalive::KeepAlive;
use crate::mqttbytes::Packet;
use crate::request::Envelope;
use crate::state::MqttState;
use crate::{Event, MqttOptions, NetworkOptions, Outgoing};
pub use diagnostics::{ConnectionStatus, Diagnostics};
pub use error::ConnectionError;
use lanes::{Gate, next_request};
pub(crate) use lanes::{RequestReceivers, RequestSenders, Stamped, request_channels};
use lifecycle::Lifecycle;
use session::SessionShell;
use shutdown::Shutdown;
use timer::{Timer, earliest};

/// Where the loop is in its life.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "one per event loop; boxing the connection would add an indirection per packet"
)]
enum Phase {
    /// No connection: the next poll connects.
    Disconnected,
    /// Connected, with the clock that paces pings and the timer that waits for it.
    Connected {
        network: Network,
        keepalive: KeepAlive,
        timer: Timer,
    },
    /// Disconnected for good; poll returns `RequestsDone`.
    Finished,
}

/// What woke the loop.
enum Wake {
    Request,
    Immediate(Envelope),
    Packet(Result<Packet, ConnectionError>),
    Timer,
}

/// The event loop: owns the connection, the protocol state and the request receivers.
///
/// Nothing happens unless the application keeps calling [`EventLoop::poll`]; after an
/// error, the next call reconnects and resumes pending work.
pub struct EventLoop {
    /// The options used for every connection attempt.
    pub mqtt_options: MqttOptions,
    /// The protocol state (in-flight publishes, packet ids, queued events).
    pub state: MqttState,
    /// Socket options and the connection timeout.
    pub network_options: NetworkOptions,
    requests: RequestReceivers,
    /// Kept by a standalone loop ([`EventLoop::new`]) so it never reports `RequestsDone`.
    own_senders: Option<RequestSenders>,
    session: SessionShell,
    /// Automatic acks held back while the loop is jammed; at most one per buffered event.
    held_acks: Vec<Packet>,
    phase: Phase,
    shutdown: Shutdown,
    lifecycle: Lifecycle,
}

impl EventLoop {
    /// A standalone event loop with bounded lanes of `cap` requests, keeping its own senders.
    ///
    /// Use [`AsyncClient::builder`](crate::AsyncClient::builder) to get a client with it.
    pub fn new(options: MqttOptions, cap: usize) -> Self {
        let (senders, receivers) = request_channels(Some(cap));
        let mut eventloop = Self::from_receivers(options, receivers);
        eventloop.own_senders = Some(senders);
        eventloop
    }

    /// An event loop fed by the clients holding the matching senders.
    pub(crate) fn from_receivers(options: MqttOptions, requests: RequestReceivers) -> Self {
        let state = MqttState::new(options.inflight(), options.ack_mode());
        Self {
            network_options: options.network_options(),
            lifecycle: Lifecycle::new(&options),
            mqtt_options: options,
            state,
            requests,
            own_senders: None,
            session: SessionShell::new(),
            held_acks: Vec::new(),
            phase: Phase::Disconnected,
            shutdown: Shutdown::Running,
        }
    }

    /// Drives the connection and returns the next event.
    ///
    /// Connects on the first call and after any error. Returns every packet received as
    /// [`Event::Incoming`] and every packet sent as [`Event::Outgoing`].
    ///
    /// # Errors
    /// A [`ConnectionError`]; call `poll` again to reconnect, except after
    /// [`ConnectionError::RequestsDone`] and [`ConnectionError::DisconnectTimeout`], which are final.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future (for example in `tokio::select!`) loses no packet and no
    /// request. Bytes read stay buffered, unwritten bytes stay queued for the next call, and a
    /// request is taken from its channel only when it is handled, synchronously. A connection
    /// attempt dropped midway is simply started again. A reconnect backoff wait dropped midway
    /// keeps its deadline: the next call waits only for the rest.
    ///
    /// # Reconnect backoff
    /// After a failed attempt (or a connection that ended before the backoff's
    /// `reset_after`), the next call first waits the delay drawn by
    /// [`MqttOptions::set_reconnect_backoff`], then connects; with fallback brokers, the
    /// next broker is tried at once and the delay applies per round. The wait is shown by
    /// [`EventLoop::diagnostics`] as [`ConnectionStatus::WaitingToReconnect`] and logged at
    /// `info`.
    ///
    /// # Examples
    /// ```no_run
    /// use rumqttc::{AsyncClient, ConnectionError, Event, MqttOptions, Packet};
    ///
    /// # async fn run() {
    /// let options = MqttOptions::new("poller", ("127.0.0.1", 1883));
    /// let (_client, mut eventloop) = AsyncClient::builder(options).build();
    /// loop {
    ///     match eventloop.poll().await {
    ///         Ok(Event::Incoming(Packet::Publish(publish))) => {
    ///             println!("{} bytes on {:?}", publish.payload.len(), publish.topic);
    ///         }
    ///         Ok(_) => {}
    ///         // Every client was dropped, or a disconnect completed.
    ///         Err(ConnectionError::RequestsDone) => break,
    ///         // The connection is gone; the next poll reconnects after the backoff.
    ///         Err(error) => eprintln!("{error}"),
    ///     }
    /// }
    /// # }
    /// ```
    pub async fn poll(&mut self) -> Result<Event, ConnectionError> {
        let result = match self.phase {
            // Connected: `run` flushes before it hands out events.
            Phase::Connected { .. } => self.run().await,
            _ if !self.state.events.is_empty() => return self.next_event(),
            Phase::Finished => return Err(ConnectionError::RequestsDone),
            // Boxed: the connect future (DNS, TLS, handshake) is large and needed only while
            // connecting, so an idle connection's `poll` future stays small.
            Phase::Disconnected => Box::pin(self.reconnect()).await,
        };
        if let Err(error) = &result {
            self.handle_error(error);
        }
        result
    }

    /// Drops the connection and queues unfinished work for replay on the next connection.
    pub fn clean(&mut self) {
        if matches!(self.phase, Phase::Connected { .. }) {
            self.set_phase(Phase::Disconnected);
        }
        // Acks owed to the old connection are void: the broker redelivers.
        self.held_acks.clear();
        self.state.handle_connection_lost();
    }

    /// Requests waiting in the loop for (re)transmission.
    pub fn pending_len(&self) -> usize {
        self.state.pending_len()
    }

    /// True when no request waits in the loop.
    pub fn pending_is_empty(&self) -> bool {
        self.state.pending.is_empty()
    }

    /// The topic filters the broker granted on this session (see [`Subscriptions`](crate::Subscriptions)).
    pub const fn subscriptions(&self) -> &crate::Subscriptions {
        self.state.subscriptions()
    }

    /// A copy of the network options.
    pub fn network_options(&self) -> NetworkOptions {
        self.network_options.clone()
    }

    /// Replaces the network options used from the next connection on. Like
    /// [`MqttOptions::validate`], the next connection attempt refuses a connection timeout
    /// of 0 with [`ConnectionError::InvalidOptions`].
    pub fn set_network_options(&mut self, options: NetworkOptions) -> &mut Self {
        self.network_options = options;
        self
    }

    fn handle_error(&mut self, error: &ConnectionError) {
        self.session.persist_before_error(&mut self.state);
        match error {
            ConnectionError::RequestsDone | ConnectionError::DisconnectTimeout => self.finish(),
            _ => {
                let now = Instant::now();
                let unfinished = self.state.packet_ids_in_use() + self.state.pending_len();
                self.lifecycle
                    .handle_error(now, &self.mqtt_options, error, unfinished);
                self.clean();
            }
        }
    }

    /// Moves to `phase`, keeping the traffic count of a connection it leaves.
    fn set_phase(&mut self, phase: Phase) {
        if let Phase::Connected { network, .. } = std::mem::replace(&mut self.phase, phase) {
            self.lifecycle.traffic = self.lifecycle.traffic.add(network.traffic());
        }
    }

    /// Ends the loop for good: drops the connection and every unprocessed request, whose
    /// notices then report that the event loop is gone.
    fn finish(&mut self) {
        self.set_phase(Phase::Finished);
        self.state.pending.clear();
        self.requests.discard_queued();
        // Dropping the receivers makes every later client call fail as disconnected.
        self.requests = request_channels(Some(0)).1;
        self.own_senders = None;
    }

    async fn run(&mut self) -> Result<Event, ConnectionError> {
        loop {
            let now = Instant::now();
            if let Some(stamped) = self.requests.immediate.try_recv() {
                return self.disconnect_now(stamped.envelope).await;
            }
            self.handle_timeout(now)?;
            // Requests first, so a task that polls and awaits requests in turn never waits on
            // a lane only this poll empties (pending work keeps its throttle).
            if self.pending_is_empty() || self.mqtt_options.pending_throttle().is_zero() {
                self.handle_requests(now)?;
            }
            let jammed = self.is_jammed();
            if !jammed {
                self.release_acks()?;
            }
            self.flush(now).await?;
            if !jammed && let Some(event) = self.state.events.pop_front() {
                return Ok(event);
            }
            if self.is_drain_complete() {
                return self.send_disconnect().await;
            }
            if self.is_requests_done() {
                return Err(ConnectionError::RequestsDone);
            }
            match self.wait(now).await {
                Wake::Request => self.handle_requests(now)?,
                Wake::Immediate(envelope) => return self.disconnect_now(envelope).await,
                Wake::Packet(packet) => self.handle_packets(packet?, now)?,
                Wake::Timer => {}
            }
        }
    }

    /// Waits for the next request, packet or deadline. Cancel safe.
    async fn wait(&mut self, now: Instant) -> Wake {
        let gate = self.gate();
        let Phase::Connected {
            network,
            keepalive,
            timer,
        } = &mut self.phase
        else {
            return Wake::Packet(Err(ConnectionError::ConnectionClosed));
        };
        let deadline = earliest(keepalive.poll_timeout(), self.shutdown.deadline());
        let throttle = self.mqtt_options.pending_throttle();
        let RequestReceivers { ordered, immediate } = &mut self.requests;
        tokio::select! {
            () = next_request(&self.state.pending, ordered, gate, throttle) => Wake::Request,
            Some(stamped) = immediate.recv() => Wake::Immediate(stamped.envelope),
            packet = network.read() => Wake::Packet(packet.map_err(Into::into)),
            () = timer.sleep_until(deadline, now) => Wake::Timer,
        }
    }

    /// Sends a PINGREQ when one is due; fails when the previous one went unanswered, or when
    /// a graceful disconnect ran out of time.
    fn handle_timeout(&mut self, now: Instant) -> Result<(), ConnectionError> {
        if self
            .shutdown
            .deadline()
            .is_some_and(|deadline| deadline <= now)
        {
            return Err(ConnectionError::DisconnectTimeout);
        }
        let Phase::Connected { keepalive, .. } = &mut self.phase else {
            return Ok(());
        };
        if keepalive.handle_timeout(now)?.is_some() {
            self.write_control(Packet::PingReq, Outgoing::PingReq)?;
        }
        Ok(())
    }

    /// Flushes encoded packets, bounded by the connection timeout. Cancel safe.
    async fn flush(&mut self, now: Instant) -> Result<(), ConnectionError> {
        self.session.persist(&mut self.state)?;
        let deadline = now + Duration::from_secs(self.network_options.connection_timeout());
        let Phase::Connected {
            network, keepalive, ..
        } = &mut self.phase
        else {
            return Ok(());
        };
        if !network.has_unflushed() {
            return Ok(());
        }
        match time::timeout_at(deadline, network.flush()).await {
            Ok(Ok(())) => {
                keepalive.handle_transmit(now);
                self.state.handle_flushed();
                Ok(())
            }
            Ok(Err(error)) => {
                self.state.handle_flush_failed();
                Err(error.into())
            }
            Err(_) => {
                self.state.handle_flush_failed();
                Err(ConnectionError::FlushTimeout)
            }
        }
    }

    /// Writes a packet the loop itself originates (PINGREQ, DISCONNECT) and reports it.
    fn write_control(&mut self, packet: Packet, event: Outgoing) -> Result<(), ConnectionError> {
        self.network()?.write(&packet)?;
        self.state.events.push_back(Event::Outgoing(event));
        Ok(())
    }

    fn gate(&self) -> Gate {
        Gate {
            window: !self.state.is_publish_window_full(),
            lanes: self.shutdown == Shutdown::Running,
        }
    }

    fn next_event(&mut self) -> Result<Event, ConnectionError> {
        self.state
            .events
            .pop_front()
            .ok_or(ConnectionError::RequestsDone)
    }

    fn network(&mut self) -> Result<&mut Network, ConnectionError> {
        match &mut self.phase {
            Phase::Connected { network, .. } => Ok(network),
            _ => Err(ConnectionError::ConnectionClosed),
        }
    }
}

impl Drop for EventLoop {
    fn drop(&mut self) {
        self.requests.discard_queued();
    }
}
