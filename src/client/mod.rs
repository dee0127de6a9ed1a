//! The client side of the request channel: [`ClientError`], the argument types, one builder per
//! operation that validates a request once, and `RequestTx`, the one send path with its three
//! modes (async, try, blocking). The handles themselves live in the two sub-modules.

mod async_client;
mod sync_client;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::io;

use bytes::{Bytes, BytesMut};

use crate::eventloop::{RequestSenders, Stamped};
use crate::mqttbytes::{
    MAX_REMAINING_LENGTH, PubAck, PubRec, Publish, QoS, Subscribe, SubscribeFilter, Unsubscribe,
    is_plain_topic_name, valid_filter, valid_topic,
};
use crate::notice::{NoticeTx, PublishNotice, SubscribeNotice, UnsubscribeNotice};
use crate::request::Envelope;
use crate::{ConfigError, ManualAck, Request};

pub use async_client::{AsyncClient, AsyncClientBuilder};
pub use sync_client::{
    Client, ClientBuilder, Connection, Iter, RecvError, RecvTimeoutError, TryRecvError,
};

/// Longest topic name or filter: its length is a `u16` on the wire (MQTT 3.1.1 §1.5.3).
const MAX_TOPIC_LEN_BYTES: usize = 65_535;
/// Largest frame the codec can encode: one header byte, a 4-byte remaining length, the body.
const MAX_FRAME_BYTES: usize = 1 + 4 + MAX_REMAINING_LENGTH;

/// Why a client call was refused. Nothing was sent; the request is handed back (see
/// [`ClientError::into_request`]).
///
/// Invalid input and a closed channel are different variants, so a caller can tell a bug in
/// its own arguments from an event loop that is gone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The bounded request channel is full (only from `try_*` methods).
    #[error("request channel is full")]
    RequestChannelFull(Box<Request>),
    /// The event loop was dropped or has finished, so nobody reads the channel.
    #[error("request channel is disconnected: the event loop is gone")]
    RequestChannelDisconnected(Box<Request>),
    /// The publish topic name breaks a topic rule.
    #[error("invalid publish topic: {reason}")]
    InvalidTopic {
        /// The rule broken.
        reason: InvalidTopic,
        /// The refused request.
        request: Box<Request>,
    },
    /// A subscribe or unsubscribe filter breaks a filter rule.
    #[error("invalid topic filter {filter:?}: {reason}")]
    InvalidFilter {
        /// The first offending filter.
        filter: String,
        /// The rule broken.
        reason: InvalidTopic,
        /// The refused request.
        request: Box<Request>,
    },
    /// A subscribe or unsubscribe without any filter.
    #[error("[MQTT-3.8.3-3] a subscribe or unsubscribe needs at least one topic filter")]
    EmptySubscription(Box<Request>),
    /// The encoded packet would exceed the maximum outgoing packet size, so it could never be
    /// sent; it is refused here instead of failing the connection later.
    #[error("packet of {size} bytes exceeds the maximum outgoing packet size of {max} bytes")]
    PayloadTooLarge {
        /// Size of the whole encoded frame.
        size: usize,
        /// The limit: the configured maximum outgoing packet size.
        max: usize,
        /// The refused request.
        request: Box<Request>,
    },
    /// An acknowledgement for packet id 0, which no QoS 1 or 2 publish carries.
    #[error("[MQTT-2.3.1-1] cannot acknowledge packet id 0")]
    PacketIdZero(Box<Request>),
    /// A `*_tracked` method on a client made from a plain request sender: no event loop would
    /// ever complete the notice. The request was valid.
    #[error("tracked requests are unavailable on a client made from a plain request sender")]
    TrackingUnavailable(Box<Request>),
}

