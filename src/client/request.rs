//! The one builder per operation: each checks topic or filters and the frame size once,
//! and refuses with a [`ClientError`] that hands the request back. Nothing is sent here.

use bytes::Bytes;

use super::error::ClientError;
use super::payload::{IntoPublishPayload, PublishOptions};
use super::topic::PublishTopic;
use crate::mqttbytes::primitives::{has_filters, nonzero_pkid};
use crate::mqttbytes::topic::{InvalidTopic, check_topic_filter, check_topic_name};
use crate::mqttbytes::{
    MAX_REMAINING_LENGTH, PacketType, PubAck, PubRec, Publish, QoS, Subscribe, SubscribeFilter,
    Unsubscribe,
};
use crate::request::Envelope;
use crate::request::{ManualAck, Request};

/// Largest frame the codec can encode: one header byte, a 4-byte remaining length, the body.
const MAX_FRAME_BYTES: usize = 1 + 4 + MAX_REMAINING_LENGTH;

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
                let checked = check_topic_name(&topic);
                (Bytes::from(topic), checked)
            }
            PublishTopic::Validated(topic) => (topic.0, Ok(())),
        };
        let publish = Publish {
            dup: false,
            qos: options.qos(),
            retain: options.is_retained(),
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
        let verdict = FilterVerdict::of(
            PacketType::Subscribe,
            subscribe.filters.iter().map(|filter| &filter.path),
        );
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
        let verdict = FilterVerdict::of(PacketType::Unsubscribe, unsubscribe.topics.iter());
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
    fn of<'a>(
        packet_type: PacketType,
        mut filters: impl ExactSizeIterator<Item = &'a String>,
    ) -> Self {
        if has_filters(filters.len(), packet_type).is_err() {
            return Self::Empty;
        }
        let invalid = filters.find_map(|filter| Some((filter, check_topic_filter(filter).err()?)));
        match invalid {
            Some((filter, reason)) => Self::Invalid {
                filter: filter.clone(),
                reason,
            },
            None => Self::Valid,
        }
    }
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
    let (pkid, packet_type) = match ack {
        ManualAck::PubAck(ack) => (ack.pkid, PacketType::PubAck),
        ManualAck::PubRec(ack) => (ack.pkid, PacketType::PubRec),
    };
    let request = Request::from(ack);
    if nonzero_pkid(pkid, packet_type).is_err() {
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
