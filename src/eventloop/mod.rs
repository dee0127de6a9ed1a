//! [`EventLoop`]: connects and reconnects, and moves requests and packets between the client
//! channels, [`MqttState`] and the network. The IO shell's driver: it awaits the network,
//! the request lanes and the timers (so do the client handles and the transports), and it
//! is where the clock is read (each loop iteration, plus error, connect and disconnect paths).

use std::pin::Pin;
use std::time::Duration;

use tokio::time::{self, Instant, Sleep};

mod backoff;
mod connect;
mod diagnostics;
mod error;
mod lanes;
mod lifecycle;
mod session;
mod session_control;

use crate::framed::Network;
use crate::keepalive::KeepAlive;
use crate::mqttbytes::Packet;
use crate::request::Envelope;
use crate::state::{MqttState, Outbound, Pending};
use crate::{Event, MqttOptions, NetworkOptions, NoticeFailureReason, Outgoing, Request};
pub use diagnostics::{ConnectionStatus, Diagnostics, Traffic};
pub use error::ConnectionError;
use lanes::{Gate, next_request, try_next_request};
pub(crate) use lanes::{RequestReceivers, RequestSenders, Stamped, request_channels};
use lifecycle::Lifecycle;
use session::SessionShell;

/// Requests handled per flush when the options leave `max_request_batch` at 0.
const DEFAULT_REQUEST_BATCH: usize = 64;
/// Incoming packets handled per flush of their acknowledgements when the options leave
/// `read_batch_size` at 0.
const READ_BATCH: usize = 64;
/// Events a jammed loop buffers while it reads on for acknowledgements, before it hands them
/// out anyway (see [`EventLoop::is_jammed`]): 4,096, about 2,000 incoming publishes with
/// their acks held back. Brokers that honour their own in-flight limit never send that many
/// unacknowledged; mosquitto 2.0.11 was seen keeping 368 in flight with a limit of 20.
const JAMMED_EVENTS_MAX: usize = 64 * READ_BATCH;

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

