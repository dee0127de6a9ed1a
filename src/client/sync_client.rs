//! The blocking facade: [`Client`] (blocking twins of every [`AsyncClient`] method) and
//! [`Connection`], which drives the [`EventLoop`] on a current-thread tokio runtime it owns.
//! Nothing here panics inside or outside a tokio runtime.

use std::future::Future;
use std::time::Duration;
use std::{io, panic, thread};

use tokio::runtime::{self, Handle, Runtime};

use crate::client::{
    AsyncClient, AsyncClientBuilder, ClientBuildError, ClientError, IntoPublishPayload,
    PublishOptions, PublishTopic, build_ack, owned, prepare_ack, untracked,
};
use crate::mqttbytes::{Disconnect, Publish, QoS, SubscribeFilter};

use crate::{
    ConnectionError, Event, EventLoop, ManualAck, MqttOptions, PublishNotice, Request,
    SubscribeNotice, UnsubscribeNotice,
};

/// Builds a [`Client`] and the [`Connection`] that drives it.
#[derive(Debug)]
pub struct ClientBuilder(AsyncClientBuilder);

impl ClientBuilder {
    /// A builder whose lanes hold `options.request_channel_capacity()` requests each.
    pub const fn new(options: MqttOptions) -> Self {
        Self(AsyncClientBuilder::new(options))
    }

    /// Bounded lanes of `capacity` requests each; `0` makes every send a rendezvous.
    pub const fn capacity(mut self, capacity: usize) -> Self {
        self.0.capacity = Some(capacity);
        self
    }

    /// Unbounded lanes: sends never block.
    pub const fn unbounded(mut self) -> Self {
        self.0.capacity = None;
        self
    }

    /// The client and its connection. Invalid options surface on the first receive as
    /// [`ConnectionError::InvalidOptions`]; if the runtime cannot be created now, creating it
    /// is retried on each receive, which yields the error as [`ConnectionError::Io`].
    pub fn build(self) -> (Client, Connection) {
        let runtime = new_runtime().ok();
        let (client, eventloop) = self.0.build();
        (Client(client), Connection::new(eventloop, runtime))
    }

    /// As [`ClientBuilder::build`], after checking the options and creating the runtime.
    ///
    /// # Errors
    /// [`ClientBuildError::Config`] for invalid options, [`ClientBuildError::Runtime`] when
    /// the runtime cannot be created.
    pub fn try_build(self) -> Result<(Client, Connection), ClientBuildError> {
        let runtime = new_runtime().map_err(ClientBuildError::Runtime)?;
        let (client, eventloop) = self.0.try_build()?;
        Ok((Client(client), Connection::new(eventloop, Some(runtime))))
    }
}

/// A blocking handle to an [`EventLoop`]: cheap to clone, usable from any thread.
///
/// The blocking twin of [`AsyncClient`], with the same validation and the same variants:
/// plain methods block the thread while the bounded lane is full, `try_*` never block,
/// `*_tracked` return a notice whose `wait` blocks until the broker answers. Calling them
/// inside a tokio runtime does not panic, but a blocked call stalls that runtime thread.
///
/// Nothing reaches the broker until the [`Connection`] is iterated. Requests keep call order
/// and back-pressure works as on [`AsyncClient`] (see its "Order and back-pressure"): the
/// thread that iterates the connection may call plain methods between events, except a
/// QoS 1/2 publish while the in-flight window and the lane are full and no acknowledgement
/// arrives, which blocks it for good; use `try_publish` there if that can happen.
///
/// # Examples
/// ```no_run
/// use rumqttc::{Client, MqttOptions, QoS};
///
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let options = MqttOptions::new("client-1", ("127.0.0.1", 1883));
/// let (client, mut connection) = Client::builder(options).capacity(10).build();
/// client.subscribe("hello/+/world", QoS::AtLeastOnce)?;
/// client.publish("hello/rumqtt/world", QoS::AtLeastOnce, false, "hi")?;
/// for event in connection.iter() {
///     println!("{:?}", event?);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Client(pub(super) AsyncClient);

impl Client {
    /// A builder for a client and its connection.
    pub const fn builder(options: MqttOptions) -> ClientBuilder {
        ClientBuilder::new(options)
    }

