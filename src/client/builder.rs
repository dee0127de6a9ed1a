//! The twin builders: [`AsyncClientBuilder`] (an [`AsyncClient`] and its [`EventLoop`]) and
//! [`ClientBuilder`] (a [`Client`] and its [`Connection`]), which wraps it.

use super::async_client::AsyncClient;
use super::connection::{Connection, new_runtime};
use super::error::ClientBuildError;
use super::request::Limits;
use super::sync_client::Client;
use super::tx::RequestTx;
use crate::eventloop::EventLoop;
use crate::eventloop::request_channels;
use crate::options::MqttOptions;

/// Builds an [`AsyncClient`] and the [`EventLoop`] it feeds.
#[derive(Debug)]
pub struct AsyncClientBuilder {
    options: MqttOptions,
    /// `None`: unbounded lanes.
    pub(super) capacity: Option<usize>,
}

impl AsyncClientBuilder {
    /// A builder whose lanes hold `options.request_channel_capacity()` requests each.
    pub const fn new(options: MqttOptions) -> Self {
        let capacity = Some(options.request_channel_capacity());
        Self { options, capacity }
    }

    /// Bounded lanes of `capacity` requests each; `0` makes every send a rendezvous with the
    /// event loop.
    pub const fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = Some(capacity);
        self
    }

    /// Unbounded lanes: sends never wait, and memory grows while the event loop lags.
    pub const fn unbounded(mut self) -> Self {
        self.capacity = None;
        self
    }

    /// The client and its event loop. Invalid options are not checked here: the first
    /// [`EventLoop::poll`] reports them as [`ConnectionError::InvalidOptions`].
    ///
    /// [`ConnectionError::InvalidOptions`]: crate::ConnectionError::InvalidOptions
    pub fn build(self) -> (AsyncClient, EventLoop) {
        let limits = Limits::new(self.options.max_outgoing_packet_size());
        let (senders, receivers) = request_channels(self.capacity);
        let eventloop = EventLoop::from_receivers(self.options, receivers);
        let tx = RequestTx::Lanes(senders);
        (AsyncClient { tx, limits }, eventloop)
    }

    /// As [`AsyncClientBuilder::build`], after checking the options.
    ///
    /// # Errors
    /// [`ClientBuildError::Config`] when [`MqttOptions::validate`] refuses the options.
    pub fn try_build(self) -> Result<(AsyncClient, EventLoop), ClientBuildError> {
        self.options.validate()?;
        Ok(self.build())
    }
}

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
    ///
    /// [`ConnectionError::InvalidOptions`]: crate::ConnectionError::InvalidOptions
    /// [`ConnectionError::Io`]: crate::ConnectionError::Io
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
