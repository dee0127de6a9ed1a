//! What the event loop reports: [`Event`], [`Incoming`] and [`Outgoing`].

use crate::mqttbytes::Packet;

/// A packet received from the broker.
pub type Incoming = Packet;

/// One notification from [`EventLoop::poll`](crate::EventLoop::poll).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A packet arrived from the broker.
    Incoming(Incoming),
    /// A packet was handed to the network.
    Outgoing(Outgoing),
}

/// A packet the client wrote, identified by kind and packet id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outgoing {
    /// PUBLISH with its packet id (0 for QoS 0).
    Publish(u16),
    /// SUBSCRIBE with its packet id.
    Subscribe(u16),
    /// UNSUBSCRIBE with its packet id.
    Unsubscribe(u16),
    /// PUBACK for this packet id.
    PubAck(u16),
    /// PUBREC for this packet id.
    PubRec(u16),
    /// PUBREL for this packet id.
    PubRel(u16),
    /// PUBCOMP for this packet id.
    PubComp(u16),
    /// PINGREQ.
    PingReq,
    /// PINGRESP (never produced by a client).
    PingResp,
    /// DISCONNECT.
    Disconnect,
    /// A publish waits because its packet id is still in use.
    AwaitAck(u16),
}

impl Outgoing {
    /// The event for writing `packet`; `None` for packets a client never writes through
    /// the state (CONNECT, CONNACK, SUBACK, UNSUBACK).
    pub(crate) const fn for_packet(packet: &Packet) -> Option<Self> {
        Some(match packet {
            Packet::Publish(publish) => Self::Publish(publish.pkid),
            Packet::Subscribe(subscribe) => Self::Subscribe(subscribe.pkid),
            Packet::Unsubscribe(unsubscribe) => Self::Unsubscribe(unsubscribe.pkid),
            Packet::PubAck(ack) => Self::PubAck(ack.pkid),
            Packet::PubRec(ack) => Self::PubRec(ack.pkid),
            Packet::PubRel(ack) => Self::PubRel(ack.pkid),
            Packet::PubComp(ack) => Self::PubComp(ack.pkid),
            Packet::PingReq => Self::PingReq,
            Packet::PingResp => Self::PingResp,
            Packet::Disconnect => Self::Disconnect,
            Packet::Connect(_) | Packet::ConnAck(_) | Packet::SubAck(_) | Packet::UnsubAck(_) => {
                return None;
            }
        })
    }
}
