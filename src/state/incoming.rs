//! Incoming QoS 1/2 state: which received publishes still owe an ack (manual acks) and which
//! QoS 2 packet ids were received but not yet released, so a redelivery is never handed to
//! the application twice. Outgoing exchanges live in `inflight`.

use std::collections::{BTreeMap, BTreeSet};

use super::StateError;
use crate::AckMode;
use crate::mqttbytes::{Packet, PacketType, PubAck, PubComp, PubRec, PubRel, Publish, QoS};

/// Whether a received publish goes to the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// First receipt: queue `Event::Incoming`.
    Deliver,
    /// A redelivery of a QoS 2 publish the application already has.
    Suppress,
}

/// Phase of an incoming QoS 2 exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Qos2Phase {
    /// Delivered in manual-ack mode; the application has not sent PUBREC yet.
    Received,
    /// PUBREC sent; waiting for the broker's PUBREL.
    PubRecSent,
}

/// Acks owed for, and QoS 2 ids of, publishes received from the broker.
#[derive(Debug, Clone, Default)]
pub(crate) struct IncomingState {
    /// QoS 1 ids delivered in manual mode and not yet acked by the application.
    awaiting_puback: BTreeSet<u16>,
    /// QoS 2 ids received and not yet released by PUBREL.
    qos2: BTreeMap<u16, Qos2Phase>,
}

impl IncomingState {
    /// A publish arrived: whether to deliver it, and the ack to send now. In manual mode
    /// the application owes the PUBACK/PUBREC instead. A redelivered QoS 2 publish whose id
    /// is not yet released is suppressed; if PUBREC was sent already it is sent again.
    pub(crate) fn handle_publish(
        &mut self,
        publish: &Publish,
        mode: AckMode,
    ) -> (Delivery, Option<Packet>) {
        let pkid = publish.pkid;
        match (publish.qos, self.qos2.get(&pkid), mode) {
            (QoS::AtMostOnce, ..) => (Delivery::Deliver, None),
            (QoS::AtLeastOnce, _, AckMode::Automatic) => {
                (Delivery::Deliver, Some(Packet::PubAck(PubAck::new(pkid))))
            }
            (QoS::AtLeastOnce, _, AckMode::Manual) => {
                self.awaiting_puback.insert(pkid);
                (Delivery::Deliver, None)
            }
            // [MQTT-4.3.3-2] not delivered twice before PUBREL
            (QoS::ExactlyOnce, Some(Qos2Phase::PubRecSent), _) => {
                (Delivery::Suppress, Some(Packet::PubRec(PubRec::new(pkid))))
            }
            (QoS::ExactlyOnce, Some(Qos2Phase::Received), _) => (Delivery::Suppress, None),
            (QoS::ExactlyOnce, None, AckMode::Automatic) => {
                self.qos2.insert(pkid, Qos2Phase::PubRecSent);
                (Delivery::Deliver, Some(Packet::PubRec(PubRec::new(pkid))))
            }
            (QoS::ExactlyOnce, None, AckMode::Manual) => {
                self.qos2.insert(pkid, Qos2Phase::Received);
                (Delivery::Deliver, None)
            }
        }
    }

    /// A PUBREL arrived: release the id and answer PUBCOMP. An unknown id is answered too
    /// (the broker may replay a PUBREL we completed before a restart).
    ///
    /// # Errors
    /// [`StateError::UnsolicitedAck`] when the id was received but PUBREC was never sent.
    pub(crate) fn handle_pubrel(&mut self, pubrel: PubRel) -> Result<PubComp, StateError> {
        let pkid = pubrel.pkid;
        if self.qos2.get(&pkid) == Some(&Qos2Phase::Received) {
            return Err(StateError::unsolicited(PacketType::PubRel, pkid));
        }
        self.qos2.remove(&pkid);
        Ok(PubComp::new(pkid))
    }

    /// Remembers `pkid` as PUBREC'd before a restart (read back from a session store), so
    /// its redelivery is answered without reaching the application again.
    pub(crate) fn restore_pubrec_sent(&mut self, pkid: u16) {
        self.qos2.insert(pkid, Qos2Phase::PubRecSent);
    }

    /// The application acks a QoS 1 publish.
    ///
    /// # Errors
    /// [`StateError::InvalidManualAck`] when no delivered publish awaits this PUBACK
    /// (unknown id, acked twice, or automatic mode).
    pub(crate) fn manual_puback(&mut self, ack: PubAck) -> Result<PubAck, StateError> {
        if self.awaiting_puback.remove(&ack.pkid) {
            Ok(ack)
        } else {
            Err(invalid_ack(PacketType::PubAck, ack.pkid))
        }
    }

    /// The application sends PUBREC for a QoS 2 publish.
    ///
    /// # Errors
    /// [`StateError::InvalidManualAck`] unless the id was delivered and not yet PUBREC'd.
    pub(crate) fn manual_pubrec(&mut self, ack: PubRec) -> Result<PubRec, StateError> {
        match self.qos2.get_mut(&ack.pkid) {
            Some(phase @ Qos2Phase::Received) => {
                *phase = Qos2Phase::PubRecSent;
                Ok(ack)
            }
            _ => Err(invalid_ack(PacketType::PubRec, ack.pkid)),
        }
    }

    /// The connection ended. Acks owed to the old connection are void (the broker
    /// redelivers); QoS 2 ids already PUBREC'd stay, as session state.
    pub(crate) fn handle_connection_lost(&mut self) {
        self.awaiting_puback.clear();
        self.qos2.retain(|_, phase| *phase == Qos2Phase::PubRecSent);
    }

    /// The session is gone: forget everything.
    pub(crate) fn clear(&mut self) {
        self.awaiting_puback.clear();
        self.qos2.clear();
    }
}

const fn invalid_ack(packet_type: PacketType, pkid: u16) -> StateError {
    StateError::InvalidManualAck { packet_type, pkid }
}