    /// A client that sends every request, untracked and in call order, to `requests`, with no
    /// event loop behind it. Tracked methods fail with [`ClientError::TrackingUnavailable`].
    pub const fn from_sender(requests: flume::Sender<Request>) -> Self {
        Self(AsyncClient::from_senders(requests))
    }

    /// Publishes `payload` to `topic`, blocking while the publish lane is full.
    ///
    /// # Errors
    /// As [`AsyncClient::publish`].
    ///
    /// # Examples
    /// ```no_run
    /// # use rumqttc::{Client, QoS};
    /// # fn run(client: Client) -> Result<(), rumqttc::ClientError> {
    /// client.publish("sensors/1/temperature", QoS::AtLeastOnce, false, "21.5")?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn publish(
        &self,
        topic: impl Into<PublishTopic>,
        qos: QoS,
        retain: bool,
        payload: impl Into<Vec<u8>>,
    ) -> Result<(), ClientError> {
        let request = self.0.publish_request(topic, qos, retain, owned(payload))?;
        self.0.tx.send_blocking(untracked(request))
    }

    /// Publishes without blocking.
    ///
    /// # Errors
    /// As [`AsyncClient::try_publish`].
    pub fn try_publish(
        &self,
        topic: impl Into<PublishTopic>,
        qos: QoS,
        retain: bool,
        payload: impl Into<Vec<u8>>,
    ) -> Result<(), ClientError> {
        self.0.try_publish(topic, qos, retain, payload)
    }

    /// Publishes a [`bytes::Bytes`] payload without copying it.
    ///
    /// # Errors
    /// As [`AsyncClient::publish`].
    pub fn publish_bytes(
        &self,
        topic: impl Into<PublishTopic>,
        qos: QoS,
        retain: bool,
        payload: bytes::Bytes,
    ) -> Result<(), ClientError> {
        let request = self.0.publish_request(topic, qos, retain, payload)?;
        self.0.tx.send_blocking(untracked(request))
    }

    /// Publishes with reusable [`PublishOptions`], blocking while the lane is full.
    ///
    /// # Errors
    /// As [`AsyncClient::publish`].
    pub fn publish_with_options(
        &self,
        topic: impl Into<PublishTopic>,
        payload: impl IntoPublishPayload,
        options: PublishOptions,
    ) -> Result<(), ClientError> {
        let request = self.0.limits.build_publish(topic, options, payload)?;
        self.0.tx.send_blocking(untracked(request))
    }

    /// Publishes and returns a notice that resolves when the publish completes.
    ///
    /// # Errors
    /// As [`AsyncClient::publish_tracked`].
    ///
    /// # Examples
    /// The notice's `wait` blocks this thread (never the one iterating the connection):
    /// ```no_run
    /// # use rumqttc::{Client, QoS};
    /// # fn run(client: Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let notice = client.publish_tracked("orders/42", QoS::AtLeastOnce, false, "paid")?;
    /// println!("acknowledged: {:?}", notice.wait()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn publish_tracked(
        &self,
        topic: impl Into<PublishTopic>,
        qos: QoS,
        retain: bool,
        payload: impl Into<Vec<u8>>,
    ) -> Result<PublishNotice, ClientError> {
        let request = self.0.publish_request(topic, qos, retain, owned(payload))?;
        let (envelope, notice) = self.0.tx.track(request)?;
        self.0.tx.send_blocking(envelope).map(|()| notice)
    }

    /// Publishes without blocking and returns the publish's notice.
    ///
    /// # Errors
    /// As [`AsyncClient::try_publish_tracked`].
    pub fn try_publish_tracked(
        &self,
        topic: impl Into<PublishTopic>,
        qos: QoS,
        retain: bool,
        payload: impl Into<Vec<u8>>,
    ) -> Result<PublishNotice, ClientError> {
        self.0.try_publish_tracked(topic, qos, retain, payload)
    }

    /// Subscribes to one filter, blocking while the control lane is full.
    ///
    /// # Errors
    /// As [`AsyncClient::subscribe`].
    ///
    /// # Examples
    /// ```no_run
    /// # use rumqttc::{Client, QoS};
    /// # fn run(client: Client) -> Result<(), rumqttc::ClientError> {
    /// client.subscribe("sensors/+/temperature", QoS::AtLeastOnce)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn subscribe(&self, filter: impl Into<String>, qos: QoS) -> Result<(), ClientError> {
        self.subscribe_many([SubscribeFilter::new(filter.into(), qos)])
    }

    /// Subscribes to one filter without blocking.
    ///
    /// # Errors
    /// As [`AsyncClient::try_subscribe`].
    pub fn try_subscribe(&self, filter: impl Into<String>, qos: QoS) -> Result<(), ClientError> {
        self.0.try_subscribe(filter, qos)
    }

    /// Subscribes to one filter; the notice resolves with the SUBACK.
    ///
    /// # Errors
    /// As [`AsyncClient::subscribe_tracked`].
    pub fn subscribe_tracked(
        &self,
        filter: impl Into<String>,
        qos: QoS,
    ) -> Result<SubscribeNotice, ClientError> {
        self.subscribe_many_tracked([SubscribeFilter::new(filter.into(), qos)])
    }

    /// Subscribes to one filter without blocking; the notice resolves with the SUBACK.
    ///
    /// # Errors
    /// As [`AsyncClient::try_subscribe_tracked`].
    pub fn try_subscribe_tracked(
        &self,
        filter: impl Into<String>,
        qos: QoS,
    ) -> Result<SubscribeNotice, ClientError> {
        self.0.try_subscribe_tracked(filter, qos)
    }

    /// Subscribes to several filters in one SUBSCRIBE.
    ///
    /// # Errors
    /// As [`AsyncClient::subscribe_many`].
    pub fn subscribe_many(
        &self,
        filters: impl IntoIterator<Item = SubscribeFilter>,
    ) -> Result<(), ClientError> {
        let request = self.0.limits.build_subscribe(filters)?;
        self.0.tx.send_blocking(untracked(request))
    }

    /// Subscribes to several filters without blocking.
    ///
    /// # Errors
    /// As [`AsyncClient::try_subscribe_many`].
    pub fn try_subscribe_many(
        &self,
        filters: impl IntoIterator<Item = SubscribeFilter>,
    ) -> Result<(), ClientError> {
        self.0.try_subscribe_many(filters)
    }

    /// Subscribes to several filters; the notice resolves with the SUBACK.
    ///
    /// # Errors
    /// As [`AsyncClient::subscribe_many_tracked`].
    pub fn subscribe_many_tracked(
        &self,
        filters: impl IntoIterator<Item = SubscribeFilter>,
    ) -> Result<SubscribeNotice, ClientError> {
        let (envelope, notice) = self.0.tx.track(self.0.limits.build_subscribe(filters)?)?;
        self.0.tx.send_blocking(envelope).map(|()| notice)
    }

    /// Subscribes to several filters without blocking; the notice resolves with the SUBACK.
    ///
    /// # Errors
    /// As [`AsyncClient::try_subscribe_many_tracked`].
    pub fn try_subscribe_many_tracked(
        &self,
        filters: impl IntoIterator<Item = SubscribeFilter>,
    ) -> Result<SubscribeNotice, ClientError> {
        self.0.try_subscribe_many_tracked(filters)
    }

    /// Unsubscribes from one filter, blocking while the control lane is full.
    ///
    /// # Errors
    /// As [`AsyncClient::unsubscribe`].
    pub fn unsubscribe(&self, filter: impl Into<String>) -> Result<(), ClientError> {
        self.unsubscribe_many([filter])
    }

    /// Unsubscribes from one filter without blocking.
    ///
    /// # Errors
    /// As [`AsyncClient::try_unsubscribe`].
    pub fn try_unsubscribe(&self, filter: impl Into<String>) -> Result<(), ClientError> {
        self.0.try_unsubscribe(filter)
    }

    /// Unsubscribes from one filter; the notice resolves with the UNSUBACK.
    ///
    /// # Errors
    /// As [`AsyncClient::unsubscribe_tracked`].
    pub fn unsubscribe_tracked(
        &self,
        filter: impl Into<String>,
    ) -> Result<UnsubscribeNotice, ClientError> {
        self.unsubscribe_many_tracked([filter])
    }

    /// Unsubscribes from one filter without blocking; the notice resolves with the UNSUBACK.
    ///
    /// # Errors
    /// As [`AsyncClient::try_unsubscribe_tracked`].
    pub fn try_unsubscribe_tracked(
        &self,
        filter: impl Into<String>,
    ) -> Result<UnsubscribeNotice, ClientError> {
        self.0.try_unsubscribe_tracked(filter)
    }

    /// Unsubscribes from several filters in one UNSUBSCRIBE.
    ///
    /// # Errors
    /// As [`AsyncClient::unsubscribe_many`].
    pub fn unsubscribe_many(
        &self,
        filters: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<(), ClientError> {
        let request = self.0.limits.build_unsubscribe(filters)?;
        self.0.tx.send_blocking(untracked(request))
    }

    /// Unsubscribes from several filters without blocking.
    ///
    /// # Errors
    /// As [`AsyncClient::try_unsubscribe_many`].
    pub fn try_unsubscribe_many(
        &self,
        filters: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<(), ClientError> {
        self.0.try_unsubscribe_many(filters)
    }

    /// Unsubscribes from several filters; the notice resolves with the UNSUBACK.
    ///
    /// # Errors
    /// As [`AsyncClient::unsubscribe_many_tracked`].
    pub fn unsubscribe_many_tracked(
        &self,
        filters: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<UnsubscribeNotice, ClientError> {
        let (envelope, notice) = self.0.tx.track(self.0.limits.build_unsubscribe(filters)?)?;
        self.0.tx.send_blocking(envelope).map(|()| notice)
    }

    /// Unsubscribes from several filters without blocking; the notice resolves with the UNSUBACK.
    ///
    /// # Errors
    /// As [`AsyncClient::try_unsubscribe_many_tracked`].
    pub fn try_unsubscribe_many_tracked(
        &self,
        filters: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<UnsubscribeNotice, ClientError> {
        self.0.try_unsubscribe_many_tracked(filters)
    }

    /// The acknowledgement `publish` needs in manual-ack mode (see [`AsyncClient::prepare_ack`]).
    pub const fn prepare_ack(&self, publish: &Publish) -> Option<ManualAck> {
        prepare_ack(publish)
    }

    /// Acknowledges an incoming publish (manual-ack mode); does nothing for QoS 0.
    ///
    /// # Errors
    /// As [`AsyncClient::ack`].
    pub fn ack(&self, publish: &Publish) -> Result<(), ClientError> {
        prepare_ack(publish).map_or(Ok(()), |ack| self.manual_ack(ack))
    }

    /// Acknowledges an incoming publish without blocking; does nothing for QoS 0.
    ///
    /// # Errors
    /// As [`AsyncClient::try_ack`].
    pub fn try_ack(&self, publish: &Publish) -> Result<(), ClientError> {
        self.0.try_ack(publish)
    }

    /// Sends an acknowledgement made by [`Client::prepare_ack`].
    ///
    /// # Errors
    /// As [`AsyncClient::manual_ack`].
    pub fn manual_ack(&self, ack: ManualAck) -> Result<(), ClientError> {
        self.0.tx.send_blocking(untracked(build_ack(ack)?))
    }

    /// Sends an acknowledgement without blocking.
    ///
    /// # Errors
    /// As [`AsyncClient::try_manual_ack`].
    pub fn try_manual_ack(&self, ack: ManualAck) -> Result<(), ClientError> {
        self.0.try_manual_ack(ack)
    }

    /// Graceful disconnect (see [`AsyncClient::disconnect`]).
    ///
    /// # Errors
    /// As [`AsyncClient::disconnect`].
    ///
    /// # Examples
    /// ```no_run
    /// # use rumqttc::{Client, QoS};
    /// # fn run(client: Client) -> Result<(), rumqttc::ClientError> {
    /// client.disconnect()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn disconnect(&self) -> Result<(), ClientError> {
        let request = Request::Disconnect(Disconnect);
        self.0.tx.send_blocking(untracked(request))
    }

    /// Graceful disconnect, sent without blocking.
    ///
    /// # Errors
    /// As [`AsyncClient::try_disconnect`].
    pub fn try_disconnect(&self) -> Result<(), ClientError> {
        self.0.try_disconnect()
    }

    /// Graceful disconnect bounded by `timeout` (see [`AsyncClient::disconnect_with_timeout`]).
    ///
    /// # Errors
    /// As [`AsyncClient::disconnect_with_timeout`].
    pub fn disconnect_with_timeout(&self, timeout: Duration) -> Result<(), ClientError> {
        let request = Request::DisconnectWithTimeout(Disconnect, timeout);
        self.0.tx.send_blocking(untracked(request))
    }

    /// Bounded graceful disconnect, sent without blocking.
    ///
    /// # Errors
    /// As [`AsyncClient::try_disconnect_with_timeout`].
    pub fn try_disconnect_with_timeout(&self, timeout: Duration) -> Result<(), ClientError> {
        self.0.try_disconnect_with_timeout(timeout)
    }

    /// Immediate disconnect (see [`AsyncClient::disconnect_now`]).
    ///
    /// # Errors
    /// As [`AsyncClient::disconnect_now`].
    pub fn disconnect_now(&self) -> Result<(), ClientError> {
        let request = Request::DisconnectNow(Disconnect);
        self.0.tx.send_blocking(untracked(request))
    }

    /// Immediate disconnect, sent without blocking.
    ///
    /// # Errors
    /// As [`AsyncClient::try_disconnect_now`].
    pub fn try_disconnect_now(&self) -> Result<(), ClientError> {
        self.0.try_disconnect_now()
    }
}

/// Every client handle is gone and the event loop finished its work, or a disconnect completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the event loop has finished: every client was dropped or the client disconnected")]
pub struct RecvError;

/// Why [`Connection::try_recv`] returned no event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TryRecvError {
    /// The event loop has finished (see [`RecvError`]).
    #[error("the event loop has finished")]
    Disconnected,
    /// No event was ready.
    #[error("no event is ready")]
    Empty,
}

/// Why [`Connection::recv_timeout`] returned no event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RecvTimeoutError {
    /// The event loop has finished (see [`RecvError`]).
    #[error("the event loop has finished")]
    Disconnected,
    /// No event arrived before the timeout.
    #[error("no event arrived before the timeout")]
    Timeout,
}