impl ClientError {
    /// The request that was not sent.
    pub fn into_request(self) -> Request {
        match self {
            Self::RequestChannelFull(request)
            | Self::RequestChannelDisconnected(request)
            | Self::InvalidTopic { request, .. }
            | Self::InvalidFilter { request, .. }
            | Self::EmptySubscription(request)
            | Self::PayloadTooLarge { request, .. }
            | Self::PacketIdZero(request)
            | Self::TrackingUnavailable(request) => *request,
        }
    }
}

/// Why a topic name or topic filter is refused before anything is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidTopic {
    /// The topic or filter is empty.
    #[error("[MQTT-4.7.3-1] topic is empty")]
    Empty,
    /// A topic name (not a filter) contains `+` or `#`.
    #[error("[MQTT-3.3.2-2] topic name contains a wildcard (+ or #)")]
    Wildcard,
    /// A filter places `#` other than alone in the last level, or `+` other than alone in a level.
    #[error("[MQTT-4.7.1-2] misplaced wildcard: # must be the whole last level, + a whole level")]
    MisplacedWildcard,
    /// The topic or filter contains U+0000.
    #[error("[MQTT-1.5.3-2] topic contains the null character U+0000")]
    NullCharacter,
    /// The topic or filter is longer than 65,535 bytes.
    #[error("topic is {len} bytes long; the limit is 65535 bytes")]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
}

/// A topic name checked once, so a hot path can publish to it without checking it again.
///
/// It holds the topic as shared bytes: cloning it, or publishing to it, copies no text
/// and allocates nothing.
///
/// # Examples
/// ```
/// use rumqttc::{InvalidTopic, ValidatedTopic};
///
/// let topic = ValidatedTopic::new("sensors/kitchen/temp")?;
/// assert_eq!(topic.as_str(), "sensors/kitchen/temp");
/// assert_eq!(ValidatedTopic::new("sensors/+/temp"), Err(InvalidTopic::Wildcard));
/// # Ok::<(), InvalidTopic>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ValidatedTopic(Bytes);

impl ValidatedTopic {
    /// Checks `topic` as a publish topic name.
    ///
    /// # Errors
    /// The [`InvalidTopic`] rule it breaks: empty, too long, U+0000, or a wildcard.
    pub fn new(topic: impl Into<String>) -> Result<Self, InvalidTopic> {
        let topic = topic.into();
        check_topic(&topic)?;
        Ok(Self(Bytes::from(topic)))
    }

    /// The topic name.
    pub fn as_str(&self) -> &str {
        // Always UTF-8: the bytes came from a `String` and are never changed.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::fmt::Debug for ValidatedTopic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ValidatedTopic")
            .field(&self.as_str())
            .finish()
    }
}

impl From<ValidatedTopic> for String {
    fn from(topic: ValidatedTopic) -> Self {
        // No copy while this is the only handle; always UTF-8, as in `as_str`.
        Self::from_utf8(Vec::from(topic.0)).unwrap_or_default()
    }
}

/// The topic argument of the publish methods: checked at the call, unless already validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishTopic {
    /// Checked when the publish is built.
    Unvalidated(String),
    /// Checked earlier by [`ValidatedTopic::new`].
    Validated(ValidatedTopic),
}

impl From<ValidatedTopic> for PublishTopic {
    fn from(topic: ValidatedTopic) -> Self {
        Self::Validated(topic)
    }
}

impl From<String> for PublishTopic {
    fn from(topic: String) -> Self {
        Self::Unvalidated(topic)
    }
}

impl From<&str> for PublishTopic {
    fn from(topic: &str) -> Self {
        Self::Unvalidated(topic.to_owned())
    }
}

impl From<&String> for PublishTopic {
    fn from(topic: &String) -> Self {
        Self::Unvalidated(topic.clone())
    }
}

impl From<Cow<'_, str>> for PublishTopic {
    fn from(topic: Cow<'_, str>) -> Self {
        Self::Unvalidated(topic.into_owned())
    }
}

/// QoS and retain flag of a publish, reusable across calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PublishOptions {
    qos: QoS,
    retain: bool,
}

