//! [`AsyncClient`], the cloneable async handle that sends requests to an [`EventLoop`]. Each
//! public method builds its request once and sends it through `RequestTx`; it does not touch
//! the network. Over the 400-line target on purpose: it is the whole public surface of the
//! async client (about 40 methods of a few lines, each with its docs); cutting the `impl`
//! would part the variants (`try_*`, `*_tracked`) of one operation.

use std::time::Duration;

use super::builder::AsyncClientBuilder;
use super::error::ClientError;
use super::payload::{IntoPublishPayload, PublishOptions, owned};
use super::request::{Limits, build_ack, prepare_ack, untracked};
use super::topic::PublishTopic;
use super::tx::RequestTx;
use crate::mqttbytes::{Disconnect, Publish, QoS, SubscribeFilter};
use crate::notice::{PublishNotice, SubscribeNotice, UnsubscribeNotice};
use crate::options::MqttOptions;
use crate::request::{ManualAck, Request};

/// An async handle to an [`EventLoop`](crate::EventLoop): cheap to clone, usable from any task.
///
/// Every method validates its arguments before anything is sent and refuses bad input with a
/// [`ClientError`] that hands the request back. Sending is the only effect: nothing reaches
/// the broker until the event loop is polled.
///
/// Each operation comes in variants:
/// - the plain `async` method waits while the bounded lane is full (back-pressure);
/// - `try_*` never waits and fails with [`ClientError::RequestChannelFull`] instead;
/// - `*_tracked` also returns a notice that resolves with the broker's answer.
///
/// # Order and back-pressure
///
/// Requests reach the broker in call order, from one client and from its clones (in the
/// order the calls returned). The only exception: a QoS 1/2 publish that the full in-flight
/// window blocks lets later subscribes, unsubscribes, acks and disconnects pass; publishes
/// keep their order among themselves. The event loop holds one such blocked publish; further
/// publishes wait in the bounded lane.
///
/// Before [`EventLoop::poll`](crate::EventLoop::poll) hands out an event it takes every request that is ready, so
/// the task that drives `poll` may await requests between polls while the window has room.
/// One pattern can still block that task for good: it awaits a QoS 1/2 publish while the
/// window is full, the loop holds a blocked publish and the lane is full, and no
/// acknowledgement arrives (the loop reads on for one, buffering at most 4,096 events).
/// Drive the loop in its own task, or use the `try_*` variants there.
///
/// # Cancel safety
/// Dropping a pending send future queues the request at most once: it is either in the
/// channel whole or not at all.
///
/// # Examples
/// The event loop is polled in its own task, so awaiting a request never waits on it:
/// ```no_run
/// use rumqttc::{AsyncClient, ConnectionError, MqttOptions, QoS};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let options = MqttOptions::new("client-1", ("127.0.0.1", 1883));
/// let (client, mut eventloop) = AsyncClient::builder(options).capacity(10).build();
/// let poller = tokio::spawn(async move {
///     loop {
///         match eventloop.poll().await {
///             Ok(event) => println!("{event:?}"),
///             Err(ConnectionError::RequestsDone) => return,
///             // Polling again reconnects; wait a little first.
///             Err(_) => tokio::time::sleep(std::time::Duration::from_secs(1)).await,
///         }
///     }
/// });
/// client.subscribe("hello/+/world", QoS::AtLeastOnce).await?;
/// client.publish("hello/rumqtt/world", QoS::AtLeastOnce, false, "hi").await?;
/// client.disconnect().await?;
/// poller.await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct AsyncClient {
    pub(super) tx: RequestTx,
    pub(super) limits: Limits,
}

impl AsyncClient {
    /// A builder for a client and its event loop.
    pub const fn builder(options: MqttOptions) -> AsyncClientBuilder {
        AsyncClientBuilder::new(options)
    }

