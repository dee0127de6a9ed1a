//! [`ClientError`], why a client call was refused (the request is handed back), and
//! [`ClientBuildError`], why a checked build failed.

use std::io;

use crate::mqttbytes::topic::InvalidTopic;
use crate::options::ConfigError;
use crate::request::Request;

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
    ///
    /// The rule is the codec's (`mqttbytes::primitives::has_filters`); this variant only
    /// carries the refused request back, and is built in one place, `client::request`.
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
    ///
    /// The rule is the codec's (`mqttbytes::primitives::nonzero_pkid`); this variant only
    /// carries the refused request back, and is built in one place, `client::request`.
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

/// Why [`AsyncClientBuilder::try_build`](super::AsyncClientBuilder::try_build) or [`ClientBuilder::try_build`](super::ClientBuilder::try_build) failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientBuildError {
    /// The options do not work together.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The blocking client's tokio runtime could not be created.
    #[error("cannot create the tokio runtime of the blocking client")]
    Runtime(#[source] io::Error),
}