impl PublishOptions {
    /// A non-retained publish at `qos`.
    pub const fn new(qos: QoS) -> Self {
        Self { qos, retain: false }
    }

    /// QoS 0, not retained.
    pub const fn at_most_once() -> Self {
        Self::new(QoS::AtMostOnce)
    }

    /// QoS 1, not retained.
    pub const fn at_least_once() -> Self {
        Self::new(QoS::AtLeastOnce)
    }

    /// QoS 2, not retained.
    pub const fn exactly_once() -> Self {
        Self::new(QoS::ExactlyOnce)
    }

    /// The same options with the retain flag set.
    pub const fn retained(self) -> Self {
        self.retain(true)
    }

    /// The same options with the retain flag set to `retain`.
    pub const fn retain(self, retain: bool) -> Self {
        Self { retain, ..self }
    }

    /// The QoS level.
    pub const fn qos(&self) -> QoS {
        self.qos
    }

    /// True when the broker should retain the message.
    pub const fn is_retained(&self) -> bool {
        self.retain
    }
}

/// A payload for `publish_with_options` (the 0.34 style): owned buffers move without a copy,
/// borrowed ones are copied, and a shared [`Bytes`] is passed on as it is. Implement it for
/// your own types to publish them directly. The `(topic, qos, retain, payload)` methods take
/// any `Into<Vec<u8>>` instead, as in 0.33.1; `publish_bytes` takes a [`Bytes`].
pub trait IntoPublishPayload {
    /// The payload bytes.
    fn into_publish_payload(self) -> Bytes;
}

impl IntoPublishPayload for Bytes {
    fn into_publish_payload(self) -> Bytes {
        self
    }
}

impl IntoPublishPayload for BytesMut {
    fn into_publish_payload(self) -> Bytes {
        self.freeze()
    }
}

impl<const N: usize> IntoPublishPayload for [u8; N] {
    fn into_publish_payload(self) -> Bytes {
        Bytes::copy_from_slice(&self)
    }
}

impl<const N: usize> IntoPublishPayload for &[u8; N] {
    fn into_publish_payload(self) -> Bytes {
        Bytes::copy_from_slice(self)
    }
}

/// The payload of the `(topic, qos, retain, payload)` methods, taken as in 0.33.1: any
/// `Into<Vec<u8>>`. The vector then moves into `Bytes` without a copy.
pub(super) fn owned(payload: impl Into<Vec<u8>>) -> Vec<u8> {
    payload.into()
}

/// Owned buffers that `Bytes` takes over without copying.
macro_rules! owned_payload {
    ($($owned:ty),*) => {$(
        impl IntoPublishPayload for $owned {
            fn into_publish_payload(self) -> Bytes {
                Bytes::from(self)
            }
        }
    )*};
}

/// Borrowed byte views, copied into a new buffer.
macro_rules! borrowed_payload {
    ($($borrowed:ty),*) => {$(
        impl IntoPublishPayload for $borrowed {
            fn into_publish_payload(self) -> Bytes {
                Bytes::copy_from_slice(AsRef::<[u8]>::as_ref(self))
            }
        }
    )*};
}

owned_payload!(Vec<u8>, String, Box<[u8]>);
borrowed_payload!(&[u8], &str, &String, &Vec<u8>);

/// Why [`AsyncClientBuilder::try_build`] or [`ClientBuilder::try_build`] failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientBuildError {
    /// The options do not work together.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The blocking client's tokio runtime could not be created.
    #[error("cannot create the tokio runtime of the blocking client")]
    Runtime(#[source] io::Error),
}

/// The limits a client checks every request against before sending it, and the one builder
/// per operation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Largest frame allowed out: the configured maximum, capped at what the codec can encode.
    max_packet_size: usize,
}

