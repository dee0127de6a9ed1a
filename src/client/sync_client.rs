//! The blocking facade: [`Client`], the blocking twin of every [`AsyncClient`] method, over
//! the same builders and send path. Its [`Connection`](super::connection::Connection) drives
//! the event loop. It mirrors `async_client.rs` method for method (the mandated twin), so it
//! is as long, for the same reason.

use std::time::Duration;

use super::async_client::AsyncClient;
use super::builder::ClientBuilder;
use super::error::ClientError;
use super::payload::{IntoPublishPayload, PublishOptions, owned};
use super::request::{build_ack, prepare_ack, untracked};
use super::topic::PublishTopic;
use crate::mqttbytes::{Disconnect, Publish, QoS, SubscribeFilter};
use crate::notice::{PublishNotice, SubscribeNotice, UnsubscribeNotice};
use crate::options::MqttOptions;
use crate::request::{ManualAck, Request};

/// A blocking handle to an [`EventLoop`](crate::EventLoop): cheap to clone, usable from any thread.
///
/// The blocking twin of [`AsyncClient`], with the same validation and the same variants:
/// plain methods block the thread while the bounded lane is full, `try_*` never block,
/// `*_tracked` return a notice whose `wait` blocks until the broker answers. Calling them
/// inside a tokio runtime does not panic, but a blocked call stalls that runtime thread.
///
/// Nothing reaches the broker until the [`Connection`](super::Connection) is iterated. Requests keep call order
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
