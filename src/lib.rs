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
mod request;

pub use event::{Event, Incoming, Outgoing};
pub use request::{ManualAck, Request};
