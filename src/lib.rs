//! An async-first MQTT 3.1.1 client.
//!
//! (Crate documentation is completed as the modules land.)
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(all(feature = "use-rustls-aws-lc", feature = "use-rustls-ring"))]
compile_error!(
    "features `use-rustls-aws-lc` and `use-rustls-ring` are mutually exclusive: enable only one rustls crypto provider"
);

pub mod mqttbytes;

pub use mqttbytes::v4;
pub use mqttbytes::{
    ConnAck, Connect, ConnectAuth, ConnectReturnCode, Disconnect, Error, FixedHeader, LastWill,
    MAX_REMAINING_LENGTH, Packet, PacketType, PingReq, PingResp, PubAck, PubComp, PubRec, PubRel,
    Publish, QoS, SubAck, Subscribe, SubscribeFilter, SubscribeReasonCode, UnsubAck, Unsubscribe,
    check, has_wildcards, matches, qos, valid_filter, valid_topic,
};

mod event;
mod eventloop;
mod framed;
mod keepalive;
mod notice;
mod state;
mod options;
mod request;
mod transport;

pub use event::{Event, Incoming, Outgoing};
pub use eventloop::{ConnectionError, EventLoop};
pub use notice::{
    NoticeFailureReason, PublishNotice, PublishNoticeError, PublishResult, SubscribeNotice,
    SubscribeNoticeError, UnsubscribeNotice, UnsubscribeNoticeError,
};
pub use state::{MqttState, MqttStateBuilder, StateError};
pub use request::{ManualAck, Request};
pub use options::{
    AckMode, Broker, ConfigError, MqttOptions, MqttOptionsBuilder, NetworkOptions, OptionError,
    SessionMode, Transport, is_mqtt_minimum_client_id,
};
