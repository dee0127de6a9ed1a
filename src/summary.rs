//! One-line packet summaries for `trace` log records: type, packet id, QoS, flags and sizes.
//! Never a payload, a password, a will message, a topic or a filter (topics often carry
//! device or user ids): only their lengths and counts.

use std::fmt;

use crate::mqttbytes::{ConnectAuth, Packet, Publish};

/// Formats lazily: nothing is built unless a `trace` record is actually written.
pub(crate) struct Summary<'a>(pub(crate) &'a Packet);

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Packet::Connect(connect) => {
                let (user, password) = match &connect.auth {
                    ConnectAuth::None => (false, false),
                    ConnectAuth::Username { .. } => (true, false),
                    ConnectAuth::UsernamePassword { .. } => (true, true),
                };
                write!(
                    f,
                    "CONNECT keep_alive={}s clean_session={} username={user} password={password} will={}",
                    connect.keep_alive,
                    connect.clean_session,
                    connect.last_will.is_some()
                )
            }
            Packet::ConnAck(connack) => write!(
                f,
                "CONNACK code={:?} session_present={}",
                connack.code, connack.session_present
            ),
            Packet::Publish(publish) => PublishSummary(publish).fmt(f),
            Packet::PubAck(ack) => write!(f, "PUBACK pkid={}", ack.pkid),
            Packet::PubRec(ack) => write!(f, "PUBREC pkid={}", ack.pkid),
            Packet::PubRel(ack) => write!(f, "PUBREL pkid={}", ack.pkid),
            Packet::PubComp(ack) => write!(f, "PUBCOMP pkid={}", ack.pkid),
            Packet::Subscribe(subscribe) => write!(
                f,
                "SUBSCRIBE pkid={} filters={}",
                subscribe.pkid,
                subscribe.filters.len()
            ),
            Packet::SubAck(suback) => write!(
                f,
                "SUBACK pkid={} return_codes={:?}",
                suback.pkid, suback.return_codes
            ),
            Packet::Unsubscribe(unsubscribe) => write!(
                f,
                "UNSUBSCRIBE pkid={} filters={}",
                unsubscribe.pkid,
                unsubscribe.topics.len()
            ),
            Packet::UnsubAck(ack) => write!(f, "UNSUBACK pkid={}", ack.pkid),
            Packet::PingReq => f.write_str("PINGREQ"),
            Packet::PingResp => f.write_str("PINGRESP"),
            Packet::Disconnect => f.write_str("DISCONNECT"),
        }
    }
}

/// The summary of a publish the caller keeps (no `Packet` around it).
pub(crate) struct PublishSummary<'a>(pub(crate) &'a Publish);

impl fmt::Display for PublishSummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let publish = self.0;
        write!(
            f,
            "PUBLISH pkid={} qos={} retain={} dup={} topic_len={} payload_len={}",
            publish.pkid,
            publish.qos as u8,
            publish.retain,
            publish.dup,
            publish.topic.len(),
            publish.payload.len()
        )
    }
}