impl Limits {
    /// Limits for a configured maximum outgoing packet size.
    pub(crate) const fn new(max_outgoing_packet_size: usize) -> Self {
        let max_packet_size = if max_outgoing_packet_size < MAX_FRAME_BYTES {
            max_outgoing_packet_size
        } else {
            MAX_FRAME_BYTES
        };
        Self { max_packet_size }
    }

    /// A PUBLISH: topic rules (unless validated earlier), then the frame size.
    pub(crate) fn build_publish(
        self,
        topic: impl Into<PublishTopic>,
        options: PublishOptions,
        payload: impl IntoPublishPayload,
    ) -> Result<Request, ClientError> {
        let (topic, checked) = match topic.into() {
            PublishTopic::Unvalidated(topic) => {
                let checked = check_topic(&topic);
                (Bytes::from(topic), checked)
            }
            PublishTopic::Validated(topic) => (topic.0, Ok(())),
        };
        let publish = Publish {
            dup: false,
            qos: options.qos,
            retain: options.retain,
            topic,
            pkid: 0,
            payload: payload.into_publish_payload(),
        };
        let size = publish.size();
        let request = Request::Publish(publish);
        if let Err(reason) = checked {
            let request = Box::new(request);
            return Err(ClientError::InvalidTopic { reason, request });
        }
        self.check_size(size, request)
    }

    /// A SUBSCRIBE: at least one filter, every filter valid, then the frame size.
    pub(crate) fn build_subscribe(
        self,
        filters: impl IntoIterator<Item = SubscribeFilter>,
    ) -> Result<Request, ClientError> {
        let subscribe = Subscribe::new_many(filters);
        let verdict = FilterVerdict::of(subscribe.filters.iter().map(|filter| &filter.path));
        let size = subscribe.size();
        self.check_filters(verdict, size, Request::Subscribe(subscribe))
    }

    /// An UNSUBSCRIBE: at least one filter, every filter valid, then the frame size.
    pub(crate) fn build_unsubscribe(
        self,
        topics: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<Request, ClientError> {
        let topics = topics.into_iter().map(Into::into).collect();
        let unsubscribe = Unsubscribe { pkid: 0, topics };
        let verdict = FilterVerdict::of(unsubscribe.topics.iter());
        let size = unsubscribe.size();
        self.check_filters(verdict, size, Request::Unsubscribe(unsubscribe))
    }

    fn check_filters(
        self,
        verdict: FilterVerdict,
        size: usize,
        request: Request,
    ) -> Result<Request, ClientError> {
        // Boxed only on the error paths: an accepted request is never allocated twice.
        match verdict {
            FilterVerdict::Empty => Err(ClientError::EmptySubscription(Box::new(request))),
            FilterVerdict::Invalid { filter, reason } => Err(ClientError::InvalidFilter {
                filter,
                reason,
                request: Box::new(request),
            }),
            FilterVerdict::Valid => self.check_size(size, request),
        }
    }

    fn check_size(self, size: usize, request: Request) -> Result<Request, ClientError> {
        if size > self.max_packet_size {
            let max = self.max_packet_size;
            let request = Box::new(request);
            return Err(ClientError::PayloadTooLarge { size, max, request });
        }
        Ok(request)
    }
}

/// What the filter rules say about a subscribe or unsubscribe list.
enum FilterVerdict {
    /// No filter at all.
    Empty,
    /// The first filter that breaks a rule.
    Invalid {
        filter: String,
        reason: InvalidTopic,
    },
    Valid,
}

impl FilterVerdict {
    fn of<'a>(mut filters: impl ExactSizeIterator<Item = &'a String>) -> Self {
        if filters.len() == 0 {
            return Self::Empty;
        }
        let invalid = filters.find_map(|filter| Some((filter, check_filter(filter).err()?)));
        match invalid {
            Some((filter, reason)) => Self::Invalid {
                filter: filter.clone(),
                reason,
            },
            None => Self::Valid,
        }
    }
}

