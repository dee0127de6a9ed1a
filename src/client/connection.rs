//! [`Connection`], the blocking driver of an [`EventLoop`] on a current-thread tokio runtime
//! it owns, its receive errors and [`Iter`]. Nothing here panics inside or outside a tokio
//! runtime.

use std::future::Future;
use std::time::Duration;
use std::{io, panic, thread};

use tokio::runtime::{self, Handle, Runtime};

use crate::event::Event;
use crate::eventloop::{ConnectionError, EventLoop};

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
    pub(super) fn new(eventloop: EventLoop, runtime: Option<Runtime>) -> Self {
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

pub(super) fn new_runtime() -> io::Result<Runtime> {
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

/// Polls `future` once after one turn of the runtime's IO driver; `None` if still pending.
async fn poll_once<F: Future>(future: F) -> Option<F::Output> {
    tokio::select! {
        biased;
        output = future => Some(output),
        () = tokio::task::yield_now() => None,
    }
}