/// Whether the application asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shutdown {
    Running,
    /// Graceful disconnect: finish accepted work, then DISCONNECT (before `deadline`, if any).
    Draining {
        deadline: Option<Instant>,
    },
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

    /// Handles up to a batch of requests that are ready and admissible, in call order.
    fn handle_requests(&mut self, now: Instant) -> Result<(), ConnectionError> {
        let batch = match self.mqtt_options.max_request_batch() {
            0 => DEFAULT_REQUEST_BATCH,
            n => n,
        };
        for _ in 0..batch {
            let gate = self.gate();
            let ordered = &mut self.requests.ordered;
            let Some(next) = try_next_request(&mut self.state.pending, ordered, gate) else {
                break;
            };
            self.handle_request(next, now)?;
        }
        Ok(())
    }

    /// True when the loop holds a publish the in-flight window blocks and the publish lane is
    /// full, so a caller that publishes after each event would wait for an ack forever. Then
    /// `poll` hands out no buffered event and reads on instead, holding back the automatic
    /// acks of publishes it reads, so the broker stops sending at its own in-flight limit
    /// and its acks get through; past [`JAMMED_EVENTS_MAX`] buffered events it gives up.
    fn is_jammed(&self) -> bool {
        self.state.events.len() < JAMMED_EVENTS_MAX
            && (self.requests.ordered).is_publish_jammed(self.gate().window)
    }

    /// Writes the acks held back while jammed, in the order their publishes arrived.
    fn release_acks(&mut self) -> Result<(), ConnectionError> {
        if self.held_acks.is_empty() {
            return Ok(());
        }
        let Phase::Connected { network, .. } = &mut self.phase else {
            return Err(ConnectionError::ConnectionClosed);
        };
        for ack in self.held_acks.drain(..) {
            network.write(&ack)?;
        }
        Ok(())
    }

    fn handle_request(&mut self, item: Pending, now: Instant) -> Result<(), ConnectionError> {
        let Envelope { request, notice } = item.envelope;
        match request {
            Request::Disconnect(_) => self.begin_drain(None),
            Request::DisconnectWithTimeout(_, timeout) => self.begin_drain(Some(now + timeout)),
            request => {
                let Some(outbound) = self.state.prepare_outgoing(request, notice)? else {
                    return Ok(());
                };
                let Phase::Connected { network, .. } = &mut self.phase else {
                    return Err(ConnectionError::ConnectionClosed);
                };
                match outbound {
                    Outbound::Packet(packet) => network.write(&packet)?,
                    Outbound::Stored(publish) => network.write_publish(publish)?,
                };
            }
        }
        Ok(())
    }

    /// Handles `first` and every further packet already whole in the read buffer, up to a
    /// batch; packets past the batch stay buffered for the next call.
    fn handle_packets(&mut self, first: Packet, now: Instant) -> Result<(), ConnectionError> {
        let hold = self.is_jammed();
        if !hold {
            self.release_acks()?;
        }
        self.handle_packet(first, hold, now)?;
        let batch = match self.mqtt_options.read_batch_size() {
            0 => READ_BATCH,
            size => size,
        };
        for _ in 1..batch {
            match self.network()?.read_buffered()? {
                Some(packet) => self.handle_packet(packet, hold, now)?,
                None => break,
            }
        }
        Ok(())
    }

    /// Feeds `packet` to the keep-alive clock and to the state and writes its reply; with
    /// `hold`, the ack of a publish waits in `held_acks` (see [`EventLoop::is_jammed`]). The
    /// packet is stamped with this iteration's `now`, when the wait began: never before the
    /// last flush, so the stamp moves no ping earlier than the transmit rule alone would.
    fn handle_packet(
        &mut self,
        packet: Packet,
        hold: bool,
        now: Instant,
    ) -> Result<(), ConnectionError> {
        if let Phase::Connected { keepalive, .. } = &mut self.phase {
            keepalive.handle_receive(&packet, now);
        }
        let is_publish = matches!(packet, Packet::Publish(_));
        let Some(reply) = self.state.handle_incoming_packet(packet)? else {
            return Ok(());
        };
        if hold && is_publish {
            self.held_acks.push(reply);
        } else {
            self.network()?.write(&reply)?;
        }
        Ok(())
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

    /// Starts a graceful disconnect: publishes already accepted are finished first.
    fn begin_drain(&mut self, deadline: Option<Instant>) {
        self.shutdown = Shutdown::Draining { deadline };
        // Publishes already accepted are finished before DISCONNECT.
        self.requests
            .ordered
            .drain_publishes(&mut self.state.pending);
    }

    fn is_drain_complete(&self) -> bool {
        matches!(self.shutdown, Shutdown::Draining { .. })
            && self.pending_is_empty()
            && self.state.is_drained()
    }

    /// True when every client is gone and nothing is left to finish.
    fn is_requests_done(&self) -> bool {
        self.own_senders.is_none()
            && self.shutdown == Shutdown::Running
            && self.requests.ordered.is_done()
            && self.pending_is_empty()
            && self.state.is_drained()
    }

    /// `disconnect_now`: DISCONNECT at once; unresolved work is abandoned and its notices fail.
    async fn disconnect_now(&mut self, _request: Envelope) -> Result<Event, ConnectionError> {
        self.state
            .drain_tracked_requests_as_failed(NoticeFailureReason::Abandoned);
        self.state
            .drain_pending_as_failed(NoticeFailureReason::Abandoned);
        self.send_disconnect().await
    }

    /// Writes and flushes DISCONNECT, then ends the loop.
    async fn send_disconnect(&mut self) -> Result<Event, ConnectionError> {
        self.write_control(Packet::Disconnect, Outgoing::Disconnect)?;
        let flushed = self.flush(Instant::now()).await;
        self.finish();
        flushed?;
        self.next_event()
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

impl Shutdown {
    const fn deadline(self) -> Option<Instant> {
        match self {
            Self::Running => None,
            Self::Draining { deadline } => deadline,
        }
    }
}

/// The one timer of a connection: re-armed when the deadline moves instead of registering
/// a new timer on every wait (pushing a deadline later is a cheap update in tokio).
#[derive(Debug)]
struct Timer(Pin<Box<Sleep>>);

impl Timer {
    fn new(now: Instant) -> Self {
        Self(Box::pin(time::sleep_until(now)))
    }

    /// Completes at `deadline`, at once if it has passed, never for `None`. Cancel safe.
    async fn sleep_until(&mut self, deadline: Option<Instant>, now: Instant) {
        match deadline {
            Some(deadline) if deadline > now => {
                if self.0.deadline() != deadline {
                    self.0.as_mut().reset(deadline);
                }
                self.0.as_mut().await;
            }
            Some(_) => {}
            None => std::future::pending().await,
        }
    }
}

fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