/// Rules shared by topic names and filters, in the order they are reported.
fn check_common(topic: &str) -> Result<(), InvalidTopic> {
    if topic.is_empty() {
        return Err(InvalidTopic::Empty);
    }
    if topic.len() > MAX_TOPIC_LEN_BYTES {
        return Err(InvalidTopic::TooLong { len: topic.len() });
    }
    if topic.contains('\0') {
        return Err(InvalidTopic::NullCharacter);
    }
    Ok(())
}

/// A publish topic name: the common rules, then no wildcard. Most topics pass the codec's
/// word-at-a-time scan, which proves every rule but the length at once.
fn check_topic(topic: &str) -> Result<(), InvalidTopic> {
    if topic.len() <= MAX_TOPIC_LEN_BYTES && is_plain_topic_name(topic.as_bytes()) {
        return Ok(());
    }
    check_common(topic)?;
    if !valid_topic(topic) {
        return Err(InvalidTopic::Wildcard);
    }
    Ok(())
}

/// A subscription filter: the common rules, then wildcard placement.
fn check_filter(filter: &str) -> Result<(), InvalidTopic> {
    check_common(filter)?;
    if !valid_filter(filter) {
        return Err(InvalidTopic::MisplacedWildcard);
    }
    Ok(())
}

/// The acknowledgement an incoming publish needs in manual-ack mode: none for QoS 0.
pub(crate) const fn prepare_ack(publish: &Publish) -> Option<ManualAck> {
    match publish.qos {
        QoS::AtMostOnce => None,
        QoS::AtLeastOnce => Some(ManualAck::PubAck(PubAck::new(publish.pkid))),
        QoS::ExactlyOnce => Some(ManualAck::PubRec(PubRec::new(publish.pkid))),
    }
}

/// A manual acknowledgement: its packet id must be non-zero.
pub(crate) fn build_ack(ack: ManualAck) -> Result<Request, ClientError> {
    let pkid = match ack {
        ManualAck::PubAck(ack) => ack.pkid,
        ManualAck::PubRec(ack) => ack.pkid,
    };
    let request = Request::from(ack);
    if pkid == 0 {
        return Err(ClientError::PacketIdZero(Box::new(request)));
    }
    Ok(request)
}

/// An untracked request, ready for a lane.
pub(crate) const fn untracked(request: Request) -> Envelope {
    Envelope {
        request,
        notice: None,
    }
}

/// A notice type that a tracked request can carry.
pub(crate) trait Notice: Sized {
    /// A connected sender, wrapped for the envelope, and notice.
    fn pair() -> (NoticeTx, Self);
}

impl Notice for PublishNotice {
    fn pair() -> (NoticeTx, Self) {
        let (tx, notice) = Self::new();
        (NoticeTx::Publish(tx), notice)
    }
}

impl Notice for SubscribeNotice {
    fn pair() -> (NoticeTx, Self) {
        let (tx, notice) = Self::new();
        (NoticeTx::Subscribe(tx), notice)
    }
}

impl Notice for UnsubscribeNotice {
    fn pair() -> (NoticeTx, Self) {
        let (tx, notice) = Self::new();
        (NoticeTx::Unsubscribe(tx), notice)
    }
}

/// Where a client's requests go: the event loop's three lanes, or one plain sink.
#[derive(Debug, Clone)]
pub(crate) enum RequestTx {
    /// Made by a builder: publishes, control requests and `disconnect_now` each have a lane.
    Lanes(RequestSenders),
    /// Made from a plain sender: every request, in call order, untracked.
    Sink(flume::Sender<Request>),
}

/// A request matched with the channel it goes to.
enum Routed<'a> {
    /// The lane, the senders whose bell to ring once the request is queued, the request.
    Lane(&'a flume::Sender<Stamped>, &'a RequestSenders, Stamped),
    Sink(&'a flume::Sender<Request>, Request),
}

