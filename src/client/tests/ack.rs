//! Manual acknowledgements: the packet each QoS answers with, and pkid 0.

use super::*;

#[test]
fn prepare_ack_answers_by_qos() {
    let (client, _lanes) = client();
    assert_eq!(client.prepare_ack(&incoming(QoS::AtMostOnce, 0)), None);
    let puback = Some(ManualAck::PubAck(PubAck::new(5)));
    assert_eq!(client.prepare_ack(&incoming(QoS::AtLeastOnce, 5)), puback);
    let pubrec = Some(ManualAck::PubRec(PubRec::new(6)));
    assert_eq!(client.prepare_ack(&incoming(QoS::ExactlyOnce, 6)), pubrec);
}

#[test]
fn ack_of_a_qos0_publish_sends_nothing() {
    let (client, lanes) = client();
    assert_eq!(client.try_ack(&incoming(QoS::AtMostOnce, 0)), Ok(()));
    assert_eq!(Client(client).ack(&incoming(QoS::AtMostOnce, 0)), Ok(()));
    assert!(lanes.is_empty());
}

#[test]
fn ack_of_packet_id_zero_is_refused() {
    let (client, lanes) = client();
    let request = Box::new(Request::PubAck(PubAck::new(0)));
    let expected = ClientError::PacketIdZero(request);
    assert_eq!(
        client.try_ack(&incoming(QoS::AtLeastOnce, 0)),
        Err(expected)
    );
    let request = Box::new(Request::PubRec(PubRec::new(0)));
    let expected = ClientError::PacketIdZero(request);
    assert_eq!(
        client.try_manual_ack(ManualAck::PubRec(PubRec::new(0))),
        Err(expected)
    );
    assert!(lanes.is_empty());
}