/// The blocking driver of an [`EventLoop`], on a current-thread tokio runtime it owns.
///
/// The connection makes progress only while [`Connection::iter`], [`Connection::recv`] or
/// [`Connection::recv_timeout`] runs: a client whose connection is never iterated never
/// connects. Errors other than the final [`ConnectionError::RequestsDone`] are yielded as
/// items; receiving again reconnects.
///
/// Called from inside a tokio runtime, where blocking on another runtime would panic, each
/// receive runs the event loop on a short-lived scoped thread instead, so it works but blocks
/// the calling runtime thread meanwhile.
pub struct Connection {
    /// The event loop, for access to its state and options between receives.
    pub eventloop: EventLoop,
    runtime: OwnedRuntime,
}

/// How long a receive may wait for the next event.
#[derive(Clone, Copy)]
enum Wait {
    Forever,
    Timeout(Duration),
    /// One non-blocking look, after one turn of the IO driver.
    Never,
}

/// What one receive produced.
enum Received {
    Item(Result<Event, ConnectionError>),
    /// The event loop reported [`ConnectionError::RequestsDone`].
    Finished,
    /// Nothing within the wait.
    NotReady,
}

impl Connection {
    fn new(eventloop: EventLoop, runtime: Option<Runtime>) -> Self {
        Self {
            eventloop,
            runtime: OwnedRuntime(runtime),
        }
    }