/// What a channel carries: a request, possibly wrapped.
trait Carried {
    fn into_request(self) -> Request;
}

impl Carried for Stamped {
    fn into_request(self) -> Request {
        self.envelope.request
    }
}

impl Carried for Request {
    fn into_request(self) -> Request {
        self
    }
}

impl RequestTx {
    /// Pairs a valid `request` with a fresh notice.
    ///
    /// # Errors
    /// [`ClientError::TrackingUnavailable`] in sink mode, where nothing would complete it.
    pub(crate) fn track<N: Notice>(&self, request: Request) -> Result<(Envelope, N), ClientError> {
        if let Self::Sink(_) = self {
            return Err(ClientError::TrackingUnavailable(Box::new(request)));
        }
        let (tx, notice) = N::pair();
        let envelope = Envelope {
            request,
            notice: Some(tx),
        };
        Ok((envelope, notice))
    }

    /// Sends, waiting asynchronously while the channel is full.
    ///
    /// # Errors
    /// [`ClientError::RequestChannelDisconnected`] when the event loop is gone.
    pub(crate) async fn send(&self, envelope: Envelope) -> Result<(), ClientError> {
        match self.route(envelope) {
            Routed::Lane(tx, lanes, envelope) => {
                tx.send_async(envelope).await.map_err(disconnected)?;
                lanes.ring();
                Ok(())
            }
            Routed::Sink(tx, request) => tx.send_async(request).await.map_err(disconnected),
        }
    }

    /// Sends without waiting.
    ///
    /// # Errors
    /// [`ClientError::RequestChannelFull`] or [`ClientError::RequestChannelDisconnected`].
    pub(crate) fn try_send(&self, envelope: Envelope) -> Result<(), ClientError> {
        match self.route(envelope) {
            Routed::Lane(tx, lanes, envelope) => {
                tx.try_send(envelope).map_err(refused)?;
                lanes.ring();
                Ok(())
            }
            Routed::Sink(tx, request) => tx.try_send(request).map_err(refused),
        }
    }

    /// Sends, blocking the thread while the channel is full. Never panics, in or out of a
    /// tokio runtime (but blocking a runtime thread stalls its other tasks).
    ///
    /// # Errors
    /// [`ClientError::RequestChannelDisconnected`] when the event loop is gone.
    pub(crate) fn send_blocking(&self, envelope: Envelope) -> Result<(), ClientError> {
        match self.route(envelope) {
            Routed::Lane(tx, lanes, envelope) => {
                tx.send(envelope).map_err(disconnected)?;
                lanes.ring();
                Ok(())
            }
            Routed::Sink(tx, request) => tx.send(request).map_err(disconnected),
        }
    }

    /// Publishes take the publish lane, `disconnect_now` the immediate lane, the rest the
    /// control lane, each stamped with its place in the call order, which the event loop
    /// restores across lanes. A sink takes everything, in order.
    fn route(&self, envelope: Envelope) -> Routed<'_> {
        match self {
            Self::Sink(tx) => Routed::Sink(tx, envelope.request),
            Self::Lanes(lanes) => {
                let lane = match envelope.request {
                    Request::Publish(_) => &lanes.publish,
                    Request::DisconnectNow(_) => &lanes.immediate,
                    _ => &lanes.control,
                };
                Routed::Lane(lane, lanes, lanes.stamp(envelope))
            }
        }
    }
}

fn disconnected<T: Carried>(error: flume::SendError<T>) -> ClientError {
    ClientError::RequestChannelDisconnected(Box::new(error.into_inner().into_request()))
}

fn refused<T: Carried>(error: flume::TrySendError<T>) -> ClientError {
    match error {
        flume::TrySendError::Full(item) => {
            ClientError::RequestChannelFull(Box::new(item.into_request()))
        }
        flume::TrySendError::Disconnected(item) => {
            ClientError::RequestChannelDisconnected(Box::new(item.into_request()))
        }
    }
}