    /// A client that sends every request, untracked and in call order, to `requests`, with no
    /// event loop behind it: for tests and custom integrations. Tracked methods fail with
    /// [`ClientError::TrackingUnavailable`].
    pub const fn from_senders(requests: flume::Sender<Request>) -> Self {
        let limits = Limits::new(usize::MAX);
        Self {
            tx: RequestTx::Sink(requests),
            limits,
        }
    }

    /// Publishes `payload` to `topic`, waiting while the publish lane is full.
    ///
    /// The payload is any `Into<Vec<u8>>`: a `Vec<u8>` or `String` moves into the packet
    /// without a copy, borrowed bytes are copied. Returning `Ok` means the event loop has the
    /// request, not that the broker has it: use [`AsyncClient::publish_tracked`] for that.
    ///
    /// # Errors
    /// [`ClientError::InvalidTopic`], [`ClientError::PayloadTooLarge`] or
    /// [`ClientError::RequestChannelDisconnected`].
    ///
    /// # Examples
    /// ```no_run
    /// # use rumqttc::{AsyncClient, QoS};
    /// # async fn run(client: AsyncClient) -> Result<(), Box<dyn std::error::Error>> {
    /// client.publish("sensors/1/temperature", QoS::AtLeastOnce, false, "21.5").await?;
    /// let reading: Vec<u8> = vec![0x01, 0x02];
    /// client.publish("sensors/1/raw", QoS::AtMostOnce, true, reading).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn publish(
        &self,
        topic: impl Into<PublishTopic>,
        qos: QoS,
        retain: bool,
        payload: impl Into<Vec<u8>>,
    ) -> Result<(), ClientError> {
        let request = self.publish_request(topic, qos, retain, owned(payload))?;
        self.tx.send(untracked(request)).await
    }

    /// Publishes without waiting.
    ///
    /// # Errors
    /// As [`AsyncClient::publish`], or [`ClientError::RequestChannelFull`].
    pub fn try_publish(
        &self,
        topic: impl Into<PublishTopic>,
        qos: QoS,
        retain: bool,
        payload: impl Into<Vec<u8>>,
    ) -> Result<(), ClientError> {
        let request = self.publish_request(topic, qos, retain, owned(payload))?;
        self.tx.try_send(untracked(request))
    }

    /// Publishes a [`bytes::Bytes`] payload without copying it (the same as
    /// [`AsyncClient::publish`]).
    ///
    /// # Errors
    /// As [`AsyncClient::publish`].
    pub async fn publish_bytes(
        &self,
        topic: impl Into<PublishTopic>,
        qos: QoS,
        retain: bool,
        payload: bytes::Bytes,
    ) -> Result<(), ClientError> {
        let request = self.publish_request(topic, qos, retain, payload)?;
        self.tx.send(untracked(request)).await
    }

    /// Publishes with reusable [`PublishOptions`].
    ///
    /// # Errors
    /// As [`AsyncClient::publish`].
    pub async fn publish_with_options(
        &self,
        topic: impl Into<PublishTopic>,
        payload: impl IntoPublishPayload,
        options: PublishOptions,
    ) -> Result<(), ClientError> {
        let request = self.limits.build_publish(topic, options, payload)?;
        self.tx.send(untracked(request)).await
    }

    /// Publishes and returns a notice that resolves when the publish completes: flushed (QoS
    /// 0), PUBACK (QoS 1) or PUBCOMP (QoS 2).
    ///
    /// # Errors
    /// As [`AsyncClient::publish`], or [`ClientError::TrackingUnavailable`].
    ///
    /// # Examples
    /// ```no_run
    /// # use rumqttc::{AsyncClient, QoS};
    /// use rumqttc::{PublishNoticeError, PublishResult};
    ///
    /// # async fn run(client: AsyncClient) -> Result<(), Box<dyn std::error::Error>> {
    /// let notice = client.publish_tracked("orders/42", QoS::ExactlyOnce, false, "paid").await?;
    /// match notice.wait_async().await {
    ///     Ok(PublishResult::Qos2Completed(pubcomp)) => println!("delivered: {pubcomp:?}"),
    ///     Ok(other) => println!("completed: {other:?}"),
    ///     Err(PublishNoticeError::SessionReset) => println!("the broker lost the session"),
    ///     Err(error) => println!("not delivered: {error}"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn publish_tracked(
        &self,
        topic: impl Into<PublishTopic>,
        qos: QoS,
        retain: bool,
        payload: impl Into<Vec<u8>>,
    ) -> Result<PublishNotice, ClientError> {
        let request = self.publish_request(topic, qos, retain, owned(payload))?;
        let (envelope, notice) = self.tx.track(request)?;
        self.tx.send(envelope).await.map(|()| notice)
    }

    /// Publishes without waiting and returns the publish's notice.
    ///
    /// # Errors
    /// As [`AsyncClient::publish_tracked`], or [`ClientError::RequestChannelFull`].
    pub fn try_publish_tracked(
        &self,
        topic: impl Into<PublishTopic>,
        qos: QoS,
        retain: bool,
        payload: impl Into<Vec<u8>>,
    ) -> Result<PublishNotice, ClientError> {
        let request = self.publish_request(topic, qos, retain, owned(payload))?;
        let (envelope, notice) = self.tx.track(request)?;
        self.tx.try_send(envelope).map(|()| notice)
    }

    /// Publishes a [`bytes::Bytes`] payload and returns the publish's notice.
    ///
    /// # Errors
    /// As [`AsyncClient::publish_tracked`].
    pub async fn publish_bytes_tracked(
        &self,
        topic: impl Into<PublishTopic>,
        qos: QoS,
        retain: bool,
        payload: bytes::Bytes,
    ) -> Result<PublishNotice, ClientError> {
        let request = self.publish_request(topic, qos, retain, payload)?;
        let (envelope, notice) = self.tx.track(request)?;
        self.tx.send(envelope).await.map(|()| notice)
    }

    /// Subscribes to one filter, waiting while the control lane is full. Matching publishes
    /// arrive as [`Event::Incoming`](crate::Event::Incoming) from [`EventLoop::poll`](crate::EventLoop::poll).
    ///
    /// # Errors
    /// [`ClientError::InvalidFilter`], [`ClientError::PayloadTooLarge`] or
    /// [`ClientError::RequestChannelDisconnected`].
    ///
    /// # Examples
    /// ```no_run
    /// # use rumqttc::{AsyncClient, QoS};
    /// # async fn run(client: AsyncClient) -> Result<(), Box<dyn std::error::Error>> {
    /// client.subscribe("sensors/+/temperature", QoS::AtLeastOnce).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn subscribe(&self, filter: impl Into<String>, qos: QoS) -> Result<(), ClientError> {
        self.subscribe_many([SubscribeFilter::new(filter.into(), qos)])
            .await
    }

    /// Subscribes to one filter without waiting.
    ///
    /// # Errors
    /// As [`AsyncClient::subscribe`], or [`ClientError::RequestChannelFull`].
    pub fn try_subscribe(&self, filter: impl Into<String>, qos: QoS) -> Result<(), ClientError> {
        self.try_subscribe_many([SubscribeFilter::new(filter.into(), qos)])
    }

    /// Subscribes to one filter; the notice resolves with the SUBACK.
    ///
    /// # Errors
    /// As [`AsyncClient::subscribe`], or [`ClientError::TrackingUnavailable`].
    ///
    /// # Examples
    /// ```no_run
    /// # use rumqttc::{AsyncClient, QoS};
    /// # async fn run(client: AsyncClient) -> Result<(), Box<dyn std::error::Error>> {
    /// let notice = client.subscribe_tracked("alerts/#", QoS::ExactlyOnce).await?;
    /// let suback = notice.wait_async().await?;
    /// println!("granted: {:?}", suback.return_codes);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn subscribe_tracked(
        &self,
        filter: impl Into<String>,
        qos: QoS,
    ) -> Result<SubscribeNotice, ClientError> {
        self.subscribe_many_tracked([SubscribeFilter::new(filter.into(), qos)])
            .await
    }

    /// Subscribes to one filter without waiting; the notice resolves with the SUBACK.
    ///
    /// # Errors
    /// As [`AsyncClient::subscribe_tracked`], or [`ClientError::RequestChannelFull`].
    pub fn try_subscribe_tracked(
        &self,
        filter: impl Into<String>,
        qos: QoS,
    ) -> Result<SubscribeNotice, ClientError> {
        self.try_subscribe_many_tracked([SubscribeFilter::new(filter.into(), qos)])
    }

    /// Subscribes to several filters in one SUBSCRIBE.
    ///
    /// # Errors
    /// As [`AsyncClient::subscribe`], or [`ClientError::EmptySubscription`].
    pub async fn subscribe_many(
        &self,
        filters: impl IntoIterator<Item = SubscribeFilter>,
    ) -> Result<(), ClientError> {
        let request = self.limits.build_subscribe(filters)?;
        self.tx.send(untracked(request)).await
    }

    /// Subscribes to several filters without waiting.
    ///
    /// # Errors
    /// As [`AsyncClient::subscribe_many`], or [`ClientError::RequestChannelFull`].
    pub fn try_subscribe_many(
        &self,
        filters: impl IntoIterator<Item = SubscribeFilter>,
    ) -> Result<(), ClientError> {
        let request = self.limits.build_subscribe(filters)?;
        self.tx.try_send(untracked(request))
    }

    /// Subscribes to several filters; the notice resolves with the SUBACK.
    ///
    /// # Errors
    /// As [`AsyncClient::subscribe_many`], or [`ClientError::TrackingUnavailable`].
    pub async fn subscribe_many_tracked(
        &self,
        filters: impl IntoIterator<Item = SubscribeFilter>,
    ) -> Result<SubscribeNotice, ClientError> {
        let (envelope, notice) = self.tx.track(self.limits.build_subscribe(filters)?)?;
        self.tx.send(envelope).await.map(|()| notice)
    }

    /// Subscribes to several filters without waiting; the notice resolves with the SUBACK.
    ///
    /// # Errors
    /// As [`AsyncClient::subscribe_many_tracked`], or [`ClientError::RequestChannelFull`].
    pub fn try_subscribe_many_tracked(
        &self,
        filters: impl IntoIterator<Item = SubscribeFilter>,
    ) -> Result<SubscribeNotice, ClientError> {
        let (envelope, notice) = self.tx.track(self.limits.build_subscribe(filters)?)?;
        self.tx.try_send(envelope).map(|()| notice)
    }

    /// Unsubscribes from one filter, waiting while the control lane is full.
    ///
    /// # Errors
    /// [`ClientError::InvalidFilter`], [`ClientError::PayloadTooLarge`] or
    /// [`ClientError::RequestChannelDisconnected`].
    pub async fn unsubscribe(&self, filter: impl Into<String>) -> Result<(), ClientError> {
        self.unsubscribe_many([filter]).await
    }

    /// Unsubscribes from one filter without waiting.
    ///
    /// # Errors
    /// As [`AsyncClient::unsubscribe`], or [`ClientError::RequestChannelFull`].
    pub fn try_unsubscribe(&self, filter: impl Into<String>) -> Result<(), ClientError> {
        self.try_unsubscribe_many([filter])
    }

    /// Unsubscribes from one filter; the notice resolves with the UNSUBACK.
    ///
    /// # Errors
    /// As [`AsyncClient::unsubscribe`], or [`ClientError::TrackingUnavailable`].
    pub async fn unsubscribe_tracked(
        &self,
        filter: impl Into<String>,
    ) -> Result<UnsubscribeNotice, ClientError> {
        self.unsubscribe_many_tracked([filter]).await
    }

    /// Unsubscribes from one filter without waiting; the notice resolves with the UNSUBACK.
    ///
    /// # Errors
    /// As [`AsyncClient::unsubscribe_tracked`], or [`ClientError::RequestChannelFull`].
    pub fn try_unsubscribe_tracked(
        &self,
        filter: impl Into<String>,
    ) -> Result<UnsubscribeNotice, ClientError> {
        self.try_unsubscribe_many_tracked([filter])
    }

    /// Unsubscribes from several filters in one UNSUBSCRIBE.
    ///
    /// # Errors
    /// As [`AsyncClient::unsubscribe`], or [`ClientError::EmptySubscription`].
    pub async fn unsubscribe_many(
        &self,
        filters: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<(), ClientError> {
        let request = self.limits.build_unsubscribe(filters)?;
        self.tx.send(untracked(request)).await
    }

    /// Unsubscribes from several filters without waiting.
    ///
    /// # Errors
    /// As [`AsyncClient::unsubscribe_many`], or [`ClientError::RequestChannelFull`].
    pub fn try_unsubscribe_many(
        &self,
        filters: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<(), ClientError> {
        let request = self.limits.build_unsubscribe(filters)?;
        self.tx.try_send(untracked(request))
    }

    /// Unsubscribes from several filters; the notice resolves with the UNSUBACK.
    ///
    /// # Errors
    /// As [`AsyncClient::unsubscribe_many`], or [`ClientError::TrackingUnavailable`].
    pub async fn unsubscribe_many_tracked(
        &self,
        filters: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<UnsubscribeNotice, ClientError> {
        let (envelope, notice) = self.tx.track(self.limits.build_unsubscribe(filters)?)?;
        self.tx.send(envelope).await.map(|()| notice)
    }

    /// Unsubscribes from several filters without waiting; the notice resolves with the UNSUBACK.
    ///
    /// # Errors
    /// As [`AsyncClient::unsubscribe_many_tracked`], or [`ClientError::RequestChannelFull`].
    pub fn try_unsubscribe_many_tracked(
        &self,
        filters: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<UnsubscribeNotice, ClientError> {
        let (envelope, notice) = self.tx.track(self.limits.build_unsubscribe(filters)?)?;
        self.tx.try_send(envelope).map(|()| notice)
    }

    /// The acknowledgement `publish` needs in [`AckMode::Manual`](crate::AckMode): PUBACK for
    /// QoS 1, PUBREC for QoS 2, none for QoS 0.
    pub const fn prepare_ack(&self, publish: &Publish) -> Option<ManualAck> {
        prepare_ack(publish)
    }

    /// Acknowledges an incoming publish (manual-ack mode); does nothing for QoS 0.
    ///
    /// # Errors
    /// [`ClientError::PacketIdZero`] or [`ClientError::RequestChannelDisconnected`].
    pub async fn ack(&self, publish: &Publish) -> Result<(), ClientError> {
        match prepare_ack(publish) {
            Some(ack) => self.manual_ack(ack).await,
            None => Ok(()),
        }
    }

    /// Acknowledges an incoming publish without waiting; does nothing for QoS 0.
    ///
    /// # Errors
    /// As [`AsyncClient::ack`], or [`ClientError::RequestChannelFull`].
    pub fn try_ack(&self, publish: &Publish) -> Result<(), ClientError> {
        prepare_ack(publish).map_or(Ok(()), |ack| self.try_manual_ack(ack))
    }

    /// Sends an acknowledgement made by [`AsyncClient::prepare_ack`].
    ///
    /// # Errors
    /// As [`AsyncClient::ack`].
    pub async fn manual_ack(&self, ack: ManualAck) -> Result<(), ClientError> {
        self.tx.send(untracked(build_ack(ack)?)).await
    }

    /// Sends an acknowledgement without waiting.
    ///
    /// # Errors
    /// As [`AsyncClient::try_ack`].
    pub fn try_manual_ack(&self, ack: ManualAck) -> Result<(), ClientError> {
        self.tx.try_send(untracked(build_ack(ack)?))
    }

    /// Graceful disconnect: the event loop finishes the publishes, subscribes and unsubscribes
    /// it already accepted, then sends DISCONNECT and ends. Keep polling until
    /// [`ConnectionError::RequestsDone`](crate::ConnectionError::RequestsDone).
    ///
    /// # Errors
    /// [`ClientError::RequestChannelDisconnected`].
    ///
    /// # Examples
    /// ```no_run
    /// # use rumqttc::{AsyncClient, QoS};
    /// # async fn run(client: AsyncClient) -> Result<(), Box<dyn std::error::Error>> {
    /// client.publish("status", QoS::AtLeastOnce, true, "going offline").await?;
    /// // The publish above reaches the broker before the DISCONNECT.
    /// client.disconnect().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn disconnect(&self) -> Result<(), ClientError> {
        self.tx
            .send(untracked(Request::Disconnect(Disconnect)))
            .await
    }

    /// Graceful disconnect, sent without waiting.
    ///
    /// # Errors
    /// As [`AsyncClient::disconnect`], or [`ClientError::RequestChannelFull`].
    pub fn try_disconnect(&self) -> Result<(), ClientError> {
        self.tx.try_send(untracked(Request::Disconnect(Disconnect)))
    }

    /// Graceful disconnect bounded by `timeout`, counted from when the event loop takes the
    /// request; when it expires, the loop ends with
    /// [`ConnectionError::DisconnectTimeout`](crate::ConnectionError::DisconnectTimeout).
    ///
    /// # Errors
    /// [`ClientError::RequestChannelDisconnected`].
    ///
    /// # Examples
    /// ```no_run
    /// # use rumqttc::{AsyncClient, QoS};
    /// # async fn run(client: AsyncClient) -> Result<(), Box<dyn std::error::Error>> {
    /// client.disconnect_with_timeout(std::time::Duration::from_secs(5)).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn disconnect_with_timeout(&self, timeout: Duration) -> Result<(), ClientError> {
        let request = Request::DisconnectWithTimeout(Disconnect, timeout);
        self.tx.send(untracked(request)).await
    }

    /// Bounded graceful disconnect, sent without waiting.
    ///
    /// # Errors
    /// As [`AsyncClient::disconnect_with_timeout`], or [`ClientError::RequestChannelFull`].
    pub fn try_disconnect_with_timeout(&self, timeout: Duration) -> Result<(), ClientError> {
        let request = Request::DisconnectWithTimeout(Disconnect, timeout);
        self.tx.try_send(untracked(request))
    }

    /// Immediate disconnect on its own unbounded lane: DISCONNECT at the next scheduling point,
    /// abandoning unfinished work (tracked notices fail with `Abandoned`).
    ///
    /// # Errors
    /// [`ClientError::RequestChannelDisconnected`].
    ///
    /// # Examples
    /// ```no_run
    /// # use rumqttc::{AsyncClient, QoS};
    /// # async fn run(client: AsyncClient) -> Result<(), Box<dyn std::error::Error>> {
    /// // For example on a shutdown signal that cannot wait for acknowledgements.
    /// client.disconnect_now().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn disconnect_now(&self) -> Result<(), ClientError> {
        self.tx
            .send(untracked(Request::DisconnectNow(Disconnect)))
            .await
    }

    /// Immediate disconnect, sent without waiting (its lane is unbounded except in sink mode).
    ///
    /// # Errors
    /// As [`AsyncClient::disconnect_now`], or [`ClientError::RequestChannelFull`] in sink mode.
    pub fn try_disconnect_now(&self) -> Result<(), ClientError> {
        self.tx
            .try_send(untracked(Request::DisconnectNow(Disconnect)))
    }

    /// The checked PUBLISH for the `(topic, qos, retain, payload)` argument order.
    pub(super) fn publish_request(
        &self,
        topic: impl Into<PublishTopic>,
        qos: QoS,
        retain: bool,
        payload: impl IntoPublishPayload,
    ) -> Result<Request, ClientError> {
        let options = PublishOptions::new(qos).retain(retain);
        self.limits.build_publish(topic, options, payload)
    }
}