    /// A blocking iterator over events; it ends when the event loop finishes.
    ///
    /// # Examples
    /// ```no_run
    /// use rumqttc::{Client, Event, MqttOptions, Packet, QoS};
    ///
    /// # fn main() -> Result<(), rumqttc::ClientError> {
    /// let options = MqttOptions::new("sync-poller", ("127.0.0.1", 1883));
    /// let (client, mut connection) = Client::builder(options).capacity(10).build();
    /// client.subscribe("hello/#", QoS::AtMostOnce)?;
    /// for notification in connection.iter() {
    ///     match notification {
    ///         Ok(Event::Incoming(Packet::Publish(publish))) => println!("{publish:?}"),
    ///         Ok(_) => {}
    ///         // The next iteration reconnects.
    ///         Err(error) => eprintln!("{error}"),
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    #[must_use = "iterating the connection is what drives it"]
    pub const fn iter(&mut self) -> Iter<'_> {
        Iter { connection: self }
    }

    /// Blocks until the next event or connection error.
    ///
    /// # Errors
    /// [`RecvError`] once the event loop has finished.
    pub fn recv(&mut self) -> Result<Result<Event, ConnectionError>, RecvError> {
        match self.receive(Wait::Forever) {
            Received::Item(item) => Ok(item),
            Received::Finished | Received::NotReady => Err(RecvError),
        }
    }

    /// The next event if one is ready now, without blocking. Ready IO is handled once, but a
    /// step that needs to wait (connecting, for example) is restarted by the next receive:
    /// use [`Connection::recv_timeout`] to make steady progress.
    ///
    /// # Errors
    /// [`TryRecvError::Empty`] when nothing is ready, [`TryRecvError::Disconnected`] once the
    /// event loop has finished.
    pub fn try_recv(&mut self) -> Result<Result<Event, ConnectionError>, TryRecvError> {
        match self.receive(Wait::Never) {
            Received::Item(item) => Ok(item),
            Received::Finished => Err(TryRecvError::Disconnected),
            Received::NotReady => Err(TryRecvError::Empty),
        }
    }

    /// Blocks until the next event or connection error, at most `timeout`.
    ///
    /// # Errors
    /// [`RecvTimeoutError::Timeout`] when nothing arrived in time,
    /// [`RecvTimeoutError::Disconnected`] once the event loop has finished.
    pub fn recv_timeout(
        &mut self,
        timeout: Duration,
    ) -> Result<Result<Event, ConnectionError>, RecvTimeoutError> {
        match self.receive(Wait::Timeout(timeout)) {
            Received::Item(item) => Ok(item),
            Received::Finished => Err(RecvTimeoutError::Disconnected),
            Received::NotReady => Err(RecvTimeoutError::Timeout),
        }
    }

    /// Polls the event loop on the runtime, waiting as `wait` allows.
    fn receive(&mut self, wait: Wait) -> Received {
        let poll = move |runtime: &Runtime, eventloop: &mut EventLoop| {
            runtime.block_on(async move {
                match wait {
                    Wait::Forever => Some(eventloop.poll().await),
                    Wait::Timeout(timeout) => {
                        tokio::time::timeout(timeout, eventloop.poll()).await.ok()
                    }
                    Wait::Never => poll_once(eventloop.poll()).await,
                }
            })
        };
        match self.run(poll) {
            Ok(Some(Err(ConnectionError::RequestsDone))) => Received::Finished,
            Ok(Some(item)) => Received::Item(item),
            Ok(None) => Received::NotReady,
            Err(error) => Received::Item(Err(ConnectionError::Io(error))),
        }
    }

    /// Runs `job` where blocking on the runtime is allowed: on this thread, or on a scoped
    /// thread when this thread is inside a tokio runtime (where `block_on` would panic).
    fn run<T: Send>(
        &mut self,
        job: impl FnOnce(&Runtime, &mut EventLoop) -> T + Send,
    ) -> io::Result<T> {
        let runtime = self.runtime.get()?;
        let eventloop = &mut self.eventloop;
        if Handle::try_current().is_err() {
            return Ok(job(runtime, eventloop));
        }
        thread::scope(|scope| {
            let worker = thread::Builder::new()
                .name("rumqttc-connection".into())
                .spawn_scoped(scope, move || job(runtime, eventloop))?;
            // A panic in the event loop is a bug: hand it to the caller unchanged.
            Ok(worker
                .join()
                .unwrap_or_else(|payload| panic::resume_unwind(payload)))
        })
    }
}

/// Polls `future` once after one turn of the runtime's IO driver; `None` if still pending.
async fn poll_once<F: Future>(future: F) -> Option<F::Output> {
    tokio::select! {
        biased;
        output = future => Some(output),
        () = tokio::task::yield_now() => None,
    }
}

/// The connection's runtime, created lazily if it could not be created at build time. It is
/// shut down without blocking, so dropping a [`Connection`] inside async code does not panic.
struct OwnedRuntime(Option<Runtime>);

impl OwnedRuntime {
    fn get(&mut self) -> io::Result<&Runtime> {
        let runtime = match self.0.take() {
            Some(runtime) => runtime,
            None => new_runtime()?,
        };
        Ok(self.0.insert(runtime))
    }
}

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

fn new_runtime() -> io::Result<Runtime> {
    runtime::Builder::new_current_thread().enable_all().build()
}

/// Blocking iterator over a [`Connection`]'s events, from [`Connection::iter`].
///
/// Yields every event and connection error (iterating further reconnects); ends once the
/// event loop has finished.
pub struct Iter<'a> {
    connection: &'a mut Connection,
}

impl Iterator for Iter<'_> {
    type Item = Result<Event, ConnectionError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.connection.recv().ok()
    }
}
